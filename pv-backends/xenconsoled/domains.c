/*
 * domains.c - discovering guests and serving their console rings (see
 * domains.h).
 *
 * A domain's console is in one of three states:
 *   WAITING  known, not connected yet: its keys are there but mapping or
 *            binding failed; retried every second, then given up (DROPPED)
 *   LIVE     ring mapped, port bound, log open
 *   DROPPED  its ring misbehaved, or we gave up: everything released, the
 *            reason kept for clients who ask, never reconnected
 * A domain without console keys gets no state at all: it may get keys
 * later (@introduceDomain follows them) or never (xenstored was down when
 * it was created; its guest then keeps writing through console_io).
 */
#include "domains.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxc/evtchn.h"
#include "libxc/xc.h"
#include "log.h"
#include "ring.h"
#include "session.h"
#include "xenconsoled.h"

/* Bytes taken from one ring per event before the others get a turn (the
 * ring is then re-armed, so nothing waits for the guest's next kick). */
#define READ_BUDGET (16u * XENCONS_OUT_SIZE)
#define CONNECT_TRIES 30u      /* once a second */
#define CHECK_EVERY_TICKS 5u   /* a full scan, for a release we missed */
#define GFN_MAX (1ull << 40)   /* 52-bit guest-physical addresses */

enum cdom_state { CDOM_WAITING, CDOM_LIVE, CDOM_DROPPED };

struct cdom {
    struct cdom *next;
    uint32_t domid;
    enum cdom_state state;
    bool listed;                  /* in the hypervisor's list at the last scan */
    bool forget;                  /* no console keys: drop the record quietly */
    unsigned tries;
    uint64_t created_ns;          /* tells a reused domid from its old domain */
    char name[XLCTL_NAME_MAX];
    char why[192];                /* WAITING/DROPPED: the reason */
    struct xc_foreign_map map;
    struct ring ring;
    struct xc_evtchn_port port;   /* fd -1 when not bound */
    int log_fd;
    struct handler h;
};

static struct xs_handle *xs;
static struct xc *xc;
static struct cdom *doms;
static int xs_fd = -1;
static struct handler xs_handler;
static unsigned ticks;

static void scan(void);

/* ---- helpers ------------------------------------------------------------ */

static struct cdom *find(uint32_t domid)
{
    for (struct cdom *d = doms; d; d = d->next)
        if (d->domid == domid)
            return d;
    return NULL;
}

/* Our supervisor restarts us; a fresh process finds every domain again. */
static void lost(const char *what, int rc)
{
    log_info("lost %s (%s): exiting to be restarted", what, strerror(-rc));
    exit(EXIT_FAILURE);
}

static bool connection_error(int rc)
{
    return rc == -ECONNRESET || rc == -EPIPE || rc == -ENOTCONN;
}

/* Releases the ring, port, mapping and log; the record stays. */
static void release(struct cdom *d)
{
    if (d->port.fd >= 0) {
        loop_del(d->port.fd);
        xc_evtchn_release(xc, &d->port);
        d->port.fd = -1;
    }
    xc_unmap_foreign(&d->map);
    d->ring.intf = NULL;
    if (d->log_fd >= 0)
        close(d->log_fd);
    d->log_fd = -1;
}

static void drop(struct cdom *d, const char *why)
{
    if (why != d->why)
        snprintf(d->why, sizeof(d->why), "%s", why);
    log_info("d%u console: %s: console dropped", d->domid, d->why);
    release(d);
    d->state = CDOM_DROPPED;
    session_domain_gone(d->domid);
}

