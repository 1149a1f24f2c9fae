/*
 * vcpu.c - vCPU threads and their exit loop.
 *
 * Every exit to this loop costs about 25 us on kvm_pvm (pvm-guest.md 8), so
 * the loop does the least it can: registers come from KVM_CAP_SYNC_REGS
 * (no extra ioctls), and only the general registers are written back.
 */
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cpuid.h"
#include "domain.h"
#include "evtchn.h"
#include "hypercall.h"
#include "kvm.h"
#include "log.h"
#include "msr.h"
#include "vtime.h"
#include "xenolith/boot.h"

#define KICK_SIGNAL SIGUSR1
#define BAD_IO_LOG_LIMIT 8u
#define CPUID_MAX 256u

enum exit_action { EXIT_CONTINUE, EXIT_CRASH };

static __thread struct kvm_run *current_run;

/* A kick makes KVM_RUN return at once (-EINTR), even if the signal lands
 * just before the thread enters it: immediate_exit is checked on entry. */
static void kick_handler(int sig)
{
    (void)sig;
    if (current_run)
        current_run->immediate_exit = 1;
}

void vcpu_signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(KICK_SIGNAL, &sa, NULL);
}

static int set_cpuid(struct vcpu *v)
{
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_MAX * sizeof(c->entries[0]));
    if (!c)
        return -ENOMEM;
    struct cpuid_identity id = {.vcpu_id = v->id, .domid = v->dom->domid, .tsc_khz = kvm_tsc_khz()};
    int n = cpuid_build(kvm_supported_cpuid(), &id, c->entries, CPUID_MAX);
    int rc = n;
    if (n >= 0) {
        c->nent = (uint32_t)n;
        rc = ioctl(v->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
    }
    free(c);
    return rc;
}

int vcpu_create(struct domain *d, unsigned id, struct vcpu **out)
{
    struct vcpu *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->dom = d;
    v->id = id;
    v->parked = true;
    v->is_pvm = kvm_is_pvm();
    v->timer_fd[0] = v->timer_fd[1] = -1;
    v->vcpu_info = &d->shared->vcpu_info[id];
    int rc = kvm_create_vcpu(d->vm_fd, id, &v->fd, &v->run);
    if (rc < 0) {
        free(v);
        return rc;
    }
    rc = set_cpuid(v);
    if (rc < 0) {
        vcpu_free(v);
        return rc;
    }
    v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    rc = vtime_vcpu_init(v);
    if (rc < 0) {
        vcpu_free(v);
        return rc;
    }
    vtime_update_pvclock(v);
    *out = v;
    return 0;
}

void vcpu_raise_upcall(struct vcpu *v)
{
    struct domain *d = v->dom;
    uint8_t vector = v->upcall_vector;
    if (__atomic_load_n(&v->upcall_held, __ATOMIC_ACQUIRE))
        return; /* raised again when the hold ends (vcpu_release_upcalls) */
    if (vector) {
        struct kvm_msi msi = {.address_lo = 0xfee00000u | (v->id << 12), .data = vector};
        if (ioctl(d->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
            log_warn("d%u vcpu%u: upcall vector %u not delivered", d->domid, v->id, vector);
        return;
    }
    uint64_t cb = __atomic_load_n(&d->hvm_params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_RELAXED);
    if ((cb >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR && v->id == 0) {
        /* Only this vCPU's thread may call KVM_INTERRUPT: ask it to. */
        __atomic_store_n(&v->callback_pending, true, __ATOMIC_RELEASE);
        vcpu_kick(v);
    }
}

/* Before entering the guest: a pending callback-vector upcall becomes an
 * ExtINT, which the local APIC's LVT0 takes with no EOI (Xen's type 2). */
static void inject_callback(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->callback_pending, false, __ATOMIC_ACQ_REL))
        return;
    uint64_t cb = __atomic_load_n(&v->dom->hvm_params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_RELAXED);
    struct kvm_interrupt irq = {.irq = (uint32_t)(cb & 0xff)};
    if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0 && errno != EEXIST)
        log_warn("d%u vcpu%u: callback vector %u", v->dom->domid, v->id, irq.irq);
}

