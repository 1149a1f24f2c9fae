/*
 * grant_selftest.c - app=grant-selftest [max=M]: the guest's own check of
 * grant tables v1 against Xen's rules (xen-abi.md 6): table set-up and
 * growth, frames in our image and in a hole above RAM, version refusal,
 * GNTTABOP_copy through grants we give ourselves, and every misuse with
 * Xen's exact error. M is the max_grant_frames the domain was created with
 * (default 64). One "PASS name" or "FAIL name: ..." line each, then a
 * summary.
 */
#include "kernel/errno.h"
#include "kernel/grant.h"
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "xenolith/boot.h"

#define NO_DOMAIN 4000u
#define BIG_REF (1u << 20)

static int passed, failed;
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static uint8_t spare[4096] __attribute__((aligned(4096)));
static xen_pfn_t frame_list[GRANT_FRAMES + 2];

static void expect(const char *name, long got, long want)
{
    if (got == want) {
        passed++;
        printf("PASS %s\n", name);
    } else {
        failed++;
        printf("FAIL %s: got %ld, want %ld\n", name, got, want);
    }
}

static long op(unsigned cmd, void *arg, unsigned count)
{
    return HYPERVISOR_grant_table_op(cmd, arg, count);
}

static uint64_t gfn_of(const void *p)
{
    return (uint64_t)(uintptr_t)p >> 12; /* 1:1 */
}

static long place_frame(uint64_t idx, uint64_t gfn)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                   .idx = idx, .gpfn = gfn};
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static int16_t setup(domid_t dom, uint32_t nr, long *rc)
{
    struct gnttab_setup_table s = {.dom = dom, .nr_frames = nr, .status = 99};
    set_xen_guest_handle(s.frame_list, frame_list);
    *rc = op(GNTTABOP_setup_table, &s, 1);
    return s.status;
}

static void table(uint64_t max)
{
    expect("grant_init", grant_init(), 0);
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    expect("query_size", op(GNTTABOP_query_size, &q, 1), 0);
    expect("query_size status", q.status, GNTST_okay);
    expect("query_size: the frames we placed", q.nr_frames, grant_frames);
    expect("query_size: the domain's limit", q.max_nr_frames, (long)max);
    expect("query_size with count 2 is EINVAL", op(GNTTABOP_query_size, &q, 2), -EINVAL);
    q = (struct gnttab_query_size){.dom = NO_DOMAIN};
    op(GNTTABOP_query_size, &q, 1);
    expect("query_size of a missing domain is bad_domain", q.status, GNTST_bad_domain);
    q = (struct gnttab_query_size){.dom = (domid_t)boot.domid};
    op(GNTTABOP_query_size, &q, 1);
    expect("query_size by our own domid", q.status, GNTST_okay);

    long rc;
    struct gnttab_setup_table s = {.dom = DOMID_SELF, .nr_frames = 1};
    expect("setup_table with count 0 is EINVAL", op(GNTTABOP_setup_table, &s, 0), -EINVAL);
    expect("setup_table with count 2 is EINVAL", op(GNTTABOP_setup_table, &s, 2), -EINVAL);
    expect("setup_table of a missing domain is bad_domain", setup(NO_DOMAIN, 1, &rc),
           GNTST_bad_domain);
    expect("setup_table past the limit is general_error", setup(DOMID_SELF, (uint32_t)max + 1, &rc),
           GNTST_general_error);
    expect("setup_table of our frames", setup(DOMID_SELF, grant_frames, &rc), GNTST_okay);
    bool ours = true;
    for (unsigned i = 0; i < grant_frames; i++)
        ours = ours && frame_list[i] == gfn_of((uint8_t *)grant_table + i * 4096);
    expect("setup_table lists the GFNs where we placed them", ours, 1);
    unsigned grown = grant_frames + 2;
    if (max >= grown) {
        expect("setup_table grows the table by 2", setup(DOMID_SELF, grown, &rc), GNTST_okay);
        expect("a frame never placed is ~0", frame_list[grown - 1] == ~(xen_pfn_t)0, 1);
        q = (struct gnttab_query_size){.dom = DOMID_SELF};
        op(GNTTABOP_query_size, &q, 1);
        expect("query_size after growing", q.nr_frames, grown);
    }
    struct gnttab_setup_table bad = {.dom = DOMID_SELF, .nr_frames = 1};
    set_xen_guest_handle(bad.frame_list, (xen_pfn_t *)0x7fff00000000ul);
    op(GNTTABOP_setup_table, &bad, 1);
    expect("setup_table into an unmapped list is bad_virt_addr", bad.status, GNTST_bad_virt_addr);

    expect("a frame past the limit is EINVAL", place_frame(max, gfn_of(spare)), -EINVAL);
    expect("a v2 status frame is EINVAL", place_frame(0 | XENMAPIDX_grant_table_status, gfn_of(spare)),
           -EINVAL);

    grant_entry_v1_t c = grant_table[GNTTAB_RESERVED_CONSOLE], x = grant_table[GNTTAB_RESERVED_XENSTORE];
    expect("ref 0 is the console page, for Dom0",
           c.flags == GTF_permit_access && c.domid == 0 &&
               c.frame == XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE, 1);
    expect("ref 1 is the xenstore page, for Dom0",
           x.flags == GTF_permit_access && x.domid == 0 &&
               x.frame == XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE, 1);
}

