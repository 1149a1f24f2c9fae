/*
 * harness.h - drives the real xenstored core through a fake transport, as
 * a client on a socket or a guest on its ring would: requests go in as
 * bytes, replies and watch events come out as bytes and are parsed back.
 *
 * fake_conn(domid) gives a connection of that domain (0 = Dom0, the
 * privileged socket client; anything else behaves as a guest, which is how
 * the unprivileged semantics are tested before the ring transport exists).
 * req() sends one request and returns its reply; watch events that arrive
 * meanwhile are kept, in order, for next_event().
 *
 * Header-only: every suite includes it once.
 */
#ifndef XS_TEST_HARNESS_H
#define XS_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "core.h"
#include "domain.h"
#include "log.h"
#include "quota.h"
#include "store.h"

#define FAKE_IN_MAX (1u << 20)
#define FAKE_OUT_MAX (8u << 20)
#define MAX_EVENTS 4096

struct msg {
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX + 1]; /* NUL added after hdr.len bytes */
};

struct fake {
    struct connection *c;
    unsigned int domid;
    unsigned char *in;  /* what the client sent and the core has not read */
    size_t in_len, in_off;
    size_t read_chunk;  /* bytes per read() call at most; 0 = all */
    unsigned char *out; /* what the core wrote */
    size_t out_len, out_off;
    size_t write_chunk; /* bytes per write() call at most; 0 = all */
    bool blocked;       /* write() accepts nothing */
    bool closed;
    unsigned int close_error;
    struct msg *events; /* watch events not yet taken, in order */
    unsigned int nevents, event_off;
};

static inline ssize_t fake_read(struct connection *c, void *buf, size_t len)
{
    struct fake *f = c->transport;
    size_t avail = f->in_len - f->in_off;
    if (f->read_chunk && len > f->read_chunk)
        len = f->read_chunk;
    if (len > avail)
        len = avail;
    memcpy(buf, f->in + f->in_off, len);
    f->in_off += len;
    return (ssize_t)len;
}

static inline ssize_t fake_write(struct connection *c, const void *buf, size_t len)
{
    struct fake *f = c->transport;
    if (f->blocked)
        return 0;
    if (f->out_off == f->out_len)
        f->out_off = f->out_len = 0; /* all taken: start over */
    if (f->write_chunk && len > f->write_chunk)
        len = f->write_chunk;
    assert_true(f->out_len + len <= FAKE_OUT_MAX);
    memcpy(f->out + f->out_len, buf, len);
    f->out_len += len;
    return (ssize_t)len;
}

static inline bool fake_can_read(struct connection *c)
{
    struct fake *f = c->transport;
    return f->in_off < f->in_len;
}

static inline bool fake_can_write(struct connection *c)
{
    struct fake *f = c->transport;
    return !f->blocked;
}

static inline void fake_close(struct connection *c, unsigned int xen_error)
{
    struct fake *f = c->transport;
    f->closed = true;
    f->close_error = xen_error;
}

static const struct conn_ops fake_ops = {
    .kind = "fake",
    .read = fake_read,
    .write = fake_write,
    .can_read = fake_can_read,
    .can_write = fake_can_write,
    .close = fake_close,
};

/* Fakes live until the end of the test; all are freed by xs_teardown. */
static struct fake *fakes[64];
static unsigned int nfakes;

static inline int xs_setup(void **state)
{
    (void)state;
    /* The daemon's log lines would drown cmocka's; XS_TEST_LOG=1 keeps
     * them on stderr. */
    if (!getenv("XS_TEST_LOG"))
        log_open("/dev/null");
    quota_reset();
    assert_int_equal(store_init(), 0);
    assert_int_equal(domain_init(), 0);
    assert_int_equal(core_init(), 0);
    return 0;
}

static inline int xs_teardown(void **state)
{
    (void)state;
    core_fini();
    domain_fini();
    store_fini();
    for (unsigned int i = 0; i < nfakes; i++) {
        free(fakes[i]->in);
        free(fakes[i]->out);
        free(fakes[i]->events);
        free(fakes[i]);
    }
    nfakes = 0;
    quota_reset();
    return 0;
}

