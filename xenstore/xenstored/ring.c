/*
 * ring.c - the guest ring transport (see ring.h).
 *
 * Reading requests: load req_prod once (acquire), check prod - cons fits
 * the ring (else the guest broke it: error 2, connection dropped), copy,
 * then publish req_cons. Writing replies: the mirror image on rsp.
 * Indexes are free-running; bytes live at idx & (1024 - 1). The guest is
 * notified once per turn, after the core's last read or write of it
 * (poll_update follows both): a request read as header and payload and
 * answered in the same turn costs the guest one event, not three (each
 * is an upcall into the guest).
 *
 * Reconnection (server_features bit RECONNECTION, xenstore-ring.txt): a
 * guest sets `connection` to XENSTORE_RECONNECT and notifies; on that
 * event, before reading anything, we drop the connection's partial
 * request, queued output, watches and transactions, zero the four
 * indexes as Xen does, set `connection` back to XENSTORE_CONNECTED and
 * notify. The guest sees the connection reset on a packet boundary.
 */
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "core.h"
#include "domain.h"
#include "libxc/evtchn.h"
#include "libxc/xc.h"
#include "log.h"
#include "loop.h"

struct ring_client {
    struct loop_handler h;
    struct domain *d;
    struct connection *conn;
    struct xc_foreign_map map;
    struct xenstore_domain_interface *intf;
    struct xc_evtchn_port port;
    bool bound;
    bool kick_owed; /* indexes moved since the guest was last notified */
};

static struct xc *xc; /* our connection to the hypervisor */

static void kick(struct ring_client *r)
{
    if (r->bound)
        xc_evtchn_notify(&r->port);
}

static ssize_t ring_read(struct connection *c, void *buf, size_t len)
{
    struct ring_client *r = c->transport;
    struct xenstore_domain_interface *intf = r->intf;
    XENSTORE_RING_IDX cons = intf->req_cons;
    XENSTORE_RING_IDX prod = __atomic_load_n(&intf->req_prod, __ATOMIC_ACQUIRE);
    if (prod - cons > XENSTORE_RING_SIZE)
        return -EIO; /* the guest moved an index past the ring */
    size_t avail = prod - cons, n = 0;
    uint8_t *out = buf;
    while (n < len && n < avail) {
        size_t off = MASK_XENSTORE_IDX(cons + n);
        size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > avail - n)
            chunk = avail - n;
        if (chunk > len - n)
            chunk = len - n;
        memcpy(out + n, intf->req + off, chunk);
        n += chunk;
    }
    if (n) {
        __atomic_store_n(&intf->req_cons, cons + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
        r->kick_owed = true;
    }
    return (ssize_t)n;
}

static ssize_t ring_write(struct connection *c, const void *buf, size_t len)
{
    struct ring_client *r = c->transport;
    struct xenstore_domain_interface *intf = r->intf;
    XENSTORE_RING_IDX cons = __atomic_load_n(&intf->rsp_cons, __ATOMIC_ACQUIRE);
    XENSTORE_RING_IDX prod = intf->rsp_prod;
    if (prod - cons > XENSTORE_RING_SIZE)
        return -EIO;
    size_t space = XENSTORE_RING_SIZE - (prod - cons), n = 0;
    const uint8_t *in = buf;
    while (n < len && n < space) {
        size_t off = MASK_XENSTORE_IDX(prod + n);
        size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > space - n)
            chunk = space - n;
        if (chunk > len - n)
            chunk = len - n;
        memcpy(intf->rsp + off, in + n, chunk);
        n += chunk;
    }
    if (n) {
        __atomic_store_n(&intf->rsp_prod, prod + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
        r->kick_owed = true;
    }
    return (ssize_t)n;
}

static bool ring_can_read(struct connection *c)
{
    struct ring_client *r = c->transport;
    return __atomic_load_n(&r->intf->req_prod, __ATOMIC_ACQUIRE) != r->intf->req_cons;
}

static bool ring_can_write(struct connection *c)
{
    struct ring_client *r = c->transport;
    XENSTORE_RING_IDX cons = __atomic_load_n(&r->intf->rsp_cons, __ATOMIC_ACQUIRE);
    return r->intf->rsp_prod - cons < XENSTORE_RING_SIZE;
}

/* Requests left on the ring (the turn's share was used, or input paused
 * for outstanding replies) get no new event from the guest, which has
 * already notified: raise our own port's eventfd so the loop comes back. */
static void ring_poll_update(struct connection *c)
{
    struct ring_client *r = c->transport;
    if (r->kick_owed) {
        r->kick_owed = false;
        kick(r);
    }
    if (r->bound && r->intf && conn_wants_input(c) && ring_can_read(c)) {
        uint64_t one = 1;
        ssize_t n = write(r->port.fd, &one, sizeof(one));
        (void)n;
    }
}

