/*
 * node.c - the data operations and the node access under them (node.h).
 *
 * Every handler works on private copies of nodes: fetch() returns a copy
 * as the connection sees it (through its transaction, if any), the
 * handler changes the copy and put_node() stores it with a new
 * generation, either in the store or in the transaction. Checks (path,
 * permission, quota) all happen before the first store, so a refused
 * request changes nothing.
 */
#include "node.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "perms.h"
#include "quota.h"
#include "store.h"
#include "transaction.h"
#include "watch.h"

/* xenstored acting for itself (RELEASE removing a domain's nodes):
 * privileged, outside any transaction, on no connection list. */
static struct connection internal = {
    .domid = 0,
    .target = XS_DOMID_INVALID,
    .privileged = true,
    .name = "xenstored",
};

/* ---- paths ----------------------------------------------------------------- */

static bool valid_chars(const char *s)
{
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "abcdefghijklmnopqrstuvwxyz"
                     "0123456789-/_@") == strlen(s);
}

/* Length of a "/local/domain/<id>/" prefix, which the path-max quota does
 * not count (Xen: sscanf "/local/domain/%5u/%n"), else 0. */
static size_t local_prefix(const char *path)
{
    static const char pre[] = "/local/domain/";
    const size_t plen = sizeof(pre) - 1;
    if (strncmp(path, pre, plen) != 0)
        return 0;
    const char *p = path + plen;
    size_t w = 0, digits = 0;
    if (p[0] == '-' || p[0] == '+')
        w++;
    while (w < 5 && p[w] >= '0' && p[w] <= '9') {
        w++;
        digits++;
    }
    return digits && p[w] == '/' ? plen + w + 1 : 0;
}

int node_canonicalize(const struct connection *c, const char *path, bool allow_special, char *out,
                      size_t size)
{
    if (!path || !valid_chars(path) || (path[0] == '@' && !allow_special))
        return EINVAL;
    int n;
    if (path[0] != '/' && path[0] != '@') {
        char base[64];
        domain_path(c->domid, base, sizeof(base));
        n = snprintf(out, size, "%s/%s", base, path);
    } else {
        n = snprintf(out, size, "%s", path);
    }
    if (n < 0 || (size_t)n >= size)
        return EINVAL;
    size_t len = (size_t)n;
    /* No trailing '/' except "/" itself, no "//", and the length limit,
     * which 4.17 applies to Dom0 as well. */
    if ((len > 1 && out[len - 1] == '/') || strstr(out, "//") ||
        len - local_prefix(out) > quota_get(QUOTA_PATH_MAX))
        return EINVAL;
    return 0;
}

static char *child_path(const char *parent, const char *base)
{
    size_t plen = strcmp(parent, "/") == 0 ? 0 : strlen(parent);
    size_t blen = strlen(base);
    char *s = malloc(plen + 1 + blen + 1);
    if (!s)
        return NULL;
    memcpy(s, parent, plen);
    s[plen] = '/';
    memcpy(s + plen + 1, base, blen + 1);
    return s;
}

/* ---- access through a connection ------------------------------------------ */

/* A private copy of name as c sees it, or NULL if absent. 0 or errno. */
static int fetch(struct connection *c, const char *name, struct node **out)
{
    const struct node *n;
    *out = NULL;
    if (c->transaction) {
        int err = transaction_read(c->transaction, c, name, &n);
        if (err)
            return -err;
    } else {
        n = store_get(name);
    }
    if (!n)
        return 0;
    struct node *copy = node_dup(n);
    if (!copy)
        return ENOMEM;
    perms_mark_stale(copy);
    *out = copy;
    return 0;
}

/* Gives n its new generation (before any copy is taken for watches). */
static void stamp(struct node *n)
{
    n->generation = store_new_generation();
}

/* Stores n (ownership passes) as c's change. 0 or errno. */
static int put_node(struct connection *c, struct node *n)
{
    if (c->transaction) {
        int err = transaction_write(c->transaction, c, n);
        return err ? -err : 0;
    }
    return store_put(n) < 0 ? ENOMEM : 0;
}

