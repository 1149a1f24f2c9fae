/*
 * raw_kvm.c - the host's own floor for Xenolith's exit-cost benchmarks.
 *
 * Xenolith's hypercall_roundtrip and event-notification figures are only
 * meaningful next to what the host can do at best.  This program measures
 * that best case with a bare KVM VM and no Xenolith code at all:
 *
 *   pio_exit_us   an `out` to a port that exits to this process
 *                 (KVM_EXIT_IO), which re-enters at once.  The floor of any
 *                 hypercall that needs the daemon.
 *   ioeventfd_us  an `out` to a port bound to an ioeventfd, which the host
 *                 kernel completes without reaching userspace.  The floor of
 *                 an event-channel kick.
 *   evtchn_limit_us
 *                 an event-channel round trip with a Dom0 backend thread:
 *                 the guest kicks an ioeventfd port, a host thread blocked
 *                 on that eventfd wakes and writes an irqfd (a GSI routed
 *                 to an MSI for the guest's LAPIC), and the guest, halted,
 *                 takes the interrupt in its IDT handler, EOIs it and sends
 *                 the next ping.  Threads unpinned, as the daemon's and the
 *                 backends' are.  Two variants follow it on their own lines:
 *                 evtchn_limit_pinned_us (vCPU and backend pinned to two
 *                 different CPUs) and evtchn_limit_spin_us (the guest spins
 *                 on its interrupt count instead of halting; unpinned).
 *
 * The guest times N operations with rdtsc and reports the TSC delta; the
 * host converts it with KVM_GET_TSC_KHZ.  On this machine's kvm_pvm the
 * guest must register a PVCS page first or every instruction is emulated
 * (shared/docs/pvm-guest.md §3); on hardware KVM that step is skipped.
 *
 * pio_exit_us and ioeventfd_us run in one VM with no irqchip.  Each
 * evtchn_limit variant runs in a VM of its own with a split irqchip (the
 * in-kernel x2APIC, as the hypervisor's setup_irqchip), created after the
 * first VM is gone.
 *
 * Guest memory (one 4 MiB memslot at GPA 0):
 *   0x1000 PML4, 0x2000 PDPT, 0x3000 PD: identity map of the first GiB in
 *          2 MiB pages, U=1|RW|P at every level (pvm-guest.md §4: a U=0
 *          entry anywhere livelocks the vCPU in PVM mode)
 *   0x4000 evtchn VMs: GDT (kernel CS 0x10, DS 0x18, TSS 0x40), TSS at 0x4080
 *   0x5000 PVCS page, zeroed and used for nothing else (§3: kvm_pvm writes
 *          into it)
 *   0x6000 evtchn VMs: IDT, 256 gates
 *   0x7000 stack page, RSP starts at 0x8000
 *   0x9000 evtchn VMs: GDTR and IDTR images, the guest's interrupt count
 *   0xa000 evtchn VMs: #DF stack (IST1), top at 0xb000
 *   0x100000 guest code, copied from raw_guest_start..raw_guest_end below
 *
 * Usage: raw_kvm [--iters N] [--reps R] [--cpu C] [--timeout S]
 *                [--evt-iters N]
 * Output (stdout, one figure a line, for bench scripts):
 *   tsc_khz=2596142 kvm_pvm=1
 *   pio_exit_us median=25.31 min=24.90 max=27.00 reps=5
 *   ioeventfd_us median=2.31 min=2.28 max=2.40 reps=5
 *   evtchn_limit_us median=.. min=.. max=.. reps=5
 *   evtchn_limit_pinned_us median=.. min=.. max=.. reps=5
 *   evtchn_limit_spin_us median=.. min=.. max=.. reps=5
 * Exit status 0 on success, 1 on any error (named on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define PROG "raw_kvm"

/* Guest-physical layout (see the header comment). */
#define MEM_SIZE        (4ul << 20)
#define GPA_PML4        0x1000ul
#define GPA_PDPT        0x2000ul
#define GPA_PD          0x3000ul
#define GPA_PVCS        0x5000ul
#define GPA_STACK_TOP   0x8000ul
#define GPA_CODE        0x100000ul

/* The evtchn VMs' descriptor tables and data (see the header comment).
 * The EVT_* addresses are plain literals: the guest assembly pastes them in
 * as absolute memory operands. */
#define GPA_GDT         0x4000ul
#define GPA_TSS         0x4080ul
#define GPA_IDT         0x6000ul
#define GPA_DF_STACK_TOP 0xb000ul
#define EVT_GDTR        0x9000  /* u16 limit, u64 base: operand of lgdt */
#define EVT_IDTR        0x9010  /* same, for lidt */
#define EVT_COUNT       0x9040  /* u64: interrupts the guest handler took */

#define KERNEL_CS       0x10
#define KERNEL_DS       0x18
#define TSS_SEL         0x40
#define GDT_ENTRIES     10      /* 0x40 TSS takes entries 8 and 9 */

/* The event-channel interrupt: Xenolith's upcall vector, on GSI 24, just
 * past the 24 routes KVM_CAP_SPLIT_IRQCHIP reserves for a userspace IOAPIC,
 * as an edge MSI to the vCPU's APIC ID (vCPU 0: APIC ID 0). */
#define EVT_VECTOR      0xf3
#define SPURIOUS_VECTOR 0xff
#define EVT_GSI         24
#define EVT_APIC_ID     0
#define SPLIT_IRQCHIP_ROUTES 24

#define PTE_P           0x001ull
#define PTE_RW          0x002ull
#define PTE_US          0x004ull
#define PTE_PS          0x080ull

/* I/O ports.  Written as plain literals: the guest assembly below pastes
 * them in with STR(). */
#define PORT_PIO        0x0500  /* measured: exits to userspace */
#define PORT_IOEVENTFD  0x0504  /* measured: bound to an ioeventfd */
#define PORT_ARM        0x0508  /* "the next exit is a report": sync regs */
#define PORT_REPORT     0x050c  /* RSI cycles, RDI iters, R8 port, R9 rep */
#define PORT_DONE       0x0510  /* both tests finished */
#define PORT_EVTCHN     0x0514  /* evtchn VMs: the ping, bound to an ioeventfd */
#define PORT_FAULT      0x0518  /* evtchn VMs: exception; RSI vec, RDI err, R8 rip */

/* kvm_pvm's MSRs (pvm-guest.md §3.2). */
#define MSR_PVM_PVCS    0x4b564d10u
#define MSR_PVM_SIG     0x4b564d11u
#define PVM_SIGNATURE   0x4d5650ull /* "PVM" */

/* x2APIC MSRs (pvm-guest.md §6.3). */
#define MSR_APIC_BASE   0x1b
#define APIC_BASE_X2    0xc00   /* bits 10 (EXTD) and 11 (EN) */
#define MSR_X2APIC_EOI  0x80b
#define MSR_X2APIC_SVR  0x80f

/* Guest entry flags, passed in RDX. */
#define GUEST_FLAG_PVM  0x1
#define GUEST_FLAG_SPIN 0x2     /* evtchn: spin on the count, do not halt */

#define XSTR(x) #x
#define STR(x) XSTR(x)

