/*
 * transaction.h - transactions with per-node conflict detection, as C
 * xenstored does them since Xen 4.9 (transaction.c there, with worked
 * examples; ours are in transaction.c).
 *
 * A transaction sees each node as it was when the transaction first
 * touched it, plus its own changes; nothing it does is visible outside
 * until TRANSACTION_END "T". Commit fails with EAGAIN if any node it read
 * has changed (or appeared, or vanished) since; transactions touching
 * disjoint nodes both commit. Watches for its changes fire at commit.
 *
 * node.c reaches the store through transaction_read/write/delete when the
 * current request carries a transaction; the core looks the transaction up
 * from the request's tx_id (unknown id: ENOENT).
 */
#ifndef XS_TRANSACTION_H
#define XS_TRANSACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "store.h"

struct transaction;

/* The open transaction of c with this id, or NULL. */
struct transaction *transaction_lookup(struct connection *c, uint32_t id);
/* Aborts every transaction of c. */
void transaction_conn_drop_all(struct connection *c);

/* The node at name as t sees it (NULL if absent there), recording the
 * first access. The node belongs to t. 0, or -ENOSPC when an unprivileged
 * transaction touches more than transaction-nodes nodes, -ENOMEM. */
int transaction_read(struct transaction *t, struct connection *c, const char *name,
                     const struct node **out);
/* Stores node (ownership passes to t, also on failure) as t's version. */
int transaction_write(struct transaction *t, struct connection *c, struct node *node);
/* Makes name absent in t. */
int transaction_delete(struct transaction *t, struct connection *c, const char *name);
/* Remembers that a change of name must fire watches at commit. */
void transaction_queue_watch(struct transaction *t, const char *name, bool exact);
/* How many more (or fewer) nodes domid owns in t than in the store. */
int transaction_node_delta(const struct transaction *t, unsigned int domid);
/* t created a node (commit then checks the nodes quota). */
void transaction_node_created(struct transaction *t);
/* Something went wrong half-way: t can only be aborted (commit ENOMEM,
 * as in Xen). */
void transaction_fail(struct transaction *t);

int transaction_do_start(struct connection *c, const struct request *r);
int transaction_do_end(struct connection *c, const struct request *r);

#endif
