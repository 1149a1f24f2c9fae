/*
 * evil_blkif.c - attacks on blkback through our own vbd (evil.h). The
 * device is connected the normal way (blkfront), then malformed requests
 * are written straight into its ring. Each must come back with the status
 * Linux's blkback gives (io/blkif.h): BLKIF_RSP_EOPNOTSUPP for operations
 * not offered, BLKIF_RSP_ERROR for everything out of range, and always
 * with its own id. Each answer is then checked for side effects:
 *   - a refused read must not have written into our page;
 *   - the first and last page of the disk must read back as we wrote
 *     them (a refused write, or one past the end, wrote nothing), which
 *     also shows the device still serves good requests.
 * Then duplicate ids, a ring full of bad requests, and last an impossible
 * req_prod: blkback must close this device (state Closing/Closed and an
 * "error" node in its backend directory) and nothing else.
 *
 * Needs a writable disk (disk = [ '...,access=rw,...' ]) of at least
 * 16 sectors; its contents are ours to overwrite. Without a vbd the family
 * is skipped, not passed.
 */
#include "apps/evil.h"
#include "blkfront.h"
#include "kernel/grant.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "xenbus.h"
#include <xen/io/xenbus.h>

#define NO_ANSWER   1           /* a status no backend sends: nothing came back */
#define WAIT_NS     5000000000ull
#define MAX_BURST   64u

struct answer {
    uint64_t id;
    int status;
};

static struct {
    struct blk_dev *d;
    blkif_front_ring_t *r;
    const struct blk_info *in;
    uint32_t devid;
    uint8_t *page, *ind, *check;   /* data page, indirect-segment page, read-back page */
    grant_ref_t ref, ind_ref, check_ref, ro_ref;
    uint8_t *head, *tail;          /* what the first and last disk pages hold */
    uint64_t next_id;
} v;

/* Posts n requests at once and collects up to n answers in arrival order.
 * Returns how many came within WAIT_NS. */
static unsigned post(const blkif_request_t *reqs, unsigned n, struct answer *ans)
{
    blkif_front_ring_t *r = v.r;
    for (unsigned i = 0; i < n; i++)
        memcpy(RING_GET_REQUEST(r, r->req_prod_pvt + i), &reqs[i], sizeof(reqs[i]));
    r->req_prod_pvt += n;
    blk_raw_kick(v.d, 0);
    unsigned got = 0;
    uint64_t deadline = time_now_ns() + WAIT_NS;
    while (got < n && time_now_ns() < deadline) {
        if (r->sring->rsp_prod != r->rsp_cons) {
            xen_rmb();
            blkif_response_t rsp;
            memcpy(&rsp, RING_GET_RESPONSE(r, r->rsp_cons), sizeof(rsp));
            r->rsp_cons++;
            ans[got++] = (struct answer){.id = rsp.id, .status = rsp.status};
            continue;
        }
        r->sring->rsp_event = r->rsp_cons + 1;
        xen_mb();
        if (r->sring->rsp_prod == r->rsp_cons)
            blk_wait(v.d, 100000000ull);
    }
    return got;
}

/* One request, one answer: its status, or NO_ANSWER; *id_ok whether the
 * answer carried the request's id. */
static int post1(blkif_request_t *req, bool *id_ok)
{
    req->id = v.next_id++;
    struct answer a;
    if (post(req, 1, &a) == 0) {
        *id_ok = true;
        return NO_ANSWER;
    }
    *id_ok = a.id == req->id;
    return a.status;
}

static blkif_request_t rw(uint8_t op, uint64_t sector, grant_ref_t ref)
{
    return (blkif_request_t){.operation = op, .nr_segments = 1, .handle = (blkif_vdev_t)v.devid,
                             .sector_number = sector,
                             .seg = {{.gref = ref, .first_sect = 0, .last_sect = 7}}};
}

static void pattern(uint8_t *p, unsigned salt)
{
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        p[i] = (uint8_t)(i * 31u + salt * 101u + 7u);
}

