/*
 * test_evtchn.c - event channels as guests and Dom0 see them: every guest
 * operation is an event_channel_op hypercall with its struct at a
 * guest-virtual address (xen-abi.md 4.4), and every effect is read where
 * the guest reads it: the pending and mask bitmaps in shared_info, the
 * vCPU's evtchn_pending_sel and evtchn_upcall_pending, the upcall it would
 * take (fake_upcall_taken) and EVTCHNOP_status. Dom0 ports are made with
 * evtchn_dom0_* as the control socket makes them and are watched through
 * their eventfd, as the Dom0 process watches them.
 *
 * World: guests A (d1, 2 vCPUs), B (d2, 2 vCPUs), C (d3, 1 vCPU), all in
 * the domain table, plus Dom0's pseudo-domain. Each test starts with every
 * table empty and ends with every table reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/eventfd.h>

#include "fake_domain.h"
#include "xenolith/evtchn_2l.h"

#define RAM (16 * MiB)
#define DA 1u
#define DB 2u
#define DC 3u
#define NO_SUCH_DOMID 77u

struct world {
    struct fake_guest *a, *b, *c;
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
    w->a = fake_guest_new(RAM, DA, 2);
    w->b = fake_guest_new(RAM, DB, 2);
    w->c = fake_guest_new(RAM, DC, 1);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    evtchn_reset(domain_dom0());
    fake_guest_free(w->a);
    fake_guest_free(w->b);
    fake_guest_free(w->c);
    free(w);
    return 0;
}

/* ---- the guest's hypercalls: port (>= 1) or -errno -------------------- */

static long ev(struct fake_guest *g, unsigned cmd, void *arg, size_t len)
{
    return fake_guest_op(g, __HYPERVISOR_event_channel_op, cmd, arg, len);
}

static long alloc_unbound_as(struct fake_guest *g, domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = {.dom = dom, .remote_dom = remote, .port = 0xdeadbeef};
    long rc = ev(g, EVTCHNOP_alloc_unbound, &a, sizeof(a));
    return rc < 0 ? rc : (long)a.port;
}

static long alloc_unbound(struct fake_guest *g, domid_t remote)
{
    return alloc_unbound_as(g, DOMID_SELF, remote);
}

static long bind_interdomain(struct fake_guest *g, domid_t rdom, uint32_t rport)
{
    struct evtchn_bind_interdomain b = {.remote_dom = rdom, .remote_port = rport,
                                        .local_port = 0xdeadbeef};
    long rc = ev(g, EVTCHNOP_bind_interdomain, &b, sizeof(b));
    return rc < 0 ? rc : (long)b.local_port;
}

static long bind_virq(struct fake_guest *g, uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu, .port = 0xdeadbeef};
    long rc = ev(g, EVTCHNOP_bind_virq, &b, sizeof(b));
    return rc < 0 ? rc : (long)b.port;
}

static long bind_ipi(struct fake_guest *g, uint32_t vcpu)
{
    struct evtchn_bind_ipi b = {.vcpu = vcpu, .port = 0xdeadbeef};
    long rc = ev(g, EVTCHNOP_bind_ipi, &b, sizeof(b));
    return rc < 0 ? rc : (long)b.port;
}

static long close_port(struct fake_guest *g, uint32_t port)
{
    struct evtchn_close c = {.port = port};
    return ev(g, EVTCHNOP_close, &c, sizeof(c));
}

static long send(struct fake_guest *g, uint32_t port)
{
    struct evtchn_send s = {.port = port};
    return ev(g, EVTCHNOP_send, &s, sizeof(s));
}

static long unmask(struct fake_guest *g, uint32_t port)
{
    struct evtchn_unmask u = {.port = port};
    return ev(g, EVTCHNOP_unmask, &u, sizeof(u));
}

static long bind_vcpu(struct fake_guest *g, uint32_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = {.port = port, .vcpu = vcpu};
    return ev(g, EVTCHNOP_bind_vcpu, &b, sizeof(b));
}

static long status_of(struct fake_guest *g, domid_t dom, uint32_t port, struct evtchn_status *st)
{
    memset(st, 0xa5, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return ev(g, EVTCHNOP_status, st, sizeof(*st));
}

/* EVTCHNOP_status of one of g's own ports; fails the test on error. */
static struct evtchn_status status(struct fake_guest *g, uint32_t port)
{
    struct evtchn_status st;
    assert_int_equal(status_of(g, DOMID_SELF, port, &st), 0);
    return st;
}

static long reset(struct fake_guest *g, domid_t dom)
{
    struct evtchn_reset r = {.dom = dom};
    return ev(g, EVTCHNOP_reset, &r, sizeof(r));
}

/* ---- what the guest reads --------------------------------------------- */

static bool pending(struct fake_guest *g, uint32_t port)
{
    return evtchn_2l_test(&g->d->shared->evtchn_pending[port / 64], port % 64);
}

static bool masked(struct fake_guest *g, uint32_t port)
{
    return evtchn_2l_test(&g->d->shared->evtchn_mask[port / 64], port % 64);
}

/* The guest masks a port itself, in shared_info, as Linux does. */
static void guest_mask(struct fake_guest *g, uint32_t port)
{
    evtchn_2l_test_and_set(&g->d->shared->evtchn_mask[port / 64], port % 64);
}

static struct vcpu_info *vinfo(struct fake_guest *g, unsigned vcpu)
{
    return g->d->vcpus[vcpu]->vcpu_info;
}

static bool sel_bit(struct fake_guest *g, unsigned vcpu, unsigned word)
{
    return evtchn_2l_test(&vinfo(g, vcpu)->evtchn_pending_sel, word);
}

static uint8_t upcall(struct fake_guest *g, unsigned vcpu)
{
    return __atomic_load_n(&vinfo(g, vcpu)->evtchn_upcall_pending, __ATOMIC_SEQ_CST);
}

static bool upcall_taken(struct fake_guest *g)
{
    return fake_upcall_taken(g->d->vcpus[0]);
}

/*
 * The guest's upcall handler on one vCPU, in Xen's order (xen-abi.md 4.3):
 * clear upcall_pending, take the selector, then clear and count each
 * pending unmasked port of the selected words. Returns how many it handled.
 */
static unsigned guest_scan(struct fake_guest *g, unsigned vcpu)
{
    struct shared_info *s = g->d->shared;
    struct vcpu_info *vi = vinfo(g, vcpu);
    unsigned handled = 0;
    do {
        __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned w = (unsigned)__builtin_ctzll(sel);
            sel &= sel - 1;
            xen_ulong_t bits;
            while ((bits = __atomic_load_n(&s->evtchn_pending[w], __ATOMIC_SEQ_CST) &
                           ~__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST))) {
                unsigned b = (unsigned)__builtin_ctzll(bits);
                evtchn_2l_test_and_clear(&s->evtchn_pending[w], b);
                handled++;
            }
        }
    } while (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST));
    return handled;
}

/* Nothing is announced to any vCPU of g, and no upcall was raised. */
static void assert_quiet(struct fake_guest *g)
{
    for (unsigned i = 0; i < g->d->nr_vcpus; i++) {
        assert_int_equal(vinfo(g, i)->evtchn_pending_sel, 0);
        assert_int_equal(upcall(g, i), 0);
    }
    assert_false(upcall_taken(g));
}

