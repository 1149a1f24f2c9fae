/*
 * xenbus_backend.c - the Dom0 half of the XenbusState handshake (see
 * xenbus_backend.h for the sequence and the hooks).
 *
 * Everything is driven by three kinds of watch event, and each handler
 * re-reads the state it needs instead of trusting the event's path: watch
 * events coalesce and reorder, the store is the truth.
 *   "be"  any change under /local/domain/0/backend/<type>: rescan devices
 *   "rel" @releaseDomain: a domain went; its devices close
 *   "fe:<domid>:<devid>" the frontend's state node of one device
 */
#include "common/xenbus_backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxc/xc.h"

#define BACKEND_ROOT "/local/domain/0/backend"
#define RECONNECT_TRIES 100        /* x 50 ms: xenstored's supervised restart */

struct dev_node {
    struct xb_device dev;
    struct dev_node *next;
    bool probed;
};

struct xb_backend {
    const struct xb_backend_ops *ops;
    struct xs_handle *xs;
    /* What the driver polls: an epoll set holding xs's fd. The driver
     * registers it once; a reconnect swaps the connection inside it, so
     * the driver's loop keeps hearing the new xenstored's watches. */
    int poll_fd;
    struct xc *xc;
    char root[64];                 /* BACKEND_ROOT/<type> */
    struct dev_node *devices;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", program_invocation_short_name, line);
}

/* ---- keys ---- */

static int read_key(struct xb_backend *be, const char *dir, const char *key, char *buf, size_t len)
{
    char path[256];
    unsigned n;
    snprintf(path, sizeof(path), "%s%s%s", dir, *key ? "/" : "", key);
    char *v = xs_read(be->xs, XBT_NULL, path, &n);
    if (!v)
        return -errno;
    snprintf(buf, len, "%s", v);
    free(v);
    return (int)(n < len ? n : len - 1);
}

int xb_read_be(struct xb_device *dev, const char *key, char *buf, size_t len)
{
    return read_key(dev->be, dev->be_path, key, buf, len);
}

int xb_read_fe(struct xb_device *dev, const char *key, char *buf, size_t len)
{
    return read_key(dev->be, dev->fe_path, key, buf, len);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!*s)
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || errno || *s == '-')
        return -EINVAL;
    *out = v;
    return 0;
}

int xb_read_fe_u64(struct xb_device *dev, const char *key, uint64_t *out)
{
    char buf[32];
    int rc = xb_read_fe(dev, key, buf, sizeof(buf));
    return rc < 0 ? rc : parse_u64(buf, out);
}

int xb_read_be_u64(struct xb_device *dev, const char *key, uint64_t *out)
{
    char buf[32];
    int rc = xb_read_be(dev, key, buf, sizeof(buf));
    return rc < 0 ? rc : parse_u64(buf, out);
}

/* Writes path only while our directory exists: a plain write after the
 * toolstack removed the device (domain destroyed, block-detach) would
 * create the directory again, and it would outlive its domain. */
