/*
 * hcall_memory.c - __HYPERVISOR_memory_op (xen-abi.md 3.7): the memory map
 * and reservation queries a booting PVH guest makes.
 */
#include <errno.h>
#include <unistd.h>

#include "domain.h"
#include "gnttab.h"
#include "hypercall.h"
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

long hcall_memory_op(struct hcall_ctx *c, const uint64_t *args)
{
    uint64_t cmd = args[0] & MEMORY_OP_CMD_MASK;
    int rc;
    switch (cmd) {
    case XENMEM_memory_map:
        return memory_map(c, args[1]);
    case XENMEM_add_to_physmap:
        return add_to_physmap(c, args[1]);
    case XENMEM_maximum_ram_page: {
        long pages = sysconf(_SC_PHYS_PAGES);
        return pages > 0 ? pages - 1 : 0;
    }
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        rc = self_domid(c, args[1]);
        return rc < 0 ? rc : (long)guest_mem_ram_pages(&c->d->mem);
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
