/*
 * xenbus_device.c - a frontend's side of the XenbusState handshake (see
 * xenbus_device.h).
 */
#include "xenbus_device.h"

#include <stdarg.h>

#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"

/* Parses one child name of device/<type>/ as a devid. */
static bool devid_of(const char *name, uint32_t *out)
{
    uint64_t v;
    if (parse_u64(name, &v) < 0 || v > 0xffffffffu)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void insert_sorted(uint32_t *ids, unsigned n, uint32_t id)
{
    unsigned i = n;
    while (i > 0 && ids[i - 1] > id) {
        ids[i] = ids[i - 1];
        i--;
    }
    ids[i] = id;
}

int xenbus_device_list(const char *type, uint32_t *devids, unsigned max)
{
    char path[32], names[1024];
    snprintf(path, sizeof(path), "device/%s", type);
    int len = xenbus_directory(path, names, sizeof(names));
    if (len == -ENOENT)
        return 0;
    if (len < 0)
        return len;
    unsigned n = 0;
    for (int off = 0; off < len && n < max; off += (int)strlen(names + off) + 1) {
        uint32_t id;
        if (devid_of(names + off, &id))
            insert_sorted(devids, n++, id);
    }
    return (int)n;
}

int xenbus_device_read(struct xenbus_device *dev, const char *key, char *buf, size_t len)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", dev->nodename, key);
    return xenbus_read(path, buf, len);
}

int xenbus_device_read_be(struct xenbus_device *dev, const char *key, char *buf, size_t len)
{
    char path[200];
    snprintf(path, sizeof(path), "%s/%s", dev->backend, key);
    return xenbus_read(path, buf, len);
}

uint64_t xenbus_device_be_u64(struct xenbus_device *dev, const char *key, uint64_t dflt)
{
    char buf[32];
    uint64_t v;
    if (xenbus_device_read_be(dev, key, buf, sizeof(buf)) < 0 || parse_u64(buf, &v) < 0)
        return dflt;
    return v;
}

int xenbus_device_printf(struct xenbus_device *dev, xenbus_transaction_t t, const char *key,
                         const char *fmt, ...)
{
    char path[160], value[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", dev->nodename, key);
    return xenbus_write_t(t, path, value);
}

int xenbus_device_open(struct xenbus_device *dev, const char *type, uint32_t devid)
{
    char id[16];
    uint64_t be_id;
    memset(dev, 0, sizeof(*dev));
    snprintf(dev->type, sizeof(dev->type), "%s", type);
    dev->devid = devid;
    snprintf(dev->nodename, sizeof(dev->nodename), "device/%s/%u", type, devid);
    int rc = xenbus_device_read(dev, "backend", dev->backend, sizeof(dev->backend));
    if (rc < 0)
        return rc;
    rc = xenbus_device_read(dev, "backend-id", id, sizeof(id));
    if (rc < 0)
        return rc;
    if (parse_u64(id, &be_id) < 0 || be_id >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    dev->backend_id = (domid_t)be_id;
    snprintf(dev->token, sizeof(dev->token), "be-%s-%u", type, devid);
    char state_path[200];
    snprintf(state_path, sizeof(state_path), "%s/state", dev->backend);
    return xenbus_watch(state_path, dev->token);
}

void xenbus_device_close(struct xenbus_device *dev)
{
    char path[200];
    snprintf(path, sizeof(path), "%s/state", dev->backend);
    xenbus_unwatch(path, dev->token);
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
    return xenbus_device_printf(dev, XBT_NIL, "state", "%u", (unsigned)state);
}

enum xenbus_state xenbus_backend_state(struct xenbus_device *dev)
{
    return (enum xenbus_state)xenbus_device_be_u64(dev, "state", XenbusStateUnknown);
}

/* A backend that gives up (Closing/Closed) ends any wait for less. */
static bool wait_done(enum xenbus_state s, enum xenbus_state min)
{
    return s >= min || s == XenbusStateClosing || s == XenbusStateClosed;
}

int xenbus_wait_backend_state(struct xenbus_device *dev, enum xenbus_state min,
                              uint64_t timeout_ns)
{
    uint64_t deadline = time_now_ns() + timeout_ns;
    char fired[200];
    for (;;) {
        enum xenbus_state s = xenbus_backend_state(dev);
        if (wait_done(s, min))
            return (int)s;
        uint64_t now = time_now_ns();
        if (now >= deadline)
            return -ETIME;
        /* Any event on our token means: read the state again. */
        xenbus_wait_watch(dev->token, fired, sizeof(fired), deadline - now);
    }
}
