/*
 * vif.c - netback's xenbus hooks (common/xenbus_backend.h): what a vif
 * offers (probe), how its rings are found and mapped (connect), and how
 * it goes away (disconnect, remove). Keys: xen-abi.md 9.5 and
 * docs/network.md.
 *
 *   probe:   reads bridge (default "xenbr0") and mtu (default 1500), writes
 *            feature-rx-copy=1, feature-rx-flip=0, feature-sg=1,
 *            multi-queue-max-queues, feature-gso-*=0, hotplug-status.
 *   connect: requires request-rx-copy=1; reads feature-sg,
 *            feature-no-csum-offload, feature-rx-notify,
 *            multi-queue-num-queues (default 1) and each queue's
 *            tx-ring-ref, rx-ring-ref, event-channel (top level for one
 *            queue, queue-N/ for several); maps the rings, binds the
 *            channels, joins the bridge.
 * A restarted netback connects its live vifs again (dev->resumed): the
 * rings carry on from the answers already pushed (rsp_prod), so the
 * requests the dead process had not answered are served now.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxc/gnttab.h"
#include "netback.h"

static int probe(struct xb_device *dev, char *why, size_t whylen)
{
    struct nb_vif *vif = calloc(1, sizeof(*vif));
    if (!vif) {
        snprintf(why, whylen, "vif: out of memory");
        return -ENOMEM;
    }
    vif->dev = dev;
    vif->domid = dev->fe_domid;
    vif->devid = dev->devid;
    snprintf(vif->name, sizeof(vif->name), "d%u.%u", vif->domid, vif->devid);
    if (xb_read_be(dev, "bridge", vif->bridge, sizeof(vif->bridge)) <= 0)
        snprintf(vif->bridge, sizeof(vif->bridge), "xenbr0");
    uint64_t mtu = NB_DEFAULT_MTU;
    if (xb_read_be_u64(dev, "mtu", &mtu) == 0 && (mtu < 68 || mtu > 65535 - 18)) {
        snprintf(why, whylen, "mtu: %" PRIu64 " is not between 68 and 65517", mtu);
        free(vif);
        return -EINVAL;
    }
    vif->mtu = (unsigned)mtu;
    vif->max_frame = vif->mtu + NETIF_ETH_HLEN + 4;   /* room for one VLAN tag */
    if (vif->max_frame > NB_MAX_FRAME)
        vif->max_frame = NB_MAX_FRAME;
    vif->port.deliver = nb_rx_deliver;
    vif->port.owner = vif;
    snprintf(vif->port.name, sizeof(vif->port.name), "%s", vif->name);
    dev->priv = vif;

    static const struct { const char *key; int value; } features[] = {
        {"feature-rx-copy", 1}, {"feature-rx-flip", 0}, {"feature-sg", 1},
        {"feature-gso-tcpv4", 0}, {"feature-gso-tcpv6", 0},
        {"feature-ipv6-csum-offload", 0}, {"feature-split-event-channels", 0},
        {"feature-multicast-control", 0}, {"feature-ctrl-ring", 0},
        {"multi-queue-max-queues", NETIF_MAX_QUEUES},
    };
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
        int rc = xb_write_be(dev, features[i].key, "%d", features[i].value);
        if (rc < 0) {
            snprintf(why, whylen, "%s: %s", features[i].key, strerror(-rc));
            return rc;
        }
    }
    xb_write_be(dev, "hotplug-status", "connected");
    nb_log("%s: probed, bridge %s, mtu %u", vif->name, vif->bridge, vif->mtu);
    return 0;
}

static bool fe_flag(struct xb_device *dev, const char *key)
{
    uint64_t v = 0;
    return xb_read_fe_u64(dev, key, &v) == 0 && v != 0;
}

/* Reads one queue's keys (prefix "" or "queue-N/"). 0 or -errno + why. */
static int queue_keys(struct nb_vif *vif, struct nb_queue *q, const char *prefix, uint64_t *tx,
                      uint64_t *rx, uint64_t *port, char *why, size_t whylen)
{
    char key[64];
    static const char *const names[] = {"tx-ring-ref", "rx-ring-ref", "event-channel"};
    uint64_t *out[] = {tx, rx, port};
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof(key), "%s%s", prefix, names[i]);
        int rc = xb_read_fe_u64(vif->dev, key, out[i]);
        if (rc == -ENOENT && i == 2) {
            snprintf(key, sizeof(key), "%sevent-channel-tx", prefix);
            if (xb_read_fe_u64(vif->dev, key, out[i]) == 0) {
                snprintf(why, whylen, "%sevent-channel-tx: split event channels are not offered",
                         prefix);
                return -EINVAL;
            }
        }
        if (rc < 0) {
            snprintf(why, whylen, "%s%s: %s", prefix, names[i],
                     rc == -ENOENT ? "missing" : "not a number");
            return rc;
        }
        if (*out[i] > UINT32_MAX) {
            snprintf(why, whylen, "%s%s: %" PRIu64 " out of range", prefix, names[i], *out[i]);
            return -EINVAL;
        }
    }
    (void)q;
    return 0;
}