static inline struct fake *fake_conn(unsigned int domid)
{
    struct fake *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->in = malloc(FAKE_IN_MAX);
    f->out = malloc(FAKE_OUT_MAX);
    f->events = calloc(MAX_EVENTS, sizeof(*f->events));
    assert_non_null(f->in);
    assert_non_null(f->out);
    assert_non_null(f->events);
    f->domid = domid;
    char name[32];
    snprintf(name, sizeof(name), "fake d%u", domid);
    f->c = conn_new(&fake_ops, f, domid, name);
    assert_non_null(f->c);
    assert_true(nfakes < 64);
    fakes[nfakes++] = f;
    return f;
}

/* Appends raw bytes to what the client has sent, then lets the core run. */
static inline void send_raw(struct fake *f, const void *data, size_t len)
{
    if (f->in_off == f->in_len)
        f->in_off = f->in_len = 0; /* all consumed: start over */
    assert_true(f->in_len + len <= FAKE_IN_MAX);
    if (len)
        memcpy(f->in + f->in_len, data, len);
    f->in_len += len;
    /* The loop calls conn_input while there is input and the core wants
     * it; do the same. */
    for (int guard = 0; guard < 100000 && !f->closed && fake_can_read(f->c) &&
                        conn_wants_input(f->c);
         guard++)
        conn_input(f->c);
    core_flush();
}

static inline void send_msg(struct fake *f, uint32_t type, uint32_t req_id, uint32_t tx_id,
                     const void *payload, size_t len)
{
    struct xsd_sockmsg h = {.type = type, .req_id = req_id, .tx_id = tx_id, .len = (uint32_t)len};
    unsigned char buf[sizeof(h) + 2 * XENSTORE_PAYLOAD_MAX];
    assert_true(len <= sizeof(buf) - sizeof(h));
    memcpy(buf, &h, sizeof(h));
    if (len)
        memcpy(buf + sizeof(h), payload, len);
    send_raw(f, buf, sizeof(h) + len);
}

/* The next message the core wrote, or false if none is complete. */
static inline bool recv_msg(struct fake *f, struct msg *m)
{
    if (f->out_len - f->out_off < sizeof(m->hdr))
        return false;
    memcpy(&m->hdr, f->out + f->out_off, sizeof(m->hdr));
    assert_true(m->hdr.len <= XENSTORE_PAYLOAD_MAX);
    if (f->out_len - f->out_off < sizeof(m->hdr) + m->hdr.len)
        return false;
    memcpy(m->body, f->out + f->out_off + sizeof(m->hdr), m->hdr.len);
    m->body[m->hdr.len] = '\0';
    f->out_off += sizeof(m->hdr) + m->hdr.len;
    return true;
}

/* Moves any complete watch events out of the stream into the event list;
 * returns the first non-event message, if any. */
static inline bool take_reply(struct fake *f, struct msg *m)
{
    while (recv_msg(f, m)) {
        if (m->hdr.type != XS_WATCH_EVENT)
            return true;
        assert_true(f->nevents < MAX_EVENTS);
        f->events[f->nevents++] = *m;
    }
    return false;
}

static inline int errno_of(const char *name)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(name, xsd_errors[i].errstring) == 0)
            return xsd_errors[i].errnum;
    fail_msg("unknown error name '%s'", name);
    return -1;
}

/* Sends one request and returns its reply's errno (0 on success); the
 * reply is in *m. Checks the reply echoes req_id and tx_id and has the
 * request's type unless it is an error. */
static uint32_t next_req_id = 100;
static inline int req(struct fake *f, uint32_t type, uint32_t tx, const void *payload, size_t len,
               struct msg *m)
{
    uint32_t id = next_req_id++;
    send_msg(f, type, id, tx, payload, len);
    if (!take_reply(f, m))
        fail_msg("no reply to %s (connection %s)", msg_type_name(type),
                 f->closed ? "closed" : "open");
    assert_int_equal(m->hdr.req_id, id);
    assert_int_equal(m->hdr.tx_id, tx);
    struct msg extra;
    if (take_reply(f, &extra))
        fail_msg("a second reply to %s: type %u", msg_type_name(type), extra.hdr.type);
    if (m->hdr.type == XS_ERROR) {
        assert_int_equal(m->hdr.len, strlen(m->body) + 1);
        return errno_of(m->body);
    }
    assert_int_equal(m->hdr.type, type);
    return 0;
}

