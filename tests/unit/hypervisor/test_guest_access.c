/*
 * test_guest_access.c - guest memory and guest-virtual copies as a
 * hypercall argument sees them: page tables are built inside a real
 * guest_mem (a memfd) for each paging mode, a pattern is written into guest
 * frames, and what guest_copy_from/guest_copy_to move through the virtual
 * addresses is compared byte for byte with the frames. Every way a guest
 * can hand over a bad address must end in -EFAULT without touching memory
 * it should not.
 *
 * Layout of the 16 MiB test guest (GPAs):
 *   0x100000 - 0x1fffff  page-table pool (struct pt)
 *   0x400000 - ...       data frames, deliberately out of virtual order
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_domain.h"

#define RAM_SMALL (16 * MiB)
#define POOL      (1 * MiB)
#define POOL_END  (2 * MiB)

/* RAM that reaches above the 4 GiB hole: 64 MiB, or 1 GiB for 1 GiB pages. */
#define RAM_HIGH_64M (XL_LOWMEM_LIMIT + 64 * MiB)
#define RAM_HIGH_1G  (XL_LOWMEM_LIMIT + 1 * GiB)

#define HOLE_GPA 0xfd000000ull /* between low RAM and the special pages */

struct fx {
    struct guest_mem m;
    struct pt pt;
};

static int setup_small(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    assert_int_equal(guest_mem_create(&fx->m, RAM_SMALL, "test-ga"), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    guest_mem_destroy(&fx->m);
    free(fx);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

/* Reading gva through pg gives exactly the bytes of the frame at gpa. */
static void assert_reads_frame(const struct guest_mem *m, const struct guest_paging *pg,
                               uint64_t gva, uint64_t gpa, size_t len, unsigned seed)
{
    fill_pattern(gm_ptr(m, gpa, len), len, seed);
    uint8_t *got = malloc(len);
    assert_non_null(got);
    assert_int_equal(guest_copy_from(m, pg, got, gva, len), 0);
    assert_memory_equal(got, gm_ptr(m, gpa, len), len);
    free(got);
}

static void assert_translates(const struct guest_mem *m, const struct guest_paging *pg,
                              uint64_t gva, uint64_t want_gpa)
{
    uint64_t gpa = ~0ull;
    assert_int_equal(guest_translate(m, pg, gva, false, &gpa), 0);
    assert_int_equal(gpa, want_gpa);
    gpa = ~0ull;
    assert_int_equal(guest_translate(m, pg, gva, true, &gpa), 0);
    assert_int_equal(gpa, want_gpa);
}

/* Every access to gva faults, and neither the frame at gpa nor dst changes. */
static void assert_all_fault(const struct guest_mem *m, const struct guest_paging *pg,
                             uint64_t gva, uint64_t frame_gpa)
{
    uint64_t gpa = 0x5a5a;
    assert_int_equal(guest_translate(m, pg, gva, false, &gpa), -EFAULT);
    assert_int_equal(guest_translate(m, pg, gva, true, &gpa), -EFAULT);

    uint8_t buf[64], before[64] = {0};
    memset(buf, 0xee, sizeof(buf));
    assert_int_equal(guest_copy_from(m, pg, buf, gva, sizeof(buf)), -EFAULT);
    assert_true(all_bytes(buf, sizeof(buf), 0xee));

    if (frame_gpa != ~0ull)
        memcpy(before, gm_ptr(m, frame_gpa + (gva & 0xfff), sizeof(before)), sizeof(before));
    fill_pattern(buf, sizeof(buf), 99);
    assert_int_equal(guest_copy_to(m, pg, gva, buf, sizeof(buf)), -EFAULT);
    if (frame_gpa != ~0ull)
        assert_memory_equal(gm_ptr(m, frame_gpa + (gva & 0xfff), sizeof(before)), before,
                            sizeof(before));
}

/* ---- guest_mem: the GPA -> host mapping ---------------------------------- */

static void create_refuses_sizes_that_are_not_whole_pages_or_too_big(void **state)
{
    (void)state;
    const uint64_t bad[] = {0, 1, 4095, 4097, (1ull << 40) + 4096};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct guest_mem m;
        assert_int_equal(guest_mem_create(&m, bad[i], "test-bad"), -EINVAL);
        assert_int_equal(m.fd, -1);
        assert_null(m.base);
        assert_null(guest_mem_gpa(&m, 0, 1));
        guest_mem_destroy(&m); /* harmless on a failed create */
    }
}

static void small_ram_lies_below_the_hole_with_special_pages_after_it(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(fx->m.low_bytes, RAM_SMALL);
    assert_int_equal(fx->m.high_bytes, 0);
    assert_int_equal(fx->m.special_off, RAM_SMALL);
    /* The fd may hold more after the special pages (hypervisor-owned
     * pages that are in no region until placed). */
    assert_true(fx->m.size >= RAM_SMALL + SPECIAL_BYTES);
    assert_int_equal(guest_mem_ram_pages(&fx->m), RAM_SMALL / 4096);
}

static void low_ram_gpa_is_the_same_fd_offset(void **state)
{
    struct fx *fx = *state;
    uint8_t want[300], got[300];
    fill_pattern(want, sizeof(want), 1);
    memcpy(gm_ptr(&fx->m, 0x12345, sizeof(want)), want, sizeof(want));
    assert_int_equal(pread(fx->m.fd, got, sizeof(got), 0x12345), (ssize_t)sizeof(got));
    assert_memory_equal(got, want, sizeof(want));
}

static void low_ram_bounds(void **state)
{
    struct fx *fx = *state;
    const struct guest_mem *m = &fx->m;
    const uint64_t low = RAM_SMALL;

    assert_ptr_equal(guest_mem_gpa(m, 0, low), m->base);
    assert_ptr_equal(guest_mem_gpa(m, low - 4096, 4096), m->base + low - 4096);
    assert_ptr_equal(guest_mem_gpa(m, low - 1, 1), m->base + low - 1);
    assert_ptr_equal(guest_mem_gpa(m, low - 1, 0), m->base + low - 1);
    /* Straddling the end of RAM. */
    assert_null(guest_mem_gpa(m, 0, low + 1));
    assert_null(guest_mem_gpa(m, low - 1, 2));
    assert_null(guest_mem_gpa(m, low - 4096, 4097));
    /* A zero-length range still needs its address inside a region: the
     * first byte past RAM is not RAM (the special pages are elsewhere). */
    assert_null(guest_mem_gpa(m, low, 0));
    assert_null(guest_mem_gpa(m, low, 1));
    /* Lengths and addresses that would wrap an unchecked sum. */
    assert_null(guest_mem_gpa(m, 0, UINT64_MAX));
    assert_null(guest_mem_gpa(m, 4096, UINT64_MAX - 4095));
    assert_null(guest_mem_gpa(m, UINT64_MAX, 1));
    assert_null(guest_mem_gpa(m, UINT64_MAX, 0));

    assert_true(guest_mem_is_ram(m, 0));
    assert_true(guest_mem_is_ram(m, low - 1));
    assert_false(guest_mem_is_ram(m, low));
}

static void nothing_between_ram_and_the_special_pages(void **state)
{
    struct fx *fx = *state;
    const struct guest_mem *m = &fx->m;
    const uint64_t holes[] = {RAM_SMALL + 4096, 0x80000000ull, XL_LOWMEM_LIMIT, HOLE_GPA,
                              SPECIAL_GPA - 1, SPECIAL_GPA + SPECIAL_BYTES, 0xffffffffull,
                              XL_HIGHMEM_BASE, XL_HIGHMEM_BASE + 4096};
    for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
        assert_null(guest_mem_gpa(m, holes[i], 1));
        assert_false(guest_mem_is_ram(m, holes[i]));
    }
}

