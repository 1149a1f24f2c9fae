/*
 * tests/fuzz/blkif - blkback's intake of a hostile frontend's blkif ring:
 * taking requests off the shared ring into the shadow journal
 * (pv-backends/blkback/ring_take.c), then checking each copy
 * (request.c: blk_req_parse, blk_req_copy_indirect_segs,
 * blk_req_check_segs), the same sequence queue.c runs, on a ring in
 * ordinary memory with a fake grant table for the indirect pages.
 *
 * Input: byte 0 = device: bits 0-2 ring order (mod 5), bit 3 read-only,
 * bit 4 flush offered, bit 5 discard offered, bits 6-7 max indirect
 * segments (0, 256, 32, 1); bytes 1-8 device size in sectors; bytes 9-12
 * the ring's starting index (to cross the u32 wrap). Then commands, the
 * frontend's moves, until the input ends:
 *   0 PRODUCE  count byte, then count requests of 112 bytes written at
 *              req_prod, req_prod += count; blkback takes them
 *   1 BUMP     u32 added to req_prod (a lying frontend); blkback takes
 *   2 ANSWER   count byte: blkback answers that many of its oldest
 *              requests (response, shadow_answer, push, shadow_free)
 *   3 SCRIBBLE slot byte, then 112 bytes over that ring slot (the guest
 *              rewriting a request blkback has already copied)
 * An accepted indirect request's pages hold the next 8 * nr_segs input
 * bytes (0xff past the end), in a buffer of exactly nr_indirect pages.
 *
 * Invariants (abort() = a finding):
 *   - a take either consumes exactly [req_cons, req_prod), each entry a
 *     byte-exact copy of its slot at consecutive indexes, or refuses with
 *     a reason, leaving req_cons alone, and only when req_prod is more
 *     than a ring ahead of the answers (then before copying anything) or
 *     the shadow is full;
 *   - never more requests in flight than ring slots; the guest's later
 *     scribbles never change a copy already taken;
 *   - a refused request has a reason, keeps its id and wire operation,
 *     and its status is EOPNOTSUPP exactly for operations not offered;
 *   - an accepted request: a known, offered operation; no write, discard
 *     or flush-with-data on a read-only device; 1..11 segments (0..11
 *     for flush), or 1..max indirect segments in enough indirect pages;
 *     every segment 0 <= first <= last <= 7 with a gref below the table;
 *     nr_sectors the sum of the segments; never a sector past the device;
 *   - the verdict equals a naive model written from the spec (below),
 *     so an over-strict check is a finding too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blkback/request.h"
#include "blkback/ring_take.h"
#include "blkback/shadow.h"
#include "../fuzz_input.h"

static const uint32_t max_indirect_choice[4] = {0, 256, 32, 1};

/* One queue: the ring as both ends see it, and blkback's side of it. */
struct queue {
    blkif_sring_t *sring;
    blkif_back_ring_t ring;
    uint32_t nr_slots;
    struct shadow shadow;
    struct blk_limits lim;
    uint32_t *fifo;            /* in-flight shadow entries, oldest first */
    uint32_t fifo_head, inflight;
};

/* ---- the model ------------------------------------------------------------ */
/* Written from io/blkif.h and the device's limits, one predicate per kind of
 * request, without request.c's order of checks or its reasons: only the
 * verdict has to agree. */

static bool model_segs_ok(const struct blk_seg *seg, unsigned n, uint64_t *sectors)
{
    *sectors = 0;
    for (unsigned i = 0; i < n; i++) {
        if (seg[i].gref >= BLK_GREF_LIMIT || seg[i].first > seg[i].last || seg[i].last > 7)
            return false;
        *sectors += (uint64_t)(seg[i].last - seg[i].first + 1);
    }
    return true;
}

static bool model_range_ok(uint64_t sector, uint64_t sectors, uint64_t dev_sectors)
{
    return sectors == 0 || (sector + sectors >= sector && sector + sectors <= dev_sectors);
}

/* Is the operation one this device offers? */
static bool model_offered(const blkif_request_t *w, const struct blk_limits *lim)
{
    switch (w->operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        return true;
    case BLKIF_OP_FLUSH_DISKCACHE:
        return lim->flush;
    case BLKIF_OP_DISCARD:
        return lim->discard;
    case BLKIF_OP_INDIRECT:
        return lim->max_indirect != 0;
    default:
        return false;
    }
}