static inline int req_str(struct fake *f, uint32_t type, uint32_t tx, const char *s, struct msg *m)
{
    return req(f, type, tx, s, strlen(s) + 1, m);
}

/* Payload of strings separated by '|' as NULs: "a|b|" -> "a\0b\0". */
static inline size_t strs(char *buf, const char *spec)
{
    size_t n = strlen(spec);
    for (size_t i = 0; i < n; i++)
        buf[i] = spec[i] == '|' ? '\0' : spec[i];
    return n;
}

static inline int req_strs(struct fake *f, uint32_t type, uint32_t tx, const char *spec, struct msg *m)
{
    char buf[2 * XENSTORE_PAYLOAD_MAX];
    assert_true(strlen(spec) < sizeof(buf));
    size_t n = strs(buf, spec);
    return req(f, type, tx, buf, n, m);
}

static inline void expect_ok(struct fake *f, struct msg *m)
{
    (void)f;
    assert_int_equal(m->hdr.len, 3);
    assert_string_equal(m->body, "OK");
}

/* Common operations; return 0 or the error's errno. */
static inline int xs_write_tx(struct fake *f, uint32_t tx, const char *path, const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX + 16];
    size_t pl = strlen(path) + 1, vl = strlen(value);
    assert_true(pl + vl <= sizeof(buf));
    memcpy(buf, path, pl);
    memcpy(buf + pl, value, vl);
    struct msg m;
    int err = req(f, XS_WRITE, tx, buf, pl + vl, &m);
    if (!err)
        expect_ok(f, &m);
    return err;
}

static inline int xs_write1(struct fake *f, const char *path, const char *value)
{
    return xs_write_tx(f, 0, path, value);
}

/* Reads path; *out is the value as a string (no NUL is sent; we add one). */
static inline int xs_read_tx(struct fake *f, uint32_t tx, const char *path, char *out, size_t size)
{
    struct msg m;
    int err = req_str(f, XS_READ, tx, path, &m);
    if (!err && out) {
        assert_true(m.hdr.len < size);
        memcpy(out, m.body, m.hdr.len + 1);
    }
    return err;
}

static inline int xs_read1(struct fake *f, const char *path, char *out, size_t size)
{
    return xs_read_tx(f, 0, path, out, size);
}

static inline int simple(struct fake *f, uint32_t type, uint32_t tx, const char *path)
{
    struct msg m;
    int err = req_str(f, type, tx, path, &m);
    if (!err)
        expect_ok(f, &m);
    return err;
}

static inline int xs_mkdir1(struct fake *f, const char *path)
{
    return simple(f, XS_MKDIR, 0, path);
}

static inline int xs_rm1(struct fake *f, const char *path)
{
    return simple(f, XS_RM, 0, path);
}

/* The directory as "a,b,c" (names joined with ','). */
static inline int xs_dir(struct fake *f, uint32_t tx, const char *path, char *out, size_t size)
{
    struct msg m;
    int err = req_str(f, XS_DIRECTORY, tx, path, &m);
    if (err)
        return err;
    assert_true(m.hdr.len < size);
    out[0] = '\0';
    for (size_t off = 0; off < m.hdr.len; off += strlen(m.body + off) + 1) {
        if (off)
            strcat(out, ",");
        strcat(out, m.body + off);
    }
    return 0;
}

/* Permissions as "n0,r5" */
static inline int xs_getperms(struct fake *f, const char *path, char *out, size_t size)
{
    struct msg m;
    int err = req_str(f, XS_GET_PERMS, 0, path, &m);
    if (err)
        return err;
    assert_true(m.hdr.len < size);
    out[0] = '\0';
    for (size_t off = 0; off < m.hdr.len; off += strlen(m.body + off) + 1) {
        if (off)
            strcat(out, ",");
        strcat(out, m.body + off);
    }
    return 0;
}