static void unbind_and_unmap(struct ring_client *r)
{
    if (r->bound) {
        loop_del(r->port.fd);
        xc_evtchn_release(xc, &r->port);
        r->bound = false;
    }
    xc_unmap_foreign(&r->map);
    r->intf = NULL;
}

static void ring_close(struct connection *c, unsigned int xen_error)
{
    struct ring_client *r = c->transport;
    if (xen_error && r->intf) {
        /* The guest learns why it was dropped (server_features bit ERROR). */
        __atomic_store_n(&r->intf->error, xen_error, __ATOMIC_RELEASE);
        kick(r);
    }
    unbind_and_unmap(r);
    if (r->d)
        r->d->conn = NULL;
}

static void ring_release(struct connection *c)
{
    free(c->transport);
    c->transport = NULL;
}

static const struct conn_ops ring_ops = {
    .kind = "ring",
    .read = ring_read,
    .write = ring_write,
    .can_read = ring_can_read,
    .can_write = ring_can_write,
    .poll_update = ring_poll_update,
    .close = ring_close,
    .release = ring_release,
};

static void reconnect(struct ring_client *r, struct connection *c)
{
    struct xenstore_domain_interface *intf = r->intf;
    conn_reset(c);
    intf->req_cons = intf->req_prod = 0;
    intf->rsp_cons = intf->rsp_prod = 0;
    __atomic_store_n(&intf->connection, XENSTORE_CONNECTED, __ATOMIC_RELEASE);
    log_info("%s: ring reconnected at the guest's request", c->name);
    kick(r);
}

static void on_event(struct loop_handler *h, uint32_t events)
{
    (void)events;
    struct ring_client *r = (struct ring_client *)h;
    xc_evtchn_consume(r->port.fd);
    struct connection *c = r->conn;
    if (!c || c->closed)
        return;
    if (__atomic_load_n(&r->intf->connection, __ATOMIC_ACQUIRE) == XENSTORE_RECONNECT)
        reconnect(r, c);
    conn_input(c);
    if (!c->closed)
        conn_output(c);
}

static int map_and_bind(struct ring_client *r, struct domain *d)
{
    int rc = xc_map_foreign(xc, d->domid, &r->map);
    if (rc < 0)
        return rc;
    r->intf = xc_foreign_gpa(&r->map, d->gfn << 12, 4096);
    if (!r->intf)
        return -EINVAL; /* the frame is not this domain's memory */
    rc = xc_evtchn_bind_interdomain(xc, d->domid, d->port, &r->port);
    if (rc < 0)
        return rc;
    r->bound = true;
    r->h.fn = on_event;
    /* We drop a guest that breaks the ring and say why in `error`, and
     * serve its reconnect requests. Features only ever get added. */
    __atomic_or_fetch(&r->intf->server_features,
                      XENSTORE_SERVER_FEATURE_ERROR | XENSTORE_SERVER_FEATURE_RECONNECTION,
                      __ATOMIC_RELEASE);
    return loop_add(r->port.fd, EPOLLIN, &r->h);
}

static int attach(struct domain *d)
{
    struct ring_client *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->port.fd = r->port.kick_fd = -1;
    int rc = map_and_bind(r, d);
    char name[32];
    snprintf(name, sizeof(name), "d%u", d->domid);
    if (rc == 0 && !(r->conn = conn_new(&ring_ops, r, d->domid, name)))
        rc = -ENOMEM;
    if (rc < 0) {
        log_info("d%u: cannot serve its ring (gfn %#llx, port %u): %s", d->domid,
                 (unsigned long long)d->gfn, d->port, strerror(-rc));
        unbind_and_unmap(r);
        free(r);
        return rc;
    }
    r->d = d;
    d->conn = r->conn;
    d->ring = r;
    /* Requests may already wait (the guest wrote before we bound). */
    on_event(&r->h, EPOLLIN);
    return 0;
}

static void detach(struct domain *d)
{
    if (d->conn)
        conn_close(d->conn, "released", 0);
    d->conn = NULL;
    d->ring = NULL;
}

static int reattach(struct domain *d)
{
    detach(d);
    return attach(d);
}

static bool domain_exists(unsigned int domid)
{
    if (domid == 0)
        return true;
    struct xlctl_dominfo info;
    return xc_domain_info(xc, domid, &info) == 0;
}

static const struct domain_transport ring_transport = {
    .attach = attach,
    .reattach = reattach,
    .detach = detach,
};

int ring_init(void)
{
    int rc = xc_open(xc_default_rundir(), &xc);
    if (rc < 0) {
        log_info("no hypervisor at %s (%s): guests' rings will not be served",
                 xc_default_rundir(), strerror(-rc));
        xc = NULL;
        return 0; /* not fatal: a Dom0-only xenstored still serves sockets */
    }
    domain_set_transport(&ring_transport);
    domain_set_exists_hook(domain_exists);
    return 0;
}

void ring_fini(void)
{
    if (xc) {
        domain_set_transport(NULL);
        xc_close(xc);
        xc = NULL;
    }
}
