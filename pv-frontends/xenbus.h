/*
 * xenbus.h - the guest's xenstore client: Xen's wire protocol (io/xs_wire.h)
 * on the store ring page and event channel the domain builder set up
 * (HVM_PARAM_STORE_PFN / STORE_EVTCHN). One request at a time, answered in
 * order; watch events are queued as they arrive between replies.
 *
 * Every call returns >= 0 on success or -errno (Xen's numbers) from the
 * error name xenstored sent ("ENOENT" -> -ENOENT). Relative paths are
 * under /local/domain/<our domid>, as on Xen. Callable from any vCPU, not
 * from interrupt context.
 */
#ifndef PV_XENBUS_H
#define PV_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int xenbus_init(void);
/* True once xenstored serves our ring (it advertises its features there
 * as it attaches, before the toolstack unpauses us): without it every
 * request would wait out its timeout. */
bool xenbus_server_attached(void);

/* A transaction id from XS_TRANSACTION_START; XBT_NIL (0) is "none", which
 * is what the functions without _t use. */
typedef uint32_t xenbus_transaction_t;
#define XBT_NIL ((xenbus_transaction_t)0)

/* Reads a value into buf (NUL-terminated, truncated to len-1). Returns its
 * length. */
int xenbus_read(const char *path, char *buf, size_t len);
int xenbus_read_u64(const char *path, uint64_t *out);
int xenbus_write(const char *path, const char *value);
int xenbus_printf(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int xenbus_mkdir(const char *path);
int xenbus_rm(const char *path);
/* Child names, each NUL-terminated, into buf; returns the bytes used. */
int xenbus_directory(const char *path, char *buf, size_t len);

/* The same inside transaction t: changes are seen by no one else until
 * it commits, and watches fire at commit. */
int xenbus_read_t(xenbus_transaction_t t, const char *path, char *buf, size_t len);
int xenbus_write_t(xenbus_transaction_t t, const char *path, const char *value);
int xenbus_mkdir_t(xenbus_transaction_t t, const char *path);
int xenbus_rm_t(xenbus_transaction_t t, const char *path);
int xenbus_directory_t(xenbus_transaction_t t, const char *path, char *buf, size_t len);

int xenbus_transaction_start(xenbus_transaction_t *t);
/* Commits (abort false) or aborts. A commit that conflicts with a change
 * made meanwhile outside the transaction is -EAGAIN: nothing was applied,
 * and the whole transaction must be run again. */
int xenbus_transaction_end(xenbus_transaction_t t, bool abort);

/* Runs fn(t, arg) in a fresh transaction and commits it, up to
 * XENBUS_TRANSACT_TRIES rounds while the commit (or fn) gives -EAGAIN.
 * fn returning another error aborts and returns it. Returns fn's result
 * once committed, or -EAGAIN when every round conflicted. */
#define XENBUS_TRANSACT_TRIES 10
typedef int (*xenbus_transaction_fn)(xenbus_transaction_t t, void *arg);
int xenbus_transact(xenbus_transaction_fn fn, void *arg);

/* The ring's reconnect handshake (xenstore-ring.txt): xenstored drops our
 * watches, transactions and anything half sent, empties the ring and
 * says "connected" again. -ENOSYS if it does not offer the feature,
 * -ETIME if it does not answer. */
int xenbus_reconnect(void);
/* After a resume in a new domain (suspend.h): the reconnect handshake,
 * then every callback watch registered again, which fires each once.
 * Watches without a callback are not known here and stay dropped.
 * 0, or -errno as xenbus_reconnect or of the first watch refused. */
int xenbus_resume(void);

int xenbus_watch(const char *path, const char *token);
int xenbus_unwatch(const char *path, const char *token);
/* Waits up to timeout_ns for a watch event with this token; copies the
 * path that fired. 0, or -ETIMEDOUT. */
int xenbus_wait_watch(const char *token, char *path, size_t len, uint64_t timeout_ns);

/* A watch whose events go to fn(path that fired, token, arg), including
 * the initial firing. Events are routed by token, which must be unique
 * among callback watches (-EEXIST). xenbus_unwatch removes the callback;
 * a reconnect drops them all, with the watches. */
typedef void (*xenbus_watch_fn)(const char *path, const char *token, void *arg);
int xenbus_watch_cb(const char *path, const char *token, xenbus_watch_fn fn, void *arg);
/* Runs the callback of every event queued now for a callback watch, in
 * arrival order, and returns how many ran. Called by the client from its
 * own loop or thread, never from interrupt context; the callbacks run
 * there, without xenbus's lock, so they may call xenbus themselves. Does
 * not wait. */
int xenbus_dispatch_watches(void);
/* Cheap and lock-free: may a callback event be waiting (unread bytes on
 * the ring, or events queued)? False while any request is in flight:
 * the caller may be nested inside it. */
bool xenbus_watch_events_waiting(void);

#endif
