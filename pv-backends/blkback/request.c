/*
 * request.c - checks of blkif requests copied out of the ring (see
 * request.h). The order of the checks is the order of the fields, so the
 * reason logged is the first thing wrong with a request.
 */
#include "request.h"

#include <string.h>

static int err(const char **why, const char *reason, int status)
{
    *why = reason;
    return status;
}

static bool is_write(uint8_t op)
{
    return op == BLKIF_OP_WRITE || op == BLKIF_OP_DISCARD;
}

int blk_req_parse(const blkif_request_t *wire, const struct blk_limits *lim,
                  struct blk_req *out, const char **why)
{
    out->id = wire->id;
    out->wire_op = wire->operation;
    out->op = wire->operation;
    out->indirect = false;
    out->secure = false;
    out->nr_segs = 0;
    out->nr_indirect = 0;
    out->sector = wire->sector_number;
    out->nr_sectors = 0;
    *why = NULL;

    switch (wire->operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        if (wire->nr_segments == 0)
            return err(why, "no segments", BLKIF_RSP_ERROR);
        break;
    case BLKIF_OP_FLUSH_DISKCACHE:
        if (!lim->flush)
            return err(why, "flush not offered", BLKIF_RSP_EOPNOTSUPP);
        break;
    case BLKIF_OP_DISCARD: {
        if (!lim->discard)
            return err(why, "discard not offered", BLKIF_RSP_EOPNOTSUPP);
        const blkif_request_discard_t *d = (const blkif_request_discard_t *)wire;
        out->secure = d->flag & BLKIF_DISCARD_SECURE;
        out->nr_sectors = d->nr_sectors;
        if (lim->readonly)
            return err(why, "discard on a read-only device", BLKIF_RSP_ERROR);
        if (out->nr_sectors == 0)
            return BLKIF_RSP_OKAY;
        if (out->sector + out->nr_sectors < out->sector || out->sector >= lim->sectors ||
            out->nr_sectors > lim->sectors - out->sector)
            return err(why, "discard past the end of the device", BLKIF_RSP_ERROR);
        return BLKIF_RSP_OKAY;
    }
    case BLKIF_OP_INDIRECT: {
        if (!lim->max_indirect)
            return err(why, "indirect not offered", BLKIF_RSP_EOPNOTSUPP);
        const blkif_request_indirect_t *ind = (const blkif_request_indirect_t *)wire;
        out->indirect = true;
        out->op = ind->indirect_op;
        out->sector = ind->sector_number;
        if (ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE)
            return err(why, "indirect operation is neither read nor write", BLKIF_RSP_ERROR);
        if (ind->nr_segments == 0)
            return err(why, "no segments", BLKIF_RSP_ERROR);
        if (ind->nr_segments > lim->max_indirect || ind->nr_segments > BLKIF_INDIRECT_SEGS_MAX)
            return err(why, "more indirect segments than offered", BLKIF_RSP_ERROR);
        if (lim->readonly && is_write(out->op))
            return err(why, "write to a read-only device", BLKIF_RSP_ERROR);
        out->nr_segs = ind->nr_segments;
        out->nr_indirect = (uint8_t)((out->nr_segs + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
                                     BLKIF_SEGS_PER_INDIRECT_PAGE);
        for (unsigned i = 0; i < out->nr_indirect; i++) {
            out->indirect_grefs[i] = ind->indirect_grefs[i];
            if (out->indirect_grefs[i] >= BLK_GREF_LIMIT)
                return err(why, "indirect grant ref out of range", BLKIF_RSP_ERROR);
        }
        return BLKIF_RSP_OKAY; /* the caller copies the segments, then checks them */
    }
    default:
        /* WRITE_BARRIER (never offered), reserved and unknown operations. */
        return err(why, "unknown operation", BLKIF_RSP_EOPNOTSUPP);
    }

    if (wire->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
        return err(why, "more than 11 segments", BLKIF_RSP_ERROR);
    if (lim->readonly && (out->op == BLKIF_OP_WRITE ||
                          (out->op == BLKIF_OP_FLUSH_DISKCACHE && wire->nr_segments)))
        return err(why, "write to a read-only device", BLKIF_RSP_ERROR);
    out->nr_segs = wire->nr_segments;
    for (unsigned i = 0; i < out->nr_segs; i++) {
        out->seg[i].gref = wire->seg[i].gref;
        out->seg[i].first = wire->seg[i].first_sect;
        out->seg[i].last = wire->seg[i].last_sect;
    }
    return blk_req_check_segs(out, lim, why);
}

void blk_req_copy_indirect_segs(struct blk_req *r, const void *const *pages)
{
    for (unsigned i = 0; i < r->nr_segs; i++) {
        const struct blkif_request_segment *src =
            (const struct blkif_request_segment *)pages[i / BLKIF_SEGS_PER_INDIRECT_PAGE] +
            i % BLKIF_SEGS_PER_INDIRECT_PAGE;
        struct blkif_request_segment seg;
        memcpy(&seg, src, sizeof(seg)); /* once: the guest may change it */
        r->seg[i] = (struct blk_seg){.gref = seg.gref, .first = seg.first_sect,
                                     .last = seg.last_sect};
    }
}

int blk_req_check_segs(struct blk_req *r, const struct blk_limits *lim, const char **why)
{
    uint64_t sectors = 0;
    for (unsigned i = 0; i < r->nr_segs; i++) {
        const struct blk_seg *s = &r->seg[i];
        if (s->gref >= BLK_GREF_LIMIT)
            return err(why, "grant ref out of range", BLKIF_RSP_ERROR);
        if (s->last >= BLKIF_SECTORS_PER_PAGE)
            return err(why, "segment ends past its page", BLKIF_RSP_ERROR);
        if (s->first > s->last)
            return err(why, "segment's first sector after its last", BLKIF_RSP_ERROR);
        sectors += (uint64_t)(s->last - s->first + 1);
    }
    r->nr_sectors = sectors;
    if (sectors == 0)
        return BLKIF_RSP_OKAY; /* a pure flush */
    if (r->sector + sectors < r->sector || r->sector >= lim->sectors ||
        sectors > lim->sectors - r->sector)
        return err(why, "sectors past the end of the device", BLKIF_RSP_ERROR);
    return BLKIF_RSP_OKAY;
}