/* Reads one page of the disk through the check page: 0 when it holds want. */
static int read_matches(uint64_t sector, const uint8_t *want)
{
    blkif_request_t q = rw(BLKIF_OP_READ, sector, v.check_ref);
    bool id_ok;
    memset(v.check, 0, PAGE_SIZE);
    int st = post1(&q, &id_ok);
    if (st != BLKIF_RSP_OKAY || !id_ok)
        return -1;
    return memcmp(v.check, want, PAGE_SIZE) == 0 ? 0 : -2;
}

static int write_page(uint64_t sector, const uint8_t *data)
{
    memcpy(v.page, data, PAGE_SIZE);
    blkif_request_t q = rw(BLKIF_OP_WRITE, sector, v.ref);
    bool id_ok;
    return post1(&q, &id_ok) == BLKIF_RSP_OKAY && id_ok ? 0 : -1;
}

static uint64_t tail_sector(void)
{
    return (v.in->sectors & ~7ull) - 8;
}

/* Whether the first and last disk pages read back as written. */
static bool disk_intact(void)
{
    return read_matches(0, v.head) == 0 && read_matches(tail_sector(), v.tail) == 0;
}

static bool is_read(const blkif_request_t *q)
{
    if (q->operation == BLKIF_OP_INDIRECT)
        return ((const blkif_request_indirect_t *)q)->indirect_op == BLKIF_OP_READ;
    return q->operation == BLKIF_OP_READ;
}

static bool page_is(const uint8_t *p, uint8_t b)
{
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (p[i] != b)
            return false;
    return true;
}

/* One attack: posts req, expects want with its id, and checks that a
 * refusal changed neither our page nor the disk. */
static void attack(const char *what, blkif_request_t *req, int want)
{
    bool rd = is_read(req);
    memset(v.page, rd ? 0xd5 : 0xee, PAGE_SIZE);
    bool id_ok;
    int st = post1(req, &id_ok);
    const char *bad = NULL;
    if (!id_ok)
        bad = " (answered with another id)";
    else if (rd && st != BLKIF_RSP_OKAY && !page_is(v.page, 0xd5))
        bad = " (a refused read wrote our page)";
    else if (!disk_intact())
        bad = " (then the disk did not read back as written)";
    evil_expect(bad ? 1000 + st : st, want, "%s%s", what, bad ? bad : "");
}

/* ---- the malformed shapes, each tried as a read and as a write ---------- */

static grant_ref_t revoked_ref(void)
{
    grant_ref_t ref;
    if (grant_access(0, virt_to_gfn(v.check), false, &ref) < 0)
        return 0x7ffffffe;
    grant_end_access(ref);
    return ref;
}

static grant_ref_t ref_for_ourselves(void)
{
    static grant_ref_t ref = 0;
    if (!ref && grant_access(evil.self, virt_to_gfn(v.check), false, &ref) < 0)
        ref = 0x7ffffffd;
    return ref;
}

static void no_segments(blkif_request_t *q) { q->nr_segments = 0; }
static void twelve_segments(blkif_request_t *q) { q->nr_segments = 12; }
static void max_segments(blkif_request_t *q) { q->nr_segments = 255; }
static void first_after_last(blkif_request_t *q) { q->seg[0].first_sect = 5, q->seg[0].last_sect = 2; }
static void last_past_page(blkif_request_t *q) { q->seg[0].last_sect = 8; }
static void both_past_page(blkif_request_t *q) { q->seg[0].first_sect = 200, q->seg[0].last_sect = 255; }
static void ungranted_ref(blkif_request_t *q) { q->seg[0].gref = grant_nr_refs - 1; }
static void ref_past_table(blkif_request_t *q) { q->seg[0].gref = 0x7fffffff; }
static void ref_all_ones(blkif_request_t *q) { q->seg[0].gref = 0xffffffff; }
static void ref_revoked(blkif_request_t *q) { q->seg[0].gref = revoked_ref(); }
static void ref_not_for_dom0(blkif_request_t *q) { q->seg[0].gref = ref_for_ourselves(); }
static void past_the_end(blkif_request_t *q) { q->sector_number = v.in->sectors - 4; }
static void at_the_end(blkif_request_t *q) { q->sector_number = v.in->sectors; }
static void far_past_end(blkif_request_t *q) { q->sector_number = 1ull << 50; }
static void sector_wraps(blkif_request_t *q) { q->sector_number = ~0ull - 2; }

