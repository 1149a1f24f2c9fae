/*
 * xl_devices.c - xl's split-device commands: block-attach/-detach/-list and
 * network-attach/-detach/-list. They write and remove the devices'
 * xenstore directories (libxl/xs_device.h); the backend processes and the
 * guest's frontends do the rest through the XenbusState handshake.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxl/create.h"
#include "libxl/device_spec.h"
#include "libxl/xs_device.h"
#include "xl.h"

#define DETACH_TIMEOUT_MS 10000

/* The guest named on the command line, and a xenstore connection. */
struct dev_cmd {
    const char *name;
    uint32_t domid;
    struct xs_handle *xs;
};

static int open_cmd(struct dev_cmd *c, const char *name, const char *dom)
{
    c->name = name;
    struct xc *xc = xl_connect(name);
    if (!xc)
        return -1;
    int rc = xl_find_domain(xc, name, dom, false, &c->domid);
    xc_close(xc);
    if (rc < 0)
        return -1;
    c->xs = xs_open(0);
    if (!c->xs) {
        xl_fail(name, "cannot reach xenstored: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* xl joins the spec's words with commas: block-attach d 'x.img' raw xvdb w */
static void join_spec(int argc, char **argv, int first, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = first; i < argc && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", i > first ? "," : "", argv[i]);
}

static int read_int(struct xs_handle *xs, const char *dir, const char *key, int dflt)
{
    char path[200];
    unsigned len;
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    char *v = xs_read(xs, XBT_NULL, path, &len);
    int r = v ? atoi(v) : dflt;
    free(v);
    return r;
}

static void read_text(struct xs_handle *xs, const char *dir, const char *key, char *out, size_t len)
{
    char path[200];
    unsigned n;
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    char *v = xs_read(xs, XBT_NULL, path, &n);
    snprintf(out, len, "%s", v ? v : "-");
    free(v);
}

/* ---- block ---- */

int main_block_attach(int argc, char **argv)
{
    if (xl_wants_help(argc, argv))
        return xl_print_help("block-attach");
    if (argc < 3)
        return xl_usage("block-attach");
    struct dev_cmd c;
    if (open_cmd(&c, "block-attach", argv[1]) < 0)
        return 1;
    char spec[PATH_MAX + 256], why[512];
    struct xl_disk d;
    join_spec(argc, argv, 2, spec, sizeof(spec));
    int rc = xl_disk_parse(spec, &d, why, sizeof(why));
    if (rc == 0 && d.target[0] != '/') {
        char abs[PATH_MAX];
        if (realpath(d.target, abs))
            snprintf(d.target, sizeof(d.target), "%s", abs);
    }
    if (rc == 0)
        rc = libxl_check_disk(&d, why, sizeof(why));
    if (rc == 0)
        rc = xs_device_add_disk(c.xs, c.domid, &d, why, sizeof(why));
    xs_close(c.xs);
    return rc == 0 ? 0 : xl_fail(c.name, "%s", why);
}

/* A vbd given as a vdev name (xvdb) or its number (51728). */
static int parse_vbd(const char *s, uint32_t *devid)
{
    int64_t id = xl_vdev_to_devid(s);
    if (id < 0)
        return -1;
    *devid = (uint32_t)id;
    return 0;
}

/* Shared by block-detach and network-detach: [-f] DOMAIN DEVICE. */
static int detach(int argc, char **argv, const char *name, const char *type,
                  int (*parse)(const char *, uint32_t *))
{
    if (xl_wants_help(argc, argv))
        return xl_print_help(name);
    int force = 0, first = 1;
    if (argc > 1 && !strcmp(argv[1], "-f"))
        force = 1, first = 2;
    if (argc != first + 2)
        return xl_usage(name);
    uint32_t devid;
    if (parse(argv[first + 1], &devid) < 0)
        return xl_fail(name, "'%s' is not a %s device (see 'xl %s-list')", argv[first + 1], type,
                       !strcmp(type, "vbd") ? "block" : "network");
    struct dev_cmd c;
    if (open_cmd(&c, name, argv[first]) < 0)
        return 1;
    char why[512];
    int rc = xs_device_remove(c.xs, c.domid, type, devid, DETACH_TIMEOUT_MS, force, why,
                              sizeof(why));
    xs_close(c.xs);
    return rc == 0 ? 0 : xl_fail(name, "%s", why);
}

int main_block_detach(int argc, char **argv)
{
    return detach(argc, argv, "block-detach", "vbd", parse_vbd);
}

/* One line per device, in the columns of the given printer. */
static int list_devices(int argc, char **argv, const char *name, const char *type,
                        void (*header)(void),
                        void (*row)(struct xs_handle *, uint32_t, uint32_t, const char *))
{
    if (xl_wants_help(argc, argv))
        return xl_print_help(name);
    if (argc < 2)
        return xl_usage(name);
    header();
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct dev_cmd c;
        if (open_cmd(&c, name, argv[i]) < 0) {
            status = 1;
            continue;
        }
        uint32_t *ids;
        unsigned n;
        if (xs_device_list(c.xs, c.domid, type, &ids, &n) == 0) {
            for (unsigned k = 0; k < n; k++) {
                char be[128];
                snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", type, c.domid, ids[k]);
                row(c.xs, c.domid, ids[k], be);
            }
            free(ids);
        }
        xs_close(c.xs);
    }
    return status;
}

static void block_header(void)
{
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch",
           "ring-ref", "BE-path");
}

static void block_row(struct xs_handle *xs, uint32_t domid, uint32_t devid, const char *be)
{
    char fe[128], ring[16];
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", domid, devid);
    read_text(xs, fe, "ring-ref", ring, sizeof(ring));
    if (!strcmp(ring, "-"))
        read_text(xs, fe, "ring-ref0", ring, sizeof(ring));
    printf("%-5u %-3d %-6u %-5d %-6d %-8s %-30s\n", devid, read_int(xs, fe, "backend-id", 0),
           devid, read_int(xs, fe, "state", -1), read_int(xs, fe, "event-channel", -1), ring, be);
}

int main_block_list(int argc, char **argv)
{
    return list_devices(argc, argv, "block-list", "vbd", block_header, block_row);
}

/* ---- network ---- */

int main_network_attach(int argc, char **argv)
{
    if (xl_wants_help(argc, argv))
        return xl_print_help("network-attach");
    if (argc < 2)
        return xl_usage("network-attach");
    struct dev_cmd c;
    if (open_cmd(&c, "network-attach", argv[1]) < 0)
        return 1;
    char spec[1024], why[512];
    struct xl_vif v;
    join_spec(argc, argv, 2, spec, sizeof(spec));
    int rc = xl_vif_parse(spec, &v, why, sizeof(why));
    if (rc == 0) {
        rc = xs_device_next_vif_devid(c.xs, c.domid, &v.devid);
        if (rc < 0)
            snprintf(why, sizeof(why), "reading the domain's vifs: %s", strerror(-rc));
    }
    if (rc == 0)
        rc = xs_device_add_vif(c.xs, c.domid, &v, why, sizeof(why));
    xs_close(c.xs);
    return rc == 0 ? 0 : xl_fail(c.name, "%s", why);
}

static int parse_vif(const char *s, uint32_t *devid)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > 0xffff)
        return -1;
    *devid = (uint32_t)v;
    return 0;
}