static int erase_node(struct connection *c, const char *name)
{
    if (c->transaction) {
        int err = transaction_delete(c->transaction, c, name);
        return err ? -err : 0;
    }
    store_remove(name);
    return 0;
}

/* Xen's errno_from_parents(): a missing or forbidden node must not tell
 * a client what it may not know. If c has perm on the nearest existing
 * ancestor, err stands (ENOENT says "not there"); otherwise EACCES. */
static int errno_from_parents(struct connection *c, const char *name, int err, unsigned int perm)
{
    char p[PATH_BUF], q[PATH_BUF];
    struct node *n = NULL;
    snprintf(p, sizeof(p), "%s", name);
    while (strcmp(p, "/") != 0) {
        path_parent(p, q, sizeof(q));
        memcpy(p, q, sizeof(p));
        int e = fetch(c, p, &n);
        if (e)
            return e;
        if (n)
            break;
    }
    if (!n)
        return EACCES;
    unsigned int have = perms_for_conn_node(c, n);
    node_free(n);
    return (have & perm) ? err : EACCES;
}

/* The node at canonical name if c has perm on it; else ENOENT or EACCES
 * as errno_from_parents() decides, and *out is NULL. */
static int get_node(struct connection *c, const char *name, unsigned int perm, struct node **out)
{
    struct node *n;
    int err = fetch(c, name, &n);
    *out = NULL;
    if (err)
        return err;
    if (n && (perms_for_conn_node(c, n) & perm) == perm) {
        *out = n;
        return 0;
    }
    err = n ? EACCES : ENOENT;
    node_free(n);
    return errno_from_parents(c, name, err, perm);
}

/* ---- quotas (unprivileged connections only) -------------------------------- */

static unsigned int nodes_owned(const struct connection *c)
{
    long n = (long)domain_nodes(c->domid);
    if (c->transaction)
        n += transaction_node_delta(c->transaction, c->domid);
    return n < 0 ? 0 : (unsigned int)n;
}

static int check_size(const struct connection *c, const struct node *n)
{
    return !c->privileged && node_size(n) > quota_get(QUOTA_NODE_SIZE) ? ENOSPC : 0;
}

/* Memory charged to c's own domain grows by add bytes. Committed nodes
 * only: a transaction is checked against the node quotas, not memory. */
static int check_memory(const struct connection *c, long add)
{
    if (c->privileged || c->transaction || add <= 0)
        return 0;
    return (size_t)add + domain_memory(c->domid) > quota_get(QUOTA_MEMORY) ? ENOMEM : 0;
}

static long memory_delta(const struct connection *c, const struct node *before,
                         const struct node *after)
{
    long d = 0;
    if (before && node_owner(before) == c->domid)
        d -= (long)node_memory(before);
    if (after && node_owner(after) == c->domid)
        d += (long)node_memory(after);
    return d;
}

/* ---- creation and removal --------------------------------------------------- */

/* Creates name with data and its missing ancestors with empty values
 * (Xen's construct_node()/create_node()). Each new node inherits its
 * parent's permissions; an unprivileged creator becomes the owner. On
 * success *created is a copy of the new node (for watches). */
