/*
 * ring_take.h - taking new requests off a blkif ring into the shadow
 * journal: the one place blkback reads the frontend's request slots.
 *
 * The shared ring is guest memory, live and hostile. req_prod is read
 * once, checked against the responses we have produced (a frontend can
 * never have more than a ring's worth of requests unanswered), and each
 * slot in [req_cons, req_prod) is copied once into a free shadow entry;
 * everything after this works on those copies (request.h checks them).
 *
 * Pure apart from the ring and the shadow it is given: no I/O, no
 * globals. Called by the queue's own thread (queue.c), and by the fuzz
 * harness tests/fuzz/blkif on a ring in ordinary memory.
 */
#ifndef BLKBACK_RING_TAKE_H
#define BLKBACK_RING_TAKE_H

#include <stdint.h>

#include "shadow.h"
#include "xenolith/blkif.h"

/*
 * Copies every request the frontend has produced since ring->req_cons into
 * shadow entries (shadow_take), writing their entry numbers to started[]
 * (room for nr_slots) and their count to *n, then advances ring->req_cons
 * and the shadow's req_cons past them.
 *
 * Returns 0, or -EPROTO with *why when the ring is impossible: req_prod
 * more than nr_slots ahead of ring->rsp_prod_pvt, or more requests in
 * flight than shadow entries. Then req_cons is left where it was; the
 * *n entries already copied stay in the shadow and the caller stops the
 * queue. *n is set in both cases (the caller traces what was copied).
 */
int blk_ring_take(blkif_back_ring_t *ring, uint32_t nr_slots, struct shadow *sh,
                  uint32_t *started, uint32_t *n, const char **why);

#endif
