/*
 * trace.h - trace points in the guest kernel (include/xenolith/trace.h has
 * the format; docs/tracing.md the story). trace_init() gives this domain a
 * trace ring and tells Dom0 where it is (xenstore data/trace/gfn and
 * data/trace/pages); `xl trace` maps it and sets `enabled`. Until then a
 * trace point costs one load and one branch.
 */
#ifndef GUEST_TRACE_H
#define GUEST_TRACE_H

#include <stdint.h>

#include "kernel/kernel.h"
#include "kernel/time.h"
#include "xenolith/trace.h"

extern struct xl_trace_ring *trace_ring;

/* Once, by the first driver that wants tracing (needs xenbus). 0 or -errno;
 * later calls return 0. */
int trace_init(void);

static inline void trace(uint16_t event, uint32_t dev, uint16_t queue, uint64_t id, uint32_t arg)
{
    struct xl_trace_ring *r = trace_ring;
    if (__builtin_expect(r && __atomic_load_n(&r->enabled, __ATOMIC_RELAXED), 0))
        xl_trace_put(r, time_now_ns(), event, (uint16_t)boot.domid, dev, queue, id, arg);
}

#endif
