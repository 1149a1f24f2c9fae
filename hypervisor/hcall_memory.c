/*
 * hcall_memory.c - __HYPERVISOR_memory_op (xen-abi.md 3.7): the memory map
 * and reservation queries a booting PVH guest makes, and the balloon's
 * reservation changes (reservation.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "gnttab.h"
#include "hypercall.h"
#include "log.h"
#include "reservation.h"
#include "xenolith/boot.h"

/* Bits above 6 of the command carry a continuation extent (memory.h). */
#define MEMORY_OP_CMD_MASK ((1u << 6) - 1)

/* The caller may name itself only: DOMID_SELF or its own domid. */
static int self_domid(struct hcall_ctx *c, uint64_t arg)
{
    domid_t dom;
    if (hcall_copy_from(c, &dom, arg, sizeof(dom)) < 0)
        return -EFAULT;
    if (dom != DOMID_SELF && dom != c->d->domid)
        return -EPERM;
    return 0;
}

/* The E820 map libxl gives a PVH domU: RAM, the special pages reserved,
 * RAM above 4 GiB. */
static unsigned build_e820(const struct guest_mem *m, struct xen_e820_entry *e)
{
    unsigned n = 0;
    e[n++] = (struct xen_e820_entry){0, m->low_bytes, 1};
    e[n++] = (struct xen_e820_entry){XL_SPECIAL_PFN_BASE << 12, XL_SPECIAL_PAGES * 4096ull, 2};
    if (m->high_bytes)
        e[n++] = (struct xen_e820_entry){XL_HIGHMEM_BASE, m->high_bytes, 1};
    return n;
}

static long memory_map(struct hcall_ctx *c, uint64_t arg)
{
    struct xen_memory_map map;
    if (hcall_copy_from(c, &map, arg, sizeof(map)) < 0)
        return -EFAULT;
    struct xen_e820_entry e[3];
    unsigned n = build_e820(&c->d->mem, e);
    if (map.nr_entries < n)
        n = map.nr_entries;
    uint64_t buf = (uint64_t)(uintptr_t)map.buffer.p;
    if (hcall_copy_to(c, buf, e, n * sizeof(e[0])) < 0)
        return -EFAULT;
    map.nr_entries = n;
    return hcall_copy_to(c, arg, &map.nr_entries, sizeof(map.nr_entries));
}

/* XENMEM_add_to_physmap: place a hypervisor page at a GFN of the guest's
 * choosing (physmap.h): shared_info, or a grant frame, which grows the
 * grant table to take it (gnttab.h). */
static long add_to_physmap(struct hcall_ctx *c, uint64_t arg)
{
    struct xen_add_to_physmap x;
    if (hcall_copy_from(c, &x, arg, sizeof(x)) < 0)
        return -EFAULT;
    if (x.domid != DOMID_SELF && x.domid != c->d->domid)
        return -EPERM;
    unsigned idx;
    switch (x.space) {
    case XENMAPSPACE_shared_info:
        if (x.idx != 0)
            return -EINVAL;
        idx = GUEST_XEN_SHARED_INFO;
        break;
    case XENMAPSPACE_grant_table:
        /* v1 only: a status frame (idx | XENMAPIDX_grant_table_status)
         * is past every limit, hence -EINVAL as on Xen with v1. */
        if (!c->d->gnttab || x.idx >= GUEST_GRANT_MAX_FRAMES ||
            gnttab_grow(c->d->gnttab, (unsigned)x.idx + 1) < 0)
            return -EINVAL;
        idx = GUEST_XEN_GRANT_FIRST + (unsigned)x.idx;
        break;
    default:
        return hcall_unimplemented(c, "add_to_physmap space", x.space);
    }
    return physmap_place(&c->d->physmap, &c->d->mem, c->d->vm_fd, idx, x.gpfn);
}

#define EXTENT_BATCH 256
#define MAX_EXTENT_ORDER 9   /* 2 MiB extents at most, as a PVH guest may ask */

