/*
 * transaction.c - transactions as per-node overlays (transaction.h).
 *
 * Every node a transaction touches gets an entry: the transaction's copy
 * of the node (NULL when absent), and - when the first touch was a read -
 * the generation the store had then (NO_GENERATION if the node did not
 * exist). Every change in the store takes a new, larger generation, so at
 * commit a read node is unchanged exactly when its generation still
 * matches. Nodes first touched by a write need no check: the commit
 * overwrites them. In practice every write first reads the node and its
 * parent, so creations and deletions are checked too.
 *
 * Worked examples (G = global generation counter, g(X) = node X's):
 *
 * 1. Read A, write B: no conflict.
 *      g(A)=1 g(B)=2 G=2. T1 reads A: records 1. T1 writes B (reads it
 *      first: records 2). Commit: g(A)=1, g(B)=2 match -> B stored, g(B)=3.
 * 2. Someone writes what T1 read: EAGAIN.
 *      T1 reads A (records 1). Connection 2 writes A: g(A)=3. Commit:
 *      3 != 1 -> EAGAIN, nothing of T1 is stored.
 * 3. Two transactions on disjoint nodes both commit.
 *      T1 reads and writes A, T2 reads and writes B; neither touched the
 *      other's node, so both generation checks pass.
 * 4. A node created meanwhile: T1 reads /x (absent, records
 *      NO_GENERATION); connection 2 creates /x; T1's commit sees a real
 *      generation -> EAGAIN. Creating a child also rewrites its parent's
 *      children list, so two transactions adding children to the same
 *      parent conflict, as in Xen.
 *
 * Watches queued during the transaction fire at commit, each with the
 * permissions the node had when the transaction first touched it.
 */
#include "transaction.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "hash.h"
#include "log.h"
#include "quota.h"
#include "watch.h"

struct accessed {
    struct list_head list;  /* in order of first access: commit order */
    char *name;
    struct node *node;      /* t's version; NULL = absent in t */
    uint64_t generation;    /* store's at the first read, or NO_GENERATION */
    bool check_gen;         /* first access was a read */
    bool modified;
    bool fire_watch, watch_exact;
    struct perm *old_perms; /* at first access, for watch permissions */
    unsigned int old_nperms;
    uint64_t old_gen;
};

struct delta {
    unsigned int domid;
    int nodes;
};

struct transaction {
    struct list_head list;  /* connection's transactions */
    struct connection *conn;
    uint32_t id;
    struct hash *by_name;   /* name -> struct accessed */
    struct list_head accessed;
    unsigned int naccessed;
    struct delta *deltas;   /* nodes owned per domain, relative to the store */
    unsigned int ndeltas;
    bool node_created;
    bool fail;
};

struct transaction *transaction_lookup(struct connection *c, uint32_t id)
{
    struct list_head *pos;
    list_for_each(pos, &c->transactions) {
        struct transaction *t = list_entry(pos, struct transaction, list);
        if (t->id == id)
            return t;
    }
    return NULL;
}

static void accessed_free(struct accessed *a)
{
    node_free(a->node);
    free(a->old_perms);
    free(a->name);
    free(a);
}

static void transaction_free(struct transaction *t)
{
    while (!list_empty(&t->accessed)) {
        struct accessed *a = list_entry(t->accessed.next, struct accessed, list);
        list_del(&a->list);
        accessed_free(a);
    }
    hash_free(t->by_name, NULL);
    list_del(&t->list);
    t->conn->ntransactions--;
    if (t->conn->transaction == t)
        t->conn->transaction = NULL;
    free(t->deltas);
    free(t);
}

void transaction_conn_drop_all(struct connection *c)
{
    while (!list_empty(&c->transactions))
        transaction_free(list_entry(c->transactions.next, struct transaction, list));
    c->transaction = NULL;
}

void transaction_fail(struct transaction *t)
{
    t->fail = true;
}

void transaction_node_created(struct transaction *t)
{
    t->node_created = true;
}

int transaction_node_delta(const struct transaction *t, unsigned int domid)
{
    for (unsigned int i = 0; i < t->ndeltas; i++)
        if (t->deltas[i].domid == domid)
            return t->deltas[i].nodes;
    return 0;
}

static int add_delta(struct transaction *t, unsigned int domid, int n)
{
    for (unsigned int i = 0; i < t->ndeltas; i++)
        if (t->deltas[i].domid == domid) {
            t->deltas[i].nodes += n;
            return 0;
        }
    struct delta *d = realloc(t->deltas, (t->ndeltas + 1) * sizeof(*d));
    if (!d)
        return -ENOMEM;
    t->deltas = d;
    t->deltas[t->ndeltas++] = (struct delta){.domid = domid, .nodes = n};
    return 0;
}

/* The entry for name, created on first access from the store's node. */
static int get_entry(struct transaction *t, struct connection *c, const char *name, bool is_read,
                     struct accessed **out)
{
    struct accessed *a = hash_get(t->by_name, name);
    if (a) {
        *out = a;
        return 0;
    }
    /* Each touched node costs memory until the end: bound it for guests. */
    if (!c->privileged && t->naccessed + 1 > quota_get(QUOTA_TRANSACTION_NODES)) {
        t->fail = true;
        return -ENOSPC;
    }
    const struct node *g = store_get(name);
    a = calloc(1, sizeof(*a));
    if (!a)
        goto nomem;
    a->name = strdup(name);
    if (!a->name)
        goto nomem;
    if (g) {
        a->node = node_dup(g);
        a->old_perms = malloc(g->nperms * sizeof(*g->perms));
        if (!a->node || !a->old_perms)
            goto nomem;
        memcpy(a->old_perms, g->perms, g->nperms * sizeof(*g->perms));
        a->old_nperms = g->nperms;
        a->old_gen = g->generation;
    }
    a->check_gen = is_read;
    a->generation = g ? g->generation : NO_GENERATION;
    if (hash_put(t->by_name, name, a, NULL) < 0)
        goto nomem;
    list_add_tail(&a->list, &t->accessed);
    t->naccessed++;
    *out = a;
    return 0;
nomem:
    if (a)
        accessed_free(a);
    t->fail = true;
    return -ENOMEM;
}

