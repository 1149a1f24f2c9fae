/*
 * device.c - one vbd's xenbus hooks (pv-backends/common/xenbus_backend.h):
 * probe opens the image and publishes what we offer, connect reads what
 * the frontend chose and starts a queue per ring, disconnect stops them.
 *
 * Keys we read (backend dir, written by the toolstack): params, mode
 * ("r"/"w"), device-type ("disk"/"cdrom"), discard-enable.
 * Keys we write at probe (xen-abi.md 9.4): feature-flush-cache,
 * feature-discard (+ discard-granularity, discard-alignment,
 * discard-secure), feature-persistent, feature-max-indirect-segments,
 * max-ring-page-order, multi-queue-max-queues, and the device's sectors,
 * sector-size, physical-sector-size, info (written again at connect, as
 * Xen's blkback does before it switches to Connected).
 * Keys we read from the frontend at connect: protocol, feature-persistent,
 * multi-queue-num-queues, ring-page-order, and per queue ring-ref /
 * ring-ref<i> and event-channel (top level for one queue, under
 * queue-<n>/ for several).
 *
 * Feature switches for tests: the command line sets the defaults, and the
 * xenstore node /tool/xenolith/blkback/<key> (any of
 * feature-persistent, feature-flush-cache, feature-discard,
 * feature-max-indirect-segments, max-ring-page-order,
 * multi-queue-max-queues) lowers them for devices probed after it is
 * written; poll-us sets the queues' spin before sleeping (main.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/protocols.h>
#include <xenstore.h>

#include "blkback.h"

#define TOOL_KEYS "/tool/xenolith/blkback"

static bool tool_key(struct xb_device *xb, const char *key, uint64_t *out)
{
    char path[128];
    snprintf(path, sizeof(path), TOOL_KEYS "/%s", key);
    unsigned len = 0;
    char *v = xs_read(xb_backend_xs(xb->be), XBT_NULL, path, &len);
    if (!v)
        return false;
    char *end;
    unsigned long long n = strtoull(v, &end, 0);
    bool ok = end != v && *end == '\0';
    free(v);
    if (ok)
        *out = n;
    return ok;
}

static unsigned lower(struct xb_device *xb, const char *key, unsigned dflt)
{
    uint64_t v;
    if (tool_key(xb, key, &v) && v < dflt)
        return (unsigned)v;
    return dflt;
}

static int publish_size(struct blk_dev *d)
{
    struct xb_device *xb = d->xb;
    char devtype[16] = "disk";
    xb_read_be(xb, "device-type", devtype, sizeof(devtype));
    unsigned info = 0;
    if (strcmp(devtype, "cdrom") == 0)
        info |= VDISK_CDROM;
    if (d->lim.readonly)
        info |= VDISK_READONLY;
    int rc = xb_write_be(xb, "sectors", "%" PRIu64, d->lim.sectors);
    if (rc == 0)
        rc = xb_write_be(xb, "sector-size", "512");
    if (rc == 0)
        rc = xb_write_be(xb, "physical-sector-size", "%u", d->img.phys_sector);
    if (rc == 0)
        rc = xb_write_be(xb, "info", "%u", info);
    return rc;
}

static int blk_probe(struct xb_device *xb, char *why, size_t whylen)
{
    struct blk_dev *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    d->xb = xb;
    snprintf(d->name, sizeof(d->name), "d%u vbd %u", xb->fe_domid, xb->devid);
    int rc = xb_read_be(xb, "params", d->params, sizeof(d->params));
    if (rc < 0) {
        snprintf(why, whylen, "params: %s", strerror(-rc));
        free(d);
        return rc;
    }
    char mode[8] = "w", devtype[16] = "disk";
    xb_read_be(xb, "mode", mode, sizeof(mode));
    xb_read_be(xb, "device-type", devtype, sizeof(devtype));
    bool ro = mode[0] == 'r' || strcmp(devtype, "cdrom") == 0;
    rc = blk_image_open(d->params, ro, &d->img, why, whylen);
    if (rc < 0) {
        free(d);
        return rc;
    }
    if (!blk_config.direct && d->img.direct) {
        close(d->img.fd);
        d->img.fd = d->img.buf_fd;
        d->img.direct = false;
    }
    uint64_t discard_enable = 1;
    xb_read_be_u64(xb, "discard-enable", &discard_enable);

    d->lim.sectors = d->img.size >> BLKIF_SECTOR_SHIFT;
    d->lim.readonly = ro;
    d->lim.flush = lower(xb, "feature-flush-cache", blk_config.flush) != 0;
    d->lim.discard = !ro && discard_enable &&
                     lower(xb, "feature-discard", blk_config.discard) != 0;
    d->lim.max_indirect = lower(xb, "feature-max-indirect-segments", blk_config.max_indirect);
    d->offer_persistent = lower(xb, "feature-persistent", blk_config.persistent) != 0;
    d->offer_ring_order = lower(xb, "max-ring-page-order", blk_config.max_ring_order);
    d->offer_queues = lower(xb, "multi-queue-max-queues", blk_config.max_queues);
    if (d->offer_queues == 0)
        d->offer_queues = 1;
    uint64_t poll = blk_config.poll_us;
    tool_key(xb, "poll-us", &poll);
    d->poll_us = poll > 100000 ? 100000 : (unsigned)poll;

    rc = xb_write_be(xb, "feature-flush-cache", "%d", d->lim.flush);
    if (rc == 0)
        rc = xb_write_be(xb, "feature-barrier", "0");
    if (rc == 0)
        rc = xb_write_be(xb, "feature-discard", "%d", d->lim.discard);
    if (rc == 0 && d->lim.discard) {
        rc = xb_write_be(xb, "discard-granularity", "%u", d->img.discard_gran);
        if (rc == 0)
            rc = xb_write_be(xb, "discard-alignment", "0");
        if (rc == 0)
            rc = xb_write_be(xb, "discard-secure", "0");
    }
    if (rc == 0)
        rc = xb_write_be(xb, "feature-persistent", "%d", d->offer_persistent);
    if (rc == 0)
        rc = xb_write_be(xb, "feature-max-indirect-segments", "%u", d->lim.max_indirect);
    if (rc == 0)
        rc = xb_write_be(xb, "max-ring-page-order", "%u", d->offer_ring_order);
    if (rc == 0)
        rc = xb_write_be(xb, "multi-queue-max-queues", "%u", d->offer_queues);
    if (rc == 0)
        rc = publish_size(d);
    if (rc < 0) {
        snprintf(why, whylen, "writing features: %s", strerror(-rc));
        blk_image_close(&d->img);
        free(d);
        return rc;
    }
    fprintf(stderr,
            "%s: %s, %" PRIu64 " sectors, %s, %s; offers persistent %d, indirect %u, "
            "ring order %u, queues %u, flush %d, discard %d\n",
            d->name, d->params, d->lim.sectors, ro ? "read-only" : "read-write",
            d->img.direct ? "O_DIRECT" : "buffered", d->offer_persistent, d->lim.max_indirect,
            d->offer_ring_order, d->offer_queues, d->lim.flush, d->lim.discard);
    xb->priv = d;
    return 0;
}

/* Reads one queue's ring-ref(s) and event-channel from dir (the frontend
 * dir, or its queue-<n>/ subdirectory). */
