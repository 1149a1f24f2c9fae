/*
 * device_spec.c - disk and vif specifications (see device_spec.h).
 */
#include "device_spec.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
        /* The spec is quoted as given; a newline or other control byte in
         * it would break the one-line message xl prints (and a terminal
         * escape would do worse), so each becomes '?'. */
        for (char *p = why; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
    }
    return -1;
}

/* ---- vdev names: xvd + letters (a..z, aa..) + optional partition ---- */

static int64_t disk_index(const char **p)
{
    int64_t d = -1;
    int letters = 0;
    while (**p >= 'a' && **p <= 'z') {
        if (++letters > 3)
            return -1;
        d = (d + 1) * 26 + (**p - 'a');
        (*p)++;
    }
    return d;
}

int64_t xl_vdev_to_devid(const char *vdev)
{
    char *end;
    if (isdigit((unsigned char)vdev[0])) {
        unsigned long long v = strtoull(vdev, &end, 10);
        return *end || v > 0x7fffffffull ? -1 : (int64_t)v;
    }
    if (strncmp(vdev, "xvd", 3) != 0)
        return -1;
    const char *p = vdev + 3;
    int64_t d = disk_index(&p);
    if (d < 0)
        return -1;
    int64_t part = 0;
    if (*p) {
        if (!isdigit((unsigned char)*p) || *p == '0')
            return -1;
        part = strtoll(p, &end, 10);
        if (*end || part > 255)
            return -1;
    }
    if (d <= 15 && part <= 15)
        return 202 << 8 | d << 4 | part;
    if (d > 0xfffff)
        return -1;
    return 1 << 28 | d << 8 | part;
}

/* ---- disks ---- */

static bool is_format(const char *s)
{
    static const char *const formats[] = {"raw", "qcow", "qcow2", "vhd", "qed", NULL};
    for (int i = 0; formats[i]; i++)
        if (!strcmp(s, formats[i]))
            return true;
    return false;
}

static int set_access(struct xl_disk *d, const char *v, char *why, size_t len)
{
    if (!strcmp(v, "r") || !strcmp(v, "ro"))
        d->readonly = true;
    else if (!strcmp(v, "w") || !strcmp(v, "rw"))
        d->readonly = false;
    else
        return fail(why, len, "disk: access '%s' is not r, ro, w or rw", v);
    return 0;
}

static int set_format(const char *v, char *why, size_t len)
{
    if (!strcmp(v, "raw"))
        return 0;
    if (is_format(v))
        return fail(why, len, "disk: format '%s' is not supported (raw only)", v);
    return fail(why, len, "disk: '%s' is not a disk format", v);
}

static int set_vdev(struct xl_disk *d, const char *v, char *why, size_t len)
{
    int64_t id = xl_vdev_to_devid(v);
    if (id < 0 || strlen(v) >= sizeof(d->vdev))
        return fail(why, len, "disk: vdev '%s' is not a Xen virtual device name (xvda, xvdb1 ...)",
                    v);
    snprintf(d->vdev, sizeof(d->vdev), "%s", v);
    d->devid = (uint32_t)id;
    return 0;
}

/* Drops the backend-type prefixes xl accepts in front of a target. */
static const char *strip_target_prefix(const char *t)
{
    static const char *const prefixes[] = {"tap:aio:", "phy:", "file:", "aio:", NULL};
    for (int i = 0; prefixes[i]; i++)
        if (!strncmp(t, prefixes[i], strlen(prefixes[i])))
            return t + strlen(prefixes[i]);
    return t;
}

static int set_target(struct xl_disk *d, const char *t, char *why, size_t len)
{
    t = strip_target_prefix(t);
    if (!*t)
        return fail(why, len, "disk: empty target");
    if (strlen(t) >= sizeof(d->target))
        return fail(why, len, "disk: target path is too long");
    snprintf(d->target, sizeof(d->target), "%s", t);
    return 0;
}

static int disk_keyword(struct xl_disk *d, const char *key, const char *val, char *why, size_t len)
{
    if (!strcmp(key, "format"))
        return set_format(val, why, len);
    if (!strcmp(key, "vdev"))
        return set_vdev(d, val, why, len);
    if (!strcmp(key, "access"))
        return set_access(d, val, why, len);
    if (!strcmp(key, "devtype")) {
        if (!strcmp(val, "cdrom"))
            d->cdrom = d->readonly = true;
        else if (strcmp(val, "disk"))
            return fail(why, len, "disk: devtype '%s' is not disk or cdrom", val);
        return 0;
    }
    if (!strcmp(key, "backendtype")) {
        if (strcmp(val, "phy") && strcmp(val, "qdisk"))
            return fail(why, len, "disk: backendtype '%s' is not supported (phy)", val);
        return 0;
    }
    if (!strcmp(key, "script"))
        return fail(why, len, "disk: hotplug scripts are not supported");
    return fail(why, len, "disk: unknown key '%s'", key);
}

/* A positional item after the target: recognised by its form, as xl does. */
static int disk_positional(struct xl_disk *d, const char *item, unsigned pos, char *why,
                           size_t len)
{
    if (pos == 0)
        return set_target(d, item, why, len);
    if (!*item)
        return 0;                         /* an empty position keeps the default */
    if (is_format(item))
        return set_format(item, why, len);
    if (!strcmp(item, "r") || !strcmp(item, "ro") || !strcmp(item, "w") || !strcmp(item, "rw"))
        return set_access(d, item, why, len);
    if (!strcmp(item, "cdrom") || !strcmp(item, "devtype=cdrom"))
        return disk_keyword(d, "devtype", "cdrom", why, len);
    return set_vdev(d, item, why, len);
}