/*
 * Xen's SCHEDOP_block re-enables event delivery as it blocks, so a guest
 * can call it with interrupts off and lose no wake-up. Here that means the
 * virtual IF: RFLAGS.IF on hardware KVM, and on kvm_pvm byte 0 of the
 * vCPU's PVCS page, whose address the host may read (pvm-guest.md 3.2).
 */
static void enable_guest_interrupts(struct vcpu *v)
{
    if (!v->is_pvm) {
        v->run->s.regs.regs.rflags |= 1u << 9;
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        return;
    }
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } msrs = {.hdr.nmsrs = 1, .e.index = XL_MSR_PVM_PVCS};
    if (ioctl(v->fd, KVM_GET_MSRS, &msrs) != 1)
        return;
    uint8_t *pvcs = guest_mem_gpa(&v->dom->mem, msrs.e.data & ~0xfffull, 1);
    if (pvcs)
        __atomic_store_n(pvcs, 1, __ATOMIC_SEQ_CST);
}

void vcpu_block(struct vcpu *v)
{
    enable_guest_interrupts(v);
    if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
        return; /* delivered as the guest re-enters, interrupts now on */
    struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_HALTED};
    if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
        log_warn("d%u vcpu%u: SCHEDOP_block", v->dom->domid, v->id);
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64, bool db)
{
    *s = (struct kvm_segment){
        .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
        .present = 1, .dpl = 0, .db = db, .s = 1, .l = code64, .g = 1,
    };
}

/* Long mode at CPL 0 on the builder's page tables (pvm-guest.md 7). */
static void sregs_pv64(struct kvm_sregs *s, uint64_t cr3)
{
    set_seg(&s->cs, XL_BOOT_CS, 0xb, true, false);
    set_seg(&s->ds, XL_BOOT_DS, 0x3, false, true);
    s->es = s->ss = s->ds;
    set_seg(&s->fs, 0, 0x3, false, true);
    s->gs = s->fs;
    s->cr0 = 0x80050033; /* PG WP NE ET MP PE */
    s->cr3 = cr3;
    s->cr4 = 0x620;      /* PAE OSFXSR OSXMMEXCPT */
    s->efer = 0xd01;     /* NXE LMA LME SCE */
}

/* Xen's PVH entry state (xen-abi.md 1.2): flat 32-bit protected mode. */
static void sregs_pvh32(struct kvm_sregs *s)
{
    set_seg(&s->cs, 0x8, 0xb, false, true);
    set_seg(&s->ds, 0x10, 0x3, false, true);
    s->es = s->ss = s->fs = s->gs = s->ds;
    s->cr0 = 0x11; /* PE ET */
    s->cr3 = 0;
    s->cr4 = 0;
    s->efer = 0;
}

