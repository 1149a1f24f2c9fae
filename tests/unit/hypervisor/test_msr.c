/*
 * test_msr.c - the Xen hypercall-page MSR (xen-abi.md 2.2) as a guest uses
 * it: WRMSR 0x40000000 with a page's GPA fills that page with stubs the
 * guest then calls at hypercall_page + 32 * nr; anything else is #GP
 * (msr_write returns 1) and leaves guest memory alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_domain.h"
#include "../../../hypervisor/msr.h"

#define RAM      (16 * MiB)
#define RAM_HIGH (XL_LOWMEM_LIMIT + 16 * MiB)
#define MSR      0x40000000u
#define PAGE_GPA 0x345000ull

static int setup(void **state)
{
    *state = fake_domain_new(RAM, 9, false);
    return 0;
}

static int teardown(void **state)
{
    fake_domain_free(*state);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    return log_open("/dev/null"); /* refusals are logged */
}

static int group_teardown(void **state)
{
    (void)state;
    log_close();
    return 0;
}

/* The page as xen-abi.md 2.2 and boot.h describe it, built byte by byte:
 * 0xCC everywhere; stub i at 32*i is "mov $i,%eax; out %al,$0x5a; ret"
 * (B8 <i as imm32> E6 5A C3); stub 23 (iret) is ud2 (0F 0B). */
static void expected_page(uint8_t *p)
{
    memset(p, 0xcc, 4096);
    for (unsigned i = 0; i < 128; i++) {
        uint8_t *s = p + 32 * i;
        if (i == 23) {
            s[0] = 0x0f, s[1] = 0x0b;
            continue;
        }
        const uint8_t stub[8] = {0xb8, (uint8_t)i, 0, 0, 0, 0xe6, 0x5a, 0xc3};
        memcpy(s, stub, sizeof(stub));
    }
}

static void assert_hypercall_page(const uint8_t *page)
{
    uint8_t want[4096];
    expected_page(want);
    for (unsigned i = 0; i < 4096; i++)
        if (page[i] != want[i])
            fail_msg("byte 0x%x (stub %u + %u) is 0x%02x, want 0x%02x", i, i / 32, i % 32, page[i],
                     want[i]);
}

static void write_fills_the_page_with_stubs(void **state)
{
    struct domain *d = *state;
    uint8_t *page = gm_ptr(&d->mem, PAGE_GPA, 4096);
    fill_pattern(page, 4096, 1);
    uint8_t *before = gm_ptr(&d->mem, PAGE_GPA - 4096, 4096), *after = gm_ptr(&d->mem, PAGE_GPA + 4096, 4096);
    memset(before, 0x11, 4096);
    memset(after, 0x22, 4096);

    assert_int_equal(msr_write(d, 0, MSR, PAGE_GPA), 0);
    assert_hypercall_page(page);
    /* Spot checks a guest relies on: xen_version (17) and iret (23). */
    const uint8_t xv[8] = {0xb8, 17, 0, 0, 0, 0xe6, 0x5a, 0xc3};
    assert_memory_equal(page + 32 * 17, xv, 8);
    const uint8_t ud2[3] = {0x0f, 0x0b, 0xcc};
    assert_memory_equal(page + 32 * 23, ud2, 3);
    /* Neighbouring pages untouched. */
    assert_true(all_bytes(before, 4096, 0x11));
    assert_true(all_bytes(after, 4096, 0x22));
}

static void page_may_be_written_again_elsewhere(void **state)
{
    struct domain *d = *state;
    assert_int_equal(msr_write(d, 0, MSR, PAGE_GPA), 0);
    assert_int_equal(msr_write(d, 1, MSR, 0), 0);                  /* first page */
    assert_int_equal(msr_write(d, 0, MSR, RAM - 4096), 0);         /* last page */
    assert_hypercall_page(gm_ptr(&d->mem, PAGE_GPA, 4096));
    assert_hypercall_page(gm_ptr(&d->mem, 0, 4096));
    assert_hypercall_page(gm_ptr(&d->mem, RAM - 4096, 4096));
}

static void page_in_high_ram(void **state)
{
    (void)state;
    struct domain *d = fake_domain_new(RAM_HIGH, 10, false);
    const uint64_t gpa = XL_HIGHMEM_BASE + 16 * MiB - 4096;
    assert_int_equal(msr_write(d, 0, MSR, gpa), 0);
    assert_hypercall_page(gm_ptr(&d->mem, gpa, 4096));
    /* Just past high RAM is not RAM. */
    assert_int_equal(msr_write(d, 0, MSR, gpa + 4096), 1);
    fake_domain_free(d);
}

static void nonzero_page_index_is_gp(void **state)
{
    struct domain *d = *state;
    uint8_t *page = gm_ptr(&d->mem, PAGE_GPA, 4096);
    memset(page, 0x5e, 4096);
    const uint64_t idx[] = {1, 2, 0x800, 0xfff};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(msr_write(d, 0, MSR, PAGE_GPA | idx[i]), 1);
    assert_true(all_bytes(page, 4096, 0x5e));
}

static void page_that_is_not_ram_is_gp(void **state)
{
    struct domain *d = *state;
    uint8_t *special = gm_ptr(&d->mem, SPECIAL_GPA, SPECIAL_BYTES);
    memset(special, 0x3c, SPECIAL_BYTES);
    const uint64_t gpas[] = {
        SPECIAL_GPA,                                   /* special pages: */
        (XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE) << 12, /* xenstore ring */
        (XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE) << 12,  /* console ring */
        RAM,                                           /* just past RAM */
        0xfd000000ull,                                 /* the hole */
        0xfee00000ull,                                 /* local APIC */
        XL_HIGHMEM_BASE,                               /* no high RAM here */
        0x000ffffffffff000ull, 0xfffffffffffff000ull,
    };
    for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++)
        assert_int_equal(msr_write(d, 0, MSR, gpas[i]), 1);
    assert_true(all_bytes(special, SPECIAL_BYTES, 0x3c));
}

static void other_msrs_are_gp(void **state)
{
    struct domain *d = *state;
    uint8_t *page = gm_ptr(&d->mem, PAGE_GPA, 4096);
    memset(page, 0x5e, 4096);
    const uint32_t other[] = {0, 0x3fffffff, 0x40000001, 0x40000200, 0x4b564d10, 0xc0000080};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_int_equal(msr_write(d, 0, other[i], PAGE_GPA), 1);
        uint64_t v = 0x1234;
        assert_int_equal(msr_read(d, other[i], &v), 1);
    }
    assert_true(all_bytes(page, 4096, 0x5e));
}

static void msr_reads_back_as_zero(void **state)
{
    struct domain *d = *state;
    uint64_t v = 0xdeadbeefdeadbeefull;
    assert_int_equal(msr_read(d, MSR, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(msr_write(d, 0, MSR, PAGE_GPA), 0);
    v = 1;
    assert_int_equal(msr_read(d, MSR, &v), 0);
    assert_int_equal(v, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(write_fills_the_page_with_stubs, setup, teardown),
        cmocka_unit_test_setup_teardown(page_may_be_written_again_elsewhere, setup, teardown),
        cmocka_unit_test(page_in_high_ram),
        cmocka_unit_test_setup_teardown(nonzero_page_index_is_gp, setup, teardown),
        cmocka_unit_test_setup_teardown(page_that_is_not_ram_is_gp, setup, teardown),
        cmocka_unit_test_setup_teardown(other_msrs_are_gp, setup, teardown),
        cmocka_unit_test_setup_teardown(msr_reads_back_as_zero, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
