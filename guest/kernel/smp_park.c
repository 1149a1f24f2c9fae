/*
 * smp_park.c - holding the other vCPUs still across a suspend (see smp.h).
 *
 * As Linux's stop_machine around xen_suspend: each up AP is handed
 * park_here() through its work slot, woken by an IPI of its own, and spins
 * with interrupts off until vCPU 0 releases it. Only vCPU 0 then makes the
 * suspend hypercall, so every AP is saved at the same place in park_here().
 * In a new domain an AP resumes in kvm_pvm's emulated mode; released, it
 * writes its own PVCS MSR (the host cannot, pvm-guest.md 7) and makes one
 * hypercall, which ends the hypervisor's hold on its upcalls
 * (docs/save-format.md), before it takes interrupts again.
 */
#include "kernel/smp.h"

#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "xenolith/boot.h"

#define PARK_TIMEOUT_NS 1000000000ull

static evtchn_port_t wake_port[MAX_CPUS]; /* an IPI port per AP, 0: none yet */
static volatile uint32_t parked;          /* APs spinning in park_here() */
static volatile uint32_t released;        /* APs back from it since the release */
static volatile int release_gen;          /* bumped by smp_release_others() */
static volatile int release_new_domain;   /* what the last release said */
static int park_gen;                      /* release_gen when parking began */

static void park_here(void)
{
    struct percpu *c = this_cpu();
    int gen = park_gen;
    irq_disable();
    /* A restored vCPU starts emulated, where RFLAGS.IF counts (suspend.c). */
    __asm__ volatile("cli" ::: "memory");
    __atomic_add_fetch(&parked, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) == gen)
        __asm__ volatile("pause");
    bool new_domain = release_new_domain;
    if (new_domain && boot.kvm_pvm)
        wrmsr(XL_MSR_PVM_PVCS, (uint64_t)(uintptr_t)c->pvcs);
    __asm__ volatile("sti" ::: "memory");
    irq_enable();
    if (new_domain)
        HYPERVISOR_xen_version(XENVER_version, 0); /* ends the upcall hold */
    __atomic_add_fetch(&released, 1, __ATOMIC_ACQ_REL);
}

static bool wait_count(volatile uint32_t *count, uint32_t want)
{
    uint64_t deadline = time_now_ns() + PARK_TIMEOUT_NS;
    while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < want)
        if (time_now_ns() > deadline)
            return false;
    return true;
}

int smp_park_others(void)
{
    uint32_t want = 0;
    park_gen = release_gen;
    parked = 0;
    for (unsigned id = 1; id < MAX_CPUS; id++) {
        if (!__atomic_load_n(&cpu_of(id)->online, __ATOMIC_ACQUIRE))
            continue;
        if (!wake_port[id] && evtchn_bind_ipi(id, &wake_port[id]) < 0) {
            wake_port[id] = 0;
            return -1;
        }
        smp_run_on(id, park_here);
        evtchn_send(wake_port[id]);
        want++;
    }
    return wait_count(&parked, want) ? (int)want : -1;
}

bool smp_release_others(bool new_domain)
{
    uint32_t want = parked;
    released = 0;
    release_new_domain = new_domain;
    __atomic_add_fetch(&release_gen, 1, __ATOMIC_ACQ_REL);
    return wait_count(&released, want);
}
