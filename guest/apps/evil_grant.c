/*
 * evil_grant.c - attacks on grant tables (evil.h): the table ops naming
 * other domains, copies from and into grants that were never given to us
 * (the victim's refs, Dom0's), refs past the end of our own table,
 * offsets and lengths past a page, frames past our RAM, maps of grants
 * that are not ours, absurd counts. Xen's answers (xen-abi.md 6.3) are
 * per-op GNTST_* statuses for the batched ops and -errno for the call.
 * Each refused copy must also leave our destination page untouched.
 */
#include "apps/evil.h"
#include "kernel/errno.h"
#include "kernel/grant.h"
#include "kernel/hypercall.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"

static uint8_t dest[4096] __attribute__((aligned(4096)));

static long gop(unsigned cmd, void *arg, unsigned count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)arg, count);
}

/* One copy; returns its status, or the call's error if the call failed. */
static long copy(domid_t sdom, uint64_t sref, uint16_t soff, domid_t ddom, uint64_t dref, uint16_t doff,
                 uint16_t len, uint16_t flags)
{
    struct gnttab_copy c = {0};
    c.source.domid = sdom;
    c.source.offset = soff;
    c.dest.domid = ddom;
    c.dest.offset = doff;
    c.len = len;
    c.flags = flags;
    if (flags & GNTCOPY_source_gref)
        c.source.u.ref = (grant_ref_t)sref;
    else
        c.source.u.gmfn = sref;
    if (flags & GNTCOPY_dest_gref)
        c.dest.u.ref = (grant_ref_t)dref;
    else
        c.dest.u.gmfn = dref;
    long rc = gop(GNTTABOP_copy, &c, 1);
    return rc < 0 ? rc : c.status;
}

static bool dest_untouched(void)
{
    for (unsigned i = 0; i < sizeof(dest); i++)
        if (dest[i] != 0xd5)
            return false;
    return true;
}

static void copy_expect(long got, long want, const char *what, unsigned arg)
{
    bool clean = dest_untouched();
    evil_expect(clean ? got : 1000 + got, want, "%s %u%s", what, arg, clean ? "" : " (wrote our page!)");
    memset(dest, 0xd5, sizeof(dest));
}

static void other_tables(void)
{
    domid_t doms[2] = {0, evil.victim};
    const char *names[2] = {"Dom0", "the victim"};
    for (unsigned i = 0; i < 2; i++) {
        if (doms[i] == DOMID_INVALID)
            continue;
        struct gnttab_query_size q = {.dom = doms[i]};
        long rc = gop(GNTTABOP_query_size, &q, 1);
        evil_expect(rc < 0 ? rc : q.status, GNTST_permission_denied, "query_size of %s", names[i]);
        xen_pfn_t frames[1];
        struct gnttab_setup_table s = {.dom = doms[i], .nr_frames = 1};
        set_xen_guest_handle(s.frame_list, frames);
        rc = gop(GNTTABOP_setup_table, &s, 1);
        evil_expect(rc < 0 ? rc : s.status, GNTST_permission_denied, "setup_table of %s", names[i]);
        struct gnttab_get_version g = {.dom = doms[i]};
        evil_expect(gop(GNTTABOP_get_version, &g, 1), -EPERM, "get_version of %s", names[i]);
    }
    struct gnttab_query_size q = {.dom = 4000};
    long rc = gop(GNTTABOP_query_size, &q, 1);
    evil_expect(rc < 0 ? rc : q.status, GNTST_bad_domain, "query_size of a domain that does not exist");
    xen_pfn_t frames[1];
    struct gnttab_setup_table s = {.dom = DOMID_SELF, .nr_frames = 0xffffffffu};
    set_xen_guest_handle(s.frame_list, frames);
    rc = gop(GNTTABOP_setup_table, &s, 1);
    evil_expect(rc < 0 ? rc : s.status, GNTST_general_error, "setup_table of 0xffffffff frames");
}

