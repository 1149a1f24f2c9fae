/*
 * save_devices.h - a domain's split devices in a save image or migration
 * stream (the DEVICES record, docs/save-format.md), so restore makes them
 * again as libxl does from its stored config on Xen, and the guest's
 * blkfront and netfront reconnect to them after it resumes.
 *
 * The body is text, one device a line, in the order xl.cfg would list
 * them:
 *     vbd 51712 vdev=xvda,access=rw,devtype=disk,discard,target=/img/a.img
 *     vif 0 mac=00:16:3e:12:34:56,bridge=xenbr0,ip=10.0.0.2
 * that is "TYPE DEVID SPEC", SPEC in xl.cfg's syntax (device_spec.h). The
 * devices are read from their backend directories at save time, so
 * hot-attached ones travel too and a vif keeps its MAC.
 *
 * Parsing is pure and distrusts its input as it would a config file: every
 * line goes through the same parser, and a devid must match its vdev.
 * Restore makes the devices with libxl_devices_add() (create.h).
 */
#ifndef XL_SAVE_DEVICES_H
#define XL_SAVE_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "device_spec.h"

struct xs_handle;

struct xl_sr_devices {
    struct xl_disk disks[XL_MAX_DISKS];
    unsigned nr_disks;
    struct xl_vif vifs[XL_MAX_VIFS];
    unsigned nr_vifs;
};

/* The body for domain domid's devices into buf[cap] (*len bytes; 0 when it
 * has none). 0, or -errno with err set. */
int xl_sr_devices_collect(struct xs_handle *xs, uint32_t domid, char *buf, size_t cap,
                          size_t *len, char *err, size_t errlen);

/* A body back into out. 0, or -EINVAL with err naming the line. */
int xl_sr_devices_parse(const char *body, size_t len, struct xl_sr_devices *out, char *err,
                        size_t errlen);

#endif
