/*
 * percpu.h - each vCPU's own state, at the base of its 16 KiB-aligned
 * kernel stack, so this_cpu() is one AND of the stack pointer and one load:
 * no MSR, no segment base (GS base handling is unverified on kvm_pvm).
 *
 * Every stack code runs on is 16 KiB-aligned and starts with a pointer to
 * the struct percpu of the vCPU running it: a vCPU's own area points at
 * itself, a cooperative thread's stack (thread.c) at the vCPU that last
 * switched to it. So this_cpu() is right on a thread's stack too, in
 * interrupt handlers that run there included.
 */
#ifndef GUEST_PERCPU_H
#define GUEST_PERCPU_H

#include <stdint.h>

#define MAX_CPUS        8
#define CPU_AREA_SIZE   16384   /* percpu struct, then the stack above it */

struct percpu {
    struct percpu *self;        /* first: the word every stack base holds */
    uint32_t id;                /* vCPU id = Xen vcpu id = APIC id */
    uint32_t online;
    volatile uint8_t *pvcs;     /* kvm_pvm control page of this vCPU */
    uint64_t gdt[10];
    uint8_t tss[104];
    void (*work)(void);         /* run once by an idle AP (smp.h) */
    volatile int wake;          /* set before waking an idle AP */
    int down_req;               /* vCPU 0 asks the AP to go offline */
    uint32_t started;           /* initialised and brought up once */
    uint32_t wake_port;         /* IPI port bound to this AP, 0 none */
};

extern uint8_t cpu_areas[MAX_CPUS][CPU_AREA_SIZE];

static inline struct percpu *this_cpu(void)
{
    uint64_t sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return *(struct percpu **)(sp & ~(uint64_t)(CPU_AREA_SIZE - 1));
}

static inline struct percpu *cpu_of(unsigned id)
{
    return (struct percpu *)cpu_areas[id];
}

#endif