/*
 * The guest.  Position-independent 64-bit code, entered at CPL 0 in long
 * mode with:
 *   RDI iterations per repetition      RSI repetitions per test
 *   RDX flags (bit 0: kvm_pvm)         RCX PVCS GPA
 *   R8  first port to time             R9  second port to time
 * For each port it runs RSI repetitions of RDI `out`s, timing each
 * repetition with rdtsc, and reports each one with `out` to PORT_ARM then
 * PORT_REPORT, carrying RSI = TSC cycles, RDI = iterations, R8 = port,
 * R9 = repetition index.  Then `out` to PORT_DONE.
 *
 * It never executes vmcall/vmmcall (they livelock on kvm_pvm, §8), and the
 * PVCS write is its first action (§3: until then each instruction costs
 * about 1 µs in the emulator).
 */
__asm__(
    "   .pushsection .rodata.raw_guest, \"a\"\n"
    "   .balign 16\n"
    "   .globl raw_guest_start\n"
    "   .hidden raw_guest_start\n"
    "raw_guest_start:\n"
    "   test    $" STR(GUEST_FLAG_PVM) ", %edx\n"
    "   jz      1f\n"
    "   mov     %rcx, %rax\n"            /* wrmsr value is EDX:EAX */
    "   mov     %rcx, %rdx\n"
    "   shr     $32, %rdx\n"
    "   mov     $" STR(MSR_PVM_PVCS) ", %ecx\n"
    "   wrmsr\n"                         /* now in PVM mode: native */
    "1: mov     %rdi, %r12\n"            /* r12 = iterations */
    "   mov     %rsi, %r13\n"            /* r13 = repetitions */
    "   mov     %r9, %rbp\n"             /* rbp = second port */
    "   mov     %r8, %r14\n"             /* r14 = port being timed */
    "   call    2f\n"
    "   mov     %rbp, %r14\n"
    "   call    2f\n"
    "   mov     $" STR(PORT_DONE) ", %edx\n"
    "   out     %al, %dx\n"
    "9: hlt\n"                           /* not reached: the VMM stops */
    "   jmp     9b\n"
    /* Time r13 repetitions of r12 `out`s to port r14. */
    "2: xor     %r15d, %r15d\n"          /* r15 = repetition index */
    "3: lfence\n"
    "   rdtsc\n"
    "   shl     $32, %rdx\n"
    "   or      %rax, %rdx\n"
    "   mov     %rdx, %rbx\n"            /* rbx = start TSC */
    "   mov     %r12, %rcx\n"
    "   mov     %r14d, %edx\n"
    "4: out     %al, %dx\n"              /* the operation measured */
    "   dec     %rcx\n"
    "   jnz     4b\n"
    "   lfence\n"
    "   rdtsc\n"
    "   shl     $32, %rdx\n"
    "   or      %rax, %rdx\n"
    "   sub     %rbx, %rdx\n"
    "   mov     %rdx, %rsi\n"            /* report: RSI = cycles */
    "   mov     %r12, %rdi\n"            /*         RDI = iterations */
    "   mov     %r14, %r8\n"             /*         R8  = port */
    "   mov     %r15, %r9\n"             /*         R9  = repetition */
    "   mov     $" STR(PORT_ARM) ", %edx\n"
    "   out     %al, %dx\n"
    "   mov     $" STR(PORT_REPORT) ", %edx\n"
    "   out     %al, %dx\n"
    "   inc     %r15\n"
    "   cmp     %r13, %r15\n"
    "   jb      3b\n"
    "   ret\n"
    /*
     * evtchn_limit: the entry of the evtchn VMs (raw_evt_entry), with
     *   RDI pings per repetition   RSI repetitions   RDX flags (GUEST_FLAG_*)
     *   RCX PVCS GPA               R8  the ping port (PORT_EVTCHN)
     * Registers kept: r11 PVCS, rbp flags, r12 pings, r13 repetitions,
     * r14 port, r15 repetition index, rbx start TSC, rcx pings left,
     * r10 interrupts expected so far (compared with the handler's count).
     * A ping is: r10++, `out` to the port, then wait until the handler's
     * count reaches r10.  Halting, on kvm_pvm, follows pvm-guest.md §6.3:
     * PVCS byte 0 stays 0 (interrupts held) except around the hlt; the
     * store of 1 and the hlt cannot be fused, so the handler moves an
     * interrupted RIP that is still on the hlt past it (the lost-wakeup
     * window).  An interrupt that came while byte 0 was 0 is held, and
     * the hlt itself traps and delivers it.  On hardware KVM, `sti; hlt`
     * is atomic and `cli` disables again.  Spinning enables interrupts
     * once (byte 0 = 1, then a trapping rdmsr if one is already held).
     * Reports as above with R8 = the ping port; a CPU exception reports
     * through PORT_FAULT instead.
     */
    "   .globl raw_evt_entry\n"
    "   .hidden raw_evt_entry\n"
    "raw_evt_entry:\n"
    "   mov     %rcx, %r11\n"            /* r11 = PVCS */
    "   mov     %rdx, %rbp\n"            /* rbp = flags */
    "   test    $" STR(GUEST_FLAG_PVM) ", %edx\n"
    "   jz      1f\n"
    "   mov     %rcx, %rax\n"
    "   mov     %rcx, %rdx\n"
    "   shr     $32, %rdx\n"
    "   mov     $" STR(MSR_PVM_PVCS) ", %ecx\n"
    "   wrmsr\n"                         /* now in PVM mode: native */
    "1: mov     %rdi, %r12\n"
    "   mov     %rsi, %r13\n"
    "   mov     %r8, %r14\n"
    "   lgdt    " STR(EVT_GDTR) "\n"     /* tables built by the VMM */
    "   lidt    " STR(EVT_IDTR) "\n"
    "   mov     $" STR(TSS_SEL) ", %eax\n"
    "   ltr     %ax\n"
    "   mov     $" STR(MSR_APIC_BASE) ", %ecx\n"
    "   rdmsr\n"
    "   or      $" STR(APIC_BASE_X2) ", %eax\n"
    "   wrmsr\n"                         /* x2APIC mode */
    "   mov     $" STR(MSR_X2APIC_SVR) ", %ecx\n"
    "   mov     $0x1ff, %eax\n"          /* enabled, spurious vector 0xff */
    "   xor     %edx, %edx\n"
    "   wrmsr\n"
    "   xor     %r10d, %r10d\n"
    "   test    $" STR(GUEST_FLAG_SPIN) ", %ebp\n"
    "   jz      2f\n"
    "   test    $" STR(GUEST_FLAG_PVM) ", %ebp\n"
    "   jz      11f\n"
    "   movb    $1, (%r11)\n"            /* spin: interrupts on for good */
    "   mfence\n"
    "   cmpb    $0, 1(%r11)\n"
    "   je      2f\n"
    "   mov     $" STR(MSR_PVM_SIG) ", %ecx\n"
    "   rdmsr\n"                         /* deliver a held one now (§6.3) */
    "   jmp     2f\n"
    "11: sti\n"
    "2: xor     %r15d, %r15d\n"
    "3: lfence\n"
    "   rdtsc\n"
    "   shl     $32, %rdx\n"
    "   or      %rax, %rdx\n"
    "   mov     %rdx, %rbx\n"
    "   mov     %r12, %rcx\n"
    "   test    $" STR(GUEST_FLAG_SPIN) ", %ebp\n"
    "   jnz     6f\n"
    "   test    $" STR(GUEST_FLAG_PVM) ", %ebp\n"
    "   jz      5f\n"
    /* Halt, kvm_pvm. */
    "4: inc     %r10\n"
    "   mov     %r14d, %edx\n"
    "   out     %al, %dx\n"              /* ping: ioeventfd -> backend */
    "41: movb   $1, (%r11)\n"            /* PVCS byte 0: interrupts on */
    "raw_evt_win_start:\n"
    "   hlt\n"
    "raw_evt_win_end:\n"
    "   movb    $0, (%r11)\n"            /* and off again */
    "   cmp     %r10, " STR(EVT_COUNT) "\n"
    "   jb      41b\n"                   /* woken, but not by the pong */
    "   dec     %rcx\n"
    "   jnz     4b\n"
    "   jmp     7f\n"
    /* Halt, hardware KVM. */
    "5: inc     %r10\n"
    "   mov     %r14d, %edx\n"
    "   out     %al, %dx\n"
    "51: sti\n"
    "   hlt\n"
    "   cli\n"
    "   cmp     %r10, " STR(EVT_COUNT) "\n"
    "   jb      51b\n"
    "   dec     %rcx\n"
    "   jnz     5b\n"
    "   jmp     7f\n"
    /* Spin, interrupts enabled. */
    "6: inc     %r10\n"
    "   mov     %r14d, %edx\n"
    "   out     %al, %dx\n"
    "61: pause\n"
    "   cmp     %r10, " STR(EVT_COUNT) "\n"
    "   jb      61b\n"
    "   dec     %rcx\n"
    "   jnz     6b\n"
    "7: lfence\n"
    "   rdtsc\n"
    "   shl     $32, %rdx\n"
    "   or      %rax, %rdx\n"
    "   sub     %rbx, %rdx\n"
    "   mov     %rdx, %rsi\n"            /* report: RSI = cycles */
    "   mov     %r12, %rdi\n"            /*         RDI = pings */
    "   mov     %r14, %r8\n"             /*         R8  = port */
    "   mov     %r15, %r9\n"             /*         R9  = repetition */
    "   mov     $" STR(PORT_ARM) ", %edx\n"
    "   out     %al, %dx\n"
    "   mov     $" STR(PORT_REPORT) ", %edx\n"
    "   out     %al, %dx\n"
    "   inc     %r15\n"
    "   cmp     %r13, %r15\n"
    "   jb      3b\n"
    "   mov     $" STR(PORT_DONE) ", %edx\n"
    "   out     %al, %dx\n"
    "8: hlt\n"                           /* not reached: the VMM stops */
    "   jmp     8b\n"
    /* The event-channel interrupt (EVT_VECTOR): count it, close the
     * lost-wakeup window, EOI through the x2APIC, return. */
    "   .balign 16\n"
    "   .globl raw_evt_handler\n"
    "   .hidden raw_evt_handler\n"
    "raw_evt_handler:\n"
    "   push    %rax\n"
    "   push    %rcx\n"
    "   push    %rdx\n"
    "   incq    " STR(EVT_COUNT) "\n"
    "   lea     raw_evt_win_start(%rip), %rax\n"
    "   cmp     %rax, 24(%rsp)\n"        /* the interrupted RIP */
    "   jb      1f\n"
    "   lea     raw_evt_win_end(%rip), %rax\n"
    "   cmp     %rax, 24(%rsp)\n"
    "   jae     1f\n"
    "   mov     %rax, 24(%rsp)\n"        /* still on the hlt: skip it */
    "1: mov     $" STR(MSR_X2APIC_EOI) ", %ecx\n"
    "   xor     %eax, %eax\n"
    "   xor     %edx, %edx\n"
    "   wrmsr\n"                         /* EOI */
    "   pop     %rdx\n"
    "   pop     %rcx\n"
    "   pop     %rax\n"
    "   iretq\n"
    /* The APIC's spurious vector: no EOI. */
    "   .balign 16\n"
    "   .globl raw_evt_spurious\n"
    "   .hidden raw_evt_spurious\n"
    "raw_evt_spurious:\n"
    "   iretq\n"
    /* Vectors 0-31, 16 bytes apart: push the vector, report, stop. */
    "   .balign 16\n"
    "   .globl raw_evt_fault_stubs\n"
    "   .hidden raw_evt_fault_stubs\n"
    "raw_evt_fault_stubs:\n"
    "   .set    raw_evt_vec, 0\n"
    "   .rept   32\n"
    "   .balign 16\n"
    "   pushq   $raw_evt_vec\n"
    "   jmp     raw_evt_fault\n"
    "   .set    raw_evt_vec, raw_evt_vec + 1\n"
    "   .endr\n"
    "raw_evt_fault:\n"
    "   pop     %rsi\n"                  /* RSI = vector */
    "   xor     %edi, %edi\n"
    "   mov     $0x60227d00, %eax\n"     /* vectors with an error code */
    "   bt      %esi, %eax\n"
    "   jnc     1f\n"
    "   pop     %rdi\n"                  /* RDI = error code */
    "1: mov     (%rsp), %r8\n"           /* R8  = RIP */
    "   mov     $" STR(PORT_FAULT) ", %edx\n"
    "   out     %al, %dx\n"
    "2: hlt\n"                           /* not reached: the VMM stops */
    "   jmp     2b\n"
    "   .globl raw_guest_end\n"
    "   .hidden raw_guest_end\n"
    "raw_guest_end:\n"
    "   .popsection\n");

