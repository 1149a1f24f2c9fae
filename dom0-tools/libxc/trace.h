/*
 * trace.h - trace points in Dom0 programs (the hypervisor daemon, blkback,
 * netback) and the reader side `xl trace` uses. Format and rules:
 * include/xenolith/trace.h; the story: docs/tracing.md.
 *
 * Files under $XENOLITH_RUNDIR/trace/:
 *   control          one byte per domid (XL_TRACE_MAX_DOMID): non-zero =
 *                    trace that domain. Created by whoever comes first.
 *   <name>.<pid>     each writer's ring (struct xl_trace_ring), mmapped.
 * A writer that cannot set its files up just never traces (one log line
 * from the caller); nothing else depends on them.
 */
#ifndef XC_TRACE_H
#define XC_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "xenolith/trace.h"

extern volatile uint8_t *xc_trace_control;   /* NULL until xc_trace_open */
extern struct xl_trace_ring *xc_trace_self;

/* Sets up this process as writer `src`, its ring named after `name`.
 * 0 or -errno. */
int xc_trace_open(const char *rundir, uint16_t src, const char *name);

static inline bool xc_trace_on(uint32_t domid)
{
    volatile uint8_t *c = xc_trace_control;
    return __builtin_expect(c != 0 && domid < XL_TRACE_MAX_DOMID && c[domid], 0);
}

static inline void xc_trace(uint16_t event, uint32_t domid, uint32_t dev, uint16_t queue,
                            uint64_t id, uint32_t arg)
{
    if (!xc_trace_on(domid))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    xl_trace_put(xc_trace_self, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
                 event, (uint16_t)domid, dev, queue, id, arg);
}

/* ---- reader side (xl trace) ---- */

/* Turns tracing of domid on or off for every Dom0 writer. 0 or -errno. */
int xc_trace_set(const char *rundir, uint32_t domid, bool on);

/* A ring being read and how far. */
struct xc_trace_reader {
    const struct xl_trace_ring *ring;
    uint64_t next;            /* next slot to read */
    uint64_t lost;            /* records overwritten before we read them */
};

/* Starts reading at the ring's current end (older records are not ours). */
void xc_trace_reader_init(struct xc_trace_reader *rd, const struct xl_trace_ring *ring);
/* Copies up to max published records for domid into out; returns how many. */
unsigned xc_trace_read(struct xc_trace_reader *rd, uint32_t domid, struct xl_trace_rec *out,
                       unsigned max);

#endif
