/*
 * ring_take.c - copies new blkif requests off the shared ring into the
 * shadow journal (see ring_take.h).
 */
#include "ring_take.h"

#include <errno.h>
#include <string.h>

int blk_ring_take(blkif_back_ring_t *ring, uint32_t nr_slots, struct shadow *sh,
                  uint32_t *started, uint32_t *n, const char **why)
{
    *n = 0;
    *why = NULL;
    RING_IDX rp = ring->sring->req_prod;
    xen_rmb(); /* req_prod before the slots it covers */
    /* Unsigned distance on free-running indexes: a req_prod behind
     * rsp_prod_pvt wraps to a huge value and is refused the same way. */
    if (rp - ring->rsp_prod_pvt > nr_slots) {
        *why = "req_prod is more than a ring ahead of our responses";
        return -EPROTO;
    }
    RING_IDX rc = ring->req_cons;
    while (rc != rp) {
        blkif_request_t copy;
        memcpy(&copy, RING_GET_REQUEST(ring, rc), sizeof(copy)); /* once: the guest may change it */
        int ent = shadow_take(sh, &copy, rc);
        if (ent < 0) {
            *why = "more requests in flight than ring slots";
            return -EPROTO;
        }
        started[(*n)++] = (uint32_t)ent;
        rc++;
    }
    ring->req_cons = rc;
    __atomic_store_n(&sh->hdr->req_cons, rc, __ATOMIC_RELEASE);
    return 0;
}
