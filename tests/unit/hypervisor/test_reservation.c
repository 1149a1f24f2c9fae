/*
 * test_reservation.c - the balloon's hypercalls as a guest makes them
 * (XENMEM_decrease_reservation, populate_physmap, increase_reservation,
 * current/maximum_reservation) and what the host sees: pages given back
 * leave the domain's memfd (st_blocks falls), come back zeroed, and the
 * maximum reservation holds. hypervisor/reservation.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "fake_domain.h"
#include "../../../hypervisor/reservation.h"

#define DOMID 9u
#define RAM (16 * MiB)
#define FIRST_GFN 0x800ull       /* 8 MiB: clear of the page tables and arguments */
#define LIST_OFF 1024u           /* the GFN list in the argument area */

static int setup(void **state)
{
    *state = fake_guest_new(RAM, DOMID, 1);
    return 0;
}

static int teardown(void **state)
{
    fake_guest_free(*state);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    return log_open("/dev/null");
}

static int group_teardown(void **state)
{
    (void)state;
    log_close();
    return 0;
}

/* memory_op cmd with a reservation of n extents from list[], order 0. */
static long resv_op(struct fake_guest *g, unsigned cmd, const xen_pfn_t *list, unsigned n,
                    unsigned order, domid_t dom, uint64_t start)
{
    memcpy(fake_guest_arg(g, LIST_OFF, n * sizeof(xen_pfn_t)), list, n * sizeof(xen_pfn_t));
    struct xen_memory_reservation r = {.nr_extents = n, .extent_order = order, .domid = dom};
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(uintptr_t)(FAKE_GUEST_ARG_VA + LIST_OFF));
    memcpy(fake_guest_arg(g, 0, sizeof(r)), &r, sizeof(r));
    return fake_guest_hcall(g, __HYPERVISOR_memory_op, cmd | (start << 6), FAKE_GUEST_ARG_VA, 0);
}

static long query(struct fake_guest *g, unsigned cmd)
{
    domid_t self = DOMID_SELF;
    memcpy(fake_guest_arg(g, 0, sizeof(self)), &self, sizeof(self));
    return fake_guest_hcall(g, __HYPERVISOR_memory_op, cmd, FAKE_GUEST_ARG_VA, 0);
}

static uint64_t memfd_bytes(struct fake_guest *g)
{
    struct stat st;
    assert_int_equal(fstat(g->d->mem.fd, &st), 0);
    return (uint64_t)st.st_blocks * 512;
}

static void range(xen_pfn_t *list, uint64_t first, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        list[i] = first + i;
}

static void released_pages_leave_the_host_and_come_back_zeroed(void **state)
{
    struct fake_guest *g = *state;
    static xen_pfn_t list[256];
    range(list, FIRST_GFN, 256);
    memset(gm_ptr(&g->d->mem, FIRST_GFN << 12, 256 * 4096), 0xab, 256 * 4096);
    uint64_t before = memfd_bytes(g);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096);
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 256, 0, DOMID_SELF, 0), 256);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 256);
    uint64_t after = memfd_bytes(g);
    if (before < after || before - after < 250 * 4096ull) /* st_blocks: near enough */
        fail_msg("memfd %llu -> %llu bytes", (unsigned long long)before, (unsigned long long)after);
    struct xlctl_dominfo info;
    domain_info(g->d, &info);
    assert_int_equal(info.memory_kib, RAM / 1024 - 1024);
    assert_int_equal(info.built_memory_kib, RAM / 1024);
    /* Back: zeroes, as a fresh page from the host. */
    assert_int_equal(resv_op(g, XENMEM_populate_physmap, list, 256, 0, DOMID_SELF, 0), 256);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096);
    const uint8_t *p = gm_ptr(&g->d->mem, FIRST_GFN << 12, 256 * 4096);
    for (size_t i = 0; i < 256 * 4096; i++)
        if (p[i])
            fail_msg("byte %zu is %#x after populate", i, p[i]);
}

