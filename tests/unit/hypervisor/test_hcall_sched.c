/*
 * test_hcall_sched.c - SCHEDOP_poll and SCHEDOP_block (xen-abi.md 3.4) as a
 * guest vCPU makes them: sched_poll and its port list at guest-virtual
 * addresses, the calling vCPU's thread blocking inside the hypercall, and
 * other threads (another domain, Dom0's control thread, the main loop)
 * sending events or shutting the domain down meanwhile.
 *
 * Timeouts are absolute Xen system time, which is CLOCK_MONOTONIC in ns
 * (vtime_now_ns). The checks on when a poll returns are functional (at
 * once, at the deadline +- 50 ms, on the send), not benchmarks.
 *
 * World: guest G (d41, 2 vCPUs, calling on vCPU 0) with ports bound to
 * peer P (d42).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_domain.h"
#include "xenolith/evtchn_2l.h"

#define RAM       (16 * MiB)
#define GUEST     41u
#define PEER      42u
#define MS        1000000ull
#define SLACK     (50 * MS)
#define PORTS_OFF 256u           /* the port list, after struct sched_poll */

struct world {
    struct fake_guest *g;
    struct domain *peer;
    uint32_t gport[2], pport[2];  /* interdomain pairs, guest <-> peer */
    uint32_t ipi;                 /* a guest port nobody else touches */
};

static int group_setup(void **state)
{
    (void)state;
    fake_dom0_init();
    return log_open("/dev/null");
}

static int group_teardown(void **state)
{
    (void)state;
    log_close();
    return 0;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->g = fake_guest_new(RAM, GUEST, 2);
    w->peer = fake_evtchn_domain_new(RAM, PEER, 1);
    struct domain *d = w->g->d;
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(evtchn_alloc_unbound(d, PEER, &w->gport[i]), 0);
        assert_int_equal(evtchn_bind_interdomain(w->peer, GUEST, w->gport[i], &w->pport[i]), 0);
    }
    assert_int_equal(evtchn_bind_ipi(d, 0, &w->ipi), 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_evtchn_domain_free(w->peer);
    fake_guest_free(w->g);
    free(w);
    return 0;
}

/* ---- the guest's side ---------------------------------------------------- */

static long poll_at(struct world *w, uint64_t arg_va, uint64_t ports_va, uint32_t n,
                    uint64_t timeout)
{
    struct sched_poll sp;
    memset(&sp, 0, sizeof(sp));
    sp.ports.p = (evtchn_port_t *)(uintptr_t)ports_va;
    sp.nr_ports = n;
    sp.timeout = timeout;
    if (arg_va == FAKE_GUEST_ARG_VA)
        memcpy(fake_guest_arg(w->g, 0, sizeof(sp)), &sp, sizeof(sp));
    return fake_guest_hcall(w->g, __HYPERVISOR_sched_op, SCHEDOP_poll, arg_va, 0);
}

/* SCHEDOP_poll on ports[0..n) until the absolute system time timeout. */
static long poll_ports(struct world *w, const uint32_t *ports, uint32_t n, uint64_t timeout)
{
    if (n)
        memcpy(fake_guest_arg(w->g, PORTS_OFF, n * 4ull), ports, n * 4ull);
    return poll_at(w, FAKE_GUEST_ARG_VA, FAKE_GUEST_ARG_VA + PORTS_OFF, n, timeout);
}

static uint64_t now(void)
{
    return vtime_now_ns();
}

static bool pending(struct world *w, uint32_t p)
{
    return evtchn_2l_is_pending(w->g->d->shared, p);
}

static void guest_mask(struct world *w, uint32_t p)
{
    evtchn_2l_test_and_set(&w->g->d->shared->evtchn_mask[p / 64], p % 64);
}

static struct vcpu_info *vinfo(struct world *w)
{
    return w->g->d->vcpus[0]->vcpu_info;
}

/* ---- something happening on another thread, later ------------------------- */

enum later_what { LATER_SEND, LATER_SHUTDOWN };

struct later {
    pthread_t thread;
    struct domain *d;
    uint32_t port;
    enum later_what what;
    uint64_t at;       /* system time it happened */
    int rc;
};

static void *later_main(void *arg)
{
    struct later *l = arg;
    struct timespec ts = {.tv_nsec = 50 * 1000000};
    nanosleep(&ts, NULL);
    l->at = now();
    if (l->what == LATER_SEND)
        l->rc = evtchn_send(l->d, l->port);
    else
        domain_shutdown(l->d, SHUTDOWN_poweroff);
    return NULL;
}

/* In 50 ms, d sends on port (or d shuts down). */
static void in_50ms(struct later *l, struct domain *d, uint32_t port, enum later_what what)
{
    *l = (struct later){.d = d, .port = port, .what = what};
    assert_int_equal(pthread_create(&l->thread, NULL, later_main, l), 0);
}

static void join(struct later *l)
{
    assert_int_equal(pthread_join(l->thread, NULL), 0);
    assert_int_equal(l->rc, 0);
}