/* No port of g is pending. */
static void assert_none_pending(struct fake_guest *g)
{
    for (unsigned w = 0; w < 64; w++)
        assert_int_equal(g->d->shared->evtchn_pending[w], 0);
}

/* Consumes everything announced so far on every vCPU of g. */
static void guest_drain(struct fake_guest *g)
{
    for (unsigned i = 0; i < g->d->nr_vcpus; i++)
        guest_scan(g, i);
    (void)upcall_taken(g);
}

/*
 * B offers a port to A and A binds it; returns A's port, *pb is B's. The
 * pending edge on A's new port is consumed, so both guests start quiet.
 */
static uint32_t connect_ab(struct world *w, uint32_t *pb)
{
    long b = alloc_unbound(w->b, DA);
    assert_true(b > 0);
    long a = bind_interdomain(w->a, DB, (uint32_t)b);
    assert_true(a > 0);
    guest_drain(w->a);
    guest_drain(w->b);
    *pb = (uint32_t)b;
    return (uint32_t)a;
}

/* ---- allocation -------------------------------------------------------- */

static void ports_are_allocated_lowest_free_first_from_1(void **state)
{
    struct world *w = *state;
    assert_int_equal(alloc_unbound(w->a, DB), 1);
    assert_int_equal(alloc_unbound(w->a, DB), 2);
    assert_int_equal(bind_ipi(w->a, 0), 3);
    assert_int_equal(close_port(w->a, 2), 0);
    assert_int_equal(alloc_unbound(w->a, DC), 2);
    assert_int_equal(alloc_unbound(w->a, DC), 4);
}

static void port_0_is_reserved_and_reads_as_closed(void **state)
{
    struct world *w = *state;
    assert_int_equal(status(w->a, 0).status, EVTCHNSTAT_closed);
    assert_int_equal(close_port(w->a, 0), -EINVAL);
    assert_int_equal(send(w->a, 0), -EINVAL);
}

static void alloc_unbound_records_who_may_bind(void **state)
{
    struct world *w = *state;
    long p = alloc_unbound(w->a, DB);
    struct evtchn_status st = status(w->a, (uint32_t)p);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, DB);
    assert_int_equal(st.vcpu, 0);

    p = alloc_unbound(w->a, DOMID_SELF); /* DOMID_SELF means the caller */
    assert_int_equal(status(w->a, (uint32_t)p).u.unbound.dom, DA);
}

static void alloc_unbound_naming_itself_by_domid_works(void **state)
{
    struct world *w = *state;
    assert_int_equal(alloc_unbound_as(w->a, DA, DB), 1);
}

static void alloc_unbound_in_another_domain_is_eperm(void **state)
{
    struct world *w = *state;
    assert_int_equal(alloc_unbound_as(w->a, DB, DA), -EPERM);
    assert_int_equal(alloc_unbound_as(w->a, 0, DA), -EPERM); /* Dom0's table */
    assert_int_equal(status(w->b, 1).status, EVTCHNSTAT_closed);
    assert_int_equal(status(w->a, 1).status, EVTCHNSTAT_closed);
}

/*
 * Xen looks the named domain up before the permission check
 * (evtchn_alloc_unbound, evtchn_status and evtchn_reset in
 * xen/common/event_channel.c: rcu_lock_domain_by_any_id, then XSM), so a
 * domain that does not exist is -ESRCH even for an unprivileged caller,
 * and one that exists -EPERM (xen-abi.md 4.4).
 */
static void naming_a_domain_that_does_not_exist_is_esrch(void **state)
{
    struct world *w = *state;
    struct evtchn_status st;
    assert_int_equal(alloc_unbound_as(w->a, NO_SUCH_DOMID, DB), -ESRCH);
    assert_int_equal(status_of(w->a, NO_SUCH_DOMID, 1, &st), -ESRCH);
    assert_int_equal(reset(w->a, NO_SUCH_DOMID), -ESRCH);
}

/* As Xen: the remote domain is only a name until someone binds. */
static void alloc_unbound_for_a_domain_that_does_not_exist_yet_succeeds(void **state)
{
    struct world *w = *state;
    long p = alloc_unbound(w->a, NO_SUCH_DOMID);
    assert_int_equal(p, 1);
    assert_int_equal(status(w->a, 1).u.unbound.dom, NO_SUCH_DOMID);
}

static void table_full_is_enospc_after_1023_ports(void **state)
{
    struct world *w = *state;
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++)
        assert_int_equal(alloc_unbound(w->a, DB), p);
    assert_int_equal(alloc_unbound(w->a, DB), -ENOSPC);
    assert_int_equal(bind_ipi(w->a, 0), -ENOSPC);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 0), -ENOSPC);
    long offered = alloc_unbound(w->b, DA);
    assert_int_equal(bind_interdomain(w->a, DB, (uint32_t)offered), -ENOSPC);
    assert_int_equal(status(w->b, (uint32_t)offered).status, EVTCHNSTAT_unbound);

    assert_int_equal(close_port(w->a, 700), 0);
    assert_int_equal(bind_ipi(w->a, 1), 700);
    assert_int_equal(alloc_unbound(w->a, DB), -ENOSPC);
}

/* ---- bind_interdomain -------------------------------------------------- */

static void bind_interdomain_connects_both_ends(void **state)
{
    struct world *w = *state;
    long pb = alloc_unbound(w->b, DA);
    alloc_unbound(w->a, DC); /* A's port 1 is taken: the bind gets 2 */
    long pa = bind_interdomain(w->a, DB, (uint32_t)pb);
    assert_int_equal(pa, 2);

    struct evtchn_status sa = status(w->a, 2), sb = status(w->b, (uint32_t)pb);
    assert_int_equal(sa.status, EVTCHNSTAT_interdomain);
    assert_int_equal(sa.u.interdomain.dom, DB);
    assert_int_equal(sa.u.interdomain.port, pb);
    assert_int_equal(sb.status, EVTCHNSTAT_interdomain);
    assert_int_equal(sb.u.interdomain.dom, DA);
    assert_int_equal(sb.u.interdomain.port, 2);
}

static void bind_interdomain_sets_the_binders_new_port_pending(void **state)
{
    struct world *w = *state;
    long pb = alloc_unbound(w->b, DA);
    long pa = bind_interdomain(w->a, DB, (uint32_t)pb);

    assert_true(pending(w->a, (uint32_t)pa));
    assert_true(sel_bit(w->a, 0, (unsigned)pa / 64));
    assert_int_equal(upcall(w->a, 0), 1);
    assert_true(upcall_taken(w->a));
    assert_int_equal(guest_scan(w->a, 0), 1);

    assert_false(pending(w->b, (uint32_t)pb)); /* the offering side hears nothing */
    assert_quiet(w->b);
}

/* Sends made while the peer was unbound were dropped; the pending edge on
 * the binder's port is what makes it look. */
static void sends_before_the_bind_are_dropped(void **state)
{
    struct world *w = *state;
    long pb = alloc_unbound(w->b, DA);
    assert_int_equal(send(w->b, (uint32_t)pb), 0);
    assert_none_pending(w->a);
    assert_none_pending(w->b);
    assert_quiet(w->a);
    assert_quiet(w->b);
}