static int create_node(struct connection *c, const char *name, const void *data,
                       unsigned int len, struct node **created)
{
    size_t namelen = strlen(name);
    size_t *cuts = malloc((namelen / 2 + 2) * sizeof(*cuts));
    struct node **news = calloc(namelen / 2 + 2, sizeof(*news));
    struct node *parent = NULL, *before = NULL;
    size_t k = 0;
    int err = ENOMEM;
    char cur[PATH_BUF], up[PATH_BUF];
    if (!cuts || !news)
        goto out;

    /* Walk up to the nearest existing ancestor; each missing node is a
     * prefix of name, remembered by its length. */
    snprintf(cur, sizeof(cur), "%s", name);
    cuts[k++] = namelen;
    for (;;) {
        path_parent(cur, up, sizeof(up));
        err = fetch(c, up, &parent);
        if (err)
            goto out;
        if (parent)
            break;
        if (strcmp(up, "/") == 0) {
            log_info("%s: the root node is missing", c->name);
            err = EIO;
            goto out;
        }
        cuts[k++] = strlen(up);
        memcpy(cur, up, sizeof(cur));
    }

    /* Xen checks "owns >= nodes" before each new node. */
    err = ENOSPC;
    if (!c->privileged && nodes_owned(c) + k > quota_get(QUOTA_NODES))
        goto out;

    /* Build the new nodes top-down in memory: news[k-1] is the topmost. */
    err = ENOMEM;
    before = node_dup(parent);
    if (!before)
        goto out;
    for (size_t i = k; i-- > 0;) {
        struct node *up_node = i + 1 < k ? news[i + 1] : parent;
        memcpy(cur, name, cuts[i]);
        cur[cuts[i]] = '\0';
        struct node *n = node_new(cur);
        if (!n)
            goto out;
        news[i] = n;
        if (node_set_perms(n, up_node->perms, up_node->nperms) < 0 ||
            node_add_child(up_node, path_basename(cur)) < 0)
            goto out;
        if (!c->privileged)
            n->perms[0].domid = c->domid;
        if (i == 0 && node_set_data(n, data, len) < 0)
            goto out;
    }

    long mem = memory_delta(c, before, parent);
    for (size_t i = 0; i < k; i++) {
        if ((err = check_size(c, news[i])) != 0)
            goto out;
        mem += memory_delta(c, NULL, news[i]);
    }
    if ((err = check_size(c, parent)) != 0 || (err = check_memory(c, mem)) != 0)
        goto out;

    /* Store bottom-up, the existing parent last: until it is written the
     * new nodes are unreachable, so a failure can be undone. */
    for (size_t i = 0; i < k; i++)
        stamp(news[i]);
    stamp(parent);
    *created = node_dup(news[0]);
    if (!*created) {
        err = ENOMEM;
        goto out;
    }
    if (c->transaction)
        transaction_node_created(c->transaction);
    size_t stored = 0;
    for (; stored < k; stored++) {
        struct node *n = news[stored];
        news[stored] = NULL;
        if ((err = put_node(c, n)) != 0)
            break;
    }
    if (!err) {
        err = put_node(c, parent);
        parent = NULL;
    }
    if (err) {
        for (size_t i = 0; i < stored; i++) {
            memcpy(cur, name, cuts[i]);
            cur[cuts[i]] = '\0';
            erase_node(c, cur);
        }
        if (c->transaction)
            transaction_fail(c->transaction);
        node_free(*created);
        *created = NULL;
    }

out:
    if (news)
        for (size_t i = 0; i < k; i++)
            node_free(news[i]);
    node_free(parent);
    node_free(before);
    free(news);
    free(cuts);
    return err;
}

struct frame {
    struct node *n;
    unsigned int off; /* next child in n->children */
};

/* Removes name and its subtree (Xen's rm_node()): children before their
 * parents; each removed node fires the watches on exactly it, the root
 * fires the watches on it and its ancestors. Then the parent forgets it. */