static void special_pages_follow_ram_in_the_fd(void **state)
{
    struct fx *fx = *state;
    const struct guest_mem *m = &fx->m;

    assert_ptr_equal(guest_mem_gpa(m, SPECIAL_GPA, SPECIAL_BYTES), m->base + m->special_off);
    uint64_t console = (XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE) << 12;
    assert_ptr_equal(guest_mem_gpa(m, console, 4096), m->base + m->special_off + 7 * 4096);
    assert_null(guest_mem_gpa(m, console, 4097));          /* past the last one */
    assert_null(guest_mem_gpa(m, SPECIAL_GPA - 4096, 8192)); /* from the hole into them */
    assert_false(guest_mem_is_ram(m, SPECIAL_GPA));
    assert_false(guest_mem_is_ram(m, console));

    /* The xenstore ring as the guest writes it is what a foreign mapping
     * of the fd sees. */
    uint64_t store = (XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE) << 12;
    uint8_t want[64], got[64];
    fill_pattern(want, sizeof(want), 2);
    memcpy(gm_ptr(m, store + 100, sizeof(want)), want, sizeof(want));
    assert_int_equal(pread(m->fd, got, sizeof(got), (off_t)(m->special_off + 4 * 4096 + 100)),
                     (ssize_t)sizeof(got));
    assert_memory_equal(got, want, sizeof(want));
}

static void high_ram_sits_above_4g_and_after_low_ram_in_the_fd(void **state)
{
    (void)state;
    struct guest_mem m;
    assert_int_equal(guest_mem_create(&m, RAM_HIGH_64M, "test-high"), 0);
    const uint64_t low = XL_LOWMEM_LIMIT, high = 64 * MiB, hb = XL_HIGHMEM_BASE;
    assert_int_equal(m.low_bytes, low);
    assert_int_equal(m.high_bytes, high);
    assert_int_equal(m.special_off, low + high);
    assert_true(m.size >= low + high + SPECIAL_BYTES);
    assert_int_equal(guest_mem_ram_pages(&m), (low + high) / 4096);

    /* End of low RAM. */
    assert_ptr_equal(guest_mem_gpa(&m, low - 4096, 4096), m.base + low - 4096);
    assert_null(guest_mem_gpa(&m, low - 4096, 8192));
    assert_null(guest_mem_gpa(&m, low, 0));
    assert_null(guest_mem_gpa(&m, hb - 1, 2)); /* from the hole into high RAM */
    /* High RAM. */
    assert_ptr_equal(guest_mem_gpa(&m, hb, 4096), m.base + low);
    assert_ptr_equal(guest_mem_gpa(&m, hb, high), m.base + low);
    assert_ptr_equal(guest_mem_gpa(&m, hb + high - 1, 1), m.base + low + high - 1);
    assert_null(guest_mem_gpa(&m, hb, high + 1));
    assert_null(guest_mem_gpa(&m, hb + high - 4096, 4097));
    assert_null(guest_mem_gpa(&m, hb + high, 0));
    assert_null(guest_mem_gpa(&m, hb + high, 1));
    assert_null(guest_mem_gpa(&m, hb + 4096, UINT64_MAX - 4095));
    /* Special pages come after high RAM in the fd. */
    assert_ptr_equal(guest_mem_gpa(&m, SPECIAL_GPA, 4096), m.base + low + high);

    assert_true(guest_mem_is_ram(&m, hb));
    assert_true(guest_mem_is_ram(&m, hb + high - 1));
    assert_false(guest_mem_is_ram(&m, hb + high));
    assert_false(guest_mem_is_ram(&m, low));
    assert_false(guest_mem_is_ram(&m, SPECIAL_GPA));

    /* Data written at GPA 4G+0x5000 is at fd offset low+0x5000. */
    uint8_t want[200], got[200];
    fill_pattern(want, sizeof(want), 3);
    memcpy(gm_ptr(&m, hb + 0x5000, sizeof(want)), want, sizeof(want));
    assert_int_equal(pread(m.fd, got, sizeof(got), (off_t)(low + 0x5000)), (ssize_t)sizeof(got));
    assert_memory_equal(got, want, sizeof(want));
    guest_mem_destroy(&m);
}

