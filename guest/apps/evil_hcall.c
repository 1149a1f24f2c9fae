/*
 * evil_hcall.c - attacks on hypercall argument decoding (evil.h):
 *   - every pointer-taking op we know, with each address that is not our
 *     memory (evil_bad_ptrs): -EFAULT, and no write anywhere;
 *   - the same ops with awkward but valid pointers (odd addresses, a
 *     struct straddling two pages): the same answer as an aligned one;
 *   - absurd counts, sizes, indexes and vCPU ids: Xen's -EINVAL/-ENOENT/
 *     -EPERM;
 *   - every hypercall number that is not implemented, numbers with high
 *     bits set in RAX, and unknown sub-ops: -ENOSYS.
 * What the hypervisor answers is in hypervisor/hcall_*.c; what Xen
 * answers is the reference (xen-abi.md 3).
 */
#include "apps/evil.h"
#include "kernel/errno.h"
#include "kernel/hypercall.h"
#include "kernel/lib.h"
#include "xenolith/boot.h"

/* One pointer-taking op: call(arg) makes the hypercall with arg as its
 * pointer, size is the struct it reads or writes. */
struct ptr_op {
    const char *name;
    unsigned size;
    long (*call)(uint64_t arg);
};

static long xv(int cmd, uint64_t a) { return hypercall2(__HYPERVISOR_xen_version, cmd, a); }
static long ev(int cmd, uint64_t a) { return hypercall2(__HYPERVISOR_event_channel_op, cmd, a); }
static long gt(int cmd, uint64_t a) { return hypercall3(__HYPERVISOR_grant_table_op, cmd, a, 1); }
static long mo(int cmd, uint64_t a) { return hypercall2(__HYPERVISOR_memory_op, cmd, a); }
static long ho(int cmd, uint64_t a) { return hypercall2(__HYPERVISOR_hvm_op, cmd, a); }
static long vo(int cmd, uint64_t a) { return hypercall3(__HYPERVISOR_vcpu_op, cmd, 0, a); }
static long so(int cmd, uint64_t a) { return hypercall2(__HYPERVISOR_sched_op, cmd, a); }

static long p_extraversion(uint64_t a) { return xv(XENVER_extraversion, a); }
static long p_compile_info(uint64_t a) { return xv(XENVER_compile_info, a); }
static long p_capabilities(uint64_t a) { return xv(XENVER_capabilities, a); }
static long p_changeset(uint64_t a) { return xv(XENVER_changeset, a); }
static long p_platform(uint64_t a) { return xv(XENVER_platform_parameters, a); }
static long p_features(uint64_t a) { return xv(XENVER_get_features, a); }
static long p_console(uint64_t a) { return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, 16, a); }
static long p_shutdown(uint64_t a) { return so(SCHEDOP_shutdown, a); }
static long p_poll(uint64_t a) { return so(SCHEDOP_poll, a); }
static long p_memory_map(uint64_t a) { return mo(XENMEM_memory_map, a); }
static long p_add_to_physmap(uint64_t a) { return mo(XENMEM_add_to_physmap, a); }
static long p_cur_reservation(uint64_t a) { return mo(XENMEM_current_reservation, a); }
static long p_max_reservation(uint64_t a) { return mo(XENMEM_maximum_reservation, a); }
static long p_max_gpfn(uint64_t a) { return mo(XENMEM_maximum_gpfn, a); }
static long p_get_param(uint64_t a) { return ho(HVMOP_get_param, a); }
static long p_set_param(uint64_t a) { return ho(HVMOP_set_param, a); }
static long p_upcall_vector(uint64_t a) { return ho(HVMOP_set_evtchn_upcall_vector, a); }
static long p_vcpu_info(uint64_t a) { return vo(VCPUOP_register_vcpu_info, a); }
static long p_singleshot(uint64_t a) { return vo(VCPUOP_set_singleshot_timer, a); }
static long p_periodic(uint64_t a) { return vo(VCPUOP_set_periodic_timer, a); }
static long p_send(uint64_t a) { return ev(EVTCHNOP_send, a); }
static long p_close(uint64_t a) { return ev(EVTCHNOP_close, a); }
static long p_status(uint64_t a) { return ev(EVTCHNOP_status, a); }
static long p_alloc_unbound(uint64_t a) { return ev(EVTCHNOP_alloc_unbound, a); }
static long p_bind_interdomain(uint64_t a) { return ev(EVTCHNOP_bind_interdomain, a); }
static long p_bind_virq(uint64_t a) { return ev(EVTCHNOP_bind_virq, a); }
static long p_bind_ipi(uint64_t a) { return ev(EVTCHNOP_bind_ipi, a); }
static long p_bind_vcpu(uint64_t a) { return ev(EVTCHNOP_bind_vcpu, a); }
static long p_unmask(uint64_t a) { return ev(EVTCHNOP_unmask, a); }
static long p_query_size(uint64_t a) { return gt(GNTTABOP_query_size, a); }
static long p_setup_table(uint64_t a) { return gt(GNTTABOP_setup_table, a); }
static long p_copy(uint64_t a) { return gt(GNTTABOP_copy, a); }
static long p_get_version(uint64_t a) { return gt(GNTTABOP_get_version, a); }
static long p_set_version(uint64_t a) { return gt(GNTTABOP_set_version, a); }

