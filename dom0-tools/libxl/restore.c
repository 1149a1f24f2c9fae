/*
 * restore.c - a save stream back into a running domain (see restore.h).
 */
#include "restore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "create.h"
#include "progress.h"
#include "save_devices.h"
#include "save_image.h"
#include "xenolith/boot.h"
#include "xenolith/control.h"
#include "xenolith/domstate.h"
#include "xenolith/xen.h"
#include "xs_domain.h"
#include <xenstore.h>

struct restore {
    struct xc *xc;
    const struct libxl_restore_args *a;
    struct xl_sr_reader r;
    struct xl_sr_domain dom;
    uint32_t domid;            /* 0 until created */
    struct xc_foreign_map map;
    bool mapped;
    uint8_t *state;            /* HV_STATE body, with room for the domid in front */
    uint32_t state_len;
    uint8_t *xs;               /* XENSTORE body */
    uint32_t xs_len;
    struct xl_sr_devices *devs; /* from DEVICES, NULL when the image has none */
    struct xl_progress prog;
};

static int name_in_use(struct xc *xc, const char *name)
{
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xc_domain_list(xc, &list, &n);
    if (rc < 0)
        return rc;
    int used = 0;
    for (unsigned i = 0; i < n; i++)
        if (strncmp(list[i].name, name, XLCTL_NAME_MAX) == 0)
            used = 1;
    free(list);
    return used;
}

static int create_domain(struct restore *s, const struct xl_sr_record *rec, char *err,
                         size_t errlen)
{
    if (rec->type != XL_SR_DOMAIN || rec->len != sizeof(s->dom)) {
        snprintf(err, errlen, "first record is type %u, not the domain record", rec->type);
        return -EINVAL;
    }
    memcpy(&s->dom, rec->body, sizeof(s->dom));
    s->dom.create.name[XLCTL_NAME_MAX - 1] = '\0';
    int used = name_in_use(s->xc, s->dom.create.name);
    if (used) {
        if (used > 0)
            snprintf(err, errlen, "a domain named '%s' already exists", s->dom.create.name);
        else
            snprintf(err, errlen, "listing domains: %s", strerror(-used));
        return used > 0 ? -EEXIST : used;
    }
    char why[256] = "";
    struct xlctl_domain_created created;
    int rc = xc_domain_create(s->xc, &s->dom.create, &created, why, sizeof(why));
    if (rc < 0) {
        snprintf(err, errlen, "creating domain '%s': %s", s->dom.create.name,
                 why[0] ? why : strerror(-rc));
        return rc;
    }
    s->domid = created.domid;
    rc = xc_map_foreign(s->xc, s->domid, &s->map);
    if (rc < 0) {
        snprintf(err, errlen, "mapping the new domain's memory: %s", strerror(-rc));
        return rc;
    }
    s->mapped = true;
    if (s->map.layout.low_bytes != s->dom.low_bytes ||
        s->map.layout.high_bytes != s->dom.high_bytes || s->map.layout.fd_size != s->dom.fd_size) {
        snprintf(err, errlen, "image memory layout (%llu+%llu bytes) does not match the "
                 "hypervisor's for %llu KiB", (unsigned long long)s->dom.low_bytes,
                 (unsigned long long)s->dom.high_bytes,
                 (unsigned long long)s->dom.create.memory_kib);
        return -EINVAL;
    }
    return 0;
}

static int load_pages(struct restore *s, const struct xl_sr_record *rec, char *err, size_t errlen)
{
    unsigned n;
    const uint64_t *entry;
    const uint8_t *data;
    int rc = xl_sr_parse_pages(rec, s->dom.fd_size, &n, &entry, &data, err, errlen);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *dst = s->map.base + (entry[i] & ~XL_SR_PAGE_ZERO);
        if (entry[i] & XL_SR_PAGE_ZERO) {
            memset(dst, 0, XL_SR_PAGE);
        } else {
            memcpy(dst, data, XL_SR_PAGE);
            data += XL_SR_PAGE;
        }
    }
    return 0;
}

