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
    uint32_t max_vcpus = cfg->max_vcpus ? cfg->max_vcpus : cfg->vcpus;
    for (uint32_t i = 0; i < max_vcpus; i++)
        put(t, i < cfg->vcpus ? "online" : "offline", "%s/cpu/%u/availability", dom, i);
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
    /* As libxl's build_post: what the domain was built from (xl list -l). */
    put(t, "linux", "%s/image/ostype", path);
    put(t, cfg->kernel, "%s/image/kernel", path);
    put(t, cfg->cmdline, "%s/image/cmdline", path);
    put(t, in->type ? in->type : "pv", "%s/image/type", path);
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

char *xs_domain_read(struct xs_handle *xs, uint32_t domid, const char *rel)
{
    char path[256];
    unsigned len;
    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
    return xs_read(xs, XBT_NULL, path, &len);
}

char *xs_domain_read_vm(struct xs_handle *xs, uint32_t domid, const char *rel)
{
    char *vm = xs_domain_read(xs, domid, "vm");
    if (!vm)
        return NULL;
    char path[256];
    unsigned len;
    snprintf(path, sizeof(path), "%s/%s", vm, rel);
    free(vm);
    return xs_read(xs, XBT_NULL, path, &len);
}

uint64_t xs_domain_read_u64(struct xs_handle *xs, uint32_t domid, const char *rel, uint64_t dflt)
{
    char *v = xs_domain_read(xs, domid, rel), *end;
    uint64_t n = dflt;
    if (v && *v) {
        unsigned long long x = strtoull(v, &end, 10);
        if (!*end)
            n = x;
    }
    free(v);
    return n;
}

int xs_domain_write(struct xs_handle *xs, uint32_t domid, const char *rel, const char *value)
{
    char path[256];
    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
    return xs_write(xs, XBT_NULL, path, value, (unsigned)strlen(value)) ? 0 : -errno;
}

/* Runs fn in a transaction, again while it conflicts. */
static int transact(struct xs_handle *xs, void (*fn)(struct tx *, const void *), const void *arg)
{
    for (int tries = 0; tries < TX_RETRIES; tries++) {
        struct tx t = {.xs = xs, .t = xs_transaction_start(xs)};
        if (t.t == XBT_NULL)
            return -errno;
        fn(&t, arg);
        if (t.failed) {
            int err = errno;
            xs_transaction_end(xs, t.t, true);
            return -err;
        }
        if (xs_transaction_end(xs, t.t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

struct rename_args {
    uint32_t domid;
    const char *name;
    const char *vm;
};

static void rename_nodes(struct tx *t, const void *arg)
{
    const struct rename_args *a = arg;
    put(t, a->name, "/local/domain/%u/name", a->domid);
    if (a->vm)
        put(t, a->name, "%s/name", a->vm);
}

int xs_domain_rename(struct xs_handle *xs, uint32_t domid, const char *name)
{
    char *vm = xs_domain_read(xs, domid, "vm");
    struct rename_args a = {.domid = domid, .name = name, .vm = vm};
    int rc = transact(xs, rename_nodes, &a);
    free(vm);
    return rc;
}

struct vcpu_args {
    uint32_t domid, online, max;
};

static void vcpu_nodes(struct tx *t, const void *arg)
{
    const struct vcpu_args *a = arg;
    for (uint32_t i = 0; i < a->max; i++)
        put(t, i < a->online ? "online" : "offline", "/local/domain/%u/cpu/%u/availability",
            a->domid, i);
}

int xs_domain_set_vcpus(struct xs_handle *xs, uint32_t domid, uint32_t online, uint32_t max)
{
    struct vcpu_args a = {.domid = domid, .online = online, .max = max};
    return transact(xs, vcpu_nodes, &a);
}

uint32_t xs_domain_avail_vcpus(struct xs_handle *xs, uint32_t domid, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < max; i++) {
        char rel[48];
        snprintf(rel, sizeof(rel), "cpu/%u/availability", i);
        char *v = xs_domain_read(xs, domid, rel);
        n += v && strcmp(v, "online") == 0;
        free(v);
    }
    return n;
}
