/*
 * netfront.c - the guest's netif frontend (see netfront.h). Ring
 * discipline as ring.h (xen-abi.md 8.2): requests pushed with the notify
 * check, responses copied out of the shared slot before use, the
 * backend's indexes checked to be within a ring of ours, and a final
 * check after re-arming rsp_event before sleeping.
 */
#include "netfront.h"

#include "kernel/trace.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/grant.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/suspend.h"
#include "kernel/time.h"
#include "xenbus_device.h"

#define RING_MASK   (NETIF_RING_SIZE - 1)
#define SETUP_NS    (20ull * 1000000000ull)
#define WAIT_CAP_NS 2000000ull

_Static_assert(NF_BUFS == NETIF_RING_SIZE, "one buffer per ring slot");

struct nf_queue {
    struct netfront *nf;
    unsigned index;
    netif_tx_sring_t *tx;
    netif_rx_sring_t *rx;
    grant_ref_t tx_ref, rx_ref;
    evtchn_port_t port;
    RING_IDX tx_prod_pvt, tx_rsp_cons, rx_prod_pvt, rx_rsp_cons;
    uint8_t *tx_buf[NF_BUFS], *rx_buf[NF_BUFS];
    grant_ref_t tx_gref[NF_BUFS], rx_gref[NF_BUFS];
    uint16_t tx_free[NF_BUFS];
    unsigned tx_nfree;
    unsigned rx_to_post;       /* buffers taken back, to post at the end of a poll */
    uint16_t rx_post_id[NF_BUFS];
};

struct netfront {
    struct xenbus_device dev;
    uint8_t mac[6];
    bool sg, broken;
    unsigned nqueues;
    struct nf_queue q[NETIF_MAX_QUEUES];
    struct nf_options opt;     /* as opened: the handshake runs again after a resume */
    bool in_rx;                /* inside poll_rx: the rx handler is running */
    nf_rx_fn rx_fn;
    void *rx_arg;
    volatile int kick;
    struct nf_stats st;
    uint8_t *reasm;            /* a frame that spans several rx buffers */
    unsigned reasm_len, reasm_flags;
    bool reasm_active, reasm_bad;
};

static struct netfront the_nf;   /* one vif per guest is what the apps use */

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port;
    ((struct netfront *)arg)->kick = 1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int d = 0; d < 2; d++) {
            char c = *s++;
            unsigned x = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                         : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99u;
            if (x > 15)
                return -EINVAL;
            v = v * 16 + x;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *s++ != ':')
            return -EINVAL;
    }
    return *s ? -EINVAL : 0;
}

/* Every rx buffer is posted before we connect. */
static void post_all_rx(struct nf_queue *q)
{
    for (unsigned i = 0; i < NF_BUFS; i++) {
        struct netif_rx_request *r = &q->rx->ring[i].req;
        r->id = (uint16_t)i;
        r->gref = q->rx_gref[i];
    }
    q->rx_prod_pvt = NF_BUFS;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->rx->req_prod = NF_BUFS;
}

/* Rings, buffers, grants and the event channel of one queue. */
static int queue_alloc(struct netfront *nf, struct nf_queue *q, unsigned index)
{
    domid_t be = nf->dev.backend_id;
    q->nf = nf;
    q->index = index;
    q->tx = page_alloc(1);
    q->rx = page_alloc(1);
    uint8_t *tx = page_alloc(NF_BUFS), *rx = page_alloc(NF_BUFS);
    if (!q->tx || !q->rx || !tx || !rx)
        return -ENOMEM;
    /* ring.h's FRONT_RING_INIT: events at 1, indexes at 0 (pages are zeroed). */
    q->tx->req_event = q->tx->rsp_event = 1;
    q->rx->req_event = q->rx->rsp_event = 1;
    int rc = grant_access(be, virt_to_gfn(q->tx), false, &q->tx_ref);
    if (rc == 0)
        rc = grant_access(be, virt_to_gfn(q->rx), false, &q->rx_ref);
    for (unsigned i = 0; rc == 0 && i < NF_BUFS; i++) {
        q->tx_buf[i] = tx + (uint64_t)i * PAGE_SIZE;
        q->rx_buf[i] = rx + (uint64_t)i * PAGE_SIZE;
        rc = grant_access(be, virt_to_gfn(q->tx_buf[i]), true, &q->tx_gref[i]);
        if (rc == 0)
            rc = grant_access(be, virt_to_gfn(q->rx_buf[i]), false, &q->rx_gref[i]);
        q->tx_free[i] = (uint16_t)(NF_BUFS - 1 - i);
    }
    q->tx_nfree = NF_BUFS;
    if (rc == 0)
        rc = evtchn_alloc_unbound(be, &q->port);
    if (rc < 0)
        return rc;
    evtchn_set_handler(q->port, on_event, nf);
    post_all_rx(q);
    return 0;
}