static int rm_node(struct connection *c, const char *name)
{
    char pname[PATH_BUF];
    struct node *parent, *root;
    path_parent(name, pname, sizeof(pname));
    int err = fetch(c, pname, &parent);
    if (err)
        return err;
    if (!parent)
        return EINVAL;
    if ((err = fetch(c, name, &root)) != 0 || !root) {
        node_free(parent);
        return err ? err : ENOENT;
    }

    size_t depth = 0, cap = 16;
    struct frame *stack = malloc(cap * sizeof(*stack));
    if (!stack) {
        node_free(root);
        node_free(parent);
        return ENOMEM;
    }
    stack[depth++] = (struct frame){.n = root};
    while (depth) {
        struct frame *top = &stack[depth - 1];
        if (top->off < top->n->childlen) {
            const char *base = top->n->children + top->off;
            top->off += (unsigned int)strlen(base) + 1;
            char *cname = child_path(top->n->name, base);
            struct node *child = NULL;
            err = cname ? fetch(c, cname, &child) : ENOMEM;
            free(cname);
            if (err)
                break;
            if (!child) /* listed but missing: nothing to remove */
                continue;
            if (depth == cap) {
                struct frame *s = realloc(stack, cap * 2 * sizeof(*stack));
                if (!s) {
                    node_free(child);
                    err = ENOMEM;
                    break;
                }
                stack = s;
                cap *= 2;
            }
            stack[depth++] = (struct frame){.n = child};
            continue;
        }
        struct node *n = top->n;
        depth--;
        err = erase_node(c, n->name);
        if (!err)
            watch_fire(c, n->name, n, strcmp(n->name, name) != 0, NULL, 0, 0);
        node_free(n);
        if (err)
            break;
    }
    while (depth)
        node_free(stack[--depth].n);
    free(stack);

    if (!err) {
        if (!node_del_child(parent, path_basename(name)))
            log_info("%s: %s was not listed in %s", c->name, path_basename(name), pname);
        stamp(parent);
        err = put_node(c, parent);
        parent = NULL;
    } else if (c->transaction) {
        transaction_fail(c->transaction);
    }
    node_free(parent);
    return err;
}

/* ---- handlers -------------------------------------------------------------- */

int node_do_read(struct connection *c, const struct request *r)
{
    char name[PATH_BUF];
    struct node *n;
    int err = node_canonicalize(c, req_onearg(r), false, name, sizeof(name));
    if (err || (err = get_node(c, name, PERM_READ, &n)) != 0)
        return err;
    reply(c, XS_READ, n->data, n->datalen);
    node_free(n);
    return 0;
}

int node_do_write(struct connection *c, const struct request *r)
{
    const char *vec[1];
    char name[PATH_BUF];
    struct node *n;
    /* "path\0value": the value may hold NULs and has no terminator. */
    if (req_strings(r, vec, 1) < 1)
        return EINVAL;
    unsigned int off = (unsigned int)strlen(vec[0]) + 1;
    const char *data = r->data + off;
    unsigned int len = r->len - off;
    int err = node_canonicalize(c, vec[0], false, name, sizeof(name));
    if (err)
        return err;
    err = get_node(c, name, PERM_WRITE, &n);
    if (err == ENOENT) {
        err = create_node(c, name, data, len, &n);
        if (err)
            return err;
    } else if (err) {
        return err;
    } else {
        struct node *before = node_dup(n);
        if (!before || node_set_data(n, data, len) < 0) {
            node_free(before);
            node_free(n);
            return ENOMEM;
        }
        err = check_size(c, n);
        if (!err)
            err = check_memory(c, memory_delta(c, before, n));
        node_free(before);
        if (err) {
            node_free(n);
            return err;
        }
        stamp(n);
        struct node *copy = node_dup(n);
        if (!copy) {
            node_free(n);
            return ENOMEM;
        }
        if ((err = put_node(c, n)) != 0) {
            node_free(copy);
            return err;
        }
        n = copy;
    }
    watch_fire(c, name, n, false, NULL, 0, 0);
    node_free(n);
    reply_ok(c);
    return 0;
}

int node_do_mkdir(struct connection *c, const struct request *r)
{
    char name[PATH_BUF];
    struct node *n;
    int err = node_canonicalize(c, req_onearg(r), false, name, sizeof(name));
    if (err)
        return err;
    err = get_node(c, name, PERM_WRITE, &n);
    if (err == ENOENT) {
        /* Only a creation fires; an existing node keeps its value. */
        if ((err = create_node(c, name, NULL, 0, &n)) != 0)
            return err;
        watch_fire(c, name, n, false, NULL, 0, 0);
    } else if (err) {
        return err;
    }
    node_free(n);
    reply_ok(c);
    return 0;
}