static void destroyed_memory_has_no_addresses(void **state)
{
    (void)state;
    struct guest_mem m;
    assert_int_equal(guest_mem_create(&m, 1 * MiB, "test-destroy"), 0);
    guest_mem_destroy(&m);
    assert_null(guest_mem_gpa(&m, 0, 1));
    assert_int_equal(m.fd, -1);
    guest_mem_destroy(&m); /* twice is harmless */
}

/* ---- paging off -------------------------------------------------------- */

static void paging_off_linear_is_physical(void **state)
{
    struct fx *fx = *state;
    struct guest_paging pg = {.cr0 = CR0_PE};

    assert_translates(&fx->m, &pg, 0x123456, 0x123456);
    assert_translates(&fx->m, &pg, 0xffffffff, 0xffffffff);
    /* Across a page boundary: physically contiguous. */
    assert_reads_frame(&fx->m, &pg, 0x4ffff0, 0x4ffff0, 64, 4);

    uint8_t src[32], dst[32];
    fill_pattern(src, sizeof(src), 5);
    assert_int_equal(guest_copy_to(&fx->m, &pg, 0x600ff0, src, sizeof(src)), 0);
    assert_memory_equal(gm_ptr(&fx->m, 0x600ff0, sizeof(src)), src, sizeof(src));

    /* Above 4 GiB there is no linear address without paging. */
    uint64_t gpa;
    assert_int_equal(guest_translate(&fx->m, &pg, 0x100000000ull, false, &gpa), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, dst, 0xfffffff8, 16), -EFAULT);
    /* Linear addresses that are not RAM translate, but copy nothing. */
    assert_int_equal(guest_copy_from(&fx->m, &pg, dst, RAM_SMALL, 1), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, dst, RAM_SMALL - 16, 32), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, dst, HOLE_GPA, 8), -EFAULT);
}

/* ---- 4-level long mode ------------------------------------------------- */

#define LVA 0xffff888000000000ull /* a canonical upper-half address */

