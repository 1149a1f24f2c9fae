/*
 * smp.c - secondary vCPU bring-up (see smp.h). The AP's first instructions
 * are in head.S (ap_entry): the PVCS write, then ap_main() here.
 */
#include "kernel/smp.h"

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define AP_START_TIMEOUT_NS 2000000000ull

extern uint8_t pvcs_pages[];
extern const char ap_entry[];

unsigned smp_vcpu_count(void)
{
    unsigned n = 1;
    while (n < MAX_CPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, 0) >= 0)
        n++;
    return n;
}

static uint64_t read_cr(int which)
{
    uint64_t v = 0;
    if (which == 0)
        __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    else if (which == 3)
        __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    else
        __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

void ap_main(struct percpu *c)
{
    cpu_init(c);
    if (events_cpu_init() < 0 || time_init() < 0) {
        printf("smp: vCPU %u could not set up its events\n", c->id);
        for (;;)
            __asm__ volatile("hlt");
    }
    __atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
    for (;;) {
        /* Clear first: a request made after this is seen below or wakes
         * the wait that follows. */
        __atomic_store_n(&c->wake, 0, __ATOMIC_SEQ_CST);
        void (*fn)(void) = __atomic_exchange_n(&c->work, 0, __ATOMIC_SEQ_CST);
        if (fn)
            fn();
        if (__atomic_exchange_n(&c->down_req, 0, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&c->online, 0, __ATOMIC_SEQ_CST);
            /* Parks this vCPU; VCPUOP_up resumes it right here. */
            HYPERVISOR_vcpu_op(VCPUOP_down, c->id, 0);
            __atomic_store_n(&c->online, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        wait_flag_until(&c->wake, 0);
    }
}

static void on_wake(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg; /* the interrupt itself ends the AP's wait */
}

static int start_ap(unsigned id)
{
    struct percpu *c = cpu_of(id);
    memset(c, 0, sizeof(*c));
    c->self = c;
    c->id = id;
    c->pvcs = pvcs_pages + id * 4096;
    struct vcpu_hvm_context ctx = {.mode = VCPU_HVM_MODE_64B};
    struct vcpu_hvm_x86_64 *r = &ctx.cpu_regs.x86_64;
    r->rip = (uint64_t)ap_entry;
    r->rsp = (uint64_t)c + CPU_AREA_SIZE;
    r->rdi = (uint64_t)c;
    r->rsi = (uint64_t)c->pvcs;
    r->rdx = boot.kvm_pvm;
    r->rflags = 0x2;
    r->cr0 = read_cr(0);
    r->cr3 = read_cr(3);
    r->cr4 = read_cr(4);
    r->efer = rdmsr(0xc0000080);
    evtchn_port_t wake;
    if (evtchn_bind_ipi(id, &wake) == 0) {
        evtchn_set_handler(wake, on_wake, 0);
        c->wake_port = wake;
    }
    long rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, &ctx);
    if (rc == 0)
        rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, 0);
    if (rc < 0)
        return (int)rc;
    c->started = 1;
    uint64_t deadline = time_now_ns() + AP_START_TIMEOUT_NS;
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
        if (time_now_ns() > deadline)
            return -1;
    return 0;
}

static void wake_ap(struct percpu *c)
{
    __atomic_store_n(&c->wake, 1, __ATOMIC_SEQ_CST);
    if (c->wake_port)
        evtchn_send(c->wake_port);
}

bool smp_cpu_online(unsigned id)
{
    return id == 0 || (id < MAX_CPUS && __atomic_load_n(&cpu_of(id)->online, __ATOMIC_ACQUIRE));
}

/* Polls until the hypervisor reports vCPU id up (want 1) or down (0). */
static int wait_is_up(unsigned id, long want)
{
    uint64_t deadline = time_now_ns() + AP_START_TIMEOUT_NS;
    for (;;) {
        long up = HYPERVISOR_vcpu_op(VCPUOP_is_up, id, 0);
        if (up < 0)
            return (int)up;
        if (up == want)
            return 0;
        if (time_now_ns() > deadline)
            return -ETIME;
        sleep_ns(1000000);
    }
}

int smp_cpu_up(unsigned id)
{
    if (id == 0 || id >= MAX_CPUS)
        return -EINVAL;
    struct percpu *c = cpu_of(id);
    if (!c->started)
        return start_ap(id) < 0 ? -ETIME : 0;
    if (smp_cpu_online(id))
        return 0;
    long rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, 0);
    if (rc < 0)
        return (int)rc;
    uint64_t deadline = time_now_ns() + AP_START_TIMEOUT_NS;
    while (!smp_cpu_online(id)) {
        if (time_now_ns() > deadline)
            return -ETIME;
        sleep_ns(100000);
    }
    return 0;
}

int smp_cpu_down(unsigned id)
{
    if (id == 0 || id >= MAX_CPUS)
        return -EINVAL;
    struct percpu *c = cpu_of(id);
    if (!c->started || !smp_cpu_online(id))
        return 0;
    __atomic_store_n(&c->down_req, 1, __ATOMIC_SEQ_CST);
    wake_ap(c);
    /* Until the hypervisor has it down: an up before that would be lost. */
    return wait_is_up(id, 0);
}

unsigned smp_bring_up(unsigned n)
{
    unsigned up = 1;
    for (unsigned id = 1; id < n && id < MAX_CPUS; id++) {
        if (smp_cpu_online(id)) {
            up++; /* cpu hotplug brought it up already */
            continue;
        }
        int rc = smp_cpu_up(id);
        if (rc < 0) {
            printf("smp: vCPU %u did not come up (%d)\n", id, rc);
            break;
        }
        up++;
    }
    return up;
}

void smp_run_on(unsigned cpu, void (*fn)(void))
{
    __atomic_store_n(&cpu_of(cpu)->work, fn, __ATOMIC_SEQ_CST);
    wake_ap(cpu_of(cpu));
}
