/*
 * smp.h - secondary vCPUs: brought up with VCPUOP_initialise/VCPUOP_up on
 * vCPU 0's page tables, each with its own GDT/TSS, PVCS page, local APIC,
 * upcall vector and VIRQ_TIMER. An up AP idles and runs work handed to it.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdbool.h>

/* How many vCPUs the domain has (VCPUOP_is_up until -ENOENT). */
unsigned smp_vcpu_count(void);
/* Brings up vCPUs 1..n-1; returns how many vCPUs are up in all. */
unsigned smp_bring_up(unsigned n);
/* Hands fn to an idle AP to run once. */
void smp_run_on(unsigned cpu, void (*fn)(void));

/* Around a suspend (smp_park.c), from vCPU 0 with the others idle or
 * busy in handed work that ends: parks every up AP, interrupts off,
 * spinning; returns how many, or -1 if one did not stop within 1 s (then
 * release them, and do not suspend). */
int smp_park_others(void);
/* Lets them go; new_domain: after a restore or migration, so each
 * re-registers its PVCS page and takes upcalls again first. False if one
 * did not come back within 1 s. */
bool smp_release_others(bool new_domain);
/* vCPU hotplug (kernel/cpu_hotplug.c), from vCPU 0: brings vCPU id up
 * (the first time through VCPUOP_initialise, later VCPUOP_up, resuming
 * it where it went down) or takes it down (it finishes what it runs, then
 * calls VCPUOP_down on itself). Both wait until the hypervisor agrees.
 * 0, -EINVAL (vCPU 0 or out of range), -ETIME, or a hypercall's error. */
int smp_cpu_up(unsigned id);
int smp_cpu_down(unsigned id);
/* Is vCPU id up, as far as this kernel knows? */
bool smp_cpu_online(unsigned id);

#endif
