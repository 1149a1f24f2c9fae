/*
 * vtime.c - pvclock, wall clock and vCPU timers (see vtime.h).
 */
#include "vtime.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "evtchn.h"
#include "kvm.h"
#include "log.h"
#include "vcpu.h"

static pthread_mutex_t timers_lock = PTHREAD_MUTEX_INITIALIZER;
/* Counts vtime_vcpu_destroy() calls (under timers_lock): see timers_main. */
static uint64_t timers_removed;
static int timers_epoll = -1;
static int timers_stop = -1;
static pthread_t timers_thread;
static int timers_running;

uint64_t vtime_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void vtime_tsc_scale(uint32_t tsc_khz, uint32_t *mul, int8_t *shift)
{
    uint64_t khz = tsc_khz ? tsc_khz : 1;
    /* ns per tick as a 32.32 fraction: 10^6 / kHz. */
    uint64_t m = (1000000ull << 32) / khz;
    int s = 0;
    /* A TSC slower than 1 GHz needs a left shift of the delta to keep mul
     * in 32 bits. A faster one fits as it is: a right shift would throw
     * away low bits of the delta, which costs accuracy for nothing. */
    while (m >= (1ull << 32)) {
        m >>= 1;
        s++;
    }
    *mul = (uint32_t)m;
    *shift = (int8_t)s;
}

/* KVM may run the guest TSC at an offset from ours (it starts hardware
 * KVM guests at 0); kvm_pvm runs it unoffset. Ask rather than assume. */
static int64_t guest_tsc_offset(struct vcpu *v)
{
    int64_t offset = 0;
    struct kvm_device_attr attr = {
        .group = KVM_VCPU_TSC_CTRL,
        .attr = KVM_VCPU_TSC_OFFSET,
        .addr = (uint64_t)(uintptr_t)&offset,
    };
    if (ioctl(v->fd, KVM_GET_DEVICE_ATTR, &attr) < 0)
        return 0;
    return offset;
}

/* A (TSC, system time) pair read as close together as we can. */
static void sample_clock(uint64_t *tsc, uint64_t *ns)
{
    uint64_t t0 = rdtsc();
    uint64_t n = vtime_now_ns();
    uint64_t t1 = rdtsc();
    *tsc = t0 + (t1 - t0) / 2;
    *ns = n;
}

void vtime_update_pvclock(struct vcpu *v)
{
    struct vcpu_time_info *t = &v->vcpu_info->time;
    uint64_t tsc, ns;
    uint32_t mul;
    int8_t shift;
    vtime_tsc_scale(kvm_tsc_khz(), &mul, &shift);
    sample_clock(&tsc, &ns);
    /* Odd while we write, even after (xen-abi.md 5.1). */
    uint32_t odd = (__atomic_load_n(&t->version, __ATOMIC_RELAXED) + 1) | 1;
    __atomic_store_n(&t->version, odd, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = tsc + (uint64_t)v->tsc_offset;
    t->system_time = ns;
    t->tsc_to_system_mul = mul;
    t->tsc_shift = shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&t->version, odd + 1, __ATOMIC_RELEASE);
}

void vtime_update_wallclock(struct domain *d)
{
    struct shared_info *s = d->shared;
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    uint64_t mono = vtime_now_ns();
    /* Wall-clock time at system time 0. */
    uint64_t real_ns = (uint64_t)real.tv_sec * 1000000000ull + (uint64_t)real.tv_nsec;
    uint64_t boot_ns = real_ns - mono;
    uint32_t odd = (__atomic_load_n(&s->wc_version, __ATOMIC_RELAXED) + 1) | 1;
    __atomic_store_n(&s->wc_version, odd, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t sec = boot_ns / 1000000000ull;
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = (uint32_t)(boot_ns % 1000000000ull);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&s->wc_version, odd + 1, __ATOMIC_RELEASE);
}

/* ---- timers --------------------------------------------------------- */

/* epoll data: the vCPU pointer with the timer's index in bit 0. */
static uint64_t timer_tag(struct vcpu *v, unsigned which)
{
    return (uint64_t)(uintptr_t)v | which;
}

/* A timer that fired, noted under timers_lock and acted on after it. */
struct fired {
    struct domain *d;
    uint32_t domid;
    unsigned vcpu;
};

/* Under timers_lock (v cannot be freed meanwhile): consumes the timerfd. */
static bool timer_fired(uint64_t tag, struct fired *out)
{
    struct vcpu *v = (struct vcpu *)(uintptr_t)(tag & ~1ull);
    uint64_t expirations;
    if (read(v->timer_fd[tag & 1], &expirations, sizeof(expirations)) != sizeof(expirations))
        return false; /* re-armed or cancelled meanwhile */
    *out = (struct fired){.d = v->dom, .domid = v->dom->domid, .vcpu = v->id};
    return true;
}

/*
 * Raises VIRQ_TIMER for what fired, without timers_lock: a thread that
 * holds an event-channel lock may be waiting for timers_lock (a domain
 * freed under it), so taking an event-channel lock under timers_lock could
 * deadlock. The domain table's read lock keeps each domain alive instead
 * (domain_destroy takes it out of the table, under the write lock, before
 * freeing it); one no longer in the table is skipped.
 */
