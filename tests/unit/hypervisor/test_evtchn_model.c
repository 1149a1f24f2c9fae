/*
 * test_evtchn_model.c - the event-channel state machine (hypervisor/
 * evtchn.c) and the 2-level bit protocol (include/xenolith/evtchn_2l.h)
 * checked against a naive model, as SQLite checks its Bitvec against a
 * plain bitmap (bitvec.c, sqlite3BitvecBuiltinTest).
 *
 * The model is xen-abi.md 4.3 and 4.4 written as directly as possible:
 * per domain an array of ports (state, notify vCPU, peer), lowest-free
 * allocation by linear search, a bool per port for "pending" and
 * "masked", and per vCPU a bool per selector word and an "upcall pending"
 * bool, with "raised" set when the hypervisor must interrupt vCPU 0. No
 * locks, no atomics, no bit tricks.
 *
 * A fixed-seed random sequence of STEPS operations on three fake domains
 * (two vCPUs each) drives both: guest ops through evtchn_* (alloc_unbound,
 * bind_interdomain (also loopback and to Dom0 / unknown domains),
 * bind_ipi, bind_virq + raising it, send, close, bind_vcpu, EVTCHNOP_unmask,
 * reset) and what the guest does in its own memory (mask, unmask by the
 * 2L fast path, clear one pending bit, the upcall handler's scan). After
 * every step the return value, the allocated port, every pending and
 * mask word, every vCPU's selector and upcall flag and whether vCPU 0's
 * upcall was raised must agree; every 8 steps EVTCHNOP_status of every
 * port must agree too. A mismatch fails with the step and the operation;
 * the sequence is deterministic, so the step replays.
 *
 * The check can fail:
 *  - model_check_notices_each_kind_of_divergence corrupts one piece of
 *    real state at a time and requires the comparison to report it.
 *  - Building with -DEVTCHN_MODEL_MUTANT swaps the guest's unmask for one
 *    that tests "pending" before clearing the mask and returns early when
 *    not pending, as a plausible "optimisation" would. The mask of a port
 *    that was not pending then stays set:
 *      make BUILD=build-mutant SAN=-DEVTCHN_MODEL_MUTANT \
 *           build-mutant/tests/unit/hypervisor/test_evtchn_model
 *    fails model_agrees_with_evtchn_for_100k_random_steps at step 67
 *    (op guest-unmask: "d21 mask word 0: real 0xe model 0xc").
 *  - Mutations made by hand in a scratch copy of the tree (checked once;
 *    the tree itself was not changed) failed as follows:
 *      evtchn_2l_unmask() reordered as above    step 67  (guest-unmask)
 *      evtchn_2l_set_pending() ignoring mask    step 71  (send)
 *      bind_interdomain() not setting pending   step 140 (bind_interdomain)
 *      free_port() closing the peer, not
 *      reverting it to unbound                  step 184 (alloc_unbound)
 *
 * Not modelled: global VIRQs (test_evtchn.c covers bind_vcpu on them) and
 * Dom0 ports (eventfds; test_evtchn.c covers them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_domain.h"
#include "xenolith/evtchn_2l.h"

#define RAM          (4 * MiB)
#define NDOM         3u
#define NVCPU        2u
#define FIRST_DOMID  21u
#define GHOST_DOMID  29u        /* never exists */
#define MODEL_PORTS  200u       /* ports the sequence names (selector words 0-3) */
#define BUSY_PORTS   150u       /* above this many ports a domain only closes */
#define STEPS        100000u
#define SEED         0x5eedf00dcafe1234ull
#define MODEL_VIRQ   VIRQ_DEBUG /* per-vCPU */

/* ---- the model ---------------------------------------------------------- */

struct mport {
    uint8_t state;      /* EVTCHNSTAT_* */
    unsigned vcpu;      /* notify vCPU */
    uint32_t rdom;      /* unbound: who may bind; interdomain: peer */
    uint32_t rport;     /* interdomain: peer's port */
    uint32_t virq;
};

struct mdom {
    uint32_t domid;
    struct mport port[EVTCHN_MAX_PORTS];
    bool pending[EVTCHN_2L_NR_PORTS];
    bool masked[EVTCHN_2L_NR_PORTS];
    bool sel[NVCPU][64];
    bool upcall[NVCPU];
    bool raised;        /* the hypervisor interrupted vCPU 0 this step */
    uint32_t virq_port[NVCPU][NR_VIRQS];
};

