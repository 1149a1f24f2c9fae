/*
 * hcall_grant.c - __HYPERVISOR_grant_table_op (xen-abi.md 6.3) for PVH
 * guests: decode each op's struct (copied in, then checked), call
 * gnttab.c, copy back what Xen copies back.
 *
 * What Xen's do_grant_table_op answers a PVH guest, here too: query_size,
 * setup_table, set_version, get_version, copy, swap_grant_ref, and
 * map/unmap_grant_ref. Transfer, dump_table, unmap_and_replace,
 * get_status_frames and cache_flush are -ENOSYS for PVH on Xen as well.
 *
 * Two refusals are ours:
 *   - set_version 2 is -ENOSYS with version 1 written back: Xen booted
 *     with gnttab=max-ver:1 answers exactly so ("behave as before
 *     set_version was introduced"); Linux and Mini-OS then use v1.
 *   - A guest mapping another guest's grant into its own physmap
 *     (GNTMAP_host_map, a driver domain's backend) is GNTST_general_error
 *     after every check Xen makes first: our backends run in Dom0, which
 *     maps over the control socket (gnttab_dom0.h). Copy works between
 *     guests.
 */
#include <errno.h>
#include <string.h>

#include "domain.h"
#include "gnttab.h"
#include "hypercall.h"
#include "log.h"
#include "vcpu.h"

/* Bits above the command carry a continuation (cache_flush only). */
#define GNTTABOP_CMD_MASK ((1u << 12) - 1)
#define GUEST_MAP_LOG_LIMIT 8u
#define DYING_CHECK_EVERY 256u


/*
 * Xen preempts a long batch with a continuation; we have none (the vCPU
 * loop would have to re-issue the hypercall), so a batch runs to its end,
 * except for a domain being destroyed: its results no longer matter, and
 * destroy must not wait on a guest that passed a huge count. Pause still
 * waits for the batch (see docs/grant-tables.md).
 */
static bool dying(struct hcall_ctx *c, uint32_t i)
{
    if (i == 0 || i % DYING_CHECK_EVERY)
        return false;
    pthread_mutex_lock(&c->d->lock);
    bool gone = c->d->state == XLCTL_STATE_DYING || (c->v && c->v->stop);
    pthread_mutex_unlock(&c->d->lock);
    return gone;
}

static bool is_self(struct hcall_ctx *c, domid_t dom)
{
    return dom == DOMID_SELF || dom == c->d->domid;
}

/* Xen's rcu_lock_domain_by_any_id + XSM_TARGET for an unprivileged guest:
 * itself, else permission_denied if the domain exists (Dom0 always does),
 * else bad_domain. */
static int16_t self_only(struct hcall_ctx *c, domid_t dom)
{
    if (is_self(c, dom))
        return GNTST_okay;
    domains_read_lock();
    bool exists = dom == 0 || domain_by_id(dom) != NULL;
    domains_read_unlock();
    return exists ? GNTST_permission_denied : GNTST_bad_domain;
}

static long op_setup_table(struct hcall_ctx *c, uint64_t arg, uint32_t count)
{
    if (count != 1)
        return -EINVAL;
    struct gnttab_setup_table op;
    COPY_IN(c, arg, op);
    struct gnttab *gt = c->d->gnttab;
    unsigned nr, max;
    gnttab_size(gt, &nr, &max);
    op.status = self_only(c, op.dom);
    if (op.status == GNTST_okay && (op.nr_frames > max || gnttab_grow(gt, op.nr_frames) < 0))
        op.status = GNTST_general_error;
    for (uint32_t i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
        /* PVH: where the frame sits in the guest's physmap, ~0 if nowhere. */
        xen_pfn_t gfn = physmap_gfn(&c->d->physmap, GUEST_XEN_GRANT_FIRST + i);
        uint64_t at = (uint64_t)(uintptr_t)op.frame_list.p + (uint64_t)i * sizeof(gfn);
        if (hcall_copy_to(c, at, &gfn, sizeof(gfn)) < 0)
            op.status = GNTST_bad_virt_addr;
    }
    return COPY_FIELD_OUT(c, arg, op, status) < 0 ? -EFAULT : 0;
}

