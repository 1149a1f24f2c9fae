/*
 * domain.h - what xenstored knows about domains: which are introduced,
 * their store ring (gfn, event channel port), SET_TARGET, and how much of
 * the store each one owns (the node and memory quotas).
 *
 * Guest I/O arrives with the ring transport, which another part of
 * Xenolith provides once event channels and grant maps exist: it fills a
 * struct domain_transport (map the ring, bind the port, create the
 * connection) and installs it with domain_set_transport(). Until then
 * INTRODUCE records the domain and answers OK, fires @introduceDomain,
 * and IS_DOMAIN_INTRODUCED says T; the domain simply has no connection.
 *
 * Whether a domain exists at all (for SET_PERMS owners) is another seam:
 * domain_set_exists_hook(). Without a hook every domid below
 * DOMID_FIRST_RESERVED counts as existing.
 */
#ifndef XS_DOMAIN_H
#define XS_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "store.h"

struct domain {
    unsigned int domid;
    /* The store generation when xenstored learnt of the domain: a
     * permission entry naming it on a node written before is stale. */
    uint64_t generation;
    bool introduced;
    bool shutdown;       /* @releaseDomain already fired for a shutdown */
    uint64_t gfn;        /* INTRODUCE's ring frame (Xen maps grant 1 or this) */
    unsigned int port;   /* INTRODUCE's event channel in the guest */
    unsigned int target; /* SET_TARGET, or XS_DOMID_INVALID */
    struct connection *conn; /* the ring connection, set by the transport */
    void *ring;          /* the transport's state */
};

struct domain_transport {
    /* INTRODUCE of a new domain: map its ring (d->gfn), bind d->port,
     * create d->conn with conn_new(..., d->domid, ...). 0 or -errno; on
     * failure the domain is not introduced. */
    int (*attach)(struct domain *d);
    /* INTRODUCE of an introduced domain: rebind to the (new) d->port and
     * reset the connection, as Xen does (watches and transactions go). */
    int (*reattach)(struct domain *d);
    /* RELEASE or death: close d->conn (conn_close), unbind, unmap. */
    void (*detach)(struct domain *d);
};

/* Creates the record of dom0, introduced. 0 or -ENOMEM. */
int domain_init(void);
void domain_fini(void);

void domain_set_transport(const struct domain_transport *t);
void domain_set_exists_hook(bool (*exists)(unsigned int domid));

/* The record of domid, or NULL. */
struct domain *domain_find(unsigned int domid);
bool domain_is_introduced(unsigned int domid);

/* Accounting, called by store.c for every committed node and by watch.c
 * for watches: nodes owned, and bytes of nodes and watches. */
void domain_account(unsigned int domid, int nodes, long memory);
unsigned int domain_nodes(unsigned int domid);
size_t domain_memory(unsigned int domid);

/* A permission entry naming domid on a node written at generation gen
 * still counts: the domain is known and was known before gen. */
bool domain_perm_valid(unsigned int domid, uint64_t gen);
/* For SET_PERMS (Xen's domain_alloc_permrefs()): entries naming domains
 * that do not exist get PERM_IGNORE; existing ones get a record. Returns
 * 0, -ENOENT if the owner (perms[0]) does not exist, or -ENOMEM. */
int domain_check_perms(struct perm *perms, unsigned int n);

/* persist.c: recreates or updates the record of saved->domid from a saved
 * one (generation, introduced, shutdown, gfn, port, target). 0 or -ENOMEM. */
int domain_restore(const struct domain *saved);
/* persist.c, once the transport is installed: attaches every introduced
 * guest's ring again. A guest whose ring cannot be served (it died while
 * xenstored was down) keeps its record without a connection and is
 * logged; the toolstack releases it as usual. */
void domain_attach_restored(void);

/* Events from the hypervisor, for its later integration: a domain shut
 * down (fires @releaseDomain once, until RESUME) or died (released). */
void domain_shutdown_seen(unsigned int domid);
void domain_died(unsigned int domid);

/* Request handlers (dom0 only except GET_DOMAIN_PATH). */
int domain_do_introduce(struct connection *c, const struct request *r);
int domain_do_release(struct connection *c, const struct request *r);
int domain_do_resume(struct connection *c, const struct request *r);
int domain_do_is_introduced(struct connection *c, const struct request *r);
int domain_do_get_domain_path(struct connection *c, const struct request *r);
int domain_do_set_target(struct connection *c, const struct request *r);

/* "/local/domain/<domid>": relative paths of a connection start here. */
void domain_path(unsigned int domid, char *buf, size_t size);

#endif
