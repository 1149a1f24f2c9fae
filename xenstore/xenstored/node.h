/*
 * node.h - the data operations a client sees: READ, WRITE, MKDIR, RM,
 * DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS, and the node access
 * underneath them, which applies path rules, permissions, the current
 * transaction and the quotas, with Xen's semantics (core.c there).
 *
 * Errors a client can get, as C xenstored gives them:
 *   EINVAL  malformed payload or path (characters outside A-Za-z0-9-/_@,
 *           "//", a trailing '/', too long, "@" where not allowed), RM /
 *   ENOENT  no such node, and the caller may read (write) its nearest
 *           existing ancestor; RM of a node whose parent is missing too
 *   EACCES  no permission, or no such node and the ancestor is closed
 *   ENOSPC  nodes / node-size / node-permissions / transaction-nodes quota
 *   ENOMEM  memory quota
 *   E2BIG   a reply (a DIRECTORY list) over XENSTORE_PAYLOAD_MAX
 *   EPERM   SET_PERMS by a guest that tries to give its node away
 */
#ifndef XS_NODE_H
#define XS_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "core.h"

/* Turns a client's path into the canonical absolute one: relative paths
 * are under /local/domain/<domid> (Dom0's socket clients too, as in Xen).
 * allow_special admits "@name". 0 or EINVAL. */
int node_canonicalize(const struct connection *c, const char *path, bool allow_special, char *out,
                      size_t size);

/* Removes every node domid owns, with its subtree (RELEASE, as Xen's
 * domain_tree_remove()); watches fire for them. */
void node_remove_domain_nodes(unsigned int domid);

int node_do_read(struct connection *c, const struct request *r);
int node_do_write(struct connection *c, const struct request *r);
int node_do_mkdir(struct connection *c, const struct request *r);
int node_do_rm(struct connection *c, const struct request *r);
int node_do_directory(struct connection *c, const struct request *r);
int node_do_directory_part(struct connection *c, const struct request *r);
int node_do_get_perms(struct connection *c, const struct request *r);
int node_do_set_perms(struct connection *c, const struct request *r);

#endif
