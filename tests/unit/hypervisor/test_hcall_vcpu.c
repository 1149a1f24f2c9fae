/*
 * test_hcall_vcpu.c - vcpu_op and set_timer_op (xen-abi.md 3.5, 3.6) as a
 * guest vCPU makes them: timers whose expiry the guest sees as VIRQ_TIMER
 * pending on its port (waiting for it with SCHEDOP_poll, as Mini-OS and
 * Linux idle), and the vCPU state calls (initialise, up, down, is_up).
 * register_vcpu_info is in test_evtchn.c, where its effect on delivery is.
 *
 * World: guest G (d61, 2 vCPUs, calling on vCPU 0) with VIRQ_TIMER bound
 * on both vCPUs and the hypervisor's timer thread running. The fake vCPUs
 * have no KVM fd, so VCPUOP_initialise can only be checked for its
 * refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_domain.h"
#include "xenolith/evtchn_2l.h"

#define RAM   (16 * MiB)
#define DOMID 61u
#define MS    1000000ull
#define SLACK (50 * MS)

struct world {
    struct fake_guest *g;
    uint32_t timer_port[2];
};

static int group_setup(void **state)
{
    (void)state;
    fake_dom0_init();
    int rc = log_open("/dev/null");
    return rc ? rc : vtime_init();
}

static int group_teardown(void **state)
{
    (void)state;
    vtime_shutdown();
    log_close();
    return 0;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->g = fake_guest_new(RAM, DOMID, 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(vtime_vcpu_init(w->g->d->vcpus[i]), 0);
        assert_int_equal(evtchn_bind_virq(w->g->d, VIRQ_TIMER, i, &w->timer_port[i]), 0);
    }
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_guest_free(w->g);
    free(w);
    return 0;
}

static uint64_t now(void)
{
    return vtime_now_ns();
}

static long vcpu_op(struct world *w, unsigned cmd, uint64_t vcpu, const void *arg, size_t len)
{
    if (len)
        memcpy(fake_guest_arg(w->g, 0, len), arg, len);
    return fake_guest_hcall(w->g, __HYPERVISOR_vcpu_op, cmd, vcpu, len ? FAKE_GUEST_ARG_VA : 0);
}

static long set_timer_op(struct world *w, uint64_t deadline)
{
    return fake_guest_hcall(w->g, __HYPERVISOR_set_timer_op, deadline, 0, 0);
}

static long singleshot(struct world *w, unsigned vcpu, uint64_t deadline, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = deadline, .flags = flags};
    return vcpu_op(w, VCPUOP_set_singleshot_timer, vcpu, &t, sizeof(t));
}

static long periodic(struct world *w, unsigned vcpu, uint64_t period)
{
    struct vcpu_set_periodic_timer t = {.period_ns = period};
    return vcpu_op(w, VCPUOP_set_periodic_timer, vcpu, &t, sizeof(t));
}

/*
 * The guest idles until its timer port is pending, at most wait_ms, with
 * SCHEDOP_poll; returns the system time it woke with the port pending, 0
 * if it never became pending. Consumes the event.
 */
static uint64_t wait_for_tick(struct world *w, unsigned vcpu, unsigned wait_ms)
{
    uint32_t port = w->timer_port[vcpu];
    memcpy(fake_guest_arg(w->g, 256, 4), &port, 4);
    struct sched_poll sp;
    memset(&sp, 0, sizeof(sp));
    sp.ports.p = (evtchn_port_t *)(uintptr_t)(FAKE_GUEST_ARG_VA + 256);
    sp.nr_ports = 1;
    sp.timeout = now() + wait_ms * MS;
    memcpy(fake_guest_arg(w->g, 0, sizeof(sp)), &sp, sizeof(sp));
    uint64_t deadline = sp.timeout;
    while (now() < deadline) {
        assert_int_equal(fake_guest_hcall(w->g, __HYPERVISOR_sched_op, SCHEDOP_poll,
                                          FAKE_GUEST_ARG_VA, 0), 0);
        if (evtchn_2l_is_pending(w->g->d->shared, port)) {
            uint64_t t = now();
            evtchn_2l_clear_pending(w->g->d->shared, port);
            __atomic_store_n(&w->g->d->vcpus[vcpu]->vcpu_info->evtchn_upcall_pending, 0,
                             __ATOMIC_SEQ_CST);
            __atomic_store_n(&w->g->d->vcpus[vcpu]->vcpu_info->evtchn_pending_sel, 0,
                             __ATOMIC_SEQ_CST);
            return t;
        }
        /* woken by something else (another vCPU's upcall): poll again */
        __atomic_store_n(&w->g->d->vcpus[0]->vcpu_info->evtchn_upcall_pending, 0,
                         __ATOMIC_SEQ_CST);
    }
    return 0;
}

static void assert_fired_near(uint64_t seen, uint64_t when)
{
    if (!seen)
        fail_msg("the timer never fired");
    if (seen + SLACK < when || seen > when + SLACK)
        fail_msg("fired %lld ms from the expected time", (long long)(seen - when) / 1000000);
}

