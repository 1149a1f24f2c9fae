/*
 * core.c - framing, dispatch and replies for every connection.
 *
 * A request is read in two steps: the 16-byte header, whose length is
 * checked against XENSTORE_PAYLOAD_MAX before a single payload byte is
 * read (a client announcing more is dropped at once, as C xenstored's
 * handle_input() does), then the payload into the connection's own
 * 4097-byte buffer. The complete message is dispatched through
 * handlers[], indexed by type, whose flags say who may send it and whether
 * its tx_id names a transaction; the handler's errno becomes the XS_ERROR
 * reply. Replies and watch events queue on the connection in the order
 * they are made and are written as the transport accepts them.
 */
#include "core.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "domain.h"
#include "log.h"
#include "node.h"
#include "persist.h"
#include "quota.h"
#include "transaction.h"
#include "watch.h"

/* A connection handles at most this many requests per conn_input() call,
 * so one busy client cannot starve the others on the loop. */
#define REQUESTS_PER_TURN 32

/* A client that does not read what it is sent must not hold the daemon's
 * memory: past OUT_PAUSE_BYTES queued we stop reading its requests (it
 * waits for its own replies), past OUT_DROP_BYTES (only watch events can
 * get there) it is dropped. Quotas do not cover Dom0; these do. */
#define OUT_PAUSE_BYTES (1u << 20)
#define OUT_DROP_BYTES (16u << 20)

/* conn_output() writes a message's header and payload with one call. */
_Static_assert(offsetof(struct outmsg, payload) ==
                   offsetof(struct outmsg, hdr) + sizeof(struct xsd_sockmsg),
               "outmsg payload must follow its header");

static struct list_head connections = LIST_HEAD_INIT(connections);
static struct list_head flush_pending = LIST_HEAD_INIT(flush_pending);
static struct list_head zombies = LIST_HEAD_INIT(zombies);
static unsigned int nconnections;

#define FLAG_PRIV (1u << 0)  /* Dom0 only: others get EACCES */
#define FLAG_NOTID (1u << 1) /* tx_id is ignored, not looked up */

static const struct {
    const char *name;
    request_fn fn;
    unsigned int flags;
} handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {"CONTROL", control_do_control, FLAG_PRIV},
    [XS_DIRECTORY] = {"DIRECTORY", node_do_directory, 0},
    [XS_READ] = {"READ", node_do_read, 0},
    [XS_GET_PERMS] = {"GET_PERMS", node_do_get_perms, 0},
    [XS_WATCH] = {"WATCH", watch_do_watch, FLAG_NOTID},
    [XS_UNWATCH] = {"UNWATCH", watch_do_unwatch, FLAG_NOTID},
    [XS_TRANSACTION_START] = {"TRANSACTION_START", transaction_do_start, 0},
    [XS_TRANSACTION_END] = {"TRANSACTION_END", transaction_do_end, 0},
    [XS_INTRODUCE] = {"INTRODUCE", domain_do_introduce, FLAG_PRIV},
    [XS_RELEASE] = {"RELEASE", domain_do_release, FLAG_PRIV},
    [XS_GET_DOMAIN_PATH] = {"GET_DOMAIN_PATH", domain_do_get_domain_path, 0},
    [XS_WRITE] = {"WRITE", node_do_write, 0},
    [XS_MKDIR] = {"MKDIR", node_do_mkdir, 0},
    [XS_RM] = {"RM", node_do_rm, 0},
    [XS_SET_PERMS] = {"SET_PERMS", node_do_set_perms, 0},
    /* Server-to-client only: a client sending them gets ENOSYS. */
    [XS_WATCH_EVENT] = {"WATCH_EVENT", NULL, 0},
    [XS_ERROR] = {"ERROR", NULL, 0},
    [XS_IS_DOMAIN_INTRODUCED] = {"IS_DOMAIN_INTRODUCED", domain_do_is_introduced, FLAG_PRIV},
    [XS_RESUME] = {"RESUME", domain_do_resume, FLAG_PRIV},
    [XS_SET_TARGET] = {"SET_TARGET", domain_do_set_target, FLAG_PRIV},
    /* 20 was XS_RESTRICT, removed from Xen: ENOSYS. */
    [XS_RESET_WATCHES] = {"RESET_WATCHES", watch_do_reset_watches, 0},
    [XS_DIRECTORY_PART] = {"DIRECTORY_PART", node_do_directory_part, 0},
};

