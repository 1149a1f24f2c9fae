/*
 * request.h - turning a blkif request, already copied out of the shared
 * ring, into a checked struct blk_req that the I/O engine can run without
 * looking at guest memory again (xen-abi.md 10.2).
 *
 * Every field the frontend wrote is checked here and nowhere else:
 *   - the operation: READ, WRITE, FLUSH_DISKCACHE, DISCARD, INDIRECT (and
 *     its indirect_op READ or WRITE) where the device offers them; anything
 *     else (WRITE_BARRIER, reserved, 7..255) is BLKIF_RSP_EOPNOTSUPP;
 *   - nr_segments: 1..11 for READ/WRITE, 0..11 for FLUSH, 1..max indirect
 *     segments for INDIRECT; the number of indirect pages it needs;
 *   - each segment: first_sect <= last_sect <= 7 (inside the 4 KiB page),
 *     and a gref below the grant table's largest possible size;
 *   - the sector range: sector_number + sectors must not wrap and must not
 *     pass the end of the device;
 *   - writes (and discards) to a read-only device: BLKIF_RSP_ERROR.
 * A failed check returns the blkif status to answer with and a reason for
 * the log; the request is answered and nothing else happens.
 *
 * Pure functions of their arguments: no I/O, no globals; any thread.
 */
#ifndef BLKBACK_REQUEST_H
#define BLKBACK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/blkif.h"

/* Largest grant ref a guest can have: 64 frames of 512 v1 entries. */
#define BLK_GREF_LIMIT (64u * 512u)

/* What the device offers (xenstore features) and how big it is. */
struct blk_limits {
    uint64_t sectors;          /* device size in 512-byte sectors */
    bool readonly;
    bool flush;                /* feature-flush-cache */
    bool discard;              /* feature-discard */
    uint32_t max_indirect;     /* feature-max-indirect-segments; 0: no indirect */
};

struct blk_seg {
    uint32_t gref;
    uint8_t first, last;       /* sectors within the page, inclusive */
};

/* A checked request. For an indirect request, blk_req_parse() fills the
 * header and the indirect grefs; the caller maps those pages, copies the
 * segments into seg[] and calls blk_req_check_segs(). */
struct blk_req {
    uint64_t id;
    uint8_t op;                /* BLKIF_OP_READ/WRITE/FLUSH_DISKCACHE/DISCARD */
    uint8_t wire_op;           /* operation as sent (echoed in the response) */
    bool indirect;
    bool secure;               /* discard flag (ignored: discard-secure 0) */
    uint16_t nr_segs;
    uint8_t nr_indirect;       /* indirect pages */
    uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint64_t sector;           /* first 512-byte sector */
    uint64_t nr_sectors;       /* total (discard: from the request) */
    struct blk_seg seg[BLKIF_INDIRECT_SEGS_MAX];
};

/*
 * Checks the copied request *wire against lim and fills *out. For a
 * direct request the segments are checked too and the request is ready.
 * Returns BLKIF_RSP_OKAY (0), or BLKIF_RSP_ERROR / BLKIF_RSP_EOPNOTSUPP
 * with *why set to a static reason; out->id and out->wire_op are always
 * set so the caller can answer.
 */
int blk_req_parse(const blkif_request_t *wire, const struct blk_limits *lim,
                  struct blk_req *out, const char **why);

/*
 * For an indirect request that blk_req_parse() accepted: copies its
 * nr_segs segments, once each, out of the mapped indirect pages
 * (pages[0..nr_indirect), 4096 bytes each, guest memory that may change
 * under us) into r->seg[]. Checks nothing: blk_req_check_segs() does.
 */
void blk_req_copy_indirect_segs(struct blk_req *r, const void *const *pages);

/*
 * Checks out->seg[0..nr_segs) (copied from the indirect pages by the
 * caller, or by blk_req_parse for a direct request), sums the sectors and
 * checks the range against the device. Same returns as blk_req_parse.
 */
int blk_req_check_segs(struct blk_req *r, const struct blk_limits *lim, const char **why);

/* Bytes the request moves (0 for flush and discard). */
static inline uint64_t blk_req_bytes(const struct blk_req *r)
{
    return (r->op == BLKIF_OP_DISCARD) ? 0 : r->nr_sectors << BLKIF_SECTOR_SHIFT;
}

#endif
