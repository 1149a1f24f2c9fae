/*
 * blkfront.c - the blkif frontend (see blkfront.h).
 *
 * Each queue has its ring (2^order contiguous granted pages), its event
 * channel and a table of request slots indexed by the ring request's id.
 * A slot remembers how each segment's page was given to the backend:
 *   BUFFER  a page of blk_alloc_buffer() memory, granted for good
 *   POOL    a persistent-grant pool page the data is copied through
 *   GRANT   the caller's own page, granted for this request only
 *           (read-only for a write) and taken back when it is answered
 * Indirect requests carry their segment list in one page per slot,
 * allocated and granted the first time the slot needs it, kept after.
 *
 * Answers are read with ring.h's discipline: rsp_prod once, rmb, copy
 * each response, check its id is a slot in flight (a backend that answers
 * twice or invents ids is ignored and logged), then the final check that
 * re-arms rsp_event.
 */
#include "blkfront.h"

#include <stdarg.h>

#include "kernel/trace.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/grant.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/suspend.h"
#include "kernel/time.h"
#include "xenbus_device.h"

#define HANDSHAKE_TIMEOUT_NS (10ull * 1000000000ull)
#define POOL_MAX_PAGES 1024u     /* persistent pool per device: 4 MiB of the 4096 grants */
#define MAX_RANGES 16u
#define BACKEND_CHECK_NS (200ull * 1000000ull)

enum seg_kind { SEG_BUFFER, SEG_POOL, SEG_GRANT };

struct pool_page {
    struct pool_page *next;
    uint8_t *page;
    grant_ref_t ref;
};

struct seg_info {
    grant_ref_t ref;
    uint8_t kind;
    struct pool_page *pp;
    uint8_t *data;             /* the caller's bytes for this segment */
    uint16_t off, len;         /* within the page */
};

struct req_slot {
    struct blk_io *io;
    blkif_request_t req;       /* as produced: sent again after a resume */
    bool used;
    uint16_t nseg;
    struct seg_info *seg;      /* max_segs */
    struct blkif_request_segment *ind_page;
    grant_ref_t ind_ref;
};

struct bq {
    struct blk_dev *d;
    unsigned idx;
    blkif_front_ring_t ring;
    blkif_sring_t *sring;
    unsigned pages;
    grant_ref_t ring_refs[1u << BLKIF_RING_ORDER_MAX];
    evtchn_port_t port;
    struct req_slot *slots;
    uint32_t nslots;
    uint32_t *free_ids;
    uint32_t nfree;
};

struct buf_range {
    uint8_t *base;
    uint32_t npages;
    grant_ref_t *refs;
};

struct blk_dev {
    struct xenbus_device xb;
    struct blk_info info;
    unsigned max_segs;
    struct bq q[BLKIF_QUEUES_MAX];
    unsigned nq, next_q;
    struct pool_page *pool_free;
    unsigned pool_pages, pool_free_count;
    struct buf_range ranges[MAX_RANGES];
    unsigned nranges;
    volatile int kick;
    bool dead;
    bool closing;              /* blk_close: grants are ended patiently */
    bool ignore_ro;
    uint64_t spin_ns;          /* blk_wait spins this long before arming and halting */
    uint64_t last_check;       /* of the backend's state watch */
    uint64_t bogus;
};

static void blk_log(struct blk_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void blk_log(struct blk_dev *d, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printf("blkfront %u: %s\n", d ? d->xb.devid : 0, line);
}

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port;
    struct blk_dev *d = arg;
    d->kick = 1;
}

/* ---- small allocations: whole pages (there is no heap) ----------------- */

static void *alloc_bytes(uint64_t bytes)
{
    return page_alloc((unsigned)((bytes + PAGE_SIZE - 1) / PAGE_SIZE));
}

static void free_bytes(void *p, uint64_t bytes)
{
    if (p)
        page_free(p, (unsigned)((bytes + PAGE_SIZE - 1) / PAGE_SIZE));
}

/* ---- the persistent pool ----------------------------------------------- */

static struct pool_page *pool_get(struct blk_dev *d)
{
    struct pool_page *pp = d->pool_free;
    if (pp) {
        d->pool_free = pp->next;
        d->pool_free_count--;
        return pp;
    }
    if (d->pool_pages >= POOL_MAX_PAGES)
        return NULL;
    /* pool_page records live in their own pages, 64 per page */
    static struct pool_page *spare;
    static unsigned spare_left;
    if (!spare_left) {
        spare = page_alloc(1);
        if (!spare)
            return NULL;
        spare_left = PAGE_SIZE / sizeof(struct pool_page);
    }
    uint8_t *page = page_alloc(1);
    if (!page)
        return NULL;
    grant_ref_t ref;
    if (grant_access(d->xb.backend_id, virt_to_gfn(page), false, &ref) < 0) {
        page_free(page, 1);
        return NULL;
    }
    pp = spare++;
    spare_left--;
    pp->page = page;
    pp->ref = ref;
    d->pool_pages++;
    return pp;
}

static void pool_put(struct blk_dev *d, struct pool_page *pp)
{
    pp->next = d->pool_free;
    d->pool_free = pp;
    d->pool_free_count++;
}

