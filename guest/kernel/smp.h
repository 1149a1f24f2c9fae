/*
 * smp.h - secondary vCPUs: brought up with VCPUOP_initialise/VCPUOP_up on
 * vCPU 0's page tables, each with its own GDT/TSS, PVCS page, local APIC,
 * upcall vector and VIRQ_TIMER. An up AP idles and runs work handed to it.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

/* How many vCPUs the domain has (VCPUOP_is_up until -ENOENT). */
unsigned smp_vcpu_count(void);
/* Brings up vCPUs 1..n-1; returns how many vCPUs are up in all. */
unsigned smp_bring_up(unsigned n);
/* Hands fn to an idle AP to run once. */
void smp_run_on(unsigned cpu, void (*fn)(void));

#endif
