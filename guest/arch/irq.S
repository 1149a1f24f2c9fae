/*
 * irq.S - the event-channel upcall's IDT entry and the idle halt.
 *
 * idle_halt: called with interrupts disabled; enables them and halts until
 * one arrives. On kvm_pvm, enabling is a store to PVCS byte 0 and cannot be
 * fused with hlt, so an interrupt can land between the two and be handled
 * before the hlt, which would then sleep on an event already consumed.
 * The interrupt path closes that window: if the interrupted RIP lies in
 * [idle_window_start, idle_window_end) it resumes at idle_window_end
 * (pvm-guest.md 6.3). On hardware, sti;hlt is atomic already.
 */
    .text
    .code64

    .globl trap_stub_upcall
trap_stub_upcall:
    pushq   $0
    pushq   $0xf3
    jmp     trap_common

    /* idle_halt(volatile uint8_t *pvcs) */
    .globl trap_stub_callback
trap_stub_callback:
    pushq   $0
    pushq   $0xf2
    jmp     trap_common

    .globl idle_halt_on
idle_halt_on:
    cmpb    $0, boot_kvm_pvm(%rip)
    je      1f
    movb    $1, (%rdi)
    .globl idle_window_start
idle_window_start:
    hlt
    .globl idle_window_end
idle_window_end:
    ret
1:  sti
    hlt
    ret