/* ---- set_timer_op -------------------------------------------------------- */

static void set_timer_op_fires_virq_timer_at_the_deadline(void **state)
{
    struct world *w = *state;
    uint64_t deadline = now() + 40 * MS;
    assert_int_equal(set_timer_op(w, deadline), 0);
    uint64_t seen = wait_for_tick(w, 0, 1000);
    assert_true(seen >= deadline);
    assert_fired_near(seen, deadline);
    assert_false(evtchn_2l_is_pending(w->g->d->shared, w->timer_port[1]));
}

static void set_timer_op_0_cancels(void **state)
{
    struct world *w = *state;
    assert_int_equal(set_timer_op(w, now() + 30 * MS), 0);
    assert_int_equal(set_timer_op(w, 0), 0);
    assert_int_equal(wait_for_tick(w, 0, 100), 0);
}

static void set_timer_op_in_the_past_fires_at_once(void **state)
{
    struct world *w = *state;
    uint64_t t0 = now();
    assert_int_equal(set_timer_op(w, t0 - 10 * MS), 0);
    assert_fired_near(wait_for_tick(w, 0, 1000), t0);
}

/* Xen: negative or more than 2^50 ns ahead becomes now + 100 ms. */
static void set_timer_op_absurd_deadlines_become_100ms(void **state)
{
    struct world *w = *state;
    const uint64_t absurd[] = {now() + (1ull << 51), 1ull << 63, UINT64_MAX};
    for (size_t i = 0; i < sizeof(absurd) / sizeof(absurd[0]); i++) {
        uint64_t t0 = now();
        assert_int_equal(set_timer_op(w, absurd[i]), 0);
        assert_fired_near(wait_for_tick(w, 0, 1000), t0 + 100 * MS);
    }
}

static void a_new_deadline_replaces_the_old_one(void **state)
{
    struct world *w = *state;
    uint64_t t0 = now();
    assert_int_equal(set_timer_op(w, t0 + 300 * MS), 0);
    assert_int_equal(set_timer_op(w, t0 + 60 * MS), 0);
    assert_fired_near(wait_for_tick(w, 0, 1000), t0 + 60 * MS);
    assert_int_equal(wait_for_tick(w, 0, 350), 0); /* only once */
}

/* ---- VCPUOP timers -------------------------------------------------------- */

static void singleshot_timer_fires_on_the_calling_vcpu(void **state)
{
    struct world *w = *state;
    uint64_t deadline = now() + 40 * MS;
    assert_int_equal(singleshot(w, 0, deadline, 0), 0);
    assert_fired_near(wait_for_tick(w, 0, 1000), deadline);
}

static void singleshot_timer_for_another_vcpu_is_einval(void **state)
{
    struct world *w = *state;
    assert_int_equal(singleshot(w, 1, now() + 10 * MS, 0), -EINVAL);
    assert_int_equal(vcpu_op(w, VCPUOP_stop_singleshot_timer, 1, NULL, 0), -EINVAL);
    assert_int_equal(wait_for_tick(w, 1, 60), 0);
}

/* Xen 4.17 semantics (xen-abi.md 3.6). */
static void singleshot_in_the_past_with_the_future_flag_is_etime(void **state)
{
    struct world *w = *state;
    assert_int_equal(singleshot(w, 0, now() - MS, VCPU_SSHOTTMR_future), -ETIME);
    assert_int_equal(wait_for_tick(w, 0, 60), 0);
    uint64_t t0 = now();
    assert_int_equal(singleshot(w, 0, t0 - MS, 0), 0); /* without the flag: fires */
    assert_fired_near(wait_for_tick(w, 0, 1000), t0);
}

static void stop_singleshot_timer_cancels(void **state)
{
    struct world *w = *state;
    assert_int_equal(singleshot(w, 0, now() + 30 * MS, 0), 0);
    assert_int_equal(vcpu_op(w, VCPUOP_stop_singleshot_timer, 0, NULL, 0), 0);
    assert_int_equal(wait_for_tick(w, 0, 100), 0);
}

static void periodic_timer_below_1ms_is_einval(void **state)
{
    struct world *w = *state;
    assert_int_equal(periodic(w, 0, 999999), -EINVAL);
    assert_int_equal(periodic(w, 0, 0), -EINVAL);
    assert_int_equal(wait_for_tick(w, 0, 30), 0);
}

static void periodic_timer_ticks_on_its_vcpu_until_stopped(void **state)
{
    struct world *w = *state;
    uint64_t t0 = now();
    assert_int_equal(periodic(w, 1, 25 * MS), 0); /* another vCPU's: allowed */
    for (unsigned i = 1; i <= 3; i++)
        assert_fired_near(wait_for_tick(w, 1, 1000), t0 + i * 25 * MS);
    assert_int_equal(vcpu_op(w, VCPUOP_stop_periodic_timer, 1, NULL, 0), 0);
    wait_for_tick(w, 1, 5); /* one may have been on its way */
    assert_int_equal(wait_for_tick(w, 1, 80), 0);
}