static bool pool_can_give(const struct blk_dev *d, unsigned n)
{
    return d->pool_free_count + (POOL_MAX_PAGES - d->pool_pages) >= n;
}

/* ---- registered buffers ------------------------------------------------ */

static bool buffer_ref(const struct blk_dev *d, const uint8_t *page, grant_ref_t *ref)
{
    for (unsigned i = 0; i < d->nranges; i++) {
        const struct buf_range *r = &d->ranges[i];
        if (page >= r->base && page < r->base + (uint64_t)r->npages * PAGE_SIZE) {
            *ref = r->refs[(page - r->base) / PAGE_SIZE];
            return true;
        }
    }
    return false;
}

void *blk_alloc_buffer(struct blk_dev *d, uint64_t bytes)
{
    uint32_t n = (uint32_t)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    if (d->nranges == MAX_RANGES || n == 0)
        return NULL;
    uint8_t *base = page_alloc(n);
    grant_ref_t *refs = alloc_bytes((uint64_t)n * sizeof(grant_ref_t));
    if (!base || !refs) {
        if (base)
            page_free(base, n);
        free_bytes(refs, (uint64_t)n * sizeof(grant_ref_t));
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (grant_access(d->xb.backend_id, virt_to_gfn(base + (uint64_t)i * PAGE_SIZE), false,
                         &refs[i]) < 0) {
            while (i-- > 0)
                grant_end_access(refs[i]);
            page_free(base, n);
            free_bytes(refs, (uint64_t)n * sizeof(grant_ref_t));
            return NULL;
        }
    }
    d->ranges[d->nranges++] = (struct buf_range){.base = base, .npages = n, .refs = refs};
    return base;
}

/* ---- request slots ----------------------------------------------------- */

static void end_grant_patient(struct blk_dev *d, grant_ref_t ref);

static void release_segs(struct blk_dev *d, struct req_slot *s, bool copy_back)
{
    for (unsigned i = 0; i < s->nseg; i++) {
        struct seg_info *g = &s->seg[i];
        if (g->kind == SEG_POOL) {
            if (copy_back)
                memcpy(g->data, g->pp->page + g->off, g->len);
            pool_put(d, g->pp);
        } else if (g->kind == SEG_GRANT) {
            if (d->closing)
                end_grant_patient(d, g->ref);
            else if (grant_end_access(g->ref) < 0)
                blk_log(d, "grant %u still mapped by the backend: page leaked", g->ref);
        }
    }
    s->nseg = 0;
}

static void free_slot(struct bq *q, uint32_t id)
{
    q->slots[id].used = false;
    q->slots[id].io = NULL;
    q->free_ids[q->nfree++] = id;
}

static int status_errno(int16_t st)
{
    if (st == BLKIF_RSP_OKAY)
        return 0;
    return st == BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
}

static void part_done(struct blk_io *io, int err)
{
    if (err && !io->status)
        io->status = err;
    if (--io->parts == 0) {
        io->finished = true;
        if (io->done)
            io->done(io);
    }
}

/* ---- submitting -------------------------------------------------------- */

/* Fills slot s with the page segments of buf[0..bytes) for op, granting
 * as needed. 0, or -EAGAIN (out of grants or pool pages: undone). */
static int build_segs(struct blk_dev *d, struct req_slot *s, uint8_t op, uint8_t *buf,
                      uint64_t bytes)
{
    s->nseg = 0;
    while (bytes) {
        uint8_t *page = (uint8_t *)((uintptr_t)buf & ~(uintptr_t)(PAGE_SIZE - 1));
        uint16_t off = (uint16_t)((uintptr_t)buf & (PAGE_SIZE - 1));
        uint16_t len = (uint16_t)(PAGE_SIZE - off < bytes ? PAGE_SIZE - off : bytes);
        struct seg_info *g = &s->seg[s->nseg];
        g->data = buf;
        g->off = off;
        g->len = len;
        g->pp = NULL;
        if (buffer_ref(d, page, &g->ref)) {
            g->kind = SEG_BUFFER;
        } else if (d->info.persistent) {
            g->pp = pool_get(d);
            if (!g->pp)
                goto again;
            g->kind = SEG_POOL;
            g->ref = g->pp->ref;
            if (op != BLKIF_OP_READ)
                memcpy(g->pp->page + off, buf, len);
        } else {
            if (grant_access(d->xb.backend_id, virt_to_gfn(page), op != BLKIF_OP_READ,
                             &g->ref) < 0)
                goto again;
            g->kind = SEG_GRANT;
        }
        s->nseg++;
        buf += len;
        bytes -= len;
    }
    return 0;
again:
    release_segs(d, s, false);
    return -EAGAIN;
}

static int ensure_indirect_page(struct blk_dev *d, struct req_slot *s)
{
    if (s->ind_page)
        return 0;
    struct blkif_request_segment *p = page_alloc(1);
    if (!p)
        return -EAGAIN;
    /* persistent: the backend keeps it mapped, writable as every persistent grant */
    if (grant_access(d->xb.backend_id, virt_to_gfn(p), !d->info.persistent, &s->ind_ref) < 0) {
        page_free(p, 1);
        return -EAGAIN;
    }
    s->ind_page = p;
    return 0;
}