static void bind_interdomain_to_an_unknown_domain_is_esrch(void **state)
{
    struct world *w = *state;
    assert_int_equal(bind_interdomain(w->a, NO_SUCH_DOMID, 1), -ESRCH);
    assert_int_equal(bind_interdomain(w->a, DOMAIN_MAX_DOMID, 1), -ESRCH);
    assert_int_equal(bind_interdomain(w->a, DOMID_IO, 1), -ESRCH);
    assert_int_equal(bind_interdomain(w->a, DOMID_INVALID, 1), -ESRCH);
}

static void bind_interdomain_to_a_bad_remote_port_is_einval(void **state)
{
    struct world *w = *state;
    alloc_unbound(w->b, DA); /* B port 1 is offered to A */
    const uint32_t bad[] = {0, 2, EVTCHN_MAX_PORTS, 4096, UINT32_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(bind_interdomain(w->a, DB, bad[i]), -EINVAL);
    assert_int_equal(status(w->a, 1).status, EVTCHNSTAT_closed); /* nothing allocated */
}

static void bind_interdomain_to_a_port_offered_to_someone_else_is_einval(void **state)
{
    struct world *w = *state;
    long pb = alloc_unbound(w->b, DC);
    assert_int_equal(bind_interdomain(w->a, DB, (uint32_t)pb), -EINVAL);
    assert_int_equal(status(w->b, (uint32_t)pb).status, EVTCHNSTAT_unbound);
    assert_true(bind_interdomain(w->c, DB, (uint32_t)pb) > 0); /* C may */
}

static void bind_interdomain_to_a_port_not_unbound_is_einval(void **state)
{
    struct world *w = *state;
    uint32_t pb;
    connect_ab(w, &pb);
    assert_int_equal(bind_interdomain(w->a, DB, pb), -EINVAL); /* already interdomain */
    long ipi = bind_ipi(w->b, 0);
    long virq = bind_virq(w->b, VIRQ_TIMER, 0);
    assert_int_equal(bind_interdomain(w->a, DB, (uint32_t)ipi), -EINVAL);
    assert_int_equal(bind_interdomain(w->a, DB, (uint32_t)virq), -EINVAL);
}

static void loopback_bind_with_domid_self_delivers_both_ways(void **state)
{
    struct world *w = *state;
    long p1 = alloc_unbound(w->a, DOMID_SELF);
    long p2 = bind_interdomain(w->a, DOMID_SELF, (uint32_t)p1);
    assert_int_equal(p2, 2);
    assert_int_equal(status(w->a, 1).u.interdomain.port, 2);
    assert_int_equal(status(w->a, 2).u.interdomain.dom, DA);
    guest_drain(w->a);

    assert_int_equal(send(w->a, 2), 0);
    assert_true(pending(w->a, 1));
    assert_false(pending(w->a, 2));
    assert_int_equal(guest_scan(w->a, 0), 1);
    assert_int_equal(send(w->a, 1), 0);
    assert_true(pending(w->a, 2));
    assert_false(pending(w->a, 1));
}

/* ---- send -------------------------------------------------------------- */

static void send_sets_the_peers_pending_selector_and_upcall(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    assert_int_equal(send(w->a, pa), 0);

    assert_true(pending(w->b, pb));
    assert_true(sel_bit(w->b, 0, pb / 64));
    assert_int_equal(vinfo(w->b, 0)->evtchn_pending_sel, 1ull << (pb / 64));
    assert_int_equal(upcall(w->b, 0), 1);
    assert_true(upcall_taken(w->b));
    assert_false(pending(w->a, pa)); /* not the sender's own port */
    assert_quiet(w->a);
    assert_int_equal(guest_scan(w->b, 0), 1);
    assert_none_pending(w->b);
}

static void a_second_send_while_pending_does_not_raise_again(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    assert_int_equal(send(w->a, pa), 0);
    assert_true(upcall_taken(w->b));
    assert_int_equal(send(w->a, pa), 0);
    assert_false(upcall_taken(w->b));

    /* Even with the selector and upcall flag consumed, the pending bit
     * alone stops a re-raise (xen-abi.md 4.3 step 1). */
    __atomic_store_n(&vinfo(w->b, 0)->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&vinfo(w->b, 0)->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    assert_int_equal(send(w->a, pa), 0);
    assert_false(upcall_taken(w->b));
    assert_int_equal(upcall(w->b, 0), 0);

    evtchn_2l_clear_pending(w->b->d->shared, pb); /* handled */
    assert_int_equal(send(w->a, pa), 0);
    assert_true(upcall_taken(w->b));
}

/* Another port in a word already announced sets only its pending bit. */
static void a_send_into_an_announced_word_does_not_raise_again(void **state)
{
    struct world *w = *state;
    uint32_t pb1, pa1 = connect_ab(w, &pb1);
    uint32_t pb2, pa2 = connect_ab(w, &pb2);
    assert_int_equal(pb1 / 64, pb2 / 64);
    assert_int_equal(send(w->a, pa1), 0);
    assert_true(upcall_taken(w->b));
    assert_int_equal(send(w->a, pa2), 0);
    assert_false(upcall_taken(w->b));
    assert_true(pending(w->b, pb2));
    assert_int_equal(guest_scan(w->b, 0), 2);
}

static void ports_in_another_word_set_another_selector_bit(void **state)
{
    struct world *w = *state;
    for (unsigned i = 1; i < 70; i++)
        assert_int_equal(bind_ipi(w->b, 0), i);
    uint32_t pb, pa = connect_ab(w, &pb);
    assert_int_equal(pb, 70);
    assert_int_equal(send(w->a, pa), 0);
    assert_int_equal(vinfo(w->b, 0)->evtchn_pending_sel, 1ull << 1);
    assert_int_equal(w->b->d->shared->evtchn_pending[1], 1ull << (70 - 64));
}

static void send_goes_to_the_vcpu_the_peer_bound_its_port_to(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    assert_int_equal(bind_vcpu(w->b, pb, 1), 0);
    assert_int_equal(status(w->b, pb).vcpu, 1);
    assert_int_equal(send(w->a, pa), 0);
    assert_true(sel_bit(w->b, 1, pb / 64));
    assert_int_equal(upcall(w->b, 1), 1);
    assert_int_equal(vinfo(w->b, 0)->evtchn_pending_sel, 0);
    assert_int_equal(upcall(w->b, 0), 0);
    assert_int_equal(guest_scan(w->b, 1), 1);
}

static void send_on_an_unbound_port_is_dropped(void **state)
{
    struct world *w = *state;
    long p = alloc_unbound(w->a, DB);
    assert_int_equal(send(w->a, (uint32_t)p), 0);
    assert_none_pending(w->a);
    assert_none_pending(w->b);
    assert_quiet(w->a);
    assert_quiet(w->b);
}

static void send_on_an_ipi_port_pends_on_its_own_vcpu(void **state)
{
    struct world *w = *state;
    long p = bind_ipi(w->a, 1);
    assert_int_equal(status(w->a, (uint32_t)p).status, EVTCHNSTAT_ipi);
    assert_int_equal(status(w->a, (uint32_t)p).vcpu, 1);
    assert_int_equal(send(w->a, (uint32_t)p), 0);
    assert_true(pending(w->a, (uint32_t)p));
    assert_int_equal(upcall(w->a, 1), 1);
    assert_int_equal(upcall(w->a, 0), 0);
}

static void send_on_a_virq_closed_or_invalid_port_is_einval(void **state)
{
    struct world *w = *state;
    long v = bind_virq(w->a, VIRQ_TIMER, 0);
    assert_int_equal(send(w->a, (uint32_t)v), -EINVAL);
    assert_int_equal(send(w->a, 5), -EINVAL);
    assert_int_equal(send(w->a, EVTCHN_MAX_PORTS), -EINVAL);
    assert_int_equal(send(w->a, UINT32_MAX), -EINVAL);
    assert_none_pending(w->a);
}

static void a_bound_virq_fires_on_its_vcpu(void **state)
{
    struct world *w = *state;
    long p = bind_virq(w->a, VIRQ_TIMER, 1);
    evtchn_raise_virq(w->a->d, 1, VIRQ_TIMER);
    assert_true(pending(w->a, (uint32_t)p));
    assert_int_equal(upcall(w->a, 1), 1);
    evtchn_raise_virq(w->a->d, 0, VIRQ_TIMER); /* not bound on vCPU 0 */
    assert_int_equal(upcall(w->a, 0), 0);
}

/* ---- masking ----------------------------------------------------------- */

static void a_masked_port_pends_without_selector_or_upcall(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    guest_mask(w->b, pb);
    assert_int_equal(send(w->a, pa), 0);
    assert_true(pending(w->b, pb));
    assert_quiet(w->b);
    assert_int_equal(guest_scan(w->b, 0), 0); /* a scan leaves it pending */
    assert_true(pending(w->b, pb));
}

static void unmask_raises_a_masked_pending_port_exactly_once(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    guest_mask(w->b, pb);
    send(w->a, pa);
    assert_int_equal(unmask(w->b, pb), 0);
    assert_false(masked(w->b, pb));
    assert_true(sel_bit(w->b, 0, pb / 64));
    assert_int_equal(upcall(w->b, 0), 1);
    assert_true(upcall_taken(w->b));

    assert_int_equal(unmask(w->b, pb), 0); /* not masked any more: nothing */
    assert_false(upcall_taken(w->b));
    guest_mask(w->b, pb);
    assert_int_equal(unmask(w->b, pb), 0); /* word still announced: nothing */
    assert_false(upcall_taken(w->b));
    assert_int_equal(guest_scan(w->b, 0), 1);
}

static void unmask_of_a_port_not_pending_only_clears_the_mask(void **state)
{
    struct world *w = *state;
    uint32_t pb;
    connect_ab(w, &pb);
    guest_mask(w->b, pb);
    assert_int_equal(unmask(w->b, pb), 0);
    assert_false(masked(w->b, pb));
    assert_quiet(w->b);
}

static void unmask_announces_to_the_ports_vcpu(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    bind_vcpu(w->b, pb, 1);
    guest_mask(w->b, pb);
    send(w->a, pa);
    unmask(w->b, pb);
    assert_int_equal(upcall(w->b, 1), 1);
    assert_int_equal(upcall(w->b, 0), 0);
}

static void unmask_out_of_range_is_einval(void **state)
{
    struct world *w = *state;
    assert_int_equal(unmask(w->a, EVTCHN_MAX_PORTS), -EINVAL);
    assert_int_equal(unmask(w->a, UINT32_MAX), -EINVAL);
    assert_int_equal(unmask(w->a, 0), 0); /* port 0 is valid, just never bound */
}

/* ---- close and rebind -------------------------------------------------- */

static void close_reverts_the_peer_to_unbound_reserved_for_the_closer(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    assert_int_equal(close_port(w->b, pb), 0);
    assert_int_equal(status(w->b, pb).status, EVTCHNSTAT_closed);
    struct evtchn_status st = status(w->a, pa);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, DB);

    assert_int_equal(send(w->a, pa), 0); /* dropped now */
    assert_none_pending(w->b);
    assert_quiet(w->b);
}

static void the_closer_can_bind_the_reverted_port_again(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    close_port(w->b, pb);
    long nb = bind_interdomain(w->b, DA, pa);
    assert_int_equal(nb, pb); /* lowest free again */
    assert_true(pending(w->b, (uint32_t)nb));
    guest_drain(w->b);
    assert_int_equal(send(w->a, pa), 0);
    assert_true(pending(w->b, (uint32_t)nb));
    assert_int_equal(send(w->b, (uint32_t)nb), 0);
    assert_true(pending(w->a, pa));
}

static void a_reverted_port_is_not_offered_to_anyone_else(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    close_port(w->b, pb);
    assert_int_equal(bind_interdomain(w->c, DA, pa), -EINVAL);
}

static void close_clears_pending_keeps_the_mask_and_resets_the_vcpu(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    bind_vcpu(w->b, pb, 1);
    guest_mask(w->b, pb);
    send(w->a, pa);
    assert_int_equal(close_port(w->b, pb), 0);
    assert_false(pending(w->b, pb));
    assert_true(masked(w->b, pb));
    assert_int_equal(status(w->b, pb).vcpu, 0);
    assert_int_equal(bind_ipi(w->b, 0), pb);
    assert_int_equal(status(w->b, pb).vcpu, 0);
}

static void close_of_a_closed_or_invalid_port_is_einval(void **state)
{
    struct world *w = *state;
    long p = bind_ipi(w->a, 0);
    assert_int_equal(close_port(w->a, (uint32_t)p), 0);
    assert_int_equal(close_port(w->a, (uint32_t)p), -EINVAL);
    assert_int_equal(close_port(w->a, 9), -EINVAL);
    assert_int_equal(close_port(w->a, EVTCHN_MAX_PORTS), -EINVAL);
    assert_int_equal(close_port(w->a, UINT32_MAX), -EINVAL);
}

static void closing_a_virq_port_lets_it_be_bound_again(void **state)
{
    struct world *w = *state;
    long p = bind_virq(w->a, VIRQ_TIMER, 0);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 0), -EEXIST);
    close_port(w->a, (uint32_t)p);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 0), p);
    evtchn_raise_virq(w->a->d, 0, VIRQ_TIMER);
    assert_true(pending(w->a, (uint32_t)p));
}

