/*
 * blk_evil.c - app=blk-evil: a hostile blkif frontend. It connects its
 * vbd normally, then writes malformed requests straight into the ring and
 * checks each is answered with the right status and its own id (the
 * backend must answer, not crash and not hang):
 *   unknown operation, WRITE_BARRIER (not offered)   -> EOPNOTSUPP
 *   no segments, 12 segments, first_sect > last_sect,
 *   last_sect 8, a grant ref never granted, one past
 *   the table, a range past the end of the disk,
 *   too many indirect segments, an indirect discard,
 *   a discard past the end                           -> ERROR
 * then checks a good read still works, and last breaks the ring (req_prod
 * more than a ring ahead): the backend must close this device, which the
 * test sees in xenstore, while other guests' devices carry on.
 * One "blk-evil: PASS|FAIL ..." line per case; "blk-evil: done: N passed,
 * M failed".
 */
#include "blkfront.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/grant.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "xenbus.h"
#include <xen/io/xenbus.h>

static unsigned passed, failed;

static void result(bool ok, const char *name, const char *detail)
{
    printf("blk-evil: %s %s: %s\n", ok ? "PASS" : "FAIL", name, detail);
    if (ok)
        passed++;
    else
        failed++;
}

/* Posts *req (id set by us) and waits for its answer; returns the status,
 * or 1 when none came within 5 s. */
static int post(struct blk_dev *d, blkif_front_ring_t *r, const blkif_request_t *req,
                uint64_t *got_id)
{
    memcpy(RING_GET_REQUEST(r, r->req_prod_pvt), req, sizeof(*req));
    r->req_prod_pvt++;
    blk_raw_kick(d, 0);
    uint64_t deadline = time_now_ns() + 5000000000ull;
    while (time_now_ns() < deadline) {
        if (r->sring->rsp_prod != r->rsp_cons) {
            xen_rmb();
            blkif_response_t rsp;
            memcpy(&rsp, RING_GET_RESPONSE(r, r->rsp_cons), sizeof(rsp));
            r->rsp_cons++;
            *got_id = rsp.id;
            return rsp.status;
        }
        r->sring->rsp_event = r->rsp_cons + 1;
        xen_mb();
        if (r->sring->rsp_prod != r->rsp_cons)
            continue;
        blk_wait(d, 100000000ull);
    }
    return 1;
}

static void expect(struct blk_dev *d, blkif_front_ring_t *r, const char *name,
                   blkif_request_t *req, int want)
{
    static uint64_t next_id = 1000;
    req->id = next_id++;
    uint64_t got = 0;
    int st = post(d, r, req, &got);
    char detail[96];
    snprintf(detail, sizeof(detail), "status %d (want %d), id %llu (want %llu)", st, want,
             (unsigned long long)got, (unsigned long long)req->id);
    result(st == want && got == req->id, name, detail);
}