static void write_request(struct blk_dev *d, struct bq *q, uint32_t id, uint8_t op,
                          uint64_t sector)
{
    struct req_slot *s = &q->slots[id];
    blkif_request_t *req = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
    if (s->nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        blkif_request_indirect_t *ind = (blkif_request_indirect_t *)req;
        for (unsigned i = 0; i < s->nseg; i++)
            s->ind_page[i] = (struct blkif_request_segment){
                .gref = s->seg[i].ref,
                .first_sect = (uint8_t)(s->seg[i].off >> BLKIF_SECTOR_SHIFT),
                .last_sect = (uint8_t)(((s->seg[i].off + s->seg[i].len) >> BLKIF_SECTOR_SHIFT) - 1)};
        ind->operation = BLKIF_OP_INDIRECT;
        ind->indirect_op = op;
        ind->nr_segments = s->nseg;
        ind->id = id;
        ind->sector_number = sector;
        ind->handle = (blkif_vdev_t)d->xb.devid;
        ind->indirect_grefs[0] = s->ind_ref;
    } else {
        req->operation = op;
        req->nr_segments = (uint8_t)s->nseg;
        req->handle = (blkif_vdev_t)d->xb.devid;
        req->id = id;
        req->sector_number = sector;
        for (unsigned i = 0; i < s->nseg; i++)
            req->seg[i] = (struct blkif_request_segment){
                .gref = s->seg[i].ref,
                .first_sect = (uint8_t)(s->seg[i].off >> BLKIF_SECTOR_SHIFT),
                .last_sect = (uint8_t)(((s->seg[i].off + s->seg[i].len) >> BLKIF_SECTOR_SHIFT) - 1)};
    }
    s->req = *req;
    trace(XL_TR_REQ_PRODUCE, d->xb.devid, (uint16_t)q->idx, id, op);
    q->ring.req_prod_pvt++;
}

static void push_requests(struct bq *q)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, notify);
    if (notify)
        evtchn_notify(q->port);
}

/* Pages a transfer of bytes at buf spans. */
static uint64_t span_pages(const void *buf, uint64_t bytes)
{
    uint64_t start = (uintptr_t)buf & ~(uint64_t)(PAGE_SIZE - 1);
    uint64_t end = ((uintptr_t)buf + bytes + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    return (end - start) / PAGE_SIZE;
}

int blk_submit(struct blk_dev *d, struct blk_io *io)
{
    io->status = 0;
    io->finished = false;
    io->parts = 0;
    if (d->dead)
        return -ENODEV;
    bool data = io->op == BLKIF_OP_READ || io->op == BLKIF_OP_WRITE;
    /* blk_ignore_ro=1 lets a test see the backend refuse the write. */
    if ((io->op == BLKIF_OP_WRITE || io->op == BLKIF_OP_DISCARD) && d->info.readonly &&
        !d->ignore_ro)
        return -EROFS;
    if ((io->op == BLKIF_OP_FLUSH_DISKCACHE && !d->info.flush) ||
        (io->op == BLKIF_OP_DISCARD && !d->info.discard) ||
        (!data && io->op != BLKIF_OP_FLUSH_DISKCACHE && io->op != BLKIF_OP_DISCARD))
        return -EINVAL;
    if (io->op != BLKIF_OP_FLUSH_DISKCACHE &&
        (io->sector > d->info.sectors || io->nr_sectors > d->info.sectors - io->sector))
        return -EINVAL;
    struct bq *q = &d->q[d->next_q % d->nq];
    if (!data) {
        if (q->nfree == 0)
            return -EAGAIN;
        uint32_t id = q->free_ids[--q->nfree];
        struct req_slot *s = &q->slots[id];
        s->used = true;
        s->io = io;
        s->nseg = 0;
        blkif_request_t *req = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);
        if (io->op == BLKIF_OP_DISCARD) {
            blkif_request_discard_t *dr = (blkif_request_discard_t *)req;
            *dr = (blkif_request_discard_t){.operation = BLKIF_OP_DISCARD,
                                            .handle = (blkif_vdev_t)d->xb.devid, .id = id,
                                            .sector_number = io->sector,
                                            .nr_sectors = io->nr_sectors};
        } else {
            req->operation = BLKIF_OP_FLUSH_DISKCACHE;
            req->nr_segments = 0;
            req->handle = (blkif_vdev_t)d->xb.devid;
            req->id = id;
            req->sector_number = 0;
        }
        s->req = *req;
        trace(XL_TR_REQ_PRODUCE, d->xb.devid, (uint16_t)q->idx, id, io->op);
        q->ring.req_prod_pvt++;
        io->parts = 1;
        d->next_q++;
        push_requests(q);
        return 0;
    }
    if (io->nr_sectors == 0 || ((uintptr_t)io->buf & 511u))
        return -EINVAL;
    uint64_t bytes = io->nr_sectors << BLKIF_SECTOR_SHIFT;
    uint64_t pages = span_pages(io->buf, bytes);
    uint64_t parts = (pages + d->max_segs - 1) / d->max_segs;
    if (parts > q->nslots)
        return -EINVAL; /* larger than the whole ring: the caller splits */
    if (parts > q->nfree || (d->info.persistent && !pool_can_give(d, (unsigned)pages)))
        return blk_inflight(d) ? -EAGAIN : -ENOMEM;
    bool idle = blk_inflight(d) == 0;
    /* Split at page boundaries, max_segs pages a request. */
    uint8_t *buf = io->buf;
    uint64_t sector = io->sector, left = bytes;
    uint32_t ids[BLKIF_RING_SLOTS(BLKIF_RING_ORDER_MAX)];
    uint32_t n = 0;
    while (left) {
        uint64_t room = (uint64_t)d->max_segs * PAGE_SIZE - ((uintptr_t)buf & (PAGE_SIZE - 1));
        uint64_t chunk = left < room ? left : room;
        uint32_t id = q->free_ids[--q->nfree];
        struct req_slot *s = &q->slots[id];
        int rc = 0;
        if (span_pages(buf, chunk) > BLKIF_MAX_SEGMENTS_PER_REQUEST)
            rc = ensure_indirect_page(d, s);
        if (rc == 0)
            rc = build_segs(d, s, io->op, buf, chunk);
        if (rc == -EAGAIN && idle)
            rc = -ENOMEM; /* nothing in flight will give pages or grants back */
        if (rc < 0) {
            q->free_ids[q->nfree++] = id;
            /* undo the parts already built: nothing was pushed yet */
            while (n-- > 0) {
                release_segs(d, &q->slots[ids[n]], false);
                free_slot(q, ids[n]);
                q->ring.req_prod_pvt--;
            }
            return rc;
        }
        s->used = true;
        s->io = io;
        write_request(d, q, id, io->op, sector);
        ids[n++] = id;
        buf += chunk;
        sector += chunk >> BLKIF_SECTOR_SHIFT;
        left -= chunk;
    }
    io->parts = n;
    d->next_q++;
    push_requests(q);
    return 0;
}

