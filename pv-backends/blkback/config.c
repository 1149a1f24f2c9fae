/*
 * config.c - blkback's process-wide settings (blkback.h), apart from
 * main.c so the unit suites link the rest without it.
 */
#include "blkback.h"

struct blk_config blk_config = {
    .max_ring_order = BLKIF_RING_ORDER_MAX,
    .max_queues = 4,
    .max_indirect = BLKIF_INDIRECT_SEGS_MAX,
    .persistent = true,
    .flush = true,
    .discard = true,
    .direct = true,
    .poll_us = 0,
    .max_persistent = BLK_GREF_LIMIT,
};
int blk_attention_fd = -1;
bool blk_shutting_down;
