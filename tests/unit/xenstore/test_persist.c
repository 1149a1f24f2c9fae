/*
 * test_persist.c - the state file: a saved store comes back whole (nodes,
 * values, permissions, children's order, generations, domain records);
 * a damaged file (every truncation, random bytes with a valid checksum)
 * is refused or loaded into a consistent tree, never crashes. The
 * journal: replaying it gives the live store back after random batches
 * of writes, subtree removals, permission changes, transactions and
 * domain introductions and releases; a record cut at any byte or with a
 * bad checksum ends the replay there; compaction keeps the state.
 */
#include "harness.h"

#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist.h"

static char state_file[64], journal_file[80];

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
    snprintf(journal_file, sizeof(journal_file), "%s.journal", state_file);
    unlink(state_file);
    unlink(journal_file);
    return xs_setup(state);
}

static int teardown(void **state)
{
    persist_close();
    unlink(state_file);
    unlink(journal_file);
    char aside[96];
    snprintf(aside, sizeof(aside), "%s.refused", state_file);
    unlink(aside);
    snprintf(aside, sizeof(aside), "%s.refused", journal_file);
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

/* ---- the journal ---------------------------------------------------------- */

/* Everything persisted, as text: every node reachable from / and the
 * special nodes (name, generation, permissions, value, children in
 * order), then every domain record. */
static void dump_tree(FILE *f, char *path)
{
    const struct node *n = store_get(path);
    if (!n)
        return;
    fprintf(f, "%s g%" PRIu64 " p", n->name, n->generation);
    for (unsigned int i = 0; i < n->nperms; i++)
        fprintf(f, "%u:%u,", n->perms[i].domid, n->perms[i].access);
    fprintf(f, " v%u:", n->datalen);
    if (n->datalen)
        fwrite(n->data, 1, n->datalen, f);
    fprintf(f, " c");
    for (unsigned int i = 0; i < n->childlen; i++)
        fputc(n->children[i] ? n->children[i] : ',', f);
    fputc('\n', f);
    size_t len = strlen(path);
    for (size_t off = 0; off < n->childlen;) {
        const char *base = n->children + off;
        size_t blen = strlen(base);
        off += blen + 1;
        size_t at = strcmp(path, "/") == 0 ? 0 : len;
        path[at] = '/';
        memcpy(path + at + 1, base, blen + 1);
        dump_tree(f, path);
        path[len] = '\0';
    }
}

static char *dump(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    static char path[PATH_BUF];
    strcpy(path, "/");
    dump_tree(f, path);
    strcpy(path, "@introduceDomain");
    dump_tree(f, path);
    strcpy(path, "@releaseDomain");
    dump_tree(f, path);
    for (unsigned int id = 0; id < 64; id++) {
        const struct domain *d = domain_find(id);
        if (d)
            fprintf(f, "d%u g%" PRIu64 " i%d s%d gfn%" PRIu64 " p%u t%u\n", d->domid,
                    d->generation, d->introduced, d->shutdown, d->gfn, d->port, d->target);
    }
    fclose(f);
    return text;
}

/* Sends one request without waiting for its reply (the batch's flush
 * releases it). */
static void send_spec(struct fake *f, uint32_t type, uint32_t tx, const char *spec)
{
    char buf[2 * XENSTORE_PAYLOAD_MAX];
    size_t n = strs(buf, spec);
    send_msg(f, type, next_req_id++, tx, buf, n);
}

/* The loop's end of a batch: save, then send what was held. Returns the
 * number of replies that came out. */
static int end_batch(struct fake *f)
{
    persist_flush();
    assert_false(persist_pending());
    core_flush();
    struct msg m;
    int n = 0;
    while (take_reply(f, &m))
        n++;
    return n;
}

static void random_path(char *buf, size_t size)
{
    int depth = 1 + rand() % 3;
    snprintf(buf, size, "/r");
    for (int i = 0; i < depth; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "/%c", "abc"[rand() % 3]);
    }
}