static void reset_closes_every_port_and_peers_revert(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    long ipi = bind_ipi(w->a, 1);
    bind_virq(w->a, VIRQ_TIMER, 0);
    alloc_unbound(w->a, DC);
    send(w->a, (uint32_t)ipi);
    assert_int_equal(reset(w->a, DOMID_SELF), 0);
    for (uint32_t p = 1; p < 8; p++)
        assert_int_equal(status(w->a, p).status, EVTCHNSTAT_closed);
    assert_none_pending(w->a);
    assert_int_equal(status(w->b, pb).status, EVTCHNSTAT_unbound);
    assert_int_equal(status(w->b, pb).u.unbound.dom, DA);
    assert_int_equal(alloc_unbound(w->a, DB), pa); /* all free: lowest again */
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 0), 2); /* the virq is free too */
}

static void reset_by_own_domid_works_and_of_another_is_eperm(void **state)
{
    struct world *w = *state;
    bind_ipi(w->b, 0);
    assert_int_equal(reset(w->a, DB), -EPERM);
    assert_int_equal(status(w->b, 1).status, EVTCHNSTAT_ipi);
    assert_int_equal(reset(w->b, DB), 0);
    assert_int_equal(status(w->b, 1).status, EVTCHNSTAT_closed);
}

/* ---- virq, ipi, bind_vcpu, status errors --------------------------------- */

