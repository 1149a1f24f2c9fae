/*
 * save_devices.c - the DEVICES record (see save_devices.h).
 */
#include "save_devices.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_device.h"

#define LINE_MAX_BYTES (PATH_MAX + 128)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- collecting --------------------------------------------------------- */

struct body {
    char *buf;
    size_t cap, len;
};

static int append_line(struct body *b, const char *type, uint32_t devid, const char *spec,
                       char *err, size_t errlen)
{
    if (strchr(spec, '\n'))
        return fail(err, errlen, -EINVAL, "%s %u: a newline in its spec cannot be saved", type,
                    devid);
    int n = snprintf(b->buf + b->len, b->cap - b->len, "%s %u %s\n", type, devid, spec);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        return fail(err, errlen, -E2BIG, "the domain's devices do not fit a record");
    b->len += (size_t)n;
    return 0;
}

static int collect_type(struct xs_handle *xs, uint32_t domid, const char *type, unsigned max,
                        struct body *b, char *err, size_t errlen)
{
    uint32_t *ids;
    unsigned n;
    int rc = xs_device_list(xs, domid, type, &ids, &n);
    if (rc < 0)
        return fail(err, errlen, rc, "listing domain %u's %s devices: %s", domid, type,
                    strerror(-rc));
    if (n > max)
        rc = fail(err, errlen, -E2BIG, "domain %u has %u %s devices, a restore takes %u", domid,
                  n, type, max);
    char spec[LINE_MAX_BYTES];
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        bool disk = strcmp(type, "vbd") == 0;
        struct xl_disk d;
        struct xl_vif v;
        rc = disk ? xs_device_read_disk(xs, domid, ids[i], &d, err, errlen)
                  : xs_device_read_vif(xs, domid, ids[i], &v, err, errlen);
        if (rc == 0 && (disk ? xl_disk_format(&d, spec, sizeof(spec))
                             : xl_vif_format(&v, spec, sizeof(spec))) < 0)
            rc = fail(err, errlen, -E2BIG, "%s %u: spec too long", type, ids[i]);
        if (rc == 0)
            rc = append_line(b, type, ids[i], spec, err, errlen);
    }
    free(ids);
    return rc;
}

int xl_sr_devices_collect(struct xs_handle *xs, uint32_t domid, char *buf, size_t cap,
                          size_t *len, char *err, size_t errlen)
{
    struct body b = {.buf = buf, .cap = cap};
    int rc = collect_type(xs, domid, "vbd", XL_MAX_DISKS, &b, err, errlen);
    if (rc == 0)
        rc = collect_type(xs, domid, "vif", XL_MAX_VIFS, &b, err, errlen);
    *len = b.len;
    return rc;
}

/* ---- parsing ------------------------------------------------------------ */

static bool parse_devid(const char *s, uint32_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool vif_devid_taken(const struct xl_sr_devices *out, uint32_t devid)
{
    for (unsigned i = 0; i < out->nr_vifs; i++)
        if (out->vifs[i].devid == devid)
            return true;
    return false;
}

static bool disk_devid_taken(const struct xl_sr_devices *out, uint32_t devid)
{
    for (unsigned i = 0; i < out->nr_disks; i++)
        if (out->disks[i].devid == devid)
            return true;
    return false;
}

static int parse_disk(struct xl_sr_devices *out, uint32_t devid, const char *spec, char *why,
                      size_t whylen)
{
    if (out->nr_disks == XL_MAX_DISKS)
        return fail(why, whylen, -EINVAL, "more than %u disks", XL_MAX_DISKS);
    struct xl_disk *d = &out->disks[out->nr_disks];
    if (xl_disk_parse(spec, d, why, whylen))
        return -EINVAL;
    if (d->devid != devid)
        return fail(why, whylen, -EINVAL, "vdev %s is device %u, not %u", d->vdev, d->devid,
                    devid);
    if (disk_devid_taken(out, devid))
        return fail(why, whylen, -EINVAL, "device %u appears twice", devid);
    out->nr_disks++;
    return 0;
}

static int parse_vif(struct xl_sr_devices *out, uint32_t devid, const char *spec, char *why,
                     size_t whylen)
{
    if (out->nr_vifs == XL_MAX_VIFS)
        return fail(why, whylen, -EINVAL, "more than %u vifs", XL_MAX_VIFS);
    struct xl_vif *v = &out->vifs[out->nr_vifs];
    if (xl_vif_parse(spec, v, why, whylen))
        return -EINVAL;
    if (vif_devid_taken(out, devid))
        return fail(why, whylen, -EINVAL, "vif %u appears twice", devid);
    v->devid = devid;
    out->nr_vifs++;
    return 0;
}

/* "TYPE DEVID SPEC" */
static int parse_line(struct xl_sr_devices *out, char *line, char *why, size_t whylen)
{
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2)
        return fail(why, whylen, -EINVAL, "not 'TYPE DEVID SPEC'");
    *sp1 = *sp2 = '\0';
    uint32_t devid;
    if (!parse_devid(sp1 + 1, &devid))
        return fail(why, whylen, -EINVAL, "devid is not a number");
    if (strcmp(line, "vbd") == 0)
        return parse_disk(out, devid, sp2 + 1, why, whylen);
    if (strcmp(line, "vif") == 0)
        return parse_vif(out, devid, sp2 + 1, why, whylen);
    return fail(why, whylen, -EINVAL, "device type is not vbd or vif");
}

int xl_sr_devices_parse(const char *body, size_t len, struct xl_sr_devices *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    char *line = malloc(LINE_MAX_BYTES);
    if (!line)
        return fail(err, errlen, -ENOMEM, "devices record: out of memory");
    int rc = 0;
    unsigned no = 0;
    for (size_t at = 0; rc == 0 && at < len; no++) {
        const char *nl = memchr(body + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (body + at)) : len - at;
        char why[320] = "";
        if (!nl)
            rc = fail(why, sizeof(why), -EINVAL, "does not end with a newline");
        else if (n >= LINE_MAX_BYTES)
            rc = fail(why, sizeof(why), -EINVAL, "too long");
        else if (memchr(body + at, '\0', n))
            rc = fail(why, sizeof(why), -EINVAL, "holds a NUL byte");
        if (rc == 0) {
            memcpy(line, body + at, n);
            line[n] = '\0';
            rc = parse_line(out, line, why, sizeof(why));
        }
        if (rc < 0)
            fail(err, errlen, rc, "devices record, line %u: %s", no + 1, why);
        at += n + 1;
    }
    free(line);
    return rc;
}
