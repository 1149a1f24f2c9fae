/*
 * trap.c - what the guest does with a CPU exception: report it on the
 * console with the registers a reader needs, and crash the domain the way
 * a Xen guest does (SCHEDOP_shutdown, reason crash).
 */
#include <stdint.h>

#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/events.h"
#include "kernel/irq.h"
#include "kernel/lib.h"
#include "xenolith/xen.h"

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

static const char *const names[] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
};

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector == UPCALL_VECTOR || f->vector == CALLBACK_VECTOR) {
        irq_fixup_idle(&f->rip);
        events_upcall();
        return;
    }
    const char *name = f->vector < sizeof(names) / sizeof(names[0]) ? names[f->vector] : "?";
    printf("guest crashed: %s (vector %llu, error 0x%llx) at rip 0x%llx rsp 0x%llx\n", name,
           (unsigned long long)f->vector, (unsigned long long)f->error,
           (unsigned long long)f->rip, (unsigned long long)f->rsp);
    if (f->vector == 14) {
        uint64_t cr2;
        __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
        printf("  faulting address 0x%llx\n", (unsigned long long)cr2);
    }
    kernel_shutdown(SHUTDOWN_crash);
}