struct keys_arg {
    struct netfront *nf;
    const struct nf_options *opt;
};


static int write_keys(xenbus_transaction_t t, void *p)
{
    struct keys_arg *a = p;
    struct netfront *nf = a->nf;
    struct xenbus_device *d = &nf->dev;
    int rc = 0;
    for (unsigned i = 0; rc >= 0 && i < nf->nqueues; i++) {
        char k[40];
        const char *pre = "";
        char prefix[16];
        if (nf->nqueues > 1) {
            snprintf(prefix, sizeof(prefix), "queue-%u/", i);
            pre = prefix;
        }
        snprintf(k, sizeof(k), "%stx-ring-ref", pre);
        rc = xenbus_device_printf(d, t, k, "%u", nf->q[i].tx_ref);
        snprintf(k, sizeof(k), "%srx-ring-ref", pre);
        if (rc >= 0)
            rc = xenbus_device_printf(d, t, k, "%u", nf->q[i].rx_ref);
        snprintf(k, sizeof(k), "%sevent-channel", pre);
        if (rc >= 0)
            rc = xenbus_device_printf(d, t, k, "%u", nf->q[i].port);
    }
    if (rc >= 0 && nf->nqueues > 1)
        rc = xenbus_device_printf(d, t, "multi-queue-num-queues", "%u", nf->nqueues);
    if (rc >= 0)
        rc = xenbus_device_printf(d, t, "request-rx-copy", "1");
    if (rc >= 0)
        rc = xenbus_device_printf(d, t, "feature-rx-notify", "1");
    if (rc >= 0)
        rc = xenbus_device_printf(d, t, "feature-sg", "%d", nf->sg ? 1 : 0);
    if (rc >= 0)
        rc = xenbus_device_printf(d, t, "feature-no-csum-offload", "%d",
                                  a->opt->no_csum_offload ? 1 : 0);
    return rc < 0 ? rc : 0;
}

/* The backend's InitWait, and the rx-copy we need of it. 0 or -errno (printed). */
static int await_backend(struct netfront *nf)
{
    int rc = xenbus_wait_backend_state(&nf->dev, XenbusStateInitWait, SETUP_NS);
    if (rc != XenbusStateInitWait && rc != XenbusStateConnected) {
        printf("netfront: vif %u: backend %s never reached InitWait (state %d)\n",
               nf->dev.devid, nf->dev.backend, rc);
        return rc < 0 ? rc : -EIO;
    }
    if (xenbus_device_be_u64(&nf->dev, "feature-rx-copy", 0) != 1) {
        printf("netfront: vif %u: backend lacks feature-rx-copy\n", nf->dev.devid);
        return -EOPNOTSUPP;
    }
    return 0;
}

/* Our keys, Initialised, the backend's Connected, then ours, and a first
 * notification on every queue. 0 or -errno (printed). */
static int connect_backend(struct netfront *nf)
{
    struct keys_arg ka = {nf, &nf->opt};
    int rc = xenbus_transact(write_keys, &ka);
    if (rc == 0)
        rc = xenbus_switch_state(&nf->dev, XenbusStateInitialised);
    if (rc < 0) {
        printf("netfront: vif %u: publishing ring keys: %d\n", nf->dev.devid, rc);
        return rc;
    }
    rc = xenbus_wait_backend_state(&nf->dev, XenbusStateConnected, SETUP_NS);
    if (rc != XenbusStateConnected) {
        char err[128] = "";
        xenbus_device_read_be(&nf->dev, "error", err, sizeof(err));
        printf("netfront: vif %u: backend did not connect (state %d) %s\n", nf->dev.devid, rc,
               err);
        return rc < 0 ? rc : -EIO;
    }
    xenbus_switch_state(&nf->dev, XenbusStateConnected);
    for (unsigned i = 0; i < nf->nqueues; i++)
        evtchn_notify(nf->q[i].port);
    return 0;
}