int app_blk_evil(void)
{
    uint32_t devid = (uint32_t)cmdline_u64("blk_devid", 0);
    struct blk_dev *d;
    int rc = devid ? 0 : blk_first_devid(&devid);
    if (rc == 0)
        rc = blk_open(devid, &d);
    if (rc < 0) {
        printf("blk-evil: FAIL open vbd %u: %d\n", devid, rc);
        return 1;
    }
    const struct blk_info *in = blk_get_info(d);
    blkif_front_ring_t *r = blk_raw_ring(d, 0);
    uint8_t *page = page_alloc(1);
    grant_ref_t good;
    grant_access(0, virt_to_gfn(page), false, &good);
    printf("blk-evil: vbd %u, %llu sectors, indirect %u: posting malformed requests\n", devid,
           (unsigned long long)in->sectors, in->indirect_segs);
    console_flush();

    blkif_request_t q;
    const blkif_request_t read1 = {.operation = BLKIF_OP_READ, .nr_segments = 1,
                                   .handle = (blkif_vdev_t)devid, .sector_number = 0,
                                   .seg = {{.gref = good, .first_sect = 0, .last_sect = 7}}};

    q = read1;
    q.operation = 42;
    expect(d, r, "unknown-op", &q, BLKIF_RSP_EOPNOTSUPP);
    q = read1;
    q.operation = BLKIF_OP_WRITE_BARRIER;
    expect(d, r, "barrier-not-offered", &q, BLKIF_RSP_EOPNOTSUPP);
    q = read1;
    q.nr_segments = 0;
    expect(d, r, "no-segments", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.nr_segments = 12;
    expect(d, r, "12-segments", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.seg[0].first_sect = 5;
    q.seg[0].last_sect = 2;
    expect(d, r, "first-after-last", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.seg[0].last_sect = 8;
    expect(d, r, "last-sect-past-page", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.seg[0].gref = grant_nr_refs - 1; /* the last ref: nothing grants it this early */
    expect(d, r, "ungranted-ref", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.seg[0].gref = 0x7fffffff;
    expect(d, r, "ref-past-table", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.sector_number = in->sectors - 4;
    expect(d, r, "past-the-end", &q, BLKIF_RSP_ERROR);
    q = read1;
    q.sector_number = ~0ull - 2;
    expect(d, r, "sector-wraps", &q, BLKIF_RSP_ERROR);
    if (in->indirect_segs) {
        blkif_request_indirect_t *ind = (blkif_request_indirect_t *)&q;
        memset(&q, 0, sizeof(q));
        ind->operation = BLKIF_OP_INDIRECT;
        ind->indirect_op = BLKIF_OP_READ;
        ind->nr_segments = (uint16_t)(in->indirect_segs + 1);
        ind->handle = (blkif_vdev_t)devid;
        ind->indirect_grefs[0] = good;
        expect(d, r, "indirect-too-many", &q, BLKIF_RSP_ERROR);
        memset(&q, 0, sizeof(q));
        ind->operation = BLKIF_OP_INDIRECT;
        ind->indirect_op = BLKIF_OP_DISCARD;
        ind->nr_segments = 1;
        ind->indirect_grefs[0] = good;
        expect(d, r, "indirect-discard", &q, BLKIF_RSP_ERROR);
        /* an indirect page whose segments are garbage */
        memset(page, 0xff, PAGE_SIZE);
        memset(&q, 0, sizeof(q));
        ind->operation = BLKIF_OP_INDIRECT;
        ind->indirect_op = BLKIF_OP_READ;
        ind->nr_segments = 4;
        ind->indirect_grefs[0] = good;
        expect(d, r, "indirect-garbage-segments", &q, BLKIF_RSP_ERROR);
    }
    if (in->discard) {
        blkif_request_discard_t *dq = (blkif_request_discard_t *)&q;
        memset(&q, 0, sizeof(q));
        dq->operation = BLKIF_OP_DISCARD;
        dq->sector_number = in->sectors - 1;
        dq->nr_sectors = 2;
        expect(d, r, "discard-past-end", &q, BLKIF_RSP_ERROR);
    }
    q = read1;
    expect(d, r, "good-read-after", &q, BLKIF_RSP_OKAY);

    /* Last: an impossible producer index. The backend must drop this ring
     * (the device goes to Closing/Closed) and keep serving everyone else. */
    r->req_prod_pvt = r->rsp_cons + RING_SIZE(r) + 7;
    blk_raw_kick(d, 0);
    enum xenbus_state s = XenbusStateConnected;
    uint64_t deadline = time_now_ns() + 5000000000ull;
    while (time_now_ns() < deadline) {
        char path[160], buf[16];
        snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u/state", boot.domid,
                 devid);
        uint64_t v;
        if (xenbus_read(path, buf, sizeof(buf)) > 0 && parse_u64(buf, &v) == 0)
            s = (enum xenbus_state)v;
        if (s == XenbusStateClosing || s == XenbusStateClosed)
            break;
        sleep_ns(50000000ull);
    }
    char detail[64];
    snprintf(detail, sizeof(detail), "backend state %d after req_prod overflow", s);
    result(s == XenbusStateClosing || s == XenbusStateClosed, "ring-overflow-disconnects",
           detail);
    printf("blk-evil: done: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
