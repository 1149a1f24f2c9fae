/*
 * blktest.c - app=blktest: the block device end to end through blkfront
 * and blkback, with data that proves where it came from
 * (include/xenolith/blk_pattern.h). One "blktest: PASS|FAIL <check>: ..."
 * line per check and a closing "blktest: done: N passed, M failed".
 *
 * Options: blktest_mb=N (area tested, from sector 0; default 64),
 * seed=S, blktest_mode=
 *   full (default)  sequential write + read back; random-order writes of
 *                   half the blocks; small unaligned writes inside pages;
 *                   QD32 async reads; flush; discard reads back zeros
 *   verify-host     the host wrote pattern (seed, gen=host_gen) over the
 *                   whole disk: read it all, check it, print its FNV-1a
 *   ro              the same read check on a read-only disk, then a write
 *                   (blk_ignore_ro=1 sends it) must fail and change nothing
 *   writer          sequential 64 KiB writes of gen=writer_gen at QD8 over
 *                   the area, "acked" progress lines, flush at the end
 *   loop            reads and writes until the device goes (detach test),
 *                   or, with loop_end=5, until its store fails (EIO); then
 *                   loop_retries=N (8) more writes and reads must each fail
 * The blkfront knobs (blk_persistent=, blk_indirect=, blk_ring_order=,
 * blk_queues=, blk_flush=, blk_discard=) apply.
 */
#include "blkfront.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "xenolith/blk_pattern.h"

#define CHUNK_SECTORS 2048u          /* 1 MiB per transfer in the sequential passes */
#define RAND_BLOCK_SECTORS 64u       /* 32 KiB blocks for the random pass */

static unsigned passed, failed;

