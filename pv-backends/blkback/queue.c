/*
 * queue.c - one blkif ring of one vbd, served by its own thread: take
 * requests off the ring, check them (request.c), map their grants, run
 * them on the image through io_uring (io.c) and answer them, one event
 * notification per batch of answers.
 *
 * The thread sleeps in exactly one place, io_uring_submit_and_wait: the
 * frontend's event channel is a multishot poll on the same ring, so a
 * notification and a disk completion wake it the same way. Each turn of
 * the loop: reap completions (answers go into the ring, unpushed), take
 * every new request (the ring.h final check re-arms req_event only when
 * the ring is empty), then push all answers with one notification if the
 * frontend asked for one (rsp_event). Before sleeping it may spin
 * poll_us for more requests, which saves the cross-CPU wake-up when the
 * frontend is busy.
 *
 * Grants: with persistent grants, each gref is mapped once (writable, in
 * batches of up to 64 per control round trip) and kept until disconnect,
 * so a warm queue does no map at all. Without, each request maps its
 * pages in batches (read-only for a write) and unmaps them when it ends.
 *
 * A request's checks happen on a private copy (the shadow entry); a ring
 * whose producer index is impossible (more outstanding than slots) stops
 * this queue and asks the main thread to close the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "blkback.h"
#include "io.h"
#include "libxc/gnttab.h"
#include "libxc/trace.h"
#include "libxc/xc.h"
#include "ring_take.h"
#include "shadow.h"

#define TAG_KIND_SHIFT 56
#define TAG_EVTCHN  (1ull << TAG_KIND_SHIFT)
#define TAG_STOP    (2ull << TAG_KIND_SHIFT)
#define TAG_IO      (3ull << TAG_KIND_SHIFT)
#define TAG_SLOT(t) ((uint32_t)((t) & 0xffffffffu))

#define MAX_NP_MAPS 12         /* map batches one request may hold (256 segs / 64 + indirect) */
#define LOG_BAD_FIRST 20       /* bad requests logged one by one, then every LOG_BAD_EVERY */
#define LOG_BAD_EVERY 1000

enum phase { PH_IDLE, PH_RW, PH_FSYNC, PH_DISCARD };

struct slot {
    struct blk_req req;
    int16_t status;
    uint8_t phase;
    bool answered;
    int fd;
    uint64_t off;              /* next byte of the image to move */
    uint32_t niov, iov_at;     /* iov[iov_at..niov) still to move */
    struct iovec iov[BLKIF_INDIRECT_SEGS_MAX];
    void *np_addr[MAX_NP_MAPS];
    uint16_t np_count[MAX_NP_MAPS];
    unsigned nr_np;
};

struct region {
    struct region *next;
    void *addr;
    uint32_t count;
};

struct blk_queue {
    struct blk_dev *dev;
    unsigned qid;
    char name[64];             /* "d3 vbd 51712 q0" */
    char shadow_path[PATH_MAX + 64];
    uint32_t fe_domid;
    blkif_back_ring_t ring;
    void *ring_map;
    unsigned ring_pages;
    uint32_t nr_slots;
    struct xc_evtchn_port port;
    struct xc *xc;
    struct xc_gnttab *gt;
    bool persistent;
    void **pmap;               /* gref -> mapped page (persistent) */
    unsigned nr_persistent;
    struct region *regions;    /* persistent batches, unmapped at stop */
    struct blk_io io;
    struct shadow shadow;
    struct slot *slots;        /* indexed like shadow entries */
    uint32_t *answered;        /* entries answered, not yet pushed */
    uint32_t nr_answered;
    uint32_t inflight;         /* taken and not answered */
    uint32_t *rerun;           /* resume: entries to run again */
    int nr_rerun;
    bool resumed;
    pthread_t thread;
    bool thread_started;
    int stop_fd;
    volatile bool stopping;
    volatile bool broken;
    bool evtchn_armed;
    uint64_t bad_logged;
    struct blk_queue_stats st;
};

