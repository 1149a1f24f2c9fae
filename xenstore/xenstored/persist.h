/*
 * persist.h - the committed store and the introduced domains in a state
 * file, so a xenstored that is stopped or killed starts again with the
 * whole tree, its permissions and its guests' ring connections.
 *
 * Two files: FILE, a snapshot of everything, and FILE.journal, the
 * changes since that snapshot. Every commit point reports what it changed
 * (persist_node_changed()/persist_node_removed() from store.c,
 * persist_domain_changed() from domain.c, persist_watches_changed() from
 * watch.c), and the loop appends one journal record per batch of events
 * with the current state of exactly those nodes, domains and guest watch
 * lists (persist_flush(): one write(), so a batch costs the size of its
 * changes, not of the store). When the journal outgrows max(1 MiB, twice
 * the snapshot) a new snapshot is written (temporary file, then rename)
 * and the journal emptied. No fsync, see docs/xenstore.md. Until the
 * batch's write returned no reply or watch event leaves the daemon
 * (core.c holds output while persist_pending()), so a client that saw a
 * reply sees its change after a restart.
 *
 * What a SIGKILL loses: requests of the batch in progress (not answered;
 * a socket client sees its connection close, a guest whose request was
 * taken off its ring waits for that reply: the ring's reconnect handshake
 * recovers it); a record cut short by the kill is ignored at load. What
 * a restart loses by design: socket clients' connections, their watches
 * and transactions; guests' watches and open transactions (Xen's live
 * update keeps them; we do not).
 *
 * Without a state file (no --state-file) nothing is written or held back.
 * Single-threaded, like the daemon.
 */
#ifndef XS_PERSIST_H
#define XS_PERSIST_H

#include <stdbool.h>

/* Uses path (and path.journal) from now on. If the snapshot exists,
 * replaces the store and the domain records with its contents, then
 * replays the journal up to its first damaged or cut-short record; a
 * snapshot that fails any check is refused with a log line and the daemon
 * starts empty (0). -errno only for an allocation failure. Call after
 * store_init() and domain_init(). */
int persist_open(const char *path);
/* Attaches the ring transport to every restored introduced domain (after
 * ring_init()). */
int persist_attach_guests(void);
void persist_close(void);

/* The committed node at path was stored (or replaced) / removed. */
void persist_node_changed(const char *path);
void persist_node_removed(const char *path);
/* The record of domid changed, appeared or went. */
void persist_domain_changed(unsigned int domid);
/* A watch of domid's connection was added or removed. */
void persist_watches_changed(unsigned int domid);
/* Anything may have changed: the next flush writes a whole snapshot. */
void persist_mark_dirty(void);
/* A change is not yet durable: output waits. */
bool persist_pending(void);
/* Appends the batch's changes to the journal (or writes a snapshot when
 * one is due). On failure it logs and gives up (the replies must not wait
 * forever); the next change writes a whole snapshot. */
void persist_flush(void);

#endif
