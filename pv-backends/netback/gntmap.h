/*
 * gntmap.h - persistent grant mappings for one frontend's data pages.
 *
 * netfront grants a fixed set of pages once (its tx and rx buffers) and
 * reuses their refs for every packet, so netback maps each ref the first
 * time it sees it and keeps the mapping: after warm-up a packet costs no
 * control round trip at all (a map is tens of microseconds; xen-abi.md
 * and dom0-tools/libxc/gnttab.h). Misses seen together are mapped in one
 * batch (xc_gnttab_map, up to XLCTL_GNTTAB_BATCH refs). A batch is all or
 * nothing, so when one fails the refs are retried one by one and only the
 * bad ones stay unmapped.
 *
 * The cache holds up to `limit` refs; a frontend that keeps showing new
 * refs makes netback drop the whole cache (gm_trim, between batches) and
 * start over, which costs it speed, nobody else anything.
 *
 * Read-only (tx) and writable (rx) maps live in separate caches. While a
 * ref is mapped the hypervisor keeps the guest from ending its grant, so
 * the pages stay valid until gm_flush. One thread.
 */
#ifndef NB_GNTMAP_H
#define NB_GNTMAP_H

#include <stdbool.h>
#include <stdint.h>

struct xc_gnttab;

struct gm_entry {
    uint32_t ref;
    bool used;
    void *page;
};

struct gm_batch {
    void *addr;
    uint32_t count;
};

struct gntmap {
    struct xc_gnttab *gt;
    uint32_t domid;
    bool readonly;
    unsigned limit, count, size;     /* refs cached, table slots */
    struct gm_entry *table;
    struct gm_batch *batches;
    unsigned nbatches, batch_cap;
    uint64_t maps, map_calls, failures;   /* statistics */
};

int gm_init(struct gntmap *m, struct xc_gnttab *gt, uint32_t domid, bool readonly, unsigned limit);
void gm_destroy(struct gntmap *m);        /* unmaps everything */

/* The page of ref, mapping it on a miss; NULL when the map fails. */
void *gm_get(struct gntmap *m, uint32_t ref);
/* The page of ref if cached, else NULL (never maps). */
void *gm_peek(struct gntmap *m, uint32_t ref);
/* Maps the refs among refs[0..n) not cached yet, in batches. */
void gm_prefetch(struct gntmap *m, const uint32_t *refs, unsigned n);
/* Drops everything when the cache is over its limit less `room`. */
void gm_trim(struct gntmap *m, unsigned room);
void gm_flush(struct gntmap *m);

#endif