const char *msg_type_name(uint32_t type)
{
    if (type < XS_TYPE_COUNT && handlers[type].name)
        return handlers[type].name;
    return "UNKNOWN";
}

const char *xs_errno_name(int err)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return NULL;
}

int xs_atoi(const char *s)
{
    /* atoi() is strtol() without error reporting; Xen uses it on domids
     * and ports, so "abc" is 0 and "-1" is -1. Clamp instead of relying
     * on undefined overflow. */
    long v = strtol(s, NULL, 10);
    if (v > INT_MAX)
        return INT_MAX;
    if (v < INT_MIN)
        return INT_MIN;
    return (int)v;
}

/* ---- payload helpers ----------------------------------------------------- */

const char *req_onearg(const struct request *r)
{
    if (!r->len || memchr(r->data, '\0', r->len) != r->data + r->len - 1)
        return NULL;
    return r->data;
}

unsigned int req_strings(const struct request *r, const char **vec, unsigned int num)
{
    unsigned int n = 0;
    for (size_t off = 0; off < r->len;) {
        const char *nul = memchr(r->data + off, '\0', r->len - off);
        if (!nul)
            break;
        if (n < num)
            vec[n] = r->data + off;
        n++;
        off = (size_t)(nul - r->data) + 1;
    }
    return n;
}

unsigned int req_count_nuls(const struct request *r)
{
    unsigned int n = 0;
    for (unsigned int i = 0; i < r->len; i++)
        n += r->data[i] == '\0';
    return n;
}

/* ---- output ---------------------------------------------------------------- */

static void want_flush(struct connection *c)
{
    if (list_empty(&c->flush_list))
        list_add_tail(&c->flush_list, &flush_pending);
}

static void queue_msg(struct connection *c, const struct xsd_sockmsg *hdr, const void *data,
                      bool is_reply)
{
    if (c->doomed)
        return;
    struct outmsg *m = malloc(sizeof(*m) + hdr->len);
    if (!m) {
        /* Nothing sensible can be sent; a client waiting for this reply
         * would hang, so drop the connection rather than lie. This may
         * run inside watch_fire()'s walk of the connection list, so the
         * close waits for conn_output(). */
        c->doomed = "out of memory for a message";
        want_flush(c);
        return;
    }
    m->used = 0;
    m->is_reply = is_reply;
    m->hdr = *hdr;
    if (hdr->len)
        memcpy(m->payload, data, hdr->len);
    list_add_tail(&m->list, &c->out);
    c->out_bytes += sizeof(*hdr) + hdr->len;
    if (is_reply)
        c->outstanding++;
    want_flush(c);
    if (c->out_bytes > OUT_DROP_BYTES) {
        log_info("%s: %zu bytes queued and not read: dropped", c->name, c->out_bytes);
        c->doomed = "not reading its messages";
    }
}

void reply(struct connection *c, enum xsd_sockmsg_type type, const void *data, unsigned int len)
{
    if (c->closed)
        return;
    if (c->replied) {
        log_info("%s: %s: second reply suppressed (xenstored bug)", c->name,
                 msg_type_name(c->req.type));
        return;
    }
    if (len > XENSTORE_PAYLOAD_MAX) {
        reply_error(c, E2BIG);
        return;
    }
    struct xsd_sockmsg hdr = {
        .type = type, .req_id = c->req.req_id, .tx_id = c->req.tx_id, .len = len};
    c->replied = true;
    queue_msg(c, &hdr, data, true);
}

void reply_ok(struct connection *c)
{
    reply(c, c->req.type, "OK", 3);
}

void reply_error(struct connection *c, int err)
{
    const char *name = xs_errno_name(err);
    if (!name) {
        log_info("%s: %s: error %d has no Xen name, sent as EINVAL", c->name,
                 msg_type_name(c->req.type), err);
        name = "EINVAL";
    }
    reply(c, XS_ERROR, name, (unsigned int)strlen(name) + 1);
}

void send_event(struct connection *c, const char *path, const char *token)
{
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    if (c->closed || plen + tlen > XENSTORE_PAYLOAD_MAX)
        return;
    char buf[XENSTORE_PAYLOAD_MAX];
    memcpy(buf, path, plen);
    memcpy(buf + plen, token, tlen);
    struct xsd_sockmsg hdr = {.type = XS_WATCH_EVENT, .len = (uint32_t)(plen + tlen)};
    queue_msg(c, &hdr, buf, false);
}

bool conn_has_output(const struct connection *c)
{
    return !c->closed && !list_empty(&c->out);
}

bool conn_output_blocked(const struct connection *c)
{
    return conn_has_output(c) && c->out_blocked;
}

bool conn_wants_input(const struct connection *c)
{
    if (c->closed || c->out_bytes > OUT_PAUSE_BYTES)
        return false;
    /* C xenstored stops reading a domain with too many replies not yet
     * taken (domain_can_read()); the client then waits, nothing fails. */
    return c->privileged || c->outstanding < quota_get(QUOTA_OUTSTANDING);
}

static void poll_update(struct connection *c)
{
    if (!c->closed && c->ops->poll_update)
        c->ops->poll_update(c);
}

void conn_output(struct connection *c)
{
    if (c->doomed && !c->closed) {
        conn_close(c, c->doomed, XENSTORE_ERROR_COMM);
        return;
    }
    if (persist_pending()) {
        /* Nothing leaves before the state it reports is on disk: the
         * loop saves it after this batch, then core_flush() sends. */
        want_flush(c);
        return;
    }
    c->out_blocked = false;
    while (!c->closed && !list_empty(&c->out)) {
        if (!c->ops->can_write(c)) {
            c->out_blocked = true;
            break;
        }
        struct outmsg *m = list_entry(c->out.next, struct outmsg, list);
        size_t total = sizeof(m->hdr) + m->hdr.len;
        /* Header and payload in one write: a client reading the header
         * first is then woken once, with the whole message there. */
        ssize_t n = c->ops->write(c, (const char *)&m->hdr + m->used, total - m->used);
        if (n < 0) {
            errno = (int)-n;
            log_debug("%s: write failed: %s", c->name, strerror((int)-n));
            conn_close(c, "write failed", XENSTORE_ERROR_COMM);
            return;
        }
        if (n == 0) {
            c->out_blocked = true;
            break;
        }
        m->used += (size_t)n;
        if (m->used == total) {
            if (m->is_reply)
                c->outstanding--;
            c->out_bytes -= total;
            list_del(&m->list);
            free(m);
        }
    }
    /* Fewer outstanding replies may re-enable input; an empty queue needs
     * no more write readiness. */
    poll_update(c);
}

void core_flush(void)
{
    if (persist_pending())
        return; /* the loop flushes again once the state is saved */
    while (!list_empty(&flush_pending)) {
        struct connection *c = list_entry(flush_pending.next, struct connection, flush_list);
        list_del(&c->flush_list);
        conn_output(c);
    }
}

/* ---- input and dispatch ---------------------------------------------------- */

static void process_message(struct connection *c)
{
    struct request r = {.hdr = c->in_hdr, .data = c->in_buf, .len = c->in_hdr.len};
    uint32_t type = r.hdr.type;

    c->in_buf[r.len] = '\0';
    c->req = r.hdr;
    c->replied = false;
    c->transaction = NULL;

    log_debug("%s: %s req_id %u tx_id %u len %u", c->name, msg_type_name(type), r.hdr.req_id,
              r.hdr.tx_id, r.len);

    if (type >= XS_TYPE_COUNT || !handlers[type].fn) {
        log_debug("%s: unknown message type %u", c->name, type);
        reply_error(c, ENOSYS);
        return;
    }
    if ((handlers[type].flags & FLAG_PRIV) && !c->privileged) {
        reply_error(c, EACCES);
        return;
    }
    if (!(handlers[type].flags & FLAG_NOTID) && r.hdr.tx_id) {
        c->transaction = transaction_lookup(c, r.hdr.tx_id);
        if (!c->transaction) {
            reply_error(c, ENOENT);
            return;
        }
    }

    int err = handlers[type].fn(c, &r);
    c->transaction = NULL;
    if (err) {
        if (c->replied)
            log_info("%s: %s: error %d after the reply (xenstored bug)", c->name,
                     msg_type_name(type), err);
        else
            reply_error(c, err);
    } else if (!c->replied && !c->closed) {
        log_info("%s: %s: handler sent no reply (xenstored bug)", c->name, msg_type_name(type));
        reply_error(c, EIO);
    }
}