static void qlog(struct blk_queue *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void qlog(struct blk_queue *q, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", q->name, line);
}

static void log_bad(struct blk_queue *q, const struct slot *s, const char *why)
{
    q->bad_logged++;
    if (q->bad_logged <= LOG_BAD_FIRST || q->bad_logged % LOG_BAD_EVERY == 0)
        qlog(q, "request id %" PRIu64 " op %u: %s (%" PRIu64 " bad so far)", s->req.id,
             s->req.wire_op, why, q->bad_logged);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- answers ----------------------------------------------------------- */

static void unmap_np(struct blk_queue *q, struct slot *s)
{
    for (unsigned i = 0; i < s->nr_np; i++)
        xc_gnttab_unmap(q->gt, s->np_addr[i], s->np_count[i]);
    s->nr_np = 0;
}

/* Writes the answer into the ring (not yet pushed). The shadow learns of
 * it first, so a death between the two is seen for what it is. */
static void answer(struct blk_queue *q, uint32_t ent, int16_t status)
{
    struct slot *s = &q->slots[ent];
    unmap_np(q, s);
    uint32_t idx = q->ring.rsp_prod_pvt;
    shadow_answer(&q->shadow, ent, idx);
    __atomic_store_n(&q->shadow.hdr->rsp_prod_pvt, idx + 1, __ATOMIC_RELEASE);
    blkif_response_t *rsp = RING_GET_RESPONSE(&q->ring, idx);
    blkif_response_t r = {.id = s->req.id, .operation = s->req.wire_op, .status = status};
    xc_trace(XL_TR_RSP_PRODUCE, q->fe_domid, q->dev->xb->devid, (uint16_t)q->qid, s->req.id,
             (uint32_t)(int32_t)status);
    memcpy(rsp, &r, sizeof(r));
    q->ring.rsp_prod_pvt = idx + 1;
    q->answered[q->nr_answered++] = ent;
    q->inflight--;
    s->phase = PH_IDLE;
    if (status != BLKIF_RSP_OKAY)
        q->st.errors++;
}

/* Pushes every answer written so far; one notification if asked for. */
static void push(struct blk_queue *q)
{
    if (!q->nr_answered)
        return;
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
    __atomic_store_n(&q->shadow.hdr->rsp_pushed, q->ring.rsp_prod_pvt, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < q->nr_answered; i++)
        shadow_free(&q->shadow, q->answered[i]);
    q->nr_answered = 0;
    if (notify) {
        xc_evtchn_notify(&q->port);
        q->st.notifies++;
    }
}

/* ---- grants ------------------------------------------------------------ */

/* Maps refs[0..n) persistently (writable), in batches; a batch that fails
 * is retried ref by ref so one bad ref fails only itself. 0, or -errno
 * with *bad the first ref that could not be mapped. */
static int persistent_map(struct blk_queue *q, const uint32_t *refs, unsigned n, uint32_t *bad)
{
    for (unsigned at = 0; at < n;) {
        unsigned cnt = n - at < XLCTL_GNTTAB_BATCH ? n - at : XLCTL_GNTTAB_BATCH;
        void *addr;
        int rc = xc_gnttab_map(q->gt, q->fe_domid, cnt, refs + at, false, &addr, NULL);
        q->st.maps++;
        if (rc == 0) {
            struct region *r = malloc(sizeof(*r));
            if (!r) {
                xc_gnttab_unmap(q->gt, addr, cnt);
                *bad = refs[at];
                return -ENOMEM;
            }
            *r = (struct region){.next = q->regions, .addr = addr, .count = cnt};
            q->regions = r;
            for (unsigned i = 0; i < cnt; i++)
                q->pmap[refs[at + i]] = (uint8_t *)addr + (size_t)i * BLKIF_PAGE_SIZE;
            q->nr_persistent += cnt;
            q->st.persistent_maps += cnt;
            at += cnt;
            continue;
        }
        if (cnt == 1) {
            *bad = refs[at];
            return rc;
        }
        for (unsigned i = 0; i < cnt; i++) {
            rc = persistent_map(q, refs + at + i, 1, bad);
            if (rc < 0)
                return rc;
        }
        at += cnt;
    }
    return 0;
}

/* Non-persistent: maps refs[0..n) for this request, read-only if ro, into
 * s's list; fills pages[i]. 0 or -errno. */
static int np_map(struct blk_queue *q, struct slot *s, const uint32_t *refs, unsigned n, bool ro,
                  void **pages)
{
    for (unsigned at = 0; at < n;) {
        unsigned cnt = n - at < XLCTL_GNTTAB_BATCH ? n - at : XLCTL_GNTTAB_BATCH;
        if (s->nr_np == MAX_NP_MAPS)
            return -E2BIG;
        void *addr;
        int rc = xc_gnttab_map(q->gt, q->fe_domid, cnt, refs + at, ro, &addr, NULL);
        q->st.maps++;
        if (rc < 0)
            return rc;
        s->np_addr[s->nr_np] = addr;
        s->np_count[s->nr_np++] = (uint16_t)cnt;
        for (unsigned i = 0; i < cnt; i++)
            pages[at + i] = (uint8_t *)addr + (size_t)i * BLKIF_PAGE_SIZE;
        at += cnt;
    }
    return 0;
}

/* Host addresses of refs[0..n) for slot s: persistent when negotiated
 * (mapping the misses), else mapped for this request. 0 or -errno, *why. */
static int map_refs(struct blk_queue *q, struct slot *s, const uint32_t *refs, unsigned n,
                    bool ro, void **pages, const char **why)
{
    if (q->persistent) {
        uint32_t miss[BLKIF_INDIRECT_SEGS_MAX + BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
        unsigned nmiss = 0;
        for (unsigned i = 0; i < n; i++) {
            if (q->pmap[refs[i]])
                continue;
            bool dup = false;
            for (unsigned j = 0; j < nmiss && !dup; j++)
                dup = miss[j] == refs[i];
            if (!dup)
                miss[nmiss++] = refs[i];
        }
        if (nmiss && q->nr_persistent + nmiss <= blk_config.max_persistent) {
            uint32_t bad = 0;
            if (persistent_map(q, miss, nmiss, &bad) < 0) {
                *why = "bad grant ref";
                return -EINVAL;
            }
        } else if (nmiss) {
            /* Over the persistent budget: this request maps for itself. */
            goto np;
        }
        for (unsigned i = 0; i < n; i++)
            pages[i] = q->pmap[refs[i]];
        return 0;
    }
np:
    if (np_map(q, s, refs, n, ro, pages) < 0) {
        *why = "bad grant ref";
        return -EINVAL;
    }
    return 0;
}

/* ---- running a request ------------------------------------------------- */

static int submit_rw(struct blk_queue *q, uint32_t ent)
{
    struct slot *s = &q->slots[ent];
    bool write = s->req.op != BLKIF_OP_READ;
    xc_trace(XL_TR_IO_SUBMIT, q->fe_domid, q->dev->xb->devid, (uint16_t)q->qid, s->req.id,
             (uint32_t)(s->req.nr_sectors << 9));
    while (blk_io_rw(&q->io, s->fd, write, s->iov + s->iov_at, s->niov - s->iov_at, s->off,
                     TAG_IO | ent) == -EBUSY)
        blk_io_submit(&q->io, 0);
    return 0;
}

static void submit_fsync(struct blk_queue *q, uint32_t ent)
{
    struct slot *s = &q->slots[ent];
    s->phase = PH_FSYNC;
    while (blk_io_fsync(&q->io, q->dev->img.buf_fd, TAG_IO | ent) == -EBUSY)
        blk_io_submit(&q->io, 0);
}

/* Copies the segments of an indirect request out of its granted pages. */
static int load_indirect(struct blk_queue *q, struct slot *s, const char **why)
{
    void *pages[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    if (map_refs(q, s, s->req.indirect_grefs, s->req.nr_indirect, true, pages, why) < 0)
        return -EINVAL;
    blk_req_copy_indirect_segs(&s->req, (const void *const *)pages);
    if (!q->persistent)
        unmap_np(q, s); /* the segments are ours now */
    return 0;
}

static void start(struct blk_queue *q, uint32_t ent)
{
    struct slot *s = &q->slots[ent];
    const char *why = NULL;
    q->inflight++;
    q->st.requests++;
    s->nr_np = 0;
    s->phase = PH_IDLE;
    int st = blk_req_parse(&q->shadow.ent[ent].req, &q->dev->lim, &s->req, &why);
    if (st == BLKIF_RSP_OKAY && s->req.indirect) {
        if (load_indirect(q, s, &why) < 0)
            st = BLKIF_RSP_ERROR;
        else
            st = blk_req_check_segs(&s->req, &q->dev->lim, &why);
    }
    if (st != BLKIF_RSP_OKAY) {
        log_bad(q, s, why);
        answer(q, ent, (int16_t)st);
        return;
    }
    const struct blk_image *img = &q->dev->img;
    if (s->req.op == BLKIF_OP_DISCARD) {
        if (s->req.nr_sectors == 0) {
            answer(q, ent, BLKIF_RSP_OKAY);
            return;
        }
        s->phase = PH_DISCARD;
        while (blk_io_discard(&q->io, img->buf_fd, s->req.sector << BLKIF_SECTOR_SHIFT,
                              s->req.nr_sectors << BLKIF_SECTOR_SHIFT, TAG_IO | ent) == -EBUSY)
            blk_io_submit(&q->io, 0);
        return;
    }
    if (s->req.nr_segs == 0) { /* a pure flush */
        submit_fsync(q, ent);
        return;
    }
    uint32_t refs[BLKIF_INDIRECT_SEGS_MAX];
    void *pages[BLKIF_INDIRECT_SEGS_MAX];
    for (unsigned i = 0; i < s->req.nr_segs; i++)
        refs[i] = s->req.seg[i].gref;
    bool ro = s->req.op != BLKIF_OP_READ;
    if (map_refs(q, s, refs, s->req.nr_segs, ro, pages, &why) < 0) {
        log_bad(q, s, why);
        answer(q, ent, BLKIF_RSP_ERROR);
        return;
    }
    /* iovecs, merging pieces that are adjacent in our address space */
    bool aligned = true;
    uint32_t n = 0;
    for (unsigned i = 0; i < s->req.nr_segs; i++) {
        uint8_t *base = (uint8_t *)pages[i] + ((size_t)s->req.seg[i].first << BLKIF_SECTOR_SHIFT);
        size_t len = (size_t)(s->req.seg[i].last - s->req.seg[i].first + 1) << BLKIF_SECTOR_SHIFT;
        if (n && (uint8_t *)s->iov[n - 1].iov_base + s->iov[n - 1].iov_len == base) {
            s->iov[n - 1].iov_len += len;
            continue;
        }
        s->iov[n++] = (struct iovec){.iov_base = base, .iov_len = len};
    }
    for (uint32_t i = 0; i < n && aligned; i++)
        aligned = (uintptr_t)s->iov[i].iov_base % img->dio_mem_align == 0 &&
                  s->iov[i].iov_len % img->dio_off_align == 0;
    s->off = s->req.sector << BLKIF_SECTOR_SHIFT;
    aligned = aligned && s->off % img->dio_off_align == 0;
    s->fd = blk_image_fd_for(img, aligned);
    s->niov = n;
    s->iov_at = 0;
    s->phase = PH_RW;
    q->st.bytes += blk_req_bytes(&s->req);
    submit_rw(q, ent);
}

/* A read or write moved res bytes: continue a short one, else finish. */
static void rw_done(struct blk_queue *q, uint32_t ent, int32_t res)
{
    struct slot *s = &q->slots[ent];
    if (res <= 0) {
        qlog(q, "request id %" PRIu64 ": %s at byte %" PRIu64 ": %s", s->req.id,
             s->req.op == BLKIF_OP_READ ? "read" : "write", s->off,
             res ? strerror(-res) : "end of file");
        answer(q, ent, BLKIF_RSP_ERROR);
        return;
    }
    size_t left = (size_t)res;
    s->off += (uint64_t)res;
    while (s->iov_at < s->niov && left >= s->iov[s->iov_at].iov_len)
        left -= s->iov[s->iov_at++].iov_len;
    if (s->iov_at < s->niov) {
        s->iov[s->iov_at].iov_base = (uint8_t *)s->iov[s->iov_at].iov_base + left;
        s->iov[s->iov_at].iov_len -= left;
        submit_rw(q, ent); /* short: the rest */
        return;
    }
    if (s->req.op == BLKIF_OP_FLUSH_DISKCACHE) {
        submit_fsync(q, ent);
        return;
    }
    answer(q, ent, BLKIF_RSP_OKAY);
}

static void on_completion(void *arg, uint64_t tag, int32_t res, bool more)
{
    struct blk_queue *q = arg;
    uint64_t kind = tag & (0xffull << TAG_KIND_SHIFT);
    if (kind == TAG_EVTCHN) {
        xc_evtchn_consume(q->port.fd);
        q->st.wakeups++;
        if (!more)
            q->evtchn_armed = false;
        return;
    }
    if (kind == TAG_STOP) {
        q->stopping = true;
        return;
    }
    uint32_t ent = TAG_SLOT(tag);
    if (ent >= q->nr_slots)
        return;
    struct slot *s = &q->slots[ent];
    xc_trace(XL_TR_IO_COMPLETE, q->fe_domid, q->dev->xb->devid, (uint16_t)q->qid, s->req.id,
             (uint32_t)res);
    switch (s->phase) {
    case PH_RW:
        rw_done(q, ent, res);
        break;
    case PH_FSYNC:
    case PH_DISCARD:
        if (res < 0)
            qlog(q, "request id %" PRIu64 ": %s: %s", s->req.id,
                 s->phase == PH_FSYNC ? "fdatasync" : "discard", strerror(-res));
        answer(q, ent, res < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
        break;
    default:
        break;
    }
}

/* ---- the ring ---------------------------------------------------------- */

static void mark_broken(struct blk_queue *q, const char *why)
{
    if (q->broken)
        return;
    q->broken = true;
    qlog(q, "ring broken: %s; disconnecting this device", why);
    uint64_t one = 1;
    if (write(blk_attention_fd, &one, sizeof(one)) < 0)
        qlog(q, "cannot wake the main thread");
}

/* Takes every request the frontend has produced (ring_take.c), then
 * re-arms req_event (ring.h's final check) and looks once more. */
static void take_requests(struct blk_queue *q)
{
    uint32_t started[BLKIF_RING_SLOTS(BLKIF_RING_ORDER_MAX)];
    for (;;) {
        uint32_t n;
        const char *why;
        int rc = blk_ring_take(&q->ring, q->nr_slots, &q->shadow, started, &n, &why);
        for (uint32_t i = 0; i < n; i++) {
            const blkif_request_t *req = &q->shadow.ent[started[i]].req;
            xc_trace(XL_TR_REQ_CONSUME, q->fe_domid, q->dev->xb->devid, (uint16_t)q->qid, req->id,
                     req->operation);
        }
        if (rc < 0) {
            mark_broken(q, why);
            return;
        }
        for (uint32_t i = 0; i < n; i++)
            start(q, started[i]);
        /* req_event is armed only before sleeping (arm_and_check): while
         * we poll, the frontend need not notify us. */
        if (q->ring.sring->req_prod == q->ring.req_cons)
            return;
    }
}

/* ring.h's final check: ask for a notification of the next request, then
 * look once more. True when requests are there already. */
static bool arm_and_check(struct blk_queue *q)
{
    int more;
    RING_FINAL_CHECK_FOR_REQUESTS(&q->ring, more);
    return more != 0;
}

static bool ring_has_requests(struct blk_queue *q)
{
    return q->ring.sring->req_prod != q->ring.req_cons;
}

static void *queue_thread(void *arg)
{
    struct blk_queue *q = arg;
    char tname[16];
    snprintf(tname, sizeof(tname), "blk-d%u-%u", q->fe_domid, q->qid);
    pthread_setname_np(pthread_self(), tname);

    int rc = blk_io_start(&q->io);
    if (rc < 0) {
        qlog(q, "io_uring: %s", strerror(-rc));
        mark_broken(q, "io_uring could not start");
        return NULL;
    }
    blk_io_poll(&q->io, q->stop_fd, TAG_STOP);
    blk_io_poll(&q->io, q->port.fd, TAG_EVTCHN);
    q->evtchn_armed = true;
    /* A restarted backend runs again what it had not answered. */
    for (int i = 0; i < q->nr_rerun; i++)
        start(q, q->rerun[i]);
    if (q->resumed)
        xc_evtchn_notify(&q->port); /* answers pushed before we died may be unseen */
    for (;;) {
        blk_io_reap(&q->io, on_completion, q);
        if (!q->evtchn_armed && !q->stopping) {
            blk_io_poll(&q->io, q->port.fd, TAG_EVTCHN);
            q->evtchn_armed = true;
        }
        if (!q->broken && !q->stopping)
            take_requests(q);
        push(q);
        if ((q->stopping || q->broken) && q->inflight == 0)
            break;
        if (!q->stopping && !q->broken) {
            if (q->io.queued)
                blk_io_submit(&q->io, 0);
            /* With nothing on the disk, spin a little for the frontend's
             * next request before sleeping: one due within poll_us costs
             * no wake-up. With I/O in flight we sleep at once: completions
             * only arrive when we enter the kernel, and a spinning thread
             * would take the CPU the disk's completion work needs. */
            uint64_t until = now_ns() + q->dev->poll_us * 1000ull;
            bool work = false;
            while (!work && q->inflight == 0 && q->dev->poll_us && now_ns() < until) {
                work = ring_has_requests(q);
                if (!work)
                    __builtin_ia32_pause();
            }
            if (work || arm_and_check(q))
                continue;
        }
        rc = blk_io_submit(&q->io, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            qlog(q, "io_uring_submit_and_wait: %s", strerror(-rc));
            mark_broken(q, "io_uring failed");
            if (q->inflight)
                break; /* cannot wait for them any more */
        }
    }
    push(q);
    return NULL;
}

/* ---- start and stop ---------------------------------------------------- */

int blk_queue_start(const struct blk_queue_args *a, struct xc *xc_main, struct blk_queue **out,
                    char *why, size_t whylen)
{
    struct blk_dev *dev = a->dev;
    struct blk_queue *q = calloc(1, sizeof(*q));
    if (!q) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    q->dev = dev;
    q->qid = a->qid;
    q->fe_domid = dev->xb->fe_domid;
    q->persistent = a->persistent;
    q->resumed = a->resumed;
    q->stop_fd = -1;
    q->port.fd = q->port.kick_fd = -1;
    snprintf(q->name, sizeof(q->name), "%s q%u", dev->name, a->qid);
    q->ring_pages = 1u << a->ring_order;
    q->nr_slots = BLKIF_RING_SLOTS(a->ring_order);
    int rc;
    const char *step;

    step = "control connection";
    rc = xc_open(xc_default_rundir(), &q->xc);
    if (rc < 0)
        goto err;
    rc = xc_gnttab_open(q->xc, &q->gt);
    if (rc < 0)
        goto err;
    step = "ring-ref";
    rc = xc_gnttab_map(q->gt, q->fe_domid, q->ring_pages, a->ring_refs, false, &q->ring_map, NULL);
    if (rc < 0)
        goto err;
    step = "memory";
    rc = -ENOMEM;
    q->slots = calloc(q->nr_slots, sizeof(*q->slots));
    q->answered = calloc(q->nr_slots, sizeof(uint32_t));
    q->rerun = calloc(q->nr_slots, sizeof(uint32_t));
    if (q->persistent)
        q->pmap = calloc(BLK_GREF_LIMIT, sizeof(void *));
    if (!q->slots || !q->answered || !q->rerun || (q->persistent && !q->pmap))
        goto err;
    step = "io_uring";
    rc = blk_io_init(&q->io, 2 * q->nr_slots + 8);
    if (rc < 0)
        goto err;
    q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (q->stop_fd < 0) {
        rc = -errno;
        goto err;
    }

    /* The shadow: resume from it when this is the same connection. */
    struct shadow_id id = {.nr_ents = q->nr_slots, .fe_domid = q->fe_domid,
                           .devid = dev->xb->devid, .queue = a->qid,
                           .ring_order = a->ring_order, .evtchn = a->evtchn};
    memcpy(id.ring_refs, a->ring_refs, q->ring_pages * sizeof(uint32_t));
    const char *path = NULL;
    if (blk_config.state_dir[0]) {
        snprintf(q->shadow_path, sizeof(q->shadow_path), "%s/d%u-%u-q%u.shadow",
                 blk_config.state_dir, q->fe_domid, dev->xb->devid, a->qid);
        path = q->shadow_path;
    }
    bool resumable = false;
    step = "shadow file";
    rc = shadow_open(&q->shadow, path, &id, a->resumed, &resumable);
    if (rc < 0)
        goto err;
    blkif_sring_t *sring = q->ring_map;
    if (a->resumed && resumable) {
        uint32_t req_cons, rsp_pvt;
        rc = shadow_resume(&q->shadow, sring->rsp_prod, q->rerun, &req_cons, &rsp_pvt);
        if (rc < 0) {
            step = "resume (the ring's rsp_prod is not one we wrote)";
            goto err;
        }
        q->nr_rerun = rc;
        BACK_RING_INIT(&q->ring, sring, BLKIF_PAGE_SIZE * q->ring_pages);
        q->ring.req_cons = req_cons;
        q->ring.rsp_prod_pvt = rsp_pvt;
        q->inflight = 0;
        qlog(q, "resumed: rsp_prod %u, req_cons %u, req_prod %u, %d requests to run again",
             rsp_pvt, req_cons, sring->req_prod, q->nr_rerun);
    } else {
        /* Attach where the frontend's ring is (0 for a fresh one; after a
         * restart without a shadow, re-read what was not answered). */
        BACK_RING_INIT(&q->ring, sring, BLKIF_PAGE_SIZE * q->ring_pages);
        q->ring.rsp_prod_pvt = q->ring.req_cons = sring->rsp_prod;
        q->shadow.hdr->req_cons = q->shadow.hdr->rsp_prod_pvt = q->shadow.hdr->rsp_pushed =
            sring->rsp_prod;
        if (a->resumed)
            qlog(q, "resumed without a shadow: re-reading from rsp_prod %u", sring->rsp_prod);
    }
    if (RING_SIZE(&q->ring) != q->nr_slots) {
        rc = -EINVAL;
        step = "ring size";
        goto err;
    }
    step = "event-channel";
    rc = xc_evtchn_bind_interdomain(xc_main, q->fe_domid, a->evtchn, &q->port);
    if (rc < 0)
        goto err;
    step = "thread";
    rc = -pthread_create(&q->thread, NULL, queue_thread, q);
    if (rc < 0)
        goto err;
    q->thread_started = true;
    *out = q;
    return 0;
err:
    snprintf(why, whylen, "queue %u: %s: %s", a->qid, step, strerror(-rc));
    blk_queue_stop(q, xc_main, false);
    return rc;
}

void blk_queue_stop(struct blk_queue *q, struct xc *xc_main, bool clean)
{
    if (!q)
        return;
    if (q->thread_started) {
        uint64_t one = 1;
        if (write(q->stop_fd, &one, sizeof(one)) < 0)
            qlog(q, "cannot stop the thread");
        pthread_join(q->thread, NULL);
    }
    if (q->port.fd >= 0)
        xc_evtchn_release(xc_main, &q->port);
    if (q->io.ring.ring_fd > 0)
        blk_io_exit(&q->io);
    if (q->gt) {
        for (uint32_t i = 0; q->slots && i < q->nr_slots; i++)
            unmap_np(q, &q->slots[i]);
        while (q->regions) {
            struct region *r = q->regions;
            q->regions = r->next;
            xc_gnttab_unmap(q->gt, r->addr, r->count);
            free(r);
        }
        if (q->ring_map)
            xc_gnttab_unmap(q->gt, q->ring_map, q->ring_pages);
        xc_gnttab_close(q->gt);
    }
    if (q->xc)
        xc_close(q->xc);
    if (q->shadow.hdr)
        shadow_close(&q->shadow, clean && q->shadow_path[0] ? q->shadow_path : NULL);
    if (q->stop_fd >= 0)
        close(q->stop_fd);
    free(q->pmap);
    free(q->slots);
    free(q->answered);
    free(q->rerun);
    free(q);
}

bool blk_queue_broken(const struct blk_queue *q)
{
    return q->broken;
}

void blk_queue_stats(const struct blk_queue *q, struct blk_queue_stats *out)
{
    *out = q->st;
}
