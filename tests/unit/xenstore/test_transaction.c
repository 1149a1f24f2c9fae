/*
 * test_transaction.c - transactions as clients see them: isolation until
 * commit, EAGAIN on a conflicting change (per node, as C xenstored does
 * since 4.9), ids, nesting, errors, watches at commit, the quotas.
 */
#include "harness.h"

static void ids_count_from_one_per_connection(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *b = fake_conn(0);
    assert_int_equal(tx_start(a), 1);
    assert_int_equal(tx_start(a), 2);
    assert_int_equal(tx_start(b), 1);
}

static void changes_are_invisible_until_commit(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *b = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_write1(a, "/t/v", "old"), 0);
    uint32_t t = tx_start(a);
    assert_int_equal(xs_write_tx(a, t, "/t/v", "new"), 0);
    assert_int_equal(xs_write_tx(a, t, "/t/created/deep", "c"), 0);
    /* Inside: the new values. Outside: the old ones. */
    assert_int_equal(xs_read_tx(a, t, "/t/v", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "new");
    assert_int_equal(xs_read1(b, "/t/v", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "old");
    assert_int_equal(xs_read1(a, "/t/created", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_dir(a, t, "/t", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "v,created");
    assert_int_equal(tx_end(a, t, true), 0);
    assert_int_equal(xs_read1(b, "/t/v", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "new");
    assert_int_equal(xs_read1(b, "/t/created/deep", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "c");
    assert_int_equal(control_check_store(), 0);
}

static void abort_discards_everything(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0);
    char buf[64];
    size_t before = store_count();
    uint32_t t = tx_start(a);
    assert_int_equal(xs_write_tx(a, t, "/gone/x", "1"), 0);
    assert_int_equal(tx_end(a, t, false), 0);
    assert_int_equal(xs_read1(a, "/gone", buf, sizeof(buf)), ENOENT);
    assert_int_equal(store_count(), before);
    /* The id is finished. */
    assert_int_equal(tx_end(a, t, true), ENOENT);
}

static void conflicting_write_gives_eagain(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *b = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_write1(a, "/c/x", "0"), 0);
    uint32_t t = tx_start(a);
    assert_int_equal(xs_read_tx(a, t, "/c/x", buf, sizeof(buf)), 0);
    assert_int_equal(xs_write_tx(a, t, "/c/x", "from-tx"), 0);
    assert_int_equal(xs_write1(b, "/c/x", "from-b"), 0);
    assert_int_equal(tx_end(a, t, true), EAGAIN);
    assert_int_equal(xs_read1(a, "/c/x", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "from-b");
    /* EAGAIN ended the transaction, as in Xen. */
    assert_int_equal(tx_end(a, t, false), ENOENT);
}

static void disjoint_transactions_both_commit(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *b = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_write1(a, "/p/one", "1"), 0);
    assert_int_equal(xs_write1(a, "/p/two", "2"), 0);
    uint32_t ta = tx_start(a), tb = tx_start(b);
    assert_int_equal(xs_write_tx(a, ta, "/p/one", "A"), 0);
    assert_int_equal(xs_write_tx(b, tb, "/p/two", "B"), 0);
    assert_int_equal(tx_end(a, ta, true), 0);
    assert_int_equal(tx_end(b, tb, true), 0);
    assert_int_equal(xs_read1(a, "/p/one", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "A");
    assert_int_equal(xs_read1(a, "/p/two", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "B");
}

static void node_created_meanwhile_conflicts(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *b = fake_conn(0);
    char buf[64];
    uint32_t t = tx_start(a);
    assert_int_equal(xs_read_tx(a, t, "/late", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_write1(b, "/late", "b"), 0);
    assert_int_equal(xs_write_tx(a, t, "/other", "a"), 0);
    assert_int_equal(tx_end(a, t, true), EAGAIN);
    /* Removal meanwhile conflicts too. */
    t = tx_start(a);
    assert_int_equal(xs_read_tx(a, t, "/late", buf, sizeof(buf)), 0);
    assert_int_equal(xs_rm1(b, "/late"), 0);
    assert_int_equal(tx_end(a, t, true), EAGAIN);
}

static void children_of_one_parent_conflict(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *b = fake_conn(0);
    assert_int_equal(xs_mkdir1(a, "/par"), 0);
    uint32_t ta = tx_start(a), tb = tx_start(b);
    assert_int_equal(xs_write_tx(a, ta, "/par/a", "1"), 0);
    assert_int_equal(xs_write_tx(b, tb, "/par/b", "2"), 0);
    assert_int_equal(tx_end(a, ta, true), 0);
    assert_int_equal(tx_end(b, tb, true), EAGAIN);
    char buf[64];
    assert_int_equal(xs_dir(a, 0, "/par", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "a");
}

static void rm_inside_a_transaction(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_write1(a, "/rm/x/y", "1"), 0);
    uint32_t t = tx_start(a);
    assert_int_equal(simple(a, XS_RM, t, "/rm/x"), 0);
    assert_int_equal(xs_read_tx(a, t, "/rm/x/y", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_read1(a, "/rm/x/y", buf, sizeof(buf)), 0);
    assert_int_equal(tx_end(a, t, true), 0);
    assert_int_equal(xs_read1(a, "/rm/x/y", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_dir(a, 0, "/rm", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(control_check_store(), 0);
}

static void protocol_errors(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0);
    struct msg m;
    char buf[64];
    /* An unknown id anywhere: ENOENT. */
    assert_int_equal(xs_read_tx(a, 77, "/tool", buf, sizeof(buf)), ENOENT);
    assert_int_equal(tx_end(a, 77, true), ENOENT);
    assert_int_equal(tx_end(a, 0, true), ENOENT);
    uint32_t t = tx_start(a);
    /* No nesting. */
    assert_int_equal(req(a, XS_TRANSACTION_START, t, "", 1, &m), EBUSY);
    /* END takes T or F; anything else leaves the transaction open. */
    assert_int_equal(simple(a, XS_TRANSACTION_END, t, "X"), EINVAL);
    assert_int_equal(req(a, XS_TRANSACTION_END, t, "T", 1, &m), EINVAL); /* no NUL */
    assert_int_equal(tx_end(a, t, true), 0);
    /* RESET_WATCHES drops transactions. */
    t = tx_start(a);
    assert_int_equal(req(a, XS_RESET_WATCHES, 0, "", 1, &m), 0);
    assert_int_equal(tx_end(a, t, true), ENOENT);
}

static void watches_fire_at_commit_only(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    assert_int_equal(xs_watch1(w, "/wt", "tok"), 0);
    expect_event(w, "/wt", "tok");
    uint32_t t = tx_start(a);
    assert_int_equal(xs_write_tx(a, t, "/wt/x", "1"), 0);
    expect_no_event(w);
    assert_int_equal(tx_end(a, t, true), 0);
    expect_event(w, "/wt/x", "tok");
    expect_no_event(w);
    /* An aborted transaction fires nothing. */
    t = tx_start(a);
    assert_int_equal(xs_write_tx(a, t, "/wt/y", "1"), 0);
    assert_int_equal(tx_end(a, t, false), 0);
    expect_no_event(w);
}

static void guest_transaction_quota(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    introduce(d0, 5, 1);
    struct fake *g = fake_conn(5);
    struct msg m;
    /* 4.17 lets one more than the quota (10) through, then ENOSPC. */
    for (int i = 0; i < 11; i++)
        assert_int_equal(req(g, XS_TRANSACTION_START, 0, "", 1, &m), 0);
    assert_int_equal(req(g, XS_TRANSACTION_START, 0, "", 1, &m), ENOSPC);
    /* Dom0 has no quota. */
    for (int i = 0; i < 30; i++)
        tx_start(d0);
}

static void guest_transaction_nodes_quota(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_mkdir1(d0, "/local/domain/5"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/local/domain/5", "n5|"), 0);
    introduce(d0, 5, 1);
    struct fake *g = fake_conn(5);
    assert_int_equal(quota_set_arg("transaction-nodes=4"), 0);
    uint32_t t = tx_start(g);
    /* A missing node is touched, and so is its parent (to decide between
     * ENOENT and EACCES): a, home; b; c; then d is the fifth. */
    assert_int_equal(xs_read_tx(g, t, "a", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_read_tx(g, t, "b", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_read_tx(g, t, "", buf, sizeof(buf)), EINVAL); /* touches nothing */
    assert_int_equal(xs_read_tx(g, t, "c", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_read_tx(g, t, "a", buf, sizeof(buf)), ENOENT); /* already touched */
    assert_int_equal(xs_read_tx(g, t, "d", buf, sizeof(buf)), ENOSPC);
    /* The transaction cannot commit any more. */
    assert_int_equal(tx_end(g, t, true), ENOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ids_count_from_one_per_connection, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(changes_are_invisible_until_commit, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(abort_discards_everything, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(conflicting_write_gives_eagain, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(disjoint_transactions_both_commit, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(node_created_meanwhile_conflicts, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(children_of_one_parent_conflict, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(rm_inside_a_transaction, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(protocol_errors, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(watches_fire_at_commit_only, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(guest_transaction_quota, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(guest_transaction_nodes_quota, xs_setup, xs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
