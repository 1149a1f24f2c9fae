/*
 * xenbus_backend.h - the Dom0 half of the XenbusState handshake, shared by
 * every backend process (blkback, netback): find the devices the toolstack
 * gives us, walk each through the states, and hand the driver the moments
 * it acts on. xen-abi.md 9.2 is the sequence; this module is its loop.
 *
 * The toolstack (dom0-tools/libxl/xs_device.c) writes
 *   /local/domain/0/backend/<type>/<fe>/<devid>/{frontend, frontend-id,
 *       online, state=1, ...driver keys}
 *   /local/domain/<fe>/device/<type>/<devid>/{backend, backend-id, state=1, ...}
 * We watch /local/domain/0/backend/<type> and @releaseDomain, and each
 * device's frontend state node. For each device:
 *   appears (online=1)           -> ops->probe: open the backing store,
 *                                   write features; then state InitWait (2)
 *   frontend Initialised or
 *   Connected (and we are not)   -> ops->connect: read the frontend's
 *                                   ring-ref/event-channel, map, bind;
 *                                   then state Connected (4)
 *   frontend Closing/Closed, or
 *   online=0, or the frontend
 *   domain gone                  -> ops->disconnect (if connected), state
 *                                   Closing then Closed (6)
 *   its backend node removed     -> ops->remove: free everything
 * A hook that fails writes <backend>/error ("what failed: why"), logs one
 * line, and moves the device to Closed; other devices are unaffected.
 *
 * Restart: a backend started while a device is already Connected on both
 * sides (the previous process died) probes it and connects it again at
 * once, without a state round trip; the driver resumes the rings from
 * their shared indexes (see ops->connect).
 *
 * One thread: xb_backend_fd() is polled by the driver's loop, which calls
 * xb_backend_run() when it is readable. Hooks run on that thread.
 */
#ifndef XB_BACKEND_H
#define XB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xenbus.h>

struct xs_handle;
struct xc;
struct xb_backend;

struct xb_device {
    struct xb_backend *be;
    uint32_t fe_domid;
    uint32_t devid;
    char be_path[128];         /* /local/domain/0/backend/<type>/<fe>/<devid> */
    char fe_path[128];         /* its "frontend" key: /local/domain/<fe>/device/<type>/<devid> */
    enum xenbus_state state;   /* ours, as last written */
    enum xenbus_state fe_state;/* the frontend's, as last read */
    bool connected;            /* ops->connect succeeded, no disconnect since */
    bool resumed;              /* this connect resumes a live device (backend restart) */
    void *priv;                /* the driver's */
};

struct xb_backend_ops {
    const char *type;          /* "vbd", "vif" */
    /* 0, or -errno with why filled ("params: No such file or directory"). */
    int (*probe)(struct xb_device *dev, char *why, size_t whylen);
    /* dev->resumed tells a reconnect after a backend restart. 0 or -errno + why. */
    int (*connect)(struct xb_device *dev, char *why, size_t whylen);
    void (*disconnect)(struct xb_device *dev);
    void (*remove)(struct xb_device *dev);
};

/* Connects to xenstored (our libxenstore; $XENSTORED_PATH) and the
 * hypervisor (xc), sets the watches and takes the devices already there.
 * 0 or -errno. */
int xb_backend_open(const struct xb_backend_ops *ops, struct xb_backend **out);
void xb_backend_close(struct xb_backend *be);   /* disconnects and removes every device */

/* Poll it for POLLIN (an epoll fd, readable while xenstored has sent
 * something). It stays the same for the backend's life: a reconnect to a
 * restarted xenstored happens behind it, so the driver registers it once. */
int xb_backend_fd(struct xb_backend *be);
/* Handles every queued watch event. When xenstored went away, connects
 * again (waiting up to 5 s for its restart) with the devices untouched.
 * 0, or -ENOTCONN when xenstored did not come back. */
int xb_backend_run(struct xb_backend *be);

struct xs_handle *xb_backend_xs(struct xb_backend *be);
struct xc *xb_backend_xc(struct xb_backend *be);

/* Keys of the device: our backend directory, and the frontend's. Values are
 * NUL-terminated into buf; the length, or -errno (-ENOENT absent). */
int xb_read_be(struct xb_device *dev, const char *key, char *buf, size_t len);
int xb_read_fe(struct xb_device *dev, const char *key, char *buf, size_t len);
/* Numeric frontend/backend keys: 0 with *out, -ENOENT absent, -EINVAL not a number. */
int xb_read_fe_u64(struct xb_device *dev, const char *key, uint64_t *out);
int xb_read_be_u64(struct xb_device *dev, const char *key, uint64_t *out);
/* Writes <be_path>/<key>. 0 or -errno. */
int xb_write_be(struct xb_device *dev, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Moves the device to `state` now (e.g. a driver that finds its backing
 * store gone goes to Closing). */
int xb_set_state(struct xb_device *dev, enum xenbus_state state);

/* Calls fn on every device (e.g. on shutdown or for statistics). */
void xb_for_each_device(struct xb_backend *be, void (*fn)(struct xb_device *, void *), void *arg);

#endif