static const struct ptr_op ptr_ops[] = {
    {"xen_version extraversion", sizeof(xen_extraversion_t), p_extraversion},
    {"xen_version compile_info", sizeof(xen_compile_info_t), p_compile_info},
    {"xen_version capabilities", sizeof(xen_capabilities_info_t), p_capabilities},
    {"xen_version changeset", sizeof(xen_changeset_info_t), p_changeset},
    {"xen_version platform_parameters", sizeof(xen_platform_parameters_t), p_platform},
    {"xen_version get_features", sizeof(xen_feature_info_t), p_features},
    {"console_io write", 16, p_console},
    {"sched_op shutdown", sizeof(struct sched_shutdown), p_shutdown},
    {"sched_op poll", sizeof(struct sched_poll), p_poll},
    {"memory_op memory_map", sizeof(struct xen_memory_map), p_memory_map},
    {"memory_op add_to_physmap", sizeof(struct xen_add_to_physmap), p_add_to_physmap},
    {"memory_op current_reservation", sizeof(domid_t), p_cur_reservation},
    {"memory_op maximum_reservation", sizeof(domid_t), p_max_reservation},
    {"memory_op maximum_gpfn", sizeof(domid_t), p_max_gpfn},
    {"hvm_op get_param", sizeof(struct xen_hvm_param), p_get_param},
    {"hvm_op set_param", sizeof(struct xen_hvm_param), p_set_param},
    {"hvm_op set_evtchn_upcall_vector", sizeof(struct xen_hvm_evtchn_upcall_vector), p_upcall_vector},
    {"vcpu_op register_vcpu_info", sizeof(struct vcpu_register_vcpu_info), p_vcpu_info},
    {"vcpu_op set_singleshot_timer", sizeof(struct vcpu_set_singleshot_timer), p_singleshot},
    {"vcpu_op set_periodic_timer", sizeof(struct vcpu_set_periodic_timer), p_periodic},
    {"evtchn send", sizeof(struct evtchn_send), p_send},
    {"evtchn close", sizeof(struct evtchn_close), p_close},
    {"evtchn status", sizeof(struct evtchn_status), p_status},
    {"evtchn alloc_unbound", sizeof(struct evtchn_alloc_unbound), p_alloc_unbound},
    {"evtchn bind_interdomain", sizeof(struct evtchn_bind_interdomain), p_bind_interdomain},
    {"evtchn bind_virq", sizeof(struct evtchn_bind_virq), p_bind_virq},
    {"evtchn bind_ipi", sizeof(struct evtchn_bind_ipi), p_bind_ipi},
    {"evtchn bind_vcpu", sizeof(struct evtchn_bind_vcpu), p_bind_vcpu},
    {"evtchn unmask", sizeof(struct evtchn_unmask), p_unmask},
    {"grant query_size", sizeof(struct gnttab_query_size), p_query_size},
    {"grant setup_table", sizeof(struct gnttab_setup_table), p_setup_table},
    {"grant copy", sizeof(struct gnttab_copy), p_copy},
    {"grant get_version", sizeof(struct gnttab_get_version), p_get_version},
    {"grant set_version", sizeof(struct gnttab_set_version), p_set_version},
};

#define NOPS (sizeof(ptr_ops) / sizeof(ptr_ops[0]))

