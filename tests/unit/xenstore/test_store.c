/*
 * test_store.c - the tree as a Dom0 client sees it: the initial nodes,
 * READ/WRITE/MKDIR/RM/DIRECTORY/DIRECTORY_PART with Xen's semantics, path
 * rules, and the store's own helpers (children lists, sizes, paths).
 */
#include "harness.h"

#include "node.h"

static void initial_tree_is_xens(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[256];
    /* C xenstored starts with /tool/xenstored only; /local is the
     * toolstack's to create. */
    assert_int_equal(xs_dir(d0, 0, "/", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "tool");
    assert_int_equal(xs_dir(d0, 0, "/tool", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "xenstored");
    assert_int_equal(xs_read1(d0, "/local", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_getperms(d0, "/", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n0");
    assert_int_equal(xs_getperms(d0, "@introduceDomain", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n0");
    assert_int_equal(xs_getperms(d0, "@releaseDomain", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n0");
    assert_int_equal(control_check_store(), 0);
}

static void write_creates_parents_with_empty_values(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[256];
    assert_int_equal(xs_write1(d0, "/a/b/c", "hello"), 0);
    assert_int_equal(xs_read1(d0, "/a/b/c", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "hello");
    assert_int_equal(xs_read1(d0, "/a/b", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(xs_dir(d0, 0, "/a", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "b");
    /* The new nodes inherit their parent's permissions. */
    assert_int_equal(xs_getperms(d0, "/a/b/c", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "n0");
    assert_int_equal(control_check_store(), 0);
}

static void read_returns_raw_bytes_without_a_nul(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct msg m;
    char payload[] = "/bin\0a\0b\xff";
    assert_int_equal(req(d0, XS_WRITE, 0, payload, sizeof(payload) - 1, &m), 0);
    assert_int_equal(req_str(d0, XS_READ, 0, "/bin", &m), 0);
    assert_int_equal(m.hdr.len, 4);
    assert_memory_equal(m.body, "a\0b\xff", 4);
    /* An empty value is zero bytes. */
    assert_int_equal(xs_write1(d0, "/empty", ""), 0);
    assert_int_equal(req_str(d0, XS_READ, 0, "/empty", &m), 0);
    assert_int_equal(m.hdr.len, 0);
}

static void mkdir_creates_and_keeps_existing_values(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_mkdir1(d0, "/m/n"), 0);
    assert_int_equal(xs_read1(d0, "/m/n", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(xs_write1(d0, "/m/n", "v"), 0);
    assert_int_equal(xs_mkdir1(d0, "/m/n"), 0);
    assert_int_equal(xs_read1(d0, "/m/n", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "v");
}

static void rm_removes_the_subtree_and_is_fine_when_missing(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_write1(d0, "/r/x/y", "1"), 0);
    assert_int_equal(xs_write1(d0, "/r/z", "2"), 0);
    size_t before = store_count();
    assert_int_equal(xs_rm1(d0, "/r/x"), 0);
    assert_int_equal(store_count(), before - 2);
    assert_int_equal(xs_read1(d0, "/r/x/y", buf, sizeof(buf)), ENOENT);
    assert_int_equal(xs_dir(d0, 0, "/r", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "z");
    /* Missing node, parent exists: OK. Missing parent: ENOENT. */
    assert_int_equal(xs_rm1(d0, "/r/x"), 0);
    assert_int_equal(xs_rm1(d0, "/r/x/y"), ENOENT);
    /* The root cannot go. */
    assert_int_equal(xs_rm1(d0, "/"), EINVAL);
    assert_int_equal(control_check_store(), 0);
}

static void directory_lists_children_in_creation_order(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[256];
    assert_int_equal(xs_write1(d0, "/d/zeta", ""), 0);
    assert_int_equal(xs_write1(d0, "/d/alpha", ""), 0);
    assert_int_equal(xs_write1(d0, "/d/mu", ""), 0);
    assert_int_equal(xs_dir(d0, 0, "/d", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "zeta,alpha,mu");
    /* A re-created child goes to the end, as in C xenstored. */
    assert_int_equal(xs_rm1(d0, "/d/zeta"), 0);
    assert_int_equal(xs_write1(d0, "/d/zeta", ""), 0);
    assert_int_equal(xs_dir(d0, 0, "/d", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "alpha,mu,zeta");
    assert_int_equal(xs_dir(d0, 0, "/d/none", buf, sizeof(buf)), ENOENT);
}

/* Children named c0000..cNNNN (6 bytes each with the NUL). */
static void make_children(struct fake *d0, const char *parent, unsigned int n)
{
    char path[128];
    for (unsigned int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/c%04u", parent, i);
        assert_int_equal(xs_mkdir1(d0, path), 0);
    }
}

static void directory_part_pages_a_long_list(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    struct msg m;
    make_children(d0, "/big", 1000); /* 6000 bytes of names */
    assert_int_equal(req_str(d0, XS_DIRECTORY, 0, "/big", &m), E2BIG);

    /* Fetch it as libxenstore does: until the list ends in "\0\0". */
    char all[8192];
    size_t total = 0;
    char gen[32] = "";
    for (unsigned int off = 0, rounds = 0;; rounds++) {
        char spec[64];
        assert_true(rounds < 10);
        snprintf(spec, sizeof(spec), "/big|%u|", off);
        assert_int_equal(req_strs(d0, XS_DIRECTORY_PART, 0, spec, &m), 0);
        size_t gl = strlen(m.body);
        if (off)
            assert_string_equal(gen, m.body);
        else
            strcpy(gen, m.body);
        size_t chunk = m.hdr.len - gl - 1;
        assert_true(chunk <= XENSTORE_PAYLOAD_MAX);
        memcpy(all + total, m.body + gl + 1, chunk);
        total += chunk;
        off += (unsigned int)chunk;
        if (total >= 2 && all[total - 2] == '\0')
            break;
    }
    assert_int_equal(total, 6000 + 1); /* the list and the end marker */
    assert_memory_equal(all, "c0000\0c0001\0", 12);
    assert_memory_equal(all + 6000 - 6, "c0999\0", 6);

    /* An offset past the end: "<gen>\0\0". */
    assert_int_equal(req_strs(d0, XS_DIRECTORY_PART, 0, "/big|99999|", &m), 0);
    assert_int_equal(m.hdr.len, strlen(gen) + 2);
    assert_string_equal(m.body, gen);
    assert_int_equal(m.body[strlen(gen) + 1], '\0');

    /* A change of the node changes the generation. */
    assert_int_equal(xs_mkdir1(d0, "/big/extra"), 0);
    assert_int_equal(req_strs(d0, XS_DIRECTORY_PART, 0, "/big|0|", &m), 0);
    assert_string_not_equal(m.body, gen);
}

static void paths_are_checked_as_xen_does(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[64];
    const char *bad[] = {"/a b", "/a//b", "/a/", "", "/a.b", "/a*", "@foo", "/x\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (xs_write1(d0, bad[i], "v") != EINVAL)
            fail_msg("path '%s' was not refused", bad[i]);
        assert_int_equal(xs_read1(d0, bad[i], buf, sizeof(buf)), EINVAL);
    }
    assert_int_equal(xs_write1(d0, "/Aa-_@09", "ok"), 0);
    /* Relative paths of socket clients are under /local/domain/0. */
    assert_int_equal(xs_write1(d0, "rel/x", "1"), 0);
    assert_int_equal(xs_read1(d0, "/local/domain/0/rel/x", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1");
}

static void path_length_limits(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char path[3200];
    /* 2048 characters in all: fine; 2049: EINVAL, even for Dom0. */
    memset(path, 'x', sizeof(path));
    path[0] = '/';
    path[2048] = '\0';
    assert_int_equal(xs_write1(d0, path, "v"), 0);
    path[2048] = 'x';
    path[2049] = '\0';
    assert_int_equal(xs_write1(d0, path, "v"), EINVAL);
    /* Under /local/domain/<id>/ the prefix is not counted. */
    int n = snprintf(path, sizeof(path), "/local/domain/7/");
    memset(path + n, 'y', 2048);
    path[n + 2048] = '\0';
    assert_int_equal(xs_write1(d0, path, "v"), 0);
    path[n + 2048] = 'y';
    path[n + 2049] = '\0';
    assert_int_equal(xs_write1(d0, path, "v"), EINVAL);
}

static void generation_grows_with_every_change(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    assert_int_equal(xs_write1(d0, "/g", "1"), 0);
    uint64_t g1 = store_get("/g")->generation;
    assert_int_equal(xs_write1(d0, "/g", "2"), 0);
    uint64_t g2 = store_get("/g")->generation;
    assert_true(g2 > g1);
    assert_int_equal(xs_mkdir1(d0, "/g/child"), 0); /* the parent changes too */
    assert_true(store_get("/g")->generation > g2);
}

static void node_helpers(void **state)
{
    (void)state;
    struct node *n = node_new("/p");
    struct perm p[2] = {{0, PERM_NONE}, {5, PERM_READ}};
    assert_non_null(n);
    assert_int_equal(node_set_perms(n, p, 2), 0);
    assert_int_equal(node_set_data(n, "abc", 3), 0);
    assert_int_equal(node_add_child(n, "one"), 0);
    assert_int_equal(node_add_child(n, "two"), 0);
    /* Xen's size: 24-byte header, 8 per permission, value, children. */
    assert_int_equal(node_size(n), 24 + 16 + 3 + 8);
    assert_true(node_has_child(n, "two"));
    assert_false(node_has_child(n, "tw"));
    assert_true(node_del_child(n, "one"));
    assert_false(node_del_child(n, "one"));
    assert_int_equal(n->childlen, 4);
    assert_memory_equal(n->children, "two", 4);
    struct node *c = node_dup(n);
    assert_non_null(c);
    assert_memory_equal(c->data, "abc", 3);
    assert_int_equal(c->perms[1].domid, 5);
    node_free(c);
    node_free(n);

    char parent[64];
    path_parent("/a/b/c", parent, sizeof(parent));
    assert_string_equal(parent, "/a/b");
    path_parent("/a", parent, sizeof(parent));
    assert_string_equal(parent, "/");
    path_parent("@releaseDomain", parent, sizeof(parent));
    assert_string_equal(parent, "/");
    assert_string_equal(path_basename("/a/b/c"), "c");
    assert_true(path_is_child("/a/b", "/a"));
    assert_true(path_is_child("/a", "/a"));
    assert_true(path_is_child("/a", "/"));
    assert_false(path_is_child("/ab", "/a"));
    assert_false(path_is_child("@x", "/"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(initial_tree_is_xens, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(write_creates_parents_with_empty_values, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(read_returns_raw_bytes_without_a_nul, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(mkdir_creates_and_keeps_existing_values, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(rm_removes_the_subtree_and_is_fine_when_missing, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(directory_lists_children_in_creation_order, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(directory_part_pages_a_long_list, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(paths_are_checked_as_xen_does, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(path_length_limits, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(generation_grows_with_every_change, xs_setup, xs_teardown),
        cmocka_unit_test(node_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
