/*
 * watch.h - watches: a connection asks to hear about changes at or below
 * a path, or about the special events @introduceDomain and
 * @releaseDomain, and gets WATCH_EVENT "path\0token\0" messages.
 *
 * As in Xen: a watch fires once when registered (with its own path), then
 * for every change (create, write, MKDIR, SET_PERMS, RM) at or below its
 * path; RM of an ancestor reports the watch's own path; changes inside a
 * transaction fire at commit. A watcher only hears of nodes it may read
 * (or whose parent it may read), except for the first firing. Relative
 * watches report relative paths.
 */
#ifndef XS_WATCH_H
#define XS_WATCH_H

#include <stdbool.h>

#include "core.h"
#include "store.h"

/* Fires the watches matching a change of name. origin made the change (its
 * transaction, if any, queues the event until commit; NULL = xenstored
 * itself). node is the node as changed (NULL: look it up). exact: only
 * watches on exactly name fire (the nodes below the root of an RM),
 * otherwise watches on name or any ancestor. old_perms: the node's
 * permissions before a SET_PERMS or a committed change, so a watcher that
 * lost access still hears of it. */
void watch_fire(struct connection *origin, const char *name, const struct node *node, bool exact,
                const struct perm *old_perms, unsigned int old_nperms, uint64_t old_gen);
/* Fires a special event ("@introduceDomain", "@releaseDomain") at the
 * watchers allowed to read that special node. */
void watch_fire_special(const char *name);

/* Drops every watch of c (connection close, RESET_WATCHES, RELEASE). */
void watch_conn_drop_all(struct connection *c);

/* persist.c: a guest's watches survive a xenstored restart. foreach
 * calls fn for each watch of c; restore adds one to c (accounted as a
 * WATCH) and fires it once, as a registration does, so the guest looks
 * again at what may have changed while xenstored was down. 0 or ENOMEM. */
void watch_conn_foreach(const struct connection *c,
                        void (*fn)(void *arg, const char *path, const char *token,
                                   size_t prefix_len),
                        void *arg);
int watch_restore(struct connection *c, const char *path, const char *token, size_t prefix_len);

int watch_do_watch(struct connection *c, const struct request *r);
int watch_do_unwatch(struct connection *c, const struct request *r);
/* Drops the caller's watches and transactions. */
int watch_do_reset_watches(struct connection *c, const struct request *r);

#endif