struct model {
    struct mdom dom[NDOM];
};

static struct mdom *model_dom(struct model *m, uint32_t domid)
{
    for (unsigned i = 0; i < NDOM; i++)
        if (m->dom[i].domid == domid)
            return &m->dom[i];
    return NULL;
}

/* "Mark events pending" on vCPU v for word w. True if upcall went 0->1. */
static bool model_announce(struct mdom *d, unsigned v, unsigned w)
{
    if (d->sel[v][w])
        return false;
    d->sel[v][w] = true;
    if (d->upcall[v])
        return false;
    d->upcall[v] = true;
    return true;
}

/* The hypervisor sets port p pending (xen-abi.md 4.3, set pending). */
static void model_set_pending(struct mdom *d, uint32_t p)
{
    if (d->pending[p])
        return;
    d->pending[p] = true;
    unsigned v = d->port[p].vcpu;
    if (!d->masked[p] && model_announce(d, v, p / 64) && v == 0)
        d->raised = true;
}

/* Unmask of p; true if the upcall flag went 0->1. */
static bool model_unmask(struct mdom *d, uint32_t p)
{
    if (!d->masked[p])
        return false;
    d->masked[p] = false;
    if (!d->pending[p])
        return false;
    return model_announce(d, d->port[p].vcpu, p / 64);
}

static long model_alloc(struct mdom *d, uint32_t *port)
{
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++) {
        if (d->port[p].state == EVTCHNSTAT_closed) {
            d->port[p] = (struct mport){.state = EVTCHNSTAT_closed};
            *port = p;
            return 0;
        }
    }
    return -ENOSPC;
}

static bool port_ok(uint32_t p)
{
    return p >= 1 && p < EVTCHN_MAX_PORTS;
}

static long model_close(struct model *m, struct mdom *d, uint32_t p)
{
    if (!port_ok(p) || d->port[p].state == EVTCHNSTAT_closed)
        return -EINVAL;
    struct mport *c = &d->port[p];
    if (c->state == EVTCHNSTAT_virq)
        d->virq_port[c->vcpu][c->virq] = 0;
    if (c->state == EVTCHNSTAT_interdomain) {
        struct mdom *peer = model_dom(m, c->rdom);
        peer->port[c->rport].state = EVTCHNSTAT_unbound;
        peer->port[c->rport].rdom = d->domid;
        peer->port[c->rport].rport = 0;
    }
    d->pending[p] = false;
    *c = (struct mport){.state = EVTCHNSTAT_closed};
    return 0;
}

/* ---- the real thing ----------------------------------------------------- */

struct world {
    struct domain *d[NDOM];
    struct model m;
};

static struct vcpu_info *vi(struct domain *d, unsigned v)
{
    return d->vcpus[v]->vcpu_info;
}

/* What the guest does in its own memory. */
static void guest_mask(struct domain *d, uint32_t p)
{
    evtchn_2l_test_and_set(&d->shared->evtchn_mask[p / 64], p % 64);
}

static void guest_clear(struct domain *d, uint32_t p)
{
    evtchn_2l_clear_pending(d->shared, p);
}

#ifdef EVTCHN_MODEL_MUTANT
/* Deliberately wrong: looks at pending first and leaves the mask set. */
static bool guest_unmask_2l(struct shared_info *s, struct vcpu_info *v, unsigned p)
{
    if (!evtchn_2l_test(&s->evtchn_pending[p / 64], p % 64))
        return false;
    if (!evtchn_2l_test_and_clear(&s->evtchn_mask[p / 64], p % 64))
        return false;
    return evtchn_2l_mark_vcpu(v, p / 64);
}
#else
#define guest_unmask_2l evtchn_2l_unmask
#endif