int vcpu_set_boot(struct vcpu *v, const struct xlctl_boot *boot)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    if (boot->mode == XLCTL_BOOT_PV64)
        sregs_pv64(&s, boot->cr3);
    else
        sregs_pvh32(&s);
    /* A busy TSS in TR: hardware KVM checks it even though guests load
     * their own before using it. */
    s.tr = (struct kvm_segment){.limit = 0x67, .type = 0xb, .present = 1};
    s.ldt = (struct kvm_segment){.type = 0x2, .present = 1, .unusable = 1};
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
        return -errno;
    struct kvm_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = boot->entry;
    r.rflags = 0x2;
    if (boot->mode == XLCTL_BOOT_PV64) {
        r.rsp = boot->stack;
        r.rsi = boot->start_info;
        r.rdx = v->is_pvm ? XL_BOOT_FLAG_KVM_PVM : 0;
    } else {
        r.rbx = boot->start_info;
    }
    return ioctl(v->fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

/* Xen's access-rights word (AR, as VMX writes it) into a KVM segment. */
static void seg_from_ar(struct kvm_segment *s, uint32_t base, uint32_t limit, uint16_t ar)
{
    *s = (struct kvm_segment){
        .base = base, .limit = limit, .type = ar & 0xf, .s = (ar >> 4) & 1,
        .dpl = (ar >> 5) & 3, .present = (ar >> 7) & 1, .avl = (ar >> 12) & 1,
        .l = (ar >> 13) & 1, .db = (ar >> 14) & 1, .g = (ar >> 15) & 1,
        .unusable = !((ar >> 7) & 1),
    };
}

int vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx)
{
    struct kvm_sregs s;
    struct kvm_regs r;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    memset(&r, 0, sizeof(r));
    if (ctx->mode == VCPU_HVM_MODE_64B) {
        const struct vcpu_hvm_x86_64 *c = &ctx->cpu_regs.x86_64;
        sregs_pv64(&s, c->cr3); /* flat long-mode segments, as Xen sets them */
        s.cr0 = c->cr0;
        s.cr4 = c->cr4;
        s.efer = c->efer;
        r = (struct kvm_regs){.rax = c->rax, .rcx = c->rcx, .rdx = c->rdx, .rbx = c->rbx,
                              .rsp = c->rsp, .rbp = c->rbp, .rsi = c->rsi, .rdi = c->rdi,
                              .rip = c->rip, .rflags = c->rflags | 2};
    } else if (ctx->mode == VCPU_HVM_MODE_32B) {
        const struct vcpu_hvm_x86_32 *c = &ctx->cpu_regs.x86_32;
        seg_from_ar(&s.cs, c->cs_base, c->cs_limit, c->cs_ar);
        seg_from_ar(&s.ds, c->ds_base, c->ds_limit, c->ds_ar);
        seg_from_ar(&s.ss, c->ss_base, c->ss_limit, c->ss_ar);
        seg_from_ar(&s.es, c->es_base, c->es_limit, c->es_ar);
        s.fs = s.gs = s.ds;
        s.cr0 = c->cr0;
        s.cr3 = c->cr3;
        s.cr4 = c->cr4;
        s.efer = c->efer;
        r = (struct kvm_regs){.rax = c->eax, .rcx = c->ecx, .rdx = c->edx, .rbx = c->ebx,
                              .rsp = c->esp, .rbp = c->ebp, .rsi = c->esi, .rdi = c->edi,
                              .rip = c->eip, .rflags = c->eflags | 2};
    } else {
        return -EINVAL;
    }
    s.tr = (struct kvm_segment){.limit = 0x67, .type = 0xb, .present = 1};
    /* With the in-kernel local APIC, KVM holds an AP in wait-for-SIPI;
     * Xen starts it straight at the given registers. */
    struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || ioctl(v->fd, KVM_SET_REGS, &r) < 0 ||
        ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
        return -errno;
    /* Synced registers would overwrite these on the next entry. */
    v->run->kvm_dirty_regs = 0;
    return 0;
}

/* ---- exits ------------------------------------------------------------ */

void vcpu_release_upcalls(struct vcpu *v)
{
    if (!__atomic_exchange_n(&v->upcall_held, false, __ATOMIC_ACQ_REL))
        return;
    if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
        vcpu_raise_upcall(v);
}

static void hypercall(struct vcpu *v)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    struct kvm_sregs *s = &v->run->s.regs.sregs;
    struct hcall_ctx c = {
        .d = v->dom, .v = v, .vcpu_id = v->id, .cpl = s->ss.dpl,
        .pg = {.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer},
    };
    uint64_t args[5];
    bool long_mode = (s->efer & (1u << 10)) && s->cs.l;
    if (long_mode) {
        args[0] = r->rdi, args[1] = r->rsi, args[2] = r->rdx, args[3] = r->r10, args[4] = r->r8;
    } else {
        args[0] = (uint32_t)r->rbx, args[1] = (uint32_t)r->rcx, args[2] = (uint32_t)r->rdx;
        args[3] = (uint32_t)r->rsi, args[4] = (uint32_t)r->rdi;
    }
    uint64_t nr = long_mode ? r->rax : (uint32_t)r->rax;
    long ret = hypercall_dispatch(&c, nr, args);
    if (__builtin_expect(v->upcall_held, 0))
        vcpu_release_upcalls(v);
    r->rax = long_mode ? (uint64_t)ret : (uint32_t)ret;
    v->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
}