static void hook_resume_once(void);

int netfront_open(uint32_t devid, const struct nf_options *opt, nf_rx_fn fn, void *arg,
                  struct netfront **out)
{
    struct netfront *nf = &the_nf;
    memset(nf, 0, sizeof(*nf));
    nf->opt = *opt;
    nf->rx_fn = fn;
    nf->rx_arg = arg;
    int rc = grant_init();
    trace_init(); /* xl trace can follow our packets (best effort) */
    if (rc == 0)
        rc = xenbus_device_open(&nf->dev, "vif", devid);
    if (rc < 0) {
        printf("netfront: vif %u: no such device: %d\n", devid, rc);
        return rc;
    }
    rc = await_backend(nf);
    if (rc < 0)
        return rc;
    char mac[24];
    if (xenbus_device_read(&nf->dev, "mac", mac, sizeof(mac)) < 0 || parse_mac(mac, nf->mac) < 0) {
        printf("netfront: vif %u: mac key missing or malformed\n", devid);
        return -EINVAL;
    }
    nf->sg = opt->sg && xenbus_device_be_u64(&nf->dev, "feature-sg", 0) == 1;
    unsigned maxq = (unsigned)xenbus_device_be_u64(&nf->dev, "multi-queue-max-queues", 1);
    nf->nqueues = opt->queues ? opt->queues : 1;
    if (nf->nqueues > maxq)
        nf->nqueues = maxq ? maxq : 1;
    if (nf->nqueues > NETIF_MAX_QUEUES)
        nf->nqueues = NETIF_MAX_QUEUES;
    nf->reasm = page_alloc((NF_MAX_FRAME + PAGE_SIZE - 1) / PAGE_SIZE);
    rc = 0;
    for (unsigned i = 0; i < nf->nqueues && rc == 0; i++)
        rc = queue_alloc(nf, &nf->q[i], i);
    if (rc < 0 || !nf->reasm) {
        printf("netfront: vif %u: rings and buffers: %d\n", devid, rc);
        return rc < 0 ? rc : -ENOMEM;
    }
    rc = connect_backend(nf);
    if (rc < 0)
        return rc;
    hook_resume_once();
    *out = nf;
    return 0;
}

void netfront_mac(struct netfront *nf, uint8_t mac[6])
{
    memcpy(mac, nf->mac, 6);
}

int netfront_read_be(struct netfront *nf, const char *key, char *buf, unsigned len)
{
    return xenbus_device_read_be(&nf->dev, key, buf, len);
}

unsigned netfront_queues(struct netfront *nf)
{
    return nf->nqueues;
}

const struct nf_stats *netfront_stats(struct netfront *nf)
{
    return &nf->st;
}

/* Pushes requests with ring.h's notify check. */
static void push_tx(struct nf_queue *q)
{
    RING_IDX old = q->tx->req_prod, now = q->tx_prod_pvt;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->tx->req_prod = now;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (netif_need_notify(old, now, q->tx->req_event)) {
        evtchn_notify(q->port);
        q->nf->st.notify_out++;
    }
}

static void push_rx(struct nf_queue *q)
{
    RING_IDX old = q->rx->req_prod, now = q->rx_prod_pvt;
    if (old == now)
        return;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->rx->req_prod = now;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (netif_need_notify(old, now, q->rx->req_event)) {
        evtchn_notify(q->port);
        q->nf->st.notify_out++;
    }
}

