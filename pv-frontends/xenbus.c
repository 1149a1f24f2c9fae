/*
 * xenbus.c - xenstore over the store ring (see xenbus.h).
 *
 * Ring discipline (xen-abi.md 7.2): free-running 32-bit indexes, bytes at
 * idx & (1024-1); a writer checks space, copies, write-barriers, then moves
 * prod and notifies; a reader reads prod, read-barriers, copies, then moves
 * cons and notifies. prod - cons > 1024 is a broken ring: we stop using it.
 */
#include "xenbus.h"

#include <stdarg.h>

#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include <xen/io/xs_wire.h>

#define REPLY_TIMEOUT_NS (5ull * 1000000000ull)
#define MAX_QUEUED_WATCHES 16
#define MAX_WATCH_CALLBACKS 8

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static volatile int kicked;   /* set by the event; cleared before each look */
static int lock;
static uint32_t next_req_id = 1;
static bool broken;

static struct {
    char path[256];
    char token[64];
} watches[MAX_QUEUED_WATCHES];
static unsigned nwatches;

/* Watches registered with a callback (xenbus_watch_cb); lock held. */
static struct {
    char path[256];
    char token[64];
    xenbus_watch_fn fn;
    void *arg;
} callbacks[MAX_WATCH_CALLBACKS];
static unsigned ncallbacks;

static void on_event(evtchn_port_t p, void *arg)
{
    (void)p, (void)arg;
    kicked = 1;
}

static void take_lock(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

static void drop_lock(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static int get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);
    *value = p.value;
    return (int)rc;
}

int xenbus_init(void)
{
    uint64_t pfn = 0, evtchn = 0;
    int rc = get_param(HVM_PARAM_STORE_PFN, &pfn);
    if (rc == 0)
        rc = get_param(HVM_PARAM_STORE_EVTCHN, &evtchn);
    if (rc < 0)
        return rc;
    if (pfn == 0 || evtchn == 0)
        return -ENOENT; /* no xenstore for this domain */
    ring = (struct xenstore_domain_interface *)(uintptr_t)(pfn << 12); /* 1:1 mapped */
    port = (evtchn_port_t)evtchn;
    evtchn_set_handler(port, on_event, 0);
    return 0;
}

bool xenbus_server_attached(void)
{
    return ring && __atomic_load_n(&ring->server_features, __ATOMIC_ACQUIRE) != 0;
}

bool xenbus_watch_events_waiting(void)
{
    if (!ring || broken || __atomic_load_n(&lock, __ATOMIC_ACQUIRE))
        return false;
    if (__atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE) != ring->rsp_cons)
        return true;
    /* A hint, read without the lock: events queued for a callback. */
    for (unsigned i = 0; i < nwatches; i++)
        for (unsigned c = 0; c < ncallbacks; c++)
            if (strcmp(watches[i].token, callbacks[c].token) == 0)
                return true;
    return false;
}

/* Waits for xenstored's next event, or the deadline. The caller cleared
 * `kicked` before it last looked at the ring, so no event is missed. */
static int wait_ring(uint64_t deadline)
{
    wait_flag_until(&kicked, deadline);
    return kicked ? 0 : -ETIME;
}

static int ring_write(const void *data, size_t len, uint64_t deadline)
{
    const uint8_t *p = data;
    while (len) {
        kicked = 0;
        uint32_t cons = __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE);
        uint32_t prod = ring->req_prod;
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
        if (space == 0) {
            if (wait_ring(deadline) < 0)
                return -ETIME;
            continue;
        }
        uint32_t n = (uint32_t)len < space ? (uint32_t)len : space;
        for (uint32_t i = 0; i < n; i++)
            ring->req[MASK_XENSTORE_IDX(prod + i)] = (char)p[i];
        __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELEASE);
        evtchn_notify(port);
        p += n;
        len -= n;
    }
    return 0;
}

static int ring_read(void *data, size_t len, uint64_t deadline)
{
    uint8_t *p = data;
    while (len) {
        kicked = 0;
        uint32_t prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
        uint32_t cons = ring->rsp_cons;
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        uint32_t avail = prod - cons;
        if (avail == 0) {
            if (wait_ring(deadline) < 0)
                return -ETIME;
            continue;
        }
        uint32_t n = (uint32_t)len < avail ? (uint32_t)len : avail;
        for (uint32_t i = 0; i < n; i++)
            p[i] = (uint8_t)ring->rsp[MASK_XENSTORE_IDX(cons + i)];
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        evtchn_notify(port);
        p += n;
        len -= n;
    }
    return 0;
}

static int error_number(const char *name)
{
    for (unsigned i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(name, xsd_errors[i].errstring) == 0)
            return -xsd_errors[i].errnum;
    return -EINVAL; /* as Linux and libxenstore map unknown names */
}

