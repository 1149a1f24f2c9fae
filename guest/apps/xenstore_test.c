/*
 * xenstore_test.c - app=xenstore-test: the guest's xenstore client against
 * xenstored over the ring: reads what the toolstack wrote, writes and
 * reads back in its own area, is refused where it may not write or read,
 * sees a watch fire, runs transactions (committed, aborted, conflicting,
 * retried), has a watch callback run, and resets its ring with the
 * reconnect handshake.
 * One PASS/FAIL line each.
 *
 * With bench=N (make bench's xenstore_guest_{read,write}_ops) it runs
 * nothing of the above: it writes data/bench, then times N READs of it
 * and N WRITEs of a 64-byte value, one request on the ring at a time,
 * and prints one line per figure (ops/s over the whole run).
 */
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "xenbus.h"

static int passed, failed;

static void check(const char *name, int ok)
{
    if (ok)
        passed++;
    else
        failed++;
    printf("%s %s\n", ok ? "PASS" : "FAIL", name);
}

/* The retry helper's transaction: reads data/tx/conflict, and in its first
 * round changes it from outside the transaction before committing, so
 * that round conflicts. */
struct conflict_round {
    int rounds;
};

static int conflicting_update(xenbus_transaction_t t, void *arg)
{
    struct conflict_round *c = arg;
    char buf[32];
    c->rounds++;
    int rc = xenbus_read_t(t, "data/tx/conflict", buf, sizeof(buf));
    if (rc < 0)
        return rc;
    if (c->rounds == 1 && xenbus_write("data/tx/conflict", "meddled") < 0)
        return -EIO;
    rc = xenbus_write_t(t, "data/tx/conflict", "by the helper");
    return rc < 0 ? rc : c->rounds;
}

struct watch_seen {
    int events;
    bool initial; /* saw data/cb itself: the firing on registration */
    bool child;   /* saw data/cb/child, with its token */
};

static void on_cb_watch(const char *path, const char *token, void *arg)
{
    struct watch_seen *w = arg;
    w->events++;
    size_t n = strlen(path);
    if (n >= 7 && strcmp(path + n - 7, "data/cb") == 0) /* relative or not */
        w->initial = true;
    if (strstr(path, "data/cb/child") && strcmp(token, "cbtok") == 0)
        w->child = true;
}

/* Dispatches until *done or 2 s pass. */
static void dispatch_until(const bool *done)
{
    uint64_t deadline = time_now_ns() + 2000000000ull;
    while (!*done && time_now_ns() < deadline) {
        if (xenbus_dispatch_watches() == 0)
            sleep_ns(1000000);
    }
}

/* Transactions: commit, abort, conflict and the retry helper; a watch
 * callback. */
static void transaction_and_callback_checks(void)
{
    char buf[64];
    xenbus_transaction_t t;
    check("transaction start", xenbus_transaction_start(&t) == 0 && t != XBT_NIL);
    check("three writes in the transaction", xenbus_write_t(t, "data/tx/a", "1") == 0 &&
                                                 xenbus_write_t(t, "data/tx/b", "2") == 0 &&
                                                 xenbus_write_t(t, "data/tx/c", "3") == 0);
    check("the transaction reads its own write",
          xenbus_read_t(t, "data/tx/b", buf, sizeof(buf)) == 1 && strcmp(buf, "2") == 0);
    check("outside, a new key is ENOENT before the commit",
          xenbus_read("data/tx/a", buf, sizeof(buf)) == -ENOENT);
    check("commit", xenbus_transaction_end(t, false) == 0);
    int ok = 1;
    for (const char *k = "abc"; *k; k++) {
        char key[16];
        snprintf(key, sizeof(key), "data/tx/%c", *k);
        ok = ok && xenbus_read(key, buf, sizeof(buf)) == 1 && buf[0] == '1' + (*k - 'a');
    }
    check("all three visible after the commit", ok);

    int rc = xenbus_transaction_start(&t);
    check("an aborted transaction leaves nothing",
          rc == 0 && xenbus_write_t(t, "data/tx/aborted", "x") == 0 &&
              xenbus_transaction_end(t, true) == 0 &&
              xenbus_read("data/tx/aborted", buf, sizeof(buf)) == -ENOENT);

    xenbus_write("data/tx/conflict", "0");
    rc = xenbus_transaction_start(&t);
    if (rc == 0) {
        xenbus_read_t(t, "data/tx/conflict", buf, sizeof(buf));
        xenbus_write_t(t, "data/tx/conflict", "from the transaction");
        xenbus_write("data/tx/conflict", "from outside");
        rc = xenbus_transaction_end(t, false);
    }
    check("a conflicting commit is EAGAIN", rc == -EAGAIN);
    check("and the outside write stands", xenbus_read("data/tx/conflict", buf, sizeof(buf)) > 0 &&
                                              strcmp(buf, "from outside") == 0);
    struct conflict_round c = {0};
    rc = xenbus_transact(conflicting_update, &c);
    check("the retry helper commits in its second round",
          rc == 2 && c.rounds == 2 && xenbus_read("data/tx/conflict", buf, sizeof(buf)) > 0 &&
              strcmp(buf, "by the helper") == 0);
    xenbus_rm("data/tx");

    struct watch_seen w = {0};
    check("watch data/cb with a callback", xenbus_watch_cb("data/cb", "cbtok", on_cb_watch, &w) == 0);
    dispatch_until(&w.initial);
    check("the callback runs for the initial firing", w.initial && w.events == 1);
    xenbus_write("data/cb/child", "1");
    dispatch_until(&w.child);
    check("the callback runs for a write, with path, token and arg", w.child);
    xenbus_unwatch("data/cb", "cbtok");
    xenbus_rm("data/cb");
}

