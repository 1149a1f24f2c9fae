/*
 * store.h - the tree: every node by its full path, with its value, its
 * permissions, its children's names and a generation count.
 *
 * Layout as in C xenstored: a flat table from path to node, and each node
 * lists its children's base names NUL-separated in creation order (which is
 * the order DIRECTORY returns; a re-created child goes to the end). The
 * generation count comes from one global counter, bumped on every change,
 * so "has this node changed since I looked?" is one comparison: it drives
 * transaction conflicts, DIRECTORY_PART's <gencnt> and stale permissions.
 *
 * The store is the committed, global state. Transactions keep their own
 * copies (transaction.c) and write here only at commit. Nodes handed out by
 * store_get() belong to the store: copy before changing.
 *
 * Special nodes "@introduceDomain" and "@releaseDomain" live in the same
 * table (they carry the permissions for their watches) but are nobody's
 * child.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any canonical path: a request payload is at most
 * XENSTORE_PAYLOAD_MAX (4096) bytes, and a relative path gains a
 * "/local/domain/<domid>/" prefix. */
#define PATH_BUF 4200

/* Generation of a node that does not exist (transaction bookkeeping). */
#define NO_GENERATION UINT64_MAX

/* Access bits; the values are Xen's XS_PERM_* (xenstore_lib.h). */
#define PERM_NONE 0x00
#define PERM_READ 0x01
#define PERM_WRITE 0x02
#define PERM_OWNER 0x08  /* only in perms_for_conn() results */
#define PERM_IGNORE 0x10 /* entry names a domain that no longer exists */

struct perm {
    unsigned int domid;
    unsigned int access;
};

struct node {
    char *name;          /* "/local/domain/1/name", "/" or "@releaseDomain" */
    uint64_t generation;
    unsigned int nperms; /* >= 1: perms[0] is the owner and everyone's default */
    struct perm *perms;
    unsigned int datalen;
    char *data;          /* raw bytes, no terminator */
    unsigned int childlen;
    char *children;      /* "a\0b\0", creation order */
};

/* Creates the tree C xenstored starts with: "/", "/tool", "/tool/xenstored"
 * and the two special nodes, owned by dom0 with "n0". 0 or -ENOMEM. */
int store_init(void);
void store_fini(void);

/* The committed node at name, or NULL. */
const struct node *store_get(const char *name);
/* Inserts or replaces node, taking ownership (also on failure). Updates the
 * owners' node and memory accounting. 0 or -ENOMEM. */
int store_put(struct node *node);
/* Removes one node (not its children). */
void store_remove(const char *name);
size_t store_count(void);
/* Removes every node (persist.c, before restoring a saved tree). 0 or
 * -ENOMEM (nothing removed). */
int store_clear(void);

/* Generation counter: next value, and the last one handed out. */
uint64_t store_new_generation(void);
uint64_t store_generation(void);
/* Restores the counter of a saved store. */
void store_set_generation(uint64_t gen);

/* Node helpers. node_new returns an empty node with no permissions. */
struct node *node_new(const char *name);
struct node *node_dup(const struct node *n);
void node_free(struct node *n);
int node_set_data(struct node *n, const void *data, unsigned int len);
int node_set_perms(struct node *n, const struct perm *perms, unsigned int nperms);
int node_add_child(struct node *n, const char *base);
/* false if base is not a child of n. */
bool node_del_child(struct node *n, const char *base);
bool node_has_child(const struct node *n, const char *base);

static inline unsigned int node_owner(const struct node *n)
{
    return n->perms[0].domid;
}

/* The size Xen checks against the node-size quota: a 24-byte record
 * header, 8 bytes per permission, the value and the children's names. */
size_t node_size(const struct node *n);
/* What the node costs its owner against the memory quota. */
size_t node_memory(const struct node *n);

/* Path helpers for canonical paths ("/" or "/a/b"). */
const char *path_basename(const char *path);
/* Writes the parent of path ("/" for "/a"); path must not be "/". */
void path_parent(const char *path, char *parent, size_t size);
/* child is parent or below it (every path is below "/"). */
bool path_is_child(const char *child, const char *parent);

#endif
