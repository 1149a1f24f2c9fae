/*
 * kernel.h - what the guest kernel's parts share: boot information, the
 * Xen identity found through CPUID, the CPU set-up, time and shutdown.
 */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info {
    bool kvm_pvm;             /* entered PVM mode at boot */
    uint32_t domid;           /* CPUID base+4 */
    uint32_t vcpu_id;
    uint32_t tsc_khz;         /* CPUID base+3 */
    uint32_t xen_version;     /* major << 16 | minor */
    uint64_t nr_pages;
    uint16_t notify_port;     /* Xenolith's fast EVTCHNOP_send port, 0 if none */
    const char *cmdline;
};

extern struct boot_info boot;

struct percpu;
/* cpu.c: GDT, TSS and IDT for this vCPU. */
void cpu_init(struct percpu *c);

/* Shuts the domain down with a SHUTDOWN_* reason; never returns. */
__attribute__((noreturn)) void kernel_shutdown(unsigned reason);

/* Value of "key=" on the command line, copied into buf; false if absent. */
bool cmdline_get(const char *key, char *buf, unsigned len);
/* Numeric command-line value with a default. */
uint64_t cmdline_u64(const char *key, uint64_t dflt);

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Picoseconds for `cycles` TSC ticks. */
uint64_t tsc_to_ps(uint64_t cycles);

#endif
