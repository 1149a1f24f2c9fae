/*
 * ring.c - the backend's half of the console ring (see ring.h).
 *
 * Worked example, output half (XENCONS_OUT_SIZE 2048), our out_cons 4090:
 *   guest wrote 20 bytes: out_prod 4110; 4110 - 4090 = 20 <= 2048, fine;
 *   the bytes sit at 4090 & 2047 = 2042 .. 2047 and 0 .. 13 (it wrapped);
 *   we copy both pieces, the caller logs them, ring_consume(20) stores 4110.
 *   A hostile guest writing out_prod = 0 instead: 0 - 4090 = 4294963206
 *   (u32) > 2048: -EIO, nothing copied, the console is dropped.
 * Free-running indexes make the subtraction right across 2^32 as well:
 * cons 0xfffffff0, prod 0x00000010 is 32 bytes in flight.
 */
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The guest's indexes: one load each, and the load orders the byte
 * accesses that follow it (rmb in ring.h terms). */
static uint32_t load_index(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Our indexes: the store comes after the bytes it covers (wmb/mb). */
static void store_index(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int ring_attach(struct ring *r, struct xencons_interface *intf)
{
    r->intf = intf;
    r->why[0] = '\0';
    r->out_cons = load_index(&intf->out_cons);
    r->in_prod = load_index(&intf->in_prod);
    uint32_t out_prod = load_index(&intf->out_prod);
    uint32_t in_cons = load_index(&intf->in_cons);
    if (out_prod - r->out_cons > XENCONS_OUT_SIZE) {
        snprintf(r->why, sizeof(r->why), "out ring broken at connect: out_prod %u - out_cons %u > %u",
                 out_prod, r->out_cons, XENCONS_OUT_SIZE);
        return -EIO;
    }
    if (r->in_prod - in_cons > XENCONS_IN_SIZE) {
        snprintf(r->why, sizeof(r->why), "in ring broken at connect: in_prod %u - in_cons %u > %u",
                 r->in_prod, in_cons, XENCONS_IN_SIZE);
        return -EIO;
    }
    return 0;
}

ssize_t ring_read(struct ring *r, char *buf, size_t cap)
{
    uint32_t prod = load_index(&r->intf->out_prod);
    uint32_t avail = prod - r->out_cons;
    if (avail > XENCONS_OUT_SIZE) {
        snprintf(r->why, sizeof(r->why), "out ring broken: out_prod %u - out_cons %u > %u", prod,
                 r->out_cons, XENCONS_OUT_SIZE);
        return -EIO;
    }
    size_t n = avail < cap ? avail : cap;
    size_t at = r->out_cons & (XENCONS_OUT_SIZE - 1);
    size_t first = n < XENCONS_OUT_SIZE - at ? n : XENCONS_OUT_SIZE - at;
    memcpy(buf, r->intf->out + at, first);
    memcpy(buf + first, r->intf->out, n - first);
    return (ssize_t)n;
}

void ring_consume(struct ring *r, size_t n)
{
    r->out_cons += (uint32_t)n;
    store_index(&r->intf->out_cons, r->out_cons);
}

ssize_t ring_in_space(struct ring *r)
{
    uint32_t cons = load_index(&r->intf->in_cons);
    uint32_t used = r->in_prod - cons;
    if (used > XENCONS_IN_SIZE) {
        snprintf(r->why, sizeof(r->why), "in ring broken: in_prod %u - in_cons %u > %u", r->in_prod,
                 cons, XENCONS_IN_SIZE);
        return -EIO;
    }
    return (ssize_t)(XENCONS_IN_SIZE - used);
}

ssize_t ring_write(struct ring *r, const char *data, size_t len)
{
    ssize_t space = ring_in_space(r);
    if (space < 0)
        return space;
    size_t n = len < (size_t)space ? len : (size_t)space;
    size_t at = r->in_prod & (XENCONS_IN_SIZE - 1);
    size_t first = n < XENCONS_IN_SIZE - at ? n : XENCONS_IN_SIZE - at;
    memcpy(r->intf->in + at, data, first);
    memcpy(r->intf->in, data + first, n - first);
    r->in_prod += (uint32_t)n;
    store_index(&r->intf->in_prod, r->in_prod);
    return (ssize_t)n;
}