/* Takes the backend's tx answers: buffers become free again. */
static void reap_tx(struct nf_queue *q)
{
    RING_IDX rp = __atomic_load_n(&q->tx->rsp_prod, __ATOMIC_ACQUIRE);
    if (rp - q->tx_rsp_cons > q->tx_prod_pvt - q->tx_rsp_cons) {
        q->nf->broken = true;   /* answers for requests never made: ignore the ring */
        return;
    }
    for (; q->tx_rsp_cons != rp; q->tx_rsp_cons++) {
        struct netif_tx_response r = q->tx->ring[q->tx_rsp_cons & RING_MASK].rsp;
        if (r.status == NETIF_RSP_NULL) {
            q->nf->st.tx_null++;
            continue;
        }
        trace(XL_TR_RSP_CONSUME, q->nf->dev.devid, (uint16_t)q->index, r.id, (uint32_t)r.status);
        if (r.status != NETIF_RSP_OKAY)
            q->nf->st.tx_errors++;
        else
            q->nf->st.tx_okay++;
        if (r.id < NF_BUFS && q->tx_nfree < NF_BUFS)
            q->tx_free[q->tx_nfree++] = r.id;
    }
}

static unsigned flow_queue(struct netfront *nf, const struct nf_seg *segs, unsigned nsegs)
{
    if (nf->nqueues == 1 || nsegs == 0 || segs[0].len < 14 + 24)
        return 0;
    const uint8_t *f = segs[0].data;
    uint32_t h = 0;
    for (unsigned i = 14 + 12; i < 14 + 24; i++)
        h = h * 31 + f[i];
    return h % nf->nqueues;
}

int netfront_send(struct netfront *nf, const struct nf_seg *segs, unsigned nsegs, unsigned flags)
{
    struct nf_queue *q = &nf->q[flow_queue(nf, segs, nsegs)];
    unsigned total = 0;
    for (unsigned i = 0; i < nsegs; i++)
        total += segs[i].len;
    /* With sg each segment is a fragment of its own; else one buffer. */
    unsigned slots = nf->sg ? nsegs : 1;
    if (total > (nf->sg ? NF_MAX_FRAME : PAGE_SIZE) || slots > NETIF_MAX_SLOTS ||
        (nf->sg && total > nsegs * PAGE_SIZE))
        return -EMSGSIZE;
    for (unsigned i = 0; nf->sg && i < nsegs; i++)
        if (segs[i].len > PAGE_SIZE)
            return -EMSGSIZE;
    if (q->tx_nfree < slots)
        reap_tx(q);
    if (q->tx_nfree < slots)
        return -EAGAIN;
    unsigned off = 0;
    for (unsigned s = 0; s < slots; s++) {
        uint16_t id = q->tx_free[--q->tx_nfree];
        struct netif_tx_request r = {.gref = q->tx_gref[id], .offset = 0, .id = id};
        if (nf->sg) {
            memcpy(q->tx_buf[id], segs[s].data, segs[s].len);
            r.size = (uint16_t)(s == 0 ? total : segs[s].len);
        } else {
            for (unsigned i = 0; i < nsegs; i++) {
                memcpy(q->tx_buf[id] + off, segs[i].data, segs[i].len);
                off += segs[i].len;
            }
            r.size = (uint16_t)total;
        }
        r.flags = (uint16_t)((s == 0 ? flags & (NF_CSUM_BLANK | NF_DATA_VALID) : 0) |
                             (s + 1 < slots ? NETTXF_more_data : 0));
        if (s == 0)
            trace(XL_TR_REQ_PRODUCE, nf->dev.devid, (uint16_t)q->index, id, XL_TRACE_OP_NET_TX);
        q->tx->ring[q->tx_prod_pvt++ & RING_MASK].req = r;
    }
    nf->st.tx_frames++;
    push_tx(q);
    return 0;
}