extern const unsigned char raw_guest_start[];
extern const unsigned char raw_guest_end[];
extern const unsigned char raw_evt_entry[];
extern const unsigned char raw_evt_handler[];
extern const unsigned char raw_evt_spurious[];
extern const unsigned char raw_evt_fault_stubs[];

/* Where a symbol of the guest blob lands in guest memory. */
static uint64_t guest_addr(const unsigned char *sym)
{
    return GPA_CODE + (uint64_t)(sym - raw_guest_start);
}

struct opts {
    unsigned long long iters;   /* `out`s per repetition */
    unsigned long long evt_iters; /* evtchn round trips per repetition */
    unsigned reps;              /* measured repetitions per test */
    int cpu;                    /* CPU to pin the vCPU thread to */
    unsigned timeout_s;         /* watchdog: longest wait for a report */
};

struct rawvm {
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint8_t *mem;
    int ioev_fd;                /* eventfd bound to PORT_IOEVENTFD, or to
                                   PORT_EVTCHN in an evtchn VM */
    int irq_fd;                 /* evtchn VM: the irqfd's eventfd, else -1 */
    bool pvm;                   /* host is kvm_pvm */
    bool sync_regs;             /* KVM_CAP_SYNC_REGS has KVM_SYNC_X86_REGS */
    unsigned tsc_khz;
};

/* One result per (test, repetition), in µs per operation. */
struct results {
    double *pio_us, *ioev_us, *evt_us;
    unsigned npio, nioev, nevt;
    unsigned long ioev_user_exits;  /* ioeventfd port seen in userspace */
};

/* What the vCPU thread shares with the watchdog (main) thread. */
struct progress {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned long reports;      /* bumped on every report and at the end */
    bool done;
    int status;                 /* vCPU thread's exit status once done */
};

