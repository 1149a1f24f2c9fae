/*
 * blk_host.c - the host's own limit for the block figures: io_uring with
 * O_DIRECT on the same file the guest's disk is, measured in the same run
 * (bench/run.sh). One thread, one ring, QD requests kept in flight, as
 * blkback does it but with no guest, no grants and no notifications.
 *
 *   blk_host --file PATH --mode seqread|seqwrite|randread --bs BYTES
 *            --qd N [--seconds S | --bytes B] [--size BYTES]
 *
 * Prints one line:
 *   blk_host mode=seqread bs=1048576 qd=8 mbps=1234.5 iops=1177.3 ios=N seconds=S
 * (MB = 10^6 bytes, as blkbench reports). Sequential modes wrap at the end
 * of the file (or --size); randread picks bs-aligned offsets uniformly with
 * a fixed-seed xorshift, as the guest's blkbench does.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: blk_host --file PATH --mode seqread|seqwrite|randread --bs BYTES "
                    "--qd N [--seconds S] [--size BYTES]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *file = NULL, *mode = NULL;
    uint64_t bs = 1 << 20, qd = 8, size = 0;
    double seconds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--file"))
            file = argv[i + 1];
        else if (!strcmp(argv[i], "--mode"))
            mode = argv[i + 1];
        else if (!strcmp(argv[i], "--bs"))
            bs = strtoull(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--qd"))
            qd = strtoull(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--seconds"))
            seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--size"))
            size = strtoull(argv[i + 1], NULL, 0);
        else
            usage();
    }
    if (!file || !mode || !bs || bs % 4096 || !qd || qd > 256)
        usage();
    int write_mode = !strcmp(mode, "seqwrite"), rand_mode = !strcmp(mode, "randread");
    if (!write_mode && !rand_mode && strcmp(mode, "seqread"))
        usage();
    int fd = open(file, (write_mode ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (fd < 0) {
        fprintf(stderr, "blk_host: open %s with O_DIRECT: %s\n", file, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return 1;
    if (!size)
        size = (uint64_t)st.st_size;
    uint64_t blocks = size / bs;
    if (blocks == 0) {
        fprintf(stderr, "blk_host: %s is smaller than one block\n", file);
        return 1;
    }
    struct io_uring ring;
    int rc = io_uring_queue_init((unsigned)qd * 2, &ring, 0);
    if (rc < 0) {
        fprintf(stderr, "blk_host: io_uring_queue_init: %s\n", strerror(-rc));
        return 1;
    }
    uint8_t *buf;
    if (posix_memalign((void **)&buf, 4096, qd * bs))
        return 1;
    memset(buf, 0x5a, qd * bs);
    uint64_t next = 0, rng = 0x9e3779b97f4a7c15ull, ios = 0;
    double t0 = now_s(), end = t0 + seconds;
    unsigned inflight = 0;
    int stop = 0;
    for (;;) {
        while (!stop && inflight < qd) {
            uint64_t blk;
            if (rand_mode) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                blk = rng % blocks;
            } else {
                blk = next++ % blocks;
            }
            struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
            unsigned slot = 0;
            /* a free buffer slot: the user_data of a finished request */
            slot = (unsigned)(ios + inflight) % (unsigned)qd;
            if (write_mode)
                io_uring_prep_write(sqe, fd, buf + slot * bs, (unsigned)bs, (off_t)(blk * bs));
            else
                io_uring_prep_read(sqe, fd, buf + slot * bs, (unsigned)bs, (off_t)(blk * bs));
            inflight++;
        }
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe *cqe;
        unsigned head, n = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            if (cqe->res != (int)bs) {
                fprintf(stderr, "blk_host: I/O returned %d (%s)\n", cqe->res,
                        cqe->res < 0 ? strerror(-cqe->res) : "short");
                return 1;
            }
            n++;
        }
        io_uring_cq_advance(&ring, n);
        inflight -= n;
        ios += n;
        if (!stop && now_s() >= end)
            stop = 1;
        if (stop && inflight == 0)
            break;
    }
    double dt = now_s() - t0;
    printf("blk_host mode=%s bs=%llu qd=%llu mbps=%.1f iops=%.1f ios=%llu seconds=%.3f\n", mode,
           (unsigned long long)bs, (unsigned long long)qd, (double)ios * (double)bs / dt / 1e6,
           (double)ios / dt, (unsigned long long)ios, dt);
    return 0;
}
