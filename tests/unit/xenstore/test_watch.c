/*
 * test_watch.c - watches as a client sees them: the first firing, what
 * fires and what does not (a child fires, a sibling or the parent does
 * not), RM of an ancestor, relative watches, permissions, special events,
 * errors and the watch quota.
 */
#include "harness.h"

static void first_firing_follows_the_ok(void **state)
{
    (void)state;
    struct fake *w = fake_conn(0);
    struct msg m;
    /* The reply comes first, then at once the event with the watch's own
     * path, even though the node does not exist. */
    send_msg(w, XS_WATCH, 42, 0, "/none\0tok\0", 10);
    assert_true(recv_msg(w, &m));
    assert_int_equal(m.hdr.type, XS_WATCH);
    assert_int_equal(m.hdr.req_id, 42);
    assert_string_equal(m.body, "OK");
    assert_true(recv_msg(w, &m));
    assert_int_equal(m.hdr.type, XS_WATCH_EVENT);
    assert_int_equal(m.hdr.req_id, 0);
    assert_int_equal(m.hdr.tx_id, 0);
    assert_int_equal(m.hdr.len, 10);
    assert_memory_equal(m.body, "/none\0tok\0", 10);
    /* The tx_id of a WATCH is ignored, even an unknown one. */
    send_msg(w, XS_WATCH, 43, 999, "/x\0t\0", 5);
    assert_true(recv_msg(w, &m));
    assert_int_equal(m.hdr.type, XS_WATCH);
}

static void fires_for_the_node_and_below_only(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    assert_int_equal(xs_write1(a, "/p/w", ""), 0);
    assert_int_equal(xs_watch1(w, "/p/w", "T"), 0);
    expect_event(w, "/p/w", "T");
    assert_int_equal(xs_write1(a, "/p/w", "v"), 0);
    expect_event(w, "/p/w", "T");
    assert_int_equal(xs_write1(a, "/p/w/child/grandchild", "v"), 0);
    expect_event(w, "/p/w/child/grandchild", "T");
    /* Parent, sibling, a name sharing the prefix: nothing. */
    assert_int_equal(xs_write1(a, "/p", "v"), 0);
    assert_int_equal(xs_write1(a, "/p/sibling", "v"), 0);
    assert_int_equal(xs_write1(a, "/p/wx", "v"), 0);
    expect_no_event(w);
    /* MKDIR of an existing node changes nothing and fires nothing. */
    assert_int_equal(xs_mkdir1(a, "/p/w"), 0);
    expect_no_event(w);
    assert_int_equal(xs_mkdir1(a, "/p/w/new"), 0);
    expect_event(w, "/p/w/new", "T");
    /* SET_PERMS fires. */
    assert_int_equal(xs_setperms(a, 0, "/p/w", "n0|r3|"), 0);
    expect_event(w, "/p/w", "T");
}

static void rm_fires_with_the_right_paths(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    assert_int_equal(xs_write1(a, "/r/a/b/c", "1"), 0);
    assert_int_equal(xs_watch1(w, "/r/a/b/c", "deep"), 0);
    assert_int_equal(xs_watch1(w, "/r", "top"), 0);
    expect_event(w, "/r/a/b/c", "deep");
    expect_event(w, "/r", "top");
    /* RM of an ancestor: the deep watch hears its own path; the watch
     * above hears the removed root only. */
    assert_int_equal(xs_rm1(a, "/r/a"), 0);
    expect_event(w, "/r/a/b/c", "deep");
    expect_event(w, "/r/a", "top");
    expect_no_event(w);
}

static void own_change_event_comes_before_the_reply(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0);
    struct msg m;
    assert_int_equal(xs_watch1(a, "/own", "t"), 0);
    expect_event(a, "/own", "t");
    /* C xenstored queues the watch event before the WRITE's OK. */
    send_msg(a, XS_WRITE, 7, 0, "/own\0v", 6);
    assert_true(recv_msg(a, &m));
    assert_int_equal(m.hdr.type, XS_WATCH_EVENT);
    assert_true(recv_msg(a, &m));
    assert_int_equal(m.hdr.type, XS_WRITE);
}

static void duplicates_and_unwatch(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    assert_int_equal(xs_watch1(w, "/u", "t"), 0);
    assert_int_equal(xs_watch1(w, "/u", "t"), EEXIST);
    assert_int_equal(xs_watch1(w, "/u", "t2"), 0); /* another token is another watch */
    expect_event(w, "/u", "t");
    expect_event(w, "/u", "t2");
    assert_int_equal(xs_unwatch1(w, "/u", "t"), 0);
    assert_int_equal(xs_unwatch1(w, "/u", "t"), ENOENT);
    assert_int_equal(xs_unwatch1(w, "/elsewhere", "t2"), ENOENT);
    assert_int_equal(xs_write1(a, "/u", "v"), 0);
    expect_event(w, "/u", "t2");
    expect_no_event(w);
    /* RESET_WATCHES drops them all. */
    struct msg m;
    assert_int_equal(req(w, XS_RESET_WATCHES, 0, "", 1, &m), 0);
    assert_int_equal(xs_write1(a, "/u", "w"), 0);
    expect_no_event(w);
    /* Malformed: one string, or three. */
    assert_int_equal(req_strs(w, XS_WATCH, 0, "/u|", &m), EINVAL);
    assert_int_equal(req_strs(w, XS_WATCH, 0, "/u|t|extra|", &m), EINVAL);
    assert_int_equal(req_strs(w, XS_WATCH, 0, "/u/|t|", &m), EINVAL);
}

