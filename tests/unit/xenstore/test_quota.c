/*
 * test_quota.c - the limits Xen 4.17 enforces on unprivileged domains, at
 * their default values, as a guest runs into them; Dom0 is exempt.
 */
#include "harness.h"

static struct fake *guest(struct fake *d0, unsigned int domid)
{
    char home[64];
    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    assert_int_equal(xs_mkdir1(d0, home), 0);
    char perms[32];
    snprintf(perms, sizeof(perms), "n%u|", domid);
    assert_int_equal(xs_setperms(d0, 0, home, perms), 0);
    introduce(d0, domid, 1);
    return fake_conn(domid);
}

static void defaults_are_xens(void **state)
{
    (void)state;
    assert_int_equal(quota_get(QUOTA_NODES), 1000);
    assert_int_equal(quota_get(QUOTA_WATCHES), 128);
    assert_int_equal(quota_get(QUOTA_OUTSTANDING), 20);
    assert_int_equal(quota_get(QUOTA_MEMORY), 2 * 1024 * 1024 + 512 * 1024);
    assert_int_equal(quota_get(QUOTA_TRANSACTIONS), 10);
    assert_int_equal(quota_get(QUOTA_TRANSACTION_NODES), 1024);
    assert_int_equal(quota_get(QUOTA_NODE_PERMS), 5);
    assert_int_equal(quota_get(QUOTA_PATH_MAX), 2048);
    assert_int_equal(quota_get(QUOTA_NODE_SIZE), 2048);
}

static void option_parsing(void **state)
{
    (void)state;
    assert_int_equal(quota_set_arg("nodes=7"), 0);
    assert_int_equal(quota_get(QUOTA_NODES), 7);
    assert_int_equal(quota_set_arg("transaction-nodes=9"), 0);
    assert_int_equal(quota_get(QUOTA_TRANSACTION_NODES), 9);
    assert_int_equal(quota_set_arg("path-max=5000"), 0); /* capped, as Xen's -M */
    assert_int_equal(quota_get(QUOTA_PATH_MAX), 2048);
    assert_int_equal(quota_set_arg("nodes"), -EINVAL);
    assert_int_equal(quota_set_arg("nodes="), -EINVAL);
    assert_int_equal(quota_set_arg("nodes=-1"), -EINVAL);
    assert_int_equal(quota_set_arg("nodes=12x"), -EINVAL);
    assert_int_equal(quota_set_arg("node=1"), -EINVAL);
    assert_int_equal(quota_set_arg("bogus=1"), -EINVAL);
    quota_reset();
    assert_int_equal(quota_get(QUOTA_NODES), 1000);
}

static void nodes_per_domain(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest(d0, 5);
    char path[64];
    /* The home counts as one of its nodes. */
    unsigned int owned = domain_nodes(5);
    assert_int_equal(owned, 1);
    /* 100 per directory: a node's children names count against its size. */
    for (unsigned int k = 0; domain_nodes(5) < 1000; k++) {
        snprintf(path, sizeof(path), "d%u/n%u", k / 100, k);
        assert_int_equal(xs_write1(g, path, ""), 0);
    }
    assert_int_equal(domain_nodes(5), 1000);
    assert_int_equal(xs_write1(g, "one-too-many", ""), ENOSPC);
    /* Nothing partial was left behind. */
    assert_int_equal(xs_write1(g, "deep/er/path", ""), ENOSPC);
    char buf[16];
    assert_int_equal(xs_read1(g, "deep", buf, sizeof(buf)), ENOENT);
    /* Rewriting what it has is fine; removing frees room. */
    assert_int_equal(xs_write1(g, "d0/n5", "v"), 0);
    assert_int_equal(xs_rm1(g, "d0/n5"), 0);
    assert_int_equal(xs_write1(g, "again", ""), 0);
    /* Dom0 writing into the guest's home makes the guest's nodes, but
     * Dom0 is not held back. */
    assert_int_equal(xs_write1(d0, "/local/domain/5/by-dom0", ""), 0);
    assert_int_equal(domain_nodes(5), 1001);
    /* Inside a transaction the count is checked at commit. */
    assert_int_equal(xs_rm1(g, "d0/n6"), 0);
    assert_int_equal(xs_rm1(g, "d0/n7"), 0);
    uint32_t t = tx_start(g);
    assert_int_equal(xs_write_tx(g, t, "t1", ""), 0);
    assert_int_equal(tx_end(g, t, true), ENOSPC);
}

static void node_size_counts_children_names(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest(d0, 5);
    char path[64];
    /* As observed on 4.17: 531 short children (0..530) fill a node:
     * 24 + 8 + 2014 bytes of names = 2046; the 532nd would make 2050. */
    assert_int_equal(xs_mkdir1(g, "p"), 0);
    for (unsigned int i = 0; i < 531; i++) {
        snprintf(path, sizeof(path), "p/%u", i);
        assert_int_equal(xs_write1(g, path, ""), 0);
    }
    assert_int_equal(xs_write1(g, "p/531", ""), ENOSPC);
    /* The value counts too. */
    char value[2100];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    assert_int_equal(xs_write1(g, "big", value), ENOSPC);
    value[2048 - 24 - 8] = '\0';
    assert_int_equal(xs_write1(g, "big", value), 0);
    /* Dom0 is not limited. */
    value[2048] = 'v';
    assert_int_equal(xs_write1(d0, "/local/domain/5/dom0big", "x"), 0);
}

static void permissions_per_node(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest(d0, 5);
    assert_int_equal(xs_write1(g, "acl", ""), 0);
    assert_int_equal(xs_setperms(g, 0, "acl", "n5|r1|r2|r3|r4|"), 0);
    assert_int_equal(xs_setperms(g, 0, "acl", "n5|r1|r2|r3|r4|r6|"), ENOSPC);
    assert_int_equal(xs_setperms(d0, 0, "/local/domain/5/acl", "n5|r1|r2|r3|r4|r6|r7|"), 0);
}

static void memory_per_domain(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *g = guest(d0, 5);
    char value[1500];
    memset(value, 'm', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    assert_int_equal(quota_set_arg("memory=8000"), 0);
    int err = 0, i;
    char path[32];
    for (i = 0; i < 10 && !err; i++) {
        snprintf(path, sizeof(path), "m%d", i);
        err = xs_write1(g, path, value);
    }
    assert_int_equal(err, ENOMEM);
    assert_true(domain_memory(5) <= 8000);
    assert_true(i > 3);
    /* Watches count too. */
    assert_int_equal(xs_watch1(g, "/x", value), ENOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_are_xens, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(option_parsing, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(nodes_per_domain, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(node_size_counts_children_names, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(permissions_per_node, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(memory_per_domain, xs_setup, xs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