/* A good second segment then a bad one: nothing of the first may happen. */
static void bad_second_segment(blkif_request_t *q)
{
    q->nr_segments = 2;
    q->seg[1] = (struct blkif_request_segment){.gref = 0x7fffffff, .first_sect = 0, .last_sect = 7};
}

static const struct {
    const char *name;
    void (*bend)(blkif_request_t *q);
} shapes[] = {
    {"no segments", no_segments},
    {"12 segments", twelve_segments},
    {"255 segments", max_segments},
    {"first_sect after last_sect", first_after_last},
    {"last_sect 8 (past the page)", last_past_page},
    {"sectors 200..255 of a page", both_past_page},
    {"a ref never granted", ungranted_ref},
    {"a ref past the table", ref_past_table},
    {"ref 0xffffffff", ref_all_ones},
    {"a revoked ref", ref_revoked},
    {"a ref granted to ourselves, not Dom0", ref_not_for_dom0},
    {"a bad ref in the second segment", bad_second_segment},
    {"a range past the end", past_the_end},
    {"a range starting at the end", at_the_end},
    {"sector 2^50", far_past_end},
    {"a range wrapping past 2^64", sector_wraps},
};

static void malformed_rw(void)
{
    static const uint8_t ops[] = {BLKIF_OP_READ, BLKIF_OP_WRITE};
    for (unsigned o = 0; o < 2; o++) {
        for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
            blkif_request_t q = rw(ops[o], 0, v.ref);
            shapes[i].bend(&q);
            char what[96];
            snprintf(what, sizeof(what), "%s with %s", o ? "write" : "read", shapes[i].name);
            attack(what, &q, BLKIF_RSP_ERROR);
        }
    }
    /* The backend writes into the page of a read: a read-only grant is not enough. */
    blkif_request_t q = rw(BLKIF_OP_READ, 0, v.ro_ref);
    attack("read into a read-only grant", &q, BLKIF_RSP_ERROR);
}

static void operations(void)
{
    static const uint8_t unknown[] = {7, 42, 255};
    for (unsigned i = 0; i < sizeof(unknown); i++) {
        blkif_request_t q = rw(unknown[i], 0, v.ref);
        char what[48];
        snprintf(what, sizeof(what), "operation %u", unknown[i]);
        attack(what, &q, BLKIF_RSP_EOPNOTSUPP);
    }
    blkif_request_t q = rw(BLKIF_OP_WRITE_BARRIER, 0, v.ref);
    attack("write barrier (not offered)", &q, BLKIF_RSP_EOPNOTSUPP);
    if (v.in->flush) {
        q = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, v.ref);
        q.nr_segments = 12;
        attack("flush with 12 segments", &q, BLKIF_RSP_ERROR);
    }
    if (v.in->discard) {
        blkif_request_discard_t *dq = (blkif_request_discard_t *)&q;
        static const struct {
            const char *name;
            uint64_t first, n;
        } bad[] = {{"discard past the end", 0, 2}, {"discard from the end", 1, 1},
                   {"discard wrapping past 2^64", 0, ~0ull}, {"discard at sector 2^63", 0, 0}};
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            memset(&q, 0, sizeof(q));
            dq->operation = BLKIF_OP_DISCARD;
            dq->sector_number = i == 3 ? 1ull << 63 : v.in->sectors - 1 + bad[i].first;
            dq->nr_sectors = i == 3 ? 8 : bad[i].n;
            attack(bad[i].name, &q, BLKIF_RSP_ERROR);
        }
    }
}

/* An indirect request reading or writing sector 0 through nsegs segments
 * listed in our indirect page. */
static blkif_request_indirect_t *indirect(blkif_request_t *q, uint8_t op, uint16_t nsegs)
{
    blkif_request_indirect_t *ind = (blkif_request_indirect_t *)q;
    memset(q, 0, sizeof(*q));
    ind->operation = BLKIF_OP_INDIRECT;
    ind->indirect_op = op;
    ind->nr_segments = nsegs;
    ind->handle = (blkif_vdev_t)v.devid;
    ind->indirect_grefs[0] = v.ind_ref;
    struct blkif_request_segment *seg = (struct blkif_request_segment *)v.ind;
    memset(v.ind, 0, PAGE_SIZE);
    for (unsigned i = 0; i < nsegs && i < PAGE_SIZE / sizeof(*seg); i++)
        seg[i] = (struct blkif_request_segment){.gref = v.ref, .first_sect = 0, .last_sect = 7};
    return ind;
}