/* Maps [gpa, +2 MiB) 1:1 with a large page if nothing maps it yet. */
static bool map_2m(uint64_t gpa, bool unmap)
{
    const uint64_t addr_mask = 0x000ffffffffff000ull, P = 1, RW = 2, US = 4, PS = 0x80;
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    uint64_t e = ((uint64_t *)(uintptr_t)(cr3 & addr_mask))[(gpa >> 39) & 511];
    if (!(e & P))
        return false;
    e = ((uint64_t *)(uintptr_t)(e & addr_mask))[(gpa >> 30) & 511];
    if (!(e & P) || (e & PS))
        return false;
    uint64_t *pde = &((uint64_t *)(uintptr_t)(e & addr_mask))[(gpa >> 21) & 511];
    if (unmap)
        *pde = 0;
    else if (!(*pde & P))
        *pde = (gpa & ~((1ull << 21) - 1)) | P | RW | US | PS; /* U=1: kvm_pvm (boot.h) */
    __asm__ volatile("invlpg (%0)" : : "r"(gpa) : "memory");
    return true;
}

/* Frame 5 in a hole above RAM (where Linux and Mini-OS put frames), then
 * moved over a page of our image: what we wrote through the hole stays. */
static void hole(void)
{
    uint64_t hole_gfn = boot.nr_pages; /* first GFN past low RAM */
    unsigned idx = grant_frames + 1;   /* a frame past ours, never placed */
    long rc;
    expect("place a frame in the hole above RAM", place_frame(idx, hole_gfn), 0);
    setup(DOMID_SELF, idx + 1, &rc);
    expect("setup_table reports the hole's GFN", frame_list[idx] == hole_gfn, 1);
    if (!map_2m(hole_gfn << 12, false)) {
        expect("map the hole in our page tables", 0, 1);
        return;
    }
    grant_entry_v1_t *f = (grant_entry_v1_t *)(uintptr_t)(hole_gfn << 12);
    f[7] = (grant_entry_v1_t){.flags = 0, .domid = 0x1234, .frame = 0xabcdef};
    expect("move the frame over a page of our image", place_frame(idx, gfn_of(spare)), 0);
    map_2m(hole_gfn << 12, true);
    grant_entry_v1_t got = ((grant_entry_v1_t *)spare)[7];
    expect("the entry written through the hole moved with the frame",
           got.domid == 0x1234 && got.frame == 0xabcdef, 1);
    setup(DOMID_SELF, idx + 1, &rc);
    expect("setup_table reports the new GFN", frame_list[idx] == gfn_of(spare), 1);
}

