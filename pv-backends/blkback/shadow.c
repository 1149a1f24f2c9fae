/*
 * shadow.c - the per-queue restart journal (see shadow.h).
 */
#include "shadow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* a - b as a signed distance on the free-running u32 ring indexes */
static int32_t idx_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

static bool same_id(const struct shadow_hdr *h, const struct shadow_id *id)
{
    return h->magic == SHADOW_MAGIC && h->version == SHADOW_VERSION &&
           h->nr_ents == id->nr_ents && h->fe_domid == id->fe_domid && h->devid == id->devid &&
           h->queue == id->queue && h->ring_order == id->ring_order && h->evtchn == id->evtchn &&
           memcmp(h->ring_refs, id->ring_refs, sizeof(h->ring_refs)) == 0;
}

static void reset(struct shadow *s, const struct shadow_id *id)
{
    struct shadow_hdr *h = s->hdr;
    memset(s->hdr, 0, s->map_len);
    h->nr_ents = id->nr_ents;
    h->fe_domid = id->fe_domid;
    h->devid = id->devid;
    h->queue = id->queue;
    h->ring_order = id->ring_order;
    h->evtchn = id->evtchn;
    memcpy(h->ring_refs, id->ring_refs, sizeof(h->ring_refs));
    h->version = SHADOW_VERSION;
    __atomic_store_n(&h->magic, SHADOW_MAGIC, __ATOMIC_RELEASE);
}

static void rebuild_free_list(struct shadow *s)
{
    s->nr_free = 0;
    for (uint32_t i = s->hdr->nr_ents; i-- > 0;)
        if (s->ent[i].state == SHADOW_FREE)
            s->free_list[s->nr_free++] = i;
}

int shadow_open(struct shadow *s, const char *path, const struct shadow_id *id, bool resume,
                bool *resumable)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    *resumable = false;
    s->map_len = sizeof(struct shadow_hdr) + (uint64_t)id->nr_ents * sizeof(struct shadow_ent);
    s->map_len = (s->map_len + 4095) & ~4095ull;
    bool fresh = true;
    void *p;
    if (path) {
        s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->fd < 0)
            return -errno;
        off_t size = lseek(s->fd, 0, SEEK_END);
        if (size == (off_t)s->map_len)
            fresh = false;
        else if (ftruncate(s->fd, (off_t)s->map_len) < 0) {
            int e = errno;
            close(s->fd);
            return -e;
        }
        p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    } else {
        p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (p == MAP_FAILED) {
        int e = errno;
        if (s->fd >= 0)
            close(s->fd);
        return -e;
    }
    s->hdr = p;
    s->ent = (struct shadow_ent *)(s->hdr + 1);
    s->free_list = calloc(id->nr_ents, sizeof(uint32_t));
    if (!s->free_list) {
        munmap(p, s->map_len);
        if (s->fd >= 0)
            close(s->fd);
        return -ENOMEM;
    }
    if (resume && !fresh && same_id(s->hdr, id)) {
        *resumable = true;
        /* States are only ever ours, but the file is not trusted blindly. */
        for (uint32_t i = 0; i < id->nr_ents; i++)
            if (s->ent[i].state > SHADOW_ANSWERED)
                s->ent[i].state = SHADOW_FREE;
    } else {
        reset(s, id);
    }
    rebuild_free_list(s);
    return 0;
}

void shadow_close(struct shadow *s, const char *path_to_unlink)
{
    if (s->hdr)
        munmap(s->hdr, s->map_len);
    if (s->fd >= 0)
        close(s->fd);
    if (path_to_unlink)
        unlink(path_to_unlink);
    free(s->free_list);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}

int shadow_take(struct shadow *s, const blkif_request_t *req, uint32_t req_idx)
{
    if (s->nr_free == 0)
        return -1;
    uint32_t i = s->free_list[--s->nr_free];
    struct shadow_ent *e = &s->ent[i];
    e->req = *req;
    e->req_idx = req_idx;
    e->rsp_idx = 0;
    __atomic_store_n(&e->state, SHADOW_INFLIGHT, __ATOMIC_RELEASE);
    return (int)i;
}

void shadow_answer(struct shadow *s, uint32_t i, uint32_t rsp_idx)
{
    struct shadow_ent *e = &s->ent[i];
    e->rsp_idx = rsp_idx;
    __atomic_store_n(&e->state, SHADOW_ANSWERED, __ATOMIC_RELEASE);
}

void shadow_free(struct shadow *s, uint32_t i)
{
    __atomic_store_n(&s->ent[i].state, SHADOW_FREE, __ATOMIC_RELEASE);
    s->free_list[s->nr_free++] = i;
}

int shadow_resume(struct shadow *s, uint32_t rsp_prod, uint32_t *rerun, uint32_t *req_cons,
                  uint32_t *rsp_prod_pvt)
{
    struct shadow_hdr *h = s->hdr;
    /* We stored rsp_prod (rsp_pushed) only after writing it to the ring, and
     * never wrote past rsp_prod_pvt: anything outside that window is the
     * guest's doing. */
    if (idx_diff(rsp_prod, h->rsp_pushed) < 0 || idx_diff(h->rsp_prod_pvt, rsp_prod) < 0 ||
        idx_diff(h->req_cons, h->rsp_prod_pvt) < 0 ||
        (uint32_t)idx_diff(h->req_cons, rsp_prod) > h->nr_ents)
        return -EPROTO;
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->nr_ents; i++) {
        struct shadow_ent *e = &s->ent[i];
        if (e->state == SHADOW_ANSWERED) {
            if (idx_diff(e->rsp_idx, rsp_prod) < 0) {
                e->state = SHADOW_FREE; /* the guest has this answer */
                continue;
            }
            e->state = SHADOW_INFLIGHT; /* written, never pushed: again */
        }
        if (e->state == SHADOW_INFLIGHT) {
            if (idx_diff(e->req_idx, h->req_cons) >= 0) {
                e->state = SHADOW_FREE; /* the ring still holds it */
                continue;
            }
            /* keep rerun[] ordered by req_idx (insertion: at most a ring) */
            uint32_t j = n++;
            while (j > 0 && idx_diff(s->ent[rerun[j - 1]].req_idx, e->req_idx) > 0) {
                rerun[j] = rerun[j - 1];
                j--;
            }
            rerun[j] = i;
        }
    }
    rebuild_free_list(s);
    *req_cons = h->req_cons;
    *rsp_prod_pvt = rsp_prod;
    h->rsp_prod_pvt = rsp_prod;
    h->rsp_pushed = rsp_prod;
    return (int)n;
}