static void indirect_requests(void)
{
    if (!v.in->indirect_segs) {
        printf("evil/blkif: the device offers no indirect requests: those attacks do not apply\n");
        return;
    }
    blkif_request_t q;
    struct blkif_request_segment *seg = (struct blkif_request_segment *)v.ind;
    indirect(&q, BLKIF_OP_READ, (uint16_t)(v.in->indirect_segs + 1));
    attack("indirect read, one segment too many", &q, BLKIF_RSP_ERROR);
    indirect(&q, BLKIF_OP_READ, 0);
    attack("indirect read of no segments", &q, BLKIF_RSP_ERROR);
    indirect(&q, BLKIF_OP_DISCARD, 1);
    attack("indirect discard", &q, BLKIF_RSP_ERROR);
    indirect(&q, BLKIF_OP_FLUSH_DISKCACHE, 1);
    attack("indirect flush", &q, BLKIF_RSP_ERROR);
    indirect(&q, 42, 1);
    attack("indirect operation 42", &q, BLKIF_RSP_ERROR);
    indirect(&q, BLKIF_OP_INDIRECT, 1);
    attack("indirect inside indirect", &q, BLKIF_RSP_ERROR);
    static const uint8_t ops[] = {BLKIF_OP_READ, BLKIF_OP_WRITE};
    for (unsigned o = 0; o < 2; o++) {
        const char *name = o ? "write" : "read";
        char what[80];
        indirect(&q, ops[o], 4);
        memset(v.ind, 0xff, PAGE_SIZE);
        snprintf(what, sizeof(what), "indirect %s of garbage segments", name);
        attack(what, &q, BLKIF_RSP_ERROR);
        indirect(&q, ops[o], 2);
        seg[1].gref = 0x7fffffff;
        snprintf(what, sizeof(what), "indirect %s, a segment's ref past the table", name);
        attack(what, &q, BLKIF_RSP_ERROR);
        indirect(&q, ops[o], 2);
        seg[1].first_sect = 6, seg[1].last_sect = 1;
        snprintf(what, sizeof(what), "indirect %s, a segment with first after last", name);
        attack(what, &q, BLKIF_RSP_ERROR);
        blkif_request_indirect_t *ind = indirect(&q, ops[o], 1);
        ind->indirect_grefs[0] = grant_nr_refs - 1;
        snprintf(what, sizeof(what), "indirect %s, the segment page never granted", name);
        attack(what, &q, BLKIF_RSP_ERROR);
        ind = indirect(&q, ops[o], 1);
        ind->sector_number = v.in->sectors - 2;
        snprintf(what, sizeof(what), "indirect %s past the end", name);
        attack(what, &q, BLKIF_RSP_ERROR);
    }
}

/* Linux's blkback echoes ids and never looks them up: two requests with
 * one id are two requests, each answered with that id. */
static void duplicate_ids(void)
{
    blkif_request_t q[2] = {rw(BLKIF_OP_READ, 0, v.ref), rw(BLKIF_OP_READ, 0, v.ref)};
    q[0].id = q[1].id = v.next_id++;
    struct answer a[2];
    unsigned n = post(q, 2, a), good = 0;
    for (unsigned i = 0; i < n; i++)
        good += a[i].id == q[0].id && a[i].status == BLKIF_RSP_OKAY;
    evil_expect(good, 2, "two reads with one id, both answered OKAY with it");
}

/* As many bad requests as the ring holds, in one kick: each answered. */
static void ring_full_of_bad(void)
{
    static blkif_request_t q[MAX_BURST];
    static struct answer a[MAX_BURST];
    unsigned n = RING_SIZE(v.r) < MAX_BURST ? RING_SIZE(v.r) : MAX_BURST;
    for (unsigned i = 0; i < n; i++) {
        q[i] = rw(i & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ, v.in->sectors - 1, v.ref);
        q[i].id = v.next_id++;
    }
    unsigned got = post(q, n, a), right = 0;
    for (unsigned i = 0; i < got; i++)
        right += a[i].id == q[i].id && a[i].status == BLKIF_RSP_ERROR;
    bool intact = disk_intact();
    evil_expect(intact ? right : 1000 + right, n, "%u requests past the end in one kick, each refused%s",
                n, intact ? "" : " (then the disk did not read back as written)");
}

