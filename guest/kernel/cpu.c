/*
 * cpu.c - the descriptor tables every x86 kernel needs: a Linux-like GDT
 * (kernel CS 0x10, DS 0x18, user 0x23/0x2b/0x33, TSS 0x40, the selectors
 * kvm_pvm expects, pvm-guest.md 6.5), a TSS with a double-fault stack, and
 * an IDT whose exception gates lead to trap.c.
 */
#include <stdint.h>

#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"

#define KERNEL_CS 0x10
#define KERNEL_DS 0x18
#define TSS_SEL   0x40
#define DF_IST    1

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == sizeof(((struct percpu *)0)->tss), "percpu tss size");

static struct idt_gate idt[256] __attribute__((aligned(16)));
/* Aligned and headed like every stack, so this_cpu() works on them. */
static uint8_t df_stacks[MAX_CPUS][CPU_AREA_SIZE] __attribute__((aligned(CPU_AREA_SIZE)));

extern const uint64_t trap_stubs[];
extern const char trap_stub_upcall[], trap_stub_callback[];
extern const uint32_t trap_stub_count;

static void set_tss_descriptor(uint64_t *slot, uint64_t base, uint32_t limit)
{
    slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
              ((uint64_t)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    slot[1] = base >> 32;
}

static void load_gdt(struct percpu *c)
{
    uint64_t *gdt = c->gdt;
    struct tss64 *tss = (struct tss64 *)c->tss;
    gdt[0] = 0;
    gdt[2] = 0x00af9a000000ffffull; /* 0x10 kernel code, 64-bit */
    gdt[3] = 0x00cf92000000ffffull; /* 0x18 kernel data */
    gdt[4] = 0x00cffa000000ffffull; /* 0x23 user code, 32-bit */
    gdt[5] = 0x00cff2000000ffffull; /* 0x2b user data */
    gdt[6] = 0x00affa000000ffffull; /* 0x33 user code, 64-bit */
    tss->rsp[0] = (uint64_t)c + CPU_AREA_SIZE;
    *(struct percpu **)df_stacks[c->id] = c; /* percpu.h */
    tss->ist[DF_IST - 1] = (uint64_t)(df_stacks[c->id] + sizeof(df_stacks[0]));
    tss->iomap_base = sizeof(*tss);
    set_tss_descriptor(&gdt[8], (uint64_t)tss, sizeof(*tss) - 1);

    struct table_ptr p = {sizeof(c->gdt) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(p), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL)
                     : "rax", "memory");
}

static void set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
    idt[vec] = (struct idt_gate){
        .offset_lo = handler & 0xffff,
        .selector = KERNEL_CS,
        .ist = ist,
        .type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
        .offset_mid = handler >> 16 & 0xffff,
        .offset_hi = (uint32_t)(handler >> 32),
    };
}

static void build_idt(void)
{
    for (uint32_t v = 0; v < trap_stub_count; v++)
        set_gate(v, trap_stubs[v], v == 8 ? DF_IST : 0);
    set_gate(UPCALL_VECTOR, (uint64_t)trap_stub_upcall, 0);
    set_gate(CALLBACK_VECTOR, (uint64_t)trap_stub_callback, 0);
}

static void load_idt(void)
{
    struct table_ptr p = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void cpu_init(struct percpu *c)
{
    if (c->id == 0)
        build_idt(); /* one IDT for every vCPU */
    load_gdt(c);
    load_idt();
}