static void bind_virq_per_vcpu_once_per_vcpu(void **state)
{
    struct world *w = *state;
    long p0 = bind_virq(w->a, VIRQ_TIMER, 0);
    long p1 = bind_virq(w->a, VIRQ_TIMER, 1);
    assert_true(p0 > 0 && p1 > 0 && p0 != p1);
    struct evtchn_status st = status(w->a, (uint32_t)p1);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_TIMER);
    assert_int_equal(st.vcpu, 1);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 0), -EEXIST);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 1), -EEXIST);
    assert_int_equal(bind_virq(w->a, VIRQ_DEBUG, 1), 3);
}

static void bind_virq_errors(void **state)
{
    struct world *w = *state;
    assert_int_equal(bind_virq(w->a, NR_VIRQS, 0), -EINVAL);
    assert_int_equal(bind_virq(w->a, UINT32_MAX, 0), -EINVAL);
    assert_int_equal(bind_virq(w->a, VIRQ_ARGO, 1), -EINVAL);    /* not per-vCPU: vCPU 0 only */
    assert_int_equal(bind_virq(w->a, VIRQ_DOM_EXC, 1), -EINVAL);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, 2), -ENOENT);   /* A has 2 vCPUs */
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, XLCTL_MAX_VCPUS), -ENOENT);
    assert_int_equal(bind_virq(w->a, VIRQ_TIMER, UINT32_MAX), -ENOENT);
    assert_int_equal(status(w->a, 1).status, EVTCHNSTAT_closed);
}

/*
 * xen-abi.md 4.4: bind_virq of a global VIRQ owned by another domain
 * (Dom0 by default) is -EBUSY; a domU would otherwise get a port for
 * VIRQ_DOM_EXC / VIRQ_CONSOLE that nothing ever raises.
 */
static void binding_a_global_virq_owned_by_dom0_is_ebusy(void **state)
{
    struct world *w = *state;
    assert_int_equal(bind_virq(w->a, VIRQ_DOM_EXC, 0), -EBUSY);
    assert_int_equal(bind_virq(w->a, VIRQ_CONSOLE, 0), -EBUSY);
}

static void bind_ipi_to_a_missing_vcpu_is_enoent(void **state)
{
    struct world *w = *state;
    assert_int_equal(bind_ipi(w->a, 2), -ENOENT);
    assert_int_equal(bind_ipi(w->a, UINT32_MAX), -ENOENT);
    assert_int_equal(bind_ipi(w->c, 1), -ENOENT);
}

static void bind_vcpu_moves_unbound_interdomain_and_domain_wide_virq_ports(void **state)
{
    struct world *w = *state;
    long u = alloc_unbound(w->a, DB);
    uint32_t pb, pa = connect_ab(w, &pb);
    long g = bind_virq(w->a, VIRQ_ARGO, 0);
    assert_int_equal(bind_vcpu(w->a, (uint32_t)u, 1), 0);
    assert_int_equal(bind_vcpu(w->a, pa, 1), 0);
    assert_int_equal(bind_vcpu(w->a, (uint32_t)g, 1), 0);
    assert_int_equal(status(w->a, (uint32_t)u).vcpu, 1);
    assert_int_equal(status(w->a, pa).vcpu, 1);
    assert_int_equal(status(w->a, (uint32_t)g).vcpu, 1);
}

static void bind_vcpu_errors(void **state)
{
    struct world *w = *state;
    long ipi = bind_ipi(w->a, 0);
    long timer = bind_virq(w->a, VIRQ_TIMER, 0);
    assert_int_equal(bind_vcpu(w->a, (uint32_t)ipi, 1), -EINVAL);
    assert_int_equal(bind_vcpu(w->a, (uint32_t)timer, 1), -EINVAL);
    assert_int_equal(bind_vcpu(w->a, 9, 1), -EINVAL);  /* closed */
    assert_int_equal(bind_vcpu(w->a, 0, 1), -EINVAL);
    assert_int_equal(bind_vcpu(w->a, EVTCHN_MAX_PORTS, 1), -EINVAL);
    assert_int_equal(bind_vcpu(w->a, (uint32_t)ipi, 2), -ENOENT);
    assert_int_equal(bind_vcpu(w->a, 9, UINT32_MAX), -ENOENT);
    assert_int_equal(status(w->a, (uint32_t)ipi).vcpu, 0);
    assert_int_equal(status(w->a, (uint32_t)timer).vcpu, 0);
}

/*
 * Xen keeps a domain-wide VIRQ in vCPU 0's table when bind_vcpu moves its
 * notifications (xen/common/event_channel.c: evtchn_bind_vcpu changes only
 * notify_vcpu_id; send_guest_global_virq looks in d->vcpu[0]), so binding
 * it again is -EEXIST and raising it still finds the port.
 */
static void a_moved_domain_wide_virq_still_blocks_a_second_bind(void **state)
{
    struct world *w = *state;
    long g = bind_virq(w->a, VIRQ_ARGO, 0);
    assert_int_equal(bind_vcpu(w->a, (uint32_t)g, 1), 0);
    assert_int_equal(bind_virq(w->a, VIRQ_ARGO, 0), -EEXIST);
    evtchn_raise_virq(w->a->d, 0, VIRQ_ARGO);
    assert_true(pending(w->a, (uint32_t)g));
    assert_int_equal(upcall(w->a, 1), 1);
}

