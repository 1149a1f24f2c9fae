/*
 * gnttab.c - grant tables v1: the table's frames and size, and the flag
 * discipline of xen/common/grant_table.c (_set_status_v1, unmap_common_
 * complete, release_grant_for_copy) for every use of a grant, whether a
 * Dom0 mapping (gnttab_dom0.c) or a GNTTABOP_copy (hcall_grant.c).
 *
 * The check and the flagging of an entry are one 32-bit compare-and-swap
 * over flags and domid together, as Xen does for v1: the guest cannot
 * change the domid or the type between our check and our flagging, so no
 * re-check is needed afterwards (v2, with flags and status in separate
 * words, needs one; we have no v2). A guest that keeps changing the word
 * gets five tries, then GNTST_general_error: it cannot livelock a vCPU
 * thread or the daemon.
 */
#include "gnttab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "physmap.h"
#include "xenolith/boot.h"

_Static_assert(GUEST_GRANT_MAX_FRAMES == XLCTL_GNTTAB_MAX_FRAMES, "one frame limit");
_Static_assert(GNTTAB_PIN_MAX <= UINT16_MAX, "pin counts fit");

#define CAS_TRIES 5

void (*gnttab_test_before_cas)(grant_entry_v1_t *e);
unsigned gnttab_test_faults;

static uint64_t next_serial = 1;

