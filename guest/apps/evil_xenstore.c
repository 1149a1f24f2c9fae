/*
 * evil_xenstore.c - attacks on xenstored over our own store ring (evil.h):
 * reads, writes and permission changes of Dom0's and the victim's nodes;
 * Dom0-only message types; malformed payloads and paths; transactions we
 * do not own; floods of nodes, watches and transactions past the quotas
 * (xenstore/xenstored/quota.h: Xen 4.17's defaults); and, last, a header
 * announcing a payload over XENSTORE_PAYLOAD_MAX, for which xenstored
 * drops the connection and says so in the ring's `error` field
 * (XENSTORE_ERROR_PROTO, "malformed message", xenstore-ring.txt).
 * Our own writes go under data/, the subtree libxl lets a guest write
 * (/local/domain/<id> itself is Dom0's, readable by the guest).
 *
 * Messages go on the ring raw (the client in pv-frontends/xenbus.c would
 * refuse to build most of them): one request, then its reply, while the
 * client is idle, so its state is never disturbed. Watch events that
 * arrive meanwhile are skipped. Waiting spins instead of sleeping: a
 * sleep idles vCPU 0, which runs the kernel's xenstore watch callbacks
 * (kernel/services.h), whose own requests would take our reply.
 */
#include "apps/evil.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "xenbus.h"

#include <xen/io/xs_wire.h>

#define REPLY_TIMEOUT_NS (5ull * 1000000000ull)

static struct xenstore_domain_interface *ring;
static evtchn_port_t store_port;
static char reply_body[XENSTORE_PAYLOAD_MAX + 1];
static uint32_t next_id = 0x4e000000;

/* Waits without idling (see the top of the file). */
static void spin_ns(uint64_t ns)
{
    uint64_t end = time_now_ns() + ns;
    while (time_now_ns() < end)
        __builtin_ia32_pause();
}

static long param(uint32_t index)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);
    return rc < 0 ? rc : (long)p.value;
}

static int ring_put(const void *data, uint32_t len, uint64_t deadline)
{
    const char *p = data;
    while (len) {
        uint32_t cons = __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE);
        uint32_t prod = ring->req_prod;
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        if (space == 0) {
            if (time_now_ns() > deadline)
                return -ETIME;
            spin_ns(20000);
            continue;
        }
        uint32_t n = len < space ? len : space;
        for (uint32_t i = 0; i < n; i++)
            ring->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
        __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELEASE);
        evtchn_notify(store_port);
        p += n;
        len -= n;
    }
    return 0;
}

static int ring_get(void *data, uint32_t len, uint64_t deadline)
{
    char *p = data;
    while (len) {
        uint32_t prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
        uint32_t cons = ring->rsp_cons;
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        if (prod == cons) {
            if (time_now_ns() > deadline)
                return -ETIME;
            spin_ns(20000);
            continue;
        }
        uint32_t n = len < prod - cons ? len : prod - cons;
        for (uint32_t i = 0; i < n; i++)
            p[i] = ring->rsp[MASK_XENSTORE_IDX(cons + i)];
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        evtchn_notify(store_port);
        p += n;
        len -= n;
    }
    return 0;
}

static long errno_of(const char *name)
{
    for (unsigned i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(xsd_errors[i].errstring, name) == 0)
            return -xsd_errors[i].errnum;
    return -1000; /* a name Xen does not have: always a FAIL */
}

/*
 * Sends hdr (type, tx, announced length) and len payload bytes; returns
 * 0 for a reply of the request's type, -errno for XS_ERROR, -ETIME when
 * nothing comes back. The reply's payload is left in reply_body.
 */
static long raw_req_len(uint32_t type, uint32_t tx, uint32_t announced, const void *payload,
                        uint32_t len)
{
    uint64_t deadline = time_now_ns() + REPLY_TIMEOUT_NS;
    struct xsd_sockmsg h = {.type = type, .req_id = next_id++, .tx_id = tx, .len = announced};
    int rc = ring_put(&h, sizeof(h), deadline);
    if (rc == 0 && len)
        rc = ring_put(payload, len, deadline);
    if (rc < 0)
        return rc;
    for (;;) {
        struct xsd_sockmsg r;
        if ((rc = ring_get(&r, sizeof(r), deadline)) < 0)
            return rc;
        if (r.len > XENSTORE_PAYLOAD_MAX)
            return -EIO;
        if ((rc = ring_get(reply_body, r.len, deadline)) < 0)
            return rc;
        reply_body[r.len] = '\0';
        if (r.type == XS_WATCH_EVENT)
            continue;
        if (r.req_id != h.req_id)
            return -EIO; /* a reply to some other request */
        if (r.type == XS_ERROR)
            return errno_of(reply_body);
        return r.type == type ? 0 : -EIO;
    }
}

static long raw_req(uint32_t type, uint32_t tx, const void *payload, uint32_t len)
{
    return raw_req_len(type, tx, len, payload, len);
}

/* A request whose payload is the strings a, b (b may be NULL), each with
 * its NUL, or with b's NUL left off when b_nul is false (XS_WRITE). */
