/*
 * xs_device.c - a split device's xenstore directories (see xs_device.h).
 */
#include "xs_device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#define TX_RETRIES 100

struct dev_tx {
    struct xs_handle *xs;
    xs_transaction_t t;
    uint32_t domid;
    char fe[128], be[128];     /* the two directories */
    bool failed;
    int err;
};

static void put(struct dev_tx *d, const char *dir, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(struct dev_tx *d, const char *dir, const char *key, const char *fmt, ...)
{
    char path[256], value[PATH_MAX + 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s%s%s", dir, *key ? "/" : "", key);
    if (!d->failed && !xs_write(d->xs, d->t, path, value, (unsigned)strlen(value))) {
        d->failed = true;
        d->err = errno;
    }
}

/* owner gets everything; other gets `other` (XS_PERM_READ) */
static void own(struct dev_tx *d, const char *path, uint32_t owner, uint32_t other)
{
    struct xs_permissions p[2] = {
        {.id = owner, .perms = XS_PERM_NONE},
        {.id = other, .perms = XS_PERM_READ},
    };
    if (!d->failed && !xs_set_permissions(d->xs, d->t, path, p, 2)) {
        d->failed = true;
        d->err = errno;
    }
}

/* Both directories with their cross pointers, owners and state = 1. */
static void common_keys(struct dev_tx *d)
{
    put(d, d->fe, "", "%s", "");
    own(d, d->fe, d->domid, 0);
    put(d, d->be, "", "%s", "");
    own(d, d->be, 0, d->domid);
    put(d, d->fe, "backend", "%s", d->be);
    put(d, d->fe, "backend-id", "0");
    put(d, d->fe, "state", "%u", XenbusStateInitialising);
    put(d, d->be, "frontend", "%s", d->fe);
    put(d, d->be, "frontend-id", "%u", d->domid);
    put(d, d->be, "online", "1");
    put(d, d->be, "state", "%u", XenbusStateInitialising);
}

static bool exists(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
    unsigned len;
    char *v = xs_read(xs, t, path, &len);
    free(v);
    return v != NULL;
}

typedef void (*fill_fn)(struct dev_tx *d, const void *spec);

/* Runs fill in a transaction, retrying conflicts; refuses a devid in use. */
static int add_device(struct xs_handle *xs, uint32_t domid, const char *type, uint32_t devid,
                      fill_fn fill, const void *spec, char *err, size_t errlen)
{
    struct dev_tx d = {.xs = xs, .domid = domid};
    snprintf(d.fe, sizeof(d.fe), "/local/domain/%u/device/%s/%u", domid, type, devid);
    snprintf(d.be, sizeof(d.be), "/local/domain/0/backend/%s/%u/%u", type, domid, devid);
    for (int tries = 0; tries < TX_RETRIES; tries++) {
        d.t = xs_transaction_start(xs);
        if (d.t == XBT_NULL) {
            snprintf(err, errlen, "xenstore: %s", strerror(errno));
            return -errno;
        }
        if (exists(xs, d.t, d.be) || exists(xs, d.t, d.fe)) {
            xs_transaction_end(xs, d.t, true);
            snprintf(err, errlen, "%s device %u of domain %u exists already", type, devid, domid);
            return -EEXIST;
        }
        d.failed = false;
        common_keys(&d);
        fill(&d, spec);
        if (d.failed) {
            xs_transaction_end(xs, d.t, true);
            snprintf(err, errlen, "xenstore entries for %s %u: %s", type, devid, strerror(d.err));
            return -d.err;
        }
        if (xs_transaction_end(xs, d.t, false))
            return 0;
        if (errno != EAGAIN) {
            snprintf(err, errlen, "xenstore entries for %s %u: %s", type, devid, strerror(errno));
            return -errno;
        }
        struct timespec pause = {0, (long)(rand() % (50 * (tries + 1))) * 1000};
        nanosleep(&pause, NULL);
    }
    snprintf(err, errlen, "xenstore entries for %s %u: too many conflicts", type, devid);
    return -EAGAIN;
}

static void fill_disk(struct dev_tx *d, const void *spec)
{
    const struct xl_disk *disk = spec;
    struct stat st;
    bool phy = stat(disk->target, &st) == 0 && S_ISBLK(st.st_mode);
    const char *devtype = disk->cdrom ? "cdrom" : "disk";
    put(d, d->fe, "virtual-device", "%u", disk->devid);
    put(d, d->fe, "device-type", "%s", devtype);
    put(d, d->be, "params", "%s", disk->target);
    put(d, d->be, "type", "%s", phy ? "phy" : "file");
    put(d, d->be, "mode", "%s", disk->readonly ? "r" : "w");
    put(d, d->be, "dev", "%s", disk->vdev);
    put(d, d->be, "device-type", "%s", devtype);
    put(d, d->be, "removable", "0");
    put(d, d->be, "bootable", "1");
    put(d, d->be, "discard-enable", "%u", disk->discard ? 1 : 0);
}

int xs_device_add_disk(struct xs_handle *xs, uint32_t domid, const struct xl_disk *d, char *err,
                       size_t errlen)
{
    return add_device(xs, domid, "vbd", d->devid, fill_disk, d, err, errlen);
}

/* Xen's OUI with three random bytes, as libxl picks a MAC. */
static void random_mac(uint8_t mac[6])
{
    uint8_t r[3] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
        unsigned v = (unsigned)rand();
        r[0] = (uint8_t)v, r[1] = (uint8_t)(v >> 8), r[2] = (uint8_t)(v >> 16);
    }
    if (fd >= 0)
        close(fd);
    mac[0] = 0x00, mac[1] = 0x16, mac[2] = 0x3e;
    mac[3] = r[0] & 0x7f, mac[4] = r[1], mac[5] = r[2];
}

static void fill_vif(struct dev_tx *d, const void *spec)
{
    const struct xl_vif *vif = spec;
    char mac[18];
    xl_mac_text(vif->mac, mac);
    put(d, d->fe, "handle", "%u", vif->devid);
    put(d, d->fe, "mac", "%s", mac);
    put(d, d->be, "handle", "%u", vif->devid);
    put(d, d->be, "mac", "%s", mac);
    put(d, d->be, "bridge", "%s", vif->bridge);
    put(d, d->be, "type", "vif");
    if (vif->ip[0])
        put(d, d->be, "ip", "%s", vif->ip);
    if (vif->vifname[0])
        put(d, d->be, "vifname", "%s", vif->vifname);
}

int xs_device_add_vif(struct xs_handle *xs, uint32_t domid, const struct xl_vif *v, char *err,
                      size_t errlen)
{
    struct xl_vif vif = *v;
    if (!vif.has_mac) {
        random_mac(vif.mac);
        vif.has_mac = true;
    }
    return add_device(xs, domid, "vif", vif.devid, fill_vif, &vif, err, errlen);
}

static int read_state(struct xs_handle *xs, const char *dir)
{
    char path[160];
    unsigned len;
    snprintf(path, sizeof(path), "%s/state", dir);
    char *v = xs_read(xs, XBT_NULL, path, &len);
    int s = v ? atoi(v) : -1;
    free(v);
    return s;
}

static bool write_key(struct xs_handle *xs, const char *dir, const char *key, const char *value)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_write(xs, XBT_NULL, path, value, (unsigned)strlen(value));
}