struct vcpu_ctx {
    struct rawvm *vm;
    const struct opts *opts;
    struct results *res;
    struct progress *prog;
    unsigned long long iters;   /* operations per reported repetition */
    int cpu;                    /* CPU to pin the vCPU thread to, or -1 */
};

/* The evtchn VM's Dom0 side: a thread blocked on the ping's eventfd that
 * answers each ping with an irqfd write. */
struct backend {
    int kick_fd, irq_fd;
    int cpu;                    /* CPU to pin it to, or -1 */
    atomic_bool stop;           /* set by main before its wake-up write */
    unsigned long long kicks;   /* sum of the eventfd counts read */
    unsigned long long reads;   /* reads that returned a count */
    unsigned long long irqs;    /* irqfd writes */
    int err;                    /* errno of a failed read or write, or 0 */
    const char *err_op;
};

/* The watchdog's signal handler needs the run page to set immediate_exit,
 * which closes the race between checking the flag and entering KVM_RUN. */
static struct kvm_run *volatile watchdog_run;
static atomic_bool watchdog_fired;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* An ioctl that must succeed; names the request and errno on failure. */
static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
    int rc = ioctl(fd, req, arg);

    if (rc < 0)
        die("ioctl %s failed: %s (errno %d)", name, strerror(errno), errno);
    return rc;
}

#define XIOCTL(fd, req, arg) xioctl((fd), (req), (arg), #req)

/* A VM with one memslot and vCPU 0.  With split_irqchip, the local APIC is
 * in the kernel and the IOAPIC/PIC are not (KVM_CAP_SPLIT_IRQCHIP, which
 * must come before the vCPU), as the hypervisor's setup_irqchip. */
static void rawvm_open(struct rawvm *vm, bool split_irqchip)
{
    int version, mmap_size, sync;

    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0)
        die("cannot open /dev/kvm: %s (errno %d)", strerror(errno), errno);
    version = XIOCTL(vm->kvm_fd, KVM_GET_API_VERSION, NULL);
    if (version != KVM_API_VERSION)
        die("KVM_GET_API_VERSION returned %d, expected %d", version, KVM_API_VERSION);
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) <= 0)
        die("KVM_CHECK_EXTENSION: KVM_CAP_IOEVENTFD is not supported");
    /* The capability's value is the mask of register sets it can sync. */
    sync = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    vm->sync_regs = sync > 0 && (sync & KVM_SYNC_X86_REGS);

    /* Type 0: kvm_pvm has no VM type of its own (pvm-guest.md §7). */
    vm->vm_fd = xioctl(vm->kvm_fd, KVM_CREATE_VM, (void *)0ul, "KVM_CREATE_VM");
    vm->ioev_fd = vm->irq_fd = -1;
    if (split_irqchip) {
        static const struct { int cap; const char *name; } caps[] = {
            { KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP" },
            { KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
            { KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
        };
        for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
            if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0)
                die("KVM_CHECK_EXTENSION: %s is not supported", caps[i].name);
        struct kvm_enable_cap cap = {
            .cap = KVM_CAP_SPLIT_IRQCHIP,
            .args[0] = SPLIT_IRQCHIP_ROUTES,
        };
        XIOCTL(vm->vm_fd, KVM_ENABLE_CAP, &cap);
    }

    vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->mem == MAP_FAILED)
        die("mmap of %lu bytes of guest memory failed: %s", MEM_SIZE, strerror(errno));
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = MEM_SIZE,
        .userspace_addr = (uintptr_t)vm->mem,
    };
    XIOCTL(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);

    vm->vcpu_fd = xioctl(vm->vm_fd, KVM_CREATE_VCPU, (void *)0ul, "KVM_CREATE_VCPU");
    mmap_size = XIOCTL(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (mmap_size < (int)sizeof(struct kvm_run))
        die("KVM_GET_VCPU_MMAP_SIZE returned %d, too small", mmap_size);
    vm->run_size = (size_t)mmap_size;
    vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
    if (vm->run == MAP_FAILED)
        die("mmap of the vCPU run page failed: %s", strerror(errno));
}

/* KVM_SET_CPUID2 is not optional on kvm_pvm: without it every CPUID leaf,
 * the KVM signature included, reads as zero (pvm-guest.md §10.7). */
static void rawvm_set_cpuid(struct rawvm *vm)
{
    struct kvm_cpuid2 *cpuid = NULL;
    unsigned n = 64;

    for (;;) {
        cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
        if (!cpuid)
            die("out of memory for %u CPUID entries", n);
        cpuid->nent = n;
        if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
            break;
        if (errno != E2BIG || n >= 4096)
            die("ioctl KVM_GET_SUPPORTED_CPUID failed: %s (errno %d)", strerror(errno), errno);
        free(cpuid);
        n *= 2;
    }
    XIOCTL(vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
    free(cpuid);
}

/* kvm_pvm answers a host read of 0x4b564d11 with "PVM"; a stock KVM
 * processes 0 entries (pvm-guest.md §3.1). */
static bool rawvm_detect_pvm(struct rawvm *vm)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry entry;
    } msrs = { .hdr.nmsrs = 1, .entry.index = MSR_PVM_SIG };
    int n = XIOCTL(vm->vcpu_fd, KVM_GET_MSRS, &msrs);

    return n == 1 && msrs.entry.data == PVM_SIGNATURE;
}

/* Bind `port` to a new eventfd (EFD_NONBLOCK or 0 in flags). */
static void rawvm_bind_ioeventfd(struct rawvm *vm, uint16_t port, int flags)
{
    vm->ioev_fd = eventfd(0, EFD_CLOEXEC | flags);
    if (vm->ioev_fd < 0)
        die("eventfd failed: %s (errno %d)", strerror(errno), errno);
    /* len 1 with no datamatch: any 1-byte `out %al` to the port. */
    struct kvm_ioeventfd ioev = {
        .addr = port,
        .len = 1,
        .fd = vm->ioev_fd,
        .flags = KVM_IOEVENTFD_FLAG_PIO,
    };
    XIOCTL(vm->vm_fd, KVM_IOEVENTFD, &ioev);
}

/* One MSI route, GSI EVT_GSI -> vector EVT_VECTOR on APIC ID EVT_APIC_ID
 * (fixed delivery, physical destination, edge), and an irqfd on it. */
static void rawvm_bind_irqfd(struct rawvm *vm)
{
    struct {
        struct kvm_irq_routing hdr;
        struct kvm_irq_routing_entry entry;
    } routing;

    memset(&routing, 0, sizeof(routing));
    routing.hdr.nr = 1;
    routing.entry.gsi = EVT_GSI;
    routing.entry.type = KVM_IRQ_ROUTING_MSI;
    routing.entry.u.msi.address_lo = 0xfee00000u | (EVT_APIC_ID << 12);
    routing.entry.u.msi.address_hi = 0;
    routing.entry.u.msi.data = EVT_VECTOR;
    XIOCTL(vm->vm_fd, KVM_SET_GSI_ROUTING, &routing);

    vm->irq_fd = eventfd(0, EFD_CLOEXEC);
    if (vm->irq_fd < 0)
        die("eventfd failed: %s (errno %d)", strerror(errno), errno);
    struct kvm_irqfd irqfd = { .fd = (uint32_t)vm->irq_fd, .gsi = EVT_GSI };
    XIOCTL(vm->vm_fd, KVM_IRQFD, &irqfd);
}