static void copies(void)
{
    uint64_t me = virt_to_gfn(dest);
    memset(dest, 0xd5, sizeof(dest));
    if (evil.victim != DOMID_INVALID) {
        /* Refs 0 and 1 are the victim's console and store pages, granted
         * to Dom0; the rest are whatever it granted, never to us. */
        for (unsigned r = 0; r < 16; r++)
            copy_expect(copy(evil.victim, r, 0, DOMID_SELF, me, 0, 64, GNTCOPY_source_gref),
                        GNTST_general_error, "copy from the victim's grant", r);
        for (unsigned r = 0; r < 4; r++)
            copy_expect(copy(DOMID_SELF, me, 0, evil.victim, r, 0, 64, GNTCOPY_dest_gref),
                        GNTST_general_error, "copy into the victim's grant", r);
        copy_expect(copy(evil.victim, 0x100, 0, DOMID_SELF, me, 0, 64, 0), GNTST_permission_denied,
                    "copy from the victim's frame (no grant)", 0x100);
        copy_expect(copy(DOMID_SELF, me, 0, evil.victim, 0x100, 0, 64, 0), GNTST_permission_denied,
                    "copy into the victim's frame (no grant)", 0x100);
        static const uint32_t far[] = {1u << 20, 0x7fffffff, 0xffffffffu};
        for (unsigned i = 0; i < 3; i++)
            copy_expect(copy(evil.victim, far[i], 0, DOMID_SELF, me, 0, 64, GNTCOPY_source_gref),
                        GNTST_bad_gntref, "copy from the victim's ref past its table", far[i]);
    }
    copy_expect(copy(4000, 2, 0, DOMID_SELF, me, 0, 64, GNTCOPY_source_gref), GNTST_bad_domain,
                "copy from a grant of domain", 4000);

    /* Our own table: refs past its end. */
    static const uint32_t far[] = {GRANT_REFS, GRANT_REFS + 1, 64u * 512u, 1u << 20, 0xffffffffu};
    for (unsigned i = 0; i < 5; i++)
        copy_expect(copy(DOMID_SELF, far[i], 0, DOMID_SELF, me, 0, 64, GNTCOPY_source_gref),
                    GNTST_bad_gntref, "copy from our own ref past the table", far[i]);
    /* A ref in range that we never filled in. */
    copy_expect(copy(DOMID_SELF, GRANT_REFS - 1, 0, DOMID_SELF, me, 0, 64, GNTCOPY_source_gref),
                GNTST_general_error, "copy from our own unused ref", GRANT_REFS - 1);
    /* Frames past our RAM. */
    static const uint64_t gfns[] = {0x100000, 1ull << 36, ~0ull >> 12};
    for (unsigned i = 0; i < 3; i++)
        copy_expect(copy(DOMID_SELF, gfns[i], 0, DOMID_SELF, me, 0, 64, 0), GNTST_bad_page,
                    "copy from our frame past RAM, gfn >> 12 =", (unsigned)(gfns[i] >> 12));
    /* Offsets and lengths past a page (our own frames: only the bounds
     * are wrong). */
    static const struct {
        uint16_t soff, doff, len;
    } bounds[] = {{0, 0, 4097}, {4095, 0, 2}, {0, 4095, 2}, {4096, 0, 1}, {0, 0, 0xffff}, {0xffff, 0xffff, 1}};
    for (unsigned i = 0; i < 6; i++)
        copy_expect(copy(DOMID_SELF, me + 1, bounds[i].soff, DOMID_SELF, me, bounds[i].doff, bounds[i].len, 0),
                    GNTST_bad_copy_arg, "copy with offsets/length past a page, case", i);
}

static void maps_and_counts(void)
{
    if (evil.victim != DOMID_INVALID) {
        for (unsigned r = 0; r < 4; r++) {
            struct gnttab_map_grant_ref m = {.host_addr = 0x3000000, .flags = GNTMAP_host_map,
                                             .ref = r, .dom = evil.victim};
            long rc = gop(GNTTABOP_map_grant_ref, &m, 1);
            /* Not granted to us: Xen's _set_status() refuses first. */
            evil_expect(rc < 0 ? rc : m.status, GNTST_general_error, "map the victim's grant %u", r);
        }
        struct gnttab_map_grant_ref m = {.host_addr = 0x3000000, .flags = GNTMAP_host_map,
                                         .ref = 0xffffffffu, .dom = evil.victim};
        long rc = gop(GNTTABOP_map_grant_ref, &m, 1);
        evil_expect(rc < 0 ? rc : m.status, GNTST_bad_gntref, "map the victim's ref 0xffffffff");
    }
    struct gnttab_unmap_grant_ref u = {.host_addr = 0x3000000, .handle = 0};
    long rc = gop(GNTTABOP_unmap_grant_ref, &u, 1);
    evil_expect(rc < 0 ? rc : u.status, GNTST_bad_handle, "unmap a handle we never got");
    struct gnttab_swap_grant_ref sw = {.ref_a = 0xffffffffu, .ref_b = 2};
    rc = gop(GNTTABOP_swap_grant_ref, &sw, 1);
    evil_expect(rc < 0 ? rc : sw.status, GNTST_bad_gntref, "swap ref 0xffffffff");

    struct gnttab_copy c = {0};
    static const uint32_t counts[] = {0x80000000u, 0xffffffffu};
    for (unsigned i = 0; i < 2; i++)
        evil_expect(gop(GNTTABOP_copy, &c, counts[i]), -EINVAL, "copy with count 0x%x", counts[i]);
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    evil_expect(gop(GNTTABOP_query_size, &q, 2), -EINVAL, "query_size with count 2");
    evil_expect(gop(GNTTABOP_query_size, &q, 0), -EINVAL, "query_size with count 0");
    evil_expect(gop(GNTTABOP_copy | (1u << 12), &c, 1), -EINVAL, "copy with continuation bits");
    evil_expect(gop(GNTTABOP_transfer, &c, 1), -ENOSYS, "transfer (not for PVH)");
}

void evil_grant(void)
{
    if (grant_init() < 0) {
        evil_expect(grant_init(), 0, "grant_init");
        return;
    }
    other_tables();
    copies();
    maps_and_counts();
}
