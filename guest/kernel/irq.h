/*
 * irq.h - interrupts on this vCPU: the local APIC (x2APIC), enabling and
 * disabling delivery the way the host needs (PVCS byte on kvm_pvm,
 * sti/cli on hardware), and idling until an interrupt.
 */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define UPCALL_VECTOR   0xf3 /* per-vCPU upcall vector, EOI'd */
#define CALLBACK_VECTOR 0xf2 /* HVM_PARAM_CALLBACK_IRQ vector, never EOI'd */

void irq_init(void);          /* x2APIC on, upcall gate in the IDT */
void irq_enable(void);
void irq_disable(void);
void irq_eoi(void);
/* With interrupts disabled: enable them and halt until one arrives. */
void idle_halt(void);
/* From the interrupt path: keep the idle window race-free (irq.S). */
void irq_fixup_idle(uint64_t *rip);

uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);

#endif
