/*
 * hypercall.h - calling Xen: `call hypercall_page + 32*nr` with the 64-bit
 * convention (RAX nr, RDI RSI RDX R10 R8 args, result in RAX). The stubs
 * are written by the hypervisor when kernel_main registers the page.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "xenolith/xen.h"

extern char hypercall_page[4096];

static inline long hypercall2(unsigned nr, unsigned long a1, unsigned long a2)
{
    long ret;
    register unsigned long rdi __asm__("rdi") = a1;
    register unsigned long rsi __asm__("rsi") = a2;
    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi)
                     : [stub] "r"(hypercall_page + nr * 32)
                     : "memory", "rcx", "rdx", "r8", "r9", "r10", "r11");
    return ret;
}

static inline long hypercall3(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    long ret;
    register unsigned long rdi __asm__("rdi") = a1;
    register unsigned long rsi __asm__("rsi") = a2;
    register unsigned long rdx __asm__("rdx") = a3;
    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                     : [stub] "r"(hypercall_page + nr * 32)
                     : "memory", "rcx", "r8", "r9", "r10", "r11");
    return ret;
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg);
}

static inline long HYPERVISOR_console_io(int cmd, int count, const char *buf)
{
    return hypercall3(__HYPERVISOR_console_io, (unsigned long)cmd, (unsigned long)count,
                      (unsigned long)buf);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg);
}

static inline long HYPERVISOR_memory_op(unsigned cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, (unsigned long)arg);
}

static inline long HYPERVISOR_hvm_op(int op, void *arg)
{
    return hypercall2(__HYPERVISOR_hvm_op, (unsigned long)op, (unsigned long)arg);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, (unsigned long)cmd, vcpu, (unsigned long)arg);
}

static inline long HYPERVISOR_grant_table_op(unsigned cmd, void *uop, unsigned count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count);
}

#endif