/* Is the indirect request's header acceptable (before its segments)? */
static bool model_indirect_head_ok(const blkif_request_indirect_t *ind, const struct blk_limits *lim)
{
    unsigned max = lim->max_indirect < BLKIF_INDIRECT_SEGS_MAX ? lim->max_indirect
                                                               : BLKIF_INDIRECT_SEGS_MAX;
    if (ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE)
        return false;
    if (ind->nr_segments < 1 || ind->nr_segments > max)
        return false;
    if (lim->readonly && ind->indirect_op == BLKIF_OP_WRITE)
        return false;
    unsigned pages = (ind->nr_segments + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) / BLKIF_SEGS_PER_INDIRECT_PAGE;
    for (unsigned i = 0; i < pages; i++)
        if (ind->indirect_grefs[i] >= BLK_GREF_LIMIT)
            return false;
    return true;
}

/* Should a direct (non-indirect) request be accepted? */
static bool model_direct_ok(const blkif_request_t *w, const struct blk_limits *lim)
{
    if (w->operation == BLKIF_OP_DISCARD) {
        const blkif_request_discard_t *d = (const blkif_request_discard_t *)w;
        return !lim->readonly && model_range_ok(d->sector_number, d->nr_sectors, lim->sectors);
    }
    unsigned n = w->nr_segments;
    unsigned min = w->operation == BLKIF_OP_FLUSH_DISKCACHE ? 0 : 1;
    if (n < min || n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
        return false;
    if (lim->readonly && (w->operation == BLKIF_OP_WRITE || (w->operation == BLKIF_OP_FLUSH_DISKCACHE && n)))
        return false;
    struct blk_seg seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
    for (unsigned i = 0; i < n; i++)
        seg[i] = (struct blk_seg){w->seg[i].gref, w->seg[i].first_sect, w->seg[i].last_sect};
    uint64_t sectors;
    return model_segs_ok(seg, n, &sectors) && model_range_ok(w->sector_number, sectors, lim->sectors);
}

/* ---- the checks on blkback's verdict --------------------------------------- */

static void check_refused(const blkif_request_t *w, const struct blk_req *r, int st, const char *why,
                          const struct blk_limits *lim)
{
    if (!why || !why[0] || r->id != w->id || r->wire_op != w->operation)
        abort();
    if (st != (model_offered(w, lim) ? BLKIF_RSP_ERROR : BLKIF_RSP_EOPNOTSUPP))
        abort();
}

static void check_accepted(const struct blk_req *r, const struct blk_limits *lim)
{
    bool writes = r->op == BLKIF_OP_WRITE || r->op == BLKIF_OP_DISCARD ||
                  (r->op == BLKIF_OP_FLUSH_DISKCACHE && r->nr_segs > 0);
    if (lim->readonly && writes)
        abort();
    if ((r->op == BLKIF_OP_FLUSH_DISKCACHE && !lim->flush) || (r->op == BLKIF_OP_DISCARD && !lim->discard))
        abort();
    if (r->indirect) {
        if (!lim->max_indirect || (r->op != BLKIF_OP_READ && r->op != BLKIF_OP_WRITE) || r->nr_segs < 1 ||
            r->nr_segs > lim->max_indirect || r->nr_segs > BLKIF_INDIRECT_SEGS_MAX ||
            (unsigned)r->nr_indirect * BLKIF_SEGS_PER_INDIRECT_PAGE < r->nr_segs ||
            r->nr_indirect > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
            abort();
        for (unsigned i = 0; i < r->nr_indirect; i++)
            if (r->indirect_grefs[i] >= BLK_GREF_LIMIT)
                abort();
    } else if (r->op == BLKIF_OP_READ || r->op == BLKIF_OP_WRITE) {
        if (r->nr_segs < 1 || r->nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
            abort();
    } else if (r->op == BLKIF_OP_FLUSH_DISKCACHE) {
        if (r->nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
            abort();
    } else if (r->op != BLKIF_OP_DISCARD || r->nr_segs != 0) {
        abort();
    }
    uint64_t sum = 0;
    for (unsigned i = 0; i < r->nr_segs; i++) {
        const struct blk_seg *s = &r->seg[i];
        if (s->gref >= BLK_GREF_LIMIT || s->first > s->last || s->last > 7)
            abort();
        sum += (uint64_t)(s->last - s->first + 1);
    }
    if (r->op != BLKIF_OP_DISCARD && sum != r->nr_sectors)
        abort();
    if (r->nr_sectors && (r->sector >= lim->sectors || r->nr_sectors > lim->sectors - r->sector))
        abort();
}

/* An indirect request's pages, as the fake grant table maps them: the
 * next 8 * nr_segs input bytes, 0xff after them. */
static uint8_t *map_indirect_pages(struct input *in, const struct blk_req *r, const void **pages)
{
    size_t bytes = (size_t)r->nr_indirect * BLKIF_PAGE_SIZE;
    uint8_t *buf = malloc(bytes);
    if (!buf)
        abort();
    memset(buf, 0xff, bytes);
    size_t want = (size_t)r->nr_segs * sizeof(struct blkif_request_segment);
    size_t got = want < in->left ? want : in->left;
    take_bytes(in, buf, got);
    for (unsigned i = 0; i < r->nr_indirect; i++)
        pages[i] = buf + (size_t)i * BLKIF_PAGE_SIZE;
    return buf;
}

/* What queue.c's start() does with one taken entry, up to the I/O. */
static void check_one(struct queue *q, uint32_t ent, struct input *in)
{
    const blkif_request_t *w = &q->shadow.ent[ent].req;
    struct blk_req r;
    memset(&r, 0x5a, sizeof(r));
    const char *why = NULL;
    int st = blk_req_parse(w, &q->lim, &r, &why);
    bool model_ok = model_offered(w, &q->lim);
    if (w->operation == BLKIF_OP_INDIRECT && model_ok)
        model_ok = model_indirect_head_ok((const blkif_request_indirect_t *)w, &q->lim);
    else if (model_ok)
        model_ok = model_direct_ok(w, &q->lim);
    if (st == BLKIF_RSP_OKAY && r.indirect) {
        if (!model_ok)
            abort(); /* a header the model refuses */
        const void *pages[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
        uint8_t *buf = map_indirect_pages(in, &r, pages);
        blk_req_copy_indirect_segs(&r, pages);
        struct blk_seg model_seg[BLKIF_INDIRECT_SEGS_MAX];
        for (unsigned i = 0; i < r.nr_segs; i++) {
            struct blkif_request_segment s;
            memcpy(&s, buf + (size_t)i * sizeof(s), sizeof(s));
            model_seg[i] = (struct blk_seg){s.gref, s.first_sect, s.last_sect};
        }
        free(buf);
        uint64_t sectors;
        model_ok = model_segs_ok(model_seg, r.nr_segs, &sectors) &&
                   model_range_ok(r.sector, sectors, q->lim.sectors);
        st = blk_req_check_segs(&r, &q->lim, &why);
    }
    if ((st == BLKIF_RSP_OKAY) != model_ok)
        abort();
    if (st == BLKIF_RSP_OKAY)
        check_accepted(&r, &q->lim);
    else
        check_refused(w, &r, st, why, &q->lim);
}

/* ---- the ring ----------------------------------------------------------------- */

/* blkback's turn: take what the frontend produced and check each request. */
static bool take(struct queue *q, struct input *in)
{
    uint32_t started[BLKIF_RING_SLOTS(BLKIF_RING_ORDER_MAX)];
    RING_IDX cons0 = q->ring.req_cons, prod = q->sring->req_prod;
    uint32_t n;
    const char *why;
    int rc = blk_ring_take(&q->ring, q->nr_slots, &q->shadow, started, &n, &why);
    for (uint32_t i = 0; i < n; i++) {
        const struct shadow_ent *e = &q->shadow.ent[started[i]];
        if (e->state != SHADOW_INFLIGHT || e->req_idx != cons0 + i ||
            memcmp(&e->req, RING_GET_REQUEST(&q->ring, cons0 + i), sizeof(e->req)) != 0)
            abort();
        q->fifo[(q->fifo_head + q->inflight++) % q->nr_slots] = started[i];
    }
    if (q->inflight > q->nr_slots)
        abort();
    if (rc < 0) {
        bool too_far = prod - q->ring.rsp_prod_pvt > q->nr_slots;
        if (!why || q->ring.req_cons != cons0 || (!too_far && q->inflight != q->nr_slots))
            abort();
        if (too_far && n != 0)
            abort(); /* an impossible req_prod is refused before any slot is read */
        return false; /* the queue is broken: blkback stops it */
    }
    if (n != prod - cons0 || q->ring.req_cons != prod || q->shadow.hdr->req_cons != prod)
        abort();
    for (uint32_t i = 0; i < n; i++)
        check_one(q, started[i], in);
    return true;
}

static void produce(struct queue *q, struct input *in)
{
    unsigned count = take_u8(in);
    for (unsigned i = 0; i < count; i++) {
        blkif_request_t req;
        if (!take_bytes(in, &req, sizeof(req)))
            break;
        RING_IDX at = q->sring->req_prod;
        memcpy(RING_GET_REQUEST(&q->ring, at), &req, sizeof(req));
        q->sring->req_prod = at + 1;
    }
}

/* blkback answers its oldest requests, as queue.c's answer() and push() do. */
static void answer(struct queue *q, unsigned count)
{
    for (; count && q->inflight; count--) {
        uint32_t ent = q->fifo[q->fifo_head];
        q->fifo_head = (q->fifo_head + 1) % q->nr_slots;
        q->inflight--;
        RING_IDX idx = q->ring.rsp_prod_pvt;
        shadow_answer(&q->shadow, ent, idx);
        blkif_response_t rsp = {.id = q->shadow.ent[ent].req.id,
                                .operation = q->shadow.ent[ent].req.operation};
        memcpy(RING_GET_RESPONSE(&q->ring, idx), &rsp, sizeof(rsp));
        q->ring.rsp_prod_pvt = idx + 1;
        int notify;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
        (void)notify;
        shadow_free(&q->shadow, ent);
    }
}

/* The guest rewrites a slot: copies already in the shadow must not move. */
static void scribble(struct queue *q, struct input *in)
{
    uint8_t slot = take_u8(in);
    blkif_request_t junk;
    if (!take_bytes(in, &junk, sizeof(junk)))
        return;
    size_t bytes = q->inflight * sizeof(struct shadow_ent);
    struct shadow_ent *before = malloc(bytes ? bytes : 1);
    if (!before)
        abort();
    for (uint32_t i = 0; i < q->inflight; i++)
        before[i] = q->shadow.ent[q->fifo[(q->fifo_head + i) % q->nr_slots]];
    memcpy(&q->sring->ring[slot % q->nr_slots].req, &junk, sizeof(junk));
    for (uint32_t i = 0; i < q->inflight; i++)
        if (memcmp(&before[i], &q->shadow.ent[q->fifo[(q->fifo_head + i) % q->nr_slots]],
                   sizeof(before[i])) != 0)
            abort();
    free(before);
}

/* Runs the frontend's moves; false once blkback has stopped the queue. */
static bool step(struct queue *q, struct input *in)
{
    uint8_t op = take_u8(in) & 3;
    switch (op) {
    case 0:
        produce(q, in);
        return take(q, in);
    case 1: {
        uint32_t bump = 0;
        take_bytes(in, &bump, sizeof(bump));
        q->sring->req_prod += bump;
        return take(q, in);
    }
    case 2:
        answer(q, take_u8(in));
        return true;
    default:
        scribble(q, in);
        return true;
    }
}

static void queue_open(struct queue *q, uint8_t dev, uint64_t sectors, uint32_t start)
{
    unsigned order = (dev & 7) % (BLKIF_RING_ORDER_MAX + 1);
    memset(q, 0, sizeof(*q));
    q->lim = (struct blk_limits){.sectors = sectors, .readonly = dev & 8, .flush = dev & 16,
                                 .discard = dev & 32, .max_indirect = max_indirect_choice[dev >> 6]};
    q->nr_slots = BLKIF_RING_SLOTS(order);
    /* Exactly the ring's pages, so ASan sees any slot index past them. */
    q->sring = aligned_alloc(BLKIF_PAGE_SIZE, (size_t)BLKIF_PAGE_SIZE << order);
    q->fifo = calloc(q->nr_slots, sizeof(uint32_t));
    struct shadow_id id = {.nr_ents = q->nr_slots, .ring_order = order};
    bool resumable;
    if (!q->sring || !q->fifo || shadow_open(&q->shadow, NULL, &id, false, &resumable) < 0)
        abort();
    SHARED_RING_INIT(q->sring);
    BACK_RING_INIT(&q->ring, q->sring, (size_t)BLKIF_PAGE_SIZE << order);
    if (RING_SIZE(&q->ring) != q->nr_slots)
        abort();
    /* A ring that has run a while: every index starts at `start`. */
    q->sring->req_prod = q->sring->rsp_prod = start;
    q->ring.req_cons = q->ring.rsp_prod_pvt = start;
    q->shadow.hdr->req_cons = q->shadow.hdr->rsp_prod_pvt = q->shadow.hdr->rsp_pushed = start;
}

static void queue_close(struct queue *q)
{
    shadow_close(&q->shadow, NULL);
    free(q->fifo);
    free(q->sring);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint8_t dev;
    uint64_t sectors;
    uint32_t start;
    if (!take_bytes(&in, &dev, 1) || !take_bytes(&in, &sectors, 8) || !take_bytes(&in, &start, 4))
        return 0;
    struct queue q;
    queue_open(&q, dev, sectors, start);
    while (in.left && step(&q, &in))
        ;
    queue_close(&q);
    return 0;
}