/* Page tables, PVCS and code, as laid out in the header comment. */
static void rawvm_load_guest(struct rawvm *vm)
{
    uint64_t *pml4 = (uint64_t *)(vm->mem + GPA_PML4);
    uint64_t *pdpt = (uint64_t *)(vm->mem + GPA_PDPT);
    uint64_t *pd = (uint64_t *)(vm->mem + GPA_PD);
    size_t code_len = (uintptr_t)raw_guest_end - (uintptr_t)raw_guest_start;

    pml4[0] = GPA_PDPT | PTE_US | PTE_RW | PTE_P;
    pdpt[0] = GPA_PD | PTE_US | PTE_RW | PTE_P;
    for (uint64_t i = 0; i < 512; i++)
        pd[i] = (i << 21) | PTE_PS | PTE_US | PTE_RW | PTE_P;

    memset(vm->mem + GPA_PVCS, 0, 4096);
    if (GPA_CODE + code_len > MEM_SIZE)
        die("guest code (%zu bytes) does not fit", code_len);
    memcpy(vm->mem + GPA_CODE, raw_guest_start, code_len);
}

static void set_gate(uint64_t *idt, unsigned vec, uint64_t handler, unsigned ist)
{
    /* 64-bit interrupt gate, present, DPL 0, selector KERNEL_CS. */
    idt[2 * vec] = (handler & 0xffff) | ((uint64_t)KERNEL_CS << 16) |
                   ((uint64_t)ist << 32) | (0x8eull << 40) |
                   ((handler >> 16 & 0xffff) << 48);
    idt[2 * vec + 1] = handler >> 32;
}

/* The evtchn guest's GDT, TSS and IDT, as the Xenolith guest's cpu.c
 * builds them but written by the VMM; the guest loads them with lgdt,
 * lidt and ltr.  Events go through the guest IDT on kvm_pvm too
 * (pvm-guest.md §6.1).  Vectors 0-31 report and stop; #DF has its own
 * stack.  Any other vector hits a non-present gate: #NP, reported. */
static void rawvm_load_evt_tables(struct rawvm *vm)
{
    uint64_t *gdt = (uint64_t *)(vm->mem + GPA_GDT);
    uint64_t *idt = (uint64_t *)(vm->mem + GPA_IDT);
    uint8_t *tss = vm->mem + GPA_TSS;
    const uint32_t tss_limit = 104 - 1;
    uint64_t stubs = guest_addr(raw_evt_fault_stubs);

    memset(gdt, 0, GDT_ENTRIES * 8);
    gdt[KERNEL_CS / 8] = 0x00af9a000000ffffull;  /* 64-bit code, DPL 0 */
    gdt[KERNEL_DS / 8] = 0x00cf92000000ffffull;  /* data, DPL 0 */
    gdt[TSS_SEL / 8] = (tss_limit & 0xffff) | ((GPA_TSS & 0xffffff) << 16) |
                       (0x89ull << 40) | ((GPA_TSS >> 24 & 0xff) << 56);
    gdt[TSS_SEL / 8 + 1] = GPA_TSS >> 32;

    memset(tss, 0, 104);
    memcpy(tss + 4, &(uint64_t){ GPA_STACK_TOP }, 8);        /* RSP0 */
    memcpy(tss + 36, &(uint64_t){ GPA_DF_STACK_TOP }, 8);    /* IST1 */
    memcpy(tss + 102, &(uint16_t){ 104 }, 2);                /* no I/O map */

    memset(idt, 0, 4096);
    for (unsigned vec = 0; vec < 32; vec++)
        set_gate(idt, vec, stubs + 16 * vec, vec == 8 ? 1 : 0);
    set_gate(idt, EVT_VECTOR, guest_addr(raw_evt_handler), 0);
    set_gate(idt, SPURIOUS_VECTOR, guest_addr(raw_evt_spurious), 0);

    memset(vm->mem + EVT_GDTR, 0, 4096);        /* the data page; EVT_COUNT = 0 */
    memcpy(vm->mem + EVT_GDTR, &(uint16_t){ GDT_ENTRIES * 8 - 1 }, 2);
    memcpy(vm->mem + EVT_GDTR + 2, &(uint64_t){ GPA_GDT }, 8);
    memcpy(vm->mem + EVT_IDTR, &(uint16_t){ 4096 - 1 }, 2);
    memcpy(vm->mem + EVT_IDTR + 2, &(uint64_t){ GPA_IDT }, 8);
}

/* Long mode at CPL 0 with paging on, as pvm-guest.md §7. */
static void rawvm_set_sregs(struct rawvm *vm)
{
    struct kvm_sregs sregs;
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = 0x10,
        .type = 0xb, .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
    };
    struct kvm_segment data = {
        .base = 0, .limit = 0xffffffff, .selector = 0x18,
        .type = 0x3, .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };

    XIOCTL(vm->vcpu_fd, KVM_GET_SREGS, &sregs);
    sregs.cr0 = 0x80050033;     /* PG WP NE ET MP PE */
    sregs.cr3 = GPA_PML4;
    sregs.cr4 = 0x620;          /* OSXMMEXCPT OSFXSR PAE */
    sregs.efer = 0xd01;         /* NXE LMA LME SCE */
    sregs.cs = code;
    sregs.ss = sregs.ds = sregs.es = data;
    data.selector = 0;
    sregs.fs = sregs.gs = data;
    XIOCTL(vm->vcpu_fd, KVM_SET_SREGS, &sregs);
}

/* The exit-cost VM's entry: time PORT_PIO, then PORT_IOEVENTFD. */
static void rawvm_set_state(struct rawvm *vm, const struct opts *o)
{
    rawvm_set_sregs(vm);

    struct kvm_regs regs = {
        .rip = GPA_CODE,
        .rflags = 0x2,
        .rsp = GPA_STACK_TOP,
        .rdi = o->iters,
        .rsi = o->reps + 1ull,  /* repetition 0 is a warm-up, discarded */
        .rdx = vm->pvm ? GUEST_FLAG_PVM : 0,
        .rcx = GPA_PVCS,
        .r8 = PORT_PIO,
        .r9 = PORT_IOEVENTFD,
    };
    XIOCTL(vm->vcpu_fd, KVM_SET_REGS, &regs);
}

static void rawvm_close(struct rawvm *vm)
{
    munmap(vm->run, vm->run_size);
    munmap(vm->mem, MEM_SIZE);
    if (vm->irq_fd >= 0)
        close(vm->irq_fd);
    if (vm->ioev_fd >= 0)
        close(vm->ioev_fd);
    close(vm->vcpu_fd);
    close(vm->vm_fd);
    close(vm->kvm_fd);
}

static void progress_post(struct progress *p, bool done, int status)
{
    pthread_mutex_lock(&p->lock);
    p->reports++;
    if (done) {
        p->done = true;
        p->status = status;
    }
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static void watchdog_signal(int sig)
{
    struct kvm_run *run = watchdog_run;

    (void)sig;
    if (run)
        run->immediate_exit = 1;
}

static void vcpu_pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        die("sched_setaffinity to CPU %d failed: %s (errno %d)", cpu, strerror(errno), errno);
}