static int write_if_listed(struct xb_device *dev, const char *path, const char *value)
{
    struct xs_handle *xs = dev->be->xs;
    char check[160];
    snprintf(check, sizeof(check), "%s/frontend", dev->be_path);
    for (int tries = 0; tries < 20; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL)
            return -errno;
        unsigned len;
        char *v = xs_read(xs, t, check, &len);
        if (!v) {
            xs_transaction_end(xs, t, true);
            return -ENOENT;
        }
        free(v);
        if (!xs_write(xs, t, path, value, (unsigned)strlen(value))) {
            int err = errno;
            xs_transaction_end(xs, t, true);
            return -err;
        }
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

int xb_write_be(struct xb_device *dev, const char *key, const char *fmt, ...)
{
    char path[256], value[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", dev->be_path, key);
    return write_if_listed(dev, path, value);
}

int xb_set_state(struct xb_device *dev, enum xenbus_state state)
{
    int rc = xb_write_be(dev, "state", "%u", (unsigned)state);
    if (rc == 0)
        dev->state = state;
    return rc;
}

static enum xenbus_state read_state(struct xb_backend *be, const char *dir)
{
    char buf[16];
    uint64_t v;
    if (read_key(be, dir, "state", buf, sizeof(buf)) < 0 || parse_u64(buf, &v) < 0 || v > 8)
        return XenbusStateUnknown;
    return (enum xenbus_state)v;
}

static bool online(struct xb_device *dev)
{
    uint64_t v;
    return xb_read_be_u64(dev, "online", &v) == 0 && v == 1;
}

/* ---- device lifecycle ---- */

static void fe_token(const struct xb_device *dev, char *buf, size_t len)
{
    snprintf(buf, len, "fe:%u:%u", dev->fe_domid, dev->devid);
}

static void fail_device(struct xb_device *dev, const char *step, const char *why)
{
    logf_("%s: %s failed: %s", dev->be_path, step, why);
    xb_write_be(dev, "error", "%s failed: %s", step, why);
    xb_set_state(dev, XenbusStateClosed);
}

static void disconnect(struct xb_device *dev)
{
    if (!dev->connected)
        return;
    dev->be->ops->disconnect(dev);
    dev->connected = false;
    dev->resumed = false;
    logf_("%s: disconnected", dev->be_path);
}

static void probe(struct dev_node *n)
{
    struct xb_device *dev = &n->dev;
    char why[256] = "";
    int rc = dev->be->ops->probe(dev, why, sizeof(why));
    if (rc < 0) {
        fail_device(dev, "opening the device", why[0] ? why : strerror(-rc));
        return;
    }
    n->probed = true;
    if (!dev->resumed)
        xb_set_state(dev, XenbusStateInitWait);
}

static void connect_device(struct xb_device *dev)
{
    char why[256] = "";
    int rc = dev->be->ops->connect(dev, why, sizeof(why));
    if (rc < 0) {
        fail_device(dev, "connecting", why[0] ? why : strerror(-rc));
        return;
    }
    dev->connected = true;
    xb_set_state(dev, XenbusStateConnected);
    logf_("%s: connected%s", dev->be_path, dev->resumed ? " (resumed after a restart)" : "");
}

/* Where the frontend is now decides what we do (xen-abi.md 9.2). */
static void frontend_changed(struct dev_node *n)
{
    struct xb_device *dev = &n->dev;
    struct xb_backend *be = dev->be;
    dev->fe_state = read_state(be, dev->fe_path);
    switch (dev->fe_state) {
    case XenbusStateInitialising:
        /* A frontend starting over after Closed (guest driver reload). */
        if (dev->state == XenbusStateClosed && online(dev) && n->probed)
            xb_set_state(dev, XenbusStateInitWait);
        break;
    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (!dev->connected && n->probed &&
            (dev->state == XenbusStateInitWait || dev->state == XenbusStateConnected ||
             dev->state == XenbusStateInitialised))
            connect_device(dev);
        break;
    case XenbusStateClosing:
        disconnect(dev);
        xb_set_state(dev, XenbusStateClosing);
        break;
    case XenbusStateClosed:
    case XenbusStateUnknown:      /* its node is gone: the domain is */
    default:
        disconnect(dev);
        if (dev->state != XenbusStateClosed)
            xb_set_state(dev, XenbusStateClosed);
        break;
    }
}

static struct dev_node *find(struct xb_backend *be, uint32_t fe, uint32_t devid)
{
    for (struct dev_node *n = be->devices; n; n = n->next)
        if (n->dev.fe_domid == fe && n->dev.devid == devid)
            return n;
    return NULL;
}

static void add_device(struct xb_backend *be, uint32_t fe, uint32_t devid)
{
    struct dev_node *n = calloc(1, sizeof(*n));
    if (!n) {
        logf_("no memory for device %u/%u", fe, devid);
        return;
    }
    struct xb_device *dev = &n->dev;
    dev->be = be;
    dev->fe_domid = fe;
    dev->devid = devid;
    snprintf(dev->be_path, sizeof(dev->be_path), "%s/%u/%u", be->root, fe, devid);
    if (xb_read_be(dev, "frontend", dev->fe_path, sizeof(dev->fe_path)) < 0) {
        free(n);                   /* half-written by someone: its next write brings us back */
        return;
    }
    n->next = be->devices;
    be->devices = n;
    dev->state = read_state(be, dev->be_path);
    dev->fe_state = read_state(be, dev->fe_path);
    /* Connected on both sides already: our previous process died. */
    dev->resumed = dev->state == XenbusStateConnected && dev->fe_state == XenbusStateConnected;
    char token[48];
    fe_token(dev, token, sizeof(token));
    char path[160];
    snprintf(path, sizeof(path), "%s/state", dev->fe_path);
    if (!xs_watch(be->xs, path, token))
        logf_("%s: cannot watch %s: %s", dev->be_path, path, strerror(errno));
    logf_("%s: new device for domain %u%s", dev->be_path, fe, dev->resumed ? ", resuming" : "");
    if (online(dev))
        probe(n);
    /* The watch's first firing runs frontend_changed. */
}

static void remove_device(struct xb_backend *be, struct dev_node *n)
{
    struct xb_device *dev = &n->dev;
    char token[48], path[160];
    fe_token(dev, token, sizeof(token));
    snprintf(path, sizeof(path), "%s/state", dev->fe_path);
    xs_unwatch(be->xs, path, token);
    disconnect(dev);
    if (n->probed)
        be->ops->remove(dev);
    for (struct dev_node **p = &be->devices; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            break;
        }
    }
    logf_("%s: removed", dev->be_path);
    free(n);
}

/* The toolstack asked to unplug (online = 0): close once the frontend has. */
static void backend_changed(struct dev_node *n)
{
    struct xb_device *dev = &n->dev;
    if (online(dev))
        return;
    if (!dev->connected || dev->fe_state == XenbusStateClosed ||
        dev->fe_state == XenbusStateUnknown) {
        disconnect(dev);
        if (read_state(dev->be, dev->be_path) != XenbusStateClosed)
            xb_set_state(dev, XenbusStateClosed);
    }
}

/* ---- scanning ---- */

static bool parse_id(const char *s, uint32_t *out)
{
    uint64_t v;
    if (parse_u64(s, &v) < 0 || v > UINT32_MAX || (s[0] == '0' && s[1]))
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool still_listed(struct xb_backend *be, const struct xb_device *dev)
{
    char buf[8];
    return read_key(be, dev->be_path, "frontend", buf, sizeof(buf)) >= 0 || errno != ENOENT;
}

/* Adds what appeared under root, removes what went, and passes on online
 * changes of the rest. */
static void scan(struct xb_backend *be)
{
    unsigned nfe = 0;
    char **fes = xs_directory(be->xs, XBT_NULL, be->root, &nfe);
    for (unsigned i = 0; fes && i < nfe; i++) {
        uint32_t fe;
        if (!parse_id(fes[i], &fe))
            continue;
        char dir[96];
        unsigned ndev = 0;
        snprintf(dir, sizeof(dir), "%s/%u", be->root, fe);
        char **devs = xs_directory(be->xs, XBT_NULL, dir, &ndev);
        for (unsigned j = 0; devs && j < ndev; j++) {
            uint32_t devid;
            if (parse_id(devs[j], &devid) && !find(be, fe, devid))
                add_device(be, fe, devid);
        }
        free(devs);
    }
    free(fes);
    for (struct dev_node *n = be->devices, *next; n; n = next) {
        next = n->next;
        if (!still_listed(be, &n->dev))
            remove_device(be, n);
        else
            backend_changed(n);
    }
}

/* @releaseDomain: every device whose frontend domain is gone closes. */
static void domains_released(struct xb_backend *be)
{
    for (struct dev_node *n = be->devices; n; n = n->next) {
        struct xlctl_dominfo info;
        if (xc_domain_info(be->xc, n->dev.fe_domid, &info) == -ESRCH) {
            disconnect(&n->dev);
            if (n->dev.state != XenbusStateClosed)
                xb_set_state(&n->dev, XenbusStateClosed);
        }
    }
}

/* An event at or below a known device's directory concerns that device
 * alone (our own state writes fire these too): no need to rescan all. */
static struct dev_node *device_of_path(struct xb_backend *be, const char *path)
{
    size_t rl = strlen(be->root);
    uint32_t fe, devid;
    char rest[8];
    if (strncmp(path, be->root, rl) || path[rl] != '/')
        return NULL;
    int n = sscanf(path + rl, "/%u/%u%7s", &fe, &devid, rest);
    if (n < 2 || (n == 3 && rest[0] != '/'))
        return NULL;
    return find(be, fe, devid);
}

static void handle_event(struct xb_backend *be, const char *path, const char *token)
{
    uint32_t fe, devid;
    if (!strcmp(token, "be")) {
        struct dev_node *n = device_of_path(be, path);
        if (n && still_listed(be, &n->dev))
            backend_changed(n);
        else
            scan(be);
    } else if (!strcmp(token, "rel")) {
        domains_released(be);
    } else if (sscanf(token, "fe:%u:%u", &fe, &devid) == 2) {
        struct dev_node *n = find(be, fe, devid);
        if (n)
            frontend_changed(n);
    }
}

/* ---- the connection to xenstored ---- */

static int set_watches(struct xb_backend *be)
{
    struct epoll_event ev = {.events = EPOLLIN};
    if (epoll_ctl(be->poll_fd, EPOLL_CTL_ADD, xs_fileno(be->xs), &ev) < 0)
        return -errno;
    if (!xs_watch(be->xs, be->root, "be") || !xs_watch(be->xs, "@releaseDomain", "rel"))
        return -errno;
    char token[48], path[160];
    for (struct dev_node *n = be->devices; n; n = n->next) {
        fe_token(&n->dev, token, sizeof(token));
        snprintf(path, sizeof(path), "%s/state", n->dev.fe_path);
        xs_watch(be->xs, path, token);
    }
    return 0;
}

/* xenstored went away (it is restarted by the hypervisor daemon): connect
 * again and watch again; the devices and their rings carry on meanwhile. */
static int reconnect(struct xb_backend *be)
{
    logf_("xenstored connection lost; reconnecting");
    /* Out of poll_fd with the old connection; set_watches adds the new. */
    epoll_ctl(be->poll_fd, EPOLL_CTL_DEL, xs_fileno(be->xs), NULL);
    xs_close(be->xs);
    be->xs = NULL;
    struct timespec step = {0, 50 * 1000 * 1000};
    for (int i = 0; i < RECONNECT_TRIES && !be->xs; i++) {
        be->xs = xs_open(0);
        if (!be->xs)
            nanosleep(&step, NULL);
    }
    if (!be->xs || set_watches(be) < 0) {
        logf_("cannot reconnect to xenstored: %s", strerror(errno));
        return -ENOTCONN;
    }
    logf_("xenstored reconnected");
    return 0;
}

int xb_backend_open(const struct xb_backend_ops *ops, struct xb_backend **out)
{
    struct xb_backend *be = calloc(1, sizeof(*be));
    if (!be)
        return -ENOMEM;
    be->ops = ops;
    snprintf(be->root, sizeof(be->root), "%s/%s", BACKEND_ROOT, ops->type);
    be->poll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (be->poll_fd < 0) {
        free(be);
        return -errno;
    }
    int rc = xc_open(xc_default_rundir(), &be->xc);
    if (rc < 0)
        goto err_close_poll;
    be->xs = xs_open(0);
    if (!be->xs || (rc = set_watches(be)) < 0) {
        rc = -errno ? -errno : -EIO;
        xs_close(be->xs);
        xc_close(be->xc);
        goto err_close_poll;
    }
    *out = be;
    return 0;

err_close_poll:
    close(be->poll_fd);
    free(be);
    return rc;
}

void xb_backend_close(struct xb_backend *be)
{
    if (!be)
        return;
    while (be->devices) {
        struct dev_node *n = be->devices;
        disconnect(&n->dev);
        if (n->probed)
            be->ops->remove(&n->dev);
        be->devices = n->next;
        free(n);
    }
    xs_close(be->xs);
    xc_close(be->xc);
    close(be->poll_fd);
    free(be);
}

int xb_backend_fd(struct xb_backend *be)
{
    return be->poll_fd;
}

int xb_backend_run(struct xb_backend *be)
{
    for (;;) {
        char **ev = xs_check_watch(be->xs);
        if (!ev) {
            if (errno == EAGAIN)
                return 0;
            return reconnect(be);
        }
        handle_event(be, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
        free(ev);
    }
}

struct xs_handle *xb_backend_xs(struct xb_backend *be)
{
    return be->xs;
}

struct xc *xb_backend_xc(struct xb_backend *be)
{
    return be->xc;
}

void xb_for_each_device(struct xb_backend *be, void (*fn)(struct xb_device *, void *), void *arg)
{
    for (struct dev_node *n = be->devices; n; n = n->next)
        fn(&n->dev, arg);
}