/* ---- completing -------------------------------------------------------- */

static int poll_queue(struct blk_dev *d, struct bq *q)
{
    int finished = 0;
    for (;;) {
        RING_IDX rp = q->ring.sring->rsp_prod;
        xen_rmb();
        if (rp - q->ring.rsp_cons > q->nslots) {
            /* A backend producing more answers than slots: stop trusting it. */
            blk_log(d, "queue %u: rsp_prod %u is impossible; device failed", q->idx, rp);
            d->dead = true;
            return finished;
        }
        for (RING_IDX i = q->ring.rsp_cons; i != rp; i++) {
            blkif_response_t rsp;
            memcpy(&rsp, RING_GET_RESPONSE(&q->ring, i), sizeof(rsp));
            trace(XL_TR_RSP_CONSUME, d->xb.devid, (uint16_t)q->idx, rsp.id, (uint32_t)rsp.status);
            if (rsp.id >= q->nslots || !q->slots[rsp.id].used) {
                if (d->bogus++ < 10)
                    blk_log(d, "queue %u: answer for id %llu, which is not in flight", q->idx,
                            (unsigned long long)rsp.id);
                continue;
            }
            struct req_slot *s = &q->slots[rsp.id];
            struct blk_io *io = s->io;
            int err = status_errno(rsp.status);
            release_segs(d, s, err == 0 && io->op == BLKIF_OP_READ);
            free_slot(q, (uint32_t)rsp.id);
            part_done(io, err);
            if (io->finished)
                finished++;
        }
        q->ring.rsp_cons = rp;
        /* rsp_event is armed only by blk_wait, just before sleeping: while
         * we keep polling, the backend need not notify us. */
        if (q->ring.sring->rsp_prod == rp)
            return finished;
    }
}

int blk_poll(struct blk_dev *d)
{
    d->kick = 0;
    int n = 0;
    for (unsigned i = 0; i < d->nq; i++)
        n += poll_queue(d, &d->q[i]);
    return n;
}

unsigned blk_inflight(const struct blk_dev *d)
{
    unsigned n = 0;
    for (unsigned i = 0; i < d->nq; i++)
        n += d->q[i].nslots - d->q[i].nfree;
    return n;
}

/* The backend went away (detached, or gave up): fail what is in flight. */
static void fail_all(struct blk_dev *d)
{
    d->dead = true;
    for (unsigned qi = 0; qi < d->nq; qi++) {
        struct bq *q = &d->q[qi];
        for (uint32_t id = 0; id < q->nslots; id++) {
            struct req_slot *s = &q->slots[id];
            if (!s->used)
                continue;
            struct blk_io *io = s->io;
            /* The backend unmapped before closing; a grant it still holds
             * is reported and leaked by release_segs. */
            release_segs(d, s, false);
            free_slot(q, id);
            part_done(io, -ENODEV);
        }
    }
}

/* Ends a grant the backend may still hold for a moment (it unmaps when it
 * disconnects, which may come just after its Closing). */
static void end_grant_patient(struct blk_dev *d, grant_ref_t ref)
{
    for (int i = 0; i < 100; i++) {
        if (grant_end_access(ref) != -EBUSY)
            return;
        sleep_ns(10000000ull);
    }
    blk_log(d, "grant %u still mapped by the backend after 1 s: page leaked", ref);
}