static void bad_pointers(void)
{
    struct evil_ptr ptrs[EVIL_BAD_PTRS];
    for (unsigned i = 0; i < NOPS; i++) {
        unsigned n = evil_bad_ptrs(ptrs, ptr_ops[i].size);
        for (unsigned j = 0; j < n; j++)
            evil_expect(ptr_ops[i].call(ptrs[j].addr), -EFAULT, "%s with a pointer %s (0x%lx)",
                        ptr_ops[i].name, ptrs[j].name, (unsigned long)ptrs[j].addr);
    }
}

/* Two pages of our own memory: an argument may sit anywhere in them. */
static uint8_t area[8192] __attribute__((aligned(4096)));

/* Places len bytes of src at area + off, calls, copies the result back. */
static long at(unsigned off, void *arg, unsigned len, long (*call)(uint64_t))
{
    memcpy(area + off, arg, len);
    long rc = call((uint64_t)(uintptr_t)(area + off));
    memcpy(arg, area + off, len);
    return rc;
}

static void awkward_pointers(void)
{
    static const struct {
        const char *name;
        unsigned off;
    } places[] = {{"odd", 1}, {"3 bytes in", 3}, {"straddling two pages", 4096 - 5}};
    for (unsigned i = 0; i < 3; i++) {
        unsigned off = places[i].off;
        xen_extraversion_t x = {0};
        long rc = at(off, &x, sizeof(x), p_extraversion);
        evil_expect(rc == 0 && strcmp(x, "-xenolith") == 0, 1,
                    "xen_version extraversion at a pointer %s reads \"-xenolith\"", places[i].name);
        struct xen_hvm_param p = {.domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN};
        rc = at(off, &p, sizeof(p), p_get_param);
        evil_expect(rc == 0 && p.value == XL_SPECIAL_PFN_BASE + 4, 1,
                    "hvm_op get_param STORE_PFN at a pointer %s", places[i].name);
        struct gnttab_query_size q = {.dom = DOMID_SELF};
        rc = at(off, &q, sizeof(q), p_query_size);
        evil_expect(rc == 0 && q.status == GNTST_okay && q.nr_frames >= 1, 1,
                    "grant query_size at a pointer %s", places[i].name);
        struct evtchn_status st = {.dom = DOMID_SELF, .port = 0x7fffffff};
        evil_expect(at(off, &st, sizeof(st), p_status), -EINVAL,
                    "evtchn status of port 0x7fffffff at a pointer %s", places[i].name);
        struct sched_shutdown s = {.reason = 99};
        evil_expect(at(off, &s, sizeof(s), p_shutdown), -EINVAL,
                    "sched_op shutdown reason 99 at a pointer %s", places[i].name);
    }
}

static long console_write(uint64_t count, const void *buf)
{
    return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, count, (uint64_t)(uintptr_t)buf);
}

static long vcpu_op(int cmd, uint64_t vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, (uint64_t)(uintptr_t)arg);
}