int main_network_detach(int argc, char **argv)
{
    return detach(argc, argv, "network-detach", "vif", parse_vif);
}

static void network_header(void)
{
    printf("%-3s %-3s %-18s %-6s %-5s %-6s %-15s %-30s\n", "Idx", "BE", "Mac Addr.", "handle",
           "state", "evt-ch", "tx-/rx-ring-ref", "BE-path");
}

static void network_row(struct xs_handle *xs, uint32_t domid, uint32_t devid, const char *be)
{
    char fe[128], mac[24], tx[16], rx[16], rings[40];
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", domid, devid);
    read_text(xs, be, "mac", mac, sizeof(mac));
    read_text(xs, fe, "tx-ring-ref", tx, sizeof(tx));
    read_text(xs, fe, "rx-ring-ref", rx, sizeof(rx));
    snprintf(rings, sizeof(rings), "%s/%s", tx, rx);
    printf("%-3u %-3d %-18s %-6u %-5d %-6d %-15s %-30s\n", devid, read_int(xs, fe, "backend-id", 0),
           mac, devid,
           read_int(xs, fe, "state", -1), read_int(xs, fe, "event-channel", -1), rings, be);
}

int main_network_list(int argc, char **argv)
{
    return list_devices(argc, argv, "network-list", "vif", network_header, network_row);
}
