/*
 * xenstore.h - Xenolith's libxenstore: the client API of Xen's
 * libxenstore (Xen 4.17, tools/libs/store/include/xenstore.h), same
 * names, types and semantics, so programs written for Xen's library
 * build against this one and run against any xenstored, ours or Xen's.
 *
 * On failure the calls return NULL / false / XBT_NULL and set errno: to
 * the daemon's error (ENOENT, EACCES, EAGAIN, ...) or to what went wrong
 * locally. Returned memory is one malloc() block each: free() it.
 *
 * A handle may be shared between threads: requests are serialised. The
 * first xs_watch() starts a reader thread that sorts replies from watch
 * events (as Xen's library does), so xs_fileno() becomes readable when an
 * event is queued and xs_read_watch() can block while other threads make
 * requests.
 */
#ifndef XENSTORE_H
#define XENSTORE_H

#include "xenstore_lib.h"

#define XBT_NULL 0

/* Open flags. As in Xen 4.17, READONLY and SOCKETONLY are accepted and
 * ignored: there is one socket, and it is Dom0's. */
#define XS_OPEN_READONLY (1UL << 0)
#define XS_OPEN_SOCKETONLY (1UL << 1)
/* After xs_unwatch() returns, no queued event of that watch (same token,
 * path at or below the watched one) is delivered any more. */
#define XS_UNWATCH_FILTER (1UL << 2)

struct xs_handle;
typedef uint32_t xs_transaction_t;

/* Connects to the daemon: the socket xs_daemon_socket() names, else the
 * xenbus device ($XENSTORED_PATH, /dev/xen/xenbus, /proc/xen/xenbus).
 * NULL with errno on failure. */
struct xs_handle *xs_open(unsigned long flags);
void xs_close(struct xs_handle *xsh /* NULL ok */);

/* Deprecated synonyms of xs_open(0) and xs_close(). */
struct xs_handle *xs_daemon_open(void);
struct xs_handle *xs_domain_open(void);
struct xs_handle *xs_daemon_open_readonly(void);
void xs_daemon_close(struct xs_handle *);
/* Frees the handle without talking to the daemon (child after fork()). */
void xs_daemon_destroy_postfork(struct xs_handle *);

/* The children of path (leaf names): an array of *num pointers followed by
 * the strings, in one block. Lists over 4096 bytes are fetched in parts
 * (XS_DIRECTORY_PART). */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
                    unsigned int *num);

/* The value of path, with a NUL added after *len bytes (len may be NULL). */
void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);

/* Writes len bytes at path, creating missing parents. */
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len);

/* Creates path (and parents) if missing; an existing node is left alone. */
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);

/* Removes path and everything below it. Fine if path is missing but its
 * parent exists. */
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);

/* Always false: XS_RESTRICT was removed from Xen. */
bool xs_restrict(struct xs_handle *h, unsigned domid);

/* The permissions of path; element 0 is the owner and everyone's default. */
struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
                                          const char *path, unsigned int *num);

/* Sets the permissions of path (caller must own it, or be Dom0). */
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        struct xs_permissions *perms, unsigned int num_perms);

/* Watches path (or @introduceDomain, @releaseDomain): events carry token.
 * The watch fires once at once, then on every change at or below path. */
bool xs_watch(struct xs_handle *h, const char *path, const char *token);

/* An fd that is readable while watch events are queued. */
int xs_fileno(struct xs_handle *h);

/* The next queued event without blocking: ret[XS_WATCH_PATH] and
 * ret[XS_WATCH_TOKEN]; NULL with errno EAGAIN if there is none. */
char **xs_check_watch(struct xs_handle *h);

/* The next event, blocking until there is one; *num is the number of
 * strings (2). */
char **xs_read_watch(struct xs_handle *h, unsigned int *num);

/* Removes a watch. */
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);

/* Starts a transaction; XBT_NULL on failure. */
xs_transaction_t xs_transaction_start(struct xs_handle *h);

/* Commits (abort false) or abandons a transaction. false with errno EAGAIN
 * when a conflicting change got in first: run the transaction again. */
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

/* Tells the daemon about a domain's store ring (its frame number) and
 * event channel (Dom0 only). */
bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                         unsigned int eventchn);

/* Lets domid act on what target owns (Dom0 only). */
bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target);

/* Re-arms @releaseDomain for a domain that was shut down (Dom0 only). */
bool xs_resume_domain(struct xs_handle *h, unsigned int domid);

/* Forgets a domain: its connection and nodes go, @releaseDomain fires. */
bool xs_release_domain(struct xs_handle *h, unsigned int domid);

/* "/local/domain/<domid>". */
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid);

/* child is parent or below it, by string comparison. */
bool xs_path_is_subpath(const char *parent, const char *child);

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);

/* XS_CONTROL: cmd, then len bytes of data (NUL-separated arguments).
 * Returns the daemon's answer. */
char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);
/* Deprecated name of xs_control_command(). */
char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);

/* The suspend event channel a domain advertises, or -1. */
int xs_suspend_evtchn_port(int domid);

#endif