static void queue_close(struct nb_queue *q)
{
    if (q->bound) {
        nb_loop_del(q->port.fd);
        xc_evtchn_release(nb.xc, &q->port);
        q->bound = false;
    }
    if (q->tx)
        xc_gnttab_unmap(nb.gt, q->tx, 1);
    if (q->rx)
        xc_gnttab_unmap(nb.gt, q->rx, 1);
    q->tx = NULL;
    q->rx = NULL;
    nb_rx_backlog_free(q);
}

static int queue_open(struct nb_vif *vif, unsigned index, const char *prefix, bool resumed,
                      char *why, size_t whylen)
{
    struct nb_queue *q = &vif->q[index];
    memset(q, 0, sizeof(*q));   /* closed before: not on the dirty list, no backlog */
    uint64_t tx, rx, port;
    int rc = queue_keys(vif, q, prefix, &tx, &rx, &port, why, whylen);
    if (rc < 0)
        return rc;
    q->vif = vif;
    q->index = index;
    q->h.fn = nb_queue_event;
    q->tx_ref = (uint32_t)tx;
    q->rx_ref = (uint32_t)rx;
    void *a = NULL;
    if ((rc = xc_gnttab_map(nb.gt, vif->domid, 1, &q->tx_ref, false, &a, NULL)) < 0) {
        snprintf(why, whylen, "%stx-ring-ref %u: cannot map: %s", prefix, q->tx_ref, strerror(-rc));
        return rc;
    }
    q->tx = a;
    if ((rc = xc_gnttab_map(nb.gt, vif->domid, 1, &q->rx_ref, false, &a, NULL)) < 0) {
        snprintf(why, whylen, "%srx-ring-ref %u: cannot map: %s", prefix, q->rx_ref, strerror(-rc));
        return rc;
    }
    q->rx = a;
    rc = xc_evtchn_bind_interdomain(nb.xc, vif->domid, (uint32_t)port, &q->port);
    if (rc < 0) {
        snprintf(why, whylen, "%sevent-channel %" PRIu64 ": cannot bind: %s", prefix, port,
                 strerror(-rc));
        return rc;
    }
    q->bound = true;
    if ((rc = nb_loop_add(q->port.fd, &q->h)) < 0) {
        snprintf(why, whylen, "epoll: %s", strerror(-rc));
        return rc;
    }
    /* Fresh or resumed alike: carry on from the answers already pushed
     * (0 on a fresh ring). Requests past them are served. */
    q->tx_req_cons = q->tx_rsp_prod_pvt = q->tx_rsp_pushed = q->tx->rsp_prod;
    q->rx_req_cons = q->rx_rsp_prod_pvt = q->rx_rsp_pushed = q->rx->rsp_prod;
    (void)resumed;
    return 0;
}

static void vif_close(struct nb_vif *vif)
{
    nb_flush_dirty();
    if (vif->attached) {
        sw_port_detach(nb.sw, &vif->port);
        vif->attached = false;
    }
    if (vif->tap) {
        nb_tap_put(vif->tap);
        vif->tap = NULL;
    }
    for (unsigned i = 0; i < NETIF_MAX_QUEUES; i++)
        queue_close(&vif->q[i]);
    gm_destroy(&vif->txmap);
    gm_destroy(&vif->rxmap);
    vif->nqueues = 0;
}