static void absurd_values(void)
{
    static const uint64_t counts[] = {(1u << 20) + 1, 0x7fffffff, 0xffffffff, 1ull << 32, ~0ull};
    for (unsigned i = 0; i < 5; i++)
        evil_expect(console_write(counts[i], area), -EINVAL, "console_io write of 0x%lx bytes",
                    (unsigned long)counts[i]);

    static const uint32_t reasons[] = {SHUTDOWN_MAX + 1, 99, 0x80000000u, 0xffffffffu};
    for (unsigned i = 0; i < 4; i++) {
        struct sched_shutdown s = {.reason = reasons[i]};
        evil_expect(so(SCHEDOP_shutdown, (uintptr_t)&s), -EINVAL, "sched_op shutdown reason 0x%x",
                    reasons[i]);
    }
    static const unsigned nports[] = {129, 4096, 0x7fffffff, 0xffffffffu};
    for (unsigned i = 0; i < 4; i++) {
        struct sched_poll p = {.nr_ports = nports[i], .timeout = 1};
        set_xen_guest_handle(p.ports, (evtchn_port_t *)area);
        evil_expect(so(SCHEDOP_poll, (uintptr_t)&p), -EINVAL, "sched_op poll of 0x%x ports", nports[i]);
    }
    evtchn_port_t bad_port = 5000;
    struct sched_poll p = {.nr_ports = 1, .timeout = 1};
    set_xen_guest_handle(p.ports, &bad_port);
    evil_expect(so(SCHEDOP_poll, (uintptr_t)&p), -EINVAL, "sched_op poll on port 5000");
    set_xen_guest_handle(p.ports, (evtchn_port_t *)0x00007fff00000000ull);
    evil_expect(so(SCHEDOP_poll, (uintptr_t)&p), -EFAULT, "sched_op poll with an unmapped port list");

    static const uint32_t params[] = {HVM_NR_PARAMS, 0x7fffffff, 0xffffffffu};
    for (unsigned i = 0; i < 3; i++) {
        struct xen_hvm_param hp = {.domid = DOMID_SELF, .index = params[i]};
        evil_expect(ho(HVMOP_get_param, (uintptr_t)&hp), -EINVAL, "hvm_op get_param index 0x%x", params[i]);
        evil_expect(ho(HVMOP_set_param, (uintptr_t)&hp), -EINVAL, "hvm_op set_param index 0x%x", params[i]);
    }
    struct xen_hvm_param hp = {.domid = 0, .index = HVM_PARAM_STORE_PFN};
    evil_expect(ho(HVMOP_get_param, (uintptr_t)&hp), -EPERM, "hvm_op get_param of Dom0");
    hp.domid = evil.self + 1;
    evil_expect(ho(HVMOP_set_param, (uintptr_t)&hp), -EPERM, "hvm_op set_param of another domain");
    hp = (struct xen_hvm_param){.domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN, .value = 1};
    evil_expect(ho(HVMOP_set_param, (uintptr_t)&hp), -EPERM, "hvm_op set_param of our own STORE_PFN");
    struct xen_hvm_evtchn_upcall_vector uv = {.vcpu = 0, .vector = 5};
    evil_expect(ho(HVMOP_set_evtchn_upcall_vector, (uintptr_t)&uv), -EINVAL, "upcall vector 5");
    uv = (struct xen_hvm_evtchn_upcall_vector){.vcpu = 0xffffffffu, .vector = 0xf3};
    evil_expect(ho(HVMOP_set_evtchn_upcall_vector, (uintptr_t)&uv), -ENOENT, "upcall vector on vCPU 0xffffffff");

    domid_t other = 0;
    evil_expect(mo(XENMEM_current_reservation, (uintptr_t)&other), -EPERM, "current_reservation of Dom0");
    evil_expect(mo(XENMEM_maximum_gpfn, (uintptr_t)&other), -EPERM, "maximum_gpfn of Dom0");
    struct xen_add_to_physmap x = {.domid = 0, .space = XENMAPSPACE_shared_info, .gpfn = 0x3000};
    evil_expect(mo(XENMEM_add_to_physmap, (uintptr_t)&x), -EPERM, "add_to_physmap into Dom0");
    x = (struct xen_add_to_physmap){.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                    .idx = 1000000, .gpfn = 0x3000};
    evil_expect(mo(XENMEM_add_to_physmap, (uintptr_t)&x), -EINVAL, "add_to_physmap of grant frame 1000000");
    x.idx = 0;
    x.space = 99;
    /* A map space this hypervisor does not implement: -ENOSYS, as every
     * unimplemented operation (DESIGN.md principles). */
    evil_expect(mo(XENMEM_add_to_physmap, (uintptr_t)&x), -ENOSYS, "add_to_physmap of space 99");

    /* Every vCPU op on vCPUs we do not have. */
    static const uint64_t vcpus[] = {1, 32, 0xffffffff, 1ull << 32};
    static const struct {
        int cmd;
        const char *name;
    } vops[] = {{VCPUOP_is_up, "is_up"}, {VCPUOP_up, "up"}, {VCPUOP_down, "down"},
                {VCPUOP_initialise, "initialise"}, {VCPUOP_register_vcpu_info, "register_vcpu_info"},
                {VCPUOP_set_singleshot_timer, "set_singleshot_timer"},
                {VCPUOP_stop_singleshot_timer, "stop_singleshot_timer"},
                {VCPUOP_set_periodic_timer, "set_periodic_timer"},
                {VCPUOP_stop_periodic_timer, "stop_periodic_timer"}};
    for (unsigned i = 0; i < sizeof(vops) / sizeof(vops[0]); i++)
        for (unsigned j = 0; j < 4; j++)
            evil_expect(vcpu_op(vops[i].cmd, vcpus[j], area), -ENOENT, "vcpu_op %s on vCPU 0x%lx",
                        vops[i].name, (unsigned long)vcpus[j]);
    struct vcpu_set_periodic_timer pt = {.period_ns = 1};
    evil_expect(vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), -EINVAL, "a periodic timer of 1 ns");
}