int node_do_rm(struct connection *c, const struct request *r)
{
    char name[PATH_BUF], pname[PATH_BUF];
    struct node *n;
    int err = node_canonicalize(c, req_onearg(r), false, name, sizeof(name));
    if (err)
        return err;
    err = get_node(c, name, PERM_WRITE, &n);
    if (err == ENOENT) {
        /* Removing what is not there is fine if the parent exists. */
        path_parent(name, pname, sizeof(pname));
        if ((err = fetch(c, pname, &n)) != 0)
            return err;
        if (!n)
            return ENOENT;
        node_free(n);
        reply_ok(c);
        return 0;
    }
    if (err)
        return err;
    node_free(n);
    if (strcmp(name, "/") == 0)
        return EINVAL;
    if ((err = rm_node(c, name)) != 0)
        return err;
    reply_ok(c);
    return 0;
}

int node_do_directory(struct connection *c, const struct request *r)
{
    char name[PATH_BUF];
    struct node *n;
    int err = node_canonicalize(c, req_onearg(r), false, name, sizeof(name));
    if (err || (err = get_node(c, name, PERM_READ, &n)) != 0)
        return err;
    /* Over XENSTORE_PAYLOAD_MAX this is E2BIG; libxenstore then falls
     * back on DIRECTORY_PART. */
    reply(c, XS_DIRECTORY, n->children, n->childlen);
    node_free(n);
    return 0;
}

int node_do_directory_part(struct connection *c, const struct request *r)
{
    char name[PATH_BUF];
    struct node *n;
    const char *vec[2];
    /* "path\0offset\0": exactly two NULs in the payload. */
    if (req_count_nuls(r) != 2 || req_strings(r, vec, 2) != 2)
        return EINVAL;
    int err = node_canonicalize(c, vec[0], false, name, sizeof(name));
    if (err || (err = get_node(c, name, PERM_READ, &n)) != 0)
        return err;
    unsigned int off = (unsigned int)xs_atoi(vec[1]);

    /* Reply: "<generation>\0" then the children from byte offset off of
     * the list; the chunk holding the last child gets an extra "\0" so the
     * client knows it is complete. */
    char buf[XENSTORE_PAYLOAD_MAX];
    int g = snprintf(buf, sizeof(buf), "%" PRIu64, n->generation);
    unsigned int genlen = (unsigned int)g + 1;
    unsigned int len = 0;
    if (off >= n->childlen) {
        buf[genlen] = '\0';
        reply(c, XS_DIRECTORY_PART, buf, genlen + 1);
        node_free(n);
        return 0;
    }
    unsigned int maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
    const char *child = n->children + off;
    while (len + strlen(child) < maxlen) {
        len += (unsigned int)strlen(child) + 1;
        child += strlen(child) + 1;
        if (off + len == n->childlen)
            break;
    }
    memcpy(buf + genlen, n->children + off, len);
    if (off + len == n->childlen)
        buf[genlen + len++] = '\0';
    reply(c, XS_DIRECTORY_PART, buf, genlen + len);
    node_free(n);
    return 0;
}

int node_do_get_perms(struct connection *c, const struct request *r)
{
    char name[PATH_BUF];
    struct node *n;
    int err = node_canonicalize(c, req_onearg(r), true, name, sizeof(name));
    if (err || (err = get_node(c, name, PERM_READ, &n)) != 0)
        return err;
    char buf[XENSTORE_PAYLOAD_MAX + 32];
    unsigned int len = 0;
    for (unsigned int i = 0; i < n->nperms && len < XENSTORE_PAYLOAD_MAX; i++)
        len += (unsigned int)perm_format(&n->perms[i], buf + len, sizeof(buf) - len);
    node_free(n);
    reply(c, XS_GET_PERMS, buf, len);
    return 0;
}