int transaction_read(struct transaction *t, struct connection *c, const char *name,
                     const struct node **out)
{
    struct accessed *a;
    int err = get_entry(t, c, name, true, &a);
    if (err)
        return err;
    *out = a->node;
    return 0;
}

/* Replaces t's version of a node, keeping the per-domain node deltas. */
static int replace(struct transaction *t, struct accessed *a, struct node *node)
{
    if ((a->node && add_delta(t, node_owner(a->node), -1) < 0) ||
        (node && add_delta(t, node_owner(node), 1) < 0)) {
        node_free(node);
        t->fail = true;
        return -ENOMEM;
    }
    node_free(a->node);
    a->node = node;
    a->modified = true;
    return 0;
}

int transaction_write(struct transaction *t, struct connection *c, struct node *node)
{
    struct accessed *a;
    int err = get_entry(t, c, node->name, false, &a);
    if (err) {
        node_free(node);
        return err;
    }
    return replace(t, a, node);
}

int transaction_delete(struct transaction *t, struct connection *c, const char *name)
{
    struct accessed *a;
    int err = get_entry(t, c, name, false, &a);
    if (err)
        return err;
    return replace(t, a, NULL);
}

void transaction_queue_watch(struct transaction *t, const char *name, bool exact)
{
    struct accessed *a = hash_get(t->by_name, name);
    if (!a) {
        /* A change of a node never touched cannot happen; refuse to
         * commit rather than lose the event. */
        t->fail = true;
        return;
    }
    /* A recursive event replaces an exact one, not the other way round. */
    if (!a->fire_watch) {
        a->fire_watch = true;
        a->watch_exact = exact;
    } else if (!exact) {
        a->watch_exact = false;
    }
}

int transaction_do_start(struct connection *c, const struct request *r)
{
    (void)r;
    /* No nesting: a START inside a transaction is EBUSY. */
    if (c->transaction)
        return EBUSY;
    /* 4.17 compares before counting the new one: one more than the quota
     * gets through, then ENOSPC. */
    if (!c->privileged && c->ntransactions > quota_get(QUOTA_TRANSACTIONS))
        return ENOSPC;
    struct transaction *t = calloc(1, sizeof(*t));
    if (!t)
        return ENOMEM;
    t->by_name = hash_new();
    if (!t->by_name) {
        free(t);
        return ENOMEM;
    }
    list_init(&t->accessed);
    t->conn = c;
    /* Ids count per connection from 1, skipping 0 and ids in use. */
    do {
        t->id = c->next_tx_id++;
    } while (t->id == 0 || transaction_lookup(c, t->id));
    list_add_tail(&t->list, &c->transactions);
    c->ntransactions++;

    char id[16];
    int n = snprintf(id, sizeof(id), "%u", t->id);
    reply(c, XS_TRANSACTION_START, id, (unsigned int)n + 1);
    return 0;
}

/* The nodes quota at commit (Xen's acc_fix_domains()): only when the
 * transaction created nodes, for unprivileged owners. */
static int check_node_quota(const struct transaction *t)
{
    if (!t->node_created || t->conn->privileged)
        return 0;
    for (unsigned int i = 0; i < t->ndeltas; i++) {
        unsigned int domid = t->deltas[i].domid;
        if (domid == 0)
            continue;
        long count = (long)domain_nodes(domid) + t->deltas[i].nodes;
        if (count >= (long)quota_get(QUOTA_NODES))
            return ENOSPC;
    }
    return 0;
}

static int commit(struct transaction *t)
{
    if (t->fail)
        return ENOMEM;
    int err = check_node_quota(t);
    if (err)
        return err;

    struct list_head *pos;
    list_for_each(pos, &t->accessed) {
        struct accessed *a = list_entry(pos, struct accessed, list);
        if (!a->check_gen)
            continue;
        const struct node *g = store_get(a->name);
        if ((g ? g->generation : NO_GENERATION) != a->generation)
            return EAGAIN;
    }

    list_for_each(pos, &t->accessed) {
        struct accessed *a = list_entry(pos, struct accessed, list);
        if (!a->modified)
            continue;
        if (a->node) {
            struct node *n = a->node;
            a->node = NULL;
            n->generation = store_new_generation();
            if (store_put(n) < 0)
                log_info("%s: commit of transaction %u: out of memory storing %s; the store may "
                         "be inconsistent", t->conn->name, t->id, a->name);
        } else {
            store_remove(a->name);
        }
        if (a->fire_watch)
            watch_fire(t->conn, a->name, NULL, a->watch_exact, a->old_perms, a->old_nperms,
                       a->old_gen);
    }
    return 0;
}

int transaction_do_end(struct connection *c, const struct request *r)
{
    const char *arg = req_onearg(r);
    if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
        return EINVAL;
    struct transaction *t = c->transaction;
    if (!t)
        return ENOENT;
    /* From here the transaction ends, whatever the outcome; watch_fire()
     * must not queue into it. */
    c->transaction = NULL;
    int err = strcmp(arg, "T") == 0 ? commit(t) : 0;
    transaction_free(t);
    if (err)
        return err;
    reply_ok(c);
    return 0;
}
