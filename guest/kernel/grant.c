/*
 * grant.c - the guest side of grant tables v1: Linux's and Mini-OS's
 * protocol (xen-abi.md 6.2). Granting publishes domid and frame before the
 * flags (a peer that sees GTF_permit_access sees the rest); ending access
 * is a compare-and-swap of the flags to 0 that fails while the hypervisor
 * has GTF_reading or GTF_writing set, so a page a backend still maps is
 * never reused under it.
 */
#include "kernel/grant.h"

#include "kernel/errno.h"
#include "kernel/hypercall.h"

static uint8_t frames[GRANT_FRAMES][4096] __attribute__((aligned(4096)));
grant_entry_v1_t *grant_table;
unsigned grant_frames;
unsigned grant_nr_refs;

static uint64_t in_use[GRANT_REFS / 64];  /* bit set: ref handed out */
static volatile int lock;

static void lock_refs(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

static void unlock_refs(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

int grant_init(void)
{
    if (grant_table)
        return 0;
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
    if (rc < 0)
        return (int)rc;
    if (q.status != GNTST_okay || q.max_nr_frames < 1)
        return -ENOSPC;
    /* As Linux: as many frames as we want, up to the domain's limit
     * (xl.cfg max_grant_frames). */
    unsigned want = q.max_nr_frames < GRANT_FRAMES ? q.max_nr_frames : GRANT_FRAMES;
    for (unsigned i = 0; i < want; i++) {
        struct xen_add_to_physmap x = {
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_grant_table,
            .idx = i,
            .gpfn = (uint64_t)(uintptr_t)frames[i] >> 12, /* 1:1 mapped */
        };
        rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
        if (rc < 0)
            return (int)rc;
    }
    for (unsigned r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++)
        in_use[r / 64] |= 1ull << (r % 64);
    grant_frames = want;
    grant_nr_refs = want * (4096u / sizeof(grant_entry_v1_t));
    grant_table = (grant_entry_v1_t *)frames;
    return 0;
}

static bool ref_ours(grant_ref_t ref)
{
    return ref >= GNTTAB_NR_RESERVED_ENTRIES && ref < grant_nr_refs &&
           (in_use[ref / 64] & (1ull << (ref % 64)));
}

int grant_access(domid_t domid, uint64_t gfn, bool readonly, grant_ref_t *ref)
{
    lock_refs();
    grant_ref_t r = GRANT_REFS;
    for (unsigned w = 0; w < grant_nr_refs / 64 && r == GRANT_REFS; w++) {
        if (~in_use[w]) {
            r = w * 64 + (unsigned)__builtin_ctzll(~in_use[w]);
            in_use[w] |= 1ull << (r % 64);
        }
    }
    unlock_refs();
    if (r == GRANT_REFS)
        return -ENOSPC;
    grant_entry_v1_t *e = &grant_table[r];
    e->domid = domid;
    e->frame = (uint32_t)gfn;
    __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
                     __ATOMIC_RELEASE);
    *ref = r;
    return 0;
}

int grant_end_access(grant_ref_t ref)
{
    lock_refs();
    bool ours = ref_ours(ref);
    unlock_refs();
    if (!ours)
        return -EINVAL;
    uint16_t *flags = &grant_table[ref].flags;
    uint16_t f = __atomic_load_n(flags, __ATOMIC_ACQUIRE);
    do {
        if (f & (GTF_reading | GTF_writing))
            return -EBUSY;
    } while (!__atomic_compare_exchange_n(flags, &f, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    lock_refs();
    in_use[ref / 64] &= ~(1ull << (ref % 64));
    unlock_refs();
    return 0;
}

uint16_t grant_flags(grant_ref_t ref)
{
    return ref < GRANT_REFS && grant_table ? __atomic_load_n(&grant_table[ref].flags, __ATOMIC_ACQUIRE)
                                           : 0;
}
