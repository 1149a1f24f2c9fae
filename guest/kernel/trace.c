/*
 * trace.c - the guest's trace ring (see trace.h).
 */
#include "kernel/trace.h"

#include "kernel/errno.h"
#include "kernel/page_alloc.h"
#include "xenbus.h"

struct xl_trace_ring *trace_ring;

int trace_init(void)
{
    if (trace_ring)
        return 0;
    struct xl_trace_ring *r = page_alloc(XL_TRACE_RING_PAGES(XL_TRACE_GUEST_RECS));
    if (!r)
        return -ENOMEM;
    r->magic = XL_TRACE_MAGIC;
    r->nrecs = XL_TRACE_GUEST_RECS;
    r->src = XL_TRACE_SRC_GUEST;
    r->domid = (uint16_t)boot.domid;
    int rc = xenbus_printf("data/trace/pages", "%u", (unsigned)XL_TRACE_RING_PAGES(XL_TRACE_GUEST_RECS));
    if (rc == 0)
        rc = xenbus_printf("data/trace/gfn", "%llu", (unsigned long long)virt_to_gfn(r));
    if (rc < 0) {
        page_free(r, XL_TRACE_RING_PAGES(XL_TRACE_GUEST_RECS));
        return rc;
    }
    __atomic_store_n(&trace_ring, r, __ATOMIC_RELEASE);
    return 0;
}