/* The upcall handler's scan (xen-abi.md 4.3); returns ports handled. */
static unsigned guest_scan(struct domain *d, unsigned v)
{
    struct shared_info *s = d->shared;
    unsigned n = 0;
    __atomic_store_n(&vi(d, v)->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    xen_ulong_t sel = __atomic_exchange_n(&vi(d, v)->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    for (unsigned w = 0; w < 64; w++) {
        if (!(sel & (1ull << w)))
            continue;
        xen_ulong_t bits = s->evtchn_pending[w] & ~s->evtchn_mask[w];
        for (unsigned b = 0; b < 64; b++) {
            if (bits & (1ull << b)) {
                evtchn_2l_test_and_clear(&s->evtchn_pending[w], b);
                n++;
            }
        }
    }
    return n;
}

static unsigned model_scan(struct mdom *d, unsigned v)
{
    unsigned n = 0;
    d->upcall[v] = false;
    for (unsigned w = 0; w < 64; w++) {
        if (!d->sel[v][w])
            continue;
        d->sel[v][w] = false;
        for (unsigned p = w * 64; p < w * 64 + 64; p++) {
            if (d->pending[p] && !d->masked[p]) {
                d->pending[p] = false;
                n++;
            }
        }
    }
    return n;
}

/* ---- comparison ---------------------------------------------------------- */

static xen_ulong_t model_word(const bool *bits, unsigned w)
{
    xen_ulong_t x = 0;
    for (unsigned b = 0; b < 64; b++)
        if (bits[w * 64 + b])
            x |= 1ull << b;
    return x;
}

/* The first difference between real and model, in why; false if none. */
static bool bits_differ(struct world *wd, char *why, size_t n)
{
    for (unsigned i = 0; i < NDOM; i++) {
        struct domain *d = wd->d[i];
        struct mdom *md = &wd->m.dom[i];
        for (unsigned w = 0; w < 64; w++) {
            if (d->shared->evtchn_pending[w] != model_word(md->pending, w)) {
                snprintf(why, n, "d%u pending word %u: real %#llx model %#llx", d->domid, w,
                         (unsigned long long)d->shared->evtchn_pending[w],
                         (unsigned long long)model_word(md->pending, w));
                return true;
            }
            if (d->shared->evtchn_mask[w] != model_word(md->masked, w)) {
                snprintf(why, n, "d%u mask word %u: real %#llx model %#llx", d->domid, w,
                         (unsigned long long)d->shared->evtchn_mask[w],
                         (unsigned long long)model_word(md->masked, w));
                return true;
            }
        }
        for (unsigned v = 0; v < NVCPU; v++) {
            xen_ulong_t sel = 0;
            for (unsigned w = 0; w < 64; w++)
                if (md->sel[v][w])
                    sel |= 1ull << w;
            if (vi(d, v)->evtchn_pending_sel != sel) {
                snprintf(why, n, "d%u vcpu%u pending_sel: real %#llx model %#llx", d->domid, v,
                         (unsigned long long)vi(d, v)->evtchn_pending_sel,
                         (unsigned long long)sel);
                return true;
            }
            if (vi(d, v)->evtchn_upcall_pending != md->upcall[v]) {
                snprintf(why, n, "d%u vcpu%u upcall_pending: real %u model %u", d->domid, v,
                         vi(d, v)->evtchn_upcall_pending, md->upcall[v]);
                return true;
            }
        }
        bool raised = fake_upcall_taken(d->vcpus[0]);
        if (raised != md->raised) {
            snprintf(why, n, "d%u vcpu0 upcall raised: real %d model %d", d->domid, raised,
                     md->raised);
            return true;
        }
        md->raised = false;
    }
    return false;
}

static bool ports_differ(struct world *wd, char *why, size_t n)
{
    for (unsigned i = 0; i < NDOM; i++) {
        for (uint32_t p = 0; p < MODEL_PORTS; p++) {
            struct evtchn_status st;
            assert_int_equal(evtchn_status(wd->d[i], p, &st), 0);
            const struct mport *c = &wd->m.dom[i].port[p];
            bool same = st.status == c->state && st.vcpu == c->vcpu;
            if (c->state == EVTCHNSTAT_unbound)
                same = same && st.u.unbound.dom == c->rdom;
            if (c->state == EVTCHNSTAT_interdomain)
                same = same && st.u.interdomain.dom == c->rdom &&
                       st.u.interdomain.port == c->rport;
            if (c->state == EVTCHNSTAT_virq)
                same = same && st.u.virq == c->virq;
            if (!same) {
                snprintf(why, n,
                         "d%u port %u: real state %u vcpu %u u %#x/%u, model state %u vcpu %u "
                         "rdom %u rport %u",
                         wd->d[i]->domid, p, st.status, st.vcpu, st.u.interdomain.dom,
                         st.u.interdomain.port, c->state, c->vcpu, c->rdom, c->rport);
                return true;
            }
        }
    }
    return false;
}

/* ---- the random sequence ------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static unsigned used_ports(const struct mdom *d)
{
    unsigned n = 0;
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++)
        n += d->port[p].state != EVTCHNSTAT_closed;
    return n;
}

/* Mostly a port in use, sometimes anything (closed, 0, out of range). */
static uint32_t pick_port(const struct mdom *d)
{
    unsigned r = pick(100);
    if (r < 2)
        return r ? EVTCHN_MAX_PORTS : UINT32_MAX;
    if (r < 25)
        return pick(MODEL_PORTS);
    uint32_t used[EVTCHN_MAX_PORTS];
    unsigned n = 0;
    for (uint32_t p = 1; p < MODEL_PORTS; p++)
        if (d->port[p].state != EVTCHNSTAT_closed)
            used[n++] = p;
    return n ? used[pick(n)] : pick(MODEL_PORTS);
}

/* A port of rd offered to domid, if there is one (mostly), else any. */
static uint32_t pick_offered(const struct mdom *rd, uint32_t domid)
{
    uint32_t offered[EVTCHN_MAX_PORTS];
    unsigned n = 0;
    for (uint32_t p = 1; p < MODEL_PORTS; p++)
        if (rd->port[p].state == EVTCHNSTAT_unbound && rd->port[p].rdom == domid)
            offered[n++] = p;
    return n && pick(10) ? offered[pick(n)] : pick(MODEL_PORTS);
}

static uint32_t pick_domid(void)
{
    unsigned r = pick(10);
    if (r == 0)
        return 0;           /* Dom0: exists, offers nothing here */
    if (r == 1)
        return GHOST_DOMID;
    if (r == 2)
        return DOMID_SELF;
    return FIRST_DOMID + pick(NDOM);
}

enum op {
    OP_ALLOC, OP_BIND, OP_IPI, OP_VIRQ, OP_RAISE, OP_SEND, OP_CLOSE, OP_BIND_VCPU,
    OP_UNMASK, OP_GUEST_UNMASK, OP_MASK, OP_CLEAR, OP_SCAN, OP_RESET, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    "alloc_unbound", "bind_interdomain", "bind_ipi", "bind_virq", "raise_virq", "send",
    "close", "bind_vcpu", "unmask", "guest-unmask", "guest-mask", "guest-clear",
    "guest-scan", "reset",
};

/* Weights out of 1000. */
static enum op pick_op(void)
{
    static const struct { enum op op; unsigned w; } table[] = {
        {OP_ALLOC, 80}, {OP_BIND, 90}, {OP_IPI, 40}, {OP_VIRQ, 25}, {OP_RAISE, 30},
        {OP_SEND, 200}, {OP_CLOSE, 90}, {OP_BIND_VCPU, 45}, {OP_UNMASK, 80},
        {OP_GUEST_UNMASK, 60}, {OP_MASK, 90}, {OP_CLEAR, 40}, {OP_SCAN, 129}, {OP_RESET, 1},
    };
    unsigned r = pick(1000);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (r < table[i].w)
            return table[i].op;
        r -= table[i].w;
    }
    return OP_SEND;
}

#define CHECK_RC(real, model)                                                          \
    do {                                                                               \
        if ((long)(real) != (long)(model)) {                                           \
            snprintf(why, n, "returned %ld, model %ld", (long)(real), (long)(model));  \
            return true;                                                               \
        }                                                                              \
    } while (0)

/* Runs one operation on both; true (with why) if they disagree on the
 * result. */
static bool step(struct world *wd, enum op op, char *why, size_t n)
{
    unsigned i = pick(NDOM);
    struct domain *d = wd->d[i];
    struct mdom *md = &wd->m.dom[i];
    struct model *m = &wd->m;
    if ((op == OP_ALLOC || op == OP_BIND || op == OP_IPI || op == OP_VIRQ) &&
        used_ports(md) >= BUSY_PORTS)
        op = OP_CLOSE;

    switch (op) {
    case OP_ALLOC: {
        uint32_t remote = pick_domid(), rp = 0, mp = 0;
        int rc = evtchn_alloc_unbound(d, remote, &rp);
        long mrc = model_alloc(md, &mp);
        if (mrc == 0)
            md->port[mp] = (struct mport){.state = EVTCHNSTAT_unbound,
                                          .rdom = remote == DOMID_SELF ? md->domid : remote};
        CHECK_RC(rc, mrc);
        if (rc == 0)
            CHECK_RC(rp, mp);
        return false;
    }
    case OP_BIND: {
        uint32_t rdom = pick_domid();
        uint32_t target = rdom == DOMID_SELF ? md->domid : rdom;
        struct mdom *rd = model_dom(m, target);
        uint32_t rport = rd ? pick_offered(rd, md->domid) : pick(MODEL_PORTS);
        uint32_t lp = 0, mp = 0;
        int rc = evtchn_bind_interdomain(d, rdom, rport, &lp);
        long mrc;
        if (!rd && target != 0)
            mrc = -ESRCH;
        else if (!rd || !port_ok(rport) || rd->port[rport].state != EVTCHNSTAT_unbound ||
                 rd->port[rport].rdom != md->domid)
            mrc = -EINVAL; /* Dom0 offers nothing in this world */
        else
            mrc = model_alloc(md, &mp);
        if (mrc == 0) {
            md->port[mp] = (struct mport){.state = EVTCHNSTAT_interdomain, .rdom = target,
                                          .rport = rport};
            rd->port[rport].state = EVTCHNSTAT_interdomain;
            rd->port[rport].rdom = md->domid;
            rd->port[rport].rport = mp;
            model_set_pending(md, mp);
        }
        CHECK_RC(rc, mrc);
        if (rc == 0)
            CHECK_RC(lp, mp);
        return false;
    }
    case OP_IPI: {
        uint32_t v = pick(NVCPU + 1), rp = 0, mp = 0;
        int rc = evtchn_bind_ipi(d, v, &rp);
        long mrc = v >= NVCPU ? -ENOENT : model_alloc(md, &mp);
        if (mrc == 0)
            md->port[mp] = (struct mport){.state = EVTCHNSTAT_ipi, .vcpu = v};
        CHECK_RC(rc, mrc);
        if (rc == 0)
            CHECK_RC(rp, mp);
        return false;
    }
    case OP_VIRQ: {
        uint32_t v = pick(NVCPU + 1), rp = 0, mp = 0;
        int rc = evtchn_bind_virq(d, MODEL_VIRQ, v, &rp);
        long mrc = v >= NVCPU ? -ENOENT
                   : md->virq_port[v][MODEL_VIRQ] ? -EEXIST
                                                  : model_alloc(md, &mp);
        if (mrc == 0) {
            md->port[mp] = (struct mport){.state = EVTCHNSTAT_virq, .vcpu = v, .virq = MODEL_VIRQ};
            md->virq_port[v][MODEL_VIRQ] = mp;
        }
        CHECK_RC(rc, mrc);
        if (rc == 0)
            CHECK_RC(rp, mp);
        return false;
    }
    case OP_RAISE: {
        uint32_t v = pick(NVCPU);
        evtchn_raise_virq(d, v, MODEL_VIRQ);
        if (md->virq_port[v][MODEL_VIRQ])
            model_set_pending(md, md->virq_port[v][MODEL_VIRQ]);
        return false;
    }
    case OP_SEND: {
        uint32_t p = pick_port(md);
        int rc = evtchn_send(d, p);
        long mrc = 0;
        if (!port_ok(p))
            mrc = -EINVAL;
        else if (md->port[p].state == EVTCHNSTAT_ipi)
            model_set_pending(md, p);
        else if (md->port[p].state == EVTCHNSTAT_interdomain)
            model_set_pending(model_dom(m, md->port[p].rdom), md->port[p].rport);
        else if (md->port[p].state != EVTCHNSTAT_unbound)
            mrc = -EINVAL;
        CHECK_RC(rc, mrc);
        return false;
    }
    case OP_CLOSE: {
        uint32_t p = pick_port(md);
        int rc = evtchn_close(d, p);
        CHECK_RC(rc, model_close(m, md, p));
        return false;
    }
    case OP_BIND_VCPU: {
        uint32_t p = pick_port(md), v = pick(NVCPU + 1);
        int rc = evtchn_bind_vcpu(d, p, v);
        long mrc = 0;
        if (v >= NVCPU)
            mrc = -ENOENT;
        else if (!port_ok(p) || (md->port[p].state != EVTCHNSTAT_unbound &&
                                 md->port[p].state != EVTCHNSTAT_interdomain))
            mrc = -EINVAL; /* ipi, per-vCPU virq, closed */
        else
            md->port[p].vcpu = v;
        CHECK_RC(rc, mrc);
        return false;
    }
    case OP_UNMASK: {
        uint32_t p = pick_port(md);
        int rc = evtchn_unmask(d, p);
        long mrc = 0;
        if (p >= EVTCHN_MAX_PORTS)
            mrc = -EINVAL;
        else if (model_unmask(md, p) && md->port[p].vcpu == 0)
            md->raised = true;
        CHECK_RC(rc, mrc);
        return false;
    }
    case OP_GUEST_UNMASK: {
        uint32_t p = pick_port(md) % MODEL_PORTS;
        bool real = guest_unmask_2l(d->shared, vi(d, md->port[p].vcpu), p);
        CHECK_RC(real, model_unmask(md, p));
        return false;
    }
    case OP_MASK: {
        uint32_t p = pick_port(md) % MODEL_PORTS;
        guest_mask(d, p);
        md->masked[p] = true;
        return false;
    }
    case OP_CLEAR: {
        uint32_t p = pick_port(md) % MODEL_PORTS;
        guest_clear(d, p);
        md->pending[p] = false;
        return false;
    }
    case OP_SCAN: {
        unsigned v = pick(NVCPU);
        unsigned real = guest_scan(d, v);
        CHECK_RC(real, model_scan(md, v));
        return false;
    }
    case OP_RESET:
        evtchn_reset(d);
        for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++)
            model_close(m, md, p);
        return false;
    default:
        fail_msg("op %d", op);
        return true;
    }
}