static void log_bad_access(struct vcpu *v, const char *what, uint64_t addr)
{
    if (v->bad_io_logged++ < BAD_IO_LOG_LIMIT)
        log_info("d%u vcpu%u: %s 0x%llx: no device there (ignored)", v->dom->domid, v->id, what,
                 (unsigned long long)addr);
}

static enum exit_action handle_io(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    if (run->io.port == XL_HYPERCALL_PORT && run->io.direction == KVM_EXIT_IO_OUT) {
        hypercall(v);
        return EXIT_CONTINUE;
    }
    if (run->io.port == XL_EVTCHN_NOTIFY_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
        run->io.size == 4 && run->io.count == 1) {
        /* No ioeventfd matched: the peer is not Dom0, or the guest named
         * a port it does not own; EVTCHNOP_send semantics either way. */
        uint32_t port;
        memcpy(&port, (uint8_t *)run + run->io.data_offset, sizeof(port));
        evtchn_send(v->dom, port);
        return EXIT_CONTINUE;
    }
    /* No emulated devices: reads see all ones, writes vanish, as on an
     * empty port. */
    if (run->io.direction == KVM_EXIT_IO_IN)
        memset((uint8_t *)run + run->io.data_offset, 0xff, (size_t)run->io.size * run->io.count);
    log_bad_access(v, run->io.direction == KVM_EXIT_IO_IN ? "in port" : "out port", run->io.port);
    return EXIT_CONTINUE;
}

static enum exit_action handle_mmio(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    if (!run->mmio.is_write)
        memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
    log_bad_access(v, run->mmio.is_write ? "mmio write" : "mmio read", run->mmio.phys_addr);
    return EXIT_CONTINUE;
}

static enum exit_action crash(struct vcpu *v, const char *why)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_REGS, &r) == 0 && ioctl(v->fd, KVM_GET_SREGS, &s) == 0)
        log_info("d%u vcpu%u: %s at rip 0x%llx rsp 0x%llx cr3 0x%llx: domain crashed",
                 v->dom->domid, v->id, why, (unsigned long long)r.rip, (unsigned long long)r.rsp,
                 (unsigned long long)s.cr3);
    else
        log_info("d%u vcpu%u: %s: domain crashed", v->dom->domid, v->id, why);
    return EXIT_CRASH;
}

static enum exit_action handle_exit(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    char why[96];
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        return handle_io(v);
    case KVM_EXIT_MMIO:
        return handle_mmio(v);
    case KVM_EXIT_X86_WRMSR:
        run->msr.error = (uint8_t)msr_write(v->dom, v->id, run->msr.index, run->msr.data);
        return EXIT_CONTINUE;
    case KVM_EXIT_X86_RDMSR: {
        uint64_t value = 0;
        run->msr.error = (uint8_t)msr_read(v->dom, run->msr.index, &value);
        run->msr.data = value;
        return EXIT_CONTINUE;
    }
    case KVM_EXIT_INTR:
        return EXIT_CONTINUE;
    case KVM_EXIT_SHUTDOWN:
        return crash(v, "triple fault");
    case KVM_EXIT_HLT:
        return crash(v, "halted with no way to wake");
    case KVM_EXIT_INTERNAL_ERROR:
        snprintf(why, sizeof(why), "KVM internal error %u", run->internal.suberror);
        return crash(v, why);
    case KVM_EXIT_FAIL_ENTRY:
        snprintf(why, sizeof(why), "KVM entry failure 0x%llx",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return crash(v, why);
    default:
        snprintf(why, sizeof(why), "unexpected KVM exit %u", run->exit_reason);
        return crash(v, why);
    }
}