/* The backend's state watch fired: a backend going away (xl block-detach
 * writes its state Closing) takes no more requests from us. */
static void check_backend(struct blk_dev *d)
{
    char path[160];
    uint64_t now = time_now_ns();
    if (now - d->last_check < 10000000ull)
        return;
    d->last_check = now;
    if (xenbus_wait_watch(d->xb.token, path, sizeof(path), 0) < 0)
        return;
    enum xenbus_state s = xenbus_backend_state(&d->xb);
    if (s == XenbusStateClosing || s == XenbusStateClosed || s == XenbusStateUnknown) {
        if (!d->dead)
            blk_log(d, "backend is closing (state %d): no new requests", s);
        d->dead = true;
    }
}

static bool backend_gone(struct blk_dev *d)
{
    enum xenbus_state s = xenbus_backend_state(&d->xb);
    return s == XenbusStateClosing || s == XenbusStateClosed || s == XenbusStateUnknown;
}

static bool answers_waiting(struct blk_dev *d)
{
    for (unsigned i = 0; i < d->nq; i++)
        if (RING_HAS_UNCONSUMED_RESPONSES(&d->q[i].ring))
            return true;
    return false;
}

/* ring.h's final check on every queue: ask to be notified of the next
 * answer, then look once more. True when answers are already there. */
static bool arm_and_check(struct blk_dev *d)
{
    bool more = false;
    for (unsigned i = 0; i < d->nq; i++) {
        int m;
        RING_FINAL_CHECK_FOR_RESPONSES(&d->q[i].ring, m);
        more |= m != 0;
    }
    return more;
}

void blk_wait(struct blk_dev *d, uint64_t timeout_ns)
{
    check_backend(d);
    uint64_t now = time_now_ns();
    /* Spin a while first: an answer due within spin_ns costs no
     * notification, no interrupt and no halt. */
    if (blk_inflight(d)) {
        uint64_t until = now + d->spin_ns;
        while (!d->kick && time_now_ns() < until) {
            if (answers_waiting(d))
                return;
            __asm__ volatile("pause");
        }
    }
    if (arm_and_check(d))
        return;
    now = time_now_ns();
    uint64_t step = timeout_ns < BACKEND_CHECK_NS ? timeout_ns : BACKEND_CHECK_NS;
    uint64_t end = now + timeout_ns;
    while (!d->kick && !d->dead) {
        wait_flag_until(&d->kick, now + step);
        if (d->kick)
            return;
        now = time_now_ns();
        if (blk_inflight(d) && backend_gone(d)) {
            blk_log(d, "backend closed with %u requests in flight: failing them",
                    blk_inflight(d));
            fail_all(d);
            return;
        }
        if (now >= end)
            return;
        step = end - now < BACKEND_CHECK_NS ? end - now : BACKEND_CHECK_NS;
    }
}

int blk_run(struct blk_dev *d, struct blk_io *io)
{
    io->done = NULL;
    int rc;
    while ((rc = blk_submit(d, io)) == -EAGAIN) {
        if (!blk_poll(d))
            blk_wait(d, BACKEND_CHECK_NS);
    }
    if (rc < 0)
        return rc;
    while (!io->finished) {
        if (!blk_poll(d) && !io->finished)
            blk_wait(d, BACKEND_CHECK_NS);
        if (d->dead && !io->finished)
            fail_all(d);
    }
    return io->status;
}

/* Transfers larger than one ring's worth go in pieces. */
static int rw_sync(struct blk_dev *d, uint8_t op, uint64_t sector, void *buf, uint64_t nr)
{
    uint64_t max = (uint64_t)d->max_segs * (d->q[0].nslots / 2) * BLKIF_SECTORS_PER_PAGE - 8;
    while (nr) {
        uint64_t n = nr < max ? nr : max;
        struct blk_io io = {.op = op, .sector = sector, .nr_sectors = n, .buf = buf};
        int rc = blk_run(d, &io);
        if (rc < 0)
            return rc;
        sector += n;
        nr -= n;
        buf = (uint8_t *)buf + (n << BLKIF_SECTOR_SHIFT);
    }
    return 0;
}

int blk_read(struct blk_dev *d, uint64_t sector, void *buf, uint64_t nr_sectors)
{
    return rw_sync(d, BLKIF_OP_READ, sector, buf, nr_sectors);
}

int blk_write(struct blk_dev *d, uint64_t sector, const void *buf, uint64_t nr_sectors)
{
    return rw_sync(d, BLKIF_OP_WRITE, sector, (void *)buf, nr_sectors);
}

int blk_flush(struct blk_dev *d)
{
    struct blk_io io = {.op = BLKIF_OP_FLUSH_DISKCACHE};
    return blk_run(d, &io);
}

int blk_discard(struct blk_dev *d, uint64_t sector, uint64_t nr_sectors)
{
    struct blk_io io = {.op = BLKIF_OP_DISCARD, .sector = sector, .nr_sectors = nr_sectors};
    return blk_run(d, &io);
}

/* ---- the handshake ----------------------------------------------------- */

