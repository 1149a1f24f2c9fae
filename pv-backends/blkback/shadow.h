/*
 * shadow.h - what blkback must remember across its own death: the copy of
 * every request it took off a ring and has not yet answered, kept in a
 * small file per queue ($XENOLITH_RUNDIR/blkback/d<fe>-<devid>-q<n>.shadow),
 * mmapped MAP_SHARED. A store into it is in the page cache the moment it
 * is made, so kill -9 loses none of it (a host crash does, and then the
 * guest is gone too).
 *
 * Why the ring alone is not enough: a response is written into the slot
 * at rsp_prod_pvt, which held an older request. With completions out of
 * order that request may still be in flight when its slot is overwritten,
 * and its nr_segments is exactly what the response's 16 bytes cover. So a
 * restarted backend cannot re-read [rsp_prod, req_prod) from the ring; it
 * re-reads [hdr.req_cons, req_prod) from the ring (those slots are only
 * ever overwritten by responses that come after them) and takes the rest
 * from here.
 *
 * Protocol, per queue (one thread):
 *   take a batch:  for each request: ent = shadow_take(); copy it in
 *                  (state INFLIGHT, req_idx); then hdr.req_cons = new cons
 *   answer:        shadow_answer(ent, rsp_idx) for each response written
 *                  (state ANSWERED, rsp_idx); hdr.rsp_prod_pvt = ...;
 *                  write sring->rsp_prod; hdr.rsp_pushed = it; then
 *                  shadow_free() each answered entry
 *   resume:        shadow_resume(sring->rsp_prod): ANSWERED with rsp_idx
 *                  below rsp_prod were seen by the guest: free; ANSWERED
 *                  above it and INFLIGHT ones taken before hdr.req_cons
 *                  are re-run; INFLIGHT ones at or past hdr.req_cons are
 *                  dropped (the ring still holds them).
 *
 * The header names the connection (frontend domid, devid, queue, ring
 * refs, event channel), so a file left from another connection is never
 * mistaken for this one's.
 */
#ifndef BLKBACK_SHADOW_H
#define BLKBACK_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/blkif.h"

#define SHADOW_MAGIC   0x42534844u /* "DHSB" */
#define SHADOW_VERSION 1u

enum shadow_state { SHADOW_FREE = 0, SHADOW_INFLIGHT = 1, SHADOW_ANSWERED = 2 };

struct shadow_ent {
    uint32_t state;            /* enum shadow_state */
    uint32_t req_idx;          /* ring index the request came from */
    uint32_t rsp_idx;          /* ring index of its response, once ANSWERED */
    uint32_t pad;
    blkif_request_t req;       /* as copied from the ring */
};

struct shadow_hdr {
    uint32_t magic, version;
    uint32_t nr_ents;          /* ring slots */
    uint32_t fe_domid, devid, queue;
    uint32_t ring_order, evtchn;
    uint32_t ring_refs[1u << BLKIF_RING_ORDER_MAX];
    uint32_t req_cons;         /* requests before this are in entries */
    uint32_t rsp_prod_pvt;     /* responses before this are written */
    uint32_t rsp_pushed;       /* last value stored to sring->rsp_prod */
    uint32_t pad;
};

struct shadow {
    struct shadow_hdr *hdr;
    struct shadow_ent *ent;    /* nr_ents */
    uint32_t *free_list;       /* private: indexes of FREE entries */
    uint32_t nr_free;
    uint64_t map_len;
    int fd;
};

/* Identity of a connection, as the header records it. */
struct shadow_id {
    uint32_t nr_ents, fe_domid, devid, queue, ring_order, evtchn;
    uint32_t ring_refs[1u << BLKIF_RING_ORDER_MAX];
};

/* Opens (creating) path, sized for id->nr_ents. If resume and the file
 * already describes this connection, its contents are kept and *resumable
 * is set; otherwise it is reset. path NULL: anonymous memory (tests,
 * or no run directory). 0 or -errno. */
int shadow_open(struct shadow *s, const char *path, const struct shadow_id *id, bool resume,
                bool *resumable);
/* Removes the file (a clean disconnect) and unmaps. */
void shadow_close(struct shadow *s, const char *path_to_unlink);

/* A FREE entry, or -1 when none (more in flight than ring slots). */
int shadow_take(struct shadow *s, const blkif_request_t *req, uint32_t req_idx);
void shadow_answer(struct shadow *s, uint32_t ent, uint32_t rsp_idx);
void shadow_free(struct shadow *s, uint32_t ent);

/*
 * After a restart: the guest's rsp_prod tells which answers it saw. Fills
 * rerun[] with the entries to run again (in req_idx order) and returns
 * how many, sets *req_cons and *rsp_prod_pvt for the ring; -EPROTO when
 * rsp_prod is not one we could have written (the guest scribbled on it).
 */
int shadow_resume(struct shadow *s, uint32_t rsp_prod, uint32_t *rerun, uint32_t *req_cons,
                  uint32_t *rsp_prod_pvt);

#endif