static void long_4k_pages_copy_across_a_boundary_into_another_frame(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    /* Virtually adjacent, physically apart and in reverse order. */
    pt_map(&fx->pt, LVA, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, LVA + 4096, 0x403000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_translates(&fx->m, &pg, LVA + 0x123, 0x500123);
    assert_translates(&fx->m, &pg, LVA + 4096 + 0x10, 0x403010);

    uint8_t *a = gm_ptr(&fx->m, 0x500000, 4096), *b = gm_ptr(&fx->m, 0x403000, 4096);
    fill_pattern(a, 4096, 6);
    fill_pattern(b, 4096, 7);
    uint8_t got[300];
    assert_int_equal(guest_copy_from(&fx->m, &pg, got, LVA + 4096 - 100, sizeof(got)), 0);
    assert_memory_equal(got, a + 4096 - 100, 100);
    assert_memory_equal(got + 100, b, 200);

    /* And back: the bytes land in both frames, nothing around them moves. */
    uint8_t src[300];
    fill_pattern(src, sizeof(src), 8);
    memset(a, 0x11, 4096);
    memset(b, 0x22, 4096);
    assert_int_equal(guest_copy_to(&fx->m, &pg, LVA + 4096 - 100, src, sizeof(src)), 0);
    assert_memory_equal(a + 4096 - 100, src, 100);
    assert_memory_equal(b, src + 100, 200);
    assert_true(all_bytes(a, 4096 - 100, 0x11));
    assert_true(all_bytes(b + 200, 4096 - 200, 0x22));
}

static void long_scattered_pages_copy_in_virtual_order(void **state)
{
    struct fx *fx = *state;
    enum { PAGES = 16 };
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    /* Page i of the buffer lives in frame perm[i]. */
    const unsigned perm[PAGES] = {9, 3, 14, 0, 7, 12, 1, 5, 15, 10, 2, 8, 13, 4, 11, 6};
    for (unsigned i = 0; i < PAGES; i++)
        pt_map(&fx->pt, LVA + i * 4096ull, 0x800000 + perm[i] * 4096ull, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    static uint8_t src[PAGES * 4096], got[PAGES * 4096];
    fill_pattern(src, sizeof(src), 9);
    /* Start mid-page so every chunk is split differently. */
    const size_t off = 1234, len = sizeof(src) - 4096;
    assert_int_equal(guest_copy_to(&fx->m, &pg, LVA + off, src, len), 0);
    for (size_t i = 0; i < len; i++) {
        uint64_t va = off + i;
        uint8_t *frame = gm_ptr(&fx->m, 0x800000 + perm[va / 4096] * 4096ull, 4096);
        if (frame[va % 4096] != src[i])
            fail_msg("byte %zu at page %llu differs", i, (unsigned long long)(va / 4096));
    }
    memset(got, 0, sizeof(got));
    assert_int_equal(guest_copy_from(&fx->m, &pg, got, LVA + off, len), 0);
    assert_memory_equal(got, src, len);
}

static void long_2m_page_and_the_4k_page_after_it(void **state)
{
    struct fx *fx = *state;
    const uint64_t va = 0x0000000080200000ull; /* 2 MiB aligned */
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, va, 0x600000, 2 * MiB, PTE_RW);
    pt_map(&fx->pt, va + 2 * MiB, 0x401000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_translates(&fx->m, &pg, va, 0x600000);
    assert_translates(&fx->m, &pg, va + 0x1ff123, 0x7ff123);
    assert_translates(&fx->m, &pg, va + 2 * MiB + 0x45, 0x401045);
    /* 8 KiB across the 4 KiB boundaries inside the large page. */
    assert_reads_frame(&fx->m, &pg, va + 0x1000 - 50, 0x600000 + 0x1000 - 50, 8192, 10);

    /* From the end of the 2 MiB page into the separately mapped 4 KiB one. */
    uint8_t *tail = gm_ptr(&fx->m, 0x7fffc0, 64), *head = gm_ptr(&fx->m, 0x401000, 64);
    fill_pattern(tail, 64, 11);
    fill_pattern(head, 64, 12);
    uint8_t got[128];
    assert_int_equal(guest_copy_from(&fx->m, &pg, got, va + 2 * MiB - 64, sizeof(got)), 0);
    assert_memory_equal(got, tail, 64);
    assert_memory_equal(got + 64, head, 64);
}

static void long_1g_page_over_low_ram(void **state)
{
    struct fx *fx = *state;
    const uint64_t va = 0x0000004000000000ull; /* 256 GiB: 1 GiB aligned */
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, va, 0, 1 * GiB, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_translates(&fx->m, &pg, va + 0xabcdef, 0xabcdef);
    assert_reads_frame(&fx->m, &pg, va + 0x9ff800, 0x9ff800, 4096, 13);
    /* Inside the page but past the 16 MiB of RAM: translates, no copy. */
    uint8_t b[16];
    assert_translates(&fx->m, &pg, va + 0x3fffffff, 0x3fffffff);
    assert_int_equal(guest_copy_from(&fx->m, &pg, b, va + RAM_SMALL - 8, sizeof(b)), -EFAULT);
    assert_int_equal(guest_copy_to(&fx->m, &pg, va + RAM_SMALL, b, sizeof(b)), -EFAULT);
}

/* 1 GiB page onto high RAM, page tables themselves above 4 GiB (CR3 > 4G),
 * and a copy from the end of the 1 GiB page into a 4 KiB page in low RAM. */
static void long_1g_page_onto_high_ram_with_tables_above_4g(void **state)
{
    (void)state;
    struct guest_mem m;
    struct pt pt;
    assert_int_equal(guest_mem_create(&m, RAM_HIGH_1G, "test-1g"), 0);
    const uint64_t hb = XL_HIGHMEM_BASE, va = 0xffffff8000000000ull; /* last PML4 slot */
    pt_init(&pt, &m, PT_LONG, hb + 512 * MiB, hb + 512 * MiB + 64 * KiB);
    assert_true(pt.root >= hb);
    pt_map(&pt, va, hb, 1 * GiB, PTE_RW);
    pt_map(&pt, va + 1 * GiB, 0x402000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&pt, true);

    assert_translates(&m, &pg, va + 0x3ffff123, hb + 0x3ffff123);
    assert_reads_frame(&m, &pg, va + 0x12345678, hb + 0x12345678, 5000, 14);

    uint8_t *tail = gm_ptr(&m, hb + GiB - 32, 32), *head = gm_ptr(&m, 0x402000, 32);
    fill_pattern(tail, 32, 15);
    fill_pattern(head, 32, 16);
    uint8_t got[64];
    assert_int_equal(guest_copy_from(&m, &pg, got, va + GiB - 32, sizeof(got)), 0);
    assert_memory_equal(got, tail, 32);
    assert_memory_equal(got + 32, head, 32);
    guest_mem_destroy(&m);
}

static void long_nx_and_ignored_bits_are_not_part_of_the_address(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, LVA + 2 * MiB, 0x600000, 2 * MiB, PTE_RW);
    /* NX, protection-key / software bits 62:52 and AVL bits 11:9. */
    const uint64_t extra = PTE_NX | (0x7ffull << 52) | (7ull << 9) | PTE_US | (1ull << 5) | (1ull << 6);
    pt_set(&fx->pt, LVA, 3, pt_get(&fx->pt, LVA, 3) | extra);
    pt_set(&fx->pt, LVA + 2 * MiB, 2, pt_get(&fx->pt, LVA + 2 * MiB, 2) | extra);
    pt_set(&fx->pt, LVA, 0, pt_get(&fx->pt, LVA, 0) | PTE_NX | (7ull << 9));
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_translates(&fx->m, &pg, LVA + 0x777, 0x500777);
    assert_translates(&fx->m, &pg, LVA + 2 * MiB + 0x12345, 0x612345);
    assert_reads_frame(&fx->m, &pg, LVA + 100, 0x500000 + 100, 200, 17);
}

static void long_not_present_at_each_level_faults(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, 0x500000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);
    fill_pattern(gm_ptr(&fx->m, 0x500000, 4096), 4096, 18);
    assert_reads_frame(&fx->m, &pg, LVA, 0x500000, 4096, 18);

    for (unsigned depth = 0; depth < 4; depth++) {
        uint64_t e = pt_get(&fx->pt, LVA, depth);
        pt_set(&fx->pt, LVA, depth, e & ~PTE_P);
        assert_all_fault(&fx->m, &pg, LVA + 0x80, 0x500000);
        pt_set(&fx->pt, LVA, depth, e);
        assert_reads_frame(&fx->m, &pg, LVA, 0x500000, 4096, 19 + depth);
    }
    /* Large leaves too: a 2 MiB and a 1 GiB page that are not present. */
    pt_map(&fx->pt, 0x40000000ull, 0x600000, 2 * MiB, PTE_RW);
    pt_set(&fx->pt, 0x40000000ull, 2, pt_get(&fx->pt, 0x40000000ull, 2) & ~PTE_P);
    assert_all_fault(&fx->m, &pg, 0x40000000ull + 0x1000, 0x601000);
    pt_map(&fx->pt, 0x8000000000ull, 0, GiB, PTE_RW);
    pt_set(&fx->pt, 0x8000000000ull, 1, pt_get(&fx->pt, 0x8000000000ull, 1) & ~PTE_P);
    assert_all_fault(&fx->m, &pg, 0x8000000000ull + 0x700000, 0x700000);
}

