/*
 * counter_load.c - app=counter's disk and network load (see counter_load.h).
 */
#include "apps/counter_load.h"

#include "blkfront.h"
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "net/net.h"
#include "xenbus_device.h"
#include "xenolith/blk_pattern.h"

#define BLOCK_SECTORS 128u       /* 64 KiB */
#define BLOCK_BYTES (BLOCK_SECTORS * BLKPAT_SECTOR)
#define DEPTH 4u
#define SEED 7u
#define POLL_NS 500000ull        /* between polls the other threads run */
#define PING_NS 100000000ull
#define PING_ID 0x434e

/* ---- the disk ---------------------------------------------------------- */

struct disk_load {
    struct blk_dev *dev;
    uint64_t blocks;
    uint8_t *buf;                /* DEPTH blocks, granted once */
    struct blk_io io[DEPTH];
    uint64_t block_of[DEPTH];
    uint64_t writes, reads;
};

static struct disk_load disk;

static bool disk_fail(const char *what, uint32_t round, uint64_t block, int status)
{
    printf("counter: disk FAIL round %u block %llu: %s (%d)\n", round,
           (unsigned long long)block, what, status);
    return false;
}

/* A finished io of pass `op`: its status, and for a read its data. */
static bool disk_check(struct disk_load *l, unsigned slot, uint32_t round)
{
    struct blk_io *io = &l->io[slot];
    uint64_t block = l->block_of[slot];
    if (io->status != 0)
        return disk_fail(io->op == BLKIF_OP_WRITE ? "write failed" : "read failed", round, block,
                         io->status);
    if (io->op == BLKIF_OP_READ &&
        blkpat_check(io->buf, block * BLOCK_SECTORS, BLOCK_SECTORS, SEED, round) >= 0)
        return disk_fail("data read back is not what was written", round, block, 0);
    return true;
}

static bool disk_submit(struct disk_load *l, unsigned slot, uint8_t op, uint64_t block,
                        uint32_t round)
{
    struct blk_io *io = &l->io[slot];
    *io = (struct blk_io){.op = op, .sector = block * BLOCK_SECTORS,
                          .nr_sectors = BLOCK_SECTORS, .buf = l->buf + slot * BLOCK_BYTES};
    if (op == BLKIF_OP_WRITE)
        blkpat_fill(io->buf, io->sector, BLOCK_SECTORS, SEED, round);
    l->block_of[slot] = block;
    int rc = blk_submit(l->dev, io);
    if (rc < 0)
        return disk_fail("submit refused", round, block, rc);
    if (op == BLKIF_OP_WRITE)
        l->writes++;
    else
        l->reads++;
    return true;
}

/* Every block once with op, DEPTH in flight, yielding between polls. */
static bool disk_pass(struct disk_load *l, uint8_t op, uint32_t round)
{
    uint64_t next = 0;
    bool busy[DEPTH] = {false};
    unsigned inflight = 0;
    for (;;) {
        for (unsigned s = 0; s < DEPTH && next < l->blocks; s++) {
            if (busy[s])
                continue;
            if (!disk_submit(l, s, op, next++, round))
                return false;
            busy[s] = true;
            inflight++;
        }
        if (!inflight)
            return true;
        blk_poll(l->dev);
        for (unsigned s = 0; s < DEPTH; s++) {
            if (!busy[s] || !l->io[s].finished)
                continue;
            busy[s] = false;
            inflight--;
            if (!disk_check(l, s, round))
                return false;
        }
        thread_sleep_ns(POLL_NS);
    }
}

static void disk_thread(void *arg)
{
    struct disk_load *l = arg;
    for (uint32_t round = 1;; round++) {
        if (!disk_pass(l, BLKIF_OP_WRITE, round) || !disk_pass(l, BLKIF_OP_READ, round))
            return;
        if (round % 10 == 0)
            printf("counter: disk round %u verified (%llu MiB, %llu writes, %llu reads)\n", round,
               (unsigned long long)(l->blocks * BLOCK_BYTES >> 20),
               (unsigned long long)l->writes, (unsigned long long)l->reads);
    }
}

static int disk_start(void)
{
    uint32_t devid;
    if (blk_first_devid(&devid) < 0)
        return 0; /* no disk: nothing to load */
    int rc = blk_open(devid, &disk.dev);
    if (rc < 0) {
        printf("counter: disk %u did not connect (%d)\n", devid, rc);
        return rc;
    }
    uint64_t want = cmdline_u64("disk_mb", 4) * (1024 * 1024 / BLOCK_BYTES);
    uint64_t have = blk_get_info(disk.dev)->sectors / BLOCK_SECTORS;
    disk.blocks = want < have ? want : have;
    disk.buf = blk_alloc_buffer(disk.dev, (uint64_t)DEPTH * BLOCK_BYTES);
    if (!disk.blocks || !disk.buf || thread_create("disk", disk_thread, &disk) < 0) {
        printf("counter: disk %u: no room for the disk load\n", devid);
        return -ENOMEM;
    }
    printf("counter: disk load on vbd %u, %llu blocks of 64 KiB\n", devid,
           (unsigned long long)disk.blocks);
    return 0;
}

/* ---- the network ------------------------------------------------------- */

static uint32_t peer;
static uint64_t pings, replies;

static void on_reply(uint32_t src, uint16_t id, uint16_t seq, unsigned len)
{
    (void)seq, (void)len;
    if (src != peer || id != PING_ID)
        return;
    if (++replies % 10 == 0) {
        char t[16];
        ip_text(peer, t);
        printf("counter: net %llu replies of %llu pings from %s\n", (unsigned long long)replies,
               (unsigned long long)pings, t);
    }
}

static void net_thread(void *arg)
{
    (void)arg;
    uint64_t next_ping = time_now_ns();
    for (;;) {
        net_poll();
        if (peer && time_now_ns() >= next_ping) {
            icmp_echo_send(peer, PING_ID, (uint16_t)pings++, 56);
            next_ping += PING_NS;
        }
        thread_sleep_ns(1000000ull);
    }
}

static int net_start(void)
{
    uint32_t ids[1];
    if (xenbus_device_list("vif", ids, 1) <= 0)
        return 0; /* no vif */
    int rc = net_init();
    if (rc < 0)
        return rc;
    char text[32] = "";
    uint32_t mask;
    if (cmdline_get("ping", text, sizeof(text)) && ip_parse(text, &peer, &mask) < 0) {
        printf("counter: ping=%s is not an IPv4 address\n", text);
        return -EINVAL;
    }
    icmp_reply_hook = on_reply;
    if (thread_create("net", net_thread, 0) < 0)
        return -ENOSPC;
    return 0;
}

int counter_load_start(void)
{
    int rc = disk_start();
    if (rc == 0)
        rc = net_start();
    return rc;
}