/* ---- returning at once ----------------------------------------------------- */

static void poll_returns_at_once_when_a_listed_port_is_pending(void **state)
{
    struct world *w = *state;
    assert_int_equal(evtchn_send(w->g->d, w->ipi), 0);
    const uint32_t ports[] = {w->gport[0], w->ipi};
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, ports, 2, t0 + 5000 * MS), 0);
    assert_true(now() - t0 < SLACK);
}

static void poll_returns_at_once_for_a_masked_pending_port(void **state)
{
    struct world *w = *state;
    guest_mask(w, w->ipi);
    assert_int_equal(evtchn_send(w->g->d, w->ipi), 0);
    assert_int_equal(vinfo(w)->evtchn_upcall_pending, 0); /* masked: no upcall */
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, &w->ipi, 1, t0 + 5000 * MS), 0);
    assert_true(now() - t0 < SLACK);
}

static void poll_returns_at_once_when_an_upcall_is_pending(void **state)
{
    struct world *w = *state;
    vinfo(w)->evtchn_upcall_pending = 1;
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, &w->gport[0], 1, t0 + 5000 * MS), 0);
    assert_true(now() - t0 < SLACK);
}

static void poll_with_a_deadline_already_past_returns_at_once(void **state)
{
    struct world *w = *state;
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, &w->gport[0], 1, t0 - 10 * MS), 0);
    assert_int_equal(poll_ports(w, &w->gport[0], 1, 1), 0); /* 1 ns after boot */
    assert_true(now() - t0 < SLACK);
}

/* ---- timing out ------------------------------------------------------------ */

static void assert_returned_at(uint64_t deadline)
{
    uint64_t t = now();
    if (t + SLACK < deadline || t > deadline + SLACK)
        fail_msg("returned %lld ms from the deadline", (long long)(t - deadline) / 1000000);
}

static void poll_times_out_at_the_absolute_deadline(void **state)
{
    struct world *w = *state;
    uint64_t deadline = now() + 200 * MS;
    assert_int_equal(poll_ports(w, w->gport, 2, deadline), 0);
    assert_returned_at(deadline);
    assert_false(pending(w, w->gport[0]));
}

static void poll_of_no_ports_sleeps_until_the_deadline(void **state)
{
    struct world *w = *state;
    uint64_t deadline = now() + 100 * MS;
    assert_int_equal(poll_ports(w, NULL, 0, deadline), 0);
    assert_returned_at(deadline);
}

static void poll_keeps_waiting_through_a_send_on_an_unlisted_masked_port(void **state)
{
    struct world *w = *state;
    guest_mask(w, w->gport[1]);
    uint64_t deadline = now() + 300 * MS;
    struct later l;
    in_50ms(&l, w->peer, w->pport[1], LATER_SEND);
    assert_int_equal(poll_ports(w, &w->gport[0], 1, deadline), 0);
    join(&l);
    assert_returned_at(deadline);
    assert_true(pending(w, w->gport[1]));
}

/* ---- waking -------------------------------------------------------------- */

static void poll_wakes_when_another_domain_sends_on_a_listed_port(void **state)
{
    struct world *w = *state;
    struct later l;
    in_50ms(&l, w->peer, w->pport[1], LATER_SEND);
    const uint32_t ports[] = {w->gport[0], w->gport[1]};
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, ports, 2, t0 + 5000 * MS), 0);
    uint64_t t = now();
    join(&l);
    assert_true(t >= l.at);
    assert_true(t - l.at < SLACK);
    assert_true(pending(w, w->gport[1]));
}

static void poll_wakes_on_a_listed_port_even_if_masked(void **state)
{
    struct world *w = *state;
    guest_mask(w, w->gport[0]);
    struct later l;
    in_50ms(&l, w->peer, w->pport[0], LATER_SEND);
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, &w->gport[0], 1, t0 + 5000 * MS), 0);
    uint64_t t = now();
    join(&l);
    assert_true(t - l.at < SLACK);
    assert_int_equal(vinfo(w)->evtchn_upcall_pending, 0); /* the pending bit woke it */
}

static void poll_without_a_timeout_wakes_on_the_send(void **state)
{
    struct world *w = *state;
    struct later l;
    in_50ms(&l, w->peer, w->pport[0], LATER_SEND);
    assert_int_equal(poll_ports(w, &w->gport[0], 1, 0), 0);
    uint64_t t = now();
    join(&l);
    assert_true(t - l.at < SLACK);
}

static void poll_returns_when_the_domain_shuts_down(void **state)
{
    struct world *w = *state;
    struct later l;
    in_50ms(&l, w->g->d, 0, LATER_SHUTDOWN);
    uint64_t t0 = now();
    assert_int_equal(poll_ports(w, &w->gport[0], 1, t0 + 5000 * MS), 0);
    uint64_t t = now();
    join(&l);
    assert_true(t - l.at < SLACK);
    assert_int_equal(w->g->d->state, XLCTL_STATE_SHUTDOWN);
}