static long req2(uint32_t type, uint32_t tx, const char *a, const char *b, bool b_nul)
{
    static char buf[XENSTORE_PAYLOAD_MAX];
    uint32_t la = (uint32_t)strlen(a) + 1, lb = b ? (uint32_t)strlen(b) + (b_nul ? 1 : 0) : 0;
    if (la + lb > sizeof(buf))
        return -E2BIG;
    memcpy(buf, a, la);
    if (b)
        memcpy(buf + la, b, lb);
    return raw_req(type, tx, buf, la + lb);
}

static void foreign_nodes(void)
{
    char vpath[3][64];
    const char *paths[8] = {"/", "/local/domain/0", "/local/domain/0/backend", "/tool/xenstored"};
    unsigned n = 4;
    if (evil.victim != DOMID_INVALID) {
        snprintf(vpath[0], 64, "/local/domain/%u", evil.victim);
        snprintf(vpath[1], 64, "/local/domain/%u/name", evil.victim);
        snprintf(vpath[2], 64, "/local/domain/%u/data", evil.victim);
        paths[n++] = vpath[0];
        paths[n++] = vpath[1];
        paths[n++] = vpath[2];
    }
    for (unsigned i = 0; i < n; i++) {
        const char *p = paths[i];
        evil_expect(req2(XS_READ, 0, p, 0, false), -EACCES, "read %s", p);
        evil_expect(req2(XS_DIRECTORY, 0, p, 0, false), -EACCES, "directory %s", p);
        evil_expect(req2(XS_GET_PERMS, 0, p, 0, false), -EACCES, "get_perms %s", p);
        evil_expect(req2(XS_SET_PERMS, 0, p, "b0", true), -EACCES, "set_perms %s", p);
        if (strcmp(p, "/") == 0)
            continue;
        char child[96];
        snprintf(child, sizeof(child), "%s/evil", p);
        evil_expect(req2(XS_WRITE, 0, p, "owned", false), -EACCES, "write %s", p);
        evil_expect(req2(XS_WRITE, 0, child, "owned", false), -EACCES, "write %s", child);
        evil_expect(req2(XS_MKDIR, 0, child, 0, false), -EACCES, "mkdir %s", child);
        evil_expect(req2(XS_RM, 0, p, 0, false), -EACCES, "rm %s", p);
    }
    /* A node we own may not be given away: Xen 4.17 lets only Dom0
     * change a node's owner (EPERM), and it stays ours. */
    evil_expect(xenbus_write("data/evil-gift", "x"), 0, "write our own node data/evil-gift");
    char mine[64];
    snprintf(mine, sizeof(mine), "/local/domain/%u/data/evil-gift", evil.self);
    evil_expect(req2(XS_SET_PERMS, 0, mine, "n0", true), -EPERM, "give %s to Dom0", mine);
    if (evil.victim != DOMID_INVALID) {
        char perm[16];
        snprintf(perm, sizeof(perm), "n%u", evil.victim);
        evil_expect(req2(XS_SET_PERMS, 0, mine, perm, true), -EPERM, "give %s to the victim", mine);
    }
    evil_expect(req2(XS_WRITE, 0, mine, "still mine", false), 0, "write %s afterwards", mine);
}