static void check(bool ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(bool ok, const char *name, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    printf("blktest: %s %s: %s\n", ok ? "PASS" : "FAIL", name, detail);
    if (ok)
        passed++;
    else
        failed++;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Writes pattern (seed, gen) over [first, first+n) in CHUNK transfers. */
static int write_pattern(struct blk_dev *d, uint8_t *buf, uint64_t first, uint64_t n,
                         uint32_t seed, uint32_t gen)
{
    for (uint64_t s = first; s < first + n; s += CHUNK_SECTORS) {
        uint64_t c = first + n - s < CHUNK_SECTORS ? first + n - s : CHUNK_SECTORS;
        blkpat_fill(buf, s, c, seed, gen);
        int rc = blk_write(d, s, buf, c);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Reads [first, first+n) and checks it against gen_of(sector). Returns the
 * first bad sector, -1 when all good, or -2 - errno-ish on an I/O error
 * (*err set). */
typedef uint32_t (*gen_fn)(uint64_t sector, void *arg);
static int64_t read_check(struct blk_dev *d, uint8_t *buf, uint64_t first, uint64_t n,
                          uint32_t seed, gen_fn gen_of, void *arg, int *err)
{
    *err = 0;
    for (uint64_t s = first; s < first + n; s += CHUNK_SECTORS) {
        uint64_t c = first + n - s < CHUNK_SECTORS ? first + n - s : CHUNK_SECTORS;
        int rc = blk_read(d, s, buf, c);
        if (rc < 0) {
            *err = rc;
            return (int64_t)s;
        }
        for (uint64_t i = 0; i < c; i++) {
            uint32_t g = gen_of(s + i, arg);
            if (g == 0) { /* expect zeros (discarded) */
                const uint64_t *w = (const uint64_t *)(buf + i * BLKPAT_SECTOR);
                for (unsigned k = 0; k < BLKPAT_WORDS; k++)
                    if (w[k])
                        return (int64_t)(s + i);
                continue;
            }
            if (blkpat_check(buf + i * BLKPAT_SECTOR, s + i, 1, seed, g) >= 0)
                return (int64_t)(s + i);
        }
    }
    return -1;
}

/* ---- the full run ------------------------------------------------------ */

struct gen_map {
    uint8_t *block_gen;   /* per RAND_BLOCK: generation (1 or 2) */
    uint64_t discard_first, discard_n;
};

static uint32_t gen_map_of(uint64_t sector, void *arg)
{
    struct gen_map *m = arg;
    if (sector >= m->discard_first && sector < m->discard_first + m->discard_n)
        return 0;
    return m->block_gen[sector / RAND_BLOCK_SECTORS];
}

static uint32_t gen_one(uint64_t sector, void *arg)
{
    (void)sector;
    return *(uint32_t *)arg;
}

/* Checks one finished 4 KiB read of the async test; returns bad sectors. */
static unsigned check_read(const uint8_t *b, uint64_t sector, uint32_t seed, struct gen_map *m)
{
    unsigned bad = 0;
    for (unsigned k = 0; k < 8; k++) {
        uint32_t g = gen_map_of(sector + k, m);
        if (g && blkpat_check(b + k * BLKPAT_SECTOR, sector + k, 1, seed, g) >= 0)
            bad++;
    }
    return bad;
}

static void test_async_reads(struct blk_dev *d, uint64_t area, uint32_t seed,
                             struct gen_map *m)
{
    enum { QD = 32, N = 2048 };
    static struct blk_io ios[QD];
    static bool busy[QD];
    uint8_t *bufs = page_alloc(QD);
    if (!bufs) {
        check(false, "async-qd32", "no memory");
        return;
    }
    uint64_t blocks = area / 8, done = 0, issued = 0, bad = 0, peak = 0;
    int err = 0;
    while (done < N && !err) {
        for (unsigned i = 0; i < QD && issued < N; i++) {
            if (busy[i])
                continue;
            ios[i] = (struct blk_io){.op = BLKIF_OP_READ, .sector = (rnd() % blocks) * 8,
                                     .nr_sectors = 8, .buf = bufs + i * PAGE_SIZE};
            int rc = blk_submit(d, &ios[i]);
            if (rc == -EAGAIN)
                break;
            if (rc < 0) {
                err = rc;
                break;
            }
            busy[i] = true;
            issued++;
        }
        if (blk_inflight(d) > peak)
            peak = blk_inflight(d);
        int n = blk_poll(d);
        for (unsigned i = 0; i < QD; i++) {
            if (!busy[i] || !ios[i].finished)
                continue;
            busy[i] = false;
            done++;
            if (ios[i].status < 0)
                err = ios[i].status;
            else
                bad += check_read(bufs + i * PAGE_SIZE, ios[i].sector, seed, m);
        }
        if (!n && !err && done < N)
            blk_wait(d, 1000000000ull);
    }
    check(!err && !bad && done == N && peak > 1, "async-qd32",
          "%llu random 4 KiB reads, up to %llu in flight, %llu bad sectors, error %d",
          (unsigned long long)done, (unsigned long long)peak, (unsigned long long)bad, err);
    page_free(bufs, QD);
}

static int run_full(struct blk_dev *d, uint64_t area, uint32_t seed)
{
    const struct blk_info *in = blk_get_info(d);
    uint8_t *buf = page_alloc(CHUNK_SECTORS / 8 + 1);
    uint64_t nblocks = area / RAND_BLOCK_SECTORS;
    uint8_t *block_gen = page_alloc((unsigned)(nblocks / PAGE_SIZE + 1));
    if (!buf || !block_gen) {
        check(false, "memory", "cannot allocate the buffers");
        return 1;
    }
    struct gen_map m = {.block_gen = block_gen};
    int err;
    uint32_t g1 = 1;

    /* 1. sequential */
    uint64_t t0 = time_now_ns();
    int rc = write_pattern(d, buf, 0, area, seed, 1);
    uint64_t t1 = time_now_ns();
    int64_t bad = rc < 0 ? -2 : read_check(d, buf, 0, area, seed, gen_one, &g1, &err);
    uint64_t t2 = time_now_ns();
    check(rc == 0 && bad == -1 && !err, "sequential",
          "wrote and read back %llu MiB (%llu ms + %llu ms), write %d, first bad sector %lld",
          (unsigned long long)(area / 2048), (unsigned long long)((t1 - t0) / 1000000),
          (unsigned long long)((t2 - t1) / 1000000), rc, (long long)bad);
    for (uint64_t b = 0; b < nblocks; b++)
        block_gen[b] = 1;

    /* 2. random order: half the blocks get generation 2 */
    uint64_t written = 0;
    rc = 0;
    for (uint64_t i = 0; i < nblocks / 2 && rc == 0; i++) {
        uint64_t b = rnd() % nblocks;
        if (block_gen[b] == 2)
            continue;
        blkpat_fill(buf, b * RAND_BLOCK_SECTORS, RAND_BLOCK_SECTORS, seed, 2);
        rc = blk_write(d, b * RAND_BLOCK_SECTORS, buf, RAND_BLOCK_SECTORS);
        block_gen[b] = 2;
        written++;
    }
    bad = rc < 0 ? -2 : read_check(d, buf, 0, area, seed, gen_map_of, &m, &err);
    check(rc == 0 && bad == -1 && !err, "random",
          "%llu 32 KiB blocks rewritten in random order, whole area read back, first bad sector %lld",
          (unsigned long long)written, (long long)bad);

    /* 3. small writes inside pages, from buffers not page aligned */
    rc = 0;
    bad = -1;
    unsigned small = 0;
    for (uint64_t b = 0; b < nblocks && small < 64 && rc == 0; b += nblocks / 64 + 1) {
        uint64_t first = b * RAND_BLOCK_SECTORS + 1 + rnd() % 16;
        uint64_t n = 1 + rnd() % 7;
        uint8_t *p = buf + BLKPAT_SECTOR * (1 + rnd() % 7); /* 512-aligned, not 4096 */
        blkpat_fill(p, first, n, seed, 3);
        rc = blk_write(d, first, p, n);
        if (rc == 0) {
            memset(buf, 0, 16 * BLKPAT_SECTOR);
            rc = blk_read(d, first - 1, p, n + 2);
        }
        if (rc == 0) {
            uint32_t gb = block_gen[b];
            if (blkpat_check(p, first - 1, 1, seed, gb) >= 0 ||
                blkpat_check(p + BLKPAT_SECTOR, first, n, seed, 3) >= 0 ||
                blkpat_check(p + (n + 1) * BLKPAT_SECTOR, first + n, 1, seed, gb) >= 0)
                bad = (int64_t)first;
            /* put the block back as generation gb for the checks after */
            blkpat_fill(buf, b * RAND_BLOCK_SECTORS, RAND_BLOCK_SECTORS, seed, gb);
            rc = blk_write(d, b * RAND_BLOCK_SECTORS, buf, RAND_BLOCK_SECTORS);
        }
        small++;
    }
    check(rc == 0 && bad == -1, "small-unaligned",
          "%u writes of 1-7 sectors at odd sectors from 512-aligned buffers, neighbours intact, first bad %lld, error %d",
          small, (long long)bad, rc);

    /* 4. many in flight */
    test_async_reads(d, area, seed, &m);

    /* 5. flush */
    if (in->flush) {
        rc = blk_flush(d);
        check(rc == 0, "flush", "BLKIF_OP_FLUSH_DISKCACHE answered %d", rc);
    } else {
        printf("blktest: SKIP flush: the backend does not offer feature-flush-cache\n");
    }

    /* 6. discard: 1 MiB in the middle reads back as zeros, the rest intact */
    if (in->discard && area >= 4 * CHUNK_SECTORS) {
        m.discard_first = area / 2 - (area / 2) % CHUNK_SECTORS;
        m.discard_n = CHUNK_SECTORS;
        rc = blk_discard(d, m.discard_first, m.discard_n);
        bad = rc < 0 ? -2 : read_check(d, buf, 0, area, seed, gen_map_of, &m, &err);
        check(rc == 0 && bad == -1 && !err, "discard",
              "1 MiB at sector %llu discarded, reads back zeros, first bad sector %lld, error %d",
              (unsigned long long)m.discard_first, (long long)bad, rc);
    } else {
        printf("blktest: SKIP discard: %s\n",
               in->discard ? "area too small" : "the backend does not offer feature-discard");
    }
    return 0;
}

/* ---- host-written images, writer, loop --------------------------------- */

static int run_verify_host(struct blk_dev *d, uint32_t seed, bool ro)
{
    const struct blk_info *in = blk_get_info(d);
    uint32_t gen = (uint32_t)cmdline_u64("host_gen", 7);
    uint8_t *buf = page_alloc(CHUNK_SECTORS / 8);
    uint64_t fnv = BLKPAT_FNV_INIT;
    int64_t bad = -1;
    int rc = 0;
    for (uint64_t s = 0; s < in->sectors && rc == 0; s += CHUNK_SECTORS) {
        uint64_t c = in->sectors - s < CHUNK_SECTORS ? in->sectors - s : CHUNK_SECTORS;
        rc = blk_read(d, s, buf, c);
        if (rc < 0)
            break;
        fnv = blkpat_fnv(fnv, buf, c * BLKPAT_SECTOR);
        int64_t b = blkpat_check(buf, s, c, seed, gen);
        if (b >= 0 && bad < 0)
            bad = (int64_t)s + b;
    }
    check(rc == 0 && bad == -1, "host-image",
          "%llu sectors read, pattern seed %u gen %u, first bad sector %lld, error %d",
          (unsigned long long)in->sectors, seed, gen, (long long)bad, rc);
    printf("blktest: image fnv=0x%016llx sectors=%llu\n", (unsigned long long)fnv,
           (unsigned long long)in->sectors);
    if (!ro)
        return 0;
    check(in->readonly, "ro-info", "the backend's info says read-only (info=%u)", in->vdisk_info);
    blkpat_fill(buf, 0, 8, seed, gen + 1);
    rc = blk_write(d, 0, buf, 8);
    check(rc == -EIO || rc == -EROFS, "ro-write-refused", "a write of sector 0 answered %d", rc);
    rc = blk_read(d, 0, buf, 8);
    check(rc == 0 && blkpat_check(buf, 0, 8, seed, gen) < 0, "ro-unchanged",
          "sector 0..7 still hold the host's data (read %d)", rc);
    if (in->discard)
        check(false, "ro-no-discard", "a read-only device offers discard");
    return 0;
}

struct writer {
    struct blk_io io;
    uint64_t block;
};

static int run_writer(struct blk_dev *d, uint64_t area, uint32_t seed)
{
    enum { QD = 8, BLK = 128 }; /* 64 KiB */
    uint32_t gen = (uint32_t)cmdline_u64("writer_gen", 5);
    uint64_t pace_us = cmdline_u64("writer_pace_us", 0);
    static struct writer w[QD];
    uint8_t *bufs = blk_alloc_buffer(d, (uint64_t)QD * BLK * BLKPAT_SECTOR);
    if (!bufs)
        bufs = page_alloc(QD * BLK / 8);
    uint64_t nblocks = area / BLK, next = 0, acked = 0;
    int err = 0;
    printf("blktest: writer: %llu blocks of 64 KiB, gen %u\n", (unsigned long long)nblocks, gen);
    console_flush();
    for (unsigned i = 0; i < QD; i++)
        w[i].io.finished = true;
    uint64_t last_report = 0;
    while (acked < nblocks && !err) {
        for (unsigned i = 0; i < QD; i++) {
            struct writer *x = &w[i];
            if (!x->io.finished)
                continue;
            if (x->io.arg) {
                if (x->io.status < 0) {
                    err = x->io.status;
                    printf("blktest: writer: block %llu failed: %d\n",
                           (unsigned long long)x->block, x->io.status);
                    break;
                }
                acked++;
                x->io.arg = 0;
            }
            if (next >= nblocks)
                continue;
            uint8_t *b = bufs + (uint64_t)i * BLK * BLKPAT_SECTOR;
            blkpat_fill(b, next * BLK, BLK, seed, gen);
            x->block = next;
            x->io = (struct blk_io){.op = BLKIF_OP_WRITE, .sector = next * BLK, .nr_sectors = BLK,
                                    .buf = b, .arg = x};
            int rc = blk_submit(d, &x->io);
            if (rc == -EAGAIN) {
                x->io.finished = true;
                x->io.arg = 0;
                break;
            }
            if (rc < 0) {
                err = rc;
                break;
            }
            next++;
        }
        if (acked - last_report >= 64) {
            printf("blktest: writer: acked %llu\n", (unsigned long long)acked);
            last_report = acked;
        }
        if (!blk_poll(d))
            blk_wait(d, 1000000000ull);
        if (pace_us)
            sleep_ns(pace_us * 1000);
    }
    int frc = blk_get_info(d)->flush ? blk_flush(d) : 0;
    check(!err && frc == 0 && acked == nblocks, "writer",
          "%llu of %llu blocks acknowledged, error %d, flush %d", (unsigned long long)acked,
          (unsigned long long)nblocks, err, frc);
    return 0;
}

/* After the loop ends on an error other than a detach, the device must
 * keep answering: each of `retries` more writes and reads gets an error,
 * none hangs and none succeeds (a store that failed does not come back
 * behind the guest's back). Returns how many did not answer so. */
static unsigned loop_retry(struct blk_dev *d, uint8_t *buf, uint64_t area, unsigned retries,
                           int want)
{
    unsigned wrong = 0;
    for (unsigned i = 0; i < retries; i++) {
        uint64_t s = (rnd() % (area / 128)) * 128;
        int w = blk_write(d, s, buf, 128);
        int r = blk_read(d, s, buf, 128);
        if (w != want || r != want) {
            printf("blktest: loop: retry %u: write %d, read %d, wanted %d\n", i, w, r, want);
            wrong++;
        }
    }
    return wrong;
}

static int run_loop(struct blk_dev *d, uint64_t area, uint32_t seed)
{
    uint8_t *buf = page_alloc(16);
    uint64_t ios = 0;
    int rc = 0;
    /* loop_end=5: the test fails the store under us (EIO), not a detach. */
    int want = -(int)cmdline_u64("loop_end", ENODEV);
    printf("blktest: loop: I/O until the device goes\n");
    console_flush();
    uint64_t deadline = time_now_ns() + cmdline_u64("loop_s", 60) * 1000000000ull;
    while (rc == 0 && time_now_ns() < deadline) {
        uint64_t s = (rnd() % (area / 128)) * 128;
        blkpat_fill(buf, s, 128, seed, 9);
        rc = blk_write(d, s, buf, 128);
        if (rc == 0)
            rc = blk_read(d, s, buf, 128);
        if (rc == 0 && blkpat_check(buf, s, 128, seed, 9) >= 0)
            rc = -EILSEQ;
        if (rc == 0 && ++ios == 100)
            printf("blktest: loop: 100 write+read pairs verified\n"); /* the test's cue */
    }
    if (want == -ENODEV) {
        check(rc == -ENODEV, "detach", "I/O stopped with %d after %llu verified write+read pairs",
              rc, (unsigned long long)ios);
        return 0;
    }
    check(rc == want, "io-error", "I/O stopped with %d after %llu verified write+read pairs", rc,
          (unsigned long long)ios);
    unsigned retries = (unsigned)cmdline_u64("loop_retries", 8);
    unsigned wrong = loop_retry(d, buf, area, retries, want);
    check(wrong == 0, "io-error-stays", "%u more writes and reads: %u answered other than %d",
          retries, wrong, want);
    return 0;
}

int app_blktest(void)
{
    uint32_t seed = (uint32_t)cmdline_u64("seed", 12345);
    uint64_t mb = cmdline_u64("blktest_mb", 64);
    char mode[16] = "full";
    cmdline_get("blktest_mode", mode, sizeof(mode));
    rng_state = 0x9e3779b97f4a7c15ull ^ seed;
    uint32_t devid = (uint32_t)cmdline_u64("blk_devid", 0);
    if (!devid && blk_first_devid(&devid) < 0) {
        printf("blktest: FAIL open: no vbd in xenstore\n");
        printf("blktest: done: 0 passed, 1 failed\n");
        return 1;
    }
    struct blk_dev *d;
    int rc = blk_open(devid, &d);
    if (rc < 0) {
        printf("blktest: FAIL open: vbd %u: %d\n", devid, rc);
        printf("blktest: done: 0 passed, 1 failed\n");
        return 1;
    }
    const struct blk_info *in = blk_get_info(d);
    printf("blktest: vbd %u: %llu sectors, %s, persistent=%d indirect=%u ring_order=%u "
           "queues=%u flush=%d discard=%d\n",
           devid, (unsigned long long)in->sectors, in->readonly ? "read-only" : "read-write",
           in->persistent, in->indirect_segs, in->ring_order, in->queues, in->flush, in->discard);
    uint64_t area = mb * 2048;
    if (area > in->sectors)
        area = in->sectors - in->sectors % RAND_BLOCK_SECTORS;
    if (strcmp(mode, "verify-host") == 0)
        run_verify_host(d, seed, false);
    else if (strcmp(mode, "ro") == 0)
        run_verify_host(d, seed, true);
    else if (strcmp(mode, "writer") == 0)
        run_writer(d, area, seed);
    else if (strcmp(mode, "loop") == 0)
        run_loop(d, area, seed);
    else
        run_full(d, area, seed);
    blk_close(d);
    printf("blktest: done: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