static int bench(uint64_t n)
{
    char value[65], buf[128];
    memset(value, 'v', 64);
    value[64] = '\0';
    if (xenbus_write("data/bench", value) < 0) {
        printf("xenstore-bench: cannot write data/bench\n");
        return 1;
    }
    uint64_t t0 = time_now_ns();
    for (uint64_t i = 0; i < n; i++)
        if (xenbus_read("data/bench", buf, sizeof(buf)) != 64) {
            printf("xenstore-bench: read %llu failed\n", (unsigned long long)i);
            return 1;
        }
    uint64_t t1 = time_now_ns();
    for (uint64_t i = 0; i < n; i++)
        if (xenbus_write("data/bench", value) < 0) {
            printf("xenstore-bench: write %llu failed\n", (unsigned long long)i);
            return 1;
        }
    uint64_t t2 = time_now_ns();
    printf("xenstore-bench: read %llu ops in %llu us, %llu ops/s\n", (unsigned long long)n,
           (unsigned long long)((t1 - t0) / 1000), (unsigned long long)(n * 1000000000ull / (t1 - t0 + 1)));
    printf("xenstore-bench: write %llu ops in %llu us, %llu ops/s\n", (unsigned long long)n,
           (unsigned long long)((t2 - t1) / 1000), (unsigned long long)(n * 1000000000ull / (t2 - t1 + 1)));
    xenbus_rm("data/bench");
    return 0;
}

int app_xenstore_test(void)
{
    char buf[256], path[128];
    uint64_t bench_n = cmdline_u64("bench", 0);
    int rc = xenbus_init();
    if (bench_n) {
        if (rc < 0) {
            printf("xenstore-bench: no xenbus ring\n");
            return 1;
        }
        return bench(bench_n);
    }
    check("xenbus ring from HVM params", rc == 0);
    if (rc < 0)
        return 1;
    rc = xenbus_read("domid", buf, sizeof(buf));
    uint64_t domid;
    check("relative read of domid", rc > 0 && parse_u64(buf, &domid) == 0 && domid == boot.domid);
    check("name written by the toolstack", xenbus_read("name", buf, sizeof(buf)) > 0);
    printf("xenstore-test: I am '%s'\n", buf);
    check("write in data/", xenbus_write("data/greeting", "hello from the guest") == 0);
    rc = xenbus_read("data/greeting", buf, sizeof(buf));
    check("read back", rc == 20 && strcmp(buf, "hello from the guest") == 0);
    check("missing key is ENOENT", xenbus_read("data/nothing-here", buf, sizeof(buf)) == -ENOENT);
    check("writing the toolstack's name is EACCES", xenbus_write("name", "evil") == -EACCES);
    check("reading Dom0's tree is EACCES", xenbus_read("/local/domain/0/name", buf, sizeof(buf)) == -EACCES ||
                                           xenbus_read("/local/domain/0/name", buf, sizeof(buf)) == -ENOENT);
    check("watch data/flag", xenbus_watch("data/flag", "flagtok") == 0);
    check("the watch fires on registration",
          xenbus_wait_watch("flagtok", path, sizeof(path), 2000000000ull) == 0);
    check("write data/flag", xenbus_write("data/flag", "1") == 0);
    check("the watch fires on a change", xenbus_wait_watch("flagtok", path, sizeof(path), 2000000000ull) == 0 &&
                                             strstr(path, "data/flag") != 0);
    check("rm data/flag", xenbus_rm("data/flag") == 0);
    transaction_and_callback_checks();
    /* Reconnect with a watch registered: afterwards requests work and the
     * watch is gone. */
    check("watch data/again", xenbus_watch("data/again", "againtok") == 0 &&
                                  xenbus_wait_watch("againtok", path, sizeof(path), 2000000000ull) == 0);
    check("ring reconnect handshake", xenbus_reconnect() == 0);
    rc = xenbus_read("domid", buf, sizeof(buf));
    check("read after the reconnect", rc > 0 && parse_u64(buf, &domid) == 0 && domid == boot.domid);
    check("write data/again after the reconnect", xenbus_write("data/again", "x") == 0);
    check("the reconnect dropped the watch",
          xenbus_wait_watch("againtok", path, sizeof(path), 300000000ull) == -ETIME);
    printf("xenstore-test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