static void remove_cdom(struct cdom *d)
{
    for (struct cdom **p = &doms; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    release(d);
    free(d);
}

/* ---- the ring ----------------------------------------------------------- */

/*
 * Output to the log and the sessions, then back to the guest. With
 * `last` (the domain is gone) only the drain: nobody to notify.
 */
static void service(struct cdom *d, bool last)
{
    char buf[XENCONS_OUT_SIZE];
    size_t total = 0;
    while (total < READ_BUDGET) {
        ssize_t n = ring_read(&d->ring, buf, sizeof(buf));
        if (n < 0) {
            drop(d, d->ring.why);
            return;
        }
        if (n == 0)
            break;
        guestlog_write(d->log_fd, buf, (size_t)n);
        session_output(d->domid, buf, (size_t)n);
        ring_consume(&d->ring, (size_t)n);
        total += (size_t)n;
    }
    if (last)
        return;
    if (ring_in_space(&d->ring) < 0) {
        drop(d, d->ring.why);
        return;
    }
    if (total)
        xc_evtchn_notify(&d->port); /* room again: a guest may wait for it */
    if (total >= READ_BUDGET) {
        uint64_t one = 1;          /* more to read: come back after the others */
        if (write(d->port.fd, &one, sizeof(one)) < 0)
            log_warn("d%u console: re-arming", d->domid);
    }
    session_input_ready(d->domid);
}

static void on_port(struct handler *h, uint32_t events)
{
    (void)events;
    struct cdom *d = XCD_CONTAINER(h, struct cdom, h);
    xc_evtchn_consume(d->port.fd);
    if (d->state == CDOM_LIVE)
        service(d, false);
}

/* ---- connecting --------------------------------------------------------- */

/* A key of the domain's console directory as text. 0 or -errno. */
static int read_key(uint32_t domid, const char *key, char *buf, size_t len)
{
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, key);
    unsigned n = 0;
    if (!xs)
        return -ENOTCONN;
    char *v = xs_read(xs, XBT_NULL, path, &n);
    if (!v)
        return -errno;
    snprintf(buf, len, "%.*s", (int)n, v);
    free(v);
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return -EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

/* Map, check, bind, open the log. Leaves partial work for release(). */
static int connect_ring(struct cdom *d, uint64_t gfn, uint32_t remote_port)
{
    int rc = xc_map_foreign(xc, d->domid, &d->map);
    if (rc < 0) {
        if (connection_error(rc))
            lost("the hypervisor", rc);
        snprintf(d->why, sizeof(d->why), "mapping its memory: %s", strerror(-rc));
        return rc;
    }
    void *page = gfn < GFN_MAX ? xc_foreign_gpa(&d->map, gfn << 12, 4096) : NULL;
    if (!page) {
        snprintf(d->why, sizeof(d->why), "ring-ref %#" PRIx64 " is not in its memory", gfn);
        return -EIO;
    }
    rc = ring_attach(&d->ring, page);
    if (rc < 0) {
        snprintf(d->why, sizeof(d->why), "%s", d->ring.why);
        return rc;
    }
    rc = xc_evtchn_bind_interdomain(xc, d->domid, remote_port, &d->port);
    if (rc < 0) {
        d->port.fd = -1;
        if (connection_error(rc))
            lost("the hypervisor", rc);
        snprintf(d->why, sizeof(d->why), "binding to its port %u: %s", remote_port, strerror(-rc));
        return rc;
    }
    d->h.fn = on_port;
    rc = loop_add(d->port.fd, EPOLLIN, &d->h);
    if (rc < 0) {
        xc_evtchn_release(xc, &d->port);
        d->port.fd = -1;
        snprintf(d->why, sizeof(d->why), "watching its port: %s", strerror(-rc));
        return rc;
    }
    d->log_fd = guestlog_open(xcd_config.log_dir, d->name);
    if (d->log_fd < 0)
        log_info("d%u console: no log %s/guest-%s.log: %s (sessions still served)", d->domid,
                 xcd_config.log_dir, d->name, strerror(-d->log_fd));
    return 0;
}

/* One attempt for a WAITING console; sets the next state. */
static void try_connect(struct cdom *d, const struct xlctl_dominfo *info)
{
    char ref[32], port[32], type[32], name[XLCTL_NAME_MAX];
    uint64_t gfn, remote_port;
    if (read_key(d->domid, "console/ring-ref", ref, sizeof(ref)) < 0 ||
        read_key(d->domid, "console/port", port, sizeof(port)) < 0) {
        d->forget = true; /* no console keys (yet) */
        return;
    }
    if (read_key(d->domid, "console/type", type, sizeof(type)) == 0 && type[0] &&
        strcmp(type, "xenconsoled") != 0) {
        d->forget = true; /* another backend's console (e.g. "ioemu") */
        return;
    }
    /* The hypervisor's name names the file it writes too; xenstore's
     * (Dom0-owned) normally agrees. */
    if (read_key(d->domid, "name", name, sizeof(name)) == 0 && guestlog_name_ok(name))
        snprintf(d->name, sizeof(d->name), "%s", name);
    else
        snprintf(d->name, sizeof(d->name), "%.*s", (int)sizeof(info->name) - 1, info->name);

    int rc;
    if (parse_u64(ref, &gfn) < 0 || parse_u64(port, &remote_port) < 0 || remote_port == 0 ||
        remote_port > UINT32_MAX) {
        snprintf(d->why, sizeof(d->why), "bad console keys ring-ref '%s' port '%s'", ref, port);
        rc = -EIO;
    } else {
        rc = connect_ring(d, gfn, (uint32_t)remote_port);
    }
    if (rc == 0) {
        d->state = CDOM_LIVE;
        log_info("d%u console: connected: ring gfn %#" PRIx64 ", port %u (local %u), log guest-%s.log%s",
                 d->domid, gfn, (unsigned)remote_port, d->port.port, d->name,
                 d->tries ? " (after retries)" : "");
        /* A backend is here: the guest's cue to use the ring. */
        xc_evtchn_notify(&d->port);
        service(d, false);
        return;
    }
    release(d);
    if (rc == -ESRCH) {
        d->forget = true; /* it went while we looked */
        return;
    }
    if (rc == -EIO || ++d->tries >= CONNECT_TRIES) {
        if (rc != -EIO)
            snprintf(d->why + strlen(d->why), sizeof(d->why) - strlen(d->why),
                     " (gave up after %u tries)", d->tries);
        drop(d, d->why);
        return;
    }
    if (d->tries == 1)
        log_info("d%u console: not connected yet: %s (retrying)", d->domid, d->why);
}

/* ---- discovery ---------------------------------------------------------- */

/* The domain is gone: its last output, then nothing of it is left. */
static void retire(struct cdom *d)
{
    if (d->state == CDOM_LIVE) {
        service(d, true); /* its last words: the mapping outlives it */
        session_domain_gone(d->domid);
        log_info("d%u console: released (domain gone)", d->domid);
    }
    remove_cdom(d);
}

static void scan(void)
{
    struct xlctl_dominfo *list = NULL;
    unsigned n = 0;
    int rc = xc_domain_list(xc, &list, &n);
    if (rc < 0) {
        if (connection_error(rc))
            lost("the hypervisor", rc);
        log_info("listing domains: %s", strerror(-rc));
        return;
    }
    for (struct cdom *d = doms; d; d = d->next)
        d->listed = false;
    for (unsigned i = 0; i < n; i++) {
        struct cdom *d = find(list[i].domid);
        if (list[i].domid == 0)
            continue;
        if (d && d->created_ns != list[i].create_time_ns) {
            retire(d); /* its domid already serves a new domain */
            d = NULL;
        }
        if (!d) {
            if (list[i].state == XLCTL_STATE_DYING)
                continue;
            d = calloc(1, sizeof(*d));
            if (!d) {
                log_info("d%u console: out of memory", list[i].domid);
                continue;
            }
            d->domid = list[i].domid;
            d->created_ns = list[i].create_time_ns;
            d->state = CDOM_WAITING;
            d->port.fd = -1;
            d->log_fd = -1;
            d->next = doms;
            doms = d;
        }
        d->listed = true;
        if (d->state == CDOM_WAITING)
            try_connect(d, &list[i]);
    }
    free(list);
    for (struct cdom *d = doms, *next; d; d = next) {
        next = d->next;
        if (!d->listed || d->forget)
            retire(d);
    }
}

static void on_xenstore(struct handler *h, uint32_t events)
{
    (void)h, (void)events;
    bool any = false;
    char **w;
    /* Either special path may mean any domain: look at them all. */
    while (xs && (w = xs_check_watch(xs)) != NULL) {
        any = true;
        free(w);
    }
    if (any)
        scan();
}

/* The special watches on xs; their first events start a scan. */
static int watch_xenstore(void)
{
    if (!xs_watch(xs, "@introduceDomain", "introduce") || !xs_watch(xs, "@releaseDomain", "release"))
        return errno ? -errno : -EIO;
    xs_fd = xs_fileno(xs);
    if (xs_fd < 0)
        return -EIO;
    xs_handler.fn = on_xenstore;
    int rc = loop_add(xs_fd, EPOLLIN, &xs_handler);
    if (rc < 0)
        xs_fd = -1;
    return rc;
}

/*
 * xenstored went away (it is restarted, with its store). The consoles we
 * serve need nothing from it, so they and their sessions go on; only new
 * domains wait until we are back, with a fresh connection and watches.
 */
static void xenstore_check(void)
{
    if (xs) {
        /* A dead connection never makes xs_fileno readable: ask. */
        char *path = xs_get_domain_path(xs, 0);
        if (path) {
            free(path);
            return;
        }
        log_info("lost xenstored: reconnecting");
        if (xs_fd >= 0)
            loop_del(xs_fd);
        xs_fd = -1;
        xs_close(xs);
        xs = NULL;
    }
    xs = xs_open(0);
    if (!xs)
        return;
    int rc = watch_xenstore();
    if (rc < 0) {
        log_info("xenstored: watching @introduceDomain/@releaseDomain: %s", strerror(-rc));
        xs_close(xs);
        xs = NULL;
        return;
    }
    log_info("xenstored: connected again");
}

int domains_init(struct xs_handle *xs_handle, struct xc *xc_handle)
{
    xs = xs_handle;
    xc = xc_handle;
    return watch_xenstore();
}

void domains_tick(void)
{
    bool waiting = false;
    for (struct cdom *d = doms; d; d = d->next)
        waiting |= d->state == CDOM_WAITING;
    xenstore_check();
    if (++ticks % CHECK_EVERY_TICKS == 0)
        waiting = true; /* catch a release we missed */
    if (waiting)
        scan();
}

void domains_stop(void)
{
    while (doms) {
        if (doms->state == CDOM_LIVE)
            service(doms, true);
        remove_cdom(doms);
    }
    if (xs_fd >= 0)
        loop_del(xs_fd);
    xs_fd = -1;
    xs_close(xs);
    xs = NULL;
}

/* ---- for sessions ------------------------------------------------------- */

int domains_attach(uint32_t domid, char *why, size_t whylen)
{
    struct cdom *d = find(domid);
    if (!d || d->state == CDOM_WAITING) {
        scan();
        d = find(domid);
    }
    if (!d) {
        snprintf(why, whylen, "domain %u has no console (no such domain, or no console keys)", domid);
        return -ENOENT;
    }
    if (d->state == CDOM_WAITING) {
        snprintf(why, whylen, "the console of domain %u is not connected yet: %s", domid, d->why);
        return -EAGAIN;
    }
    if (d->state == CDOM_DROPPED) {
        snprintf(why, whylen, "the console of domain %u was dropped: %s", domid, d->why);
        return -EIO;
    }
    return 0;
}

size_t domains_backlog(uint32_t domid, char *buf, size_t cap)
{
    struct cdom *d = find(domid);
    return d && d->state == CDOM_LIVE ? guestlog_tail(d->log_fd, buf, cap) : 0;
}

ssize_t domains_input(uint32_t domid, const char *buf, size_t len)
{
    struct cdom *d = find(domid);
    if (!d || d->state != CDOM_LIVE)
        return -ENOENT;
    ssize_t n = ring_write(&d->ring, buf, len);
    if (n < 0) {
        drop(d, d->ring.why);
        return -EIO;
    }
    if (n > 0)
        xc_evtchn_notify(&d->port);
    return n;
}