/* perms like "n0|r5|" */
static inline int xs_setperms(struct fake *f, uint32_t tx, const char *path, const char *perms)
{
    char spec[XENSTORE_PAYLOAD_MAX];
    snprintf(spec, sizeof(spec), "%s|%s", path, perms);
    struct msg m;
    int err = req_strs(f, XS_SET_PERMS, tx, spec, &m);
    if (!err)
        expect_ok(f, &m);
    return err;
}

static inline int xs_watch1(struct fake *f, const char *path, const char *token)
{
    char spec[2 * XENSTORE_PAYLOAD_MAX];
    snprintf(spec, sizeof(spec), "%s|%s|", path, token);
    struct msg m;
    int err = req_strs(f, XS_WATCH, 0, spec, &m);
    if (!err)
        expect_ok(f, &m);
    return err;
}

static inline int xs_unwatch1(struct fake *f, const char *path, const char *token)
{
    char spec[2 * XENSTORE_PAYLOAD_MAX];
    snprintf(spec, sizeof(spec), "%s|%s|", path, token);
    struct msg m;
    int err = req_strs(f, XS_UNWATCH, 0, spec, &m);
    if (!err)
        expect_ok(f, &m);
    return err;
}

static inline uint32_t tx_start(struct fake *f)
{
    struct msg m;
    assert_int_equal(req(f, XS_TRANSACTION_START, 0, "", 1, &m), 0);
    return (uint32_t)strtoul(m.body, NULL, 10);
}

static inline int tx_end(struct fake *f, uint32_t tx, bool commit)
{
    return simple(f, XS_TRANSACTION_END, tx, commit ? "T" : "F");
}

/* Events: next_event() returns "path token" of the next queued event. */
static inline bool next_event(struct fake *f, char *path, char *token)
{
    struct msg m;
    core_flush(); /* events made outside a request (domain_died()...) */
    while (recv_msg(f, &m)) {
        if (m.hdr.type != XS_WATCH_EVENT)
            fail_msg("unexpected message type %u while looking for events", m.hdr.type);
        assert_true(f->nevents < MAX_EVENTS);
        f->events[f->nevents++] = m;
    }
    if (f->event_off == f->nevents)
        return false;
    struct msg *e = &f->events[f->event_off++];
    /* WATCH_EVENT: req_id and tx_id 0, exactly "path\0token\0". */
    assert_int_equal(e->hdr.req_id, 0);
    assert_int_equal(e->hdr.tx_id, 0);
    size_t pl = strlen(e->body);
    assert_true(pl + 1 < e->hdr.len);
    assert_int_equal(e->hdr.len, pl + 1 + strlen(e->body + pl + 1) + 1);
    strcpy(path, e->body);
    strcpy(token, e->body + pl + 1);
    return true;
}

static inline void expect_event(struct fake *f, const char *path, const char *token)
{
    char p[XENSTORE_PAYLOAD_MAX], t[XENSTORE_PAYLOAD_MAX];
    if (!next_event(f, p, t))
        fail_msg("expected event %s %s, got none", path, token);
    assert_string_equal(p, path);
    assert_string_equal(t, token);
}

static inline void expect_no_event(struct fake *f)
{
    char p[XENSTORE_PAYLOAD_MAX], t[XENSTORE_PAYLOAD_MAX];
    if (next_event(f, p, t))
        fail_msg("unexpected event %s %s", p, t);
}

/* INTRODUCE a guest from Dom0 connection d0. */
static inline void introduce(struct fake *d0, unsigned int domid, unsigned int port)
{
    char spec[64];
    struct msg m;
    snprintf(spec, sizeof(spec), "%u|4096|%u|", domid, port);
    assert_int_equal(req_strs(d0, XS_INTRODUCE, 0, spec, &m), 0);
    expect_ok(d0, &m);
}

#endif
