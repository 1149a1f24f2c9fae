/*
 * grant.h - grant tables v1 in the guest (xen-abi.md 6.2): the table's
 * frames placed in our physmap with XENMEM_add_to_physmap, and granting a
 * page to another domain and taking it back safely.
 *
 * grant_init() places GRANT_FRAMES frames over pages of our own image (as
 * Mini-OS places shared_info; Linux and newer Mini-OS use a hole, which
 * the hypervisor takes as well). Refs 0-7 are reserved (0 console, 1
 * xenstore, filled by the domain builder); grant_access() hands out the
 * others. Any vCPU; grant_init() before the rest, from one vCPU.
 */
#ifndef GUEST_GRANT_H
#define GUEST_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/xen.h"

#define GRANT_FRAMES 8u      /* 4096 refs: netfront keeps 514 per queue */
#define GRANT_REFS   (GRANT_FRAMES * 4096u / sizeof(grant_entry_v1_t))

extern grant_entry_v1_t *grant_table;
/* What grant_init placed: GRANT_FRAMES, or fewer when the domain's limit
 * (max_grant_frames) is lower; refs [0, grant_nr_refs) exist. */
extern unsigned grant_frames;
extern unsigned grant_nr_refs;

/* Maps the table (once; later calls return 0). 0 or -errno. */
int grant_init(void);

/* Grants domid access to the page at gfn (read-only or not): writes domid
 * and frame, then the flags, in that order. 0 with *ref, -ENOSPC. */
int grant_access(domid_t domid, uint64_t gfn, bool readonly, grant_ref_t *ref);

/* Ends a grant made by grant_access: 0 and the ref is free again, or
 * -EBUSY while the peer still maps or copies the page (GTF_reading or
 * GTF_writing): the page must not be reused yet; try again later.
 * -EINVAL if ref is not one of ours. */
int grant_end_access(grant_ref_t ref);

/* The hypervisor's flags on ref right now (GTF_*). */
uint16_t grant_flags(grant_ref_t ref);

#endif
