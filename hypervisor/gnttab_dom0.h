/*
 * gnttab_dom0.h - grant maps and grant copies for Dom0 processes, made over
 * the control socket (include/xenolith/control.h GNTTAB_*): Xen's maptrack
 * table for domain 0.
 *
 * A map pins the guest's entry (gnttab_pin, Dom0 = domid 0) and records a
 * handle owned by the control connection that asked; the process maps the
 * page itself from the domain's memory fd at the offset we give. Unmapping
 * a handle, or the connection going away, drops the pin, which clears
 * GTF_writing / GTF_reading as on Xen. When the granting domain is
 * destroyed first, its handles are orphaned: their pin went with the
 * table, the pages stay alive in the process's mapping (the memfd's pages
 * are freed only when the last mapping goes), and unmapping them later is
 * GNTST_okay.
 *
 * Main thread only (the control loop and domain_destroy run there), so
 * the handle table needs no lock; the grant tables it pins have their own.
 */
#ifndef HV_GNTTAB_DOM0_H
#define HV_GNTTAB_DOM0_H

#include <stdint.h>

#include "xenolith/control.h"

#define GNTTAB_DOM0_MAX_HANDLES (1u << 18)  /* Xen: 1024 maptrack frames x 256 */

struct domain;

/* Maps in->count refs; out gets a slot each. *fd_out is d's memory fd
 * (not to be closed) when the caller's mem_id is stale and a slot mapped,
 * else -1. Returns 0, or -EINVAL for a bad count. */
int gnttab_dom0_map(const struct xlctl_gnttab_map *in, uint32_t owner,
                    struct xlctl_gnttab_map_out *out, int *fd_out);
/* Unmaps owner's handles: GNTST_okay or GNTST_bad_handle each. */
int gnttab_dom0_unmap(const struct xlctl_gnttab_unmap *in, uint32_t owner,
                      struct xlctl_gnttab_unmap_out *out);
/*
 * Copies segments between Dom0 buffers and granted pages: `data` holds the
 * TO_GUEST bytes in segment order, `reply` gets the FROM_GUEST bytes
 * (*reply_len of them, at most reply_cap). Statuses go into io->seg[].
 * Returns 0, or -EINVAL (count, or data_len not the TO_GUEST total),
 * -EMSGSIZE (the FROM_GUEST total passes reply_cap).
 */
int gnttab_dom0_copy(struct xlctl_gnttab_copy *io, const uint8_t *data, uint32_t data_len,
                     uint8_t *reply, uint32_t reply_cap, uint32_t *reply_len);

/*
 * Xen's gnttab_mark_dirty, for live migration. Dom0's writes through its
 * mappings bypass KVM's dirty log, so while the toolstack logs d's dirty
 * pages (d->dom0_dirty allocated) a page Dom0 maps writable counts as
 * dirtied at every fetch while it stays mapped (a persistent mapping may
 * be written any time) and once more when it is unmapped: so each write
 * through a mapping shows in the fetch after it. gnttab_dom0_dirty_fetch ORs all of that into bitmap (one bit per
 * RAM page, as KVM's log) and starts the record anew.
 */
void gnttab_dom0_dirty_fetch(struct domain *d, uint64_t *bitmap);

/* The connection went away: unmap everything it still had. */
void gnttab_dom0_unmap_owned(uint32_t owner);
/* d is being destroyed: orphan the handles of its grants. */
void gnttab_dom0_domain_gone(struct domain *d);
/* Live handles (tests and logs). */
unsigned gnttab_dom0_count(void);

#endif