static struct blk_dev devs[4];
static unsigned ndevs;

static uint64_t knob(const char *key, uint64_t dflt)
{
    return cmdline_u64(key, dflt);
}

static int setup_queue(struct blk_dev *d, struct bq *q, unsigned idx)
{
    q->d = d;
    q->idx = idx;
    q->pages = 1u << d->info.ring_order;
    q->sring = page_alloc(q->pages);
    if (!q->sring)
        return -ENOMEM;
    SHARED_RING_INIT(q->sring);
    FRONT_RING_INIT(&q->ring, q->sring, PAGE_SIZE * q->pages);
    q->nslots = RING_SIZE(&q->ring);
    for (unsigned i = 0; i < q->pages; i++)
        if (grant_access(d->xb.backend_id, virt_to_gfn((uint8_t *)q->sring + i * PAGE_SIZE),
                         false, &q->ring_refs[i]) < 0)
            return -ENOSPC;
    q->slots = alloc_bytes((uint64_t)q->nslots * sizeof(struct req_slot));
    q->free_ids = alloc_bytes((uint64_t)q->nslots * sizeof(uint32_t));
    uint8_t *segs = alloc_bytes((uint64_t)q->nslots * d->max_segs * sizeof(struct seg_info));
    if (!q->slots || !q->free_ids || !segs)
        return -ENOMEM;
    for (uint32_t i = 0; i < q->nslots; i++) {
        q->slots[i].seg = (struct seg_info *)(segs + (uint64_t)i * d->max_segs *
                                                         sizeof(struct seg_info));
        q->free_ids[i] = q->nslots - 1 - i;
    }
    q->nfree = q->nslots;
    int rc = evtchn_alloc_unbound(d->xb.backend_id, &q->port);
    if (rc < 0)
        return rc;
    evtchn_set_handler(q->port, on_event, d);
    return 0;
}

static int write_queue_keys(struct blk_dev *d, xenbus_transaction_t t, struct bq *q,
                            const char *dir)
{
    char key[48];
    int rc = 0;
    for (unsigned i = 0; i < q->pages && rc >= 0; i++) {
        if (d->info.ring_order == 0)
            snprintf(key, sizeof(key), "%sring-ref", dir);
        else
            snprintf(key, sizeof(key), "%sring-ref%u", dir, i);
        rc = xenbus_device_printf(&d->xb, t, key, "%u", q->ring_refs[i]);
    }
    snprintf(key, sizeof(key), "%sevent-channel", dir);
    if (rc >= 0)
        rc = xenbus_device_printf(&d->xb, t, key, "%u", q->port);
    return rc;
}

static int write_keys(xenbus_transaction_t t, void *arg)
{
    struct blk_dev *d = arg;
    int rc = 0;
    if (d->info.ring_order)
        rc = xenbus_device_printf(&d->xb, t, "ring-page-order", "%u", d->info.ring_order);
    if (rc >= 0 && d->nq > 1)
        rc = xenbus_device_printf(&d->xb, t, "multi-queue-num-queues", "%u", d->nq);
    for (unsigned i = 0; i < d->nq && rc >= 0; i++) {
        char dir[16] = "";
        if (d->nq > 1)
            snprintf(dir, sizeof(dir), "queue-%u/", i);
        rc = write_queue_keys(d, t, &d->q[i], dir);
    }
    if (rc >= 0)
        rc = xenbus_device_printf(&d->xb, t, "protocol", "%s", "x86_64-abi");
    if (rc >= 0)
        rc = xenbus_device_printf(&d->xb, t, "feature-persistent", "%u",
                                  d->info.persistent ? 1u : 0u);
    return rc < 0 ? rc : 0;
}

static int xenbus_once(void)
{
    static bool up;
    if (up)
        return 0;
    int rc = xenbus_init();
    if (rc == 0)
        up = true;
    return rc;
}

