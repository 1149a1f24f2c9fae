/*
 * persist.h - the committed store and the introduced domains in a state
 * file, so a xenstored that is stopped or killed starts again with the
 * whole tree, its permissions and its guests' ring connections.
 *
 * Writes are batched: a committed change marks the state dirty
 * (persist_mark_dirty(), from store.c and domain.c), and the loop writes
 * the file once after each batch of events (persist_flush(): temporary
 * file, then rename; no fsync, see docs/xenstore.md). Until then no reply or
 * watch event leaves the daemon (core.c holds output while
 * persist_pending()), so a client that saw a reply sees its change after
 * a restart.
 *
 * What a SIGKILL loses: requests of the batch in progress (not answered;
 * a socket client sees its connection close, a guest whose request was
 * taken off its ring waits for that reply: the ring's reconnect handshake
 * recovers it). What a restart loses by design: socket clients'
 * connections, their watches and transactions; guests' watches and open
 * transactions (Xen's live update keeps them; we do not).
 *
 * Without a state file (no --state-file) nothing is written or held back.
 * Single-threaded, like the daemon.
 */
#ifndef XS_PERSIST_H
#define XS_PERSIST_H

#include <stdbool.h>

/* Uses path from now on. If the file exists, replaces the store and the
 * domain records with its contents; a file that fails any check is
 * refused with a log line and the daemon starts empty (0). -errno only
 * for an allocation failure. Call after store_init() and domain_init(). */
int persist_open(const char *path);
/* Attaches the ring transport to every restored introduced domain (after
 * ring_init()). */
int persist_attach_guests(void);
void persist_close(void);

void persist_mark_dirty(void);
/* A change is not yet durable: output waits. */
bool persist_pending(void);
/* Writes the state file if dirty. On failure it logs and gives up (the
 * replies must not wait forever); the next change tries again. */
void persist_flush(void);

#endif
