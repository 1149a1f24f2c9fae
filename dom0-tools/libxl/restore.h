/*
 * restore.h - the receiving side of save and migration: a save stream
 * (save_image.h) from a file or a socket becomes a domain again, under
 * its saved name with a fresh domid, with no config file.
 *
 * Order: DOMAIN creates the domain paused; PAGES fill its memory (a live
 * stream may send a page many times, the last copy wins); HV_STATE and
 * XENSTORE are kept until END proves the stream whole; then the
 * hypervisor state is applied, the xenstore directory re-created for the
 * new domid and the domain introduced to xenstored (so xenconsoled
 * reconnects its console), and it is unpaused. Any failure destroys the
 * half-made domain: nothing is left behind.
 */
#ifndef XL_RESTORE_H
#define XL_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxc/xc.h"

struct libxl_restore_args {
    int fd;
    bool paused;          /* leave it paused */
    bool quiet;           /* no progress */
    uint64_t total_bytes; /* for progress: the file's size, 0 if unknown (a socket) */
    const char *label;    /* progress label */
    /* Called once END is read and checked, just before the domain is
     * made to run (migration: the sender's suspend ends at our unpause). */
    void (*before_unpause)(void *arg);
    void *arg;
};

/* 0 with *domid and name (XLCTL_NAME_MAX), or -errno with err. */
int libxl_domain_restore(struct xc *xc, const struct libxl_restore_args *a, uint32_t *domid,
                         char *name, char *err, size_t errlen);

#endif
