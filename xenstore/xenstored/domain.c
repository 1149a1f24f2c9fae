/*
 * domain.c - domain records, INTRODUCE/RELEASE and friends, and the
 * per-domain accounting behind the node and memory quotas.
 *
 * Records live in a table indexed by domid (ids are below
 * DOMID_FIRST_RESERVED). A record exists for dom0, for every introduced
 * domain, and for every domain named in a SET_PERMS; RELEASE removes the
 * domain's nodes and its record, so permission entries naming it become
 * stale (domain_perm_valid()). Accounting is kept apart from records: it
 * follows what the store holds, whoever is introduced.
 */
#include "domain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node.h"
#include "persist.h"
#include "watch.h"

static struct domain **domains; /* [XS_DOMID_FIRST_RESERVED] */

static struct {
    unsigned int nodes;
    size_t memory;
} *acc; /* [XS_DOMID_FIRST_RESERVED] */

static const struct domain_transport *transport;
static bool (*exists_hook)(unsigned int domid);

void domain_set_transport(const struct domain_transport *t)
{
    transport = t;
}

void domain_set_exists_hook(bool (*exists)(unsigned int domid))
{
    exists_hook = exists;
}

static bool domain_exists(unsigned int domid)
{
    if (domid >= XS_DOMID_FIRST_RESERVED)
        return false;
    if (domains && domains[domid])
        return true;
    return exists_hook ? exists_hook(domid) : true;
}

struct domain *domain_find(unsigned int domid)
{
    return domid < XS_DOMID_FIRST_RESERVED && domains ? domains[domid] : NULL;
}

bool domain_is_introduced(unsigned int domid)
{
    struct domain *d = domain_find(domid);
    return d && d->introduced;
}

static struct domain *domain_alloc(unsigned int domid)
{
    struct domain *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    /* Nodes written from now on have a larger generation; any node that
     * names this domid and is older names a previous domain. (Xen takes
     * the current count without bumping it; then a node written last
     * before a domid is reused would still count for the new domain.) */
    d->generation = store_new_generation();
    d->target = XS_DOMID_INVALID;
    domains[domid] = d;
    persist_domain_changed(domid);
    return d;
}

static void domain_free(struct domain *d)
{
    unsigned int domid = d->domid;
    domains[domid] = NULL;
    free(d);
    persist_domain_changed(domid);
}

int domain_restore(const struct domain *saved)
{
    struct domain *d = domain_find(saved->domid);
    if (!d && !(d = domain_alloc(saved->domid)))
        return -ENOMEM;
    d->generation = saved->generation;
    d->introduced = saved->introduced;
    d->shutdown = saved->shutdown;
    d->gfn = saved->gfn;
    d->port = saved->port;
    d->target = saved->target;
    return 0;
}

void domain_attach_restored(void)
{
    for (unsigned int domid = 1; domid < XS_DOMID_FIRST_RESERVED; domid++) {
        struct domain *d = domains[domid];
        if (!d || !d->introduced || d->conn || !transport || !transport->attach)
            continue;
        int err = transport->attach(d);
        if (err < 0) {
            log_info("d%u: restored, but its ring cannot be served: %s", domid, strerror(-err));
            continue;
        }
        if (d->conn && d->target != XS_DOMID_INVALID)
            d->conn->target = d->target;
        log_info("d%u: ring attached again (gfn %#" PRIx64 ", port %u)", domid, d->gfn, d->port);
    }
}

void domain_path(unsigned int domid, char *buf, size_t size)
{
    snprintf(buf, size, "/local/domain/%u", domid);
}

/* ---- accounting ------------------------------------------------------------ */

void domain_account(unsigned int domid, int nodes, long memory)
{
    if (domid >= XS_DOMID_FIRST_RESERVED || !acc)
        return;
    if (nodes < 0 && acc[domid].nodes < (unsigned int)-nodes)
        acc[domid].nodes = 0;
    else
        acc[domid].nodes += (unsigned int)nodes;
    if (memory < 0 && acc[domid].memory < (size_t)-memory)
        acc[domid].memory = 0;
    else
        acc[domid].memory += (size_t)memory;
}

unsigned int domain_nodes(unsigned int domid)
{
    return domid < XS_DOMID_FIRST_RESERVED && acc ? acc[domid].nodes : 0;
}

size_t domain_memory(unsigned int domid)
{
    return domid < XS_DOMID_FIRST_RESERVED && acc ? acc[domid].memory : 0;
}

bool domain_perm_valid(unsigned int domid, uint64_t gen)
{
    struct domain *d = domain_find(domid);
    return d && d->generation <= gen;
}

int domain_check_perms(struct perm *perms, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        unsigned int domid = perms[i].domid;
        if (domain_find(domid))
            continue;
        if (!domain_exists(domid))
            perms[i].access |= PERM_IGNORE;
        else if (!domain_alloc(domid))
            return -ENOMEM;
    }
    return (perms[0].access & PERM_IGNORE) ? -ENOENT : 0;
}

/* ---- lifecycle --------------------------------------------------------------- */

int domain_init(void)
{
    domains = calloc(XS_DOMID_FIRST_RESERVED, sizeof(*domains));
    acc = calloc(XS_DOMID_FIRST_RESERVED, sizeof(*acc));
    if (!domains || !acc) {
        domain_fini();
        return -ENOMEM;
    }
    struct domain *dom0 = domain_alloc(0);
    if (!dom0) {
        domain_fini();
        return -ENOMEM;
    }
    /* Dom0 talks over the socket; C xenstored introduces it at start. */
    dom0->introduced = true;
    return 0;
}

void domain_fini(void)
{
    if (domains)
        for (unsigned int i = 0; i < XS_DOMID_FIRST_RESERVED; i++)
            free(domains[i]);
    free(domains);
    free(acc);
    domains = NULL;
    acc = NULL;
    transport = NULL;
    exists_hook = NULL;
}