static int keep(uint8_t **dst, uint32_t *dst_len, size_t front, const struct xl_sr_record *rec)
{
    free(*dst);
    *dst = malloc(front + rec->len + 1);
    if (!*dst)
        return -ENOMEM;
    memcpy(*dst + front, rec->body, rec->len);
    *dst_len = rec->len;
    return 0;
}

static int read_devices(struct restore *s, const struct xl_sr_record *rec, char *err,
                        size_t errlen)
{
    if (!s->devs && !(s->devs = malloc(sizeof(*s->devs))))
        return -ENOMEM;
    int rc = xl_sr_devices_parse((const char *)rec->body, rec->len, s->devs, err, errlen);
    /* Disks are checked now, so a missing image is named before the
     * domain is touched further, as create does. */
    if (rc == 0)
        rc = libxl_check_disks(s->devs->disks, s->devs->nr_disks, err, errlen);
    return rc;
}

static int read_stream(struct restore *s, char *err, size_t errlen)
{
    struct xl_sr_record rec;
    int rc = xl_sr_read_record(&s->r, &rec, err, errlen);
    if (rc == 0)
        rc = create_domain(s, &rec, err, errlen);
    while (rc == 0) {
        rc = xl_sr_read_record(&s->r, &rec, err, errlen);
        if (rc < 0)
            break;
        if (s->r.ended)
            break;
        switch (rec.type) {
        case XL_SR_PAGES:
            rc = load_pages(s, &rec, err, errlen);
            break;
        case XL_SR_HV_STATE:
            rc = keep(&s->state, &s->state_len, sizeof(struct xlctl_domid), &rec);
            break;
        case XL_SR_XENSTORE:
            rc = keep(&s->xs, &s->xs_len, 0, &rec);
            break;
        case XL_SR_DEVICES:
            rc = read_devices(s, &rec, err, errlen);
            break;
        default:
            snprintf(err, errlen, "unexpected record type %u after the domain record", rec.type);
            rc = -EINVAL;
        }
        if (s->a->total_bytes)
            xl_progress_update(&s->prog, s->r.bytes, s->a->total_bytes);
    }
    if (rc == 0 && (!s->state || !s->xs)) {
        snprintf(err, errlen, "image has no %s record", s->state ? "xenstore" : "state");
        rc = -EINVAL;
    }
    return rc;
}

static int apply_state(struct restore *s, char *err, size_t errlen)
{
    struct xlctl_domid id = {.domid = s->domid};
    memcpy(s->state, &id, sizeof(id));
    char why[256] = "";
    uint32_t len = 0;
    uint32_t n = (uint32_t)sizeof(id) + s->state_len;
    if (n > XLCTL_MAX_PAYLOAD) {
        snprintf(err, errlen, "state record of %u bytes is too large", s->state_len);
        return -EINVAL;
    }
    int rc = xc_request(s->xc, XLCTL_OP_DOMAIN_SET_STATE, s->state, n, why, sizeof(why) - 1, &len,
                        NULL);
    if (rc < 0) {
        why[len < sizeof(why) ? len : sizeof(why) - 1] = '\0';
        snprintf(err, errlen, "hypervisor refused the saved state: %s",
                 why[0] ? why : strerror(-rc));
    }
    return rc;
}

struct overlay {
    struct xs_handle *xs;
    uint32_t domid;
    int failed;
};

/* The frontend halves of the split devices: made again, with their
 * backends, from the DEVICES record (the saved ones point at the old
 * domain's backends). */
static bool is_device_dir(const char *path)
{
    return strncmp(path, "device/vbd/", 11) == 0 || strncmp(path, "device/vif/", 11) == 0;
}

/* Keys xs_domain_create() wrote for the new domain win over the image's. */
static int overlay_one(const char *path, const char *value, uint32_t len, void *arg)
{
    struct overlay *o = arg;
    if (strcmp(path, "domid") == 0 || is_device_dir(path))
        return 0;
    char full[3200];
    snprintf(full, sizeof(full), "/local/domain/%u/%s", o->domid, path);
    if (!xs_write(o->xs, XBT_NULL, full, value, len))
        o->failed = errno ? errno : EIO;
    return 0;
}

