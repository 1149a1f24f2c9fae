/*
 * quota.h - the limits xenstored enforces on unprivileged domains, in one
 * table with Xen's names (C xenstored 4.17 defaults, tools/xenstore
 * xenstored_domain.c). Dom0 and the socket clients are exempt from all of
 * them except the path length and the wire limits, as in Xen.
 *
 * What happens past each limit (as Xen 4.17 does it):
 *   nodes              creating a node while owning >= nodes: ENOSPC
 *   watches            WATCH while holding > watches: E2BIG (so one more
 *                      than the number gets through, as 4.17 lets it)
 *   outstanding        requests are not read while >= outstanding replies
 *                      and events wait to be sent (back-pressure, no error)
 *   memory             a write that would take the owner's node memory
 *                      above it: ENOMEM; a WATCH likewise
 *   transactions       TRANSACTION_START while holding > transactions:
 *                      ENOSPC (one more gets through, as in 4.17)
 *   transaction-nodes  touching more nodes in one transaction: ENOSPC, and
 *                      the transaction can no longer commit
 *   node-permissions   SET_PERMS with more entries: ENOSPC
 *   path-max           a path longer than this after /local/domain/<id>/:
 *                      EINVAL (applies to every client, dom0 included)
 *   node-size          a node whose value + permissions + children names
 *                      would exceed it: ENOSPC
 */
#ifndef XS_QUOTA_H
#define XS_QUOTA_H

#include <stdbool.h>
#include <stdio.h>

enum quota_item {
    QUOTA_NODES,
    QUOTA_WATCHES,
    QUOTA_OUTSTANDING,
    QUOTA_MEMORY,
    QUOTA_TRANSACTIONS,
    QUOTA_TRANSACTION_NODES,
    QUOTA_NODE_PERMS,
    QUOTA_PATH_MAX,
    QUOTA_NODE_SIZE,
    QUOTA_N
};

struct quota {
    const char *name;   /* Xen's -Q name */
    char option;        /* Xen's short option, 0 if none */
    const char *descr;
    unsigned int val;
    unsigned int def;   /* Xen 4.17's default */
};

extern struct quota quotas[QUOTA_N];

static inline unsigned int quota_get(enum quota_item q)
{
    return quotas[q].val;
}

/* Parses "name=value" (xenstored -Q). 0 or -EINVAL. path-max is capped at
 * XENSTORE_REL_PATH_MAX, as Xen caps -M. */
int quota_set_arg(const char *arg);
/* Sets one item from its short option's argument. 0 or -EINVAL. */
int quota_set_item(enum quota_item q, const char *value);
/* Restores Xen's defaults (the unit tests change quotas). */
void quota_reset(void);
/* Writes one "name: value (default)" line per quota. */
void quota_print(FILE *f);

#endif