static void long_non_canonical_addresses_fault(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, 0x00007ffffffff000ull, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, 0xffff800000000000ull, 0x501000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_reads_frame(&fx->m, &pg, 0x00007ffffffff000ull, 0x500000, 4096, 23);
    assert_reads_frame(&fx->m, &pg, 0xffff800000000000ull, 0x501000, 4096, 24);
    /* Each of these has the low 48 bits of a mapped address, so only the
     * canonical check stands between them and a successful walk. */
    assert_all_fault(&fx->m, &pg, 0x0000800000000000ull, 0x501000);
    assert_all_fault(&fx->m, &pg, 0x8000800000000000ull, 0x501000);
    assert_all_fault(&fx->m, &pg, 0xffff7ffffffff000ull, 0x500000);
    assert_all_fault(&fx->m, &pg, 0x10007ffffffff000ull, 0x500000);
    /* A copy that starts canonical and runs past the lower half. */
    uint8_t buf[16];
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, 0x0000800000000000ull - 8, 16), -EFAULT);
    assert_int_equal(guest_copy_to(&fx->m, &pg, 0x0000800000000000ull - 8, buf, 16), -EFAULT);
}

static void copy_that_wraps_past_2_64_faults(void **state)
{
    struct fx *fx = *state;
    const uint64_t top = 0xfffffffffffff000ull;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, top, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, 0, 0x501000, 4096, PTE_RW); /* where a wrap would land */
    struct guest_paging pg = pt_paging(&fx->pt, true);

    /* Ending exactly at 2^64 is fine. */
    assert_reads_frame(&fx->m, &pg, top, 0x500000, 4096, 25);
    uint8_t *low_frame = gm_ptr(&fx->m, 0x501000, 4096), *top_frame = gm_ptr(&fx->m, 0x500000, 4096);
    memset(low_frame, 0x33, 4096);
    memset(top_frame, 0x44, 4096);

    uint8_t buf[0x200];
    memset(buf, 0xee, sizeof(buf));
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, top + 0xf00, sizeof(buf)), -EFAULT);
    assert_true(all_bytes(buf, sizeof(buf), 0xee));
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, UINT64_MAX, 2), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, top, SIZE_MAX), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, 0x1000, SIZE_MAX), -EFAULT);

    fill_pattern(buf, sizeof(buf), 26);
    assert_int_equal(guest_copy_to(&fx->m, &pg, top + 0xf00, buf, sizeof(buf)), -EFAULT);
    assert_int_equal(guest_copy_to(&fx->m, &pg, UINT64_MAX, buf, 2), -EFAULT);
    /* The wrap is refused before anything is written, at either end. */
    assert_true(all_bytes(top_frame, 4096, 0x44));
    assert_true(all_bytes(low_frame, 4096, 0x33));
}

static void table_entries_pointing_outside_guest_memory_fault(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, 0x500000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);
    const uint64_t outside[] = {RAM_SMALL, 0x40000000ull, HOLE_GPA, XL_HIGHMEM_BASE,
                                0x000ffffffffff000ull};

    for (unsigned depth = 0; depth < 3; depth++) {
        uint64_t e = pt_get(&fx->pt, LVA, depth);
        for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
            pt_set(&fx->pt, LVA, depth, outside[i] | PTE_P | PTE_RW);
            assert_all_fault(&fx->m, &pg, LVA, 0x500000);
        }
        pt_set(&fx->pt, LVA, depth, e);
    }
    /* CR3 itself outside memory. */
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        struct guest_paging bad = pg;
        bad.cr3 = outside[i];
        assert_all_fault(&fx->m, &bad, LVA, 0x500000);
    }
    /* A table in the last page of RAM is fine: its entries are memory. */
    uint64_t last = RAM_SMALL - 4096;
    memcpy(gm_ptr(&fx->m, last, 4096), gm_ptr(&fx->m, pt_table_of(&fx->pt, pt_get(&fx->pt, LVA, 2)), 4096), 4096);
    pt_set(&fx->pt, LVA, 2, last | PTE_P | PTE_RW);
    assert_reads_frame(&fx->m, &pg, LVA, 0x500000, 4096, 27);
}

static void leaf_in_the_hole_translates_but_copies_nothing(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, HOLE_GPA, 4096, PTE_RW);
    pt_map(&fx->pt, LVA + 4096, RAM_SMALL, 4096, PTE_RW);        /* just past RAM */
    pt_map(&fx->pt, LVA + 8192, RAM_SMALL - 4096, 4096, PTE_RW); /* last RAM page */
    pt_map(&fx->pt, LVA + 3 * 4096, SPECIAL_GPA - 4096, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    uint64_t gpa;
    assert_int_equal(guest_translate(&fx->m, &pg, LVA + 0x123, false, &gpa), 0);
    assert_int_equal(gpa, HOLE_GPA + 0x123);
    uint8_t buf[32];
    memset(buf, 0xee, sizeof(buf));
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, LVA, sizeof(buf)), -EFAULT);
    assert_int_equal(guest_copy_to(&fx->m, &pg, LVA, buf, sizeof(buf)), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, LVA + 4096, 1), -EFAULT);
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, LVA + 3 * 4096, 1), -EFAULT);
    assert_true(all_bytes(buf, sizeof(buf), 0xee));
    /* The last RAM page is RAM; running from it into the next (unmapped
     * to RAM) virtual page faults. */
    assert_reads_frame(&fx->m, &pg, LVA + 8192, RAM_SMALL - 4096, 4096, 28);
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, LVA + 8192 + 4096 - 16, 32), -EFAULT);
}

static void leaf_to_a_special_page_reaches_it(void **state)
{
    struct fx *fx = *state;
    const uint64_t store = (XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE) << 12;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, store, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    uint8_t src[100], got[100];
    fill_pattern(src, sizeof(src), 29);
    assert_int_equal(guest_copy_to(&fx->m, &pg, LVA + 10, src, sizeof(src)), 0);
    assert_int_equal(pread(fx->m.fd, got, sizeof(got), (off_t)(fx->m.special_off + 4 * 4096 + 10)),
                     (ssize_t)sizeof(got));
    assert_memory_equal(got, src, sizeof(src));
}

/* ---- PAE --------------------------------------------------------------- */