static void status_errors(void **state)
{
    struct world *w = *state;
    struct evtchn_status st;
    bind_ipi(w->b, 0);
    assert_int_equal(status_of(w->a, DB, 1, &st), -EPERM);
    assert_int_equal(status_of(w->a, 0, 1, &st), -EPERM);
    assert_int_equal(status_of(w->a, DOMID_SELF, EVTCHN_MAX_PORTS, &st), -EINVAL);
    assert_int_equal(status_of(w->a, DA, 1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
}

static void fifo_ops_are_enosys_so_guests_fall_back_to_2l(void **state)
{
    struct world *w = *state;
    uint8_t buf[32] = {0};
    assert_int_equal(ev(w->a, EVTCHNOP_init_control, buf, sizeof(buf)), -ENOSYS);
    assert_int_equal(ev(w->a, EVTCHNOP_expand_array, buf, sizeof(buf)), -ENOSYS);
    assert_int_equal(ev(w->a, EVTCHNOP_set_priority, buf, sizeof(buf)), -ENOSYS);
    assert_int_equal(ev(w->a, 99, buf, sizeof(buf)), -ENOSYS);
}

static void every_op_with_an_unmapped_argument_faults(void **state)
{
    struct world *w = *state;
    const unsigned cmds[] = {EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain,
                             EVTCHNOP_bind_virq, EVTCHNOP_bind_ipi, EVTCHNOP_close,
                             EVTCHNOP_send, EVTCHNOP_status, EVTCHNOP_bind_vcpu,
                             EVTCHNOP_unmask, EVTCHNOP_reset};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        assert_int_equal(fake_guest_hcall(w->a, __HYPERVISOR_event_channel_op, cmds[i],
                                          FAKE_GUEST_NOMAP_VA, 0), -EFAULT);
    /* A struct that runs off the end of the mapping faults too. */
    assert_int_equal(fake_guest_hcall(w->a, __HYPERVISOR_event_channel_op,
                                      EVTCHNOP_alloc_unbound, FAKE_GUEST_NOMAP_VA - 4, 0),
                     -EFAULT);
    assert_int_equal(status(w->a, 1).status, EVTCHNSTAT_closed);
}

/* ---- register_vcpu_info ------------------------------------------------ */

#define VINFO_GFN 0x300u

static long register_vcpu_info(struct fake_guest *g, unsigned vcpu, uint64_t mfn, uint32_t off)
{
    struct vcpu_register_vcpu_info r = {.mfn = mfn, .offset = off};
    memcpy(fake_guest_arg(g, 0, sizeof(r)), &r, sizeof(r));
    return fake_guest_hcall(g, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpu,
                            FAKE_GUEST_ARG_VA);
}

static void registered_vcpu_info_forces_a_rescan_and_then_gets_the_events(void **state)
{
    struct world *w = *state;
    uint32_t pb, pa = connect_ab(w, &pb);
    bind_vcpu(w->b, pb, 1);
    struct vcpu_info *slot = &w->b->d->shared->vcpu_info[1];
    struct vcpu_info *area = (struct vcpu_info *)gm_ptr(&w->b->d->mem, VINFO_GFN * 4096 + 64, 64);

    assert_int_equal(register_vcpu_info(w->b, 1, VINFO_GFN, 64), 0);
    assert_int_equal(area->evtchn_pending_sel, ~(xen_ulong_t)0);
    assert_int_equal(area->evtchn_upcall_pending, 1);
    assert_int_equal(guest_scan(w->b, 1), 0);

    assert_int_equal(send(w->a, pa), 0);
    assert_int_equal(area->evtchn_upcall_pending, 1);
    assert_true(evtchn_2l_test(&area->evtchn_pending_sel, pb / 64));
    assert_int_equal(slot->evtchn_upcall_pending, 0); /* the old slot is left alone */
    assert_int_equal(slot->evtchn_pending_sel, 0);
}

static void register_vcpu_info_errors(void **state)
{
    struct world *w = *state;
    assert_int_equal(register_vcpu_info(w->a, 0, VINFO_GFN, 4), -ENXIO);      /* misaligned */
    assert_int_equal(register_vcpu_info(w->a, 0, VINFO_GFN, 4096 - 32), -ENXIO); /* crosses */
    assert_int_equal(register_vcpu_info(w->a, 0, RAM / 4096, 0), -EINVAL);   /* past RAM */
    assert_int_equal(register_vcpu_info(w->a, 0, XL_SPECIAL_PFN_BASE, 0), -EINVAL);
    assert_int_equal(register_vcpu_info(w->a, 2, VINFO_GFN, 0), -ENOENT);
    assert_int_equal(register_vcpu_info(w->a, 0, VINFO_GFN, 0), 0);
    assert_int_equal(register_vcpu_info(w->a, 0, VINFO_GFN, 128), -EBUSY);   /* once */
    assert_int_equal(fake_guest_hcall(w->a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1,
                                      FAKE_GUEST_NOMAP_VA), -EFAULT);
}

/* ---- Dom0 ports -------------------------------------------------------- */

#define OWNER 7u
#define OTHER_OWNER 8u

/* An eventfd for a Dom0 port: *keep is the table's copy (the table owns
 * and closes it), the returned fd is ours, to read. */
static int dom0_eventfd(int *keep)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    assert_true(fd >= 0);
    *keep = dup(fd);
    assert_true(*keep >= 0);
    return fd;
}

/* The eventfd's count, 0 if not readable. */
static uint64_t eventfd_take(int fd)
{
    uint64_t n = 0;
    if (read(fd, &n, sizeof(n)) != sizeof(n)) {
        assert_int_equal(errno, EAGAIN);
        return 0;
    }
    return n;
}

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static struct evtchn_status dom0_status(uint32_t port)
{
    struct evtchn_status st;
    assert_int_equal(evtchn_status(domain_dom0(), port, &st), 0);
    return st;
}

static void a_guest_send_on_a_dom0_port_makes_its_eventfd_readable_once(void **state)
{
    struct world *w = *state;
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    assert_int_equal(evtchn_dom0_alloc_unbound(DA, table_fd, OWNER, &p0), 0);
    assert_int_equal(dom0_status(p0).status, EVTCHNSTAT_unbound);
    assert_int_equal(dom0_status(p0).u.unbound.dom, DA);

    long pa = bind_interdomain(w->a, 0, p0);
    assert_true(pa > 0);
    assert_true(pending(w->a, (uint32_t)pa)); /* the binder's port, as always */
    assert_int_equal(eventfd_take(fd), 0);

    assert_int_equal(send(w->a, (uint32_t)pa), 0);
    assert_int_equal(eventfd_take(fd), 1);
    assert_int_equal(eventfd_take(fd), 0);
    close(fd);
}

static void dom0_binding_a_guest_port_signals_its_eventfd_then_each_send(void **state)
{
    struct world *w = *state;
    long pa = alloc_unbound(w->a, 0);
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    assert_int_equal(evtchn_dom0_bind_interdomain(DA, (uint32_t)pa, table_fd, OWNER, &p0), 0);
    assert_int_equal(eventfd_take(fd), 1); /* Dom0 is the binder here */
    assert_false(pending(w->a, (uint32_t)pa));
    assert_int_equal(status(w->a, (uint32_t)pa).u.interdomain.dom, 0);
    assert_int_equal(status(w->a, (uint32_t)pa).u.interdomain.port, p0);

    assert_int_equal(send(w->a, (uint32_t)pa), 0);
    assert_int_equal(eventfd_take(fd), 1);
    close(fd);
}

static void dom0_send_reaches_the_guest_and_needs_the_owner(void **state)
{
    struct world *w = *state;
    long pa = alloc_unbound(w->a, 0);
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    evtchn_dom0_bind_interdomain(DA, (uint32_t)pa, table_fd, OWNER, &p0);

    assert_int_equal(evtchn_dom0_send(p0, OTHER_OWNER), -EPERM);
    assert_false(pending(w->a, (uint32_t)pa));
    assert_int_equal(evtchn_dom0_send(p0, OWNER), 0);
    assert_true(pending(w->a, (uint32_t)pa));
    assert_int_equal(upcall(w->a, 0), 1);
    assert_true(upcall_taken(w->a));
    assert_int_equal(evtchn_dom0_send(0, OWNER), -EINVAL);
    assert_int_equal(evtchn_dom0_send(p0 + 1, OWNER), -EINVAL);
    close(fd);
}

static void dom0_close_needs_the_owner_and_reverts_the_guest_port(void **state)
{
    struct world *w = *state;
    long pa = alloc_unbound(w->a, 0);
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    evtchn_dom0_bind_interdomain(DA, (uint32_t)pa, table_fd, OWNER, &p0);

    assert_int_equal(evtchn_dom0_close(p0, OTHER_OWNER), -EPERM);
    assert_int_equal(dom0_status(p0).status, EVTCHNSTAT_interdomain);
    assert_true(fd_is_open(table_fd));
    assert_int_equal(evtchn_dom0_close(p0, OWNER), 0);
    assert_int_equal(dom0_status(p0).status, EVTCHNSTAT_closed);
    assert_false(fd_is_open(table_fd)); /* the table closed its copy */
    assert_int_equal(status(w->a, (uint32_t)pa).status, EVTCHNSTAT_unbound);
    assert_int_equal(status(w->a, (uint32_t)pa).u.unbound.dom, 0);
    assert_int_equal(evtchn_dom0_close(p0, OWNER), -EINVAL);

    eventfd_take(fd);
    assert_int_equal(send(w->a, (uint32_t)pa), 0); /* dropped */
    assert_int_equal(eventfd_take(fd), 0);
    close(fd);
}

/* The guest closes its end: Dom0's port waits, unbound, for that guest,
 * which may bind it again and be heard through the same eventfd. */
static void a_guest_can_rebind_a_dom0_port_after_closing_its_end(void **state)
{
    struct world *w = *state;
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    evtchn_dom0_alloc_unbound(DA, table_fd, OWNER, &p0);
    long pa = bind_interdomain(w->a, 0, p0);
    assert_int_equal(close_port(w->a, (uint32_t)pa), 0);
    assert_int_equal(dom0_status(p0).status, EVTCHNSTAT_unbound);
    assert_int_equal(dom0_status(p0).u.unbound.dom, DA);
    assert_int_equal(bind_interdomain(w->b, 0, p0), -EINVAL);

    long again = bind_interdomain(w->a, 0, p0);
    assert_int_equal(again, pa);
    assert_int_equal(send(w->a, (uint32_t)again), 0);
    assert_int_equal(eventfd_take(fd), 1);
    assert_int_equal(evtchn_dom0_send(p0, OWNER), 0);
    assert_true(pending(w->a, (uint32_t)again));
    close(fd);
}

static void dom0_close_owned_releases_only_that_owners_ports(void **state)
{
    struct world *w = *state;
    int fds[4], table_fds[4];
    uint32_t p0[4];
    for (unsigned i = 0; i < 4; i++) {
        fds[i] = dom0_eventfd(&table_fds[i]);
        assert_int_equal(evtchn_dom0_alloc_unbound(i < 2 ? DA : DB, table_fds[i],
                                                   i % 2 ? OTHER_OWNER : OWNER, &p0[i]), 0);
    }
    long pa = bind_interdomain(w->a, 0, p0[0]);
    evtchn_dom0_close_owned(OWNER);
    for (unsigned i = 0; i < 4; i++) {
        bool mine = i % 2 == 0;
        assert_int_equal(dom0_status(p0[i]).status,
                         mine ? EVTCHNSTAT_closed : EVTCHNSTAT_unbound);
        assert_int_equal(fd_is_open(table_fds[i]), !mine);
        close(fds[i]);
    }
    assert_int_equal(status(w->a, (uint32_t)pa).status, EVTCHNSTAT_unbound);
    assert_int_equal(evtchn_dom0_close(p0[1], OTHER_OWNER), 0);
}

static void dom0_port_errors(void **state)
{
    struct world *w = *state;
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0 = 0xdeadbeef;
    assert_int_equal(evtchn_dom0_alloc_unbound(NO_SUCH_DOMID, table_fd, OWNER, &p0), -ESRCH);
    assert_int_equal(evtchn_dom0_bind_interdomain(NO_SUCH_DOMID, 1, table_fd, OWNER, &p0), -ESRCH);
    long pb = alloc_unbound(w->a, DB); /* offered to B, not Dom0 */
    assert_int_equal(evtchn_dom0_bind_interdomain(DA, (uint32_t)pb, table_fd, OWNER, &p0),
                     -EINVAL);
    assert_int_equal(evtchn_dom0_bind_interdomain(DA, 0, table_fd, OWNER, &p0), -EINVAL);
    assert_true(fd_is_open(table_fd)); /* refused: still the caller's */
    assert_int_equal(evtchn_dom0_close(0, OWNER), -EINVAL);
    assert_int_equal(evtchn_dom0_close(EVTCHN_MAX_PORTS, OWNER), -EINVAL);
    close(table_fd);
    close(fd);
}

static void a_guest_cannot_bind_a_dom0_port_offered_to_another_guest(void **state)
{
    struct world *w = *state;
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    evtchn_dom0_alloc_unbound(DB, table_fd, OWNER, &p0);
    assert_int_equal(bind_interdomain(w->a, 0, p0), -EINVAL);
    assert_true(bind_interdomain(w->b, 0, p0) > 0);
    close(fd);
}

static void a_destroyed_guest_reverts_its_dom0_peers_to_unbound(void **state)
{
    struct world *w = *state;
    int table_fd, fd = dom0_eventfd(&table_fd);
    uint32_t p0;
    evtchn_dom0_alloc_unbound(DC, table_fd, OWNER, &p0);
    assert_true(bind_interdomain(w->c, 0, p0) > 0);
    fake_guest_free(w->c);
    w->c = NULL;
    assert_int_equal(dom0_status(p0).status, EVTCHNSTAT_unbound);
    assert_int_equal(dom0_status(p0).u.unbound.dom, DC);
    assert_int_equal(evtchn_dom0_send(p0, OWNER), 0); /* dropped, no crash */
    close(fd);
}

/* ---- the tables under concurrency ----------------------------------------- */

#define CHURN_ROUNDS 5000u
#define CHURN_OPS    200u   /* per thread per round */
#define CHURN_PORTS  3u     /* ports the churn names: few, so the threads collide */

struct churn {
    struct domain *d, *other;
    uint64_t seed;
    unsigned binds;         /* successful bind_interdomain */
    pthread_barrier_t *start, *done;
};

static unsigned churn_pick(struct churn *c, unsigned n)
{
    c->seed ^= c->seed << 13;
    c->seed ^= c->seed >> 7;
    c->seed ^= c->seed << 17;
    return (unsigned)(c->seed % n);
}

/* Only this thread allocates in c->d, so a free port among the low ones
 * stays free until it does: allocations never leave the low range. */
static bool low_port_free(struct churn *c)
{
    for (uint32_t p = 1; p <= CHURN_PORTS; p++) {
        struct evtchn_status st;
        evtchn_status(c->d, p, &st);
        if (st.status == EVTCHNSTAT_closed)
            return true;
    }
    return false;
}

/* One random operation on c->d's low ports, most of them involving
 * c->other: offers, binds to whatever the other side has, sends, closes
 * (which revert the other side), moves. */
static void churn_op(struct churn *c)
{
    uint32_t port = 1 + churn_pick(c, CHURN_PORTS), out;
    switch (churn_pick(c, 10)) {
    case 0:
    case 1:
        if (low_port_free(c))
            evtchn_alloc_unbound(c->d, c->other->domid, &out);
        break;
    case 2:
    case 3:
        if (low_port_free(c) && evtchn_bind_interdomain(c->d, c->other->domid, port, &out) == 0)
            c->binds++;
        break;
    case 4:
    case 5:
    case 6:
        evtchn_send(c->d, port);
        evtchn_2l_clear_pending(c->d->shared, port); /* the guest takes it */
        break;
    case 7:
    case 8:
        evtchn_close(c->d, port);
        break;
    default:
        evtchn_bind_vcpu(c->d, port, churn_pick(c, 2));
        break;
    }
}

static void *churn_main(void *arg)
{
    struct churn *c = arg;
    for (unsigned r = 0; r < CHURN_ROUNDS; r++) {
        pthread_barrier_wait(c->start);
        for (unsigned i = 0; i < CHURN_OPS; i++)
            churn_op(c);
        pthread_barrier_wait(c->done);
    }
    return NULL;
}

/* Every interdomain port of d points at a port of its peer that points
 * back; NULL if so. */
static const char *ends_disagree(struct domain *d, char *why, size_t n)
{
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++) {
        struct evtchn_status st, back;
        evtchn_status(d, p, &st);
        if (st.status != EVTCHNSTAT_interdomain)
            continue;
        struct domain *peer = domain_by_id(st.u.interdomain.dom);
        if (!peer) {
            snprintf(why, n, "d%u port %u: peer d%u gone", d->domid, p, st.u.interdomain.dom);
            return why;
        }
        evtchn_status(peer, st.u.interdomain.port, &back);
        if (back.status != EVTCHNSTAT_interdomain || back.u.interdomain.dom != d->domid ||
            back.u.interdomain.port != p) {
            snprintf(why, n, "d%u port %u -> d%u port %u, which is state %u -> d%u port %u",
                     d->domid, p, st.u.interdomain.dom, st.u.interdomain.port, back.status,
                     back.u.interdomain.dom, back.u.interdomain.port);
            return why;
        }
    }
    return NULL;
}

