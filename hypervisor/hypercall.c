/*
 * hypercall.c - the hypercall table, the privilege check and the hypercall
 * page. Numbers and names follow xen/include/public/xen.h.
 */
#include "libxc/trace.h"
#include "hypercall.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "xenolith/boot.h"

#define UNIMPLEMENTED_LOG_LIMIT 16u

static const struct {
    const char *name;
    hcall_fn fn;
} table[] = {
    [__HYPERVISOR_set_trap_table] = {"set_trap_table", NULL},
    [__HYPERVISOR_mmu_update] = {"mmu_update", NULL},
    [__HYPERVISOR_set_gdt] = {"set_gdt", NULL},
    [__HYPERVISOR_stack_switch] = {"stack_switch", NULL},
    [__HYPERVISOR_set_callbacks] = {"set_callbacks", NULL},
    [__HYPERVISOR_fpu_taskswitch] = {"fpu_taskswitch", NULL},
    [__HYPERVISOR_sched_op_compat] = {"sched_op_compat", NULL},
    [__HYPERVISOR_platform_op] = {"platform_op", NULL},
    [__HYPERVISOR_set_debugreg] = {"set_debugreg", NULL},
    [__HYPERVISOR_get_debugreg] = {"get_debugreg", NULL},
    [__HYPERVISOR_update_descriptor] = {"update_descriptor", NULL},
    [__HYPERVISOR_memory_op] = {"memory_op", hcall_memory_op},
    [__HYPERVISOR_multicall] = {"multicall", NULL},
    [__HYPERVISOR_update_va_mapping] = {"update_va_mapping", NULL},
    [__HYPERVISOR_set_timer_op] = {"set_timer_op", hcall_set_timer_op},
    [__HYPERVISOR_event_channel_op_compat] = {"event_channel_op_compat", NULL},
    [__HYPERVISOR_xen_version] = {"xen_version", hcall_xen_version},
    [__HYPERVISOR_console_io] = {"console_io", hcall_console_io},
    [__HYPERVISOR_physdev_op_compat] = {"physdev_op_compat", NULL},
    [__HYPERVISOR_grant_table_op] = {"grant_table_op", hcall_grant_table_op},
    [__HYPERVISOR_vm_assist] = {"vm_assist", NULL},
    [__HYPERVISOR_update_va_mapping_otherdomain] = {"update_va_mapping_otherdomain", NULL},
    [__HYPERVISOR_iret] = {"iret", NULL},
    [__HYPERVISOR_vcpu_op] = {"vcpu_op", hcall_vcpu_op},
    [__HYPERVISOR_set_segment_base] = {"set_segment_base", NULL},
    [__HYPERVISOR_mmuext_op] = {"mmuext_op", NULL},
    [__HYPERVISOR_xsm_op] = {"xsm_op", NULL},
    [__HYPERVISOR_nmi_op] = {"nmi_op", NULL},
    [__HYPERVISOR_sched_op] = {"sched_op", hcall_sched_op},
    [__HYPERVISOR_callback_op] = {"callback_op", NULL},
    [__HYPERVISOR_xenoprof_op] = {"xenoprof_op", NULL},
    [__HYPERVISOR_event_channel_op] = {"event_channel_op", hcall_event_channel_op},
    [__HYPERVISOR_physdev_op] = {"physdev_op", NULL},
    [__HYPERVISOR_hvm_op] = {"hvm_op", hcall_hvm_op},
    [__HYPERVISOR_sysctl] = {"sysctl", NULL},
    [__HYPERVISOR_domctl] = {"domctl", NULL},
    [__HYPERVISOR_kexec_op] = {"kexec_op", NULL},
    [__HYPERVISOR_tmem_op] = {"tmem_op", NULL},
    [__HYPERVISOR_argo_op] = {"argo_op", NULL},
    [__HYPERVISOR_xenpmu_op] = {"xenpmu_op", NULL},
    [__HYPERVISOR_dm_op] = {"dm_op", NULL},
    [__HYPERVISOR_hypfs_op] = {"hypfs_op", NULL},
};
#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

const char *hypercall_name(uint64_t nr)
{
    return nr < TABLE_SIZE && table[nr].name ? table[nr].name : "unknown";
}

long hcall_unimplemented(struct hcall_ctx *c, const char *what, uint64_t sub)
{
    struct domain *d = c->d;
    pthread_mutex_lock(&d->lock);
    unsigned n = d->unimplemented_logged++;
    pthread_mutex_unlock(&d->lock);
    if (n < UNIMPLEMENTED_LOG_LIMIT)
        log_info("d%u vcpu%u: %s %llu not implemented (-ENOSYS)", d->domid, c->vcpu_id, what,
                 (unsigned long long)sub);
    else if (n == UNIMPLEMENTED_LOG_LIMIT)
        log_info("d%u: further unimplemented hypercalls not logged", d->domid);
    return -ENOSYS;
}

long hypercall_dispatch(struct hcall_ctx *c, uint64_t nr, const uint64_t args[5])
{
    /* Xen refuses hypercalls from guest user mode. */
    if (c->cpl != 0)
        return -EPERM;
    if (nr >= TABLE_SIZE || !table[nr].fn) {
        char what[64];
        snprintf(what, sizeof(what), "hypercall %s", hypercall_name(nr));
        return hcall_unimplemented(c, what, nr);
    }
    xc_trace(XL_TR_HYPERCALL, c->d->domid, 0, (uint16_t)c->vcpu_id, nr, (uint32_t)args[0]);
    return table[nr].fn(c, args);
}

int hcall_copy_from(struct hcall_ctx *c, void *dst, uint64_t gva, size_t len)
{
    return guest_copy_from(&c->d->mem, &c->pg, dst, gva, len);
}

int hcall_copy_to(struct hcall_ctx *c, uint64_t gva, const void *src, size_t len)
{
    return guest_copy_to(&c->d->mem, &c->pg, gva, src, len);
}

void hypercall_page_fill(uint8_t *page)
{
    memset(page, 0xcc, 4096); /* int3 between stubs, as Xen fills it */
    for (unsigned i = 0; i < 4096 / XL_HYPERCALL_STUB_SIZE; i++) {
        uint8_t *p = page + i * XL_HYPERCALL_STUB_SIZE;
        if (i == __HYPERVISOR_iret) {
            p[0] = 0x0f; /* ud2: iret is PV-only, as on Xen for HVM */
            p[1] = 0x0b;
            continue;
        }
        p[0] = 0xb8;                 /* mov $i, %eax */
        memcpy(p + 1, &i, 4);
        p[5] = 0xe6;                 /* out %al, $XL_HYPERCALL_PORT */
        p[6] = XL_HYPERCALL_PORT;
        p[7] = 0xc3;                 /* ret */
    }
}