static void timer_ops_with_bad_pointers_fault(void **state)
{
    struct world *w = *state;
    assert_int_equal(fake_guest_hcall(w->g, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0,
                                      FAKE_GUEST_NOMAP_VA), -EFAULT);
    assert_int_equal(fake_guest_hcall(w->g, __HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0,
                                      FAKE_GUEST_NOMAP_VA - 4), -EFAULT);
}

/* ---- vCPU state ---------------------------------------------------------- */

static long is_up(struct world *w, uint64_t vcpu)
{
    return vcpu_op(w, VCPUOP_is_up, vcpu, NULL, 0);
}

static void down_then_up_again(void **state)
{
    struct world *w = *state;
    assert_int_equal(is_up(w, 1), 1);
    assert_int_equal(vcpu_op(w, VCPUOP_down, 1, NULL, 0), 0);
    assert_int_equal(is_up(w, 1), 0);
    assert_int_equal(vcpu_op(w, VCPUOP_up, 1, NULL, 0), 0); /* still initialised */
    assert_int_equal(is_up(w, 1), 1);
    assert_int_equal(w->g->d->state, XLCTL_STATE_RUNNING);
}

static void up_of_a_vcpu_never_initialised_is_einval(void **state)
{
    struct world *w = *state;
    struct vcpu *v = w->g->d->vcpus[1];
    v->online = v->initialised = false; /* as domain_create leaves an AP */
    assert_int_equal(vcpu_op(w, VCPUOP_up, 1, NULL, 0), -EINVAL);
    assert_int_equal(is_up(w, 1), 0);
}

static void initialise_refusals(void **state)
{
    struct world *w = *state;
    struct vcpu_hvm_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = VCPU_HVM_MODE_64B;
    assert_int_equal(vcpu_op(w, VCPUOP_initialise, 1, &ctx, sizeof(ctx)), -EEXIST); /* up */
    struct vcpu *v = w->g->d->vcpus[1];
    v->online = false;
    assert_int_equal(vcpu_op(w, VCPUOP_initialise, 1, &ctx, sizeof(ctx)), -EEXIST); /* once */
    v->initialised = false;
    ctx.mode = 7;
    assert_int_equal(vcpu_op(w, VCPUOP_initialise, 1, &ctx, sizeof(ctx)), -EINVAL);
    assert_int_equal(fake_guest_hcall(w->g, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1,
                                      FAKE_GUEST_NOMAP_VA - 64), -EFAULT);
    assert_false(v->initialised);
}

static void vcpu_ops_on_a_vcpu_that_does_not_exist_are_enoent(void **state)
{
    struct world *w = *state;
    const uint64_t ids[] = {2, XLCTL_MAX_VCPUS, UINT32_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        assert_int_equal(is_up(w, ids[i]), -ENOENT);
        assert_int_equal(vcpu_op(w, VCPUOP_up, ids[i], NULL, 0), -ENOENT);
        assert_int_equal(vcpu_op(w, VCPUOP_down, ids[i], NULL, 0), -ENOENT);
    }
}

/*
 * xen-abi.md 3.6 and Xen's common_vcpu_op: VCPUOP_down of the last vCPU
 * that is up shuts the domain down with SHUTDOWN_poweroff, rather than
 * leaving it "running" with every vCPU parked forever.
 */
static void down_of_the_last_running_vcpu_powers_the_domain_off(void **state)
{
    struct world *w = *state;
    assert_int_equal(vcpu_op(w, VCPUOP_down, 1, NULL, 0), 0);
    assert_int_equal(w->g->d->state, XLCTL_STATE_RUNNING);
    vcpu_op(w, VCPUOP_down, 0, NULL, 0);
    assert_int_equal(w->g->d->state, XLCTL_STATE_SHUTDOWN);
    assert_int_equal(w->g->d->shutdown_reason, SHUTDOWN_poweroff);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(set_timer_op_fires_virq_timer_at_the_deadline),
        T(set_timer_op_0_cancels),
        T(set_timer_op_in_the_past_fires_at_once),
        T(set_timer_op_absurd_deadlines_become_100ms),
        T(a_new_deadline_replaces_the_old_one),
        T(singleshot_timer_fires_on_the_calling_vcpu),
        T(singleshot_timer_for_another_vcpu_is_einval),
        T(singleshot_in_the_past_with_the_future_flag_is_etime),
        T(stop_singleshot_timer_cancels),
        T(periodic_timer_below_1ms_is_einval),
        T(periodic_timer_ticks_on_its_vcpu_until_stopped),
        T(timer_ops_with_bad_pointers_fault),
        T(down_then_up_again),
        T(up_of_a_vcpu_never_initialised_is_einval),
        T(initialise_refusals),
        T(vcpu_ops_on_a_vcpu_that_does_not_exist_are_enoent),
        T(down_of_the_last_running_vcpu_powers_the_domain_off),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
