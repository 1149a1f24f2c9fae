/*
 * head.S - the guest's first instructions, Xen's ELF notes and the
 * hypercall page.
 *
 * Entry (include/xenolith/boot.h): long mode, CPL 0, RSI = start_info,
 * RDX = XL_BOOT_FLAG_* . On kvm_pvm every instruction before the PVCS MSR
 * write is emulated at about 1 us, so that write comes first.
 */
#include "xenolith/boot.h"

#define MAX_CPUS      8       /* kernel/percpu.h */
#define CPU_AREA_SIZE 16384

#define XEN_ELFNOTE_GUEST_OS    6
#define XEN_ELFNOTE_XEN_VERSION 5
#define XEN_ELFNOTE_ENTRY       1
#define XEN_ELFNOTE_LOADER      8

.macro xen_note_begin type
    .pushsection .note.Xen, "a", @note
    .balign 4
    .long 4f - 3f           /* namesz */
    .long 6f - 5f           /* descsz */
    .long \type
3:  .asciz "Xen"
4:  .balign 4
5:
.endm
.macro xen_note_end
6:  .balign 4
    .popsection
.endm

    xen_note_begin XEN_ELFNOTE_GUEST_OS
    .asciz "Xenolith"
    xen_note_end
    xen_note_begin XEN_ELFNOTE_XEN_VERSION
    .asciz "xen-3.0"
    xen_note_end
    xen_note_begin XEN_ELFNOTE_LOADER
    .asciz "generic"
    xen_note_end
    xen_note_begin XEN_ELFNOTE_ENTRY
    .quad _start
    xen_note_end

    .section .text.head, "ax"
    .code64
    .globl _start
_start:
    /*
     * Read Xen's CPUID leaves 0x40000000..4 first, while still emulated at
     * CPL 0: once in PVM mode, cpuid runs natively on this host and the
     * outer hypervisor answers it, not our VMM (measured 2026-11-23; the
     * leaves read "KVMKVMKVM"). Five cpuids cost well under a millisecond.
     */
    mov     %rdx, %r8
    mov     %rsi, %r9
    lea     early_cpuid(%rip), %rdi
    lea     early_cpuid_leaves(%rip), %r11
0:  mov     (%r11), %eax
    test    %eax, %eax
    jz      1f
    xor     %ecx, %ecx
    cpuid
    mov     %eax, 0(%rdi)
    mov     %ebx, 4(%rdi)
    mov     %ecx, 8(%rdi)
    mov     %edx, 12(%rdi)
    add     $16, %rdi
    add     $4, %r11
    jmp     0b
1:
    mov     %r8, %rdx
    mov     %r9, %rsi
    test    $XL_BOOT_FLAG_KVM_PVM, %edx
    jz      2f
    mov     %rdx, %rbx              /* keep the flags across wrmsr */
    mov     $XL_MSR_PVM_PVCS, %ecx
    lea     pvcs_pages(%rip), %rax  /* vCPU 0's page */
    xor     %edx, %edx
    wrmsr                           /* from here on: native speed */
    mov     %rbx, %rdx
2:  lea     cpu_areas + CPU_AREA_SIZE(%rip), %rsp /* vCPU 0's area (percpu.h) */
    mov     %rsi, %rdi              /* kernel_main(start_info, flags) */
    mov     %rdx, %rsi
    call    kernel_main
3:  hlt
    jmp     3b

    .section .rodata
    .balign 4
early_cpuid_leaves:                 /* read into early_cpuid[], in order */
    .long 0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000004
    .long XL_CPUID_XENOLITH, XL_CPUID_XENOLITH + 1
    .long 0
    .text

    .balign 4096
/*
 * A secondary vCPU's entry (VCPUOP_initialise from smp.c): long mode on
 * vCPU 0's page tables, RDI = its struct percpu, RSI = its PVCS page,
 * RDX = 1 on kvm_pvm, RSP = the top of its area. Emulated until the wrmsr.
 */
    .globl ap_entry
ap_entry:
    test    %edx, %edx
    jz      1f
    mov     %rdi, %rbx
    mov     $XL_MSR_PVM_PVCS, %ecx
    mov     %rsi, %rax
    xor     %edx, %edx
    wrmsr
    mov     %rbx, %rdi
1:  call    ap_main
2:  hlt
    jmp     2b

    .balign 4096
    .globl hypercall_page
hypercall_page:                     /* filled by the hypervisor on the MSR write */
    .fill 4096, 1, 0xcc

    .section .bss
    .balign 16
    .globl early_cpuid
early_cpuid:                        /* early_cpuid_leaves: eax ebx ecx edx each */
    .skip 7 * 16
    .balign 4096
    .globl pvcs_pages
pvcs_pages:                         /* kvm_pvm's per-vCPU control pages: keep zeroed */
    .skip MAX_CPUS * 4096
    .balign CPU_AREA_SIZE
    .globl cpu_areas
cpu_areas:                          /* struct percpu + stack, per vCPU */
    .skip MAX_CPUS * CPU_AREA_SIZE