int node_do_set_perms(struct connection *c, const struct request *r)
{
    char name[PATH_BUF];
    struct node *n = NULL, *copy = NULL;
    struct perm *perms = NULL, *old = NULL;
    unsigned int count = req_count_nuls(r);
    /* "path\0perm\0perm\0...": at least one permission. */
    if (count < 2)
        return EINVAL;
    unsigned int nperms = count - 1;
    if (!c->privileged && nperms > quota_get(QUOTA_NODE_PERMS))
        return ENOSPC;
    perms = calloc(nperms, sizeof(*perms));
    if (!perms)
        return ENOMEM;
    int err = EINVAL;
    if (perms_parse(r->data + strlen(r->data) + 1, nperms, perms) < 0)
        goto out;
    /* Entries for domains that do not exist are kept but ignored; an
     * owner that does not exist is ENOENT (XSA-322). */
    if ((err = -domain_check_perms(perms, nperms)) != 0)
        goto out;
    if ((err = node_canonicalize(c, r->data, true, name, sizeof(name))) != 0)
        goto out;
    if ((err = get_node(c, name, PERM_WRITE | PERM_OWNER, &n)) != 0)
        goto out;
    /* A guest may change who reads its node, not give it away. */
    err = EPERM;
    if (!c->privileged && perms[0].domid != node_owner(n))
        goto out;
    err = ENOMEM;
    unsigned int old_n = n->nperms;
    uint64_t old_gen = n->generation;
    old = malloc(old_n * sizeof(*old));
    if (!old)
        goto out;
    memcpy(old, n->perms, old_n * sizeof(*old));
    struct node *before = node_dup(n);
    if (!before || node_set_perms(n, perms, nperms) < 0) {
        node_free(before);
        goto out;
    }
    err = check_size(c, n);
    if (!err)
        err = check_memory(c, memory_delta(c, before, n));
    node_free(before);
    if (err)
        goto out;
    stamp(n);
    copy = node_dup(n);
    if (!copy)
        goto out;
    err = put_node(c, n);
    n = NULL;
    if (err)
        goto out;
    watch_fire(c, name, copy, false, old, old_n, old_gen);
    reply_ok(c);
out:
    node_free(n);
    node_free(copy);
    free(old);
    free(perms);
    return err;
}

/* ---- RELEASE --------------------------------------------------------------- */

struct name_list {
    char **v;
    size_t n, cap;
};

static int name_push(struct name_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -ENOMEM;
    l->n++;
    return 0;
}

static void name_list_free(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

void node_remove_domain_nodes(unsigned int domid)
{
    /* First collect the topmost nodes domid owns (walking the committed
     * tree without changing it), then remove each with its subtree. */
    struct name_list todo = {0}, found = {0};
    if (name_push(&todo, "/") < 0)
        goto nomem;
    while (todo.n) {
        char *name = todo.v[--todo.n];
        const struct node *n = store_get(name);
        int err = 0;
        if (n && node_owner(n) == domid && strcmp(name, "/") != 0) {
            err = name_push(&found, name);
        } else if (n) {
            for (unsigned int off = 0; off < n->childlen && !err;) {
                const char *base = n->children + off;
                char *cname = child_path(name, base);
                err = cname ? name_push(&todo, cname) : -ENOMEM;
                free(cname);
                off += (unsigned int)strlen(base) + 1;
            }
        }
        free(name);
        if (err)
            goto nomem;
    }
    /* None of these lies below another: the walk does not descend into a
     * node the domain owns (its subtree goes with it, as in Xen). */
    for (size_t i = 0; i < found.n; i++)
        if (store_get(found.v[i]) && rm_node(&internal, found.v[i]) != 0)
            log_info("d%u: could not remove %s", domid, found.v[i]);
    /* The special nodes are not removed (nothing could recreate them);
     * if the domain owned one, it goes back to dom0. */
    static const char *const specials[] = {"@introduceDomain", "@releaseDomain"};
    for (size_t i = 0; i < 2; i++) {
        const struct node *s = store_get(specials[i]);
        struct node *copy;
        if (s && node_owner(s) == domid && (copy = node_dup(s))) {
            copy->perms[0].domid = 0;
            stamp(copy);
            store_put(copy);
        }
    }
    name_list_free(&todo);
    name_list_free(&found);
    return;
nomem:
    log_info("d%u: out of memory removing its nodes", domid);
    name_list_free(&todo);
    name_list_free(&found);
}