static void versions(void)
{
    struct gnttab_set_version v = {.version = 1};
    expect("set_version 1", op(GNTTABOP_set_version, &v, 1), 0);
    expect("set_version 1 reports 1", v.version, 1);
    v.version = 2;
    expect("set_version 2 is refused (ENOSYS, as Xen with max-ver:1)", op(GNTTABOP_set_version, &v, 1),
           -ENOSYS);
    expect("and reports version 1", v.version, 1);
    v.version = 3;
    expect("set_version 3 is EINVAL", op(GNTTABOP_set_version, &v, 1), -EINVAL);
    struct gnttab_get_version g = {.dom = DOMID_SELF};
    expect("get_version", op(GNTTABOP_get_version, &g, 1), 0);
    expect("get_version says 1", g.version, 1);
    g.dom = NO_DOMAIN;
    expect("get_version of a missing domain is ESRCH", op(GNTTABOP_get_version, &g, 1), -ESRCH);
    struct gnttab_transfer t = {0};
    expect("transfer is ENOSYS for PVH", op(GNTTABOP_transfer, &t, 1), -ENOSYS);
    expect("an unknown op is ENOSYS", op(99, &t, 1), -ENOSYS);
    expect("continuation bits on query_size are EINVAL", op(GNTTABOP_query_size | (1u << 12), &t, 1),
           -EINVAL);
}

static int16_t copy(grant_ref_t sref, uint64_t sgmfn, domid_t sdom, uint16_t soff, bool sgref,
                    grant_ref_t dref, uint64_t dgmfn, domid_t ddom, uint16_t doff, bool dgref,
                    uint16_t len)
{
    struct gnttab_copy c = {.len = len, .status = 99};
    if (sgref)
        c.source.u.ref = sref;
    else
        c.source.u.gmfn = sgmfn;
    if (dgref)
        c.dest.u.ref = dref;
    else
        c.dest.u.gmfn = dgmfn;
    c.source.domid = sdom;
    c.source.offset = soff;
    c.dest.domid = ddom;
    c.dest.offset = doff;
    c.flags = (uint16_t)((sgref ? GNTCOPY_source_gref : 0) | (dgref ? GNTCOPY_dest_gref : 0));
    long rc = op(GNTTABOP_copy, &c, 1);
    return rc < 0 ? (int16_t)-1000 : c.status;
}

static void copies(void)
{
    domid_t me = (domid_t)boot.domid;
    for (unsigned i = 0; i < 4096; i++) {
        page_a[i] = (uint8_t)(i * 7 + 3);
        page_b[i] = 0;
    }
    grant_ref_t a, ro, dom0;
    expect("grant page A to ourselves", grant_access(me, gfn_of(page_a), false, &a), 0);
    expect("grant page A read-only to ourselves", grant_access(me, gfn_of(page_a), true, &ro), 0);
    expect("grant page A to Dom0", grant_access(0, gfn_of(page_a), false, &dom0), 0);
    uint64_t b = gfn_of(page_b);

    expect("copy from our grant to our frame",
           copy(a, 0, DOMID_SELF, 100, true, 0, b, DOMID_SELF, 200, false, 300), GNTST_okay);
    bool same = true;
    for (unsigned i = 0; i < 300; i++)
        same = same && page_b[200 + i] == page_a[100 + i];
    expect("the bytes arrived", same && page_b[199] == 0 && page_b[500] == 0, 1);
    expect("flags are clear after the copy", grant_flags(a), GTF_permit_access);
    page_b[0] = 0xee;
    expect("copy from our frame into our grant",
           copy(0, b, DOMID_SELF, 0, false, a, 0, me, 4095, true, 1), GNTST_okay);
    expect("that byte arrived", page_a[4095], 0xee);
    expect("copy from a read-only grant",
           copy(ro, 0, me, 0, true, 0, b, DOMID_SELF, 0, false, 16), GNTST_okay);
    expect("copy into a read-only grant is general_error",
           copy(0, b, DOMID_SELF, 0, false, ro, 0, me, 0, true, 16), GNTST_general_error);
    expect("offset + len past the page is bad_copy_arg",
           copy(a, 0, me, 4000, true, 0, b, DOMID_SELF, 0, false, 200), GNTST_bad_copy_arg);
    expect("dest offset + len past the page is bad_copy_arg",
           copy(a, 0, me, 0, true, 0, b, DOMID_SELF, 3900, false, 200), GNTST_bad_copy_arg);
    expect("a frame named by our numeric domid is permission_denied",
           copy(0, b, me, 0, false, a, 0, me, 0, true, 1), GNTST_permission_denied);
    expect("a ref past the table is bad_gntref",
           copy(BIG_REF, 0, me, 0, true, 0, b, DOMID_SELF, 0, false, 1), GNTST_bad_gntref);
    expect("a grant for Dom0 is general_error to us",
           copy(dom0, 0, me, 0, true, 0, b, DOMID_SELF, 0, false, 1), GNTST_general_error);
    expect("a grant in a missing domain is bad_domain",
           copy(a, 0, NO_DOMAIN, 0, true, 0, b, DOMID_SELF, 0, false, 1), GNTST_bad_domain);
    expect("an unused ref is general_error",
           copy(grant_nr_refs - 1, 0, me, 0, true, 0, b, DOMID_SELF, 0, false, 1), GNTST_general_error);
    expect("a frame past our memory is bad_page",
           copy(a, 0, me, 0, true, 0, 0x7ffffffffull, DOMID_SELF, 0, false, 1), GNTST_bad_page);
    expect("flags are clear after the failures", grant_flags(a), GTF_permit_access);
    expect("flags of the read-only grant too", grant_flags(ro), GTF_permit_access | GTF_readonly);

    expect("end access to A", grant_end_access(a), 0);
    expect("end access twice is EINVAL", grant_end_access(a), -EINVAL);
    expect("end access of a reserved ref is EINVAL", grant_end_access(1), -EINVAL);
    expect("the ended grant is no use any more",
           copy(a, 0, me, 0, true, 0, b, DOMID_SELF, 0, false, 1), GNTST_general_error);
    grant_end_access(ro);
    grant_end_access(dom0);
}

