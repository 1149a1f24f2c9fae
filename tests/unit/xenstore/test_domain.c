/*
 * test_domain.c - INTRODUCE, RELEASE, RESUME, IS_DOMAIN_INTRODUCED,
 * GET_DOMAIN_PATH, and the seam the ring transport will fill: what it is
 * called with and what happens when it fails.
 */
#include "harness.h"

#include "xenolith/xen.h"

/* xenstored spells out the reserved domids so it needs no hypercall
 * headers; they must be Xen's. */
_Static_assert(XS_DOMID_FIRST_RESERVED == DOMID_FIRST_RESERVED, "DOMID_FIRST_RESERVED");
_Static_assert(XS_DOMID_SELF == DOMID_SELF, "DOMID_SELF");
_Static_assert(XS_DOMID_INVALID == DOMID_INVALID, "DOMID_INVALID");

static void introduce_records_and_answers(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct msg m;
    assert_int_equal(req_str(d0, XS_IS_DOMAIN_INTRODUCED, 0, "3", &m), 0);
    assert_string_equal(m.body, "F");
    /* Without a ring transport INTRODUCE still succeeds: the domain is
     * known, its I/O arrives with the ring transport. */
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "3|1044476|7|", &m), 0);
    expect_ok(d0, &m);
    struct domain *d = domain_find(3);
    assert_non_null(d);
    assert_true(d->introduced);
    assert_int_equal(d->gfn, 1044476);
    assert_int_equal(d->port, 7);
    assert_null(d->conn);
    assert_int_equal(req_str(d0, XS_IS_DOMAIN_INTRODUCED, 0, "3", &m), 0);
    assert_int_equal(m.hdr.len, 2);
    assert_string_equal(m.body, "T");
    /* Dom0 and DOMID_SELF are introduced. */
    assert_int_equal(req_str(d0, XS_IS_DOMAIN_INTRODUCED, 0, "0", &m), 0);
    assert_string_equal(m.body, "T");
    assert_int_equal(req_str(d0, XS_IS_DOMAIN_INTRODUCED, 0, "32752", &m), 0);
    assert_string_equal(m.body, "T");
    /* Bad arguments. */
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "3|1|-1|", &m), EINVAL);
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "32752|1|1|", &m), EINVAL);
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "3|1|", &m), EINVAL);
}

static void get_domain_path_is_not_validated(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct msg m;
    assert_int_equal(req_str(d0, XS_GET_DOMAIN_PATH, 0, "12", &m), 0);
    assert_int_equal(m.hdr.len, strlen("/local/domain/12") + 1);
    assert_string_equal(m.body, "/local/domain/12");
    assert_int_equal(req_str(d0, XS_GET_DOMAIN_PATH, 0, "abc", &m), 0);
    assert_string_equal(m.body, "/local/domain/0");
}

