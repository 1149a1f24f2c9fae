/*
 * tests/fuzz/xenstore - xenstored's wire parser and store operations.
 *
 * One input is one connection's byte stream, fed to the real core
 * (core.c framing and dispatch, every handler, the store, permissions,
 * quotas, transactions, watches) through a fake transport in chunks whose
 * size the input picks, as a ring or a socket would deliver them.
 *
 * Input layout: byte 0 chooses who sends (bit 0: Dom0, the privileged
 * client, else guest domain 5) and the read chunk size (bits 1-3: 1 <<
 * (bits * 2) bytes per read, 0 = everything); the rest is the stream.
 *
 * Invariants checked after each input (abort() = a finding):
 *   - everything the core wrote parses as messages of at most
 *     XENSTORE_PAYLOAD_MAX bytes, with a known type;
 *   - a guest stream never changed Dom0's node /local/domain/0/secret nor
 *     made a node under /local/domain/0;
 *   - the tree is consistent (control_check_store(), xenstore-control
 *     check): every listed child exists, every node is reachable;
 *   - the store still answers Dom0 on a second connection afterwards;
 *   - nothing leaks (LeakSanitizer, after core_fini/store_fini).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "core.h"
#include "domain.h"
#include "log.h"
#include "quota.h"
#include "store.h"

#define GUEST 5u
#define OUT_MAX (8u << 20)

struct fz {
    const uint8_t *in;
    size_t len, off, chunk;
    uint8_t *out;
    size_t out_len;
    bool closed;
};

static ssize_t fz_read(struct connection *c, void *buf, size_t len)
{
    struct fz *f = c->transport;
    if (f->chunk && len > f->chunk)
        len = f->chunk;
    if (len > f->len - f->off)
        len = f->len - f->off;
    memcpy(buf, f->in + f->off, len);
    f->off += len;
    return (ssize_t)len;
}

/* Output beyond OUT_MAX is accepted and dropped: only its framing up to
 * there is checked. */
static ssize_t fz_write(struct connection *c, const void *buf, size_t len)
{
    struct fz *f = c->transport;
    size_t keep = len;
    if (keep > OUT_MAX - f->out_len)
        keep = OUT_MAX - f->out_len;
    memcpy(f->out + f->out_len, buf, keep);
    f->out_len += keep;
    return (ssize_t)len;
}

static bool fz_can_read(struct connection *c)
{
    struct fz *f = c->transport;
    return f->off < f->len;
}

static bool fz_can_write(struct connection *c)
{
    (void)c;
    return true;
}

static void fz_close(struct connection *c, unsigned int xen_error)
{
    (void)xen_error;
    struct fz *f = c->transport;
    f->closed = true;
}

static const struct conn_ops fz_ops = {
    .kind = "fuzz",
    .read = fz_read,
    .write = fz_write,
    .can_read = fz_can_read,
    .can_write = fz_can_write,
    .close = fz_close,
};

static uint8_t *out_buf;

static void feed(struct connection *c, struct fz *f)
{
    for (int guard = 0; guard < 1000000 && !f->closed && fz_can_read(c) && conn_wants_input(c);
         guard++)
        conn_input(c);
    core_flush();
}

/* Sends one Dom0 request on c and returns the reply's type (XS_ERROR on
 * error); aborts if there is no well-formed reply. */
static uint32_t dom0_req(struct connection *c, struct fz *f, uint32_t type, const char *payload,
                         size_t len)
{
    static uint8_t msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg h = {.type = type, .req_id = 77, .len = (uint32_t)len};
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), payload, len);
    f->in = msg;
    f->len = sizeof(h) + len;
    f->off = 0;
    f->out_len = 0;
    feed(c, f);
    struct xsd_sockmsg r;
    if (f->out_len < sizeof(r))
        abort();
    memcpy(&r, f->out, sizeof(r));
    if (r.req_id != 77 || r.len > XENSTORE_PAYLOAD_MAX || sizeof(r) + r.len > f->out_len)
        abort();
    return r.type;
}

/* Every message the core wrote is complete or cut only by OUT_MAX. */
static void check_framing(const struct fz *f)
{
    size_t off = 0;
    while (f->out_len - off >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        memcpy(&h, f->out + off, sizeof(h));
        if (h.len > XENSTORE_PAYLOAD_MAX || h.type >= XS_TYPE_COUNT)
            abort();
        off += sizeof(h) + h.len;
    }
    if (off > f->out_len && f->out_len < OUT_MAX)
        abort();
}

static bool secret_intact(void)
{
    const struct node *n = store_get("/local/domain/0/secret");
    return n && n->datalen == 6 && memcmp(n->data, "secret", 6) == 0 && n->nperms == 1 &&
           n->perms[0].domid == 0;
}

static void setup_tree(struct connection *d0, struct fz *f)
{
    static const char w1[] = "/local/domain/0/secret\0secret";
    static const char w2[] = "/local/domain/5/data\0x";
    static const char p2[] = "/local/domain/5\0n5";
    if (dom0_req(d0, f, XS_WRITE, w1, sizeof(w1) - 1) != XS_WRITE ||
        dom0_req(d0, f, XS_WRITE, w2, sizeof(w2) - 1) != XS_WRITE ||
        dom0_req(d0, f, XS_SET_PERMS, p2, sizeof(p2)) != XS_SET_PERMS)
        abort();
}

static size_t dom0_children(void)
{
    const struct node *n = store_get("/local/domain/0");
    return n ? n->childlen : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!out_buf) {
        out_buf = malloc(OUT_MAX);
        if (!out_buf || log_open("/dev/null") != 0)
            abort();
    }
    bool priv = data[0] & 1;
    unsigned shift = (data[0] >> 1) & 7;
    /* Dom0 may point the log at any file ("logfile <file>"): that is its
     * right, and no place for a fuzzer to create files. */
    if (priv && memmem(data, size, "logfile", 7))
        return 0;

    quota_reset();
    if (store_init() || domain_init() || core_init())
        abort();
    struct fz f0 = {.out = out_buf};
    struct connection *d0 = conn_new(&fz_ops, &f0, 0, "fuzz dom0");
    if (!d0)
        abort();
    setup_tree(d0, &f0);
    size_t children = dom0_children();

    struct fz f = {.in = data + 1, .len = size - 1, .chunk = shift ? 1u << (shift * 2) : 0,
                   .out = out_buf};
    struct connection *c = conn_new(&fz_ops, &f, priv ? 0 : GUEST, "fuzz client");
    if (!c)
        abort();
    feed(c, &f);
    check_framing(&f);
    if (control_check_store() != 0)
        abort();

    if (!priv && (!secret_intact() || dom0_children() != children))
        abort();
    /* The daemon still serves others. */
    static const char r[] = "/local/domain/5/data";
    uint32_t t = dom0_req(d0, &f0, XS_READ, r, sizeof(r));
    if (t != XS_READ && t != XS_ERROR)
        abort();

    core_fini();
    domain_fini();
    store_fini();
    quota_reset();
    return 0;
}