static void privileged_types(void)
{
    static const struct {
        uint32_t type;
        const char *name;
        const char *a, *b;
    } priv[] = {
        {XS_CONTROL, "CONTROL", "check", 0},           {XS_CONTROL, "CONTROL", "logfile", "/tmp/evil"},
        {XS_INTRODUCE, "INTRODUCE", "9", "1\0003"},     {XS_RELEASE, "RELEASE", "0", 0},
        {XS_IS_DOMAIN_INTRODUCED, "IS_DOMAIN_INTRODUCED", "0", 0},
        {XS_RESUME, "RESUME", "0", 0},                 {XS_SET_TARGET, "SET_TARGET", "0", "1"},
    };
    for (unsigned i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        evil_expect(req2(priv[i].type, 0, priv[i].a, priv[i].b, true), -EACCES, "%s %s (Dom0 only)",
                    priv[i].name, priv[i].a);
    static const uint32_t unknown[] = {XS_WATCH_EVENT, XS_ERROR, 20, XS_TYPE_COUNT, 100, 0xffffffffu};
    for (unsigned i = 0; i < 6; i++)
        evil_expect(req2(unknown[i], 0, "/", 0, false), -ENOSYS, "message type %u", unknown[i]);
}

static void malformed(void)
{
    evil_expect(raw_req(XS_READ, 0, "/local/domain", 13), -EINVAL, "READ without a NUL");
    evil_expect(raw_req(XS_WRITE, 0, "", 0), -EINVAL, "WRITE with no payload");
    evil_expect(raw_req(XS_SET_PERMS, 0, "data/evil-gift\0z5", 18), -EINVAL, "SET_PERMS with perm 'z5'");
    evil_expect(raw_req(XS_WATCH, 0, "evil\0", 5), -EINVAL, "WATCH without a token");
    evil_expect(raw_req(XS_TRANSACTION_END, 0, "X", 2), -EINVAL, "TRANSACTION_END 'X' outside one");
    static const char *bad_paths[] = {"a b", "a//b", "/local/domain/", "évil", "a\\b", "/local/domain/0/../1"};
    for (unsigned i = 0; i < 6; i++)
        evil_expect(req2(XS_WRITE, 0, bad_paths[i], "v", false), -EINVAL, "write path '%s'", bad_paths[i]);
    static char longpath[3100];
    memset(longpath, 'p', sizeof(longpath) - 1);
    evil_expect(req2(XS_WRITE, 0, longpath, "v", false), -EINVAL, "write a %u-byte relative path",
                (unsigned)sizeof(longpath) - 1);
    static const uint32_t txs[] = {1, 12345, 0xffffffffu};
    for (unsigned i = 0; i < 3; i++) {
        evil_expect(req2(XS_READ, txs[i], "name", 0, false), -ENOENT, "read in transaction %u we do not have",
                    txs[i]);
        evil_expect(req2(XS_TRANSACTION_END, txs[i], "T", 0, false), -ENOENT, "end transaction %u we do not have",
                    txs[i]);
    }
}

static uint32_t parse_tx(const char *s)
{
    uint64_t v = 0;
    return parse_u64(s, &v) == 0 ? (uint32_t)v : 0;
}

/* Writes data/flood/<i / 50>/<i % 50> until refused: the node quota is
 * Xen's 1000 per domain, counting the parents and the few nodes we
 * already own. (Spread out, because one parent's children names count
 * towards its node-size quota of 2048 bytes, which would stop a flat
 * flood at about 500.) */
static void floods(void)
{
    char path[48];
    long rc = 0;
    unsigned i;
    for (i = 0; i < 1500 && rc == 0; i++) {
        snprintf(path, sizeof(path), "data/flood/%u/%u", i / 50, i % 50);
        rc = xenbus_write(path, "x");
    }
    evil_expect(rc, -ENOSPC, "a flood of nodes is refused by the quota (after %u)", i - 1);
    evil_expect(i > 900 && i <= 1001, 1, "the node quota allowed %u nodes (Xen: 1000 per domain)", i - 1);
    evil_expect(xenbus_rm("data/flood"), 0, "remove the flood");
    evil_expect(xenbus_write("data/after-flood", "ok"), 0, "write after the flood");

    static char big[3000];
    memset(big, 'v', sizeof(big) - 1);
    evil_expect(xenbus_write("data/big", big), -ENOSPC, "a %u-byte value (node-size quota 2048)",
                (unsigned)sizeof(big) - 1);

    for (i = 0, rc = 0; i < 200 && rc == 0; i++) {
        char tok[16];
        snprintf(tok, sizeof(tok), "t%u", i);
        rc = req2(XS_WATCH, 0, "data/after-flood", tok, true);
    }
    evil_expect(rc, -E2BIG, "a flood of watches is refused (after %u)", i - 1);
    evil_expect(raw_req(XS_RESET_WATCHES, 0, "", 1), 0, "reset our watches");

    uint32_t txs[32];
    unsigned ntx = 0;
    for (rc = 0; ntx < 32 && rc == 0;) {
        rc = raw_req(XS_TRANSACTION_START, 0, "", 1);
        if (rc == 0)
            txs[ntx++] = (uint32_t)parse_tx(reply_body);
    }
    evil_expect(rc, -ENOSPC, "a flood of transactions is refused (after %u)", ntx);
    unsigned ended = 0;
    for (unsigned t = 0; t < ntx; t++)
        ended += req2(XS_TRANSACTION_END, txs[t], "F", 0, false) == 0;
    evil_expect(ended, ntx, "end the %u transactions", ntx);
    evil_expect(xenbus_write("data/after-flood", "still ok"), 0, "write after the transaction flood");
}

/* Last: the connection is dropped, as Xen drops it. */
static void oversized(void)
{
    char buf[16] = "x";
    long rc = raw_req_len(XS_WRITE, 0, XENSTORE_PAYLOAD_MAX + 1, buf, sizeof(buf));
    uint64_t deadline = time_now_ns() + REPLY_TIMEOUT_NS;
    while (__atomic_load_n(&ring->error, __ATOMIC_ACQUIRE) == 0 && time_now_ns() < deadline)
        spin_ns(1000000);
    evil_expect(rc, -ETIME, "a header announcing %u payload bytes gets no reply",
                XENSTORE_PAYLOAD_MAX + 1);
    evil_expect(ring->error, XENSTORE_ERROR_PROTO, "and the ring says why (error field)");
}

void evil_xenstore(void)
{
    long pfn = param(HVM_PARAM_STORE_PFN), port = param(HVM_PARAM_STORE_EVTCHN);
    if (pfn <= 0 || port <= 0 || xenbus_init() < 0) {
        evil_expect(pfn > 0 && port > 0, 1, "the domain has a xenstore ring");
        return;
    }
    ring = (struct xenstore_domain_interface *)(uintptr_t)((uint64_t)pfn << 12);
    store_port = (evtchn_port_t)port;
    foreign_nodes();
    privileged_types();
    malformed();
    floods();
    oversized();
}