/* One rx answer: a whole frame, or a piece of one (more_data). */
static void rx_piece(struct netfront *nf, struct nf_queue *q, const struct netif_rx_response *r)
{
    uint16_t id = r->id;
    if (id >= NF_BUFS) {
        nf->st.rx_errors++;
        return;
    }
    q->rx_post_id[q->rx_to_post++] = id;
    bool more = r->flags & NETRXF_more_data;
    bool ok = r->status > 0 && (unsigned)r->offset + (unsigned)r->status <= PAGE_SIZE;
    if (!ok)
        nf->st.rx_errors++;
    const uint8_t *data = q->rx_buf[id] + r->offset;
    unsigned len = ok ? (unsigned)r->status : 0;
    if (!nf->reasm_active && !more) {
        if (ok) {
            nf->st.rx_frames++;
            unsigned fl = 0;
            if (r->flags & NETRXF_data_validated)
                fl |= NF_DATA_VALID;
            if (r->flags & NETRXF_csum_blank)
                fl |= NF_CSUM_BLANK;
            nf->rx_fn(nf->rx_arg, q->rx_buf[id] + r->offset, len, fl);
        }
        return;
    }
    if (!nf->reasm_active) {
        nf->reasm_active = true;
        nf->reasm_len = 0;
        nf->reasm_bad = false;
        nf->reasm_flags = (r->flags & NETRXF_data_validated ? NF_DATA_VALID : 0) |
                          (r->flags & NETRXF_csum_blank ? NF_CSUM_BLANK : 0);
    }
    if (!ok || nf->reasm_len + len > NF_MAX_FRAME)
        nf->reasm_bad = true;
    else
        memcpy(nf->reasm + nf->reasm_len, data, len);
    nf->reasm_len += len;
    if (!more) {
        nf->reasm_active = false;
        if (!nf->reasm_bad) {
            nf->st.rx_frames++;
            nf->rx_fn(nf->rx_arg, nf->reasm, nf->reasm_len, nf->reasm_flags);
        }
    }
}

static unsigned poll_rx(struct netfront *nf, struct nf_queue *q)
{
    unsigned frames = 0;
    RING_IDX rp = __atomic_load_n(&q->rx->rsp_prod, __ATOMIC_ACQUIRE);
    if (rp - q->rx_rsp_cons > NF_BUFS) {
        nf->broken = true;
        return 0;
    }
    for (; q->rx_rsp_cons != rp; q->rx_rsp_cons++) {
        struct netif_rx_response r = q->rx->ring[q->rx_rsp_cons & RING_MASK].rsp;
        rx_piece(nf, q, &r);
        frames++;
    }
    /* Post the buffers back, same ids and grants. */
    for (unsigned i = 0; i < q->rx_to_post; i++) {
        uint16_t id = q->rx_post_id[i];
        struct netif_rx_request *req = &q->rx->ring[q->rx_prod_pvt++ & RING_MASK].req;
        req->id = id;
        req->gref = q->rx_gref[id];
    }
    q->rx_to_post = 0;
    push_rx(q);
    return frames;
}

unsigned netfront_poll(struct netfront *nf)
{
    unsigned n = 0;
    if (nf->broken)
        return 0;
    /* A handler that waits (for an ARP answer, a tx slot) polls again from
     * inside poll_rx: it may take tx answers, but taking rx ones there
     * would post the same buffers twice. */
    bool nested = nf->in_rx;
    nf->in_rx = true;
    for (unsigned i = 0; i < nf->nqueues; i++) {
        reap_tx(&nf->q[i]);
        if (!nested)
            n += poll_rx(nf, &nf->q[i]);
    }
    nf->in_rx = nested;
    return n;
}

bool netfront_in_rx(const struct netfront *nf)
{
    return nf->in_rx;
}

static bool work_waiting(struct netfront *nf)
{
    for (unsigned i = 0; i < nf->nqueues; i++) {
        struct nf_queue *q = &nf->q[i];
        if (q->rx->rsp_prod != q->rx_rsp_cons)
            return true;
        if (q->tx_nfree < NF_BUFS && q->tx->rsp_prod != q->tx_rsp_cons)
            return true;
    }
    return false;
}