static long op_query_size(struct hcall_ctx *c, uint64_t arg, uint32_t count)
{
    if (count != 1)
        return -EINVAL;
    struct gnttab_query_size op;
    COPY_IN(c, arg, op);
    op.status = self_only(c, op.dom);
    if (op.status == GNTST_okay) {
        unsigned nr, max;
        gnttab_size(c->d->gnttab, &nr, &max);
        op.nr_frames = nr;
        op.max_nr_frames = max;
    }
    return COPY_OUT(c, arg, op) < 0 ? -EFAULT : 0;
}

static long op_set_version(struct hcall_ctx *c, uint64_t arg)
{
    struct gnttab_set_version op;
    COPY_IN(c, arg, op);
    long rc = op.version == 1 ? 0 : op.version == 2 ? -ENOSYS : -EINVAL;
    op.version = 1;
    return COPY_OUT(c, arg, op) < 0 ? -EFAULT : rc;
}

static long op_get_version(struct hcall_ctx *c, uint64_t arg)
{
    struct gnttab_get_version op;
    COPY_IN(c, arg, op);
    switch (self_only(c, op.dom)) {
    case GNTST_okay:
        break;
    case GNTST_permission_denied:
        return -EPERM;
    default:
        return -ESRCH;
    }
    op.version = 1;
    return COPY_FIELD_OUT(c, arg, op, version) < 0 ? -EFAULT : 0;
}

/* ---- copy -------------------------------------------------------------- */

/* One side of a copy: a grant of `d`, or a frame of the caller. */
struct copy_side {
    struct domain *d;
    bool gref, pinned, readonly;
    grant_ref_t ref;
    uint8_t *page;
};

/* Xen's gnttab_copy_lock_domain. Read lock held. */
static int16_t copy_lock(struct hcall_ctx *c, const struct gnttab_copy_ptr *p, bool gref,
                         struct copy_side *s)
{
    if (!gref && p->domid != DOMID_SELF)
        return GNTST_permission_denied; /* only DOMID_SELF names a frame */
    s->d = is_self(c, p->domid) ? c->d : domain_by_id(p->domid);
    s->gref = gref;
    return s->d && s->d->gnttab ? GNTST_okay : GNTST_bad_domain;
}

/* Xen's gnttab_copy_claim_buf. */
static int16_t copy_claim(struct hcall_ctx *c, const struct gnttab_copy_ptr *p,
                          struct copy_side *s, bool readonly)
{
    s->readonly = readonly;
    if (s->gref) {
        int16_t rc = gnttab_acquire_page(s->d, p->u.ref, (uint16_t)c->d->domid, readonly,
                                         &s->page);
        s->pinned = rc == GNTST_okay;
        s->ref = p->u.ref;
        return rc;
    }
    s->page = gnttab_frame_page(c->d, p->u.gmfn);
    return s->page ? GNTST_okay : GNTST_bad_page;
}

static void copy_release(struct copy_side *s)
{
    if (s->pinned)
        gnttab_unpin(s->d->gnttab, s->ref, s->readonly);
    s->pinned = false;
}

static int16_t copy_one(struct hcall_ctx *c, const struct gnttab_copy *op)
{
    struct copy_side src = {0}, dst = {0};
    domains_read_lock();
    int16_t rc = copy_lock(c, &op->source, op->flags & GNTCOPY_source_gref, &src);
    if (rc == GNTST_okay)
        rc = copy_lock(c, &op->dest, op->flags & GNTCOPY_dest_gref, &dst);
    if (rc == GNTST_okay)
        rc = copy_claim(c, &op->source, &src, true);
    if (rc == GNTST_okay)
        rc = copy_claim(c, &op->dest, &dst, false);
    if (rc == GNTST_okay) {
        if ((uint32_t)op->source.offset + op->len > 4096 ||
            (uint32_t)op->dest.offset + op->len > 4096)
            rc = GNTST_bad_copy_arg;
        else /* the same page may be on both sides */
            memmove(dst.page + op->dest.offset, src.page + op->source.offset, op->len);
    }
    copy_release(&dst);
    copy_release(&src);
    domains_read_unlock();
    return rc;
}

static long op_copy(struct hcall_ctx *c, uint64_t arg, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++, arg += sizeof(struct gnttab_copy)) {
        if (dying(c, i))
            return -EINTR;
        struct gnttab_copy op;
        COPY_IN(c, arg, op);
        op.status = copy_one(c, &op);
        if (COPY_FIELD_OUT(c, arg, op, status) < 0)
            return -EFAULT;
    }
    return 0;
}