/* Xen's destroy_domain(): the domain's connection goes (watches first, so
 * the removal of its nodes fires nothing at it), its nodes go, then
 * @releaseDomain fires. */
static void domain_release(struct domain *d)
{
    unsigned int domid = d->domid;
    if (d->conn)
        watch_conn_drop_all(d->conn);
    if (transport && transport->detach)
        transport->detach(d);
    else if (d->conn)
        conn_close(d->conn, "domain released", 0);
    d->conn = NULL;
    node_remove_domain_nodes(domid);
    domain_free(d);
    log_info("d%u: released", domid);
    watch_fire_special("@releaseDomain");
}

void domain_shutdown_seen(unsigned int domid)
{
    struct domain *d = domain_find(domid);
    if (!d || !d->introduced || d->shutdown)
        return;
    d->shutdown = true;
    persist_domain_changed(domid);
    watch_fire_special("@releaseDomain");
}

void domain_died(unsigned int domid)
{
    struct domain *d = domain_find(domid);
    if (d && d->introduced && domid != 0)
        domain_release(d);
}

/* ---- handlers ---------------------------------------------------------------- */

/* The one domid argument of RELEASE and RESUME (Xen's onearg_domain()):
 * dom0 is EINVAL, a domain not introduced ENOENT. */
static int onearg_domain(const struct request *r, struct domain **out)
{
    const char *s = req_onearg(r);
    if (!s)
        return EINVAL;
    unsigned int domid = (unsigned int)xs_atoi(s);
    if (domid == 0)
        return EINVAL;
    struct domain *d = domain_find(domid);
    if (!d || !d->introduced)
        return ENOENT;
    *out = d;
    return 0;
}

int domain_do_introduce(struct connection *c, const struct request *r)
{
    const char *vec[3];
    if (req_strings(r, vec, 3) < 3)
        return EINVAL;
    int domid = xs_atoi(vec[0]);
    /* The gfn is "signed decimal" in xenstore.txt; C xenstored ignores it
     * and maps grant 1. We keep it for the ring transport. */
    uint64_t gfn = strtoull(vec[1], NULL, 10);
    int port = xs_atoi(vec[2]);
    if (port <= 0)
        return EINVAL;
    if (domid < 0 || (unsigned int)domid >= XS_DOMID_FIRST_RESERVED)
        return EINVAL;

    struct domain *d = domain_find((unsigned int)domid);
    if (d && d->introduced) {
        /* Xen re-binds the event channel and resets the connection. */
        d->port = (unsigned int)port;
        d->gfn = gfn;
        if (transport && transport->reattach) {
            int err = transport->reattach(d);
            if (err < 0)
                return -err;
        }
        persist_domain_changed(d->domid);
        log_info("d%d: introduced again, port %d", domid, port);
        reply_ok(c);
        return 0;
    }
    if (!d && !(d = domain_alloc((unsigned int)domid)))
        return ENOMEM;
    d->gfn = gfn;
    d->port = (unsigned int)port;
    d->shutdown = false;
    if (transport && transport->attach) {
        int err = transport->attach(d);
        if (err < 0) {
            log_info("d%d: INTRODUCE failed: %s", domid, strerror(-err));
            return -err;
        }
    }
    /* Without a ring transport the domain is known but has no connection
     * yet: guest I/O arrives with the ring transport. */
    d->introduced = true;
    persist_domain_changed(d->domid);
    log_info("d%d: introduced, gfn %#" PRIx64 " port %d%s", domid, gfn, port,
             transport ? "" : " (no ring transport yet)");
    watch_fire_special("@introduceDomain");
    reply_ok(c);
    return 0;
}

int domain_do_release(struct connection *c, const struct request *r)
{
    struct domain *d;
    int err = onearg_domain(r, &d);
    if (err)
        return err;
    domain_release(d);
    reply_ok(c);
    return 0;
}

int domain_do_resume(struct connection *c, const struct request *r)
{
    struct domain *d;
    int err = onearg_domain(r, &d);
    if (err)
        return err;
    d->shutdown = false;
    persist_domain_changed(d->domid);
    reply_ok(c);
    return 0;
}

int domain_do_is_introduced(struct connection *c, const struct request *r)
{
    const char *s = req_onearg(r);
    if (!s)
        return EINVAL;
    unsigned int domid = (unsigned int)xs_atoi(s);
    bool yes = domid == XS_DOMID_SELF || domain_is_introduced(domid);
    reply(c, XS_IS_DOMAIN_INTRODUCED, yes ? "T" : "F", 2);
    return 0;
}

int domain_do_get_domain_path(struct connection *c, const struct request *r)
{
    const char *s = req_onearg(r);
    if (!s)
        return EINVAL;
    /* Not validated, as in Xen: "abc" is domain 0. */
    char path[64];
    domain_path((unsigned int)xs_atoi(s), path, sizeof(path));
    reply(c, XS_GET_DOMAIN_PATH, path, (unsigned int)strlen(path) + 1);
    return 0;
}

int domain_do_set_target(struct connection *c, const struct request *r)
{
    const char *vec[2];
    if (req_strings(r, vec, 2) < 2)
        return EINVAL;
    struct domain *d = domain_find((unsigned int)xs_atoi(vec[0]));
    struct domain *t = domain_find((unsigned int)xs_atoi(vec[1]));
    if (!d || !d->introduced || !t || !t->introduced)
        return ENOENT;
    d->target = t->domid;
    if (d->conn)
        d->conn->target = t->domid;
    persist_domain_changed(d->domid);
    log_info("d%u: targets d%u", d->domid, t->domid);
    reply_ok(c);
    return 0;
}
