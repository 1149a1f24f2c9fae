/*
 * gnttab.h - a domain's grant table, version 1 (xen-abi.md 6): the frames
 * of grant entries the guest writes, and the hypervisor's side of every
 * use of a grant: pinning an entry for a mapping or a copy and flagging it
 * GTF_reading / GTF_writing exactly as Xen's _set_status_v1 does.
 *
 * The frames are hypervisor pages GUEST_XEN_GRANT_FIRST.. of the domain's
 * memory (guest_mem.h); the guest places them in its physmap with
 * XENMEM_add_to_physmap (physmap.h). The table starts with one frame and
 * grows, never shrinks, up to the domain's limit (at most
 * GUEST_GRANT_MAX_FRAMES = 64, Xen's default gnttab_max_frames).
 *
 * Beside each entry the hypervisor keeps an "active" record, as Xen does:
 * how many read-only and writable uses pin it, which domain pinned it, and
 * the frame read when the first pin was taken. While an entry is pinned
 * its guest-visible flags carry GTF_reading (any use) and GTF_writing (any
 * writable use), and later pins by the same domain trust the record, not
 * the entry, which the guest may since have rewritten.
 *
 * Worked example (guest d3 grants GFN 0x1234 writable to Dom0, ref 9):
 *   guest:  entry 9 = {flags permit_access, domid 0, frame 0x1234}
 *   Dom0 maps ref 9 rw  -> pin: entry checked and flags |= reading|writing
 *                          in one compare-and-swap; active {wr 1, dom 0}
 *   Dom0 maps ref 9 ro  -> active {rd 1, wr 1}; entry not re-read
 *   guest ends access   -> sees reading|writing, must not reuse the page
 *   Dom0 unmaps the rw  -> active {rd 1}: flags &= ~writing
 *   Dom0 unmaps the ro  -> active {}: flags &= ~reading; the guest may now
 *                          compare-and-swap flags to 0 and reuse ref 9
 *
 * Locking: each table has its own mutex; the grant entries themselves are
 * shared with the guest and touched only with atomics. A caller that
 * reaches another domain's table holds domains_read_lock() (domain.h).
 * Callable from any thread. Status results are GNTST_* (grant_table.h).
 */
#ifndef HV_GNTTAB_H
#define HV_GNTTAB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "xenolith/xen.h"

#define GNTTAB_ENTRIES_PER_FRAME (4096u / sizeof(grant_entry_v1_t))  /* 512 */
#define GNTTAB_PIN_MAX 128u  /* uses of one kind per entry, as Xen's 8-bit counts */

struct domain;

struct gnttab_active {
    uint16_t rd, wr;        /* read-only and writable uses now */
    uint16_t domid;         /* the domain using it, while rd + wr > 0 */
    uint64_t gfn;           /* frame read at the first pin */
};

struct gnttab {
    pthread_mutex_t lock;
    unsigned nr_frames;     /* frames in use: entries 0 .. 512 * nr_frames - 1 */
    unsigned max_frames;    /* this domain's limit */
    uint64_t serial;        /* unique per domain instance for the daemon's life */
    grant_entry_v1_t *frame[GUEST_GRANT_MAX_FRAMES];  /* the shared pages */
    struct gnttab_active *active[GUEST_GRANT_MAX_FRAMES]; /* 512 per frame */
};

/*
 * Creates d's table with one frame. max_frames 0 means the default
 * (GUEST_GRANT_MAX_FRAMES). Reserved refs 0 and 1 are filled for Dom0 as
 * Xen's domain builder does (GNTTAB_RESERVED_CONSOLE / _XENSTORE), with the
 * frames of d's console and xenstore pages. 0, -EINVAL (max_frames above
 * the limit), -ENOMEM.
 */
int gnttab_init(struct domain *d, unsigned max_frames);
/* Frees the table (domain destroy: nothing may pin it any more). */
void gnttab_destroy(struct domain *d);

/* Grows the table to at least nr frames: 0, -EINVAL past the limit, -ENOMEM. */
int gnttab_grow(struct gnttab *gt, unsigned nr);
void gnttab_size(struct gnttab *gt, unsigned *nr_frames, unsigned *max_frames);

/* A restored domain's table: its frames came from a save image, whose
 * entries still carry the GTF_reading/GTF_writing of the old domain's
 * mappings. Nothing maps a new domain yet: clears them and every use. */
void gnttab_forget_uses(struct gnttab *gt);

/*
 * Pins entry `ref` of d for a use by domain `user` (0 for Dom0): a map
 * (map = true: a GTF_sub_page entry is refused) or a copy. Returns
 * GNTST_okay with *gfn = the granted frame, or
 *   GNTST_bad_gntref   ref outside the table
 *   GNTST_general_error  wrong type or domid, write use of a GTF_readonly
 *                      entry, pinned by another domain, GNTTAB_PIN_MAX
 *                      uses, or the entry kept changing under five
 *                      compare-and-swaps (a racing guest).
 */
int16_t gnttab_pin(struct gnttab *gt, grant_ref_t ref, uint16_t user, bool readonly, bool map,
                   uint64_t *gfn);
/* Drops one use taken by gnttab_pin(); clears GTF_writing when the last
 * writable use goes and GTF_reading when the last use goes. */
void gnttab_unpin(struct gnttab *gt, grant_ref_t ref, bool readonly);

/*
 * Pin + reach the granted page: *page is the daemon's pointer to it.
 * Besides gnttab_pin's results, GNTST_bad_page when the frame is not
 * the domain's memory (nothing there, or a hole).
 */
int16_t gnttab_acquire_page(struct domain *d, grant_ref_t ref, uint16_t user, bool readonly,
                            uint8_t **page);
/* Pin + the granted page's offset in d's memory fd (Dom0 mappings). */
int16_t gnttab_acquire_offset(struct domain *d, grant_ref_t ref, uint16_t user, bool readonly,
                              uint64_t *offset);

/* A page of d by GFN: the daemon's pointer, or NULL; its fd offset, or -1.
 * Hypervisor pages placed in the physmap count as the domain's. */
uint8_t *gnttab_frame_page(struct domain *d, uint64_t gfn);
int64_t gnttab_frame_offset(struct domain *d, uint64_t gfn);

/* GNTTABOP_swap_grant_ref: GNTST_okay, bad_gntref, eagain (one is pinned). */
int16_t gnttab_swap(struct gnttab *gt, grant_ref_t a, grant_ref_t b);

/*
 * For the unit tests only (0 in the daemon): a hook run before every
 * compare-and-swap of an entry, to race it as a guest would, and faults
 * that break the flag discipline on purpose, to show the tests can fail.
 */
extern void (*gnttab_test_before_cas)(grant_entry_v1_t *e);
#define GNTTAB_FAULT_KEEP_WRITING 1u  /* unpin forgets to clear GTF_writing */
extern unsigned gnttab_test_faults;

#endif
