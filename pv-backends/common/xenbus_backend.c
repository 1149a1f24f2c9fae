/*
 * xenbus_backend.c - the Dom0 half of the XenbusState handshake (see
 * xenbus_backend.h).
 *
 * Every watch event is turned into "look at this device again"
 * (reconcile): the device's nodes are read afresh and the state machine
 * below moves it as far as the nodes allow. So a lost or coalesced event
 * costs nothing but latency, and a backend started late (or restarted)
 * finds every device in whatever state it is and carries on from there.
 *
 *   ours        frontend / toolstack                 action
 *   (none)      backend dir with online=1           probe; InitWait
 *   Connected   (restart) Initialised/Connected      probe; connect (resumed)
 *   InitWait    Initialised or Connected             connect; Connected
 *   any         Closing/Closed, online=0, fe gone    disconnect; Closing; Closed
 *   Closed      Initialising/InitWait, online=1      InitWait again (frontend reconnects)
 *   any         backend dir removed                  disconnect; remove
 */
#include "xenbus_backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "libxc/xc.h"

#define TOKEN_BACKEND "xb-backend"
#define TOKEN_RELEASE "xb-release"
#define TOKEN_FE_PREFIX "xb-fe/"

struct xb_dev_node {
    struct xb_dev_node *next;
    struct xb_device dev;
    bool probed;
    char fe_token[64];
    bool fe_watched;
};

struct xb_backend {
    const struct xb_backend_ops *ops;
    struct xs_handle *xs;
    struct xc *xc;
    char root[64];          /* /local/domain/0/backend/<type> */
    struct xb_dev_node *devs;
};

static void xb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void xb_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- xenstore helpers ---------------------------------------------------- */

static int read_path(struct xs_handle *xs, const char *path, char *buf, size_t len)
{
    unsigned n = 0;
    char *v = xs_read(xs, XBT_NULL, path, &n);
    if (!v)
        return -(errno ? errno : EIO);
    size_t c = n < len - 1 ? n : len - 1;
    memcpy(buf, v, c);
    buf[c] = '\0';
    free(v);
    return (int)c;
}

static int read_u64_path(struct xs_handle *xs, const char *path, uint64_t *out)
{
    char buf[32], *end;
    int rc = read_path(xs, path, buf, sizeof(buf));
    if (rc < 0)
        return rc;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 0);
    if (end == buf || *end || errno)
        return -EINVAL;
    *out = v;
    return 0;
}

int xb_read_be(struct xb_device *dev, const char *key, char *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dev->be_path, key);
    return read_path(dev->be->xs, path, buf, len);
}

int xb_read_fe(struct xb_device *dev, const char *key, char *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dev->fe_path, key);
    return read_path(dev->be->xs, path, buf, len);
}

int xb_read_fe_u64(struct xb_device *dev, const char *key, uint64_t *out)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dev->fe_path, key);
    return read_u64_path(dev->be->xs, path, out);
}

int xb_read_be_u64(struct xb_device *dev, const char *key, uint64_t *out)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dev->be_path, key);
    return read_u64_path(dev->be->xs, path, out);
}

int xb_write_be(struct xb_device *dev, const char *key, const char *fmt, ...)
{
    char path[256], value[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(value))
        return -EMSGSIZE;
    snprintf(path, sizeof(path), "%s/%s", dev->be_path, key);
    if (!xs_write(dev->be->xs, XBT_NULL, path, value, (unsigned)n))
        return -(errno ? errno : EIO);
    return 0;
}

static int write_state(struct xb_device *dev, enum xenbus_state s)
{
    int rc = xb_write_be(dev, "state", "%u", (unsigned)s);
    if (rc == 0)
        dev->state = s;
    return rc;
}

/* ---- the state machine --------------------------------------------------- */

static void do_disconnect(struct xb_device *dev)
{
    if (dev->connected) {
        dev->be->ops->disconnect(dev);
        dev->connected = false;
    }
}

int xb_set_state(struct xb_device *dev, enum xenbus_state state)
{
    /* Closing or Closed while connected: the rings go first, so nothing is
     * mapped once the frontend may free it. */
    if (state >= XenbusStateClosing && state <= XenbusStateClosed)
        do_disconnect(dev);
    return write_state(dev, state);
}

static void fail(struct xb_device *dev, const char *what, const char *why)
{
    xb_log("d%u %s %u: %s: %s", dev->fe_domid, dev->be->ops->type, dev->devid, what, why);
    xb_write_be(dev, "error", "%s: %s", what, why);
    do_disconnect(dev);
    write_state(dev, XenbusStateClosed);
}

static bool frontend_alive(struct xb_backend *be, uint32_t domid)
{
    char path[64], buf[16];
    snprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
    if (read_path(be->xs, path, buf, sizeof(buf)) >= 0)
        return true;
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    return read_path(be->xs, path, buf, sizeof(buf)) != -ENOENT;
}