static int restore_xenstore(struct restore *s, char *err, size_t errlen)
{
    const struct xl_ds_header *h = (const void *)(s->state + sizeof(struct xlctl_domid));
    struct xl_domain_config cfg;
    xl_config_init(&cfg);
    snprintf(cfg.name, sizeof(cfg.name), "%s", s->dom.create.name);
    cfg.memory_mib = s->dom.create.memory_kib / 1024;
    cfg.vcpus = s->dom.create.vcpus;
    struct xs_domain_info info = {
        .domid = s->domid,
        .uuid = s->dom.create.uuid,
        .store_evtchn = (uint32_t)h->hvm_params[HVM_PARAM_STORE_EVTCHN],
        .console_evtchn = (uint32_t)h->hvm_params[HVM_PARAM_CONSOLE_EVTCHN],
        .store_gfn = h->hvm_params[HVM_PARAM_STORE_PFN],
        .console_gfn = h->hvm_params[HVM_PARAM_CONSOLE_PFN],
    };
    char why[512];
    int rc = xs_domain_create(&cfg, &info, why, sizeof(why));
    if (rc == -ENOENT)
        return 0; /* no xenstored: as create, the guest runs without it */
    if (rc < 0) {
        snprintf(err, errlen, "xenstore entries: %s", why);
        return rc;
    }
    struct overlay o = {.xs = xs_open(0), .domid = s->domid};
    if (!o.xs) {
        snprintf(err, errlen, "xenstored stopped answering: %s", strerror(errno));
        return -EIO;
    }
    struct xl_sr_record rec = {.type = XL_SR_XENSTORE, .len = s->xs_len, .body = s->xs};
    rc = xl_sr_parse_xenstore(&rec, overlay_one, &o, err, errlen);
    xs_close(o.xs);
    if (rc == 0 && o.failed) {
        snprintf(err, errlen, "writing the saved xenstore entries: %s", strerror(o.failed));
        rc = -o.failed;
    }
    return rc;
}

static void state_sanity(struct restore *s, int *rc, char *err, size_t errlen)
{
    if (*rc < 0)
        return;
    const struct xl_ds_header *h = (const void *)(s->state + sizeof(struct xlctl_domid));
    if (s->state_len < sizeof(*h) || h->magic != XL_DS_MAGIC) {
        snprintf(err, errlen, "state record is not a hypervisor state blob");
        *rc = -EINVAL;
    }
}

int libxl_domain_restore(struct xc *xc, const struct libxl_restore_args *a, uint32_t *domid,
                         char *name, char *err, size_t errlen)
{
    struct restore s = {.xc = xc, .a = a};
    xl_progress_init(&s.prog, a->label ? a->label : "Restoring", a->quiet || !a->total_bytes);
    int rc = xl_sr_read_header(&s.r, a->fd, err, errlen);
    if (rc == 0)
        rc = read_stream(&s, err, errlen);
    state_sanity(&s, &rc, err, errlen);
    if (rc == 0)
        rc = apply_state(&s, err, errlen);
    if (rc == 0)
        rc = restore_xenstore(&s, err, errlen);
    if (rc == 0 && s.devs)
        rc = libxl_devices_add(s.domid, s.devs->disks, s.devs->nr_disks, s.devs->vifs,
                               s.devs->nr_vifs, err, errlen);
    if (rc == 0 && a->before_unpause)
        a->before_unpause(a->arg);
    if (rc == 0 && !a->paused && (rc = xc_domain_unpause(xc, s.domid)) < 0)
        snprintf(err, errlen, "unpausing: %s", strerror(-rc));
    if (s.mapped)
        xc_unmap_foreign(&s.map);
    if (rc < 0 && s.domid)
        xc_domain_destroy(xc, s.domid); /* nothing half-made stays */
    if (rc == 0) {
        xl_progress_done(&s.prog);
        *domid = s.domid;
        snprintf(name, XLCTL_NAME_MAX, "%s", s.dom.create.name);
    }
    xl_sr_reader_free(&s.r);
    free(s.state);
    free(s.xs);
    free(s.devs);
    return rc;
}
