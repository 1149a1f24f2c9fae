/*
 * create.h - libxl's domain creation: a parsed config to a running (or
 * paused) domain. Reads and checks the kernel, asks the hypervisor for a
 * domain, builds it, and unpauses it. On any failure nothing is left
 * behind: a half-built domain is destroyed.
 */
#ifndef XL_CREATE_H
#define XL_CREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct xc;

/* 0 with *domid, or -errno with err naming what failed and why, e.g.
 * "kernel '/x/k' not found: No such file or directory". */
int libxl_domain_create(struct xc *xc, const struct xl_domain_config *cfg, bool paused,
                        uint32_t *domid, char *err, size_t errlen);

/* The disk's target exists and opens as the guest will use it (r or rw).
 * 0, or -errno with err ("disk '/x.img' not found: No such file or directory"). */
int libxl_check_disk(const struct xl_disk *d, char *err, size_t errlen);
/* Every disk of an array: the first failure, as above. */
int libxl_check_disks(const struct xl_disk *disks, unsigned n, char *err, size_t errlen);

/*
 * The split devices' xenstore directories for domain domid (xs_device.h);
 * the backends pick them up from there. Used by create and by restore.
 * 0, or -errno with err set (-ENOENT: xenstored does not answer).
 */
int libxl_devices_add(uint32_t domid, const struct xl_disk *disks, unsigned n_disks,
                      const struct xl_vif *vifs, unsigned n_vifs, char *err, size_t errlen);

#endif