static void raise_fired(const struct fired *f, int n)
{
    domains_read_lock();
    for (int i = 0; i < n; i++) {
        struct domain *d = domain_by_id(f[i].domid);
        if (d != f[i].d || f[i].vcpu >= d->nr_vcpus || !d->vcpus[f[i].vcpu])
            continue;
        vtime_update_pvclock(d->vcpus[f[i].vcpu]);
        evtchn_raise_virq(d, f[i].vcpu, VIRQ_TIMER);
    }
    domains_read_unlock();
}

static void *timers_main(void *arg)
{
    (void)arg;
    /* The default 50 us timer slack would be most of a guest tick's error. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct epoll_event evs[32];
    struct fired fired[32];
    for (;;) {
        uint64_t seq = __atomic_load_n(&timers_removed, __ATOMIC_ACQUIRE);
        int n = epoll_wait(timers_epoll, evs, 32, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        int nf = 0;
        pthread_mutex_lock(&timers_lock);
        /* A vCPU's timers removed since epoll_wait began may be in evs[]
         * with a vCPU already freed: drop the whole batch. Timer fds are
         * level-triggered, so the live ones are reported again at once. */
        if (seq != timers_removed)
            n = 0;
        bool stop = false;
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == 0)
                stop = true;
            else if (timer_fired(evs[i].data.u64, &fired[nf]))
                nf++;
        }
        pthread_mutex_unlock(&timers_lock);
        raise_fired(fired, nf);
        if (stop)
            break;
    }
    return NULL;
}

int vtime_init(void)
{
    timers_epoll = epoll_create1(EPOLL_CLOEXEC);
    timers_stop = eventfd(0, EFD_CLOEXEC);
    if (timers_epoll < 0 || timers_stop < 0)
        return -errno;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
    if (epoll_ctl(timers_epoll, EPOLL_CTL_ADD, timers_stop, &ev) < 0)
        return -errno;
    int rc = pthread_create(&timers_thread, NULL, timers_main, NULL);
    if (rc)
        return -rc;
    pthread_setname_np(timers_thread, "hv-timers");
    timers_running = 1;
    return 0;
}

void vtime_shutdown(void)
{
    if (!timers_running)
        return;
    uint64_t one = 1;
    ssize_t w = write(timers_stop, &one, sizeof(one));
    (void)w;
    pthread_join(timers_thread, NULL);
    timers_running = 0;
    close(timers_stop);
    close(timers_epoll);
}

int vtime_vcpu_init(struct vcpu *v)
{
    v->tsc_offset = guest_tsc_offset(v);
    for (unsigned i = 0; i < 2; i++) {
        v->timer_fd[i] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (v->timer_fd[i] < 0)
            return -errno;
        if (timers_epoll >= 0) {
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = timer_tag(v, i)};
            if (epoll_ctl(timers_epoll, EPOLL_CTL_ADD, v->timer_fd[i], &ev) < 0)
                return -errno;
        }
    }
    return 0;
}

void vtime_vcpu_destroy(struct vcpu *v)
{
    /* Under the lock: the timer thread may be about to use v. */
    pthread_mutex_lock(&timers_lock);
    for (unsigned i = 0; i < 2; i++) {
        if (v->timer_fd[i] < 0)
            continue;
        if (timers_epoll >= 0)
            epoll_ctl(timers_epoll, EPOLL_CTL_DEL, v->timer_fd[i], NULL);
        close(v->timer_fd[i]);
        v->timer_fd[i] = -1;
    }
    __atomic_store_n(&timers_removed, timers_removed + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&timers_lock);
}

static void arm(int fd, uint64_t first_ns, uint64_t period_ns)
{
    struct itimerspec its = {
        .it_value = {.tv_sec = (time_t)(first_ns / 1000000000ull),
                     .tv_nsec = (long)(first_ns % 1000000000ull)},
        .it_interval = {.tv_sec = (time_t)(period_ns / 1000000000ull),
                        .tv_nsec = (long)(period_ns % 1000000000ull)},
    };
    /* it_value 0 disarms; a deadline already past fires at once. */
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void vtime_set_singleshot(struct vcpu *v, uint64_t deadline_ns)
{
    arm(v->timer_fd[VCPU_TIMER_SINGLESHOT], deadline_ns, 0);
}

void vtime_set_periodic(struct vcpu *v, uint64_t period_ns)
{
    arm(v->timer_fd[VCPU_TIMER_PERIODIC], period_ns ? vtime_now_ns() + period_ns : 0, period_ns);
}

static uint64_t ts_ns(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

void vtime_get_timers(struct vcpu *v, uint64_t *singleshot_left_ns, uint64_t *period_ns)
{
    struct itimerspec its;
    *singleshot_left_ns = *period_ns = 0;
    if (timerfd_gettime(v->timer_fd[VCPU_TIMER_SINGLESHOT], &its) == 0) {
        uint64_t left = ts_ns(&its.it_value);
        uint64_t pending = 0;
        /* Fired but not yet consumed by the timer thread: due now. */
        if (!left && read(v->timer_fd[VCPU_TIMER_SINGLESHOT], &pending, sizeof(pending)) ==
                         sizeof(pending))
            left = 1;
        *singleshot_left_ns = left;
    }
    if (timerfd_gettime(v->timer_fd[VCPU_TIMER_PERIODIC], &its) == 0)
        *period_ns = ts_ns(&its.it_interval);
}