static void pae_4k_and_2m_pages(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_PAE, POOL, POOL_END);
    assert_int_equal(fx->pt.root & 0xfff, PT_PAE_PDPT_OFFSET);
    pt_map(&fx->pt, 0xc0001000, 0x500000, 4096, PTE_RW);   /* PDPT slot 3 */
    pt_map(&fx->pt, 0xc0002000, 0x403000, 4096, PTE_RW);
    pt_map(&fx->pt, 0x00400000, 0x600000, 2 * MiB, PTE_RW); /* PDPT slot 0 */
    pt_map(&fx->pt, 0x40000000, 0x404000, 4096, PTE_RW);   /* PDPT slot 1 */
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_translates(&fx->m, &pg, 0xc0001abc, 0x500abc);
    assert_translates(&fx->m, &pg, 0x00400000 + 0x1abcde, 0x7abcde);
    assert_translates(&fx->m, &pg, 0x40000010, 0x404010);

    uint8_t *a = gm_ptr(&fx->m, 0x500000, 4096), *b = gm_ptr(&fx->m, 0x403000, 4096);
    fill_pattern(a, 4096, 30);
    fill_pattern(b, 4096, 31);
    uint8_t got[40];
    assert_int_equal(guest_copy_from(&fx->m, &pg, got, 0xc0002000 - 20, sizeof(got)), 0);
    assert_memory_equal(got, a + 4096 - 20, 20);
    assert_memory_equal(got + 20, b, 20);
    assert_reads_frame(&fx->m, &pg, 0x00400000 + 0xff000, 0x6ff000, 8192, 32);

    /* PDPTEs carry no RW bit: writes go through them. */
    uint8_t src[40];
    fill_pattern(src, sizeof(src), 33);
    assert_int_equal(guest_copy_to(&fx->m, &pg, 0xc0002000 - 20, src, sizeof(src)), 0);
    assert_memory_equal(a + 4096 - 20, src, 20);
    assert_memory_equal(b, src + 20, 20);

    /* Only 32-bit linear addresses exist. */
    assert_all_fault(&fx->m, &pg, 0x1c0001000ull, 0x500000);
}

static void pae_not_present_at_each_level_faults(void **state)
{
    struct fx *fx = *state;
    const uint64_t va = 0xc0001000;
    pt_init(&fx->pt, &fx->m, PT_PAE, POOL, POOL_END);
    pt_map(&fx->pt, va, 0x500000, 4096, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);
    assert_reads_frame(&fx->m, &pg, va, 0x500000, 4096, 34);

    for (unsigned depth = 0; depth < 3; depth++) {
        uint64_t e = pt_get(&fx->pt, va, depth);
        pt_set(&fx->pt, va, depth, e & ~PTE_P);
        assert_all_fault(&fx->m, &pg, va + 0x40, 0x500000);
        pt_set(&fx->pt, va, depth, e);
        assert_reads_frame(&fx->m, &pg, va, 0x500000, 4096, 35 + depth);
    }
    /* Unused PDPT slots are not present. */
    assert_all_fault(&fx->m, &pg, 0x80000000, ~0ull);
    /* Entries pointing outside memory. */
    for (unsigned depth = 0; depth < 2; depth++) {
        uint64_t e = pt_get(&fx->pt, va, depth);
        pt_set(&fx->pt, va, depth, HOLE_GPA | PTE_P | (depth ? PTE_RW : 0));
        assert_all_fault(&fx->m, &pg, va, 0x500000);
        pt_set(&fx->pt, va, depth, e);
    }
}

/* ---- 32-bit paging ----------------------------------------------------- */

static void x32_4k_and_4m_pages(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_32, POOL, POOL_END);
    pt_map(&fx->pt, 0xc0001000, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, 0xc0002000, 0x403000, 4096, PTE_RW);
    pt_map(&fx->pt, 0x00800000, 0x400000, 4 * MiB, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    assert_translates(&fx->m, &pg, 0xc0001abc, 0x500abc);
    assert_translates(&fx->m, &pg, 0x00800000 + 0x3abcde, 0x7abcde);

    uint8_t *a = gm_ptr(&fx->m, 0x500000, 4096), *b = gm_ptr(&fx->m, 0x403000, 4096);
    fill_pattern(a, 4096, 38);
    fill_pattern(b, 4096, 39);
    uint8_t got[40];
    assert_int_equal(guest_copy_from(&fx->m, &pg, got, 0xc0002000 - 20, sizeof(got)), 0);
    assert_memory_equal(got, a + 4096 - 20, 20);
    assert_memory_equal(got + 20, b, 20);
    assert_reads_frame(&fx->m, &pg, 0x00800000 + 0x3ff000 - 8, 0x7ff000 - 8, 16, 40);

    assert_all_fault(&fx->m, &pg, 0x1c0001000ull, 0x500000);
}

static void x32_large_page_bit_needs_cr4_pse(void **state)
{
    struct fx *fx = *state;
    const uint64_t va = 0x00c05000;
    /* Page directory at 0x3ff000, page table at 0x400000: read as a large
     * page that address has no PSE-36 bits (20:13) and no reserved bit 21. */
    pt_init(&fx->pt, &fx->m, PT_32, 0x3ff000, 0x401000);
    pt_map(&fx->pt, va, 0x500000, 4096, PTE_RW);
    /* Set PS on the PDE that points at the page table. */
    uint64_t pde = pt_get(&fx->pt, va, 0);
    assert_int_equal(pde & ~0xfffull, 0x400000);
    pt_set(&fx->pt, va, 0, pde | PTE_PS);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    /* With PSE the PDE is a 4 MiB page at 0x400000. */
    assert_translates(&fx->m, &pg, va + 0x10, 0x400000 + (va & 0x3fffff) + 0x10);
    /* Without PSE bit 7 means nothing: the walk goes on to the PTE. */
    pg.cr4 &= ~CR4_PSE;
    assert_translates(&fx->m, &pg, va + 0x10, 0x500010);
    assert_reads_frame(&fx->m, &pg, va, 0x500000, 4096, 41);
}