/* ---- setup --------------------------------------------------------------- */

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
    struct world *wd = calloc(1, sizeof(*wd));
    assert_non_null(wd);
    for (unsigned i = 0; i < NDOM; i++) {
        wd->d[i] = fake_evtchn_domain_new(RAM, FIRST_DOMID + i, NVCPU);
        wd->m.dom[i].domid = FIRST_DOMID + i;
    }
    *state = wd;
    return 0;
}

static int teardown(void **state)
{
    struct world *wd = *state;
    for (unsigned i = 0; i < NDOM; i++)
        fake_evtchn_domain_free(wd->d[i]);
    free(wd);
    return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void model_agrees_with_evtchn_for_100k_random_steps(void **state)
{
    struct world *wd = *state;
    char why[256];
    unsigned counts[OP_COUNT] = {0};
    rng_state = SEED;
    for (unsigned s = 1; s <= STEPS; s++) {
        enum op op = pick_op();
        counts[op]++;
        if (step(wd, op, why, sizeof(why)) || bits_differ(wd, why, sizeof(why)) ||
            (s % 8 == 0 && ports_differ(wd, why, sizeof(why))))
            fail_msg("step %u (op %s): %s", s, op_names[op], why);
    }
    assert_false(ports_differ(wd, why, sizeof(why)));
    /* Every kind of operation ran many times. */
    for (unsigned op = 0; op < OP_COUNT; op++)
        assert_true(counts[op] >= (op == OP_RESET ? 20u : 1000u));
}

/* The comparison is not vacuous: each kind of divergence is reported. */
static void model_check_notices_each_kind_of_divergence(void **state)
{
    struct world *wd = *state;
    char why[256];
    rng_state = SEED;
    for (unsigned s = 0; s < 2000; s++) {
        step(wd, pick_op(), why, sizeof(why));
        bits_differ(wd, why, sizeof(why));
    }
    assert_false(bits_differ(wd, why, sizeof(why)));
    assert_false(ports_differ(wd, why, sizeof(why)));
    struct domain *d = wd->d[1];
    struct shared_info *s = d->shared;

    s->evtchn_pending[2] ^= 1ull << 5;
    assert_true(bits_differ(wd, why, sizeof(why)));
    s->evtchn_pending[2] ^= 1ull << 5;
    s->evtchn_mask[0] ^= 1ull << 63;
    assert_true(bits_differ(wd, why, sizeof(why)));
    s->evtchn_mask[0] ^= 1ull << 63;
    vi(d, 1)->evtchn_pending_sel ^= 1ull << 3;
    assert_true(bits_differ(wd, why, sizeof(why)));
    vi(d, 1)->evtchn_pending_sel ^= 1ull << 3;
    vi(d, 0)->evtchn_upcall_pending ^= 1;
    assert_true(bits_differ(wd, why, sizeof(why)));
    vi(d, 0)->evtchn_upcall_pending ^= 1;
    d->vcpus[0]->callback_pending = true; /* an upcall nobody asked for */
    assert_true(bits_differ(wd, why, sizeof(why)));
    assert_false(bits_differ(wd, why, sizeof(why)));

    uint32_t p;
    assert_int_equal(evtchn_bind_ipi(d, 1, &p), 0); /* behind the model's back */
    assert_true(ports_differ(wd, why, sizeof(why)));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(model_agrees_with_evtchn_for_100k_random_steps),
        T(model_check_notices_each_kind_of_divergence),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
