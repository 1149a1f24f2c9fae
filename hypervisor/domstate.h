/*
 * domstate.h - a domain's hypervisor state to and from the blob of
 * include/xenolith/domstate.h, for save, restore and migration; and the
 * "cancelled" resume of a domain that suspended itself.
 *
 * Main thread only (control ops), while the domain's vCPUs are parked: the
 * vCPU ioctls here run beside parked threads, never beside KVM_RUN.
 */
#ifndef HV_DOMSTATE_H
#define HV_DOMSTATE_H

#include <stddef.h>

struct domain;

/* Writes d's state into buf (cap bytes); *len = bytes used. 0, or -EBUSY
 * (the domain runs: it must be paused or suspended), -E2BIG (cap too
 * small), -errno from KVM. */
int domstate_get(struct domain *d, void *buf, size_t cap, size_t *len);

/* Applies a blob to a paused domain that never ran. Everything is checked
 * before anything changes: -EINVAL (malformed; `why` says what), -EBUSY
 * (the domain has run). KVM failures after that leave a domain the caller
 * must destroy. */
int domstate_set(struct domain *d, const void *buf, size_t len, char *why, size_t whylen);

/* SHUTDOWN_suspend -> paused, with SCHEDOP_shutdown returning 1 on vCPU 0
 * (Xen's "cancelled"). 0, or -EINVAL if d is not suspended. */
int domstate_resume_cancelled(struct domain *d);

#endif