void netfront_wait(struct netfront *nf, uint64_t deadline_ns)
{
    nf->kick = 0;
    for (unsigned i = 0; i < nf->nqueues; i++) {
        struct nf_queue *q = &nf->q[i];
        q->rx->rsp_event = q->rx_rsp_cons + 1;
        q->tx->rsp_event = q->tx_rsp_cons + 1;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (work_waiting(nf) || nf->broken)
        return;
    /* A safety net: sleep at most WAIT_CAP_NS at a time. A hostile-app
     * test showed a wake-up that never came after a burst of answers
     * (not yet explained); the callers loop on their own condition. */
    uint64_t cap = time_now_ns() + WAIT_CAP_NS;
    wait_flag_until(&nf->kick, deadline_ns && deadline_ns < cap ? deadline_ns : cap);
}

/* ---- after a restore or a migration ------------------------------------ */

/*
 * As Linux's netfront_resume: in a new domain the old backend is gone and
 * the toolstack made a fresh one behind the same device/vif/<devid>, with
 * the same MAC. Our pages, grants and event channels are still good (see
 * blkfront.c). The rings start again empty: frames that were on the tx
 * ring are dropped, as on a link that went down for a moment (the peers
 * retransmit or time out), every rx buffer is posted again, and the
 * handshake runs once more. The hook runs on the suspend thread while
 * every netfront user waits on the same vCPU (no thread switch here).
 */
static void reset_queue(struct nf_queue *q)
{
    memset(q->tx, 0, PAGE_SIZE);
    memset(q->rx, 0, PAGE_SIZE);
    q->tx->req_event = q->tx->rsp_event = 1;
    q->rx->req_event = q->rx->rsp_event = 1;
    q->tx_prod_pvt = q->tx_rsp_cons = q->rx_rsp_cons = 0;
    for (unsigned i = 0; i < NF_BUFS; i++)
        q->tx_free[i] = (uint16_t)(NF_BUFS - 1 - i);
    q->tx_nfree = NF_BUFS;
    q->rx_to_post = 0;
    post_all_rx(q);
}

static void on_resume(bool new_domain)
{
    struct netfront *nf = &the_nf;
    if (!new_domain || !nf->nqueues || nf->broken)
        return;
    int rc = xenbus_device_open(&nf->dev, "vif", nf->dev.devid);
    if (rc == 0)
        rc = await_backend(nf);
    if (rc == 0 && nf->nqueues > xenbus_device_be_u64(&nf->dev, "multi-queue-max-queues", 1)) {
        printf("netfront: vif %u: the new backend offers fewer than our %u queues\n",
               nf->dev.devid, nf->nqueues);
        rc = -EOPNOTSUPP;
    }
    for (unsigned i = 0; rc == 0 && i < nf->nqueues; i++)
        reset_queue(&nf->q[i]);
    nf->reasm_active = nf->reasm_bad = false;
    nf->reasm_len = 0;
    if (rc == 0)
        rc = connect_backend(nf);
    if (rc < 0) {
        nf->broken = true;
        printf("netfront: vif %u: no backend after the resume (%d)\n", nf->dev.devid, rc);
        return;
    }
    nf->kick = 1;
    printf("netfront: vif %u: reconnected after resume to %s\n", nf->dev.devid, nf->dev.backend);
}

static void hook_resume_once(void)
{
    static bool hooked;
    if (!hooked && suspend_add_hook(on_resume) == 0)
        hooked = true;
}

int netfront_post_raw(struct netfront *nf, const struct netif_tx_request *reqs, unsigned n)
{
    struct nf_queue *q = &nf->q[0];
    unsigned need = 0;
    for (unsigned i = 0; i < n; i++)
        need += !(reqs[i].flags & NF_RAW_EXTRA);
    reap_tx(q);
    if (q->tx_nfree < need || q->tx_prod_pvt - q->tx_rsp_cons + n > NETIF_RING_SIZE)
        return -EAGAIN;
    for (unsigned i = 0; i < n; i++) {
        struct netif_tx_request r = reqs[i];
        if (r.flags & NF_RAW_EXTRA) {
            r.flags &= (uint16_t)~NF_RAW_EXTRA;
        } else {
            uint16_t id = q->tx_free[--q->tx_nfree];
            r.id = id;
            if (r.gref == NF_RAW_OWN_GREF)
                r.gref = q->tx_gref[id];
        }
        q->tx->ring[q->tx_prod_pvt++ & RING_MASK].req = r;
    }
    push_tx(q);
    return 0;
}

void netfront_corrupt_tx_prod(struct netfront *nf, uint32_t n)
{
    struct nf_queue *q = &nf->q[0];
    q->tx->req_prod = q->tx_prod_pvt + n;
    evtchn_notify(q->port);
}