/*
 * Two threads churn A's and B's tables against each other (offers, binds,
 * sends, closes that revert the other side, bind_vcpu) on three ports
 * each, so they collide constantly; after every round of CHURN_OPS each
 * (a disagreement heals once either end closes, so it is looked for while
 * fresh) both ends of every interdomain pair must agree. No deadlock; and
 * under the ASan build nothing may touch freed or stray memory.
 *
 * Checked by hand in a scratch tree: with bind_interdomain() taking only
 * the binder's table lock instead of lock_pair(), this failed in 8 runs of
 * 8, after 82 to 2959 rounds ("d1 port 1 -> d2 port 1, which is state 1
 * -> d1 port 0": the peer closed the port while it was being bound).
 */
static void concurrent_binds_closes_and_sends_leave_both_ends_agreeing(void **state)
{
    struct world *w = *state;
    pthread_barrier_t start, done;
    pthread_barrier_init(&start, NULL, 3);
    pthread_barrier_init(&done, NULL, 3);
    struct churn ca = {.d = w->a->d, .other = w->b->d, .seed = 0x8badf00d5eedull,
                       .start = &start, .done = &done};
    struct churn cb = {.d = w->b->d, .other = w->a->d, .seed = 0x0ddba11cafeull,
                       .start = &start, .done = &done};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, churn_main, &ca), 0);
    assert_int_equal(pthread_create(&tb, NULL, churn_main, &cb), 0);
    char why[200];
    const char *bad = NULL;
    unsigned bad_round = 0;
    for (unsigned r = 0; r < CHURN_ROUNDS; r++) {
        pthread_barrier_wait(&start);
        pthread_barrier_wait(&done);
        if (!bad && ((bad = ends_disagree(w->a->d, why, sizeof(why))) ||
                     (bad = ends_disagree(w->b->d, why, sizeof(why)))))
            bad_round = r;
    }
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&done);
    if (bad)
        fail_msg("after round %u: %s", bad_round, bad);
    print_message("      %u + %u binds\n", ca.binds, cb.binds);
    assert_true(ca.binds > 1000 && cb.binds > 1000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(ports_are_allocated_lowest_free_first_from_1),
        T(port_0_is_reserved_and_reads_as_closed),
        T(alloc_unbound_records_who_may_bind),
        T(alloc_unbound_naming_itself_by_domid_works),
        T(alloc_unbound_in_another_domain_is_eperm),
        T(alloc_unbound_for_a_domain_that_does_not_exist_yet_succeeds),
        T(naming_a_domain_that_does_not_exist_is_esrch),
        T(table_full_is_enospc_after_1023_ports),
        T(bind_interdomain_connects_both_ends),
        T(bind_interdomain_sets_the_binders_new_port_pending),
        T(sends_before_the_bind_are_dropped),
        T(bind_interdomain_to_an_unknown_domain_is_esrch),
        T(bind_interdomain_to_a_bad_remote_port_is_einval),
        T(bind_interdomain_to_a_port_offered_to_someone_else_is_einval),
        T(bind_interdomain_to_a_port_not_unbound_is_einval),
        T(loopback_bind_with_domid_self_delivers_both_ways),
        T(send_sets_the_peers_pending_selector_and_upcall),
        T(a_second_send_while_pending_does_not_raise_again),
        T(a_send_into_an_announced_word_does_not_raise_again),
        T(ports_in_another_word_set_another_selector_bit),
        T(send_goes_to_the_vcpu_the_peer_bound_its_port_to),
        T(send_on_an_unbound_port_is_dropped),
        T(send_on_an_ipi_port_pends_on_its_own_vcpu),
        T(send_on_a_virq_closed_or_invalid_port_is_einval),
        T(a_bound_virq_fires_on_its_vcpu),
        T(a_masked_port_pends_without_selector_or_upcall),
        T(unmask_raises_a_masked_pending_port_exactly_once),
        T(unmask_of_a_port_not_pending_only_clears_the_mask),
        T(unmask_announces_to_the_ports_vcpu),
        T(unmask_out_of_range_is_einval),
        T(close_reverts_the_peer_to_unbound_reserved_for_the_closer),
        T(the_closer_can_bind_the_reverted_port_again),
        T(a_reverted_port_is_not_offered_to_anyone_else),
        T(close_clears_pending_keeps_the_mask_and_resets_the_vcpu),
        T(close_of_a_closed_or_invalid_port_is_einval),
        T(closing_a_virq_port_lets_it_be_bound_again),
        T(reset_closes_every_port_and_peers_revert),
        T(reset_by_own_domid_works_and_of_another_is_eperm),
        T(bind_virq_per_vcpu_once_per_vcpu),
        T(bind_virq_errors),
        T(binding_a_global_virq_owned_by_dom0_is_ebusy),
        T(bind_ipi_to_a_missing_vcpu_is_enoent),
        T(bind_vcpu_moves_unbound_interdomain_and_domain_wide_virq_ports),
        T(bind_vcpu_errors),
        T(a_moved_domain_wide_virq_still_blocks_a_second_bind),
        T(status_errors),
        T(fifo_ops_are_enosys_so_guests_fall_back_to_2l),
        T(every_op_with_an_unmapped_argument_faults),
        T(registered_vcpu_info_forces_a_rescan_and_then_gets_the_events),
        T(register_vcpu_info_errors),
        T(a_guest_send_on_a_dom0_port_makes_its_eventfd_readable_once),
        T(dom0_binding_a_guest_port_signals_its_eventfd_then_each_send),
        T(dom0_send_reaches_the_guest_and_needs_the_owner),
        T(dom0_close_needs_the_owner_and_reverts_the_guest_port),
        T(a_guest_can_rebind_a_dom0_port_after_closing_its_end),
        T(dom0_close_owned_releases_only_that_owners_ports),
        T(dom0_port_errors),
        T(a_guest_cannot_bind_a_dom0_port_offered_to_another_guest),
        T(a_destroyed_guest_reverts_its_dom0_peers_to_unbound),
        T(concurrent_binds_closes_and_sends_leave_both_ends_agreeing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
