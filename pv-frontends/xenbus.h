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

#include <stddef.h>
#include <stdint.h>

int xenbus_init(void);

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

/* The ring's reconnect handshake (xenstore-ring.txt): xenstored drops our
 * watches, transactions and anything half sent, empties the ring and
 * says "connected" again. -ENOSYS if it does not offer the feature,
 * -ETIME if it does not answer. */
int xenbus_reconnect(void);

int xenbus_watch(const char *path, const char *token);
int xenbus_unwatch(const char *path, const char *token);
/* Waits up to timeout_ns for a watch event with this token; copies the
 * path that fired. 0, or -ETIMEDOUT. */
int xenbus_wait_watch(const char *token, char *path, size_t len, uint64_t timeout_ns);

#endif
