/*
 * connection.h - one client of xenstored, whatever carries its bytes.
 *
 * A connection is transport-neutral, as in C xenstored (core.h, struct
 * interface_funcs): the core reads requests and writes replies and watch
 * events only through the ops below, so every handler serves Unix-socket
 * clients (socket.c) and, later, guests on their store ring and event
 * channel (a ring transport filling the same ops) alike.
 *
 * Ownership: core.c creates and frees connections (conn_new, conn_close,
 * core_reap). A transport owns `transport` and releases it in ops->close.
 * Single-threaded: everything runs on the daemon's one epoll loop.
 */
#ifndef XS_CONNECTION_H
#define XS_CONNECTION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "list.h"
#include "wire.h"

struct connection;
struct transaction;

struct conn_ops {
    const char *kind; /* "socket", "ring": for logs */
    /* Copies up to len bytes of the client's stream into buf. Returns the
     * number copied (> 0), 0 when nothing more is available now, or -errno
     * when the transport is broken or the peer has gone. */
    ssize_t (*read)(struct connection *c, void *buf, size_t len);
    /* Sends up to len bytes of buf. Returns the number sent (> 0), 0 when
     * the transport is full now, or -errno when it is broken. */
    ssize_t (*write)(struct connection *c, const void *buf, size_t len);
    /* Whether read/write may make progress now (a ring checks its
     * indexes; a non-blocking socket just tries). */
    bool (*can_read)(struct connection *c);
    bool (*can_write)(struct connection *c);
    /* Optional: the core's wishes changed (conn_wants_input(),
     * conn_has_output()); a socket re-arms its epoll events. */
    void (*poll_update)(struct connection *c);
    /* The core drops the connection. xen_error is the reason as a ring's
     * `error` field gives it (XENSTORE_ERROR_*; 0 for an orderly close).
     * The transport stops all I/O and polling now. */
    void (*close)(struct connection *c, unsigned int xen_error);
    /* Optional: the core frees c after the current loop batch (an event
     * of the same batch may still name it); the transport frees what it
     * kept for that long. */
    void (*release)(struct connection *c);
};

/* A reply or watch event waiting to be written. hdr and payload are one
 * run of bytes, written with one call (core.c asserts the layout). */
struct outmsg {
    struct list_head list;
    size_t used;    /* bytes of hdr + payload already written */
    bool is_reply;  /* counts as an outstanding request until written */
    struct xsd_sockmsg hdr;
    char payload[];
};

struct connection {
    struct list_head list;       /* core.c: every live connection */
    struct list_head flush_list; /* core.c: has output to try writing */
    const struct conn_ops *ops;
    void *transport;             /* the transport's own state */

    unsigned int domid;          /* 0 for socket clients (Dom0) */
    unsigned int target;         /* SET_TARGET: acts for this domain too; DOMID_INVALID */
    bool privileged;             /* Dom0: no permission checks, no quotas */
    char name[32];               /* "socket 7", "d5": subject of log lines */

    /* Input: a 16-byte header, then its payload (at most
     * XENSTORE_PAYLOAD_MAX bytes, checked before anything is read). */
    struct xsd_sockmsg in_hdr;
    size_t in_used;
    bool in_body;
    char *in_buf;                /* XENSTORE_PAYLOAD_MAX + 1 bytes */

    struct list_head out;        /* struct outmsg, in sending order */
    size_t out_bytes;            /* bytes queued in out */
    unsigned int outstanding;    /* replies queued and not yet written */
    bool out_blocked;            /* the transport took less than offered */

    struct list_head watches;    /* watch.c */
    unsigned int nwatches;
    struct list_head transactions; /* transaction.c */
    unsigned int ntransactions;
    uint32_t next_tx_id;

    /* The request being handled (core.c sets these around the handler). */
    struct xsd_sockmsg req;
    struct transaction *transaction;
    bool replied;

    /* Set where closing at once is unsafe (while other code walks the
     * connection list); conn_output() closes it with this reason. */
    const char *doomed;
    bool closed;
};

#endif
