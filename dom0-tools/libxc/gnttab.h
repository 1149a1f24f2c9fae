/*
 * gnttab.h - grant maps and grant copies for Dom0 processes (Xenolith's
 * libxengnttab), over a control connection (include/xenolith/control.h
 * GNTTAB_*).
 *
 * Map one grant or a batch of one domain's grants, read-only or writable,
 * and get host pointers to them (a batch is one run of consecutive pages,
 * as xengnttab_map_domain_grant_refs gives); unmap with the pointer and
 * count. The hypervisor flags each guest entry while it is mapped, exactly
 * as Xen does, so the guest cannot take the page back meanwhile.
 *
 * Isolation: the pages are mmapped from the domain's memory fd, which the
 * daemon passes once per domain and connection. Read-only maps are
 * PROT_READ, so a well-behaved backend cannot write them; but the fd
 * reaches the whole guest, as Xen's privcmd does for a root Dom0 process:
 * a hostile Dom0 process is not contained (it could also DOMAIN_MAP_MEMORY).
 * The hypervisor's side (which refs, which domain, read-only, flags) is
 * enforced exactly. A backend that must not hold the fd uses
 * xc_gnttab_copy(): the daemon copies, and only granted bytes move.
 *
 * Mappings belong to the handle's connection: closing it (or the process
 * exiting) unmaps them in the hypervisor; munmap is then the caller's.
 * A mapping outlives the destruction of its guest: the pages stay until
 * unmapped, and are never given to anyone else meanwhile.
 *
 * Not thread-safe (one handle per thread, like struct xc).
 */
#ifndef XC_GNTTAB_H
#define XC_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/control.h"

struct xc;
struct xc_gnttab;

/* A handle on connection xc (which must outlive it). 0 or -ENOMEM. */
int xc_gnttab_open(struct xc *xc, struct xc_gnttab **out);
/* Unmaps whatever is still mapped and frees the handle. */
void xc_gnttab_close(struct xc_gnttab *g);

/*
 * Maps grants refs[0..count) of domid (count 1..XLCTL_GNTTAB_BATCH) at
 * consecutive pages from *addr, PROT_READ if readonly, else read-write.
 * All or nothing. status (may be NULL) gets each ref's GNTST_*.
 * 0, or -errno: xc_gntst_errno() of the first failed ref, -EINVAL for a
 * bad count, -errno of mmap or of the connection.
 */
int xc_gnttab_map(struct xc_gnttab *g, uint32_t domid, uint32_t count, const uint32_t *refs,
                  bool readonly, void **addr, int16_t *status);
/* Unmaps a mapping made by xc_gnttab_map (same address and count).
 * 0, or -EINVAL if there is no such mapping. */
int xc_gnttab_unmap(struct xc_gnttab *g, void *addr, uint32_t count);

/* One segment of a grant copy; status is the result (GNTST_*). */
struct xc_gnttab_seg {
    uint32_t domid, ref;
    uint16_t offset, len;     /* within the granted page */
    bool to_guest;            /* buf -> page; else page -> buf */
    void *buf;
    int16_t status;
};
/* Copies segs[0..count) (count 1..XLCTL_GNTTAB_BATCH) in the daemon. 0 when
 * the request was served (see each status), or -errno. */
int xc_gnttab_copy(struct xc_gnttab *g, uint32_t count, struct xc_gnttab_seg *segs);

/* The errno for a GNTST_* status, and its name ("GNTST_general_error"). */
int xc_gntst_errno(int16_t status);
const char *xc_gntst_name(int16_t status);

#endif