static int read_queue_keys(struct xb_device *xb, const char *dir, struct blk_queue_args *a,
                           char *why, size_t whylen)
{
    char key[64];
    uint64_t v;
    unsigned pages = 1u << a->ring_order;
    for (unsigned i = 0; i < pages; i++) {
        if (a->ring_order == 0)
            snprintf(key, sizeof(key), "%sring-ref", dir);
        else
            snprintf(key, sizeof(key), "%sring-ref%u", dir, i);
        int rc = xb_read_fe_u64(xb, key, &v);
        if (rc == -ENOENT && a->ring_order == 0) {
            snprintf(key, sizeof(key), "%sring-ref0", dir);
            rc = xb_read_fe_u64(xb, key, &v);
        }
        if (rc < 0 || v >= BLK_GREF_LIMIT) {
            snprintf(why, whylen, "%s: %s", key, rc < 0 ? strerror(-rc) : "out of range");
            return rc < 0 ? rc : -EINVAL;
        }
        a->ring_refs[i] = (uint32_t)v;
    }
    snprintf(key, sizeof(key), "%sevent-channel", dir);
    int rc = xb_read_fe_u64(xb, key, &v);
    if (rc < 0 || v > UINT32_MAX) {
        snprintf(why, whylen, "%s: %s", key, rc < 0 ? strerror(-rc) : "out of range");
        return rc < 0 ? rc : -EINVAL;
    }
    a->evtchn = (uint32_t)v;
    return 0;
}

