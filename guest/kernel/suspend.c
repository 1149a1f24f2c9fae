/*
 * suspend.c - suspend on the toolstack's request and resume after it
 * (see suspend.h).
 */
#include "kernel/suspend.h"

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/smp.h"
#include "kernel/thread.h"
#include "xenbus.h"
#include "xenolith/boot.h"

#define MAX_HOOKS 8

extern uint8_t pvcs_pages[];

static suspend_hook_fn hooks[MAX_HOOKS];
static unsigned nr_hooks;
static volatile int requested;
static int suspend_tid;
static unsigned resumed_in_new_domain;

int suspend_add_hook(suspend_hook_fn fn)
{
    if (nr_hooks == MAX_HOOKS)
        return -ENOSPC;
    hooks[nr_hooks++] = fn;
    return 0;
}

unsigned suspend_resumed_count(void)
{
    return resumed_in_new_domain;
}

static void on_suspend_event(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    requested = 1;
    thread_wake(suspend_tid);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/*
 * First thing in a new domain, still in kvm_pvm's emulated mode: there
 * CPUID is our hypervisor's (in PVM mode the outer one answers), so read
 * the new domid, then register the PVCS page, which enters PVM mode.
 */
static void resume_cpu(void)
{
    uint32_t r[4];
    cpuid(0x40000004, r);
    boot.domid = r[2];
    if (boot.kvm_pvm)
        wrmsr(XL_MSR_PVM_PVCS, (uint64_t)(uintptr_t)pvcs_pages);
}

static void do_suspend(void)
{
    console_flush();
    if (smp_park_others() < 0) {
        smp_release_others(false);
        printf("suspend: a vCPU did not stop; not suspending\n");
        return;
    }
    irq_disable();
    /* On kvm_pvm the virtual IF is the PVCS byte; a restored vCPU starts
     * emulated, where RFLAGS.IF counts: keep it off until PVM mode. */
    __asm__ volatile("cli" ::: "memory");
    struct sched_shutdown s = {.reason = SHUTDOWN_suspend};
    long cancelled = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    bool new_domain = cancelled == 0;
    if (new_domain)
        resume_cpu();
    __asm__ volatile("sti" ::: "memory");
    irq_enable();
    /* The hypervisor holds our upcalls after a restore until we can take
     * them in PVM mode; any hypercall now says we can. */
    if (new_domain)
        HYPERVISOR_xen_version(XENVER_version, 0);
    if (!smp_release_others(new_domain))
        printf("suspend: a vCPU did not resume\n");
    if (new_domain) {
        resumed_in_new_domain++;
        /* As Linux's xs_resume: the ring's indexes and anything in flight
         * belonged to the old domain's connection. */
        int rc = xenbus_resume();
        if (rc < 0)
            printf("suspend: xenstore did not reconnect (%d)\n", rc);
    }
    for (unsigned i = 0; i < nr_hooks; i++)
        hooks[i](new_domain);
}

static void suspend_thread(void *arg)
{
    (void)arg;
    for (;;) {
        while (!requested)
            thread_sleep_ns(1000000000ull);
        requested = 0;
        do_suspend();
    }
}

int suspend_enable(void)
{
    evtchn_port_t port;
    int rc = evtchn_alloc_unbound(0, &port);
    if (rc < 0)
        return rc;
    suspend_tid = thread_create("suspend", suspend_thread, 0);
    if (suspend_tid < 0)
        return -ENOSPC;
    evtchn_set_handler(port, on_suspend_event, 0);
    evtchn_unmask(port);
    return xenbus_printf("device/suspend/event-channel", "%u", port);
}