static void x32_not_present_at_each_level_faults(void **state)
{
    struct fx *fx = *state;
    const uint64_t va = 0xc0001000;
    pt_init(&fx->pt, &fx->m, PT_32, POOL, POOL_END);
    pt_map(&fx->pt, va, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, 0x00800000, 0x400000, 4 * MiB, PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);

    for (unsigned depth = 0; depth < 2; depth++) {
        uint64_t e = pt_get(&fx->pt, va, depth);
        pt_set(&fx->pt, va, depth, e & ~PTE_P);
        assert_all_fault(&fx->m, &pg, va + 0x40, 0x500000);
        pt_set(&fx->pt, va, depth, e);
        assert_reads_frame(&fx->m, &pg, va, 0x500000, 4096, 42 + depth);
    }
    pt_set(&fx->pt, 0x00800000, 0, pt_get(&fx->pt, 0x00800000, 0) & ~PTE_P);
    assert_all_fault(&fx->m, &pg, 0x00812000, 0x412000);
    /* A PDE pointing at a page table outside memory. */
    pt_set(&fx->pt, va, 0, HOLE_GPA | PTE_P | PTE_RW);
    assert_all_fault(&fx->m, &pg, va, 0x500000);
    struct guest_paging bad = pg;
    bad.cr3 = RAM_SMALL;
    assert_all_fault(&fx->m, &bad, 0x00812000, ~0ull);
}

/*
 * With CR4.PSE a 32-bit PDE maps a 4 MiB page whose physical address bits
 * 39:32 come from PDE bits 20:13 (PSE-36). A walk that ignored them would
 * translate a large page above 4 GiB to the page 4 GiB lower and silently
 * touch the wrong guest memory (it did, until this test).
 */
static void x32_pse36_large_page_above_4g(void **state)
{
    (void)state;
    struct guest_mem m;
    struct pt pt;
    assert_int_equal(guest_mem_create(&m, RAM_HIGH_64M, "test-pse36"), 0);
    pt_init(&pt, &m, PT_32, POOL, POOL_END);
    /* gva 0x00400000 -> 4 MiB page at GPA 4 GiB + 8 MiB: bits 31:22 give
     * 8 MiB, PDE bit 13 gives bit 32. */
    pt_set(&pt, 0x00400000, 0, (8 * MiB) | (1ull << 13) | PTE_PS | PTE_RW | PTE_P);
    struct guest_paging pg = pt_paging(&pt, true);
    memset(gm_ptr(&m, 8 * MiB, 4 * MiB), 0x11, 4 * MiB); /* the wrong page */
    assert_translates(&m, &pg, 0x00400000 + 0x12345, XL_HIGHMEM_BASE + 8 * MiB + 0x12345);
    assert_reads_frame(&m, &pg, 0x00400000 + 0x12345, XL_HIGHMEM_BASE + 8 * MiB + 0x12345, 64,
                       50);
    guest_mem_destroy(&m);
}

/* ---- write protection (every mode) -------------------------------------- */

static void read_only_pages_refuse_writes_under_cr0_wp(void **state)
{
    struct fx *fx = *state;
    const enum pt_mode modes[] = {PT_LONG, PT_PAE, PT_32};
    const uint64_t va = 0xc0001000;
    for (size_t i = 0; i < 3; i++) {
        pt_init(&fx->pt, &fx->m, modes[i], POOL, POOL_END);
        pt_map(&fx->pt, va, 0x500000, 4096, 0); /* present, read-only */
        struct guest_paging pg = pt_paging(&fx->pt, true);
        uint8_t *frame = gm_ptr(&fx->m, 0x500000, 4096);

        /* Reads are fine. */
        assert_reads_frame(&fx->m, &pg, va, 0x500000, 4096, 44);
        uint64_t gpa;
        assert_int_equal(guest_translate(&fx->m, &pg, va + 8, false, &gpa), 0);
        assert_int_equal(gpa, 0x500008);
        /* Writes fault and change nothing. */
        assert_int_equal(guest_translate(&fx->m, &pg, va + 8, true, &gpa), -EFAULT);
        uint8_t before[4096], src[64];
        memcpy(before, frame, 4096);
        fill_pattern(src, sizeof(src), 45);
        assert_int_equal(guest_copy_to(&fx->m, &pg, va + 8, src, sizeof(src)), -EFAULT);
        assert_memory_equal(frame, before, 4096);

        /* Without CR0.WP supervisor writes ignore R/W, as on hardware. */
        pg.cr0 &= ~CR0_WP;
        assert_int_equal(guest_copy_to(&fx->m, &pg, va + 8, src, sizeof(src)), 0);
        assert_memory_equal(frame + 8, src, sizeof(src));
    }
}

static void read_only_upper_level_refuses_writes_under_cr0_wp(void **state)
{
    struct fx *fx = *state;
    const uint64_t va = 0xc0001000;
    /* Long mode: each non-leaf level in turn loses R/W. */
    for (unsigned depth = 0; depth < 3; depth++) {
        pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
        pt_map(&fx->pt, va, 0x500000, 4096, PTE_RW);
        pt_set(&fx->pt, va, depth, pt_get(&fx->pt, va, depth) & ~PTE_RW);
        struct guest_paging pg = pt_paging(&fx->pt, true);
        assert_reads_frame(&fx->m, &pg, va, 0x500000, 64, 46);
        uint8_t src[16] = {1, 2, 3};
        memset(gm_ptr(&fx->m, 0x500000, 16), 0x55, 16);
        assert_int_equal(guest_copy_to(&fx->m, &pg, va, src, sizeof(src)), -EFAULT);
        assert_true(all_bytes(gm_ptr(&fx->m, 0x500000, 16), 16, 0x55));
    }
    /* 32-bit: a read-only PDE. */
    pt_init(&fx->pt, &fx->m, PT_32, POOL, POOL_END);
    pt_map(&fx->pt, va, 0x500000, 4096, PTE_RW);
    pt_set(&fx->pt, va, 0, pt_get(&fx->pt, va, 0) & ~PTE_RW);
    struct guest_paging pg = pt_paging(&fx->pt, true);
    uint8_t src[16] = {4, 5, 6};
    assert_int_equal(guest_copy_to(&fx->m, &pg, va, src, sizeof(src)), -EFAULT);
    assert_reads_frame(&fx->m, &pg, va, 0x500000, 64, 47);
}

