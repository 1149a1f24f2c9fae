/*
 * perms.h - node permissions as Xen defines them (xenstore.txt, Xen
 * core.c perm_for_conn()).
 *
 * A node's list starts with its owner, whose letter is also the access of
 * every domain not listed later: "n0 r5" is owned by dom0, readable by
 * domain 5, hidden from everyone else. The owner always has full access
 * and is the only one (with Dom0) who may change the list. An entry naming
 * a domain that has gone since the node was written is ignored (XSA-322),
 * so a new domain reusing the id inherits nothing.
 */
#ifndef XS_PERMS_H
#define XS_PERMS_H

#include <stddef.h>
#include <stdint.h>

#include "connection.h"
#include "store.h"

/* Parses count permission strings ("b5", "r0x10", "n0") that follow each
 * other NUL-terminated in strings, as Xen's xenstore_strings_to_perms()
 * does: a letter n/r/w/b, then a number in C syntax that must fill the
 * rest of the string. 0 or -EINVAL. */
int perms_parse(const char *strings, unsigned int count, struct perm *out);

/* Writes one permission as its wire string ("b5", domid printed signed as
 * Xen does) with its NUL; returns the length including the NUL, or 0 if
 * size is too small. */
size_t perm_format(const struct perm *p, char *buf, size_t size);

/* The access c has to a node with these permissions, written at
 * generation gen: a mask of PERM_READ, PERM_WRITE and PERM_OWNER.
 * Privileged connections, the owner and a domain whose SET_TARGET is the
 * owner get everything; otherwise the first entry naming c's domain (or
 * its target) and not ignored decides, else the owner's letter. */
unsigned int perms_for_conn(const struct connection *c, const struct perm *perms,
                            unsigned int nperms, uint64_t gen);

static inline unsigned int perms_for_conn_node(const struct connection *c, const struct node *n)
{
    return perms_for_conn(c, n->perms, n->nperms, n->generation);
}

/* Marks the entries of n (after the owner) that name a domain which did
 * not exist when n was last written: they get PERM_IGNORE for good. Done
 * on every copy read from the store, before the copy is changed and
 * written with a new generation. */
void perms_mark_stale(struct node *n);

#endif