/* Record one guest report.  Returns 0, or -1 if the report is malformed. */
static int vcpu_report(struct vcpu_ctx *c, const struct kvm_regs *r)
{
    unsigned long long cycles = r->rsi, iters = r->rdi, port = r->r8, rep = r->r9;
    double us;

    if (iters != c->iters || rep > c->opts->reps || iters == 0) {
        fprintf(stderr, PROG ": malformed guest report: iters=%llu port=%#llx rep=%llu\n",
                iters, port, rep);
        return -1;
    }
    if (rep == 0)
        return 0;       /* warm-up: shadow page faults, cold caches */
    us = (double)cycles * 1000.0 / c->vm->tsc_khz / (double)iters;
    if (port == PORT_PIO) {
        c->res->pio_us[c->res->npio++] = us;
    } else if (port == PORT_IOEVENTFD) {
        c->res->ioev_us[c->res->nioev++] = us;
    } else if (port == PORT_EVTCHN && c->res->evt_us && c->res->nevt < c->opts->reps) {
        c->res->evt_us[c->res->nevt++] = us;
    } else {
        fprintf(stderr, PROG ": guest report names unknown port %#llx\n", port);
        return -1;
    }
    return 0;
}

static void vcpu_dump_regs(struct rawvm *vm)
{
    struct kvm_regs r;

    if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0) {
        fprintf(stderr, PROG ": KVM_GET_REGS failed: %s\n", strerror(errno));
        return;
    }
    fprintf(stderr, PROG ": guest rip=%#llx rsp=%#llx rflags=%#llx rcx=%#llx rdx=%#llx\n",
            r.rip, r.rsp, r.rflags, r.rcx, r.rdx);
}

/*
 * The vCPU exit loop.  The PORT_PIO case comes first and does nothing but
 * re-enter: that round trip is what pio_exit_us measures.  Registers are
 * read only for reports: PORT_ARM turns on KVM_SYNC_X86_REGS for the one
 * exit that follows, so the timed exits pay for no register copy.
 * Returns 0 when the guest reaches PORT_DONE, -1 on any failure.
 */
static int vcpu_run_loop(struct vcpu_ctx *c)
{
    struct rawvm *vm = c->vm;
    struct kvm_run *run = vm->run;
    struct kvm_regs regs;

    for (;;) {
        if (ioctl(vm->vcpu_fd, KVM_RUN, NULL) < 0) {
            if (errno != EINTR && errno != EAGAIN) {
                fprintf(stderr, PROG ": ioctl KVM_RUN failed: %s (errno %d)\n",
                        strerror(errno), errno);
                return -1;
            }
            if (atomic_load(&watchdog_fired)) {
                fprintf(stderr, PROG ": watchdog: no guest report for %u s; the vCPU is "
                        "livelocked or far too slow (U=0 page-table entry? vmcall? "
                        "see pvm-guest.md §4, §8)\n", c->opts->timeout_s);
                vcpu_dump_regs(vm);
                return -1;
            }
            run->immediate_exit = 0;
            continue;
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (run->io.port == PORT_PIO)
                continue;
            if (run->io.port == PORT_ARM) {
                if (vm->sync_regs)
                    run->kvm_valid_regs = KVM_SYNC_X86_REGS;
                continue;
            }
            if (run->io.port == PORT_REPORT) {
                if (vm->sync_regs) {
                    regs = run->s.regs.regs;
                    run->kvm_valid_regs = 0;
                } else if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0) {
                    fprintf(stderr, PROG ": ioctl KVM_GET_REGS failed: %s (errno %d)\n",
                            strerror(errno), errno);
                    return -1;
                }
                if (vcpu_report(c, &regs) < 0)
                    return -1;
                progress_post(c->prog, false, 0);
                continue;
            }
            if (run->io.port == PORT_DONE)
                return 0;
            if (run->io.port == PORT_EVTCHN) {
                /* The ping did not reach its eventfd, so no backend will
                 * answer it: the guest would halt forever. */
                fprintf(stderr, PROG ": evtchn ping on port %#x reached userspace; the "
                        "ioeventfd did not catch it\n", PORT_EVTCHN);
                vcpu_dump_regs(vm);
                return -1;
            }
            if (run->io.port == PORT_FAULT) {
                if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0) {
                    fprintf(stderr, PROG ": ioctl KVM_GET_REGS failed: %s (errno %d)\n",
                            strerror(errno), errno);
                    return -1;
                }
                fprintf(stderr, PROG ": guest exception: vector %llu, error code %#llx, "
                        "rip %#llx\n", regs.rsi, regs.rdi, regs.r8);
                return -1;
            }
            if (run->io.port == PORT_IOEVENTFD) {
                /* The ioeventfd did not catch it: the figure would be a
                 * userspace exit, not an ioeventfd.  Counted, reported. */
                c->res->ioev_user_exits++;
                continue;
            }
            fprintf(stderr, PROG ": unexpected %s of port %#x\n",
                    run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port);
            vcpu_dump_regs(vm);
            return -1;
        case KVM_EXIT_SHUTDOWN:
            fprintf(stderr, PROG ": guest triple-faulted (KVM_EXIT_SHUTDOWN)\n");
            vcpu_dump_regs(vm);
            return -1;
        case KVM_EXIT_HLT:
            fprintf(stderr, PROG ": guest halted before reporting done\n");
            vcpu_dump_regs(vm);
            return -1;
        case KVM_EXIT_MMIO:
            fprintf(stderr, PROG ": guest touched unbacked GPA %#llx\n",
                    (unsigned long long)run->mmio.phys_addr);
            vcpu_dump_regs(vm);
            return -1;
        case KVM_EXIT_FAIL_ENTRY:
            fprintf(stderr, PROG ": KVM_EXIT_FAIL_ENTRY, reason %#llx\n",
                    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
            return -1;
        case KVM_EXIT_INTERNAL_ERROR:
            fprintf(stderr, PROG ": KVM_EXIT_INTERNAL_ERROR, suberror %u\n",
                    run->internal.suberror);
            vcpu_dump_regs(vm);
            return -1;
        default:
            fprintf(stderr, PROG ": unexpected exit reason %u\n", run->exit_reason);
            vcpu_dump_regs(vm);
            return -1;
        }
    }
}

static void *vcpu_thread(void *arg)
{
    struct vcpu_ctx *c = arg;
    int status;

    if (c->cpu >= 0)
        vcpu_pin(c->cpu);
    status = vcpu_run_loop(c);
    progress_post(c->prog, true, status);
    return NULL;
}

/*
 * Wait for the vCPU thread, re-arming on every report.  If no report comes
 * for timeout_s, signal the vCPU thread: KVM_RUN then returns EINTR and the
 * thread reports the guest's RIP.  A vCPU that does not come back even then
 * ends the process after a grace period.  Returns the vCPU thread's status.
 */
