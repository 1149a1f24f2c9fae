/*
 * main.c - the guest kernel's boot: find Xen, install the hypercall page,
 * learn who we are, then run the app named on the command line (app=NAME).
 */
#include "kernel/apps.h"
#include "kernel/console.h"
#include "kernel/events.h"
#include "kernel/time.h"
#include "kernel/hypercall.h"
#include "kernel/page_alloc.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"
#include "kernel/services.h"
#include "xenolith/boot.h"

struct boot_info boot;
static char cmdline_copy[1024];

/* Leaves 0x40000000..4, 0x40000100..1 as head.S read them before
 * entering PVM mode. */
extern const uint32_t early_cpuid[7][4];

static bool xen_signature_ok(void)
{
    const uint32_t *r = early_cpuid[0];
    return r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e && r[0] >= 0x40000004;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static void halt_forever(void)
{
    for (;;)
        __asm__ volatile("hlt");
}

void kernel_shutdown(unsigned reason)
{
    console_flush();
    struct sched_shutdown s = {.reason = reason};
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    halt_forever(); /* not reached: the hypervisor stops this vCPU */
    __builtin_unreachable();
}

bool cmdline_get(const char *key, char *buf, unsigned len)
{
    size_t kl = strlen(key);
    const char *p = boot.cmdline;
    while (p && *p) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t n = (size_t)(end - p) - kl - 1;
            if (n >= len)
                n = len - 1;
            memcpy(buf, p + kl + 1, n);
            buf[n] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

uint64_t cmdline_u64(const char *key, uint64_t dflt)
{
    char buf[32];
    uint64_t v;
    if (!cmdline_get(key, buf, sizeof(buf)) || parse_u64(buf, &v) < 0)
        return dflt;
    return v;
}

uint64_t tsc_to_ps(uint64_t cycles)
{
    /* cycles / kHz = ms; split so nothing overflows and no 128-bit divide. */
    uint64_t khz = boot.tsc_khz ? boot.tsc_khz : 1;
    return cycles / khz * 1000000000ull + cycles % khz * 1000000000ull / khz;
}

static void discover_xen(void)
{
    wrmsr(early_cpuid[2][1], (uint64_t)(uintptr_t)hypercall_page); /* 1:1: VA == GPA */
    boot.tsc_khz = early_cpuid[3][2];
    boot.vcpu_id = early_cpuid[4][1];
    boot.domid = early_cpuid[4][2];
    boot.xen_version = (uint32_t)HYPERVISOR_xen_version(XENVER_version, 0);
    if (early_cpuid[5][1] == XL_CPUID_SIG_EBX && early_cpuid[5][2] == XL_CPUID_SIG_ECX &&
        early_cpuid[5][0] >= XL_CPUID_XENOLITH + 1)
        boot.notify_port = (uint16_t)early_cpuid[6][0];
}

extern uint8_t pvcs_pages[];

/* Drivers' pages: low RAM after the builder's boot data, which ends with
 * the page tables and the boot stack page (dom0-tools/builder/build.c). */
static void init_page_pool(const struct start_info *si)
{
    uint64_t boot_end = si->pt_base + (si->nr_pt_frames + 1) * PAGE_SIZE;
    uint64_t ram_end = si->nr_pages * PAGE_SIZE;
    if (ram_end > XL_LOWMEM_LIMIT)
        ram_end = XL_LOWMEM_LIMIT;
    page_alloc_init(boot_end, ram_end);
}

void kernel_main(struct start_info *si, uint64_t flags)
{
    boot.kvm_pvm = flags & XL_BOOT_FLAG_KVM_PVM;
    struct percpu *c = cpu_of(0); /* the stack we run on (head.S) */
    c->self = c;
    c->id = 0;
    c->pvcs = pvcs_pages;
    c->online = 1;
    cpu_init(c);
    if (!xen_signature_ok())
        halt_forever(); /* no Xen: no console to say so on */
    discover_xen();
    boot.nr_pages = si->nr_pages;
    init_page_pool(si);
    int erc = events_init();
    if (erc == 0)
        erc = time_init();
    if (erc < 0) {
        printf("xenolith guest: event channels unavailable (%d)\n", erc);
        kernel_shutdown(SHUTDOWN_crash);
    }
    console_ring_init(); /* output moves to the console ring once xenconsoled is there */
    memcpy(cmdline_copy, si->cmd_line, sizeof(cmdline_copy) - 1);
    boot.cmdline = cmdline_copy;
    /* noservices=1 leaves them off (to tell their effects from an app's). */
    if (!cmdline_u64("noservices", 0))
        services_start(); /* xl shutdown, vcpu-set, mem-set through xenstore */

    char name[32] = "";
    if (!cmdline_get("app", name, sizeof(name))) {
        printf("xenolith guest: no app= on the command line '%s'\n", boot.cmdline);
        kernel_shutdown(SHUTDOWN_crash);
    }
    const struct guest_app *app = app_find(name);
    if (!app) {
        printf("xenolith guest: unknown app '%s' (try one of:", name);
        app_list_names();
        printf(")\n");
        kernel_shutdown(SHUTDOWN_crash);
    }
    int rc = app->main();
    console_flush();
    kernel_shutdown(rc == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}
