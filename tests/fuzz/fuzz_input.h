/*
 * fuzz_input.h - a fuzz input read front to back as a harness's script:
 * fixed-size fields and single bytes, for the harnesses whose input is a
 * list of moves (blkif, save_image). Reading past the end yields nothing
 * (take_bytes false, take_u8 0), so every prefix of an input is an input.
 */
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct input {
    const uint8_t *p;
    size_t left;
};

/* Copies the next n bytes to out; false (and nothing taken) if fewer are left. */
static inline bool take_bytes(struct input *in, void *out, size_t n)
{
    if (in->left < n)
        return false;
    memcpy(out, in->p, n);
    in->p += n;
    in->left -= n;
    return true;
}

static inline uint8_t take_u8(struct input *in)
{
    uint8_t v = 0;
    take_bytes(in, &v, 1);
    return v;
}

#endif