static void queue_watch(const char *payload, uint32_t len)
{
    const char *path = payload;
    size_t plen = strlen(path);
    if (plen + 1 >= len || nwatches == MAX_QUEUED_WATCHES)
        return; /* malformed or queue full: dropped, like a coalesced event */
    const char *token = payload + plen + 1;
    /* The same event already waiting says everything this one would. */
    bool dup = false;
    for (unsigned i = 0; i < nwatches && !dup; i++)
        dup = !strcmp(watches[i].path, path) && !strcmp(watches[i].token, token);
    if (!dup) {
        snprintf(watches[nwatches].path, sizeof(watches[0].path), "%s", path);
        snprintf(watches[nwatches].token, sizeof(watches[0].token), "%s", token);
        nwatches++;
    }
    /* Whoever waits for a watch (xenbus_wait_watch, possibly below a
     * request made from a callback on the idle path, which cleared
     * `kicked`) must look at the queue again. */
    __atomic_store_n(&kicked, 1, __ATOMIC_RELEASE);
}

/* One message: the reply of our request, or watch events before it. */
static int transact(uint32_t type, xenbus_transaction_t t, const void *body, uint32_t body_len,
                    char *reply, size_t cap)
{
    static char payload[XENSTORE_PAYLOAD_MAX + 1];
    if (!ring || broken)
        return -ENOSYS;
    uint64_t deadline = time_now_ns() + REPLY_TIMEOUT_NS;
    uint32_t req_id = next_req_id++;
    struct xsd_sockmsg h = {.type = type, .req_id = req_id, .tx_id = t, .len = body_len};
    int rc = ring_write(&h, sizeof(h), deadline);
    if (rc == 0)
        rc = ring_write(body, body_len, deadline);
    while (rc == 0) {
        rc = ring_read(&h, sizeof(h), deadline);
        if (rc == 0 && h.len > XENSTORE_PAYLOAD_MAX)
            rc = -EIO;
        if (rc == 0)
            rc = ring_read(payload, h.len, deadline);
        if (rc < 0)
            break;
        payload[h.len] = '\0';
        if (h.type == XS_WATCH_EVENT) {
            queue_watch(payload, h.len);
            continue;
        }
        if (h.req_id != req_id)
            continue; /* not ours: cannot happen with one request at a time */
        if (h.type == XS_ERROR)
            return error_number(payload);
        size_t n = h.len < cap - 1 ? h.len : cap - 1;
        memcpy(reply, payload, n);
        reply[n] = '\0';
        return (int)h.len;
    }
    if (rc == -EIO)
        broken = true;
    return rc;
}

/* path\0 [value] as one body, in transaction t (0: none). */
static int request(uint32_t type, xenbus_transaction_t t, const char *path, const char *value, size_t vlen,
                   char *reply, size_t cap)
{
    static char body[XENSTORE_PAYLOAD_MAX];
    size_t plen = strlen(path) + 1;
    if (plen + vlen > sizeof(body))
        return -E2BIG;
    memcpy(body, path, plen);
    if (vlen)
        memcpy(body + plen, value, vlen);
    char scratch[8];
    take_lock();
    int rc = transact(type, t, body, (uint32_t)(plen + vlen), reply ? reply : scratch,
                      reply ? cap : sizeof(scratch));
    drop_lock();
    return !reply && rc > 0 ? 0 : rc; /* "OK": success without data */
}

int xenbus_read_t(xenbus_transaction_t t, const char *path, char *buf, size_t len)
{
    return request(XS_READ, t, path, 0, 0, buf, len);
}

int xenbus_read(const char *path, char *buf, size_t len)
{
    return xenbus_read_t(XBT_NIL, path, buf, len);
}

int xenbus_read_u64(const char *path, uint64_t *out)
{
    char buf[32];
    int rc = xenbus_read(path, buf, sizeof(buf));
    if (rc < 0)
        return rc;
    return parse_u64(buf, out) < 0 ? -EINVAL : 0;
}

int xenbus_write_t(xenbus_transaction_t t, const char *path, const char *value)
{
    return request(XS_WRITE, t, path, value, strlen(value), 0, 0);
}

int xenbus_write(const char *path, const char *value)
{
    return xenbus_write_t(XBT_NIL, path, value);
}