static void relative_watches_report_relative_paths(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    assert_int_equal(xs_watch1(w, "rel", "r"), 0);
    expect_event(w, "rel", "r");
    assert_int_equal(xs_write1(a, "/local/domain/0/rel/x", "1"), 0);
    expect_event(w, "rel/x", "r");
    /* The same node watched absolutely reports absolutely. */
    assert_int_equal(xs_watch1(w, "/local/domain/0/rel", "abs"), 0);
    expect_event(w, "/local/domain/0/rel", "abs");
    assert_int_equal(xs_unwatch1(w, "rel", "r"), 0);
}

static void guests_hear_only_what_they_may_read(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    introduce(d0, 5, 1);
    struct fake *g = fake_conn(5);
    assert_int_equal(xs_write1(d0, "/priv/x", "1"), 0);
    assert_int_equal(xs_write1(d0, "/open/x", "1"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/open", "n0|r5|"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/open/x", "n0|r5|"), 0);
    /* The first firing comes whatever the guest may read. */
    assert_int_equal(xs_watch1(g, "/priv", "p"), 0);
    assert_int_equal(xs_watch1(g, "/open", "o"), 0);
    expect_event(g, "/priv", "p");
    expect_event(g, "/open", "o");
    assert_int_equal(xs_write1(d0, "/priv/x", "2"), 0);
    expect_no_event(g);
    assert_int_equal(xs_write1(d0, "/open/x", "2"), 0);
    expect_event(g, "/open/x", "o");
    /* A node it cannot read but whose parent it can: it hears. */
    assert_int_equal(xs_write1(d0, "/open/hidden", "h"), 0);
    expect_event(g, "/open/hidden", "o");
    /* Losing access by SET_PERMS: it still hears that change. */
    assert_int_equal(xs_setperms(d0, 0, "/open/x", "n0|"), 0);
    expect_event(g, "/open/x", "o");
}

static void special_watches(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct fake *w = fake_conn(0);
    assert_int_equal(xs_watch1(w, "@introduceDomain", "in"), 0);
    assert_int_equal(xs_watch1(w, "@releaseDomain", "out"), 0);
    expect_event(w, "@introduceDomain", "in");
    expect_event(w, "@releaseDomain", "out");
    introduce(d0, 3, 1);
    expect_event(w, "@introduceDomain", "in");
    expect_no_event(w);
    /* INTRODUCE of a known domain: no new event. */
    introduce(d0, 3, 1);
    expect_no_event(w);
    /* An unprivileged watcher gets the first firing only. */
    struct fake *g = fake_conn(3);
    assert_int_equal(xs_watch1(g, "@releaseDomain", "g"), 0);
    expect_event(g, "@releaseDomain", "g");
    introduce(d0, 4, 1);
    expect_event(w, "@introduceDomain", "in");
    struct msg m;
    assert_int_equal(req_str(d0, XS_RELEASE, 0, "4", &m), 0);
    expect_event(w, "@releaseDomain", "out");
    expect_no_event(g);
    /* Unless Dom0 lets it read the special node. */
    assert_int_equal(xs_setperms(d0, 0, "@releaseDomain", "n0|r3|"), 0);
    introduce(d0, 4, 1);
    assert_int_equal(req_str(d0, XS_RELEASE, 0, "4", &m), 0);
    expect_event(g, "@releaseDomain", "g");
    /* Special names are not nodes for READ and WRITE. */
    assert_int_equal(xs_write1(d0, "@releaseDomain", "x"), EINVAL);
}

static void guest_watch_quota(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    introduce(d0, 5, 1);
    struct fake *g = fake_conn(5);
    char tok[16];
    /* 4.17: 129 watches get through (one more than 128), then E2BIG. */
    for (int i = 0; i < 129; i++) {
        snprintf(tok, sizeof(tok), "t%d", i);
        assert_int_equal(xs_watch1(g, "/w", tok), 0);
    }
    assert_int_equal(xs_watch1(g, "/w", "last"), E2BIG);
    assert_int_equal(xs_unwatch1(g, "/w", "t0"), 0);
    assert_int_equal(xs_watch1(g, "/w", "last"), 0);
    for (int i = 0; i < 300; i++) {
        snprintf(tok, sizeof(tok), "d%d", i);
        assert_int_equal(xs_watch1(d0, "/w", tok), 0);
    }
}

static void events_too_big_are_dropped(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    char token[4000], path[300];
    memset(token, 'k', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    /* The WATCH fits (/e + a 3999-byte token); an event for a child with
     * a long name would not: Xen drops it, the watch stays. */
    assert_int_equal(xs_watch1(w, "/e", token), 0);
    expect_event(w, "/e", token);
    memset(path, 'p', sizeof(path) - 1);
    memcpy(path, "/e/", 3);
    path[sizeof(path) - 1] = '\0';
    assert_int_equal(xs_write1(a, path, "v"), 0);
    expect_no_event(w);
    assert_int_equal(xs_write1(a, "/e", "v"), 0);
    expect_event(w, "/e", token);
    assert_int_equal(xs_unwatch1(w, "/e", token), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_firing_follows_the_ok, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(fires_for_the_node_and_below_only, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(rm_fires_with_the_right_paths, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(own_change_event_comes_before_the_reply, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(duplicates_and_unwatch, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(relative_watches_report_relative_paths, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(guests_hear_only_what_they_may_read, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(special_watches, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(guest_watch_quota, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(events_too_big_are_dropped, xs_setup, xs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
