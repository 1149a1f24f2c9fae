/*
 * xs_device.h - a split device's two xenstore directories, as libxl makes
 * them (xen-abi.md 9.2, 9.4, 9.5): in one transaction, the frontend
 * directory /local/domain/<fe>/device/<type>/<devid> (owned by the guest,
 * Dom0 may read) and the backend directory
 * /local/domain/0/backend/<type>/<fe>/<devid> (Dom0 owns, the guest reads),
 * with the cross pointers, state = 1 on both sides, online = 1, and the
 * device's keys:
 *   vbd: frontend virtual-device, device-type; backend params (absolute
 *        path), type ("phy" for a block device, else "file"), mode ("r"/"w"),
 *        dev, device-type, removable 0, bootable 1, discard-enable
 *   vif: frontend handle, mac; backend handle, mac, bridge, ip (if given),
 *        type "vif", vifname (if given)
 * The backend process (pv-backends/) picks the device up from its watch.
 */
#ifndef XL_XS_DEVICE_H
#define XL_XS_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "device_spec.h"

struct xs_handle;

/* 0, or -errno with err set: -EEXIST the devid is taken, -ENOENT no xenstored. */
int xs_device_add_disk(struct xs_handle *xs, uint32_t domid, const struct xl_disk *d,
                       char *err, size_t errlen);
int xs_device_add_vif(struct xs_handle *xs, uint32_t domid, const struct xl_vif *v,
                      char *err, size_t errlen);

/*
 * Asks the backend to unplug (online = 0, and the frontend's state to
 * Closing as libxl does), waits up to timeout_ms for the backend to reach
 * Closed, then removes both directories. -ETIMEDOUT leaves them unless
 * force. 0 or -errno with err set (-ENOENT: no such device).
 */
int xs_device_remove(struct xs_handle *xs, uint32_t domid, const char *type, uint32_t devid,
                     unsigned timeout_ms, int force, char *err, size_t errlen);

/* The devids under /local/domain/0/backend/<type>/<domid>, ascending; malloc'd.
 * 0 with *n (0 if none), or -errno. */
int xs_device_list(struct xs_handle *xs, uint32_t domid, const char *type, uint32_t **devids,
                   unsigned *n);

/*
 * A device back as a struct, from its backend directory (params, mode,
 * dev, device-type, discard-enable / handle, mac, bridge, ip, vifname),
 * read through the same parser as xl.cfg's, so what comes back is as
 * valid as a config's: save and migrate carry a domain's devices this
 * way, hot-attached ones included. 0, or -errno with err set (-ENOENT:
 * no such device, -EINVAL: its keys do not make a device).
 */
int xs_device_read_disk(struct xs_handle *xs, uint32_t domid, uint32_t devid,
                        struct xl_disk *out, char *err, size_t errlen);
int xs_device_read_vif(struct xs_handle *xs, uint32_t domid, uint32_t devid, struct xl_vif *out,
                       char *err, size_t errlen);

/* The next free vif handle of a domain (for network-attach). */
int xs_device_next_vif_devid(struct xs_handle *xs, uint32_t domid, uint32_t *devid);

#endif
