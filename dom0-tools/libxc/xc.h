/*
 * xc.h - libxc: typed wrappers over the control socket
 * (include/xenolith/control.h), for xl, the domain builder and the Dom0
 * services. One struct xc per connection; not thread-safe (use one per
 * thread). Every call returns 0 (or a count) on success and -errno on
 * failure: -ENOENT / -ECONNREFUSED from xc_open mean "no daemon running".
 */
#ifndef XC_H
#define XC_H

#include <stddef.h>
#include <stdint.h>

#include "xenolith/control.h"

struct xc;

/* The run directory: $XENOLITH_RUNDIR, else /run/xenolith for root and
 * /tmp/xenolith-<uid> otherwise. Static buffer. */
const char *xc_default_rundir(void);

int xc_open(const char *rundir, struct xc **out);
void xc_close(struct xc *xc);

/* One raw request/reply. out may be NULL when no payload is expected;
 * *fd_out (if not NULL) receives a passed descriptor or -1. */
int xc_request(struct xc *xc, uint16_t op, const void *in, uint32_t in_len,
               void *out, uint32_t out_cap, uint32_t *out_len, int *fd_out);
/* The same, taking up to nfds (<= 2) passed descriptors, -1 where none. */
int xc_request_fds(struct xc *xc, uint16_t op, const void *in, uint32_t in_len,
                   void *out, uint32_t out_cap, uint32_t *out_len, int *fds, unsigned nfds);

int xc_ping(struct xc *xc, struct xlctl_ping_out *out);
int xc_physinfo(struct xc *xc, struct xlctl_physinfo *out);
/* On failure `why` gets the daemon's reason (may be empty). */
int xc_domain_create(struct xc *xc, const struct xlctl_domain_create *req,
                     struct xlctl_domain_created *out, char *why, size_t whylen);
int xc_domain_set_boot(struct xc *xc, const struct xlctl_boot *boot);
int xc_domain_unpause(struct xc *xc, uint32_t domid);
int xc_domain_pause(struct xc *xc, uint32_t domid);
int xc_domain_destroy(struct xc *xc, uint32_t domid);
int xc_set_hvm_param(struct xc *xc, uint32_t domid, uint32_t index, uint64_t value);
/* All guest domains (Dom0 not included); *out is malloc'd. */
int xc_domain_list(struct xc *xc, struct xlctl_dominfo **out, unsigned *n);
int xc_domain_info(struct xc *xc, uint32_t domid, struct xlctl_dominfo *out);
/* Blocks until the domain is shut down or gone (-ESRCH). */
int xc_domain_wait(struct xc *xc, uint32_t domid, struct xlctl_dominfo *out);
/* The control ops behind xl's lifecycle commands (control.h). */
int xc_domain_rename(struct xc *xc, uint32_t domid, const char *name);
/* One entry per vCPU into out (room for XLCTL_MAX_VCPUS); *n of them. */
int xc_vcpu_list(struct xc *xc, uint32_t domid, struct xlctl_vcpuinfo *out, unsigned *n);
int xc_vcpu_set_affinity(struct xc *xc, uint32_t domid, uint32_t vcpu, const uint64_t *cpumap);
int xc_domain_set_maxmem(struct xc *xc, uint32_t domid, uint64_t max_kib);
/* Sets what s->flags say (0: nothing) and answers the values now. On
 * failure `why` gets the daemon's reason (may be empty). */
int xc_sched_credit(struct xc *xc, struct xlctl_sched_credit *s, char *why, size_t whylen);
int xc_domain_shutdown(struct xc *xc, uint32_t domid, uint32_t reason);
/* *text is malloc'd and NUL-terminated. */
int xc_dmesg(struct xc *xc, char **text);
int xc_daemon_stop(struct xc *xc);

/* A foreign mapping of a whole domain's memory (the builder's view). */
struct xc_foreign_map {
    uint8_t *base;
    struct xlctl_memory_layout layout;
};
int xc_map_foreign(struct xc *xc, uint32_t domid, struct xc_foreign_map *map);
void xc_unmap_foreign(struct xc_foreign_map *map);
/* Host pointer to guest-physical [gpa, gpa+len), or NULL if not mapped. */
void *xc_foreign_gpa(const struct xc_foreign_map *map, uint64_t gpa, uint64_t len);

#endif
