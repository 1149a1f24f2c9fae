/*
 * ring.h - the backend's half of Xen's console ring (xen-abi.md 7.1,
 * include/xenolith/xen_console.h): take the guest's output from `out`,
 * put keyboard input into `in`.
 *
 * The page is guest memory: the guest may change any byte of it, indexes
 * included, at any moment. So every call reads each shared index once,
 * checks it against our private copy of the index we own (out_cons,
 * in_prod: the page's copies of those are only ever written, never
 * trusted), and copies bytes out before anyone uses them, as io/ring.h's
 * RING_COPY_REQUEST and xenstored's readchn do. An impossible index (more
 * bytes in flight than the ring holds) fails the call with -EIO and a
 * reason in `why`; the caller then drops that console and nothing else.
 *
 * No allocation and no I/O (the caller notifies the guest), so the cmocka
 * suite (tests/unit/xenconsoled/test_ring.c) drives it on a plain struct.
 * One caller at a time per ring.
 */
#ifndef XCD_RING_H
#define XCD_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenolith/xen_console.h"

struct ring {
    struct xencons_interface *intf; /* the mapped page */
    uint32_t out_cons;              /* ours: the next output byte to take */
    uint32_t in_prod;               /* ours: where the next input byte goes */
    char why[128];                  /* what was wrong, after -EIO */
};

/*
 * Adopts a page. Our indexes start from the page's, so a restarted
 * backend carries on where the last one stopped (a new domain's page is
 * zeroed). Returns 0, or -EIO when the page's indexes are already
 * impossible.
 */
int ring_attach(struct ring *r, struct xencons_interface *intf);

/*
 * Copies up to cap bytes of the guest's output, oldest first, into buf
 * without taking them: the caller stores them, then calls ring_consume.
 * Returns the number of bytes copied (0: the ring is empty), or -EIO
 * (out_prod - out_cons > XENCONS_OUT_SIZE).
 */
ssize_t ring_read(struct ring *r, char *buf, size_t cap);

/* Hands n bytes (at most what ring_read just returned) back to the guest:
 * publishes out_cons after the copies. */
void ring_consume(struct ring *r, size_t n);

/*
 * Puts up to len bytes of input into `in`. Returns how many went in (0:
 * the guest has not read what is there yet), or -EIO
 * (in_prod - in_cons > XENCONS_IN_SIZE).
 */
ssize_t ring_write(struct ring *r, const char *data, size_t len);

/* Room in `in` (0 .. XENCONS_IN_SIZE), or -EIO as ring_write. Lets the
 * caller check the input half on every event, not only when it has input. */
ssize_t ring_in_space(struct ring *r);

#endif