static void close_device(struct xb_device *dev)
{
    if (dev->connected || dev->state < XenbusStateClosing)
        write_state(dev, XenbusStateClosing);
    do_disconnect(dev);
    if (dev->state != XenbusStateClosed)
        write_state(dev, XenbusStateClosed);
}

static void reconcile(struct xb_backend *be, struct xb_dev_node *n)
{
    struct xb_device *dev = &n->dev;
    char why[256] = "";
    uint64_t online = 0, fe_state = XenbusStateClosed, our_state = XenbusStateUnknown;
    if (xb_read_be_u64(dev, "online", &online) < 0)
        online = 0;
    bool fe_ok = frontend_alive(be, dev->fe_domid) &&
                 xb_read_fe_u64(dev, "state", &fe_state) == 0;
    if (!fe_ok)
        fe_state = XenbusStateClosed;
    dev->fe_state = (enum xenbus_state)fe_state;
    if (xb_read_be_u64(dev, "state", &our_state) == 0)
        dev->state = (enum xenbus_state)our_state;

    bool fe_ready = fe_state == XenbusStateInitialised || fe_state == XenbusStateConnected;
    bool fe_closing = fe_state == XenbusStateClosing || fe_state == XenbusStateClosed ||
                      !fe_ok;

    if (!n->probed) {
        if (!online || !fe_ok)
            return;
        if (dev->state == XenbusStateClosed && !fe_ready)
            return;
        int rc = be->ops->probe(dev, why, sizeof(why));
        if (rc < 0) {
            fail(dev, "probe", why[0] ? why : strerror(-rc));
            return;
        }
        n->probed = true;
        /* Restart: both sides were Connected when the last backend died. */
        if (dev->state == XenbusStateConnected && fe_ready) {
            dev->resumed = true;
            why[0] = '\0';
            rc = be->ops->connect(dev, why, sizeof(why));
            dev->resumed = false;
            if (rc < 0) {
                fail(dev, "connect", why[0] ? why : strerror(-rc));
                return;
            }
            dev->connected = true;
            xb_log("d%u %s %u: resumed after a backend restart", dev->fe_domid, be->ops->type,
                   dev->devid);
            return;
        }
        write_state(dev, XenbusStateInitWait);
    }

    if (!online || fe_closing) {
        if (dev->connected || (dev->state != XenbusStateClosed &&
                               (dev->state != XenbusStateInitWait || !online || !fe_ok ||
                                fe_state == XenbusStateClosing)))
            close_device(dev);
        return;
    }
    if (dev->state == XenbusStateClosed || dev->state == XenbusStateClosing) {
        /* The frontend starts over (e.g. after its own Closed). */
        if (fe_state == XenbusStateInitialising || fe_state == XenbusStateInitWait ||
            fe_ready) {
            write_state(dev, XenbusStateInitWait);
        } else {
            return;
        }
    }
    if (!dev->connected && fe_ready && dev->state == XenbusStateInitWait) {
        int rc = be->ops->connect(dev, why, sizeof(why));
        if (rc < 0) {
            fail(dev, "connect", why[0] ? why : strerror(-rc));
            return;
        }
        dev->connected = true;
        write_state(dev, XenbusStateConnected);
    }
}

/* ---- device table -------------------------------------------------------- */

static struct xb_dev_node *find(struct xb_backend *be, uint32_t fe, uint32_t devid)
{
    for (struct xb_dev_node *n = be->devs; n; n = n->next)
        if (n->dev.fe_domid == fe && n->dev.devid == devid)
            return n;
    return NULL;
}

static void drop(struct xb_backend *be, struct xb_dev_node *n)
{
    do_disconnect(&n->dev);
    if (n->probed)
        be->ops->remove(&n->dev);
    if (n->fe_watched) {
        char path[256];
        snprintf(path, sizeof(path), "%s/state", n->dev.fe_path);
        xs_unwatch(be->xs, path, n->fe_token);
    }
    for (struct xb_dev_node **pp = &be->devs; *pp; pp = &(*pp)->next)
        if (*pp == n) {
            *pp = n->next;
            break;
        }
    free(n);
}

/* Looks at device (fe, devid) again: adds it, moves it, or drops it. */
static void device_event(struct xb_backend *be, uint32_t fe, uint32_t devid)
{
    struct xb_dev_node *n = find(be, fe, devid);
    char be_path[128], fe_path[128], key[192];
    snprintf(be_path, sizeof(be_path), "%s/%u/%u", be->root, fe, devid);
    snprintf(key, sizeof(key), "%s/frontend", be_path);
    int rc = read_path(be->xs, key, fe_path, sizeof(fe_path));
    if (rc < 0) {
        if (n && (rc == -ENOENT || rc == -EACCES))
            drop(be, n);
        return;
    }
    if (!n) {
        n = calloc(1, sizeof(*n));
        if (!n)
            return;
        n->dev.be = be;
        n->dev.fe_domid = fe;
        n->dev.devid = devid;
        snprintf(n->dev.be_path, sizeof(n->dev.be_path), "%s", be_path);
        snprintf(n->dev.fe_path, sizeof(n->dev.fe_path), "%s", fe_path);
        n->dev.state = XenbusStateUnknown;
        snprintf(n->fe_token, sizeof(n->fe_token), TOKEN_FE_PREFIX "%u/%u", fe, devid);
        n->next = be->devs;
        be->devs = n;
        char path[256];
        snprintf(path, sizeof(path), "%s/state", fe_path);
        n->fe_watched = xs_watch(be->xs, path, n->fe_token);
    }
    reconcile(be, n);
}

