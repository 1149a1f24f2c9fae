/*
 * blkbench.c - app=blkbench: block throughput and IOPS through blkfront,
 * keeping bench_qd transfers of bench_bs bytes in flight for bench_s
 * seconds. Buffers come from blk_alloc_buffer (granted once, no copy),
 * as a guest's page cache would be.
 *
 * Options: bench_mode=seqread|seqwrite|randread|randwrite (default
 * seqread), bench_bs=BYTES (default 1048576, a multiple of 4096),
 * bench_qd=N (default 8, at most 64), bench_s=SECONDS (default 3),
 * bench_mb=N (area used from sector 0; default the whole disk),
 * bench_warmup_s=S (default 0.5 s, not counted). One result line:
 *   blkbench: mode=seqread bs=1048576 qd=8 mbps=1234.5 iops=1177.3 ios=3600 seconds=3.001
 * (MB = 10^6 bytes), "blkbench: FAIL ..." on an error.
 */
#include "blkfront.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"

#define QD_MAX 64

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Fixed-point printing without floating point: v / 1000 with 1 decimal. */
static void fmt_milli(char *out, size_t len, uint64_t milli)
{
    snprintf(out, len, "%llu.%llu", (unsigned long long)(milli / 1000),
             (unsigned long long)(milli % 1000 / 100));
}

int app_blkbench(void)
{
    char mode[16] = "seqread";
    cmdline_get("bench_mode", mode, sizeof(mode));
    uint64_t bs = cmdline_u64("bench_bs", 1 << 20);
    uint64_t qd = cmdline_u64("bench_qd", 8);
    uint64_t secs_ms = cmdline_u64("bench_s", 3) * 1000;
    uint64_t warm_ms = cmdline_u64("bench_warmup_ms", 500);
    bool rand = mode[0] == 'r';
    bool write = strcmp(mode, "seqwrite") == 0 || strcmp(mode, "randwrite") == 0;
    if (!bs || bs % 4096 || !qd || qd > QD_MAX ||
        (strcmp(mode, "seqread") && strcmp(mode, "seqwrite") && strcmp(mode, "randread") &&
         strcmp(mode, "randwrite"))) {
        printf("blkbench: FAIL bad options (bench_mode=%s bench_bs=%llu bench_qd=%llu)\n", mode,
               (unsigned long long)bs, (unsigned long long)qd);
        return 1;
    }
    uint32_t devid = (uint32_t)cmdline_u64("blk_devid", 0);
    struct blk_dev *d;
    int rc = devid ? 0 : blk_first_devid(&devid);
    if (rc == 0)
        rc = blk_open(devid, &d);
    if (rc < 0) {
        printf("blkbench: FAIL open vbd %u: %d\n", devid, rc);
        return 1;
    }
    const struct blk_info *in = blk_get_info(d);
    uint64_t area = cmdline_u64("bench_mb", 0) * 2048;
    if (!area || area > in->sectors)
        area = in->sectors;
    uint64_t blk_sectors = bs / 512, blocks = area / blk_sectors;
    if (blocks == 0) {
        printf("blkbench: FAIL the disk (%llu sectors) is smaller than one block\n",
               (unsigned long long)in->sectors);
        return 1;
    }
    uint8_t *bufs = blk_alloc_buffer(d, qd * bs);
    if (!bufs) {
        printf("blkbench: FAIL no memory for %llu x %llu bytes\n", (unsigned long long)qd,
               (unsigned long long)bs);
        return 1;
    }
    memset(bufs, 0x5a, qd * bs);
    printf("blkbench: vbd %u persistent=%d indirect=%u ring_order=%u queues=%u\n", devid,
           in->persistent, in->indirect_segs, in->ring_order, in->queues);
    console_flush();
    static struct blk_io ios[QD_MAX];
    static bool busy[QD_MAX];
    uint64_t next = 0, counted = 0, errors = 0;
    uint64_t start = time_now_ns();
    uint64_t t0 = start + warm_ms * 1000000ull, end = t0 + secs_ms * 1000000ull;
    bool counting = warm_ms == 0;
    if (counting)
        t0 = start;
    for (;;) {
        uint64_t now = time_now_ns();
        if (!counting && now >= t0) {
            counting = true;
            counted = 0;
            t0 = now;
            end = t0 + secs_ms * 1000000ull;
        }
        bool stop = now >= end;
        for (unsigned i = 0; i < qd && !stop; i++) {
            if (busy[i])
                continue;
            uint64_t b = rand ? rnd() % blocks : next++ % blocks;
            ios[i] = (struct blk_io){.op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
                                     .sector = b * blk_sectors, .nr_sectors = blk_sectors,
                                     .buf = bufs + i * bs};
            rc = blk_submit(d, &ios[i]);
            if (rc == -EAGAIN)
                break;
            if (rc < 0) {
                printf("blkbench: FAIL submit: %d\n", rc);
                return 1;
            }
            busy[i] = true;
        }
        int n = blk_poll(d);
        for (unsigned i = 0; i < qd; i++) {
            if (busy[i] && ios[i].finished) {
                busy[i] = false;
                if (ios[i].status < 0)
                    errors++;
                if (counting)
                    counted++;
            }
        }
        if (errors) {
            printf("blkbench: FAIL %llu I/O errors\n", (unsigned long long)errors);
            return 1;
        }
        if (stop && blk_inflight(d) == 0)
            break;
        if (!n)
            blk_wait(d, 1000000000ull);
    }
    uint64_t ns = time_now_ns() - t0;
    if (!ns)
        ns = 1;
    uint64_t mbps_milli = counted * bs * 1000000ull / ns;   /* bytes/ns*1e3 = MB/s*1e3 */
    uint64_t iops_milli = counted * 1000000000000ull / ns;
    char mbps[32], iops[32], secs[32];
    fmt_milli(mbps, sizeof(mbps), mbps_milli);
    fmt_milli(iops, sizeof(iops), iops_milli);
    snprintf(secs, sizeof(secs), "%llu.%03llu", (unsigned long long)(ns / 1000000000ull),
             (unsigned long long)(ns % 1000000000ull / 1000000));
    printf("blkbench: mode=%s bs=%llu qd=%llu mbps=%s iops=%s ios=%llu seconds=%s\n", mode,
           (unsigned long long)bs, (unsigned long long)qd, mbps, iops,
           (unsigned long long)counted, secs);
    blk_close(d);
    return 0;
}
