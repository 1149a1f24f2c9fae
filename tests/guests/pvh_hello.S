/*
 * pvh_hello.S - a minimal foreign Xen PVH guest for the integration tests:
 * it knows nothing of Xenolith. Entered through XEN_ELFNOTE_PHYS32_ENTRY in
 * 32-bit protected mode with paging off and EBX = hvm_start_info (Xen's PVH
 * ABI), it finds Xen by CPUID, installs the hypercall page, checks the
 * start info, prints through console_io using the 32-bit hypercall
 * convention (EBX, ECX, EDX), and powers off. Assembled both as ELF32 and
 * ELF64; runs in the emulated mode on kvm_pvm (it never enters PVM mode).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578

#ifdef NOTE_NOT_LOADED
    .section .note.Xen, "", @note      /* a SHT_NOTE section in no segment */
#else
    .section .note.Xen, "a", @note
#endif
    .balign 4
    .long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long pvh_start

    .text
    .code32
    .globl pvh_start
pvh_start:
    mov     $stack_top, %esp
    mov     %ebx, %esi                  /* hvm_start_info */
    mov     $0x40000000, %eax
    cpuid
    cmp     $0x566e6558, %ebx           /* "XenV" */
    jne     no_xen
    mov     $0x40000002, %eax
    cpuid
    mov     %ebx, %ecx                  /* the hypercall-page MSR */
    mov     $hypercall_page, %eax
    xor     %edx, %edx
    wrmsr

    mov     $msg_hello, %edx
    mov     $msg_hello_len, %ecx
    call    console_write
    cmpl    $HVM_START_MAGIC, (%esi)
    jne     bad_magic
    mov     $msg_magic, %edx
    mov     $msg_magic_len, %ecx
    call    console_write
    mov     24(%esi), %edx              /* cmdline_paddr (low half) */
    test    %edx, %edx
    jz      1f
    mov     %edx, %edi                  /* strlen */
    xor     %ecx, %ecx
0:  cmpb    $0, (%edi, %ecx)
    je      2f
    inc     %ecx
    jmp     0b
2:  call    console_write
    mov     $msg_nl, %edx
    mov     $1, %ecx
    call    console_write
1:  movl    $0, shutdown_reason         /* SHUTDOWN_poweroff */
    jmp     shutdown
bad_magic:
    mov     $msg_bad, %edx
    mov     $msg_bad_len, %ecx
    call    console_write
    movl    $3, shutdown_reason         /* SHUTDOWN_crash */
shutdown:
    mov     $2, %ebx                    /* SCHEDOP_shutdown */
    mov     $shutdown_reason, %ecx
    call    hypercall_page + 29 * 32
no_xen:
    hlt
    jmp     no_xen

/* console_io(CONSOLEIO_write, ECX bytes, EDX buffer) */
console_write:
    mov     $0, %ebx
    call    hypercall_page + 18 * 32
    ret

    .section .rodata
msg_hello:      .ascii "Hello from a foreign PVH guest\n"
    .set msg_hello_len, . - msg_hello
msg_magic:      .ascii "hvm_start_info magic ok, cmdline: "
    .set msg_magic_len, . - msg_magic
msg_bad:        .ascii "hvm_start_info magic BAD\n"
    .set msg_bad_len, . - msg_bad
msg_nl:         .ascii "\n"

    .data
    .balign 4
shutdown_reason: .long 0

    .bss
    .balign 4096
hypercall_page: .skip 4096
    .skip 4096
stack_top:
