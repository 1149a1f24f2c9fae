/*
 * core.h - the message layer: framing, dispatch, replies, the connection
 * list. Transports feed bytes in with conn_input() and drain replies with
 * conn_output(); handlers answer with reply*() and send_event().
 *
 * Every request gets exactly one reply with its type, req_id and tx_id, or
 * an XS_ERROR whose payload is the errno name ("ENOENT\0"). A bad client
 * costs only itself: a header announcing more than XENSTORE_PAYLOAD_MAX
 * bytes drops that connection at once (as Xen does), anything else
 * malformed gets an error reply and the connection stays usable.
 * Single-threaded.
 */
#ifndef XS_CORE_H
#define XS_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "connection.h"

/* A request as handlers see it: the header and the payload, which is
 * followed by a NUL that is not part of it (so a string that is not
 * terminated inside the payload still ends somewhere). */
struct request {
    struct xsd_sockmsg hdr;
    const char *data;
    unsigned int len;
};

/* Handlers return 0 once they have replied, or a positive errno that the
 * core sends as an XS_ERROR. */
typedef int (*request_fn)(struct connection *c, const struct request *r);

int core_init(void);
/* Closes every connection. */
void core_fini(void);

/* Creates a connection for domid (Dom0, domid 0, is privileged). name is
 * the subject of its log lines. NULL on allocation failure. */
struct connection *conn_new(const struct conn_ops *ops, void *transport, unsigned int domid,
                            const char *name);
/* Reads and handles what the transport has, up to a fair share. */
void conn_input(struct connection *c);
/* Writes queued replies and events while the transport takes them. */
void conn_output(struct connection *c);
/* Drops c now: its watches, transactions and queued output go, the
 * transport is closed; the memory is freed by core_reap(). Safe to call
 * more than once and from inside a handler. */
void conn_close(struct connection *c, const char *why, unsigned int xen_error);
/* The ring's reconnect handshake (xenstore-ring.txt): forget the partial
 * request, queued replies and events, watches and transactions of c; it
 * stays connected, as new. */
void conn_reset(struct connection *c);
/* The core takes input unless the outstanding-requests quota holds it
 * back (unprivileged only). */
bool conn_wants_input(const struct connection *c);
bool conn_has_output(const struct connection *c);
/* Output is queued and the transport refused (part of) it: a socket then
 * waits for EPOLLOUT. Output held only until the state file is written
 * is not blocked; core_flush() sends it. */
bool conn_output_blocked(const struct connection *c);

/* Writes output queued on any connection (watch events for others), then
 * frees closed connections. The loop calls this after each batch. */
void core_flush(void);
void core_reap(void);

/* The live connections, for watch.c (struct connection.list). */
struct list_head *core_connections(void);
unsigned int core_connection_count(void);

/* Replies to the current request of c. len > XENSTORE_PAYLOAD_MAX becomes
 * E2BIG, as in Xen's send_reply(). */
void reply(struct connection *c, enum xsd_sockmsg_type type, const void *data, unsigned int len);
/* "OK\0" with the request's type. */
void reply_ok(struct connection *c);
/* XS_ERROR with the errno's name; an errno Xen has no name for is EINVAL. */
void reply_error(struct connection *c, int err);
/* Queues a WATCH_EVENT "path\0token\0" (req_id and tx_id 0). Events that
 * would exceed the payload limit are dropped, as in Xen. */
void send_event(struct connection *c, const char *path, const char *token);

/* Payload helpers, with Xen's semantics (core.c get_string/get_strings/
 * onearg). */
/* The payload as one string: exactly one NUL, at its end; else NULL. */
const char *req_onearg(const struct request *r);
/* Stores up to num NUL-terminated strings in vec; returns how many the
 * payload holds (bytes after the last NUL are not a string). */
unsigned int req_strings(const struct request *r, const char **vec, unsigned int num);
/* Number of NULs in the payload. */
unsigned int req_count_nuls(const struct request *r);

/* The name of a message type, for logs ("WRITE"), or "UNKNOWN". */
const char *msg_type_name(uint32_t type);
/* Xen's errno names ("ENOENT"); NULL if Xen's list lacks it. */
const char *xs_errno_name(int err);

/* Xen's atoi() on a client string: leading blanks, a sign, digits. */
int xs_atoi(const char *s);

#endif