/* Waits for the backend to reach Closed (or go), polling its state node. */
static bool wait_backend_closed(struct xs_handle *xs, const char *be, unsigned timeout_ms)
{
    struct timespec step = {0, 10 * 1000 * 1000};
    for (unsigned waited = 0; waited <= timeout_ms; waited += 10) {
        int s = read_state(xs, be);
        if (s < 0 || s == XenbusStateClosed)
            return true;
        nanosleep(&step, NULL);
    }
    return false;
}

int xs_device_remove(struct xs_handle *xs, uint32_t domid, const char *type, uint32_t devid,
                     unsigned timeout_ms, int force, char *err, size_t errlen)
{
    char fe[128], be[128];
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%u", domid, type, devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", type, domid, devid);
    if (read_state(xs, be) < 0) {
        snprintf(err, errlen, "domain %u has no %s device %u", domid, type, devid);
        return -ENOENT;
    }
    /* As libxl: ask the backend to let go, and tell the frontend it is closing. */
    write_key(xs, be, "online", "0");
    if (read_state(xs, be) != XenbusStateClosed)
        write_key(xs, be, "state", "5");
    bool closed = wait_backend_closed(xs, be, timeout_ms);
    if (!closed && !force) {
        snprintf(err, errlen, "%s device %u of domain %u did not close within %u ms "
                 "(the guest does not answer; use -f to force)", type, devid, domid, timeout_ms);
        return -ETIMEDOUT;
    }
    xs_rm(xs, XBT_NULL, be);
    xs_rm(xs, XBT_NULL, fe);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int xs_device_list(struct xs_handle *xs, uint32_t domid, const char *type, uint32_t **devids,
                   unsigned *n)
{
    char dir[96];
    unsigned count = 0;
    snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", type, domid);
    char **names = xs_directory(xs, XBT_NULL, dir, &count);
    *devids = NULL;
    *n = 0;
    if (!names)
        return errno == ENOENT ? 0 : -errno;
    uint32_t *ids = calloc(count ? count : 1, sizeof(*ids));
    if (!ids) {
        free(names);
        return -ENOMEM;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < count; i++) {
        char *end;
        unsigned long v = strtoul(names[i], &end, 10);
        if (*names[i] && !*end && v <= UINT32_MAX)
            ids[k++] = (uint32_t)v;
    }
    free(names);
    qsort(ids, k, sizeof(*ids), cmp_u32);
    *devids = ids;
    *n = k;
    return 0;
}