/* One random request of the batch, into spec (type returned). */
static uint32_t random_request(char *spec, size_t size)
{
    char path[64];
    random_path(path, sizeof(path));
    switch (rand() % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
        snprintf(spec, size, "%s|v%d", path, rand() % 1000);
        return XS_WRITE;
    case 4:
    case 5:
        snprintf(spec, size, "%s|", path);
        return XS_RM; /* often a subtree */
    case 6:
        snprintf(spec, size, "%s|%c%d|r%d|", path, "nrwb"[rand() % 4], rand() % 3, rand() % 4);
        return XS_SET_PERMS;
    case 7:
        snprintf(spec, size, "%s|", path);
        return XS_MKDIR;
    case 8:
        snprintf(spec, size, "%d|4096|%d|", 7 + rand() % 3, 1 + rand() % 9);
        return XS_INTRODUCE;
    default:
        snprintf(spec, size, "%d|", 7 + rand() % 3);
        return XS_RELEASE;
    }
}

#define BATCHES 120

/* After each batch: the state and the journal's length. */
static char *states[BATCHES + 1];
static off_t journal_len[BATCHES + 1];

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static ino_t file_ino(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/* Runs BATCHES random batches (one to four requests each, or a
 * transaction of several) with the state file live. */
static void run_batches(void)
{
    assert_int_equal(persist_open(state_file), 0);
    struct fake *d0 = fake_conn(0);
    persist_flush();
    states[0] = dump();
    journal_len[0] = file_size(journal_file);
    ino_t snapshot = file_ino(state_file);
    srand(42);
    char spec[256];
    for (int b = 1; b <= BATCHES; b++) {
        if (rand() % 6 == 0) {
            send_spec(d0, XS_TRANSACTION_START, 0, "|");
            persist_flush(); /* nothing changed: nothing held */
            core_flush();
            struct msg m;
            assert_true(take_reply(d0, &m));
            uint32_t tx = (uint32_t)strtoul(m.body, NULL, 10);
            for (int i = 0; i < 4; i++) {
                char path[64];
                random_path(path, sizeof(path));
                if (rand() % 3)
                    snprintf(spec, sizeof(spec), "%s|t%d", path, rand() % 1000);
                else
                    snprintf(spec, sizeof(spec), "%s|", path);
                send_spec(d0, spec[strlen(spec) - 1] == '|' ? XS_RM : XS_WRITE, tx, spec);
                end_batch(d0);
            }
            assert_false(persist_pending());
            send_spec(d0, XS_TRANSACTION_END, tx, "T|");
            assert_int_equal(end_batch(d0), 1);
        } else {
            int n = 1 + rand() % 4;
            for (int i = 0; i < n; i++) {
                uint32_t type = random_request(spec, sizeof(spec));
                send_spec(d0, type, 0, spec);
            }
            assert_int_equal(end_batch(d0), n);
        }
        states[b] = dump();
        journal_len[b] = file_size(journal_file);
    }
    /* Every batch appended; none rewrote the snapshot. */
    assert_true(file_ino(state_file) == snapshot);
    assert_true(journal_len[BATCHES] > journal_len[0]);
    persist_close();
}

static void free_states(void)
{
    for (int b = 0; b <= BATCHES; b++) {
        free(states[b]);
        states[b] = NULL;
    }
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)size + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return p;
}

static void spew(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
}

/* Loads the files as a restarted daemon would; the state, as text. */
static char *reload(void)
{
    restart_daemon();
    assert_int_equal(persist_open(state_file), 0);
    persist_close(); /* nothing written: the files stay as they are */
    assert_int_equal(control_check_store(), 0);
    return dump();
}

static void journal_replay_equals_live_store(void **state)
{
    (void)state;
    run_batches();
    /* The history had something in it. */
    assert_non_null(strstr(states[BATCHES], "/r/"));
    assert_string_not_equal(states[BATCHES / 2], states[BATCHES]);
    char *got = reload();
    assert_string_equal(got, states[BATCHES]);
    free(got);
    /* Reloading a journal replayed once more changes nothing: a load
     * writes a snapshot and empties the journal. */
    restart_daemon();
    assert_int_equal(persist_open(state_file), 0);
    persist_flush();
    persist_close();
    assert_int_equal(file_size(journal_file), 16);
    got = reload();
    assert_string_equal(got, states[BATCHES]);
    free(got);
    free_states();
}