static void extents_stop_at_the_first_that_fails(void **state)
{
    struct fake_guest *g = *state;
    xen_pfn_t list[4] = {FIRST_GFN, FIRST_GFN + 1, FIRST_GFN, FIRST_GFN + 2};
    /* The third gives back a page already gone: two done. */
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 4, 0, DOMID_SELF, 0), 2);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 2);
    /* Populating a page that is there: nothing done. */
    xen_pfn_t there = FIRST_GFN + 2;
    assert_int_equal(resv_op(g, XENMEM_populate_physmap, &there, 1, 0, DOMID_SELF, 0), 0);
    /* Not RAM: the special pages, past the end, the 4 GiB hole. */
    xen_pfn_t bad[3] = {XL_SPECIAL_PFN_BASE, RAM / 4096, 0x100000 - 1};
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(resv_op(g, XENMEM_decrease_reservation, &bad[i], 1, 0, DOMID_SELF, 0), 0);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 2);
}

static void a_placed_hypervisor_page_cannot_be_given_back(void **state)
{
    struct fake_guest *g = *state;
    xen_pfn_t gfn = FIRST_GFN + 7;
    assert_int_equal(physmap_place(&g->d->physmap, &g->d->mem, -1, GUEST_XEN_SHARED_INFO, gfn), 0);
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF, 0), 0);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096);
}

static void the_maximum_reservation_holds(void **state)
{
    struct fake_guest *g = *state;
    static xen_pfn_t list[64];
    range(list, FIRST_GFN, 64);
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 64, 0, DOMID_SELF, 0), 64);
    /* As xl mem-set enforces it: the maximum is the target. */
    assert_int_equal(reservation_set_max(&g->d->resv, RAM / 4096 - 48), 0);
    assert_int_equal(query(g, XENMEM_maximum_reservation), RAM / 4096 - 48);
    assert_int_equal(resv_op(g, XENMEM_populate_physmap, list, 64, 0, DOMID_SELF, 0), 16);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 48);
    /* increase_reservation takes the GFNs as populate_physmap does. */
    assert_int_equal(reservation_set_max(&g->d->resv, RAM / 4096), 0);
    assert_int_equal(resv_op(g, XENMEM_increase_reservation, list + 16, 48, 0, DOMID_SELF, 0), 48);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096);
    assert_int_equal(reservation_set_max(&g->d->resv, 0), -EINVAL);
    assert_int_equal(reservation_set_max(&g->d->resv, RAM / 4096 + 1), -E2BIG);
}

static void orders_continuations_and_other_domains(void **state)
{
    struct fake_guest *g = *state;
    /* Order 2: four pages per extent. */
    xen_pfn_t two[2] = {FIRST_GFN, FIRST_GFN + 16};
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, two, 2, 2, DOMID_SELF, 0), 2);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 8);
    assert_int_equal(resv_op(g, XENMEM_populate_physmap, two, 2, 2, DOMID, 0), 2);
    /* A continuation starts at its extent and counts the ones before. */
    xen_pfn_t list[4];
    range(list, FIRST_GFN + 32, 4);
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 4, 0, DOMID_SELF, 3), 4);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 1);
    /* An order past 2 MiB: nothing done. */
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 1, 10, DOMID_SELF, 0), 0);
    /* Only ourselves. */
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 1, 0, DOMID + 1, 0), -EPERM);
    assert_int_equal(resv_op(g, XENMEM_decrease_reservation, list, 1, 0, 0, 0), -EPERM);
    /* A list the guest did not map faults before anything is done. */
    struct xen_memory_reservation r = {.nr_extents = 1, .domid = DOMID_SELF};
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(uintptr_t)FAKE_GUEST_NOMAP_VA);
    memcpy(fake_guest_arg(g, 0, sizeof(r)), &r, sizeof(r));
    assert_int_equal(fake_guest_hcall(g, __HYPERVISOR_memory_op, XENMEM_decrease_reservation,
                                      FAKE_GUEST_ARG_VA, 0), -EFAULT);
    assert_int_equal(query(g, XENMEM_current_reservation), RAM / 4096 - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(released_pages_leave_the_host_and_come_back_zeroed, setup, teardown),
        cmocka_unit_test_setup_teardown(extents_stop_at_the_first_that_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(a_placed_hypervisor_page_cannot_be_given_back, setup, teardown),
        cmocka_unit_test_setup_teardown(the_maximum_reservation_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(orders_continuations_and_other_domains, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