int xs_device_next_vif_devid(struct xs_handle *xs, uint32_t domid, uint32_t *devid)
{
    uint32_t *ids;
    unsigned n;
    int rc = xs_device_list(xs, domid, "vif", &ids, &n);
    if (rc < 0)
        return rc;
    *devid = n ? ids[n - 1] + 1 : 0;
    free(ids);
    return 0;
}

/* <be>/<key>, or dflt when it is absent (NULL dflt: required). */
static bool read_be_key(struct xs_handle *xs, const char *be, const char *key, const char *dflt,
                        char *out, size_t cap)
{
    char path[160];
    unsigned len;
    snprintf(path, sizeof(path), "%s/%s", be, key);
    char *v = xs_read(xs, XBT_NULL, path, &len);
    if (!v && !dflt)
        return false;
    snprintf(out, cap, "%s", v ? v : dflt);
    free(v);
    return true;
}

static int missing_key(const char *be, const char *key, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s has no '%s'", be, key);
    return errno == ENOENT || errno == 0 ? -ENOENT : -errno;
}

int xs_device_read_disk(struct xs_handle *xs, uint32_t domid, uint32_t devid,
                        struct xl_disk *out, char *err, size_t errlen)
{
    char be[128], mode[8], devtype[16], discard[8];
    struct xl_disk raw = {0};
    snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", domid, devid);
    if (!read_be_key(xs, be, "params", NULL, raw.target, sizeof(raw.target)))
        return missing_key(be, "params", err, errlen);
    if (!read_be_key(xs, be, "dev", NULL, raw.vdev, sizeof(raw.vdev)))
        return missing_key(be, "dev", err, errlen);
    read_be_key(xs, be, "mode", "w", mode, sizeof(mode));
    read_be_key(xs, be, "device-type", "disk", devtype, sizeof(devtype));
    read_be_key(xs, be, "discard-enable", "1", discard, sizeof(discard));
    raw.readonly = mode[0] == 'r';
    raw.cdrom = strcmp(devtype, "cdrom") == 0;
    raw.discard = discard[0] != '0';
    /* Written out and parsed back: what comes back is as checked as a
     * config's disk (a vdev that is no device name is refused here). */
    size_t cap = sizeof(raw.target) + 128;
    char *spec = malloc(cap);
    if (!spec)
        return -ENOMEM;
    char why[256] = "spec too long";
    int rc = xl_disk_format(&raw, spec, cap) < 0 || xl_disk_parse(spec, out, why, sizeof(why))
                 ? -EINVAL : 0;
    free(spec);
    if (rc == 0 && out->devid != devid)
        snprintf(why, sizeof(why), "dev '%s' is not device %u", raw.vdev, devid), rc = -EINVAL;
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", be, why);
    return rc;
}

int xs_device_read_vif(struct xs_handle *xs, uint32_t domid, uint32_t devid, struct xl_vif *out,
                       char *err, size_t errlen)
{
    char be[128], mac[32], bridge[80], ip[32], vifname[48], spec[256];
    snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", domid, devid);
    if (!read_be_key(xs, be, "mac", NULL, mac, sizeof(mac)))
        return missing_key(be, "mac", err, errlen);
    read_be_key(xs, be, "bridge", "xenbr0", bridge, sizeof(bridge));
    read_be_key(xs, be, "ip", "", ip, sizeof(ip));
    read_be_key(xs, be, "vifname", "", vifname, sizeof(vifname));
    snprintf(spec, sizeof(spec), "mac=%s,bridge=%s%s%s%s%s", mac, bridge, ip[0] ? ",ip=" : "", ip,
             vifname[0] ? ",vifname=" : "", vifname);
    char why[256];
    if (xl_vif_parse(spec, out, why, sizeof(why))) {
        snprintf(err, errlen, "%s: %s", be, why);
        return -EINVAL;
    }
    out->devid = devid;
    return 0;
}