static int connect_vif(struct xb_device *dev, char *why, size_t whylen)
{
    struct nb_vif *vif = dev->priv;
    uint64_t v = 0;
    if (xb_read_fe_u64(dev, "request-rx-copy", &v) < 0 || v != 1) {
        snprintf(why, whylen, "request-rx-copy: not 1; netback only copies into the "
                              "frontend's buffers (page flipping is not offered)");
        return -EOPNOTSUPP;
    }
    vif->sg = fe_flag(dev, "feature-sg");
    vif->no_csum_offload = fe_flag(dev, "feature-no-csum-offload");
    vif->rx_notify = fe_flag(dev, "feature-rx-notify");
    uint64_t nq = 1;
    int rc = xb_read_fe_u64(dev, "multi-queue-num-queues", &nq);
    bool multi = rc == 0;
    if (multi && (nq == 0 || nq > NETIF_MAX_QUEUES)) {
        snprintf(why, whylen, "multi-queue-num-queues: %" PRIu64 " is not 1..%u", nq,
                 NETIF_MAX_QUEUES);
        return -EINVAL;
    }
    if ((rc = gm_init(&vif->txmap, nb.gt, vif->domid, true, NB_GNT_LIMIT)) < 0 ||
        (rc = gm_init(&vif->rxmap, nb.gt, vif->domid, false, NB_GNT_LIMIT)) < 0) {
        snprintf(why, whylen, "grant cache: %s", strerror(-rc));
        goto err_close;
    }
    vif->nqueues = (unsigned)nq;
    for (unsigned i = 0; i < vif->nqueues; i++) {
        char prefix[24] = ""; /* "queue-" + any unsigned + "/": gcc -O1 checks the worst case */
        if (multi)
            snprintf(prefix, sizeof(prefix), "queue-%u/", i);
        if ((rc = queue_open(vif, i, prefix, dev->resumed, why, whylen)) < 0)
            goto err_close;
    }
    if ((rc = sw_port_attach(nb.sw, vif->bridge, &vif->port)) < 0) {
        snprintf(why, whylen, "bridge %s: %s", vif->bridge, strerror(-rc));
        goto err_close;
    }
    vif->attached = true;
    if (strncmp(vif->bridge, "tap:", 4) == 0)
        vif->tap = nb_tap_get(vif->bridge);
    nb_log("%s: connected%s to bridge %s: %u queue(s), sg %d, rx-notify %d, csum offload %d",
           vif->name, dev->resumed ? " again (netback restarted)" : "", vif->bridge,
           vif->nqueues, vif->sg, vif->rx_notify, !vif->no_csum_offload);
    /* Serve whatever is waiting, and kick the frontend once: after a
     * restart it may be asleep waiting for answers we now give. */
    for (unsigned i = 0; i < vif->nqueues; i++) {
        nb_queue_run(&vif->q[i]);
        xc_evtchn_notify(&vif->q[i].port);
    }
    nb_flush_dirty();
    return 0;

err_close:
    vif_close(vif);
    return rc;
}

static void disconnect(struct xb_device *dev)
{
    struct nb_vif *vif = dev->priv;
    if (!vif)
        return;
    nb_publish_stats(dev, NULL);
    vif_close(vif);
    nb_log("%s: disconnected", vif->name);
}

static void remove_vif(struct xb_device *dev)
{
    struct nb_vif *vif = dev->priv;
    if (vif) {
        vif_close(vif);
        free(vif);
    }
    dev->priv = NULL;
}

const struct xb_backend_ops nb_vif_ops = {
    .type = "vif",
    .probe = probe,
    .connect = connect_vif,
    .disconnect = disconnect,
    .remove = remove_vif,
};

void nb_queue_broken(struct nb_queue *q, const char *why)
{
    struct nb_vif *vif = q->vif;
    if (q->broken)
        return;
    vif->st.ring_errors++;
    nb_log("%s: queue %u: %s; this vif stops (others are served)", vif->name, q->index, why);
    /* Every queue of the vif stops (its eventfd leaves the loop), as
     * Linux disables the whole vif: a frontend that broke one ring is not
     * trusted with the others. The device stays, Closing, until the
     * guest or the toolstack takes it down. */
    for (unsigned i = 0; i < vif->nqueues; i++) {
        struct nb_queue *each = &vif->q[i];
        if (each->broken)
            continue;
        each->broken = true;
        if (each->bound)
            nb_loop_del(each->port.fd);
    }
    xb_write_be(vif->dev, "error", "queue %u: %s", q->index, why);
    xb_set_state(vif->dev, XenbusStateClosing);
}

/* <backend>/stats: one line, rewritten when it changes (the loop's 1 s
 * tick), e.g. "tx_packets=10 tx_bytes=980 tx_errors=2 tx_err_gref=1 ...". */
void nb_publish_stats(struct xb_device *dev, void *arg)
{
    (void)arg;
    struct nb_vif *vif = dev->priv;
    if (!vif || memcmp(&vif->st, &vif->st_published, sizeof(vif->st)) == 0)
        return;
    char line[768];
    const struct nb_stats *s = &vif->st;
    int n = snprintf(line, sizeof(line),
                     "tx_packets=%" PRIu64 " tx_bytes=%" PRIu64 " tx_errors=%" PRIu64,
                     s->tx_packets, s->tx_bytes, s->tx_errors);
    for (int e = 1; e < NB_TXE_COUNT && n < (int)sizeof(line); e++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " tx_err_%s=%" PRIu64,
                      nb_tx_err_name(e), s->tx_err[e]);
    if (n < (int)sizeof(line))
        snprintf(line + n, sizeof(line) - (size_t)n,
                 " rx_packets=%" PRIu64 " rx_bytes=%" PRIu64 " rx_dropped=%" PRIu64
                 " rx_errors=%" PRIu64 " ring_errors=%" PRIu64 " notifications=%" PRIu64
                 " grant_maps=%" PRIu64,
                 s->rx_packets, s->rx_bytes, s->rx_dropped, s->rx_errors, s->ring_errors,
                 s->notify_out, vif->txmap.maps + vif->rxmap.maps);
    xb_write_be(dev, "stats", "%s", line);
    if (s->tx_errors != vif->st_published.tx_errors || s->ring_errors != vif->st_published.ring_errors)
        nb_log("%s: stats %s", vif->name, line);
    vif->st_published = vif->st;
}