/* ---- the thread --------------------------------------------------------- */

static bool may_run(struct vcpu *v)
{
    return !v->stop && v->online && v->dom->state == XLCTL_STATE_RUNNING;
}

/* Parks until the vCPU may run; false when the thread must exit. */
static bool wait_until_runnable(struct vcpu *v)
{
    struct domain *d = v->dom;
    pthread_mutex_lock(&d->lock);
    v->run->immediate_exit = 0; /* before the check: a later kick still lands */
    while (!may_run(v) && !v->stop) {
        if (!v->parked) {
            v->parked = true;
            pthread_cond_broadcast(&d->cond); /* a pauser may wait for this */
        }
        pthread_cond_wait(&d->cond, &d->lock);
        v->run->immediate_exit = 0;
    }
    v->parked = false;
    bool stop = v->stop;
    pthread_mutex_unlock(&d->lock);
    return !stop;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct domain *d = v->dom;
    current_run = v->run;
    __atomic_store_n(&v->tid, (uint32_t)gettid(), __ATOMIC_RELEASE);
    while (wait_until_runnable(v)) {
        inject_callback(v);
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            log_warn("d%u vcpu%u: KVM_RUN", d->domid, v->id);
            domain_shutdown(d, SHUTDOWN_crash);
            continue;
        }
        if (handle_exit(v) == EXIT_CRASH)
            domain_shutdown(d, SHUTDOWN_crash);
    }
    pthread_mutex_lock(&d->lock);
    v->cpu_ns_at_exit = thread_cpu_ns();
    v->parked = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    current_run = NULL;
    return NULL;
}

int vcpu_start(struct vcpu *v)
{
    /* The thread must not take the kick signal while it is being set up
     * elsewhere; the handler only touches its own kvm_run. */
    int rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
    if (rc != 0)
        return -rc;
    v->thread_started = true;
    char name[16];
    snprintf(name, sizeof(name), "d%u-vcpu%u", v->dom->domid, v->id);
    pthread_setname_np(v->thread, name);
    return 0;
}

void vcpu_kick(struct vcpu *v)
{
    if (v->thread_started)
        pthread_kill(v->thread, KICK_SIGNAL);
}

void vcpu_join(struct vcpu *v)
{
    if (v->thread_started) {
        pthread_join(v->thread, NULL);
        v->thread_started = false;
    }
}

void vcpu_free(struct vcpu *v)
{
    vtime_vcpu_destroy(v);
    if (v->run)
        munmap(v->run, (size_t)kvm_run_mmap_size());
    if (v->fd >= 0)
        close(v->fd);
    free(v);
}

uint64_t vcpu_cpu_time_ns(struct vcpu *v)
{
    if (!v->thread_started)
        return v->cpu_ns_at_exit;
    clockid_t cid;
    struct timespec ts;
    if (pthread_getcpuclockid(v->thread, &cid) != 0 || clock_gettime(cid, &ts) != 0)
        return v->cpu_ns_at_exit;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t vcpu_tid(struct vcpu *v)
{
    if (!v->thread_started)
        return 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t tid = __atomic_load_n(&v->tid, __ATOMIC_ACQUIRE);
        if (tid)
            return tid;
        usleep(100); /* created a moment ago: its first line sets it */
    }
    return 0;
}

void vcpu_host_state(struct vcpu *v, int *cpu, bool *running)
{
    *cpu = -1;
    *running = false;
    uint32_t tid = __atomic_load_n(&v->tid, __ATOMIC_ACQUIRE);
    if (!tid || !v->thread_started)
        return;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/self/task/%u/stat", tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "tid (comm) S ...": comm may hold spaces, so start after the last ')'.
     * Field 3 is the state, field 39 the CPU it last ran on. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return;
    p += 2;
    *running = *p == 'R';
    for (int field = 3; field < 39 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (p)
        *cpu = atoi(p);
}