static void stop_queues(struct blk_dev *d, bool clean)
{
    struct xc *xc = xb_backend_xc(d->xb->be);
    for (unsigned i = 0; i < BLKIF_QUEUES_MAX; i++) {
        blk_queue_stop(d->q[i], xc, clean && !blk_shutting_down);
        d->q[i] = NULL;
    }
    d->nr_queues = 0;
}

static int blk_connect(struct xb_device *xb, char *why, size_t whylen)
{
    struct blk_dev *d = xb->priv;
    char proto[32] = "";
    if (xb_read_fe(xb, "protocol", proto, sizeof(proto)) >= 0 && proto[0] &&
        strcmp(proto, XEN_IO_PROTO_ABI_X86_64) != 0) {
        snprintf(why, whylen, "protocol %s is not served (x86_64-abi only)", proto);
        return -EPROTONOSUPPORT;
    }
    uint64_t v = 0;
    if (xb_read_fe_u64(xb, "feature-persistent", &v) < 0)
        v = 0;
    d->persistent = d->offer_persistent && v == 1;
    uint64_t queues = 1;
    if (xb_read_fe_u64(xb, "multi-queue-num-queues", &queues) < 0)
        queues = 1;
    if (queues == 0 || queues > d->offer_queues) {
        snprintf(why, whylen, "multi-queue-num-queues %" PRIu64 " (at most %u offered)", queues,
                 d->offer_queues);
        return -EINVAL;
    }
    uint64_t order = 0;
    if (xb_read_fe_u64(xb, "ring-page-order", &order) < 0) {
        uint64_t pages = 1;
        if (xb_read_fe_u64(xb, "num-ring-pages", &pages) == 0 && pages > 1) {
            while ((1ull << order) < pages)
                order++;
            if ((1ull << order) != pages)
                order = 99;
        }
    }
    if (order > d->offer_ring_order) {
        snprintf(why, whylen, "ring-page-order %" PRIu64 " (at most %u offered)", order,
                 d->offer_ring_order);
        return -EINVAL;
    }
    d->ring_order = (unsigned)order;
    int rc = publish_size(d);
    if (rc < 0) {
        snprintf(why, whylen, "writing sectors: %s", strerror(-rc));
        return rc;
    }
    for (unsigned i = 0; i < queues; i++) {
        struct blk_queue_args a = {.dev = d, .qid = i, .ring_order = d->ring_order,
                                   .persistent = d->persistent, .resumed = xb->resumed};
        char dir[32] = "";
        if (queues > 1)
            snprintf(dir, sizeof(dir), "queue-%u/", i);
        rc = read_queue_keys(xb, dir, &a, why, whylen);
        if (rc == 0)
            rc = blk_queue_start(&a, xb_backend_xc(xb->be), &d->q[i], why, whylen);
        if (rc < 0) {
            stop_queues(d, false);
            return rc;
        }
        d->nr_queues = i + 1;
    }
    fprintf(stderr, "%s: connected: %u queue(s), ring order %u, persistent %d%s\n", d->name,
            d->nr_queues, d->ring_order, d->persistent, xb->resumed ? " (resumed)" : "");
    return 0;
}

void blk_dev_stop(struct xb_device *xb)
{
    struct blk_dev *d = xb->priv;
    if (d)
        stop_queues(d, false);
}

static void blk_disconnect(struct xb_device *xb)
{
    struct blk_dev *d = xb->priv;
    if (!d)
        return;
    stop_queues(d, true);
    fprintf(stderr, "%s: disconnected\n", d->name);
}

static void blk_remove(struct xb_device *xb)
{
    struct blk_dev *d = xb->priv;
    if (!d)
        return;
    stop_queues(d, true);
    blk_image_close(&d->img);
    free(d);
    xb->priv = NULL;
}

const struct xb_backend_ops blk_backend_ops = {
    .type = "vbd",
    .probe = blk_probe,
    .connect = blk_connect,
    .disconnect = blk_disconnect,
    .remove = blk_remove,
};
