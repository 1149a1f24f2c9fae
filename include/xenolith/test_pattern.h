/*
 * test_pattern.h - the byte pattern a guest app and a Dom0 test tool both
 * compute, so each side can check what the other wrote into a shared page
 * (grant-offer and tests/tools/gnttab_peer.c). Plain C, no includes beyond
 * <stdint.h>: the freestanding guest uses it too.
 */
#ifndef XENOLITH_TEST_PATTERN_H
#define XENOLITH_TEST_PATTERN_H

#include <stdint.h>

/* Byte i of the pattern for seed: differs per seed and per position. */
static inline uint8_t xl_pattern(uint32_t seed, uint32_t i)
{
    uint32_t x = seed * 2654435761u + i * 40503u;
    x ^= x >> 13;
    return (uint8_t)(x * 2246822519u >> 24);
}

/* Seeds: page p as the guest fills it, and as Dom0 answers in it. */
#define XL_PATTERN_GUEST(p) (0x1000u + (p))
#define XL_PATTERN_DOM0(p)  (0x2000u + (p))

#endif
