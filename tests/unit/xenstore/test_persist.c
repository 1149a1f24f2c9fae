/*
 * test_persist.c - the state file: a saved store comes back whole (nodes,
 * values, permissions, children's order, generations, domain records);
 * a damaged file (every truncation, random bytes with a valid checksum)
 * is refused or loaded into a consistent tree, never crashes.
 */
#include "harness.h"

#include <unistd.h>

#include "persist.h"

static char state_file[64];

static void restart_daemon(void)
{
    persist_close();
    core_fini();
    domain_fini();
    store_fini();
    assert_int_equal(store_init(), 0);
    assert_int_equal(domain_init(), 0);
    assert_int_equal(core_init(), 0);
}

/* Saves the current store to state_file. */
static void save(void)
{
    assert_int_equal(persist_open(state_file), 0);
    persist_flush();
    assert_false(persist_pending());
    persist_close();
}

static int setup(void **state)
{
    snprintf(state_file, sizeof(state_file), "/tmp/xs-persist-%d", (int)getpid());
    unlink(state_file);
    return xs_setup(state);
}

static int teardown(void **state)
{
    persist_close();
    unlink(state_file);
    char aside[80];
    snprintf(aside, sizeof(aside), "%s.refused", state_file);
    unlink(aside);
    return xs_teardown(state);
}

static void store_comes_back_whole(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    char buf[256];
    assert_int_equal(xs_write1(d0, "/a/z", "last"), 0);
    assert_int_equal(xs_write1(d0, "/a/b", "bytes"), 0);
    assert_int_equal(xs_write1(d0, "/local/domain/3/x", ""), 0);
    assert_int_equal(xs_setperms(d0, 0, "/a/b", "b0|r5|"), 0);
    uint64_t gen = store_generation();
    save();
    restart_daemon();
    assert_int_equal(persist_open(state_file), 0);
    persist_flush();
    persist_close();
    d0 = fake_conn(0);
    assert_int_equal(xs_read1(d0, "/a/b", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "bytes");
    assert_int_equal(xs_getperms(d0, "/a/b", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "b0,r5");
    /* Creation order, not sorted. */
    assert_int_equal(xs_dir(d0, 0, "/a", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "z,b");
    assert_int_equal(xs_read1(d0, "/local/domain/3/x", buf, sizeof(buf)), 0);
    assert_true(domain_find(5) != NULL);
    assert_true(store_generation() >= gen);
    assert_int_equal(control_check_store(), 0);
}

static uint64_t fnv1a(const unsigned char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void write_file(const unsigned char *p, size_t len, bool fix_sum)
{
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, p, len);
    if (fix_sum && len >= 8) {
        uint64_t sum = fnv1a(copy, len - 8);
        memcpy(copy + len - 8, &sum, 8);
    }
    FILE *f = fopen(state_file, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(copy, 1, len, f), len);
    fclose(f);
    free(copy);
}

static void damaged_files_are_refused_or_consistent(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    assert_int_equal(xs_write1(d0, "/a/b/c", "value"), 0);
    assert_int_equal(xs_write1(d0, "/a/d", "other"), 0);
    assert_int_equal(xs_setperms(d0, 0, "/a/d", "n0|r2|"), 0);
    save();
    FILE *f = fopen(state_file, "r");
    assert_non_null(f);
    static unsigned char good[65536];
    size_t len = fread(good, 1, sizeof(good), f);
    fclose(f);
    assert_true(len > 40 && len < sizeof(good));

    /* Every truncation, checksum fixed up or not. */
    for (size_t cut = 0; cut < len; cut++) {
        for (int fix = 0; fix < 2; fix++) {
            write_file(good, cut, fix);
            restart_daemon();
            assert_int_equal(persist_open(state_file), 0);
            persist_close();
            assert_null(store_get("/a")); /* refused: the initial tree */
            assert_non_null(store_get("/tool/xenstored"));
            assert_int_equal(control_check_store(), 0);
        }
    }
    /* Random bytes anywhere, with a valid checksum: the checks past it. */
    srand(1);
    unsigned char bad[65536];
    for (int round = 0; round < 3000; round++) {
        memcpy(bad, good, len);
        int flips = 1 + rand() % 3;
        for (int i = 0; i < flips; i++)
            bad[rand() % (len - 8)] = (unsigned char)rand();
        write_file(bad, len, true);
        restart_daemon();
        assert_int_equal(persist_open(state_file), 0);
        persist_close();
        assert_int_equal(control_check_store(), 0);
        assert_non_null(store_get("/"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(store_comes_back_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_files_are_refused_or_consistent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
