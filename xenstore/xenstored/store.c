/*
 * store.c - the committed tree (see store.h) and the node helpers every
 * module uses to build changed copies of nodes.
 *
 * The table owns its nodes. Each put or remove updates the owner's node
 * count and memory (domain_account()), so the quotas see exactly what is
 * committed; transactions are accounted when they commit.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "hash.h"
#include "persist.h"

static struct hash *nodes;
static uint64_t generation;

uint64_t store_new_generation(void)
{
    return ++generation;
}

uint64_t store_generation(void)
{
    return generation;
}

void store_set_generation(uint64_t gen)
{
    generation = gen;
}

/* ---- node helpers ------------------------------------------------------ */

struct node *node_new(const char *name)
{
    struct node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = strdup(name);
    if (!n->name) {
        free(n);
        return NULL;
    }
    return n;
}

void node_free(struct node *n)
{
    if (!n)
        return;
    free(n->name);
    free(n->perms);
    free(n->data);
    free(n->children);
    free(n);
}

/* malloc(0) may return NULL; a zero-length field is stored as NULL. */
static int dup_bytes(char **dst, const void *src, size_t len)
{
    char *p = NULL;
    if (len) {
        p = malloc(len);
        if (!p)
            return -ENOMEM;
        memcpy(p, src, len);
    }
    free(*dst);
    *dst = p;
    return 0;
}

struct node *node_dup(const struct node *n)
{
    struct node *c = node_new(n->name);
    if (!c)
        return NULL;
    c->generation = n->generation;
    if (node_set_perms(c, n->perms, n->nperms) < 0 || node_set_data(c, n->data, n->datalen) < 0 ||
        dup_bytes(&c->children, n->children, n->childlen) < 0) {
        node_free(c);
        return NULL;
    }
    c->childlen = n->childlen;
    return c;
}

int node_set_data(struct node *n, const void *data, unsigned int len)
{
    if (dup_bytes(&n->data, data, len) < 0)
        return -ENOMEM;
    n->datalen = len;
    return 0;
}

int node_set_perms(struct node *n, const struct perm *perms, unsigned int nperms)
{
    struct perm *p = calloc(nperms ? nperms : 1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    memcpy(p, perms, nperms * sizeof(*p));
    free(n->perms);
    n->perms = p;
    n->nperms = nperms;
    return 0;
}

/* Byte offset of base in n's children list, or -1. */
static long child_offset(const struct node *n, const char *base)
{
    size_t blen = strlen(base) + 1;
    for (size_t off = 0; off < n->childlen;) {
        size_t len = strnlen(n->children + off, n->childlen - off) + 1;
        if (len == blen && memcmp(n->children + off, base, blen) == 0)
            return (long)off;
        off += len;
    }
    return -1;
}

bool node_has_child(const struct node *n, const char *base)
{
    return child_offset(n, base) >= 0;
}

int node_add_child(struct node *n, const char *base)
{
    size_t blen = strlen(base) + 1;
    char *c = realloc(n->children, n->childlen + blen);
    if (!c)
        return -ENOMEM;
    memcpy(c + n->childlen, base, blen);
    n->children = c;
    n->childlen += (unsigned int)blen;
    return 0;
}

bool node_del_child(struct node *n, const char *base)
{
    long off = child_offset(n, base);
    if (off < 0)
        return false;
    size_t blen = strlen(base) + 1;
    memmove(n->children + off, n->children + off + blen, n->childlen - (size_t)off - blen);
    n->childlen -= (unsigned int)blen;
    if (!n->childlen) {
        free(n->children);
        n->children = NULL;
    }
    return true;
}

size_t node_size(const struct node *n)
{
    /* Xen 4.17 stores a node as a record header {u64 generation; u32
     * num_perms, datalen, childlen} (24 bytes with padding), then 8 bytes
     * per permission, the value and the children's names; that total is
     * what node-size limits. */
    return 24 + (size_t)n->nperms * 8 + n->datalen + n->childlen;
}

size_t node_memory(const struct node *n)
{
    return node_size(n) + strlen(n->name);
}

/* ---- paths --------------------------------------------------------------- */

const char *path_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void path_parent(const char *path, char *parent, size_t size)
{
    /* As Xen's get_parent(): no '/' after the first character means the
     * parent is the root; that includes the special "@..." names. */
    const char *s = path[0] ? strrchr(path + 1, '/') : NULL;
    if (!s) {
        snprintf(parent, size, "/");
        return;
    }
    size_t len = (size_t)(s - path);
    if (len >= size)
        len = size - 1;
    memcpy(parent, path, len);
    parent[len] = '\0';
}

bool path_is_child(const char *child, const char *parent)
{
    size_t len = strlen(parent);
    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, len) == 0 && (child[len] == '/' || child[len] == '\0');
}

/* ---- the table ----------------------------------------------------------- */

static void account(const struct node *n, int sign)
{
    domain_account(node_owner(n), sign, sign * (long)node_memory(n));
}

const struct node *store_get(const char *name)
{
    return nodes ? hash_get(nodes, name) : NULL;
}

int store_put(struct node *node)
{
    void *old;
    if (hash_put(nodes, node->name, node, &old) < 0) {
        node_free(node);
        return -ENOMEM;
    }
    if (old) {
        account(old, -1);
        node_free(old);
    }
    account(node, 1);
    persist_node_changed(node->name);
    return 0;
}

void store_remove(const char *name)
{
    struct node *old = hash_del(nodes, name);
    if (old) {
        persist_node_removed(name); /* name may be old's */
        account(old, -1);
        node_free(old);
    }
}

size_t store_count(void)
{
    return nodes ? hash_count(nodes) : 0;
}

/* One initial node: owned by dom0, nobody else may read it ("n0"). */
static int initial_node(const char *name, const char *child)
{
    const struct perm owner = {.domid = 0, .access = PERM_NONE};
    struct node *n = node_new(name);
    if (!n || node_set_perms(n, &owner, 1) < 0 || (child && node_add_child(n, child) < 0)) {
        node_free(n);
        return -ENOMEM;
    }
    n->generation = store_new_generation();
    return store_put(n);
}

int store_init(void)
{
    nodes = hash_new();
    if (!nodes)
        return -ENOMEM;
    /* C xenstored's setup_structure(): the toolstack creates /local and
     * /vm later; xenstored itself starts with only these. */
    if (initial_node("/", "tool") < 0 || initial_node("/tool", "xenstored") < 0 ||
        initial_node("/tool/xenstored", NULL) < 0 || initial_node("@releaseDomain", NULL) < 0 ||
        initial_node("@introduceDomain", NULL) < 0) {
        store_fini();
        return -ENOMEM;
    }
    return 0;
}

static void free_node(void *n)
{
    node_free(n);
}

static void unaccount_free_node(void *n)
{
    account(n, -1);
    node_free(n);
}

int store_clear(void)
{
    struct hash *empty = hash_new();
    if (!empty)
        return -ENOMEM;
    hash_free(nodes, unaccount_free_node);
    nodes = empty;
    persist_mark_dirty();
    return 0;
}

void store_fini(void)
{
    hash_free(nodes, free_node);
    nodes = NULL;
    generation = 0;
}