static int watchdog_wait(struct progress *p, pthread_t vcpu, unsigned timeout_s)
{
    struct timespec deadline;
    unsigned long seen;
    bool fired = false;
    int status;

    pthread_mutex_lock(&p->lock);
    while (!p->done) {
        seen = p->reports;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += fired ? 5 : timeout_s;
        while (!p->done && p->reports == seen)
            if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) == ETIMEDOUT)
                break;
        if (p->done || p->reports != seen)
            continue;
        if (fired) {
            fprintf(stderr, PROG ": watchdog: vCPU thread did not stop after a signal\n");
            _exit(1);
        }
        fired = true;
        atomic_store(&watchdog_fired, true);
        pthread_kill(vcpu, SIGUSR1);
    }
    status = p->status;
    pthread_mutex_unlock(&p->lock);
    return status;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void print_figure(const char *name, double *v, unsigned n)
{
    double median;

    qsort(v, n, sizeof(*v), cmp_double);
    median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    printf("%s median=%.2f min=%.2f max=%.2f reps=%u\n", name, median, v[0], v[n - 1], n);
}

/*
 * The Dom0 side of the evtchn round trip, as a backend would do it with
 * no event loop: sleep in read() on the ping's eventfd, answer with one
 * irqfd write.  main stops it by setting `stop` and writing the eventfd.
 */
static void *backend_thread(void *arg)
{
    struct backend *b = arg;
    uint64_t count, one = 1;
    ssize_t n;

    if (b->cpu >= 0)
        vcpu_pin(b->cpu);
    for (;;) {
        n = read(b->kick_fd, &count, sizeof(count));
        if (n != sizeof(count)) {
            if (n < 0 && errno == EINTR)
                continue;
            b->err = n < 0 ? errno : EIO;
            b->err_op = "read of the ping eventfd";
            break;
        }
        if (atomic_load(&b->stop))
            break;
        b->reads++;
        b->kicks += count;
        if (write(b->irq_fd, &one, sizeof(one)) != sizeof(one)) {
            b->err = errno;
            b->err_op = "write of the irqfd";
            break;
        }
        b->irqs++;
    }
    if (b->err)     /* the guest now waits for the watchdog: say why */
        fprintf(stderr, PROG ": backend thread: %s failed: %s (errno %d)\n",
                b->err_op, strerror(b->err), b->err);
    return NULL;
}

struct evt_variant {
    const char *name;
    bool spin;                  /* the guest spins instead of halting */
    bool pinned;                /* vCPU on --cpu, backend on another CPU */
};

/* The first is the figure; the other two are for comparison. */
static const struct evt_variant evt_variants[] = {
    { "evtchn_limit_us", false, false },
    { "evtchn_limit_pinned_us", false, true },
    { "evtchn_limit_spin_us", true, false },
};

/*
 * One evtchn_limit variant, in a VM of its own with a split irqchip.
 * Stores o->reps per-repetition means (µs per round trip) in us[].
 * vcpu_cpu and backend_cpu are CPUs to pin to, or -1 for unpinned.
 * Returns 0, or -1 after naming the failure on stderr.
 */
static int evtchn_run(const struct opts *o, const struct evt_variant *var,
                      int vcpu_cpu, int backend_cpu, double *us)
{
    struct rawvm vm = { .kvm_fd = -1 };
    struct results res = { .evt_us = us };
    struct progress prog = { .lock = PTHREAD_MUTEX_INITIALIZER };
    struct vcpu_ctx ctx = {
        .vm = &vm, .opts = o, .res = &res, .prog = &prog,
        .iters = o->evt_iters, .cpu = vcpu_cpu,
    };
    struct backend be = { .cpu = backend_cpu };
    const unsigned long long want = (o->reps + 1ull) * o->evt_iters;
    unsigned long long taken;
    pthread_condattr_t ca;
    pthread_t vcpu, backend;
    int rc, status;

    rawvm_open(&vm, true);
    rawvm_set_cpuid(&vm);       /* x2APIC must be in the guest's CPUID */
    vm.pvm = rawvm_detect_pvm(&vm);
    rc = XIOCTL(vm.vcpu_fd, KVM_GET_TSC_KHZ, NULL);
    if (rc <= 0)
        die("KVM_GET_TSC_KHZ returned %d", rc);
    vm.tsc_khz = (unsigned)rc;
    rawvm_bind_ioeventfd(&vm, PORT_EVTCHN, 0);  /* blocking: the backend sleeps on it */
    rawvm_bind_irqfd(&vm);
    rawvm_load_guest(&vm);
    rawvm_load_evt_tables(&vm);
    rawvm_set_sregs(&vm);

    struct kvm_regs regs = {
        .rip = guest_addr(raw_evt_entry),
        .rflags = 0x2,
        .rsp = GPA_STACK_TOP,
        .rdi = o->evt_iters,
        .rsi = o->reps + 1ull,  /* repetition 0 is a warm-up, discarded */
        .rdx = (vm.pvm ? GUEST_FLAG_PVM : 0) | (var->spin ? GUEST_FLAG_SPIN : 0),
        .rcx = GPA_PVCS,
        .r8 = PORT_EVTCHN,
    };
    XIOCTL(vm.vcpu_fd, KVM_SET_REGS, &regs);

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&prog.cond, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&watchdog_fired, false);
    watchdog_run = vm.run;

    be.kick_fd = vm.ioev_fd;
    be.irq_fd = vm.irq_fd;
    rc = pthread_create(&backend, NULL, backend_thread, &be);
    if (rc)
        die("pthread_create failed: %s", strerror(rc));
    pthread_setname_np(backend, "rawkvm-dom0");
    rc = pthread_create(&vcpu, NULL, vcpu_thread, &ctx);
    if (rc)
        die("pthread_create failed: %s", strerror(rc));
    pthread_setname_np(vcpu, "rawkvm-vcpu0");
    status = watchdog_wait(&prog, vcpu, o->timeout_s);
    pthread_join(vcpu, NULL);
    watchdog_run = NULL;

    atomic_store(&be.stop, true);
    if (write(vm.ioev_fd, &(uint64_t){ 1 }, sizeof(uint64_t)) != sizeof(uint64_t))
        die("write to the ping eventfd failed: %s (errno %d)", strerror(errno), errno);
    pthread_join(backend, NULL);

    /* One ping, one backend wake-up, one interrupt, every time. */
    memcpy(&taken, vm.mem + EVT_COUNT, sizeof(taken));
    if (status == 0 && be.err)
        status = -1;
    if (status != 0 || be.kicks != want || be.reads != want || be.irqs != want ||
        taken != want) {
        fprintf(stderr, PROG ": %s: %llu pings expected; the backend counted %llu in "
                "%llu wake-ups and sent %llu interrupts; the guest took %llu\n",
                var->name, want, be.kicks, be.reads, be.irqs, taken);
        status = -1;
    } else if (res.nevt != o->reps) {
        fprintf(stderr, PROG ": %s: guest reported %u repetitions, expected %u\n",
                var->name, res.nevt, o->reps);
        status = -1;
    }
    pthread_cond_destroy(&prog.cond);
    rawvm_close(&vm);
    return status;
}

/* The first allowed CPU other than `cpu`, or -1. */
static int other_cpu(int cpu)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        die("sched_getaffinity failed: %s", strerror(errno));
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (c != cpu && CPU_ISSET(c, &set))
            return c;
    return -1;
}