static int backend_state(char *err, unsigned errlen)
{
    char path[128], buf[16];
    uint64_t s = 0;
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u/state", evil.self, v.devid);
    if (xenbus_read(path, buf, sizeof(buf)) > 0)
        parse_u64(buf, &s);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u/error", evil.self, v.devid);
    if (xenbus_read(path, err, errlen) <= 0)
        err[0] = 0;
    return (int)s;
}

/* Last: req_prod more than a ring ahead of the answers. Linux's blkback
 * stops the ring and disconnects the device; so must ours. */
static void ring_overrun(void)
{
    v.r->req_prod_pvt = v.r->rsp_cons + RING_SIZE(v.r) + 7;
    blk_raw_kick(v.d, 0);
    char err[96] = "";
    int s = XenbusStateConnected;
    uint64_t deadline = time_now_ns() + WAIT_NS;
    while (time_now_ns() < deadline) {
        s = backend_state(err, sizeof(err));
        if ((s == XenbusStateClosing || s == XenbusStateClosed) && err[0])
            break;
        sleep_ns(50000000ull);
    }
    bool closed = s == XenbusStateClosing || s == XenbusStateClosed;
    evil_expect(closed && err[0], true,
                "req_prod a ring ahead: backend state %d, error node \"%s\"", s, err);
}

static int vbd_setup(void)
{
    v.devid = (uint32_t)cmdline_u64("blk_devid", 0);
    int rc = v.devid ? 0 : blk_first_devid(&v.devid);
    if (rc < 0) {
        evil_skip("no vbd in our config (disk = [ ... ]): blkif attacks not run");
        return rc;
    }
    rc = blk_open(v.devid, &v.d);
    if (rc < 0) {
        evil_expect(rc, 0, "opening vbd %u", v.devid);
        return rc;
    }
    v.in = blk_get_info(v.d);
    if (v.in->readonly || v.in->sectors < 16) {
        evil_skip("the vbd is read-only or smaller than 16 sectors: blkif attacks need a disk of their own");
        return -1;
    }
    v.r = blk_raw_ring(v.d, 0);
    v.next_id = 1000;
    uint8_t *p = page_alloc(6);
    if (!p) {
        evil_skip("out of memory for the blkif attacks");
        return -1;
    }
    v.page = p, v.ind = p + PAGE_SIZE, v.check = p + 2 * PAGE_SIZE;
    v.head = p + 3 * PAGE_SIZE, v.tail = p + 4 * PAGE_SIZE;
    if (grant_access(0, virt_to_gfn(v.page), false, &v.ref) < 0 ||
        grant_access(0, virt_to_gfn(v.ind), false, &v.ind_ref) < 0 ||
        grant_access(0, virt_to_gfn(v.check), false, &v.check_ref) < 0 ||
        grant_access(0, virt_to_gfn(p + 5 * PAGE_SIZE), true, &v.ro_ref) < 0) {
        evil_skip("no grant refs left for the blkif attacks");
        return -1;
    }
    pattern(v.head, 1);
    pattern(v.tail, 2);
    printf("evil/blkif: vbd %u, %llu sectors, ring of %u, indirect %u, persistent %d\n", v.devid,
           (unsigned long long)v.in->sectors, (unsigned)RING_SIZE(v.r), v.in->indirect_segs,
           v.in->persistent);
    return 0;
}

void evil_blkif(void)
{
    if (vbd_setup() < 0)
        return;
    /* What every later check reads back; the writes themselves must work. */
    bool ok = write_page(0, v.head) == 0 && write_page(tail_sector(), v.tail) == 0 && disk_intact();
    evil_expect(ok, true, "writing and reading back our disk's first and last page");
    if (!ok)
        return;
    operations();
    malformed_rw();
    indirect_requests();
    duplicate_ids();
    ring_full_of_bad();
    evil_expect(disk_intact(), true, "good reads after every attack return our data");
    ring_overrun();
}
