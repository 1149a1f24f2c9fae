/*
 * irq.c - interrupt control for the guest kernel (see irq.h).
 */
#include "kernel/irq.h"

#include "kernel/kernel.h"
#include "kernel/percpu.h"
#include "xenolith/boot.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_EOI 0x80b

extern const char idle_window_start[], idle_window_end[];
void idle_halt_on(volatile uint8_t *pvcs);
uint8_t boot_kvm_pvm;   /* read by irq.S */

uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

void irq_init(void)
{
    boot_kvm_pvm = boot.kvm_pvm;
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
    wrmsr(MSR_X2APIC_SVR, 0x1ff); /* software-enable, spurious vector 0xff */
}

void irq_enable(void)
{
    if (!boot.kvm_pvm) {
        __asm__ volatile("sti" ::: "memory");
        return;
    }
    volatile uint8_t *pvcs = this_cpu()->pvcs;
    pvcs[0] = 1;
    __asm__ volatile("mfence" ::: "memory");
    /* A held interrupt waits for the next exit (up to a host tick): any
     * trapping instruction delivers it now (pvm-guest.md 6.3). */
    if (pvcs[1])
        rdmsr(XL_MSR_PVM_MAGIC);
}

void irq_disable(void)
{
    if (!boot.kvm_pvm)
        __asm__ volatile("cli" ::: "memory");
    else
        this_cpu()->pvcs[0] = 0;
    __asm__ volatile("" ::: "memory");
}

void irq_eoi(void)
{
    wrmsr(MSR_X2APIC_EOI, 0);
}

void idle_halt(void)
{
    idle_halt_on(this_cpu()->pvcs);
}

void irq_fixup_idle(uint64_t *rip)
{
    if (*rip >= (uint64_t)idle_window_start && *rip < (uint64_t)idle_window_end)
        *rip = (uint64_t)idle_window_end;
}