/* Every evtchn_limit variant, one figure line each.  Returns 0 or -1. */
static int evtchn_all(const struct opts *o)
{
    double *us = calloc(o->reps, sizeof(double));
    int backend_cpu = other_cpu(o->cpu);
    int status = 0;

    if (!us)
        die("out of memory for %u repetitions", o->reps);
    for (size_t i = 0; i < sizeof(evt_variants) / sizeof(evt_variants[0]); i++) {
        const struct evt_variant *var = &evt_variants[i];

        if (var->pinned && backend_cpu < 0) {
            fprintf(stderr, PROG ": %s skipped: no allowed CPU besides %d for the "
                    "backend thread\n", var->name, o->cpu);
            continue;
        }
        if (evtchn_run(o, var, var->pinned ? o->cpu : -1, var->pinned ? backend_cpu : -1,
                       us) < 0) {
            fprintf(stderr, PROG ": %s failed\n", var->name);
            status = -1;
            break;
        }
        print_figure(var->name, us, o->reps);
        fflush(stdout);
    }
    free(us);
    return status;
}

static unsigned long long parse_num(const char *opt, const char *s,
                                    unsigned long long lo, unsigned long long hi)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        die("%s: '%s' is not a number in [%llu, %llu]", opt, s, lo, hi);
    return v;
}

/* The last CPU we may run on: on this 2-CPU machine, away from CPU 0's
 * share of interrupts. */
static int default_cpu(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        die("sched_getaffinity failed: %s", strerror(errno));
    for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
        if (CPU_ISSET(cpu, &set))
            return cpu;
    die("sched_getaffinity returned an empty CPU set");
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [--iters N] [--reps R] [--cpu C] [--timeout S]\n"
            "               [--evt-iters N]\n"
            "  Measures, from inside a bare KVM guest, the round trip of an `out`\n"
            "  that exits to userspace (pio_exit_us), of one bound to an\n"
            "  ioeventfd (ioeventfd_us), and of an event-channel ping-pong with a\n"
            "  host thread, ioeventfd there and irqfd back (evtchn_limit_us, then\n"
            "  its _pinned and _spin variants).\n"
            "  --iters N      `out`s per repetition (default 2000)\n"
            "  --evt-iters N  evtchn round trips per repetition (default 1000)\n"
            "  --reps R       repetitions per figure, after one warm-up (default 5)\n"
            "  --cpu C        CPU to pin the vCPU thread to, for pio_exit_us,\n"
            "                 ioeventfd_us and evtchn_limit_pinned_us (default: last\n"
            "                 allowed); that figure's backend thread goes on the first\n"
            "                 other allowed CPU\n"
            "  --timeout S    abort when the guest reports nothing for S s (default 20)\n");
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "iters", required_argument, NULL, 'i' },
        { "evt-iters", required_argument, NULL, 'e' },
        { "reps", required_argument, NULL, 'r' },
        { "cpu", required_argument, NULL, 'c' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    *o = (struct opts){ .iters = 2000, .evt_iters = 1000, .reps = 5, .cpu = -1,
                        .timeout_s = 20 };
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            o->iters = parse_num("--iters", optarg, 1, 1ull << 32);
            break;
        case 'e':
            o->evt_iters = parse_num("--evt-iters", optarg, 1, 1ull << 32);
            break;
        case 'r':
            o->reps = parse_num("--reps", optarg, 1, 10000);
            break;
        case 'c':
            o->cpu = parse_num("--cpu", optarg, 0, CPU_SETSIZE - 1);
            break;
        case 't':
            o->timeout_s = parse_num("--timeout", optarg, 1, 86400);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(1);
        }
    }
    if (optind != argc) {
        usage(stderr);
        exit(1);
    }
    if (o->cpu < 0)
        o->cpu = default_cpu();
}

int main(int argc, char **argv)
{
    struct opts o;
    struct rawvm vm = { .kvm_fd = -1 };
    struct results res = { 0 };
    struct progress prog = { .lock = PTHREAD_MUTEX_INITIALIZER };
    struct vcpu_ctx ctx = { .vm = &vm, .opts = &o, .res = &res, .prog = &prog, .cpu = -1 };
    pthread_condattr_t ca;
    pthread_t vcpu;
    uint64_t ioev_count = 0;
    int rc, status;

    parse_opts(argc, argv, &o);
    ctx.iters = o.iters;
    ctx.cpu = o.cpu;

    res.pio_us = calloc(o.reps, sizeof(double));
    res.ioev_us = calloc(o.reps, sizeof(double));
    if (!res.pio_us || !res.ioev_us)
        die("out of memory for %u repetitions", o.reps);

    rawvm_open(&vm, false);
    rawvm_set_cpuid(&vm);
    vm.pvm = rawvm_detect_pvm(&vm);
    rc = XIOCTL(vm.vcpu_fd, KVM_GET_TSC_KHZ, NULL);
    if (rc <= 0)
        die("KVM_GET_TSC_KHZ returned %d", rc);
    vm.tsc_khz = (unsigned)rc;
    rawvm_bind_ioeventfd(&vm, PORT_IOEVENTFD, EFD_NONBLOCK);
    rawvm_load_guest(&vm);
    rawvm_set_state(&vm, &o);

    printf("tsc_khz=%u kvm_pvm=%d\n", vm.tsc_khz, vm.pvm);
    fflush(stdout);

    /* The watchdog signal must interrupt KVM_RUN, so no SA_RESTART. */
    struct sigaction sa = { .sa_handler = watchdog_signal };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) < 0)
        die("sigaction SIGUSR1 failed: %s", strerror(errno));
    watchdog_run = vm.run;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&prog.cond, &ca);
    pthread_condattr_destroy(&ca);

    rc = pthread_create(&vcpu, NULL, vcpu_thread, &ctx);
    if (rc)
        die("pthread_create failed: %s", strerror(rc));
    pthread_setname_np(vcpu, "rawkvm-vcpu0");
    status = watchdog_wait(&prog, vcpu, o.timeout_s);
    pthread_join(vcpu, NULL);
    watchdog_run = NULL;

    if (status == 0) {
        /* Every timed `out` to the ioeventfd port must have landed in the
         * eventfd, the warm-up repetition included. */
        if (read(vm.ioev_fd, &ioev_count, sizeof(ioev_count)) != sizeof(ioev_count))
            ioev_count = 0;
        if (res.ioev_user_exits || ioev_count != (o.reps + 1ull) * o.iters) {
            fprintf(stderr, PROG ": ioeventfd counted %" PRIu64 " of %llu writes; %lu "
                    "reached userspace instead\n", ioev_count, (o.reps + 1ull) * o.iters,
                    res.ioev_user_exits);
            status = -1;
        } else if (res.npio != o.reps || res.nioev != o.reps) {
            fprintf(stderr, PROG ": guest reported %u + %u repetitions, expected %u each\n",
                    res.npio, res.nioev, o.reps);
            status = -1;
        }
    }
    if (status == 0) {
        print_figure("pio_exit_us", res.pio_us, res.npio);
        print_figure("ioeventfd_us", res.ioev_us, res.nioev);
        fflush(stdout);
    }

    pthread_cond_destroy(&prog.cond);
    rawvm_close(&vm);
    free(res.pio_us);
    free(res.ioev_us);
    if (status == 0)
        status = evtchn_all(&o);
    return status == 0 ? 0 : 1;
}