int xenbus_printf(const char *path, const char *fmt, ...)
{
    char value[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    return xenbus_write(path, value);
}

int xenbus_mkdir_t(xenbus_transaction_t t, const char *path)
{
    return request(XS_MKDIR, t, path, 0, 0, 0, 0);
}

int xenbus_mkdir(const char *path)
{
    return xenbus_mkdir_t(XBT_NIL, path);
}

int xenbus_rm_t(xenbus_transaction_t t, const char *path)
{
    return request(XS_RM, t, path, 0, 0, 0, 0);
}

int xenbus_rm(const char *path)
{
    return xenbus_rm_t(XBT_NIL, path);
}

int xenbus_directory_t(xenbus_transaction_t t, const char *path, char *buf, size_t len)
{
    return request(XS_DIRECTORY, t, path, 0, 0, buf, len);
}

int xenbus_directory(const char *path, char *buf, size_t len)
{
    return xenbus_directory_t(XBT_NIL, path, buf, len);
}

/* START's payload is one empty string; its reply is the id in decimal. */
int xenbus_transaction_start(xenbus_transaction_t *t)
{
    char reply[16];
    uint64_t id;
    *t = XBT_NIL;
    int rc = request(XS_TRANSACTION_START, XBT_NIL, "", 0, 0, reply, sizeof(reply));
    if (rc < 0)
        return rc;
    if (parse_u64(reply, &id) < 0 || id == 0 || id > UINT32_MAX)
        return -EIO;
    *t = (xenbus_transaction_t)id;
    return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, bool abort)
{
    if (t == XBT_NIL)
        return -EINVAL;
    return request(XS_TRANSACTION_END, t, abort ? "F" : "T", 0, 0, 0, 0);
}

int xenbus_transact(xenbus_transaction_fn fn, void *arg)
{
    for (int round = 0; round < XENBUS_TRANSACT_TRIES; round++) {
        xenbus_transaction_t t;
        int rc = xenbus_transaction_start(&t);
        if (rc < 0)
            return rc;
        int result = fn(t, arg);
        if (result < 0) {
            xenbus_transaction_end(t, true);
            if (result == -EAGAIN)
                continue;
            return result;
        }
        rc = xenbus_transaction_end(t, false);
        if (rc == -EAGAIN)
            continue;
        return rc < 0 ? rc : result;
    }
    return -EAGAIN;
}

/* The handshake; the callbacks stay registered here when keep_callbacks
 * (their watches are gone in xenstored either way). */
static int reset_ring(bool keep_callbacks)
{
    if (!ring)
        return -ENOSYS;
    uint32_t features = __atomic_load_n(&ring->server_features, __ATOMIC_ACQUIRE);
    if (!(features & XENSTORE_SERVER_FEATURE_RECONNECTION))
        return -ENOSYS;
    uint64_t deadline = time_now_ns() + REPLY_TIMEOUT_NS;
    int rc = 0;
    take_lock();
    __atomic_store_n(&ring->connection, XENSTORE_RECONNECT, __ATOMIC_RELEASE);
    evtchn_notify(port);
    for (;;) {
        kicked = 0;
        if (__atomic_load_n(&ring->connection, __ATOMIC_ACQUIRE) == XENSTORE_CONNECTED)
            break;
        if (wait_ring(deadline) < 0) {
            rc = -ETIME;
            break;
        }
    }
    if (rc == 0) {
        nwatches = 0; /* their watches are gone; so are queued events */
        if (!keep_callbacks)
            ncallbacks = 0; /* and the callbacks that waited on them */
        broken = false;
    }
    drop_lock();
    return rc;
}

int xenbus_reconnect(void)
{
    return reset_ring(false);
}

/* As Linux's xs_resume: the same watches again, on the fresh connection.
 * Their initial firing tells each client to look at its nodes anew. */
int xenbus_resume(void)
{
    int rc = reset_ring(true);
    for (unsigned i = 0; rc == 0; i++) {
        char path[sizeof(callbacks[0].path)], token[sizeof(callbacks[0].token)];
        take_lock();
        bool more = i < ncallbacks;
        if (more) {
            memcpy(path, callbacks[i].path, sizeof(path));
            memcpy(token, callbacks[i].token, sizeof(token));
        }
        drop_lock();
        if (!more)
            break;
        rc = xenbus_watch(path, token);
    }
    return rc;
}

int xenbus_watch(const char *path, const char *token)
{
    return request(XS_WATCH, XBT_NIL, path, token, strlen(token) + 1, 0, 0);
}

/* The callback goes in first, so the initial firing (which may arrive
 * with WATCH's reply) already finds it. */
int xenbus_watch_cb(const char *path, const char *token, xenbus_watch_fn fn, void *arg)
{
    if (!fn || strlen(path) >= sizeof(callbacks[0].path) || strlen(token) >= sizeof(callbacks[0].token))
        return -EINVAL;
    take_lock();
    for (unsigned i = 0; i < ncallbacks; i++) {
        if (strcmp(callbacks[i].token, token) == 0) {
            drop_lock();
            return -EEXIST; /* events are routed by token */
        }
    }
    if (ncallbacks == MAX_WATCH_CALLBACKS) {
        drop_lock();
        return -ENOSPC;
    }
    unsigned slot = ncallbacks++;
    snprintf(callbacks[slot].path, sizeof(callbacks[0].path), "%s", path);
    snprintf(callbacks[slot].token, sizeof(callbacks[0].token), "%s", token);
    callbacks[slot].fn = fn;
    callbacks[slot].arg = arg;
    drop_lock();
    int rc = xenbus_watch(path, token);
    if (rc < 0) {
        take_lock();
        for (unsigned i = 0; i < ncallbacks; i++) {
            if (strcmp(callbacks[i].token, token) == 0) {
                memmove(&callbacks[i], &callbacks[i + 1], (ncallbacks - i - 1) * sizeof(callbacks[0]));
                ncallbacks--;
                break;
            }
        }
        drop_lock();
    }
    return rc;
}

int xenbus_unwatch(const char *path, const char *token)
{
    int rc = request(XS_UNWATCH, XBT_NIL, path, token, strlen(token) + 1, 0, 0);
    take_lock();
    for (unsigned i = 0; i < ncallbacks; i++) {
        if (strcmp(callbacks[i].path, path) == 0 && strcmp(callbacks[i].token, token) == 0) {
            memmove(&callbacks[i], &callbacks[i + 1], (ncallbacks - i - 1) * sizeof(callbacks[0]));
            ncallbacks--;
            break;
        }
    }
    drop_lock();
    return rc;
}

/* Takes a queued event for token; lock held. */
static bool take_watch(const char *token, char *path, size_t len)
{
    for (unsigned i = 0; i < nwatches; i++) {
        if (strcmp(watches[i].token, token) != 0)
            continue;
        snprintf(path, len, "%s", watches[i].path);
        memmove(&watches[i], &watches[i + 1], (nwatches - i - 1) * sizeof(watches[0]));
        nwatches--;
        return true;
    }
    return false;
}

/* Reads whatever the ring holds now (watch events only, between
 * requests); returns how many messages it read. */
static unsigned drain_events(uint64_t deadline)
{
    static char payload[XENSTORE_PAYLOAD_MAX + 1];
    unsigned n = 0;
    while (ring && !broken && ring->rsp_prod != ring->rsp_cons) {
        struct xsd_sockmsg h;
        if (ring_read(&h, sizeof(h), deadline) < 0 || h.len > XENSTORE_PAYLOAD_MAX ||
            ring_read(payload, h.len, deadline) < 0) {
            broken = true;
            return n;
        }
        payload[h.len] = '\0';
        if (h.type == XS_WATCH_EVENT)
            queue_watch(payload, h.len);
        n++;
    }
    return n;
}

int xenbus_wait_watch(const char *token, char *path, size_t len, uint64_t timeout_ns)
{
    uint64_t deadline = time_now_ns() + timeout_ns;
    for (;;) {
        kicked = 0;
        take_lock();
        drain_events(deadline);
        bool got = take_watch(token, path, len);
        drop_lock();
        if (got)
            return 0;
        if (time_now_ns() > deadline)
            return -ETIME;
        wait_flag_until(&kicked, deadline);
    }
}

/* Takes the oldest queued event whose token has a callback; lock held. */
static bool take_callback_event(char *path, size_t plen, char *token, size_t tlen,
                                xenbus_watch_fn *fn, void **arg)
{
    for (unsigned i = 0; i < nwatches; i++) {
        for (unsigned c = 0; c < ncallbacks; c++) {
            if (strcmp(watches[i].token, callbacks[c].token) != 0)
                continue;
            *fn = callbacks[c].fn;
            *arg = callbacks[c].arg;
            snprintf(token, tlen, "%s", callbacks[c].token);
            return take_watch(token, path, plen);
        }
    }
    return false;
}

/* Each callback runs without the lock held, so it may call xenbus. */
int xenbus_dispatch_watches(void)
{
    char path[sizeof(watches[0].path)], token[sizeof(watches[0].token)];
    int n = 0;
    for (;;) {
        xenbus_watch_fn fn;
        void *arg;
        take_lock();
        bool drained = drain_events(time_now_ns() + REPLY_TIMEOUT_NS) > 0;
        bool got = take_callback_event(path, sizeof(path), token, sizeof(token), &fn, &arg);
        drop_lock();
        if (!got) {
            /* Reading the ring, here or in a callback's own requests,
             * cleared `kicked`, though the events it queued may be what a
             * xenbus_wait_watch we are nested in (the idle path) waits
             * for: it must look at the queue again. */
            if (drained || n)
                __atomic_store_n(&kicked, 1, __ATOMIC_RELEASE);
            return n;
        }
        fn(path, token, arg);
        n++;
    }
}