static void cut_journal_loads_the_prefix(void **state)
{
    (void)state;
    run_batches();
    size_t slen, jlen;
    unsigned char *snap = slurp(state_file, &slen), *journal = slurp(journal_file, &jlen);
    assert_int_equal(jlen, journal_len[BATCHES]);
    /* Find the last batch that wrote a record. */
    int last = BATCHES;
    while (journal_len[last - 1] == journal_len[last])
        last--;
    for (size_t cut = (size_t)journal_len[last - 1]; cut <= jlen; cut++) {
        spew(state_file, snap, slen);
        spew(journal_file, journal, cut);
        char *got = reload();
        assert_string_equal(got, states[cut == jlen ? BATCHES : last - 1]);
        free(got);
    }
    /* A journal cut inside its header is no journal. */
    for (size_t cut = 0; cut < 16; cut++) {
        spew(state_file, snap, slen);
        spew(journal_file, journal, cut);
        char *got = reload();
        assert_string_equal(got, states[0]);
        free(got);
    }
    free(snap);
    free(journal);
    free_states();
}

static void bad_checksum_ends_the_replay(void **state)
{
    (void)state;
    run_batches();
    size_t slen, jlen;
    unsigned char *snap = slurp(state_file, &slen), *journal = slurp(journal_file, &jlen);
    for (int b = 1; b <= BATCHES; b += 7) {
        if (journal_len[b] == journal_len[b - 1])
            continue; /* no record of its own */
        for (int where = 0; where < 3; where++) {
            /* The checksum, the body's first byte, its last byte. */
            size_t at = where == 0   ? (size_t)journal_len[b - 1] + 4
                        : where == 1 ? (size_t)journal_len[b - 1] + 12
                                     : (size_t)journal_len[b] - 1;
            journal[at] ^= 0x40;
            spew(state_file, snap, slen);
            spew(journal_file, journal, jlen);
            journal[at] ^= 0x40;
            char *got = reload();
            assert_string_equal(got, states[b - 1]);
            free(got);
        }
    }
    free(snap);
    free(journal);
    free_states();
}

static void compaction_keeps_the_state(void **state)
{
    (void)state;
    assert_int_equal(persist_open(state_file), 0);
    struct fake *d0 = fake_conn(0);
    persist_flush();
    ino_t first = file_ino(state_file);
    static char value[3001];
    memset(value, 'x', sizeof(value) - 1);
    char spec[3100];
    off_t most = 0;
    /* The crash window of a compaction: the new snapshot renamed in, the
     * old journal not yet emptied. */
    unsigned char *old_journal = NULL, *new_snap = NULL;
    size_t old_jlen = 0, new_slen = 0;
    char *at_compaction = NULL;
    for (int i = 0; i < 600; i++) {
        unsigned char *before = NULL;
        size_t before_len = 0;
        ino_t ino = file_ino(state_file);
        if (!at_compaction && file_size(journal_file) > 900000)
            before = slurp(journal_file, &before_len);
        value[0] = (char)('a' + i % 26);
        snprintf(spec, sizeof(spec), "/big/%d|%s", i % 300, value);
        send_spec(d0, XS_WRITE, 0, spec);
        if (i % 50 == 49) {
            snprintf(spec, sizeof(spec), "/big/%d|", i % 300);
            send_spec(d0, XS_RM, 0, spec);
            snprintf(spec, sizeof(spec), "/big/%d|r%d|", (i + 1) % 300, i % 5);
            send_spec(d0, XS_SET_PERMS, 0, spec);
        }
        end_batch(d0);
        if (before && file_ino(state_file) != ino) {
            old_journal = before;
            old_jlen = before_len;
            before = NULL;
            new_snap = slurp(state_file, &new_slen);
            at_compaction = dump();
        }
        free(before);
        off_t len = file_size(journal_file);
        if (len > most)
            most = len;
    }
    /* 1.8 MB of writes: the journal was emptied into a new snapshot. */
    assert_true(file_ino(state_file) != first);
    assert_true(most <= (off_t)(2u << 20));
    assert_non_null(at_compaction);
    assert_true(file_size(journal_file) < most);
    char *live = dump();
    persist_close();
    char *got = reload();
    if (strcmp(got, live) != 0) {
        spew("/tmp/xs-live.txt", (unsigned char *)live, strlen(live));
        spew("/tmp/xs-got.txt", (unsigned char *)got, strlen(got));
    }
    assert_string_equal(got, live);
    free(got);
    free(live);
    spew(state_file, new_snap, new_slen);
    spew(journal_file, old_journal, old_jlen);
    got = reload();
    assert_string_equal(got, at_compaction);
    free(got);
    free(at_compaction);
    free(new_snap);
    free(old_journal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(store_comes_back_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_files_are_refused_or_consistent, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_replay_equals_live_store, setup, teardown),
        cmocka_unit_test_setup_teardown(cut_journal_loads_the_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_checksum_ends_the_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(compaction_keeps_the_state, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