static struct gnttab_active *active_of(struct gnttab *gt, grant_ref_t ref)
{
    return &gt->active[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static grant_entry_v1_t *entry_of(struct gnttab *gt, grant_ref_t ref)
{
    return &gt->frame[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

/* flags (low half) and domid (high half) of an entry, as one word, which
 * Xen's union grant_combo also reads them as. */
typedef uint32_t __attribute__((may_alias)) combo_t;

static combo_t *combo_of(grant_entry_v1_t *e)
{
    return (combo_t *)(void *)e;
}

static bool ref_valid(const struct gnttab *gt, grant_ref_t ref)
{
    return ref < gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

int gnttab_grow(struct gnttab *gt, unsigned nr)
{
    pthread_mutex_lock(&gt->lock);
    int rc = nr > gt->max_frames ? -EINVAL : 0;
    while (rc == 0 && gt->nr_frames < nr) {
        unsigned f = gt->nr_frames;
        gt->active[f] = calloc(GNTTAB_ENTRIES_PER_FRAME, sizeof(struct gnttab_active));
        if (!gt->active[f])
            rc = -ENOMEM;
        else
            gt->nr_frames = f + 1; /* the frame's page is zero: never used before */
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

void gnttab_forget_uses(struct gnttab *gt)
{
    pthread_mutex_lock(&gt->lock);
    for (unsigned f = 0; f < gt->nr_frames; f++) {
        for (unsigned i = 0; i < GNTTAB_ENTRIES_PER_FRAME; i++) {
            __atomic_and_fetch(&gt->frame[f][i].flags, (uint16_t)~(GTF_reading | GTF_writing),
                               __ATOMIC_ACQ_REL);
            gt->active[f][i] = (struct gnttab_active){0};
        }
    }
    pthread_mutex_unlock(&gt->lock);
}

void gnttab_size(struct gnttab *gt, unsigned *nr_frames, unsigned *max_frames)
{
    pthread_mutex_lock(&gt->lock);
    *nr_frames = gt->nr_frames;
    *max_frames = gt->max_frames;
    pthread_mutex_unlock(&gt->lock);
}

/* Xen's builder pre-fills the console and xenstore grants for their
 * backends in Dom0 (xc_dom_gnttab_seed). */
static void seed(struct gnttab *gt, uint64_t console_gfn, uint64_t store_gfn)
{
    grant_entry_v1_t *e = gt->frame[0];
    e[GNTTAB_RESERVED_CONSOLE] = (grant_entry_v1_t){GTF_permit_access, 0, (uint32_t)console_gfn};
    e[GNTTAB_RESERVED_XENSTORE] = (grant_entry_v1_t){GTF_permit_access, 0, (uint32_t)store_gfn};
}

int gnttab_init(struct domain *d, unsigned max_frames)
{
    if (max_frames == 0)
        max_frames = GUEST_GRANT_MAX_FRAMES;
    if (max_frames > GUEST_GRANT_MAX_FRAMES)
        return -EINVAL;
    struct gnttab *gt = calloc(1, sizeof(*gt));
    if (!gt)
        return -ENOMEM;
    pthread_mutex_init(&gt->lock, NULL);
    gt->max_frames = max_frames;
    gt->serial = __atomic_fetch_add(&next_serial, 1, __ATOMIC_RELAXED);
    for (unsigned f = 0; f < GUEST_GRANT_MAX_FRAMES; f++)
        gt->frame[f] = guest_mem_xen_page(&d->mem, GUEST_XEN_GRANT_FIRST + f);
    int rc = gt->frame[0] ? gnttab_grow(gt, 1) : -EINVAL;
    if (rc < 0) {
        pthread_mutex_destroy(&gt->lock);
        free(gt);
        return rc;
    }
    seed(gt, d->hvm_params[HVM_PARAM_CONSOLE_PFN], d->hvm_params[HVM_PARAM_STORE_PFN]);
    d->gnttab = gt;
    return 0;
}

void gnttab_destroy(struct domain *d)
{
    struct gnttab *gt = d->gnttab;
    if (!gt)
        return;
    for (unsigned f = 0; f < gt->nr_frames; f++)
        free(gt->active[f]);
    pthread_mutex_destroy(&gt->lock);
    free(gt);
    d->gnttab = NULL;
}

/*
 * Xen's _set_status_v1: check the entry (unless already pinned) and set
 * GTF_reading, plus GTF_writing for a write use, in one compare-and-swap
 * of flags+domid. Table locked.
 */
static int16_t set_status(grant_entry_v1_t *e, bool pinned, bool readonly, bool map,
                          uint16_t user)
{
    combo_t *combo = combo_of(e);
    uint16_t type_mask = GTF_type_mask | (map ? GTF_sub_page : 0);
    uint32_t old = __atomic_load_n(combo, __ATOMIC_ACQUIRE);
    for (unsigned tries = 1;; tries++) {
        uint16_t flags = (uint16_t)old, domid = (uint16_t)(old >> 16);
        if (!pinned && ((flags & type_mask) != GTF_permit_access || domid != user))
            return GNTST_general_error;
        uint16_t want = flags | GTF_reading;
        if (!readonly) {
            if (flags & GTF_readonly)
                return GNTST_general_error;
            want |= GTF_writing;
        }
        if (gnttab_test_before_cas)
            gnttab_test_before_cas(e);
        uint32_t new = (old & 0xffff0000u) | want;
        if (__atomic_compare_exchange_n(combo, &old, new, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries == CAS_TRIES)
            return GNTST_general_error; /* "shared grant entry is unstable" */
        /* old now holds what the guest wrote meanwhile: check it again. */
    }
}

static void clear_flags(grant_entry_v1_t *e, uint16_t bits)
{
    __atomic_fetch_and(&e->flags, (uint16_t)~bits, __ATOMIC_ACQ_REL);
}

int16_t gnttab_pin(struct gnttab *gt, grant_ref_t ref, uint16_t user, bool readonly, bool map,
                   uint64_t *gfn)
{
    pthread_mutex_lock(&gt->lock);
    int16_t rc = GNTST_okay;
    if (!ref_valid(gt, ref)) {
        rc = GNTST_bad_gntref;
        goto out;
    }
    struct gnttab_active *act = active_of(gt, ref);
    grant_entry_v1_t *e = entry_of(gt, ref);
    bool pinned = act->rd || act->wr;
    /* Pinned: only its user may add uses, and no count may overflow. */
    if (pinned && (act->domid != user || act->rd >= GNTTAB_PIN_MAX || act->wr >= GNTTAB_PIN_MAX)) {
        rc = GNTST_general_error;
        goto out;
    }
    if (!pinned || (!readonly && act->wr == 0)) {
        rc = set_status(e, pinned, readonly, map, user);
        if (rc != GNTST_okay)
            goto out;
        if (!pinned) {
            act->domid = user;
            act->gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
        }
    }
    if (readonly)
        act->rd++;
    else
        act->wr++;
    *gfn = act->gfn;
out:
    pthread_mutex_unlock(&gt->lock);
    return rc;
}

void gnttab_unpin(struct gnttab *gt, grant_ref_t ref, bool readonly)
{
    pthread_mutex_lock(&gt->lock);
    struct gnttab_active *act = active_of(gt, ref);
    uint16_t bits = 0;
    if (readonly) {
        act->rd--;
    } else {
        act->wr--;
        if (act->wr == 0 && !(gnttab_test_faults & GNTTAB_FAULT_KEEP_WRITING))
            bits |= GTF_writing;
    }
    if (act->rd == 0 && act->wr == 0)
        bits |= GTF_reading;
    if (bits)
        clear_flags(entry_of(gt, ref), bits);
    pthread_mutex_unlock(&gt->lock);
}

uint8_t *gnttab_frame_page(struct domain *d, uint64_t gfn)
{
    int idx = physmap_find(&d->physmap, gfn);
    if (idx >= 0)
        return guest_mem_xen_page(&d->mem, (unsigned)idx);
    if (gfn >= (1ull << 52))
        return NULL;
    return guest_mem_gpa(&d->mem, gfn << 12, 4096);
}

int64_t gnttab_frame_offset(struct domain *d, uint64_t gfn)
{
    int idx = physmap_find(&d->physmap, gfn);
    if (idx >= 0)
        return (int64_t)(d->mem.xen_off + (uint64_t)idx * 4096);
    if (gfn >= (1ull << 52))
        return -1;
    long long off = xl_gpa_to_offset(d->mem.low_bytes, d->mem.high_bytes, gfn << 12, 4096);
    return off < 0 ? -1 : off;
}

int16_t gnttab_acquire_page(struct domain *d, grant_ref_t ref, uint16_t user, bool readonly,
                            uint8_t **page)
{
    uint64_t gfn;
    int16_t rc = gnttab_pin(d->gnttab, ref, user, readonly, false, &gfn);
    if (rc != GNTST_okay)
        return rc;
    *page = gnttab_frame_page(d, gfn);
    if (!*page) {
        gnttab_unpin(d->gnttab, ref, readonly);
        return GNTST_bad_page;
    }
    return GNTST_okay;
}

int16_t gnttab_acquire_offset(struct domain *d, grant_ref_t ref, uint16_t user, bool readonly,
                              uint64_t *offset)
{
    uint64_t gfn;
    int16_t rc = gnttab_pin(d->gnttab, ref, user, readonly, true, &gfn);
    if (rc != GNTST_okay)
        return rc;
    int64_t off = gnttab_frame_offset(d, gfn);
    if (off < 0) {
        gnttab_unpin(d->gnttab, ref, readonly);
        return GNTST_bad_page;
    }
    *offset = (uint64_t)off;
    return GNTST_okay;
}

int16_t gnttab_swap(struct gnttab *gt, grant_ref_t a, grant_ref_t b)
{
    pthread_mutex_lock(&gt->lock);
    int16_t rc = GNTST_okay;
    if (!ref_valid(gt, a) || !ref_valid(gt, b))
        rc = GNTST_bad_gntref;
    else if (a != b) {
        struct gnttab_active *aa = active_of(gt, a), *ab = active_of(gt, b);
        if (aa->rd || aa->wr || ab->rd || ab->wr) {
            rc = GNTST_eagain;
        } else {
            /* Not atomic against the guest, as on Xen: it asked for it. */
            grant_entry_v1_t t = *entry_of(gt, a);
            *entry_of(gt, a) = *entry_of(gt, b);
            *entry_of(gt, b) = t;
        }
    }
    pthread_mutex_unlock(&gt->lock);
    return rc;
}