int xl_disk_parse(const char *spec, struct xl_disk *out, char *why, size_t whylen)
{
    struct xl_disk d = {.discard = true};
    char item[PATH_MAX + 32];
    unsigned pos = 0;
    const char *p = spec;
    while (*p == ' ')
        p++;
    while (*p) {
        if (!strncmp(p, "target=", 7)) {     /* the rest is the path, commas and all */
            if (set_target(&d, p + 7, why, whylen))
                return -1;
            break;
        }
        size_t n = strcspn(p, ",");
        if (n >= sizeof(item))
            return fail(why, whylen, "disk: item too long");
        memcpy(item, p, n);
        item[n] = 0;
        p += n + (p[n] == ',');
        char *eq = strchr(item, '=');
        int rc;
        if (!strcmp(item, "discard") || !strcmp(item, "no-discard")) {
            d.discard = item[0] == 'd';
            rc = 0;
        } else if (eq) {
            *eq = 0;
            rc = disk_keyword(&d, item, eq + 1, why, whylen);
        } else {
            rc = disk_positional(&d, item, pos++, why, whylen);
        }
        if (rc)
            return -1;
    }
    if (!d.target[0])
        return fail(why, whylen, "disk: no target (the image file or device)");
    if (!d.vdev[0])
        return fail(why, whylen, "disk: no vdev (e.g. vdev=xvda) for '%s'", d.target);
    *out = d;
    return 0;
}

/* ---- vifs ---- */

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char extra;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &extra) != 6 || strlen(s) != 17)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return mac[0] & 1 ? -1 : 0;           /* a multicast address is no interface's */
}

static int parse_ip(const char *s)
{
    unsigned a, b, c, d, prefix = 32;
    char extra;
    int n = sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &prefix, &extra);
    if (n != 4 && n != 5)
        return -1;
    if (n == 4 && strchr(s, '/'))
        return -1;
    return a > 255 || b > 255 || c > 255 || d > 255 || prefix > 32 ? -1 : 0;
}

static int copy_value(char *dst, size_t cap, const char *key, const char *val, char *why,
                      size_t len)
{
    if (!*val || strlen(val) >= cap)
        return fail(why, len, "vif: %s '%s' is empty or too long", key, val);
    snprintf(dst, cap, "%s", val);
    return 0;
}

static int vif_keyword(struct xl_vif *v, const char *key, const char *val, char *why, size_t len)
{
    if (!strcmp(key, "mac")) {
        if (parse_mac(val, v->mac))
            return fail(why, len, "vif: mac '%s' is not a unicast xx:xx:xx:xx:xx:xx address", val);
        v->has_mac = true;
        return 0;
    }
    if (!strcmp(key, "bridge"))
        return copy_value(v->bridge, sizeof(v->bridge), key, val, why, len);
    if (!strcmp(key, "ip")) {
        if (parse_ip(val))
            return fail(why, len, "vif: ip '%s' is not an IPv4 address (a.b.c.d[/n])", val);
        return copy_value(v->ip, sizeof(v->ip), key, val, why, len);
    }
    if (!strcmp(key, "vifname"))
        return copy_value(v->vifname, sizeof(v->vifname), key, val, why, len);
    if (!strcmp(key, "type") || !strcmp(key, "model") || !strcmp(key, "script"))
        return 0;                         /* xl's; nothing to do with them here */
    return fail(why, len, "vif: unknown key '%s'", key);
}

int xl_vif_parse(const char *spec, struct xl_vif *out, char *why, size_t whylen)
{
    struct xl_vif v = {0};
    snprintf(v.bridge, sizeof(v.bridge), "xenbr0");
    char item[128];
    const char *p = spec;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, ",");
        if (n >= sizeof(item))
            return fail(why, whylen, "vif: item too long");
        memcpy(item, p, n);
        item[n] = 0;
        p += n + (p[n] == ',');
        if (!n)
            continue;
        char *eq = strchr(item, '=');
        if (!eq)
            return fail(why, whylen, "vif: '%s' is not KEY=VALUE", item);
        *eq = 0;
        if (vif_keyword(&v, item, eq + 1, why, whylen))
            return -1;
    }
    *out = v;
    return 0;
}

void xl_mac_text(const uint8_t mac[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

/* ---- back to text ---- */

static int fits(int n, size_t cap)
{
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int xl_disk_format(const struct xl_disk *d, char *out, size_t cap)
{
    return fits(snprintf(out, cap, "vdev=%s,access=%s,devtype=%s,%s,target=%s", d->vdev,
                         d->readonly ? "r" : "rw", d->cdrom ? "cdrom" : "disk",
                         d->discard ? "discard" : "no-discard", d->target),
                cap);
}

int xl_vif_format(const struct xl_vif *v, char *out, size_t cap)
{
    char mac[18];
    size_t used = 0;
    int n = 0;
    if (v->has_mac) {
        xl_mac_text(v->mac, mac);
        n = snprintf(out, cap, "mac=%s,", mac);
        if (fits(n, cap))
            return -1;
        used = (size_t)n;
    }
    n = snprintf(out + used, cap - used, "bridge=%s%s%s%s%s", v->bridge, v->ip[0] ? ",ip=" : "",
                 v->ip, v->vifname[0] ? ",vifname=" : "", v->vifname);
    return fits(n, cap - used);
}
