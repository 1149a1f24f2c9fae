/*
 * save.c - suspend a domain and write it as a save stream (see save.h).
 * The memory goes page by page through the foreign mapping of the
 * domain's memory fd; only pages that hold something are written, in
 * batches of XL_SR_BATCH so each write is a few MiB.
 */
#include "save.h"
#include "save_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libxc/evtchn.h"
#include "xenolith/domstate.h"
#include <xenstore.h>

bool libxl_page_is_zero(const uint8_t *page)
{
    const uint64_t *w = (const uint64_t *)(const void *)page;
    uint64_t acc = 0;
    /* Most non-zero pages differ early; zero pages need the whole scan. */
    if (w[0] | w[511])
        return false;
    for (unsigned i = 0; i < 512; i += 8)
        acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];
    return acc == 0;
}

static void sleep_us(long us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* ---- suspend -------------------------------------------------------------- */

static int read_suspend_port(uint32_t domid, uint32_t *port)
{
    struct xs_handle *xs = xs_open(0);
    if (!xs)
        return -ENOENT;
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/device/suspend/event-channel", domid);
    unsigned len = 0;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    xs_close(xs);
    if (!v)
        return -ENOENT;
    char *end;
    unsigned long p = strtoul(v, &end, 10);
    int rc = (end == v || *end || p == 0 || p > 0xffff) ? -EINVAL : 0;
    free(v);
    *port = (uint32_t)p;
    return rc;
}

static int wait_suspended(struct xc *xc, uint32_t domid, char *err, size_t errlen)
{
    for (int waited_us = 0; waited_us < XL_SUSPEND_TIMEOUT_MS * 1000; waited_us += 200) {
        struct xlctl_dominfo info;
        int rc = xc_domain_info(xc, domid, &info);
        if (rc < 0) {
            snprintf(err, errlen, "domain %u vanished while suspending: %s", domid, strerror(-rc));
            return rc;
        }
        if (info.state == XLCTL_STATE_SHUTDOWN && info.shutdown_reason == 2 /* suspend */)
            return 0;
        if (info.state == XLCTL_STATE_SHUTDOWN || info.state == XLCTL_STATE_DYING) {
            snprintf(err, errlen, "domain %u shut down (reason %u) instead of suspending", domid,
                     info.shutdown_reason);
            return -ESHUTDOWN;
        }
        sleep_us(200);
    }
    snprintf(err, errlen, "domain %u did not suspend within %u ms", domid, XL_SUSPEND_TIMEOUT_MS);
    return -ETIMEDOUT;
}

int libxl_suspend_prepare(struct xc *xc, uint32_t domid, struct libxl_suspend *s, char *err,
                          size_t errlen)
{
    *s = (struct libxl_suspend){.domid = domid};
    uint32_t gport;
    if (read_suspend_port(domid, &gport) < 0)
        return 0; /* no channel: it will be paused */
    int rc = xc_evtchn_bind_interdomain(xc, domid, gport, &s->port);
    if (rc < 0) {
        snprintf(err, errlen, "binding domain %u's suspend channel (port %u): %s", domid, gport,
                 strerror(-rc));
        return rc;
    }
    s->has_channel = true;
    return 0;
}

int libxl_suspend_now(struct xc *xc, struct libxl_suspend *s, char *err, size_t errlen)
{
    if (!s->has_channel) {
        int rc = xc_domain_pause(xc, s->domid);
        if (rc < 0)
            snprintf(err, errlen, "pausing domain %u: %s", s->domid, strerror(-rc));
        return rc < 0 ? rc : 0;
    }
    int rc = xc_evtchn_notify(&s->port);
    if (rc == 0)
        rc = wait_suspended(xc, s->domid, err, errlen);
    else
        snprintf(err, errlen, "signalling the suspend channel: %s", strerror(-rc));
    return rc < 0 ? rc : 1;
}

void libxl_suspend_release(struct xc *xc, struct libxl_suspend *s)
{
    if (s->has_channel)
        xc_evtchn_release(xc, &s->port); /* the guest's port reverts to unbound for Dom0 */
    s->has_channel = false;
}

int libxl_domain_suspend(struct xc *xc, uint32_t domid, char *err, size_t errlen)
{
    struct libxl_suspend s;
    int rc = libxl_suspend_prepare(xc, domid, &s, err, errlen);
    if (rc == 0)
        rc = libxl_suspend_now(xc, &s, err, errlen);
    libxl_suspend_release(xc, &s);
    return rc;
}

int libxl_domain_resume(struct xc *xc, uint32_t domid, bool suspended, bool leave_paused)
{
    int rc = suspended ? xc_request(xc, XLCTL_OP_DOMAIN_RESUME,
                                    &(struct xlctl_domid){.domid = domid},
                                    sizeof(struct xlctl_domid), NULL, 0, NULL, NULL)
                       : 0;
    if (rc == 0 && !leave_paused)
        rc = xc_domain_unpause(xc, domid);
    return rc;
}

/* ---- the stream ------------------------------------------------------------ */

int libxl_send_domain_record(struct xc *xc, struct xl_sr_writer *w, uint32_t domid,
                             const struct xc_foreign_map *map, char *err, size_t errlen)
{
    struct xlctl_dominfo info;
    int rc = xc_domain_info(xc, domid, &info);
    if (rc < 0) {
        snprintf(err, errlen, "domain %u: %s", domid, strerror(-rc));
        return rc;
    }
    struct xl_sr_domain d;
    memset(&d, 0, sizeof(d));
    memcpy(d.create.name, info.name, sizeof(d.create.name));
    memcpy(d.create.uuid, info.uuid, sizeof(d.create.uuid));
    d.create.memory_kib = info.memory_kib;
    d.create.vcpus = info.vcpus;
    d.create.on_poweroff = info.on_poweroff;
    d.create.on_reboot = info.on_reboot;
    d.create.on_crash = info.on_crash;
    d.low_bytes = map->layout.low_bytes;
    d.high_bytes = map->layout.high_bytes;
    d.fd_size = map->layout.fd_size;
    d.source_domid = domid;
    rc = xl_sr_write_record(w, XL_SR_DOMAIN, &d, sizeof(d));
    if (rc < 0)
        snprintf(err, errlen, "writing the domain record: %s", strerror(-rc));
    return rc;
}

int libxl_send_pages(struct xl_sr_writer *w, const struct xc_foreign_map *map,
                     const uint64_t *bitmap, uint64_t nbits, bool send_zero,
                     struct xl_progress *prog, uint64_t *sent)
{
    static uint64_t entry[XL_SR_BATCH];
    static const uint8_t *data[XL_SR_BATCH];
    uint64_t npages = map->layout.fd_size / XL_SR_PAGE;
    unsigned n = 0;
    int rc = 0;
    for (uint64_t i = 0; i < npages && rc == 0; i++) {
        if (bitmap) {
            if (i >= nbits)
                break;
            if (!bitmap[i / 64]) { /* skip empty words fast */
                i |= 63;
                continue;
            }
            if (!(bitmap[i / 64] >> (i % 64) & 1))
                continue;
        }
        const uint8_t *page = map->base + i * XL_SR_PAGE;
        bool zero = libxl_page_is_zero(page);
        if (zero && !send_zero)
            continue;
        entry[n] = i * XL_SR_PAGE | (zero ? XL_SR_PAGE_ZERO : 0);
        data[n++] = page;
        if (n == XL_SR_BATCH) {
            rc = xl_sr_write_pages(w, entry, data, n);
            *sent += n;
            n = 0;
            if (prog)
                xl_progress_update(prog, i + 1, bitmap ? nbits : npages);
        }
    }
    if (rc == 0 && n) {
        rc = xl_sr_write_pages(w, entry, data, n);
        *sent += n;
    }
    return rc;
}

/* The domain's own xenstore directory, paths relative to it. */
static int dump_dir(struct xs_handle *xs, const char *base, const char *rel, uint8_t *buf,
                    size_t cap, size_t *used, int depth)
{
    char path[3072];
    snprintf(path, sizeof(path), "%s%s%s", base, rel[0] ? "/" : "", rel);
    unsigned vlen = 0;
    char *v = xs_read(xs, XBT_NULL, path, &vlen);
    int rc = 0;
    if (v && rel[0])
        rc = xl_sr_xenstore_add(buf, cap, used, rel, v, vlen);
    free(v);
    unsigned n = 0;
    char **kids = depth < 16 ? xs_directory(xs, XBT_NULL, path, &n) : NULL;
    for (unsigned i = 0; rc == 0 && kids && i < n; i++) {
        char sub[3072];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", kids[i]);
        rc = dump_dir(xs, base, sub, buf, cap, used, depth + 1);
    }
    free(kids);
    return rc;
}

static int send_xenstore(struct xl_sr_writer *w, uint32_t domid, char *err, size_t errlen)
{
    size_t cap = XL_SR_MAX_BODY, used = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    struct xs_handle *xs = xs_open(0);
    int rc = 0;
    if (xs) {
        char base[64];
        snprintf(base, sizeof(base), "/local/domain/%u", domid);
        rc = dump_dir(xs, base, "", buf, cap, &used, 0);
        xs_close(xs);
    }
    if (rc < 0)
        snprintf(err, errlen, "domain %u's xenstore directory is larger than a record (%u bytes)",
                 domid, XL_SR_MAX_BODY);
    else if ((rc = xl_sr_write_record(w, XL_SR_XENSTORE, buf, (uint32_t)used)) < 0)
        snprintf(err, errlen, "writing the xenstore record: %s", strerror(-rc));
    free(buf);
    return rc;
}

/* The devices, as restore will make them again (save_devices.h). */
static int send_devices(struct xl_sr_writer *w, uint32_t domid, char *err, size_t errlen)
{
    struct xs_handle *xs = xs_open(0);
    if (!xs)
        return 0; /* no xenstored: the domain has no devices either */
    size_t cap = XL_SR_MAX_BODY, used = 0;
    char *buf = malloc(cap);
    int rc = buf ? xl_sr_devices_collect(xs, domid, buf, cap, &used, err, errlen) : -ENOMEM;
    xs_close(xs);
    if (rc == 0 && used && (rc = xl_sr_write_record(w, XL_SR_DEVICES, buf, (uint32_t)used)) < 0)
        snprintf(err, errlen, "writing the devices record: %s", strerror(-rc));
    else if (rc == -ENOMEM)
        snprintf(err, errlen, "the devices record: %s", strerror(ENOMEM));
    free(buf);
    return rc;
}

int libxl_send_tail(struct xc *xc, struct xl_sr_writer *w, uint32_t domid, char *err,
                    size_t errlen)
{
    uint8_t *blob = malloc(XLCTL_MAX_PAYLOAD);
    if (!blob)
        return -ENOMEM;
    uint32_t len = 0;
    int rc = xc_request(xc, XLCTL_OP_DOMAIN_GET_STATE, &(struct xlctl_domid){.domid = domid},
                        sizeof(struct xlctl_domid), blob, XLCTL_MAX_PAYLOAD, &len, NULL);
    if (rc < 0)
        snprintf(err, errlen, "reading domain %u's hypervisor state: %s", domid, strerror(-rc));
    else if ((rc = xl_sr_write_record(w, XL_SR_HV_STATE, blob, len)) < 0)
        snprintf(err, errlen, "writing the state record: %s", strerror(-rc));
    free(blob);
    if (rc == 0)
        rc = send_xenstore(w, domid, err, errlen);
    if (rc == 0)
        rc = send_devices(w, domid, err, errlen);
    if (rc == 0 && (rc = xl_sr_write_end(w)) < 0)
        snprintf(err, errlen, "writing the end record: %s", strerror(-rc));
    return rc;
}

int libxl_domain_save(struct xc *xc, uint32_t domid, int fd, bool leave_paused, bool quiet,
                      char *err, size_t errlen)
{
    struct xlctl_dominfo info;
    int rc = xc_domain_info(xc, domid, &info);
    if (rc < 0) {
        snprintf(err, errlen, "domain %u: %s", domid, strerror(-rc));
        return rc;
    }
    bool was_running = info.state == XLCTL_STATE_RUNNING;
    int suspended = libxl_domain_suspend(xc, domid, err, errlen);
    if (suspended < 0)
        return suspended;
    if (!suspended && !quiet)
        fprintf(stderr, "xl save: warning: domain '%s' has no suspend channel; saved paused, it "
                "will not be told it was restored\n", info.name);
    struct xc_foreign_map map;
    rc = xc_map_foreign(xc, domid, &map);
    if (rc < 0) {
        snprintf(err, errlen, "mapping domain %u's memory: %s", domid, strerror(-rc));
        goto undo;
    }
    struct xl_sr_writer w;
    struct xl_progress prog;
    char label[96];
    snprintf(label, sizeof(label), "Saving domain '%s'", info.name);
    xl_progress_init(&prog, label, quiet);
    uint64_t sent = 0;
    rc = xl_sr_write_header(&w, fd, 0);
    if (rc == 0)
        rc = libxl_send_domain_record(xc, &w, domid, &map, err, errlen);
    if (rc == 0) {
        rc = libxl_send_pages(&w, &map, NULL, 0, false, &prog, &sent);
        if (rc < 0)
            snprintf(err, errlen, "writing memory: %s", strerror(-rc));
    }
    if (rc == 0)
        rc = libxl_send_tail(xc, &w, domid, err, errlen);
    if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
        rc = -errno, snprintf(err, errlen, "flushing the image: %s", strerror(errno));
    xc_unmap_foreign(&map);
    if (rc < 0)
        goto undo;
    xl_progress_done(&prog);
    if (leave_paused)
        return libxl_domain_resume(xc, domid, suspended, true);
    return xc_domain_destroy(xc, domid);
undo:
    libxl_domain_resume(xc, domid, suspended, !was_running);
    return rc;
}