/* Every device under our root, and every one we know. */
static void scan_all(struct xb_backend *be)
{
    unsigned nfe = 0;
    char **fes = xs_directory(be->xs, XBT_NULL, be->root, &nfe);
    for (unsigned i = 0; fes && i < nfe; i++) {
        char p[160];
        unsigned ndev = 0;
        snprintf(p, sizeof(p), "%s/%s", be->root, fes[i]);
        char **devs = xs_directory(be->xs, XBT_NULL, p, &ndev);
        for (unsigned j = 0; devs && j < ndev; j++) {
            char *e1, *e2;
            unsigned long fe = strtoul(fes[i], &e1, 10), id = strtoul(devs[j], &e2, 10);
            if (*e1 || *e2 || e1 == fes[i] || e2 == devs[j])
                continue;
            device_event(be, (uint32_t)fe, (uint32_t)id);
        }
        free(devs);
    }
    free(fes);
    /* Known devices whose directories went (e.g. the whole fe subtree). */
    struct xb_dev_node *n = be->devs;
    while (n) {
        struct xb_dev_node *next = n->next;
        device_event(be, n->dev.fe_domid, n->dev.devid);
        n = next;
    }
}

static void handle_event(struct xb_backend *be, const char *path, const char *token)
{
    if (strcmp(token, TOKEN_RELEASE) == 0) {
        scan_all(be);
        return;
    }
    if (strncmp(token, TOKEN_FE_PREFIX, strlen(TOKEN_FE_PREFIX)) == 0) {
        unsigned fe, devid;
        if (sscanf(token + strlen(TOKEN_FE_PREFIX), "%u/%u", &fe, &devid) == 2)
            device_event(be, fe, devid);
        return;
    }
    if (strcmp(token, TOKEN_BACKEND) != 0)
        return;
    size_t rl = strlen(be->root);
    if (strncmp(path, be->root, rl) != 0)
        return;
    if (path[rl] == '\0') {
        scan_all(be);
        return;
    }
    unsigned fe, devid;
    int used = 0;
    if (sscanf(path + rl, "/%u/%u%n", &fe, &devid, &used) == 2 &&
        (path[rl + used] == '\0' || path[rl + used] == '/')) {
        device_event(be, fe, devid);
        return;
    }
    if (sscanf(path + rl, "/%u", &fe) == 1)
        scan_all(be); /* a whole frontend's subtree came or went */
}

/* ---- the public loop ----------------------------------------------------- */

int xb_backend_open(const struct xb_backend_ops *ops, struct xb_backend **out)
{
    struct xb_backend *be = calloc(1, sizeof(*be));
    if (!be)
        return -ENOMEM;
    be->ops = ops;
    snprintf(be->root, sizeof(be->root), "/local/domain/0/backend/%s", ops->type);
    be->xs = xs_open(0);
    if (!be->xs) {
        int e = errno ? errno : ENOENT;
        free(be);
        return -e;
    }
    int rc = xc_open(xc_default_rundir(), &be->xc);
    if (rc < 0) {
        xs_close(be->xs);
        free(be);
        return rc;
    }
    if (!xs_watch(be->xs, be->root, TOKEN_BACKEND) ||
        !xs_watch(be->xs, "@releaseDomain", TOKEN_RELEASE)) {
        int e = errno ? errno : EIO;
        xc_close(be->xc);
        xs_close(be->xs);
        free(be);
        return -e;
    }
    scan_all(be);
    *out = be;
    return 0;
}

void xb_backend_close(struct xb_backend *be)
{
    if (!be)
        return;
    while (be->devs)
        drop(be, be->devs);
    xc_close(be->xc);
    xs_close(be->xs);
    free(be);
}

int xb_backend_fd(struct xb_backend *be)
{
    return xs_fileno(be->xs);
}

int xb_backend_run(struct xb_backend *be)
{
    for (;;) {
        errno = 0;
        char **ev = xs_check_watch(be->xs);
        if (!ev)
            return (errno == 0 || errno == EAGAIN) ? 0 : -errno;
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
    for (struct xb_dev_node *n = be->devs; n; n = n->next)
        fn(&n->dev, arg);
}
