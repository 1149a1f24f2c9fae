/*
 * watch.c - watch registration and firing (watch.h).
 *
 * Each connection keeps its watches in a list; a change walks every
 * connection and every watch. Xen does the same: a store has a few
 * hundred watches, and a change touches one path.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "node.h"
#include "perms.h"
#include "persist.h"
#include "quota.h"
#include "transaction.h"

struct watch {
    struct list_head list;
    char *path;              /* canonical: "/local/domain/5/x" or "@releaseDomain" */
    char *token;
    size_t prefix_len;       /* bytes stripped from event paths (relative watches) */
};

static size_t watch_memory(const struct watch *w)
{
    return strlen(w->path) + strlen(w->token);
}

static void watch_free(struct connection *c, struct watch *w)
{
    list_del(&w->list);
    c->nwatches--;
    domain_account(c->domid, 0, -(long)watch_memory(w));
    if (!c->privileged)
        persist_watches_changed(c->domid); /* guests' watches are saved */
    free(w->path);
    free(w->token);
    free(w);
}

void watch_conn_drop_all(struct connection *c)
{
    while (!list_empty(&c->watches))
        watch_free(c, list_entry(c->watches.next, struct watch, list));
}

/* Xen's watch_permitted(): the watcher may read the node (or could before
 * a permission change), or may read its parent. */
static bool watch_permitted(const struct connection *w, const char *name, const struct node *node,
                            const struct perm *old_perms, unsigned int old_nperms,
                            uint64_t old_gen)
{
    if (w->privileged)
        return true;
    if (old_perms && (perms_for_conn(w, old_perms, old_nperms, old_gen) & PERM_READ))
        return true;
    if (!node)
        node = store_get(name);
    if (!node)
        return false;
    if (perms_for_conn_node(w, node) & PERM_READ)
        return true;
    char parent[PATH_BUF];
    path_parent(node->name, parent, sizeof(parent));
    const struct node *p = store_get(parent);
    return p && (perms_for_conn_node(w, p) & PERM_READ);
}

void watch_fire(struct connection *origin, const char *name, const struct node *node, bool exact,
                const struct perm *old_perms, unsigned int old_nperms, uint64_t old_gen)
{
    if (origin && origin->transaction) {
        transaction_queue_watch(origin->transaction, name, exact);
        return;
    }
    struct list_head *pos, *wpos;
    list_for_each(pos, core_connections()) {
        struct connection *w = list_entry(pos, struct connection, list);
        if (list_empty(&w->watches) ||
            !watch_permitted(w, name, node, old_perms, old_nperms, old_gen))
            continue;
        list_for_each(wpos, &w->watches) {
            struct watch *watch = list_entry(wpos, struct watch, list);
            bool match = exact ? strcmp(name, watch->path) == 0 : path_is_child(name, watch->path);
            if (match)
                send_event(w, name + watch->prefix_len, watch->token);
        }
    }
}

void watch_fire_special(const char *name)
{
    const struct node *n = store_get(name);
    if (!n) {
        log_info("special node %s missing", name);
        return;
    }
    watch_fire(NULL, name, n, true, NULL, 0, 0);
}

/* WATCH and UNWATCH take exactly "path\0token\0" (4.17 has no depth). */
static int watch_args(struct connection *c, const struct request *r, char *path, bool *relative,
                      const char **token)
{
    const char *vec[2];
    if (req_strings(r, vec, 2) != 2)
        return EINVAL;
    int err = node_canonicalize(c, vec[0], true, path, PATH_BUF);
    if (err)
        return err;
    *relative = vec[0][0] != '/' && vec[0][0] != '@';
    *token = vec[1];
    return 0;
}

int watch_do_watch(struct connection *c, const struct request *r)
{
    char path[PATH_BUF];
    const char *token;
    bool relative;
    int err = watch_args(c, r, path, &relative, &token);
    if (err)
        return err;

    struct list_head *pos;
    list_for_each(pos, &c->watches) {
        struct watch *w = list_entry(pos, struct watch, list);
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
            return EEXIST;
    }
    /* 4.17 compares before counting the new watch, so one more than the
     * quota gets through; the next is E2BIG. */
    if (!c->privileged && c->nwatches > quota_get(QUOTA_WATCHES))
        return E2BIG;
    size_t mem = strlen(path) + strlen(token);
    if (!c->privileged && domain_memory(c->domid) + mem > quota_get(QUOTA_MEMORY))
        return ENOMEM;

    struct watch *w = calloc(1, sizeof(*w));
    if (!w)
        return ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        free(w);
        return ENOMEM;
    }
    if (relative) {
        char base[64];
        domain_path(c->domid, base, sizeof(base));
        w->prefix_len = strlen(base) + 1;
    }
    list_add_tail(&w->list, &c->watches);
    c->nwatches++;
    domain_account(c->domid, 0, (long)mem);
    if (!c->privileged)
        persist_watches_changed(c->domid); /* guests' watches are saved */

    reply_ok(c);
    /* The first firing, straight after the OK and whatever the watcher may
     * read: "we fire once up front: simplifies clients and restart". */
    send_event(c, w->path + w->prefix_len, w->token);
    return 0;
}

int watch_do_unwatch(struct connection *c, const struct request *r)
{
    char path[PATH_BUF];
    const char *token;
    bool relative;
    int err = watch_args(c, r, path, &relative, &token);
    if (err)
        return err;
    struct list_head *pos;
    list_for_each(pos, &c->watches) {
        struct watch *w = list_entry(pos, struct watch, list);
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
            watch_free(c, w);
            reply_ok(c);
            return 0;
        }
    }
    return ENOENT;
}

int watch_do_reset_watches(struct connection *c, const struct request *r)
{
    (void)r;
    watch_conn_drop_all(c);
    transaction_conn_drop_all(c);
    reply_ok(c);
    return 0;
}

void watch_conn_foreach(const struct connection *c,
                        void (*fn)(void *arg, const char *path, const char *token,
                                   size_t prefix_len),
                        void *arg)
{
    struct list_head *pos;
    list_for_each(pos, &c->watches) {
        const struct watch *w = list_entry(pos, struct watch, list);
        fn(arg, w->path, w->token, w->prefix_len);
    }
}

int watch_restore(struct connection *c, const char *path, const char *token, size_t prefix_len)
{
    struct watch *w = calloc(1, sizeof(*w));
    if (!w)
        return ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token || prefix_len > strlen(path)) {
        free(w->path);
        free(w->token);
        free(w);
        return ENOMEM;
    }
    w->prefix_len = prefix_len;
    list_add_tail(&w->list, &c->watches);
    c->nwatches++;
    domain_account(c->domid, 0, (long)watch_memory(w));
    send_event(c, w->path + w->prefix_len, w->token);
    return 0;
}
