/*
 * blkif.h - the one way Xenolith includes Xen's blkif protocol (io/blkif.h
 * over io/ring.h; xen-abi.md 8 and 10), for blkback and blkfront alike.
 * The static asserts pin every size and offset the two drivers rely on.
 *
 * Limits both sides share:
 *   BLKIF_RING_ORDER_MAX   max-ring-page-order we offer / accept (16 pages,
 *                          512 slots; Linux's default is 4 too)
 *   BLKIF_QUEUES_MAX       multi-queue-max-queues ceiling
 *   BLKIF_INDIRECT_SEGS_MAX feature-max-indirect-segments we offer: 256
 *                          segments = 1 MiB in one request, one indirect page
 *   BLKIF_SEGS_PER_INDIRECT_PAGE 512 (4096 / 8)
 */
#ifndef XENOLITH_BLKIF_H
#define XENOLITH_BLKIF_H

#include "xenolith/xen.h"

/* io/ring.h leaves its barriers to the includer. x86 keeps loads in order
 * and stores in order, so read and write barriers only stop the compiler;
 * the full barrier (a store then a load of the peer's index) is mfence. */
#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif
#include <xen/io/ring.h>
#include <xen/io/blkif.h>

#define BLKIF_PAGE_SIZE              4096u
#define BLKIF_SECTOR_SHIFT           9
#define BLKIF_SECTORS_PER_PAGE       8u
#define BLKIF_RING_ORDER_MAX         4u
#define BLKIF_QUEUES_MAX             8u
#define BLKIF_INDIRECT_SEGS_MAX      256u
#define BLKIF_SEGS_PER_INDIRECT_PAGE (BLKIF_PAGE_SIZE / sizeof(struct blkif_request_segment))
/* Slots in a ring of 2^order pages. */
#define BLKIF_RING_SLOTS(order)      (32u << (order))

_Static_assert(sizeof(struct blkif_request_segment) == 8, "blkif_request_segment size");
_Static_assert(offsetof(struct blkif_request_segment, gref) == 0, "segment.gref");
_Static_assert(offsetof(struct blkif_request_segment, first_sect) == 4, "segment.first_sect");
_Static_assert(offsetof(struct blkif_request_segment, last_sect) == 5, "segment.last_sect");

_Static_assert(sizeof(struct blkif_request) == 112, "blkif_request size (x86_64-abi)");
_Static_assert(offsetof(struct blkif_request, operation) == 0, "request.operation");
_Static_assert(offsetof(struct blkif_request, nr_segments) == 1, "request.nr_segments");
_Static_assert(offsetof(struct blkif_request, handle) == 2, "request.handle");
_Static_assert(offsetof(struct blkif_request, id) == 8, "request.id");
_Static_assert(offsetof(struct blkif_request, sector_number) == 16, "request.sector_number");
_Static_assert(offsetof(struct blkif_request, seg) == 24, "request.seg");

_Static_assert(sizeof(struct blkif_request_discard) <= 112, "blkif_request_discard fits");
_Static_assert(offsetof(struct blkif_request_discard, flag) == 1, "discard.flag");
_Static_assert(offsetof(struct blkif_request_discard, id) == 8, "discard.id");
_Static_assert(offsetof(struct blkif_request_discard, sector_number) == 16, "discard.sector_number");
_Static_assert(offsetof(struct blkif_request_discard, nr_sectors) == 24, "discard.nr_sectors");

_Static_assert(sizeof(struct blkif_request_indirect) <= 112, "blkif_request_indirect fits");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_op) == 1, "indirect.indirect_op");
_Static_assert(offsetof(struct blkif_request_indirect, nr_segments) == 2, "indirect.nr_segments");
_Static_assert(offsetof(struct blkif_request_indirect, id) == 8, "indirect.id");
_Static_assert(offsetof(struct blkif_request_indirect, sector_number) == 16, "indirect.sector_number");
_Static_assert(offsetof(struct blkif_request_indirect, handle) == 24, "indirect.handle");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_grefs) == 28, "indirect.indirect_grefs");

_Static_assert(sizeof(struct blkif_response) == 16, "blkif_response size");
_Static_assert(offsetof(struct blkif_response, id) == 0, "response.id");
_Static_assert(offsetof(struct blkif_response, operation) == 8, "response.operation");
_Static_assert(offsetof(struct blkif_response, status) == 10, "response.status");

_Static_assert(offsetof(struct blkif_sring, req_prod) == 0, "sring.req_prod");
_Static_assert(offsetof(struct blkif_sring, req_event) == 4, "sring.req_event");
_Static_assert(offsetof(struct blkif_sring, rsp_prod) == 8, "sring.rsp_prod");
_Static_assert(offsetof(struct blkif_sring, rsp_event) == 12, "sring.rsp_event");
_Static_assert(offsetof(struct blkif_sring, ring) == 64, "sring.ring");
_Static_assert(__CONST_RING_SIZE(blkif, 4096) == 32, "32 blkif slots in one page");
_Static_assert(__CONST_RING_SIZE(blkif, 4096 << BLKIF_RING_ORDER_MAX) ==
                   BLKIF_RING_SLOTS(BLKIF_RING_ORDER_MAX),
               "slots of the largest ring");
_Static_assert(BLKIF_INDIRECT_SEGS_MAX <=
                   BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BLKIF_SEGS_PER_INDIRECT_PAGE,
               "indirect segments fit the indirect pages");

#endif