static void maps_and_swap(void)
{
    domid_t me = (domid_t)boot.domid;
    grant_ref_t x, y;
    grant_access(me, gfn_of(page_a), false, &x);
    grant_access(0, gfn_of(page_b), true, &y);
    struct gnttab_map_grant_ref m = {.flags = 0, .ref = x, .dom = me};
    op(GNTTABOP_map_grant_ref, &m, 1);
    expect("map without host_map or device_map is bad_gntref", m.status, GNTST_bad_gntref);
    m = (struct gnttab_map_grant_ref){.flags = GNTMAP_host_map | GNTMAP_device_map, .ref = x, .dom = me};
    op(GNTTABOP_map_grant_ref, &m, 1);
    expect("device_map from a PVH guest is general_error", m.status, GNTST_general_error);
    m = (struct gnttab_map_grant_ref){.flags = GNTMAP_host_map, .ref = x, .dom = NO_DOMAIN};
    op(GNTTABOP_map_grant_ref, &m, 1);
    expect("map from a missing domain is bad_domain", m.status, GNTST_bad_domain);
    m = (struct gnttab_map_grant_ref){.flags = GNTMAP_host_map, .ref = BIG_REF, .dom = me};
    op(GNTTABOP_map_grant_ref, &m, 1);
    expect("map of a ref past the table is bad_gntref", m.status, GNTST_bad_gntref);
    m = (struct gnttab_map_grant_ref){.host_addr = gfn_of(spare) << 12, .flags = GNTMAP_host_map,
                                      .ref = x, .dom = me};
    op(GNTTABOP_map_grant_ref, &m, 1);
    expect("mapping into a guest is general_error (not supported)", m.status, GNTST_general_error);
    struct gnttab_unmap_grant_ref u = {.handle = 5};
    op(GNTTABOP_unmap_grant_ref, &u, 1);
    expect("unmap of a handle never given is bad_handle", u.status, GNTST_bad_handle);

    struct gnttab_swap_grant_ref s = {.ref_a = x, .ref_b = y};
    op(GNTTABOP_swap_grant_ref, &s, 1);
    expect("swap two grants", s.status, GNTST_okay);
    expect("they swapped", grant_table[x].domid == 0 && grant_table[y].domid == me &&
                               grant_table[x].frame == gfn_of(page_b), 1);
    s.ref_b = BIG_REF;
    op(GNTTABOP_swap_grant_ref, &s, 1);
    expect("swap with a ref past the table is bad_gntref", s.status, GNTST_bad_gntref);
    grant_end_access(x);
    grant_end_access(y);
}

int app_grant_selftest(void)
{
    uint64_t max = cmdline_u64("max", 64);
    table(max);
    if (grant_table) {
        if (max >= grant_frames + 2)
            hole();
        versions();
        copies();
        maps_and_swap();
    }
    printf("grant-selftest: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
