/*
 * test_perms.c - permissions as an unprivileged domain sees them: a fake
 * connection of domid 5 plays the guest (libxenstore cannot pretend to be
 * a guest over the socket, and Xen 4.17 has no way to act "as" a domain).
 */
#include "harness.h"

#include "perms.h"

/* Dom0 prepares /local/domain/5 owned by 5, as the toolstack does. */
static struct fake *guest5(struct fake *d0)
{
    assert_int_equal(xs_mkdir1(d0, "/local/domain/5"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/local/domain/5", "n5|"), 0);
    introduce(d0, 5, 1);
    return fake_conn(5);
}

static void parse_and_format_like_xen(void **state)
{
    (void)state;
    struct perm p[3];
    char buf[32];
    assert_int_equal(perms_parse("n0\0r5\0b0x10", 3, p), 0);
    assert_int_equal(p[0].access, PERM_NONE);
    assert_int_equal(p[1].domid, 5);
    assert_int_equal(p[1].access, PERM_READ);
    assert_int_equal(p[2].domid, 16);
    assert_int_equal(p[2].access, PERM_READ | PERM_WRITE);
    assert_int_equal(perms_parse("w7", 1, p), 0);
    assert_int_equal(p[0].access, PERM_WRITE);
    assert_int_equal(perm_format(&p[0], buf, sizeof(buf)), 3);
    assert_string_equal(buf, "w7");
    /* Xen prints the domid signed. */
    assert_int_equal(perms_parse("r-1", 1, p), 0);
    perm_format(&p[0], buf, sizeof(buf));
    assert_string_equal(buf, "r-1");
    const char *bad[] = {"x5", "r", "r5x", "", "R5", "r 5 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (perms_parse(bad[i], 1, p) != -EINVAL)
            fail_msg("'%s' parsed", bad[i]);
    /* The ignore flag is not printed. */
    p[0] = (struct perm){3, PERM_READ | PERM_IGNORE};
    perm_format(&p[0], buf, sizeof(buf));
    assert_string_equal(buf, "r3");
}

static void owner_default_and_acl_entries(void **state)
{
    (void)state;
    struct perm p[3] = {{1, PERM_READ}, {5, PERM_NONE}, {6, PERM_WRITE}};
    struct connection c = {.domid = 5, .target = XS_DOMID_INVALID};
    uint64_t gen = store_generation() + 10;
    domain_check_perms(p, 3); /* makes records for 1, 5, 6 */
    assert_int_equal(perms_for_conn(&c, p, 3, gen), PERM_NONE);
    c.domid = 6;
    assert_int_equal(perms_for_conn(&c, p, 3, gen), PERM_WRITE);
    c.domid = 7; /* not listed: the owner's letter */
    assert_int_equal(perms_for_conn(&c, p, 3, gen), PERM_READ);
    c.domid = 1; /* the owner has everything */
    assert_int_equal(perms_for_conn(&c, p, 3, gen), PERM_READ | PERM_WRITE | PERM_OWNER);
    c.domid = 9;
    c.privileged = true;
    assert_int_equal(perms_for_conn(&c, p, 3, gen), PERM_READ | PERM_WRITE | PERM_OWNER);
    /* A domain whose target is the owner acts as the owner. */
    c.privileged = false;
    c.target = 1;
    assert_int_equal(perms_for_conn(&c, p, 3, gen), PERM_READ | PERM_WRITE | PERM_OWNER);
}

static void guest_cannot_read_dom0_nodes(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest5(d0);
    char buf[64];
    assert_int_equal(xs_write1(d0, "/secret/key", "x"), 0);
    assert_int_equal(xs_read1(g, "/secret/key", buf, sizeof(buf)), EACCES);
    assert_int_equal(xs_write1(g, "/secret/key", "y"), EACCES);
    assert_int_equal(xs_dir(g, 0, "/secret", buf, sizeof(buf)), EACCES);
    assert_int_equal(xs_getperms(g, "/secret", buf, sizeof(buf)), EACCES);
    /* A missing node under an unreadable parent is EACCES, not ENOENT:
     * the guest must not learn what exists. */
    assert_int_equal(xs_read1(g, "/secret/none", buf, sizeof(buf)), EACCES);
    /* Under its own home, missing is ENOENT. */
    assert_int_equal(xs_read1(g, "/local/domain/5/none", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_rm1(g, "/secret/key"), EACCES);
}

static void read_and_write_grants(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest5(d0);
    char buf[64];
    assert_int_equal(xs_write1(d0, "/shared/r", "ro"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/shared/r", "n0|r5|"), 0);
    assert_int_equal(xs_read1(g, "/shared/r", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "ro");
    assert_int_equal(xs_write1(g, "/shared/r", "no"), EACCES);

    assert_int_equal(xs_write1(d0, "/shared/w", "wo"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/shared/w", "n0|w5|"), 0);
    assert_int_equal(xs_read1(g, "/shared/w", buf, sizeof(buf)), EACCES);
    assert_int_equal(xs_write1(g, "/shared/w", "yes"), 0);
    assert_int_equal(xs_read1(d0, "/shared/w", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "yes");

    /* The owner's letter is everyone's default: "r0" lets all read. */
    assert_int_equal(xs_write1(d0, "/pub", "p"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/pub", "r0|"), 0);
    assert_int_equal(xs_read1(g, "/pub", buf, sizeof(buf)), 0);
    assert_int_equal(xs_write1(g, "/pub", "q"), EACCES);
}

static void guest_owns_what_it_creates(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest5(d0);
    char buf[64];
    /* Relative paths of a guest are under its home. */
    assert_int_equal(xs_write1(g, "data/x", "1"), 0);
    assert_int_equal(xs_getperms(d0, "/local/domain/5/data/x", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n5");
    assert_int_equal(domain_nodes(5), 3); /* home, data, data/x */

    /* In a dom0 node the guest may write, the new node is the guest's,
     * with the rest of the parent's list. */
    assert_int_equal(xs_write1(d0, "/drop", ""), 0);
    assert_int_equal(xs_setperms(d0, 0, "/drop", "n0|b5|"), 0);
    assert_int_equal(xs_write1(g, "/drop/mine", "m"), 0);
    assert_int_equal(xs_getperms(d0, "/drop/mine", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n5,b5");
}

static void set_perms_rules(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest5(d0);
    char buf[64];
    assert_int_equal(xs_write1(g, "own", "o"), 0);
    /* The owner may change who may read, */
    assert_int_equal(xs_setperms(g, 0, "own", "n5|r0|"), 0);
    assert_int_equal(xs_getperms(g, "own", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n5,r0");
    /* not give the node away. */
    assert_int_equal(xs_setperms(g, 0, "own", "n0|"), EPERM);
    /* Someone with write access but not ownership may not change it. */
    assert_int_equal(xs_write1(d0, "/w", "w"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/w", "n0|b5|"), 0);
    assert_int_equal(xs_setperms(g, 0, "/w", "n0|"), EACCES);
    /* Dom0 may give it away. */
    assert_int_equal(xs_setperms(d0, 0, "/local/domain/5/own", "b0|"), 0);
    assert_int_equal(xs_getperms(d0, "/local/domain/5/own", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "b0");

    struct msg m;
    assert_int_equal(req_strs(d0, XS_SET_PERMS, 0, "/w|", &m), EINVAL);  /* no perm */
    assert_int_equal(req_strs(d0, XS_SET_PERMS, 0, "/w|x0|", &m), EINVAL);
    assert_int_equal(req_strs(d0, XS_SET_PERMS, 0, "/w|r|", &m), EINVAL);
    assert_int_equal(req_strs(d0, XS_SET_PERMS, 0, "/nope|r0|", &m), ENOENT);
    /* Special nodes take permissions too. */
    assert_int_equal(xs_setperms(d0, 0, "@releaseDomain", "n0|r5|"), 0);
}

static bool only_1_to_9_exist(unsigned int domid)
{
    return domid >= 1 && domid <= 9;
}

static void owners_must_exist_and_dead_entries_are_ignored(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[64];
    domain_set_exists_hook(only_1_to_9_exist);
    assert_int_equal(xs_write1(d0, "/n", "v"), 0);
    /* An owner that does not exist: ENOENT (XSA-322). */
    assert_int_equal(xs_setperms(d0, 0, "/n", "n42|"), ENOENT);
    assert_int_equal(xs_setperms(d0, 0, "/n", "n32752|"), ENOENT); /* DOMID_FIRST_RESERVED */
    /* Other entries for missing domains are kept but ignored. */
    assert_int_equal(xs_setperms(d0, 0, "/n", "n0|r42|r7|"), 0);
    assert_int_equal(xs_getperms(d0, "/n", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n0,r42,r7");
    struct connection c42 = {.domid = 42, .target = XS_DOMID_INVALID};
    const struct node *n = store_get("/n");
    assert_int_equal(perms_for_conn_node(&c42, n), PERM_NONE);
}

static void released_domain_ids_inherit_nothing(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[64];
    introduce(d0, 7, 3);
    assert_int_equal(xs_write1(d0, "/for7", "x"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/for7", "n0|r7|"), 0);
    struct fake *g7 = fake_conn(7);
    assert_int_equal(xs_read1(g7, "/for7", buf, sizeof(buf)), 0);
    /* Domain 7 goes; a new domain 7 must not read what the old one could. */
    struct msg m;
    assert_int_equal(req_str(d0, XS_RELEASE, 0, "7", &m), 0);
    introduce(d0, 7, 3);
    struct fake *g7b = fake_conn(7);
    assert_int_equal(xs_read1(g7b, "/for7", buf, sizeof(buf)), EACCES);
    /* Rewriting the node keeps the entry but ignored for good. */
    assert_int_equal(xs_write1(d0, "/for7", "y"), 0);
    assert_int_equal(xs_read1(g7b, "/for7", buf, sizeof(buf)), EACCES);
    assert_true(store_get("/for7")->perms[1].access & PERM_IGNORE);
    assert_int_equal(xs_getperms(d0, "/for7", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n0,r7");
}

static void set_target_grants_the_targets_access(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest5(d0);
    char buf[64];
    (void)g;
    introduce(d0, 6, 2);
    struct fake *dm = fake_conn(6);
    assert_int_equal(xs_write1(d0, "/local/domain/5/x", "five"), 0);
    assert_int_equal(xs_read1(dm, "/local/domain/5/x", buf, sizeof(buf)), EACCES);
    struct msg m;
    assert_int_equal(req_strs(d0, XS_SET_TARGET, 0, "6|5|", &m), 0);
    expect_ok(d0, &m);
    /* The target is a property of the domain's connection; with a ring
     * transport the domain's connection gets it; here we set it as the
     * transport would. */
    dm->c->target = domain_find(6)->target;
    assert_int_equal(xs_read1(dm, "/local/domain/5/x", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "five");
    assert_int_equal(req_strs(d0, XS_SET_TARGET, 0, "6|99|", &m), ENOENT);
    assert_int_equal(req_strs(d0, XS_SET_TARGET, 0, "6|", &m), EINVAL);
}

static void dom0_only_requests_are_refused_to_guests(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest5(d0);
    struct msg m;
    assert_int_equal(req_strs(g, XS_INTRODUCE, 0, "9|1|1|", &m), EACCES);
    assert_int_equal(req_str(g, XS_RELEASE, 0, "5", &m), EACCES);
    assert_int_equal(req_str(g, XS_RESUME, 0, "5", &m), EACCES);
    assert_int_equal(req_strs(g, XS_SET_TARGET, 0, "5|0|", &m), EACCES);
    assert_int_equal(req_str(g, XS_IS_DOMAIN_INTRODUCED, 0, "5", &m), EACCES);
    assert_int_equal(req_str(g, XS_CONTROL, 0, "check", &m), EACCES);
    /* GET_DOMAIN_PATH is for everyone. */
    assert_int_equal(req_str(g, XS_GET_DOMAIN_PATH, 0, "5", &m), 0);
    assert_string_equal(m.body, "/local/domain/5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_and_format_like_xen),
        cmocka_unit_test_setup_teardown(owner_default_and_acl_entries, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(guest_cannot_read_dom0_nodes, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(read_and_write_grants, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(guest_owns_what_it_creates, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(set_perms_rules, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(owners_must_exist_and_dead_entries_are_ignored, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(released_domain_ids_inherit_nothing, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(set_target_grants_the_targets_access, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(dom0_only_requests_are_refused_to_guests, xs_setup,
                                        xs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