int blk_first_devid(uint32_t *devid)
{
    uint32_t ids[8];
    int rc = xenbus_once();
    if (rc < 0)
        return rc;
    int n = xenbus_device_list("vbd", ids, 8);
    if (n < 0)
        return n;
    if (n == 0)
        return -ENOENT;
    *devid = ids[0];
    return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* The backend's InitWait (or later). 0, or -errno, logged with the
 * backend's error node. */
static int await_backend(struct blk_dev *d)
{
    int st = xenbus_wait_backend_state(&d->xb, XenbusStateInitWait, HANDSHAKE_TIMEOUT_NS);
    if (st >= 0 && st != XenbusStateClosing && st != XenbusStateClosed)
        return 0;
    char err[128] = "";
    xenbus_device_read_be(&d->xb, "error", err, sizeof(err));
    blk_log(d, "backend not ready (state %d)%s%s", st, err[0] ? ": " : "", err);
    return st < 0 ? st : -ENODEV;
}

/* What the backend offers, lowered by our command line. */
static void negotiate(struct blk_dev *d)
{
    d->info.ring_order = (uint32_t)min_u64(
        min_u64(xenbus_device_be_u64(&d->xb, "max-ring-page-order", 0), BLKIF_RING_ORDER_MAX),
        knob("blk_ring_order", BLKIF_RING_ORDER_MAX));
    d->nq = (unsigned)min_u64(
        min_u64(xenbus_device_be_u64(&d->xb, "multi-queue-max-queues", 1), BLKIF_QUEUES_MAX),
        knob("blk_queues", 1));
    if (d->nq == 0)
        d->nq = 1;
    d->info.queues = d->nq;
    d->info.persistent = xenbus_device_be_u64(&d->xb, "feature-persistent", 0) == 1 &&
                         knob("blk_persistent", 1) != 0;
    d->info.indirect_segs = (uint32_t)min_u64(
        min_u64(xenbus_device_be_u64(&d->xb, "feature-max-indirect-segments", 0),
                BLKIF_INDIRECT_SEGS_MAX),
        knob("blk_indirect", BLKIF_INDIRECT_SEGS_MAX));
    if (d->info.indirect_segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
        d->info.indirect_segs = 0;
    d->max_segs = d->info.indirect_segs ? d->info.indirect_segs : BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/* Our keys in one transaction, Initialised, then the backend's Connected
 * and its properties. 0 or -errno (logged). */
static int connect_backend(struct blk_dev *d)
{
    int rc = xenbus_transact(write_keys, d);
    if (rc >= 0)
        rc = xenbus_switch_state(&d->xb, XenbusStateInitialised);
    if (rc < 0) {
        blk_log(d, "writing our keys: %d", rc);
        return rc;
    }
    int st = xenbus_wait_backend_state(&d->xb, XenbusStateConnected, HANDSHAKE_TIMEOUT_NS);
    if (st != XenbusStateConnected) {
        char err[128] = "";
        xenbus_device_read_be(&d->xb, "error", err, sizeof(err));
        blk_log(d, "backend did not connect (state %d)%s%s", st, err[0] ? ": " : "", err);
        return st < 0 ? st : -ENODEV;
    }
    d->info.sectors = xenbus_device_be_u64(&d->xb, "sectors", 0);
    d->info.sector_size = (uint32_t)xenbus_device_be_u64(&d->xb, "sector-size", 512);
    d->info.vdisk_info = (uint32_t)xenbus_device_be_u64(&d->xb, "info", 0);
    char mode[8] = "w";
    xenbus_device_read_be(&d->xb, "mode", mode, sizeof(mode));
    d->info.readonly = (d->info.vdisk_info & (VDISK_READONLY | VDISK_CDROM)) || mode[0] == 'r';
    d->info.flush = xenbus_device_be_u64(&d->xb, "feature-flush-cache", 0) == 1 &&
                    knob("blk_flush", 1) != 0;
    d->info.discard = xenbus_device_be_u64(&d->xb, "feature-discard", 0) == 1 &&
                      knob("blk_discard", 1) != 0 && !d->info.readonly;
    if (d->info.sector_size != 512) {
        blk_log(d, "sector-size %u is not served (512 only)", d->info.sector_size);
        return -EINVAL;
    }
    return 0;
}

static void hook_resume_once(void);

int blk_open(uint32_t devid, struct blk_dev **out)
{
    if (ndevs == sizeof(devs) / sizeof(devs[0]))
        return -ENOMEM;
    int rc = xenbus_once();
    if (rc == 0)
        rc = grant_init();
    if (rc < 0)
        return rc;
    trace_init(); /* xl trace can follow our requests (best effort) */
    struct blk_dev *d = &devs[ndevs];
    memset(d, 0, sizeof(*d));
    rc = xenbus_device_open(&d->xb, "vbd", devid);
    if (rc < 0)
        return rc;
    d->info.devid = devid;
    rc = await_backend(d);
    if (rc < 0) {
        xenbus_device_close(&d->xb);
        return rc;
    }
    negotiate(d);
    for (unsigned i = 0; i < d->nq; i++) {
        rc = setup_queue(d, &d->q[i], i);
        if (rc < 0) {
            blk_log(d, "queue %u: %d", i, rc);
            return rc;
        }
    }
    rc = connect_backend(d);
    if (rc < 0)
        return rc;
    d->ignore_ro = knob("blk_ignore_ro", 0) != 0;
    d->spin_ns = knob("blk_spin_us", 50) * 1000;
    xenbus_switch_state(&d->xb, XenbusStateConnected);
    hook_resume_once();
    ndevs++;
    *out = d;
    return 0;
}

const struct blk_info *blk_get_info(const struct blk_dev *d)
{
    return &d->info;
}

void blk_close(struct blk_dev *d)
{
    if (!d->dead) {
        for (int tries = 0; blk_inflight(d) && tries < 50; tries++) {
            if (!blk_poll(d))
                blk_wait(d, BACKEND_CHECK_NS);
        }
    }
    if (blk_inflight(d)) {
        for (int tries = 0; blk_inflight(d) && tries < 5; tries++) {
            if (!blk_poll(d))
                blk_wait(d, BACKEND_CHECK_NS);
        }
    }
    xenbus_switch_state(&d->xb, XenbusStateClosing);
    xenbus_wait_backend_state(&d->xb, XenbusStateClosing, HANDSHAKE_TIMEOUT_NS);
    d->closing = true;
    fail_all(d);
    for (unsigned i = 0; i < d->nq; i++) {
        struct bq *q = &d->q[i];
        evtchn_set_handler(q->port, 0, 0);
        evtchn_close(q->port);
        for (unsigned p = 0; p < q->pages; p++)
            end_grant_patient(d, q->ring_refs[p]);
        for (uint32_t s = 0; s < q->nslots; s++)
            if (q->slots[s].ind_page)
                end_grant_patient(d, q->slots[s].ind_ref);
    }
    for (struct pool_page *pp = d->pool_free; pp; pp = pp->next)
        end_grant_patient(d, pp->ref);
    for (unsigned r = 0; r < d->nranges; r++)
        for (uint32_t p = 0; p < d->ranges[r].npages; p++)
            end_grant_patient(d, d->ranges[r].refs[p]);
    xenbus_switch_state(&d->xb, XenbusStateClosed);
    xenbus_device_close(&d->xb);
}

/* ---- after a restore or a migration ------------------------------------ */

/*
 * As Linux's blkfront_resume and blkif_recover. In a new domain the
 * backend that served us is gone; the toolstack made a fresh one (from
 * the image's DEVICES record) behind the same device/vbd/<devid>. Our
 * pages, grants (the hypervisor forgot the old domain's mappings) and
 * event channels (they came back unbound for Dom0) are still good; the
 * rings are reset, the handshake runs again, and every request that was
 * in flight is sent once more. An answer the old backend wrote after the
 * save is lost with the old ring, and reads and writes are idempotent,
 * so sending again is what keeps every acknowledged write.
 *
 * The hook runs on the suspend thread. blkfront's users are cooperative
 * threads on the same vCPU, and every wait here idles the vCPU without
 * switching threads, so no user sees a device half reset.
 */
static bool still_offered(struct blk_dev *d)
{
    uint64_t order = xenbus_device_be_u64(&d->xb, "max-ring-page-order", 0);
    uint64_t queues = xenbus_device_be_u64(&d->xb, "multi-queue-max-queues", 1);
    uint64_t indirect = xenbus_device_be_u64(&d->xb, "feature-max-indirect-segments", 0);
    if (order >= d->info.ring_order && (d->nq == 1 || queues >= d->nq) &&
        (!d->info.indirect_segs || indirect >= d->info.indirect_segs))
        return true;
    blk_log(d, "the new backend offers less (ring order %llu, %llu queues, %llu indirect "
            "segments) than our requests in flight use", (unsigned long long)order,
            (unsigned long long)queues, (unsigned long long)indirect);
    return false;
}

static void reset_ring(struct bq *q)
{
    SHARED_RING_INIT(q->sring);
    FRONT_RING_INIT(&q->ring, q->sring, PAGE_SIZE * q->pages);
}

/* Every request in flight, in the fresh ring, with one notification. */
static unsigned replay_requests(struct bq *q)
{
    unsigned n = 0;
    for (uint32_t id = 0; id < q->nslots; id++) {
        if (!q->slots[id].used)
            continue;
        *RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt) = q->slots[id].req;
        q->ring.req_prod_pvt++;
        n++;
    }
    xen_wmb();
    q->ring.sring->req_prod = q->ring.req_prod_pvt;
    xen_mb();
    evtchn_notify(q->port);
    return n;
}

static void resume_device(struct blk_dev *d)
{
    /* Our watch on the old backend went with the old store connection. */
    int rc = xenbus_device_open(&d->xb, "vbd", d->info.devid);
    if (rc == 0)
        rc = await_backend(d);
    if (rc == 0 && !still_offered(d))
        rc = -ENODEV;
    for (unsigned i = 0; rc == 0 && i < d->nq; i++)
        reset_ring(&d->q[i]);
    if (rc == 0)
        rc = connect_backend(d);
    if (rc < 0) {
        blk_log(d, "no backend after the resume (%d): failing %u requests in flight", rc,
                blk_inflight(d));
        fail_all(d);
        return;
    }
    unsigned sent = 0;
    for (unsigned i = 0; i < d->nq; i++)
        sent += replay_requests(&d->q[i]);
    xenbus_switch_state(&d->xb, XenbusStateConnected);
    d->kick = 1;
    blk_log(d, "reconnected after resume to %s, %u requests sent again", d->xb.backend, sent);
}

static void on_resume(bool new_domain)
{
    if (!new_domain)
        return; /* a cancelled save: the same backend still serves us */
    for (unsigned i = 0; i < ndevs; i++)
        if (!devs[i].dead)
            resume_device(&devs[i]);
}

static void hook_resume_once(void)
{
    static bool hooked;
    if (!hooked && suspend_add_hook(on_resume) == 0)
        hooked = true;
}

blkif_front_ring_t *blk_raw_ring(struct blk_dev *d, unsigned queue)
{
    return queue < d->nq ? &d->q[queue].ring : NULL;
}

void blk_raw_kick(struct blk_dev *d, unsigned queue)
{
    if (queue >= d->nq)
        return;
    struct bq *q = &d->q[queue];
    xen_wmb();
    q->ring.sring->req_prod = q->ring.req_prod_pvt;
    xen_mb();
    evtchn_notify(q->port);
}
