/*
 * blk_image.c - the host's half of the block tests: writes and checks the
 * pattern of include/xenolith/blk_pattern.h in an image file, the same
 * bytes the guest's app=blktest writes and checks.
 *
 *   blk_image fill  FILE SEED GEN FIRST NSECT   write pattern (SEED, GEN)
 *   blk_image check FILE SEED GEN FIRST NSECT   exit 0 when all NSECT match;
 *                                               else name the first bad sector
 *   blk_image fnv   FILE                        FNV-1a of the whole file: fnv=0x...
 *   blk_image sync-check FILE SEED GEN FIRST NSECT
 *                                               the same as check, read with
 *                                               O_DIRECT (what is on the disk,
 *                                               not the page cache)
 *   blk_image gens FILE SEED FIRST NSECT BLOCK  a writer that rewrites every
 *                                               BLOCK-sector block once per
 *                                               round (generation = round):
 *                                               exit 0 when each block is one
 *                                               whole generation and all are
 *                                               G or G+1; prints
 *                                               "gens: lo=G hi=H blocks=N"
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenolith/blk_pattern.h"

#define CHUNK 2048u /* sectors: 1 MiB */

static int usage(void)
{
    fprintf(stderr, "usage: blk_image fill|check|sync-check FILE SEED GEN FIRST NSECT\n"
                    "       blk_image gens FILE SEED FIRST NSECT BLOCK\n"
                    "       blk_image fnv FILE\n");
    return 2;
}

/* The generation block `buf` (nsect sectors from `sector`) holds whole, or
 * -1 when it is not one generation of `seed` (torn, foreign or zeros).
 * Word 1 of its first sector names the candidate; blkpat_check confirms
 * every word of every sector. */
static int64_t block_generation(const uint8_t *buf, uint64_t sector, uint64_t nsect,
                                uint32_t seed)
{
    uint64_t tag = ((const uint64_t *)buf)[1];
    if (tag >> 32 != seed)
        return -1;
    uint32_t gen = (uint32_t)tag;
    return blkpat_check(buf, sector, nsect, seed, gen) < 0 ? (int64_t)gen : -1;
}

/* gens: after a writer that goes round the image block by block, writing
 * generation R+1 over R in order, the image must hold exactly two adjacent
 * generations (one, between rounds): anything else is a lost or torn
 * write. The caller compares G with the rounds the writer reported. */
static int gens_main(const char *file, uint32_t seed, uint64_t first, uint64_t nsect,
                     uint64_t block)
{
    int fd = open(file, O_RDONLY);
    uint8_t *buf;
    if (fd < 0 || !block || block > CHUNK || nsect % block ||
        posix_memalign((void **)&buf, 4096, block * BLKPAT_SECTOR)) {
        fprintf(stderr, "blk_image: gens %s: %s\n", file, fd < 0 ? strerror(errno) : "bad sizes");
        return 2;
    }
    int64_t lo = INT64_MAX, hi = -1;
    for (uint64_t s = first; s < first + nsect; s += block) {
        size_t len = (size_t)(block * BLKPAT_SECTOR);
        if (pread(fd, buf, len, (off_t)(s * BLKPAT_SECTOR)) != (ssize_t)len) {
            fprintf(stderr, "blk_image: read %s at sector %" PRIu64 " failed\n", file, s);
            return 1;
        }
        int64_t g = block_generation(buf, s, block, seed);
        if (g < 0) {
            printf("gens: block at sector %" PRIu64 " is not one whole generation of seed %u\n",
                   s, seed);
            return 1;
        }
        lo = g < lo ? g : lo;
        hi = g > hi ? g : hi;
    }
    printf("gens: lo=%" PRId64 " hi=%" PRId64 " blocks=%" PRIu64 "\n", lo, hi, nsect / block);
    return hi - lo <= 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "fnv") == 0) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "blk_image: %s: %s\n", argv[2], strerror(errno));
            return 1;
        }
        static uint8_t buf[CHUNK * BLKPAT_SECTOR];
        uint64_t h = BLKPAT_FNV_INIT;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            h = blkpat_fnv(h, buf, (size_t)n);
        printf("fnv=0x%016" PRIx64 "\n", h);
        return n < 0;
    }
    if (argc == 7 && strcmp(argv[1], "gens") == 0)
        return gens_main(argv[2], (uint32_t)strtoul(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
                         strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
    if (argc != 7)
        return usage();
    const char *cmd = argv[1], *file = argv[2];
    uint32_t seed = (uint32_t)strtoul(argv[3], NULL, 0), gen = (uint32_t)strtoul(argv[4], NULL, 0);
    uint64_t first = strtoull(argv[5], NULL, 0), nsect = strtoull(argv[6], NULL, 0);
    bool fill = strcmp(cmd, "fill") == 0, direct = strcmp(cmd, "sync-check") == 0;
    if (!fill && !direct && strcmp(cmd, "check") != 0)
        return usage();
    int fd = open(file, (fill ? O_RDWR | O_CREAT : O_RDONLY) | (direct ? O_DIRECT : 0), 0644);
    if (fd < 0) {
        fprintf(stderr, "blk_image: %s: %s\n", file, strerror(errno));
        return 1;
    }
    uint8_t *buf;
    if (posix_memalign((void **)&buf, 4096, CHUNK * BLKPAT_SECTOR))
        return 1;
    for (uint64_t s = first; s < first + nsect; s += CHUNK) {
        uint64_t c = first + nsect - s < CHUNK ? first + nsect - s : CHUNK;
        off_t off = (off_t)(s * BLKPAT_SECTOR);
        size_t len = (size_t)(c * BLKPAT_SECTOR);
        if (fill) {
            blkpat_fill(buf, s, c, seed, gen);
            if (pwrite(fd, buf, len, off) != (ssize_t)len) {
                fprintf(stderr, "blk_image: write %s at %jd: %s\n", file, (intmax_t)off,
                        strerror(errno));
                return 1;
            }
            continue;
        }
        if (pread(fd, buf, len, off) != (ssize_t)len) {
            fprintf(stderr, "blk_image: read %s at %jd: %s\n", file, (intmax_t)off,
                    strerror(errno));
            return 1;
        }
        int64_t bad = blkpat_check(buf, s, c, seed, gen);
        if (bad >= 0) {
            const uint64_t *w = (const uint64_t *)(buf + bad * BLKPAT_SECTOR);
            printf("bad sector %" PRIu64 ": holds sector %" PRIu64 " seed/gen 0x%" PRIx64
                   ", want seed %u gen %u\n",
                   s + (uint64_t)bad, w[0], w[1], seed, gen);
            return 1;
        }
    }
    if (fill && fsync(fd) < 0)
        return 1;
    printf("%s: %" PRIu64 " sectors from %" PRIu64 " ok\n", cmd, nsect, first);
    return 0;
}
