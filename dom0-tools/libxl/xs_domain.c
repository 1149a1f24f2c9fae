/*
 * xs_domain.c - a domain's xenstore nodes (see xs_domain.h). Keys and
 * permissions follow libxl (xen-abi.md 9.3, 9.6).
 */
#include "xs_domain.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

/* Concurrent creates all add children to /local/domain and /vm, so their
 * transactions conflict (EAGAIN); like libxl we retry, with a growing
 * random pause so twenty at once all get through. */
#define TX_RETRIES 200

struct tx {
    struct xs_handle *xs;
    xs_transaction_t t;
    bool failed;
};

static void uuid_text(const uint8_t *u, char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

static void put(struct tx *t, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct tx *t, const char *value, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (!t->failed && !xs_write(t->xs, t->t, path, value, (unsigned)strlen(value)))
        t->failed = true;
}

/* Dom0 owns path; the guest gets `guest_perm` ('r' or 'b' for read/write). */
static void perms(struct tx *t, const char *path, uint32_t domid, bool guest_owns)
{
    struct xs_permissions p[2] = {
        {.id = guest_owns ? domid : 0, .perms = XS_PERM_NONE},
        {.id = domid, .perms = XS_PERM_READ},
    };
    if (!t->failed && !xs_set_permissions(t->xs, t->t, path, p, guest_owns ? 1 : 2))
        t->failed = true;
}

static void write_nodes(struct tx *t, const struct xl_domain_config *cfg,
                        const struct xs_domain_info *in)
{
    char dom[64], v[64], uuid[37];
    uuid_text(in->uuid, uuid);
    snprintf(dom, sizeof(dom), "/local/domain/%u", in->domid);
    put(t, "", "%s", dom);
    perms(t, dom, in->domid, false);
    put(t, cfg->name, "%s/name", dom);
    snprintf(v, sizeof(v), "%u", in->domid);
    put(t, v, "%s/domid", dom);
    snprintf(v, sizeof(v), "/vm/%s", uuid);
    put(t, v, "%s/vm", dom);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)cfg->memory_mib * 1024);
    put(t, v, "%s/memory/static-max", dom);
    put(t, v, "%s/memory/target", dom);
    for (uint32_t i = 0; i < cfg->vcpus; i++)
        put(t, "online", "%s/cpu/%u/availability", dom, i);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)in->store_gfn);
    put(t, v, "%s/store/ring-ref", dom);
    snprintf(v, sizeof(v), "%u", in->store_evtchn);
    put(t, v, "%s/store/port", dom);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)in->console_gfn);
    put(t, v, "%s/console/ring-ref", dom);
    snprintf(v, sizeof(v), "%u", in->console_evtchn);
    put(t, v, "%s/console/port", dom);
    put(t, "1048576", "%s/console/limit", dom);
    put(t, "xenconsoled", "%s/console/type", dom);
    put(t, "0", "%s/console/backend-id", dom);
    put(t, "1", "%s/control/platform-feature-xs_reset_watches", dom);
    /* Areas the guest writes (libxl makes these guest-owned). */
    static const char *const guest_rw[] = {"data", "drivers", "feature", "attr", "error",
                                           "control/shutdown", "control/feature-poweroff",
                                           "control/feature-reboot", "control/feature-suspend",
                                           "device", "device/suspend/event-channel"};
    char path[128];
    for (size_t i = 0; i < sizeof(guest_rw) / sizeof(guest_rw[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dom, guest_rw[i]);
        put(t, "", "%s", path);
        /* device/ is the toolstack's; its suspend/event-channel (as libxl
         * makes it) is where the guest names its suspend channel. */
        perms(t, path, in->domid, strcmp(guest_rw[i], "device") != 0);
    }
    snprintf(path, sizeof(path), "/vm/%s", uuid);
    put(t, uuid, "%s/uuid", path);
    put(t, cfg->name, "%s/name", path);
    snprintf(v, sizeof(v), "%lld.000000", (long long)time(NULL));
    put(t, v, "%s/start_time", path);
}

int xs_domain_create(const struct xl_domain_config *cfg, const struct xs_domain_info *in,
                     char *err, size_t errlen)
{
    struct xs_handle *xs = xs_open(0);
    if (!xs) {
        snprintf(err, errlen, "cannot reach xenstored: %s", strerror(errno));
        return -ENOENT;
    }
    int rc = 0;
    srand((unsigned)getpid() ^ (unsigned)time(NULL));
    for (int tries = 0; tries < TX_RETRIES; tries++) {
        struct tx t = {.xs = xs, .t = xs_transaction_start(xs)};
        if (t.t == XBT_NULL) {
            rc = -errno;
            break;
        }
        write_nodes(&t, cfg, in);
        int saved = errno;
        if (t.failed) {
            xs_transaction_end(xs, t.t, true);
            rc = -saved;
            break;
        }
        if (xs_transaction_end(xs, t.t, false)) {
            rc = 0;
            break;
        }
        rc = -errno;
        if (errno != EAGAIN)
            break;
        struct timespec pause = {0, (long)(rand() % (100 * (tries + 1))) * 1000};
        nanosleep(&pause, NULL);
    }
    if (rc == 0 && !xs_introduce_domain(xs, in->domid, in->store_gfn, in->store_evtchn))
        rc = -errno;
    if (rc < 0)
        snprintf(err, errlen, "xenstore entries for domain %u: %s", in->domid, strerror(-rc));
    xs_close(xs);
    return rc;
}

void xs_domain_destroy(uint32_t domid, const uint8_t *uuid)
{
    struct xs_handle *xs = xs_open(0);
    if (!xs)
        return;
    char path[64], u[37];
    xs_release_domain(xs, domid);
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xs_rm(xs, XBT_NULL, path);
    /* Its devices' backend halves; the backends see them go and let go. */
    static const char *const types[] = {"vbd", "vif", "console"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", types[i], domid);
        xs_rm(xs, XBT_NULL, path);
    }
    if (uuid) {
        uuid_text(uuid, u);
        snprintf(path, sizeof(path), "/vm/%s", u);
        xs_rm(xs, XBT_NULL, path);
    }
    xs_close(xs);
}