/* ---- refusals ------------------------------------------------------------ */

static void poll_of_more_than_128_ports_is_einval(void **state)
{
    struct world *w = *state;
    uint32_t ports[129];
    for (unsigned i = 0; i < 129; i++)
        ports[i] = w->gport[0];
    ports[127] = w->ipi;
    evtchn_send(w->g->d, w->ipi);
    uint64_t deadline = now() + 5000 * MS;
    assert_int_equal(poll_ports(w, ports, 129, deadline), -EINVAL);
    assert_int_equal(poll_at(w, FAKE_GUEST_ARG_VA, FAKE_GUEST_ARG_VA + PORTS_OFF, UINT32_MAX,
                             deadline), -EINVAL);
    assert_int_equal(poll_ports(w, ports, 128, deadline), 0); /* 128 is fine */
}

static void poll_of_a_port_beyond_the_table_is_einval(void **state)
{
    struct world *w = *state;
    const uint32_t bad[] = {EVTCHN_MAX_PORTS, 4096, UINT32_MAX};
    uint64_t t0 = now();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const uint32_t ports[] = {w->gport[0], bad[i]};
        assert_int_equal(poll_ports(w, ports, 2, t0 + 5000 * MS), -EINVAL);
    }
    assert_true(now() - t0 < SLACK);
}

static void poll_with_bad_pointers_faults(void **state)
{
    struct world *w = *state;
    uint64_t deadline = now() + 5000 * MS;
    evtchn_send(w->g->d, w->ipi); /* were the list read, the poll would return 0 */
    assert_int_equal(poll_at(w, FAKE_GUEST_NOMAP_VA, 0, 0, 0), -EFAULT);
    assert_int_equal(poll_at(w, FAKE_GUEST_NOMAP_VA - 8, 0, 0, 0), -EFAULT); /* struct runs off */
    assert_int_equal(poll_at(w, FAKE_GUEST_ARG_VA, FAKE_GUEST_NOMAP_VA, 1, deadline), -EFAULT);
    uint32_t *tail = fake_guest_arg(w->g, FAKE_GUEST_ARG_PAGES * 4096ull - 4, 4);
    *tail = w->ipi;
    assert_int_equal(poll_at(w, FAKE_GUEST_ARG_VA, FAKE_GUEST_NOMAP_VA - 4, 2, deadline), -EFAULT);
    assert_int_equal(poll_at(w, FAKE_GUEST_ARG_VA, FAKE_GUEST_NOMAP_VA - 4, 1, deadline), 0);
}

/* ---- block --------------------------------------------------------------- */

/* SCHEDOP_block turns the guest's interrupts on (RFLAGS.IF, synced back to
 * KVM) so an upcall can end the block, whatever the guest's IF was. */
static bool guest_interrupts_on(struct world *w)
{
    struct kvm_run *run = w->g->d->vcpus[0]->run;
    return (run->s.regs.regs.rflags & (1u << 9)) && (run->kvm_dirty_regs & KVM_SYNC_X86_REGS);
}

static void block_with_an_upcall_pending_enables_interrupts_and_returns(void **state)
{
    struct world *w = *state;
    vinfo(w)->evtchn_upcall_pending = 1;
    unsigned before = log_ring_count("SCHEDOP_block");
    assert_int_equal(fake_guest_hcall(w->g, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
    assert_true(guest_interrupts_on(w));
    assert_int_equal(log_ring_count("SCHEDOP_block"), before); /* no halt asked */
}

/* Without an upcall it asks KVM to halt the vCPU; the fake vCPU has no
 * KVM fd, so the attempt shows as one warning. */
static void block_without_an_upcall_enables_interrupts_and_halts(void **state)
{
    struct world *w = *state;
    unsigned before = log_ring_count("SCHEDOP_block");
    assert_int_equal(fake_guest_hcall(w->g, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
    assert_true(guest_interrupts_on(w));
    assert_int_equal(log_ring_count("SCHEDOP_block"), before + 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(poll_returns_at_once_when_a_listed_port_is_pending),
        T(poll_returns_at_once_for_a_masked_pending_port),
        T(poll_returns_at_once_when_an_upcall_is_pending),
        T(poll_with_a_deadline_already_past_returns_at_once),
        T(poll_times_out_at_the_absolute_deadline),
        T(poll_of_no_ports_sleeps_until_the_deadline),
        T(poll_keeps_waiting_through_a_send_on_an_unlisted_masked_port),
        T(poll_wakes_when_another_domain_sends_on_a_listed_port),
        T(poll_wakes_on_a_listed_port_even_if_masked),
        T(poll_without_a_timeout_wakes_on_the_send),
        T(poll_returns_when_the_domain_shuts_down),
        T(poll_of_more_than_128_ports_is_einval),
        T(poll_of_a_port_beyond_the_table_is_einval),
        T(poll_with_bad_pointers_faults),
        T(block_with_an_upcall_pending_enables_interrupts_and_returns),
        T(block_without_an_upcall_enables_interrupts_and_halts),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