/*
 * XENMEM_decrease_reservation, populate_physmap and increase_reservation
 * on the caller's own GFNs: extent_start[i] names 2^extent_order pages
 * from GFN extent_start[i]. Extents run from the continuation index in
 * the command's upper bits; the result is the number of extents done in
 * all (Xen's nr_done), stopping at the first that fails.
 *
 * For an auto-translated guest (all of ours), increase_reservation takes
 * the GFNs it is given, as populate_physmap does: Xen would hand back
 * frames outside the physmap, which no PVH guest can use. Nothing is
 * written back (populate_physmap's OUT is for PV guests' MFNs).
 */
static long reservation_op(struct hcall_ctx *c, uint64_t cmd, uint64_t start, uint64_t arg)
{
    struct xen_memory_reservation res;
    if (hcall_copy_from(c, &res, arg, sizeof(res)) < 0)
        return -EFAULT;
    if (res.domid != DOMID_SELF && res.domid != c->d->domid)
        return -EPERM;
    if (res.extent_order > MAX_EXTENT_ORDER)
        return (long)start; /* Xen: an order it will not do, nothing done */
    uint64_t list = (uint64_t)(uintptr_t)res.extent_start.p;
    uint64_t pages = 1ull << res.extent_order;
    bool release = cmd == XENMEM_decrease_reservation;
    uint64_t done = start;
    static __thread xen_pfn_t gfn[EXTENT_BATCH];
    while (done < res.nr_extents) {
        uint64_t n = res.nr_extents - done < EXTENT_BATCH ? res.nr_extents - done : EXTENT_BATCH;
        if (hcall_copy_from(c, gfn, list + done * sizeof(xen_pfn_t), n * sizeof(xen_pfn_t)) < 0)
            return done ? (long)done : -EFAULT;
        for (uint64_t i = 0; i < n; i++, done++) {
            for (uint64_t p = 0; p < pages; p++) {
                int rc = release ? reservation_release(c->d, gfn[i] + p)
                                 : reservation_populate(c->d, gfn[i] + p);
                if (rc < 0) {
                    /* Pages of this extent already done stay done, as on
                     * Xen; the guest learns the extent did not complete. */
                    if (c->d->unimplemented_logged++ < 8)
                        log_info("d%u: %s gfn %#llx: %s", c->d->domid,
                                 release ? "decrease_reservation" : "populate_physmap",
                                 (unsigned long long)(gfn[i] + p), strerror(-rc));
                    return (long)done;
                }
            }
        }
    }
    return (long)done;
}

long hcall_memory_op(struct hcall_ctx *c, const uint64_t *args)
{
    uint64_t cmd = args[0] & MEMORY_OP_CMD_MASK;
    int rc;
    switch (cmd) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(c, cmd, args[0] >> 6, args[1]);
    case XENMEM_memory_map:
        return memory_map(c, args[1]);
    case XENMEM_add_to_physmap:
        return add_to_physmap(c, args[1]);
    case XENMEM_maximum_ram_page: {
        long pages = sysconf(_SC_PHYS_PAGES);
        return pages > 0 ? pages - 1 : 0;
    }
    case XENMEM_current_reservation:
        rc = self_domid(c, args[1]);
        return rc < 0 ? rc : (long)reservation_current(&c->d->resv);
    case XENMEM_maximum_reservation:
        rc = self_domid(c, args[1]);
        return rc < 0 ? rc : (long)reservation_max(&c->d->resv);
    case XENMEM_maximum_gpfn:
        rc = self_domid(c, args[1]);
        if (rc < 0)
            return rc;
        if (c->d->mem.high_bytes)
            return (long)((XL_HIGHMEM_BASE + c->d->mem.high_bytes) / 4096 - 1);
        return (long)(XL_SPECIAL_PFN_BASE + XL_SPECIAL_PAGES - 1);
    default:
        return hcall_unimplemented(c, "memory_op cmd", cmd);
    }
}
