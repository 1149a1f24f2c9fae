/*
 * xenbus_device.h - a frontend's side of the XenbusState handshake
 * (xen-abi.md 9.1-9.2): find our devices under device/<type>/, learn the
 * backend's path and domain, switch our state, and wait for the backend's.
 *
 * The toolstack created device/<type>/<devid>/{backend, backend-id, state,
 * ...} (Dom0 owns it, we may write). A driver's usual walk:
 *   xenbus_device_open(&dev, "vbd", devid);
 *   wait backend >= InitWait; read its features (xenbus_device_read_be);
 *   grant rings, alloc event channels, write our keys in a transaction
 *   and switch to Initialised (or Connected);
 *   wait backend == Connected; read its properties; switch to Connected.
 * Teardown: switch to Closing, wait backend >= Closing, switch to Closed.
 *
 * Waiting uses a callback-free watch on the backend's state node; any
 * thread, not interrupt context (xenbus.h rules).
 */
#ifndef PV_XENBUS_DEVICE_H
#define PV_XENBUS_DEVICE_H

#include <stdint.h>

#include "xenbus.h"
#include "xenolith/xen.h"
#include <xen/io/xenbus.h>

struct xenbus_device {
    char type[8];           /* "vbd", "vif" */
    uint32_t devid;
    char nodename[64];      /* "device/vbd/51712" (relative: ours) */
    char backend[128];      /* "/local/domain/0/backend/vbd/5/51712" */
    domid_t backend_id;
    char token[32];         /* our watch token on <backend>/state */
};

/* The devids under device/<type>/, ascending; returns how many (<= max),
 * 0 when there are none, or -errno. */
int xenbus_device_list(const char *type, uint32_t *devids, unsigned max);

/* Reads backend and backend-id of device/<type>/<devid> and watches the
 * backend's state. 0 or -errno (-ENOENT: no such device). */
int xenbus_device_open(struct xenbus_device *dev, const char *type, uint32_t devid);
/* Drops the watch. */
void xenbus_device_close(struct xenbus_device *dev);

/* Writes our state node. 0 or -errno. */
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
/* The backend's state now (XenbusStateUnknown when unreadable). */
enum xenbus_state xenbus_backend_state(struct xenbus_device *dev);
/* Waits until the backend's state is at least `min` (or Closing/Closed
 * when min is below those and the backend gives up). Returns the state
 * seen, or -ETIME after timeout_ns. */
int xenbus_wait_backend_state(struct xenbus_device *dev, enum xenbus_state min,
                              uint64_t timeout_ns);

/* Our key device/<type>/<devid>/<key>, and the backend's <backend>/<key>. */
int xenbus_device_read(struct xenbus_device *dev, const char *key, char *buf, size_t len);
int xenbus_device_read_be(struct xenbus_device *dev, const char *key, char *buf, size_t len);
/* A numeric backend key; dflt when absent or not a number. */
uint64_t xenbus_device_be_u64(struct xenbus_device *dev, const char *key, uint64_t dflt);
/* Writes <nodename>/<key> inside transaction t (XBT_NIL for none). */
int xenbus_device_printf(struct xenbus_device *dev, xenbus_transaction_t t, const char *key,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