/* A hypercall with an arbitrary RAX, made with our own stub (the page's
 * stubs load a 32-bit immediate): the dispatcher must not truncate. */
static long raw_hypercall(uint64_t nr, uint64_t a1)
{
    long ret;
    register uint64_t rdi __asm__("rdi") = a1;
    __asm__ volatile("out %%al, %[port]"
                     : "=a"(ret), "+r"(rdi)
                     : "a"(nr), [port] "i"(XL_HYPERCALL_PORT)
                     : "memory", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11");
    return ret;
}

static bool implemented(unsigned nr)
{
    switch (nr) {
    case __HYPERVISOR_memory_op:
    case __HYPERVISOR_set_timer_op:
    case __HYPERVISOR_xen_version:
    case __HYPERVISOR_console_io:
    case __HYPERVISOR_grant_table_op:
    case __HYPERVISOR_vcpu_op:
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_event_channel_op:
    case __HYPERVISOR_hvm_op:
        return true;
    default:
        return false;
    }
}

static void unknown_numbers(void)
{
    for (unsigned nr = 0; nr < 4096 / 32; nr++) {
        if (implemented(nr))
            continue;
        /* iret's stub is ud2, as on Xen for HVM: reach the dispatcher
         * with our own. */
        long rc = nr == __HYPERVISOR_iret ? raw_hypercall(nr, 0)
                                          : evil_hypercall5(nr, 0, (uintptr_t)area, 1, 0, 0);
        evil_expect(rc, -ENOSYS, "hypercall %u", nr);
    }
    static const uint64_t wide[] = {128, 1000, 0xffffffff, 1ull << 32 | __HYPERVISOR_xen_version,
                                    1ull << 63 | __HYPERVISOR_sched_op, ~0ull};
    for (unsigned i = 0; i < 6; i++)
        evil_expect(raw_hypercall(wide[i], (uintptr_t)area), -ENOSYS, "hypercall number 0x%lx in RAX",
                    (unsigned long)wide[i]);

    static const struct {
        unsigned nr;
        const char *name;
        uint64_t cmd;
    } subs[] = {
        {__HYPERVISOR_xen_version, "xen_version", 99}, {__HYPERVISOR_xen_version, "xen_version", 0x7fffffff},
        {__HYPERVISOR_console_io, "console_io", 99}, {__HYPERVISOR_sched_op, "sched_op", 99},
        {__HYPERVISOR_memory_op, "memory_op", 999}, {__HYPERVISOR_hvm_op, "hvm_op", 999},
        {__HYPERVISOR_vcpu_op, "vcpu_op", 99}, {__HYPERVISOR_event_channel_op, "event_channel_op", 99},
        {__HYPERVISOR_grant_table_op, "grant_table_op", 99},
    };
    for (unsigned i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        evil_expect(hypercall3(subs[i].nr, subs[i].cmd, 0, (uintptr_t)area), -ENOSYS, "%s sub-op %lu",
                    subs[i].name, (unsigned long)subs[i].cmd);
    evil_expect(xv(XENVER_commandline, (uintptr_t)area), -EPERM, "xen_version commandline (privileged)");
    evil_expect(xv(XENVER_build_id, (uintptr_t)area), -EPERM, "xen_version build_id (privileged)");
    struct sched_remote_shutdown rs = {.domain_id = 0, .reason = SHUTDOWN_poweroff};
    evil_expect(so(SCHEDOP_remote_shutdown, (uintptr_t)&rs), -EPERM, "sched_op remote_shutdown of Dom0");
    if (evil.victim != DOMID_INVALID) {
        rs.domain_id = evil.victim;
        evil_expect(so(SCHEDOP_remote_shutdown, (uintptr_t)&rs), -EPERM,
                    "sched_op remote_shutdown of the victim");
    }
}

void evil_hcall(void)
{
    bad_pointers();
    awkward_pointers();
    absurd_values();
    unknown_numbers();
}
