/*
 * console.h - the console frontend: Xen's primary console ring
 * (io/console.h; xen-abi.md 7.1) on the page and event channel the domain
 * builder set up (HVM_PARAM_CONSOLE_PFN / HVM_PARAM_CONSOLE_EVTCHN), as
 * Linux's hvc_xen and Mini-OS drive it. No xenbus handshake: the ring is
 * there from boot, and a backend (xenconsoled) may or may not drain it.
 *
 * This is the mechanism; the kernel's console (guest/kernel/console.c)
 * decides when to use it: only once the backend has shown itself (its
 * first event on the port; xenconsoled sends one when it binds), and not
 * while the backend leaves the ring full. A ring whose indexes become
 * impossible (prod - cons past the ring's size, which only a corrupted
 * page can show) is never used again: -EIO from every call.
 *
 * Callers serialise: one writer and one reader at a time (the kernel
 * console's locks). Not from interrupt context, except xencons_*_pending
 * and xencons_backend_seen, which only read.
 */
#ifndef PV_CONSOLE_H
#define PV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Finds the ring and binds the port's handler. 0, -ENOENT (this domain
 * has no console ring), or a hypercall's error. */
int xencons_init(void);
/* The backend has sent us an event (so it has mapped and bound the ring). */
bool xencons_backend_seen(void);

/* Puts up to n bytes into `out`, notifies the backend if any went in.
 * Returns the count (0: the ring is full), or -EIO / -ENOENT. */
int xencons_write(const char *s, size_t n);
/* Output the backend has not taken yet: 0 .. 2048, or -EIO / -ENOENT. */
int xencons_out_pending(void);
/* The backend's out_cons, to tell whether it still makes progress. */
uint32_t xencons_out_cons(void);
/* Copies the output the backend has not taken (at most cap bytes, oldest
 * first) without taking it back; returns the count. */
size_t xencons_out_unconsumed(char *buf, size_t cap);

/* Takes up to n bytes of input from `in`, notifies the backend if it took
 * any (it may be holding more). Returns the count (0: none), or -EIO. */
int xencons_read(char *buf, size_t n);
/* Idles until the backend's next event or the deadline (system time). */
void xencons_wait(uint64_t deadline_ns);

#endif
