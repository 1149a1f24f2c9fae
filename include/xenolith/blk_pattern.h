/*
 * blk_pattern.h - the data the block tests write and check, computed the
 * same way by the guest (app=blktest), the host tools
 * (tests/tools/blk_image.c) and the unit suites, so either side can check
 * what the other wrote. Plain C over <stdint.h> and <stddef.h>: the
 * freestanding guest uses it too.
 *
 * Each 512-byte sector of pattern (seed, generation) holds 64 words:
 *   word 0   the sector's own number (a sector written at the wrong place
 *            shows up as the wrong number)
 *   word 1   seed << 32 | generation (stale data from an older pass shows)
 *   2..62    a splitmix64 stream of (seed, generation, sector, i)
 *   word 63  a checksum of words 0..62
 * blkpat_check() compares a whole buffer with what it should be.
 */
#ifndef XENOLITH_BLK_PATTERN_H
#define XENOLITH_BLK_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define BLKPAT_SECTOR 512u
#define BLKPAT_WORDS  (BLKPAT_SECTOR / 8u)

static inline uint64_t blkpat_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Word i of sector `sector` for (seed, gen). */
static inline uint64_t blkpat_word(uint32_t seed, uint32_t gen, uint64_t sector, unsigned i)
{
    if (i == 0)
        return sector;
    if (i == 1)
        return (uint64_t)seed << 32 | gen;
    return blkpat_mix(blkpat_mix(((uint64_t)seed << 32 | gen) ^ blkpat_mix(sector)) + i);
}

static inline void blkpat_fill_sector(uint64_t *w, uint32_t seed, uint32_t gen, uint64_t sector)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < BLKPAT_WORDS - 1; i++) {
        w[i] = blkpat_word(seed, gen, sector, i);
        sum = blkpat_mix(sum ^ w[i]);
    }
    w[BLKPAT_WORDS - 1] = sum;
}

/* Fills nsect sectors from `sector` on. buf must be 8-byte aligned. */
static inline void blkpat_fill(void *buf, uint64_t sector, uint64_t nsect, uint32_t seed,
                               uint32_t gen)
{
    uint64_t *w = (uint64_t *)buf;
    for (uint64_t s = 0; s < nsect; s++)
        blkpat_fill_sector(w + s * BLKPAT_WORDS, seed, gen, sector + s);
}

/* The index of the first sector in buf that is not pattern (seed, gen)
 * for its place, or -1 when all nsect are. */
static inline int64_t blkpat_check(const void *buf, uint64_t sector, uint64_t nsect,
                                   uint32_t seed, uint32_t gen)
{
    const uint64_t *w = (const uint64_t *)buf;
    uint64_t want[BLKPAT_WORDS];
    for (uint64_t s = 0; s < nsect; s++) {
        blkpat_fill_sector(want, seed, gen, sector + s);
        for (unsigned i = 0; i < BLKPAT_WORDS; i++)
            if (w[s * BLKPAT_WORDS + i] != want[i])
                return (int64_t)s;
    }
    return -1;
}

/* FNV-1a over bytes, continuing from h (start with BLKPAT_FNV_INIT). */
#define BLKPAT_FNV_INIT 0xcbf29ce484222325ull
static inline uint64_t blkpat_fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#endif