/* ---- map, unmap, swap -------------------------------------------------- */

/* Xen's checks in map_grant_ref's order, then our refusal (see top). */
static int16_t guest_map(struct hcall_ctx *c, const struct gnttab_map_grant_ref *op)
{
    if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        return GNTST_bad_gntref;
    if (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte))
        return GNTST_general_error; /* "No device mapping in HVM domain" */
    domains_read_lock();
    struct domain *rd = domain_by_id(op->dom);
    int16_t rc = GNTST_general_error;
    if (!rd || !rd->gnttab) {
        rc = GNTST_bad_domain;
    } else {
        unsigned nr, max;
        gnttab_size(rd->gnttab, &nr, &max);
        if (op->ref >= nr * GNTTAB_ENTRIES_PER_FRAME)
            rc = GNTST_bad_gntref;
    }
    domains_read_unlock();
    static unsigned logged;
    if (rc == GNTST_general_error &&
        __atomic_fetch_add(&logged, 1, __ATOMIC_RELAXED) < GUEST_MAP_LOG_LIMIT)
        log_info("d%u: mapping d%u's grant %u into a guest is not supported (general_error)",
                 c->d->domid, op->dom, op->ref);
    return rc;
}

static long op_map(struct hcall_ctx *c, uint64_t arg, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++, arg += sizeof(struct gnttab_map_grant_ref)) {
        if (dying(c, i))
            return -EINTR;
        struct gnttab_map_grant_ref op;
        COPY_IN(c, arg, op);
        op.status = guest_map(c, &op);
        if (COPY_OUT(c, arg, op) < 0)
            return -EFAULT;
    }
    return 0;
}

static long op_unmap(struct hcall_ctx *c, uint64_t arg, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++, arg += sizeof(struct gnttab_unmap_grant_ref)) {
        if (dying(c, i))
            return -EINTR;
        struct gnttab_unmap_grant_ref op;
        COPY_IN(c, arg, op);
        op.status = GNTST_bad_handle; /* a guest never holds a map handle */
        if (COPY_FIELD_OUT(c, arg, op, status) < 0)
            return -EFAULT;
    }
    return 0;
}

static long op_swap(struct hcall_ctx *c, uint64_t arg, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++, arg += sizeof(struct gnttab_swap_grant_ref)) {
        if (dying(c, i))
            return -EINTR;
        struct gnttab_swap_grant_ref op;
        COPY_IN(c, arg, op);
        op.status = gnttab_swap(c->d->gnttab, op.ref_a, op.ref_b);
        if (COPY_FIELD_OUT(c, arg, op, status) < 0)
            return -EFAULT;
    }
    return 0;
}

long hcall_grant_table_op(struct hcall_ctx *c, const uint64_t *args)
{
    /* Xen's prototype: (unsigned int cmd, handle, unsigned int count). */
    uint32_t cmd = (uint32_t)args[0], count = (uint32_t)args[2];
    uint64_t arg = args[1];
    if ((int32_t)count < 0)
        return -EINVAL;
    if ((cmd & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush && (cmd & ~GNTTABOP_CMD_MASK))
        return -EINVAL;
    if (!c->d->gnttab)
        return -ENOSYS;
    switch (cmd & GNTTABOP_CMD_MASK) {
    case GNTTABOP_map_grant_ref:
        return op_map(c, arg, count);
    case GNTTABOP_unmap_grant_ref:
        return op_unmap(c, arg, count);
    case GNTTABOP_setup_table:
        return op_setup_table(c, arg, count);
    case GNTTABOP_copy:
        return op_copy(c, arg, count);
    case GNTTABOP_query_size:
        return op_query_size(c, arg, count);
    case GNTTABOP_set_version:
        return op_set_version(c, arg);
    case GNTTABOP_get_version:
        return op_get_version(c, arg);
    case GNTTABOP_swap_grant_ref:
        return op_swap(c, arg, count);
    case GNTTABOP_dump_table:
    case GNTTABOP_transfer:
    case GNTTABOP_unmap_and_replace:
    case GNTTABOP_get_status_frames:
    case GNTTABOP_cache_flush:
        return -ENOSYS; /* not for PVH guests on Xen either */
    default:
        return hcall_unimplemented(c, "grant_table_op cmd", cmd);
    }
}