static void release_removes_the_domain_its_nodes_and_watches(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0), *w = fake_conn(0);
    struct msg m;
    char buf[64];
    assert_int_equal(xs_mkdir1(d0, "/local/domain/4"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/local/domain/4", "n4|"), 0);
    assert_int_equal(xs_write1(d0, "/local/domain/4/dom0-owned-below", "x"), 0);
    assert_int_equal(xs_write1(d0, "/elsewhere/of4", "y"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/elsewhere/of4", "b4|"), 0);
    assert_int_equal(xs_write1(d0, "/elsewhere/keep", "z"), 0);
    introduce(d0, 4, 9);
    struct fake *g = fake_conn(4);
    assert_int_equal(xs_watch1(g, "/elsewhere", "g"), 0);
    assert_int_equal(xs_watch1(w, "@releaseDomain", "rel"), 0);
    assert_int_equal(xs_watch1(w, "/elsewhere", "w"), 0);
    expect_event(w, "@releaseDomain", "rel");
    expect_event(w, "/elsewhere", "w");
    /* Simulate the transport's connection: released with the domain. */
    domain_find(4)->conn = g->c;

    assert_int_equal(req_str(d0, XS_RELEASE, 0, "4", &m), 0);
    expect_ok(d0, &m);
    /* Its nodes went (with what lay below them), others stayed. */
    assert_int_equal(xs_read1(d0, "/local/domain/4", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_read1(d0, "/elsewhere/of4", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_read1(d0, "/elsewhere/keep", buf, sizeof(buf)), 0);
    assert_int_equal(domain_nodes(4), 0);
    expect_event(w, "/elsewhere/of4", "w");
    expect_event(w, "@releaseDomain", "rel");
    expect_no_event(w);
    assert_true(g->closed);
    assert_int_equal(req_str(d0, XS_IS_DOMAIN_INTRODUCED, 0, "4", &m), 0);
    assert_string_equal(m.body, "F");
    /* Errors: unknown domain, dom0. */
    assert_int_equal(req_str(d0, XS_RELEASE, 0, "4", &m), ENOENT);
    assert_int_equal(req_str(d0, XS_RELEASE, 0, "0", &m), EINVAL);
    assert_int_equal(control_check_store(), 0);
}

static void resume_and_shutdown_events(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0), *w = fake_conn(0);
    struct msg m;
    introduce(d0, 8, 1);
    assert_int_equal(xs_watch1(w, "@releaseDomain", "r"), 0);
    expect_event(w, "@releaseDomain", "r");
    /* A shutdown fires once, until RESUME re-arms it. */
    domain_shutdown_seen(8);
    expect_event(w, "@releaseDomain", "r");
    domain_shutdown_seen(8);
    expect_no_event(w);
    assert_int_equal(req_str(d0, XS_RESUME, 0, "8", &m), 0);
    domain_shutdown_seen(8);
    expect_event(w, "@releaseDomain", "r");
    assert_int_equal(req_str(d0, XS_RESUME, 0, "99", &m), ENOENT);
    assert_int_equal(req_str(d0, XS_RESUME, 0, "0", &m), EINVAL);
    /* Death releases. */
    domain_died(8);
    expect_event(w, "@releaseDomain", "r");
    assert_false(domain_is_introduced(8));
}

/* A fake ring transport: records its calls; can be told to fail. */
static struct {
    int attach, reattach, detach;
    int fail;
    unsigned int last_port;
    uint64_t last_gfn;
} ring;

static int ring_attach(struct domain *d)
{
    ring.attach++;
    ring.last_port = d->port;
    ring.last_gfn = d->gfn;
    return ring.fail;
}

static int ring_reattach(struct domain *d)
{
    ring.reattach++;
    ring.last_port = d->port;
    return 0;
}

static void ring_detach(struct domain *d)
{
    (void)d;
    ring.detach++;
}

static const struct domain_transport fake_ring = {
    .attach = ring_attach,
    .reattach = ring_reattach,
    .detach = ring_detach,
};

static void transport_seam(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0), *w = fake_conn(0);
    struct msg m;
    memset(&ring, 0, sizeof(ring));
    domain_set_transport(&fake_ring);
    assert_int_equal(xs_watch1(w, "@introduceDomain", "i"), 0);
    expect_event(w, "@introduceDomain", "i");

    /* A failing map/bind: the error, no domain, no event. */
    ring.fail = -ENOMEM;
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "6|777|5|", &m), ENOMEM);
    assert_false(domain_is_introduced(6));
    expect_no_event(w);

    ring.fail = 0;
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "6|777|5|", &m), 0);
    assert_int_equal(ring.attach, 2);
    assert_int_equal(ring.last_gfn, 777);
    assert_int_equal(ring.last_port, 5);
    expect_event(w, "@introduceDomain", "i");
    /* Again, with a new port: the transport re-binds, no event. */
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, "6|777|11|", &m), 0);
    assert_int_equal(ring.reattach, 1);
    assert_int_equal(ring.last_port, 11);
    expect_no_event(w);
    assert_int_equal(req_str(d0, XS_RELEASE, 0, "6", &m), 0);
    assert_int_equal(ring.detach, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(introduce_records_and_answers, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(get_domain_path_is_not_validated, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(release_removes_the_domain_its_nodes_and_watches, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(resume_and_shutdown_events, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(transport_seam, xs_setup, xs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
