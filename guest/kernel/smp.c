/*
 * smp.c - secondary vCPU bring-up (see smp.h). The AP's first instructions
 * are in head.S (ap_entry): the PVCS write, then ap_main() here.
 */
#include "kernel/smp.h"

#include "kernel/console.h"
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
        void (*fn)(void) = __atomic_exchange_n(&c->work, 0, __ATOMIC_ACQ_REL);
        if (fn)
            fn();
        wait_flag_until(0, 0);
    }
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
    long rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, &ctx);
    if (rc == 0)
        rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, 0);
    if (rc < 0)
        return (int)rc;
    uint64_t deadline = time_now_ns() + AP_START_TIMEOUT_NS;
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
        if (time_now_ns() > deadline)
            return -1;
    return 0;
}

unsigned smp_bring_up(unsigned n)
{
    unsigned up = 1;
    for (unsigned id = 1; id < n && id < MAX_CPUS; id++) {
        int rc = start_ap(id);
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
    __atomic_store_n(&cpu_of(cpu)->work, fn, __ATOMIC_RELEASE);
}