void conn_input(struct connection *c)
{
    for (int handled = 0; handled < REQUESTS_PER_TURN;) {
        if (!conn_wants_input(c) || !c->ops->can_read(c))
            break;
        char *dst;
        size_t want;
        if (!c->in_body) {
            dst = (char *)&c->in_hdr + c->in_used;
            want = sizeof(c->in_hdr) - c->in_used;
        } else {
            dst = c->in_buf + c->in_used;
            want = c->in_hdr.len - c->in_used;
        }
        if (want) {
            ssize_t n = c->ops->read(c, dst, want);
            if (n < 0) {
                conn_close(c, n == -ECONNRESET ? "closed by the client" : "read failed",
                           XENSTORE_ERROR_RINGIDX);
                break;
            }
            if (n == 0)
                break;
            c->in_used += (size_t)n;
            if ((size_t)n < want)
                continue;
        }
        if (!c->in_body) {
            /* Check the size before reading or allocating anything for
             * the payload: Xen kills a connection that announces more
             * than XENSTORE_PAYLOAD_MAX, without waiting for the body. */
            if (c->in_hdr.len > XENSTORE_PAYLOAD_MAX) {
                log_info("%s: %s announces %u payload bytes (limit %u): dropped", c->name,
                         msg_type_name(c->in_hdr.type), c->in_hdr.len, XENSTORE_PAYLOAD_MAX);
                conn_close(c, "oversized message", XENSTORE_ERROR_PROTO);
                break;
            }
            c->in_body = true;
            c->in_used = 0;
            if (c->in_hdr.len)
                continue;
        }
        c->in_body = false;
        c->in_used = 0;
        process_message(c);
        handled++;
        core_flush();
        if (c->closed)
            break;
    }
    if (!c->closed) {
        conn_output(c);
        poll_update(c);
    }
}

/* ---- connection lifecycle -------------------------------------------------- */

struct connection *conn_new(const struct conn_ops *ops, void *transport, unsigned int domid,
                            const char *name)
{
    struct connection *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->in_buf = malloc(XENSTORE_PAYLOAD_MAX + 1);
    if (!c->in_buf) {
        free(c);
        return NULL;
    }
    c->ops = ops;
    c->transport = transport;
    c->domid = domid;
    c->target = XS_DOMID_INVALID;
    /* Dom0 is privileged; every socket client is Dom0 (Xen 4.17 has no
     * unprivileged or read-only socket). */
    c->privileged = domid == 0;
    c->next_tx_id = 1;
    snprintf(c->name, sizeof(c->name), "%s", name);
    list_init(&c->flush_list);
    list_init(&c->out);
    list_init(&c->watches);
    list_init(&c->transactions);
    list_add_tail(&c->list, &connections);
    nconnections++;
    log_debug("%s: connected (%s, domid %u)", c->name, ops->kind, domid);
    return c;
}

void conn_close(struct connection *c, const char *why, unsigned int xen_error)
{
    if (c->closed)
        return;
    log_debug("%s: closing: %s", c->name, why);
    watch_conn_drop_all(c);
    transaction_conn_drop_all(c);
    c->closed = true;
    while (!list_empty(&c->out)) {
        struct outmsg *m = list_entry(c->out.next, struct outmsg, list);
        list_del(&m->list);
        free(m);
    }
    c->outstanding = 0;
    c->out_bytes = 0;
    list_del(&c->flush_list);
    list_del(&c->list);
    nconnections--;
    c->ops->close(c, xen_error);
    list_add_tail(&c->list, &zombies);
}

void conn_reset(struct connection *c)
{
    if (c->closed)
        return;
    log_debug("%s: reset", c->name);
    watch_conn_drop_all(c);
    transaction_conn_drop_all(c);
    while (!list_empty(&c->out)) {
        struct outmsg *m = list_entry(c->out.next, struct outmsg, list);
        list_del(&m->list);
        free(m);
    }
    c->outstanding = 0;
    c->out_bytes = 0;
    c->out_blocked = false;
    c->in_used = 0;
    c->in_body = false;
    c->next_tx_id = 1;
}

void core_reap(void)
{
    while (!list_empty(&zombies)) {
        struct connection *c = list_entry(zombies.next, struct connection, list);
        list_del(&c->list);
        if (c->ops->release)
            c->ops->release(c);
        free(c->in_buf);
        free(c);
    }
}

struct list_head *core_connections(void)
{
    return &connections;
}

unsigned int core_connection_count(void)
{
    return nconnections;
}

int core_init(void)
{
    return 0;
}

void core_fini(void)
{
    while (!list_empty(&connections))
        conn_close(list_entry(connections.next, struct connection, list), "shutting down", 0);
    core_reap();
}