static void copy_to_stops_at_a_read_only_page(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, 0x500000, 4096, PTE_RW);
    pt_map(&fx->pt, LVA + 4096, 0x403000, 4096, 0);
    struct guest_paging pg = pt_paging(&fx->pt, true);
    uint8_t *a = gm_ptr(&fx->m, 0x500000, 4096), *b = gm_ptr(&fx->m, 0x403000, 4096);
    memset(a, 0x11, 4096);
    memset(b, 0x22, 4096);

    uint8_t src[32];
    fill_pattern(src, sizeof(src), 48);
    assert_int_equal(guest_copy_to(&fx->m, &pg, LVA + 4096 - 16, src, sizeof(src)), -EFAULT);
    /* The read-only page is untouched; the writable one may hold a prefix
     * of the copy (header: "a copy_to may have written a prefix") and
     * nothing else. */
    assert_true(all_bytes(b, 4096, 0x22));
    assert_true(all_bytes(a, 4096 - 16, 0x11));
    for (size_t i = 0; i < 16; i++)
        assert_true(a[4096 - 16 + i] == 0x11 || a[4096 - 16 + i] == src[i]);
}

/* ---- zero length and partial failures ---------------------------------- */

static void zero_length_copies_touch_nothing(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    struct guest_paging pg = pt_paging(&fx->pt, true);
    uint8_t buf[8];
    memset(buf, 0xee, sizeof(buf));
    assert_int_equal(guest_copy_from(&fx->m, &pg, buf, LVA, 0), 0);
    assert_int_equal(guest_copy_to(&fx->m, &pg, LVA, buf, 0), 0);
    assert_true(all_bytes(buf, sizeof(buf), 0xee));
}

/*
 * guest_access.h: a copy_from over a range that faults part-way returns
 * -EFAULT and leaves the destination untouched (the range is checked
 * before anything is copied); only copy_to may leave a prefix behind.
 */
static void failed_copy_from_leaves_destination_untouched(void **state)
{
    struct fx *fx = *state;
    pt_init(&fx->pt, &fx->m, PT_LONG, POOL, POOL_END);
    pt_map(&fx->pt, LVA, 0x500000, 4096, PTE_RW); /* LVA + 4096 not mapped */
    struct guest_paging pg = pt_paging(&fx->pt, true);
    fill_pattern(gm_ptr(&fx->m, 0x500000, 4096), 4096, 49);

    uint8_t dst[32];
    memset(dst, 0xee, sizeof(dst));
    assert_int_equal(guest_copy_from(&fx->m, &pg, dst, LVA + 4096 - 16, sizeof(dst)), -EFAULT);
    assert_true(all_bytes(dst, sizeof(dst), 0xee));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* guest_mem */
        cmocka_unit_test(create_refuses_sizes_that_are_not_whole_pages_or_too_big),
        cmocka_unit_test_setup_teardown(small_ram_lies_below_the_hole_with_special_pages_after_it,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(low_ram_gpa_is_the_same_fd_offset, setup_small, teardown),
        cmocka_unit_test_setup_teardown(low_ram_bounds, setup_small, teardown),
        cmocka_unit_test_setup_teardown(nothing_between_ram_and_the_special_pages, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(special_pages_follow_ram_in_the_fd, setup_small, teardown),
        cmocka_unit_test(high_ram_sits_above_4g_and_after_low_ram_in_the_fd),
        cmocka_unit_test(destroyed_memory_has_no_addresses),
        /* paging off */
        cmocka_unit_test_setup_teardown(paging_off_linear_is_physical, setup_small, teardown),
        /* long mode */
        cmocka_unit_test_setup_teardown(long_4k_pages_copy_across_a_boundary_into_another_frame,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(long_scattered_pages_copy_in_virtual_order, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(long_2m_page_and_the_4k_page_after_it, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(long_1g_page_over_low_ram, setup_small, teardown),
        cmocka_unit_test(long_1g_page_onto_high_ram_with_tables_above_4g),
        cmocka_unit_test_setup_teardown(long_nx_and_ignored_bits_are_not_part_of_the_address,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(long_not_present_at_each_level_faults, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(long_non_canonical_addresses_fault, setup_small, teardown),
        cmocka_unit_test_setup_teardown(copy_that_wraps_past_2_64_faults, setup_small, teardown),
        cmocka_unit_test_setup_teardown(table_entries_pointing_outside_guest_memory_fault,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(leaf_in_the_hole_translates_but_copies_nothing,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(leaf_to_a_special_page_reaches_it, setup_small, teardown),
        /* PAE */
        cmocka_unit_test_setup_teardown(pae_4k_and_2m_pages, setup_small, teardown),
        cmocka_unit_test_setup_teardown(pae_not_present_at_each_level_faults, setup_small,
                                        teardown),
        /* 32-bit */
        cmocka_unit_test_setup_teardown(x32_4k_and_4m_pages, setup_small, teardown),
        cmocka_unit_test_setup_teardown(x32_large_page_bit_needs_cr4_pse, setup_small, teardown),
        cmocka_unit_test_setup_teardown(x32_not_present_at_each_level_faults, setup_small,
                                        teardown),
        cmocka_unit_test(x32_pse36_large_page_above_4g),
        /* write protection */
        cmocka_unit_test_setup_teardown(read_only_pages_refuse_writes_under_cr0_wp, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(read_only_upper_level_refuses_writes_under_cr0_wp,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(copy_to_stops_at_a_read_only_page, setup_small, teardown),
        /* lengths and partial failures */
        cmocka_unit_test_setup_teardown(zero_length_copies_touch_nothing, setup_small, teardown),
        cmocka_unit_test_setup_teardown(failed_copy_from_leaves_destination_untouched,
                                        setup_small, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
