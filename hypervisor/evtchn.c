/*
 * evtchn.c - the event-channel state machine and its delivery.
 *
 * Worked example, a frontend in d1 and a backend in d2 (or Dom0):
 *   d2: alloc_unbound(remote_dom=1)  -> d2 port 5, unbound, remote_dom 1
 *   d1: bind_interdomain(2, 5)       -> d1 port 3; both interdomain;
 *                                       d1 port 3 set pending (xen-abi 4.4)
 *   d1: send(3)                      -> d2 port 5 pending, d2 upcall
 *   d2: close(5)                     -> d1 port 3 reverts to unbound,
 *                                       remote_dom 2, and may be rebound
 */
#include "libxc/trace.h"
#include "evtchn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "domain.h"
#include "evtchn_kick.h"
#include "log.h"
#include "vcpu.h"
#include "xenolith/boot.h"
#include "xenolith/evtchn_2l.h"

int evtchn_init(struct domain *d)
{
    struct evtchn_table *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    pthread_mutex_init(&t->lock, NULL);
    for (unsigned i = 0; i < EVTCHN_MAX_PORTS; i++)
        t->port[i].notify_fd = -1;
    d->evtchn = t;
    return 0;
}

bool evtchn_virq_is_per_vcpu(uint32_t virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return true;
    default:
        return false;
    }
}

static bool port_valid(uint32_t port)
{
    return port > 0 && port < EVTCHN_MAX_PORTS;
}

static int alloc_port(struct evtchn_table *t, uint32_t *port)
{
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++) {
        if (t->port[p].state == EVTCHNSTAT_closed) {
            *port = p;
            return 0;
        }
    }
    return -ENOSPC;
}

/* A fresh port in `state`; Dom0 ports carry their eventfd and owner. */
static struct evtchn *init_port(struct evtchn_table *t, uint32_t port, uint8_t state, int fd,
                                uint32_t owner)
{
    struct evtchn *c = &t->port[port];
    memset(c, 0, sizeof(*c));
    c->state = state;
    c->notify_fd = fd;
    c->owner = owner;
    return c;
}

/*
 * The notify fast path: while guest port gport is connected to a Dom0
 * port, a guest `out` of gport to XL_EVTCHN_NOTIFY_PORT signals the Dom0
 * port's eventfd inside KVM.
 */
static void fastpath(struct domain *guest, uint32_t gport, int fd, bool assign)
{
    if (guest->domid == 0 || guest->vm_fd < 0 || fd < 0)
        return;
    struct kvm_ioeventfd io = {
        .datamatch = gport,
        .addr = XL_EVTCHN_NOTIFY_PORT,
        .len = 4,
        .fd = fd,
        .flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };
    if (ioctl(guest->vm_fd, KVM_IOEVENTFD, &io) < 0)
        log_warn("d%u: event channel %u fast notify %s", guest->domid, gport,
                 assign ? "not set up (the daemon will relay)" : "not removed");
}

/* Connects local port lp of d with port rp of rd (both tables locked). */
static void connect_ports(struct domain *d, uint32_t lp, struct domain *rd, uint32_t rp)
{
    struct evtchn *lc = &d->evtchn->port[lp], *rc = &rd->evtchn->port[rp];
    lc->state = rc->state = EVTCHNSTAT_interdomain;
    lc->remote_dom = (uint16_t)rd->domid;
    lc->remote_port = rp;
    rc->remote_dom = (uint16_t)d->domid;
    rc->remote_port = lp;
    if (d->domid == 0 && rd->domid != 0)
        fastpath(rd, rp, lc->notify_fd, true);
    else if (rd->domid == 0 && d->domid != 0)
        fastpath(d, lp, rc->notify_fd, true);
}

static bool vcpu_exists(struct domain *d, uint32_t vcpu)
{
    return d->domid == 0 ? vcpu == 0 : vcpu < d->nr_vcpus;
}

/* Delivers a pending port to its domain. Called with the port's table
 * locked (for a stable notify_vcpu and fd). */
static void deliver(struct domain *d, uint32_t port)
{
    struct evtchn *c = &d->evtchn->port[port];
    if (d->domid == 0) {
        if (c->notify_fd >= 0) {
            uint64_t one = 1;
            ssize_t w = write(c->notify_fd, &one, sizeof(one));
            (void)w; /* eventfd: fails only on counter overflow */
        }
        return;
    }
    struct vcpu *v = d->vcpus[c->notify_vcpu];
    bool newly = false;
    if (evtchn_2l_set_pending(d->shared, v->vcpu_info, port, &newly)) {
        xc_trace(XL_TR_UPCALL_INJECT, d->domid, 0, c->notify_vcpu, 0, port);
        vcpu_raise_upcall(v);
    }
    if (newly)
        domain_wake_pollers(d);
}

/* Locks the tables of a and b (which may be the same) in domid order. */
static void lock_pair(struct domain *a, struct domain *b)
{
    if (a == b) {
        pthread_mutex_lock(&a->evtchn->lock);
        return;
    }
    struct domain *first = a->domid < b->domid ? a : b;
    struct domain *second = first == a ? b : a;
    pthread_mutex_lock(&first->evtchn->lock);
    pthread_mutex_lock(&second->evtchn->lock);
}

static void unlock_pair(struct domain *a, struct domain *b)
{
    pthread_mutex_unlock(&a->evtchn->lock);
    if (a != b)
        pthread_mutex_unlock(&b->evtchn->lock);
}

static int alloc_unbound(struct domain *d, uint32_t remote_dom, int fd, uint32_t owner,
                         uint32_t *port)
{
    if (remote_dom == DOMID_SELF)
        remote_dom = d->domid;
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    int rc = alloc_port(t, port);
    if (rc == 0)
        init_port(t, *port, EVTCHNSTAT_unbound, fd, owner)->remote_dom = (uint16_t)remote_dom;
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int evtchn_alloc_unbound(struct domain *d, uint32_t remote_dom, uint32_t *port)
{
    return alloc_unbound(d, remote_dom, -1, 0, port);
}

static int bind_interdomain(struct domain *d, uint32_t remote_dom, uint32_t remote_port, int fd,
                            uint32_t owner, uint32_t *port)
{
    if (remote_dom == DOMID_SELF)
        remote_dom = d->domid;
    domains_read_lock();
    struct domain *rd = domain_evtchn_peer(remote_dom);
    if (!rd) {
        domains_read_unlock();
        return -ESRCH;
    }
    lock_pair(d, rd);
    int rc = -EINVAL;
    struct evtchn *rchan = port_valid(remote_port) ? &rd->evtchn->port[remote_port] : NULL;
    if (rchan && rchan->state == EVTCHNSTAT_unbound && rchan->remote_dom == d->domid)
        rc = alloc_port(d->evtchn, port);
    if (rc == 0) {
        init_port(d->evtchn, *port, EVTCHNSTAT_interdomain, fd, owner);
        connect_ports(d, *port, rd, remote_port);
        /* Xen sets the new local port pending: sends made while the peer
         * was unbound were dropped, so the binder must look once. */
        deliver(d, *port);
    }
    unlock_pair(d, rd);
    domains_read_unlock();
    return rc;
}

int evtchn_bind_interdomain(struct domain *d, uint32_t remote_dom, uint32_t remote_port,
                            uint32_t *port)
{
    return bind_interdomain(d, remote_dom, remote_port, -1, 0, port);
}

static int bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu, int fd, uint32_t owner,
                     uint32_t *port);

int evtchn_bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu, uint32_t *port)
{
    return bind_virq(d, virq, vcpu, -1, 0, port);
}

int evtchn_dom0_bind_virq(uint32_t virq, int notify_fd, uint32_t owner, uint32_t *port)
{
    if (virq < NR_VIRQS && evtchn_virq_is_per_vcpu(virq))
        return -EINVAL; /* Dom0 has no vCPUs of ours to time */
    return bind_virq(domain_dom0(), virq, 0, notify_fd, owner, port);
}

static int bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu, int fd, uint32_t owner,
                     uint32_t *port)
{
    if (virq >= NR_VIRQS)
        return -EINVAL;
    if (!evtchn_virq_is_per_vcpu(virq) && vcpu != 0)
        return -EINVAL;
    /* Global VIRQs belong to Dom0 (the host's services) as on Xen, where
     * the hardware domain owns them unless reassigned; ARGO is anyone's. */
    if (!evtchn_virq_is_per_vcpu(virq) && virq != VIRQ_ARGO && d->domid != 0)
        return -EBUSY;
    if (!vcpu_exists(d, vcpu))
        return -ENOENT;
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    int rc = t->virq_port[vcpu][virq] ? -EEXIST : alloc_port(t, port);
    if (rc == 0) {
        struct evtchn *c = init_port(t, *port, EVTCHNSTAT_virq, fd, owner);
        c->virq = virq;
        c->notify_vcpu = (uint16_t)vcpu;
        t->virq_port[vcpu][virq] = (uint16_t)*port;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int evtchn_bind_ipi(struct domain *d, uint32_t vcpu, uint32_t *port)
{
    if (!vcpu_exists(d, vcpu))
        return -ENOENT;
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    int rc = alloc_port(t, port);
    if (rc == 0) {
        struct evtchn *c = init_port(t, *port, EVTCHNSTAT_ipi, -1, 0);
        c->notify_vcpu = (uint16_t)vcpu;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

/* Frees a port of d whose table is locked; an interdomain peer (its table
 * locked too) reverts to unbound, reserved for d. */
static void free_port(struct domain *d, uint32_t port, struct domain *peer)
{
    struct evtchn *c = &d->evtchn->port[port];
    if (c->state == EVTCHNSTAT_virq) {
        uint32_t v = evtchn_virq_is_per_vcpu(c->virq) ? c->notify_vcpu : 0;
        if (d->evtchn->virq_port[v][c->virq] == port)
            d->evtchn->virq_port[v][c->virq] = 0;
    }
    if (c->state == EVTCHNSTAT_interdomain && peer) {
        struct evtchn *pc = &peer->evtchn->port[c->remote_port];
        if (d->domid == 0 && peer->domid != 0)
            fastpath(peer, c->remote_port, c->notify_fd, false);
        else if (peer->domid == 0 && d->domid != 0)
            fastpath(d, port, pc->notify_fd, false);
        pc->state = EVTCHNSTAT_unbound;
        pc->remote_dom = (uint16_t)d->domid;
        pc->remote_port = 0;
    }
    if (d->domid != 0)
        evtchn_2l_clear_pending(d->shared, port);
    else
        evtchn_kick_remove(port);
    if (c->notify_fd >= 0)
        close(c->notify_fd);
    c->state = EVTCHNSTAT_closed;
    c->notify_vcpu = 0;
    c->notify_fd = -1;
    c->owner = 0;
}

int evtchn_close(struct domain *d, uint32_t port)
{
    if (!port_valid(port))
        return -EINVAL;
    domains_read_lock();
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    struct evtchn *c = &t->port[port];
    if (c->state == EVTCHNSTAT_closed) {
        pthread_mutex_unlock(&t->lock);
        domains_read_unlock();
        return -EINVAL;
    }
    struct domain *peer = NULL;
    if (c->state == EVTCHNSTAT_interdomain) {
        uint32_t pd = c->remote_dom;
        pthread_mutex_unlock(&t->lock);
        peer = domain_evtchn_peer(pd);
        if (peer)
            lock_pair(d, peer);
        else
            pthread_mutex_lock(&t->lock);
        /* Re-check: the port may have changed while unlocked. */
        if (c->state != EVTCHNSTAT_interdomain || c->remote_dom != pd) {
            if (peer)
                unlock_pair(d, peer);
            else
                pthread_mutex_unlock(&t->lock);
            domains_read_unlock();
            return evtchn_close(d, port);
        }
        free_port(d, port, peer);
        if (peer)
            unlock_pair(d, peer);
        else
            pthread_mutex_unlock(&t->lock);
    } else {
        free_port(d, port, NULL);
        pthread_mutex_unlock(&t->lock);
    }
    domains_read_unlock();
    return 0;
}

int evtchn_send(struct domain *d, uint32_t port)
{
    if (!port_valid(port))
        return -EINVAL;
    domains_read_lock();
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    struct evtchn c = t->port[port];
    int rc = 0;
    switch (c.state) {
    case EVTCHNSTAT_ipi:
        deliver(d, port);
        break;
    case EVTCHNSTAT_unbound:
        break; /* dropped, as on Xen; bind_interdomain will mark it */
    case EVTCHNSTAT_interdomain:
        pthread_mutex_unlock(&t->lock);
        {
            struct domain *rd = domain_evtchn_peer(c.remote_dom);
            if (rd) {
                pthread_mutex_lock(&rd->evtchn->lock);
                struct evtchn *rc_chan = &rd->evtchn->port[c.remote_port];
                /* Deliver only if the peer still points back at us. */
                if (rc_chan->state == EVTCHNSTAT_interdomain && rc_chan->remote_dom == d->domid &&
                    rc_chan->remote_port == port)
                    deliver(rd, c.remote_port);
                pthread_mutex_unlock(&rd->evtchn->lock);
            }
        }
        domains_read_unlock();
        return 0;
    default:
        rc = -EINVAL;
    }
    pthread_mutex_unlock(&t->lock);
    domains_read_unlock();
    return rc;
}

int evtchn_status(struct domain *d, uint32_t port, struct evtchn_status *st)
{
    if (port >= EVTCHN_MAX_PORTS)
        return -EINVAL;
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    struct evtchn *c = &t->port[port];
    st->status = c->state;
    st->vcpu = c->notify_vcpu;
    memset(&st->u, 0, sizeof(st->u));
    if (c->state == EVTCHNSTAT_unbound)
        st->u.unbound.dom = c->remote_dom;
    else if (c->state == EVTCHNSTAT_interdomain) {
        st->u.interdomain.dom = c->remote_dom;
        st->u.interdomain.port = c->remote_port;
    } else if (c->state == EVTCHNSTAT_virq)
        st->u.virq = c->virq;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

int evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu)
{
    if (!vcpu_exists(d, vcpu))
        return -ENOENT;
    if (!port_valid(port))
        return -EINVAL;
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    struct evtchn *c = &t->port[port];
    int rc = 0;
    switch (c->state) {
    case EVTCHNSTAT_unbound:
    case EVTCHNSTAT_interdomain:
        c->notify_vcpu = (uint16_t)vcpu;
        break;
    case EVTCHNSTAT_virq:
        if (evtchn_virq_is_per_vcpu(c->virq)) {
            rc = -EINVAL;
            break;
        }
        /* A global VIRQ stays bound in vCPU 0's table, as on Xen; only
         * the vCPU it notifies moves. */
        c->notify_vcpu = (uint16_t)vcpu;
        break;
    default:
        rc = -EINVAL;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int evtchn_unmask(struct domain *d, uint32_t port)
{
    if (port >= EVTCHN_MAX_PORTS || d->domid == 0)
        return -EINVAL;
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    struct vcpu *v = d->vcpus[t->port[port].notify_vcpu];
    if (evtchn_2l_unmask(d->shared, v->vcpu_info, port))
        vcpu_raise_upcall(v);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void evtchn_reset(struct domain *d)
{
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++) {
        pthread_mutex_lock(&d->evtchn->lock);
        bool used = d->evtchn->port[p].state != EVTCHNSTAT_closed;
        pthread_mutex_unlock(&d->evtchn->lock);
        if (used)
            evtchn_close(d, p);
    }
}

int evtchn_restore_port(struct domain *d, uint32_t port, uint8_t state, uint32_t notify_vcpu,
                        uint32_t remote_dom, uint32_t virq)
{
    if (!port_valid(port) || !vcpu_exists(d, notify_vcpu) || remote_dom > DOMID_FIRST_RESERVED)
        return -EINVAL;
    if (state == EVTCHNSTAT_virq && (virq >= NR_VIRQS || !evtchn_virq_is_per_vcpu(virq)))
        return -EINVAL;
    if (state != EVTCHNSTAT_unbound && state != EVTCHNSTAT_interdomain &&
        state != EVTCHNSTAT_virq && state != EVTCHNSTAT_ipi)
        return -EINVAL;
    struct evtchn_table *t = d->evtchn;
    int rc = 0;
    pthread_mutex_lock(&t->lock);
    if (t->port[port].state != EVTCHNSTAT_closed ||
        (state == EVTCHNSTAT_virq && t->virq_port[notify_vcpu][virq])) {
        rc = -EINVAL;
    } else {
        uint8_t st = state == EVTCHNSTAT_interdomain ? EVTCHNSTAT_unbound : state;
        struct evtchn *c = init_port(t, port, st, -1, 0);
        c->notify_vcpu = (uint16_t)notify_vcpu;
        if (st == EVTCHNSTAT_unbound)
            c->remote_dom = (uint16_t)remote_dom;
        if (st == EVTCHNSTAT_virq) {
            c->virq = virq;
            t->virq_port[notify_vcpu][virq] = (uint16_t)port;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

void evtchn_destroy(struct domain *d)
{
    if (!d->evtchn)
        return;
    evtchn_reset(d);
    pthread_mutex_destroy(&d->evtchn->lock);
    free(d->evtchn);
    d->evtchn = NULL;
}

void evtchn_raise_virq(struct domain *d, uint32_t vcpu, uint32_t virq)
{
    if (!d || !d->evtchn || vcpu >= XLCTL_MAX_VCPUS || virq >= NR_VIRQS)
        return; /* e.g. Dom0's table before the daemon made it */
    if (!evtchn_virq_is_per_vcpu(virq))
        vcpu = 0; /* global VIRQs are kept in vCPU 0's table */
    struct evtchn_table *t = d->evtchn;
    pthread_mutex_lock(&t->lock);
    uint32_t port = t->virq_port[vcpu][virq];
    if (port)
        deliver(d, port);
    pthread_mutex_unlock(&t->lock);
}

int evtchn_dom0_alloc_unbound(uint32_t remote_dom, int notify_fd, uint32_t owner, uint32_t *port)
{
    domains_read_lock();
    struct domain *rd = domain_by_id(remote_dom);
    domains_read_unlock();
    if (!rd)
        return -ESRCH; /* Dom0 offers ports to guests that exist */
    return alloc_unbound(domain_dom0(), remote_dom, notify_fd, owner, port);
}

int evtchn_dom0_bind_interdomain(uint32_t remote_dom, uint32_t remote_port, int notify_fd,
                                 uint32_t owner, uint32_t *port)
{
    return bind_interdomain(domain_dom0(), remote_dom, remote_port, notify_fd, owner, port);
}

/* Whether Dom0 port `port` exists and belongs to owner. */
static int check_owner(uint32_t port, uint32_t owner)
{
    struct domain *dom0 = domain_dom0();
    if (!port_valid(port))
        return -EINVAL;
    pthread_mutex_lock(&dom0->evtchn->lock);
    struct evtchn *c = &dom0->evtchn->port[port];
    int rc = c->state == EVTCHNSTAT_closed ? -EINVAL : c->owner != owner ? -EPERM : 0;
    pthread_mutex_unlock(&dom0->evtchn->lock);
    return rc;
}

int evtchn_dom0_close(uint32_t port, uint32_t owner)
{
    int rc = check_owner(port, owner);
    return rc < 0 ? rc : evtchn_close(domain_dom0(), port);
}

int evtchn_dom0_send(uint32_t port, uint32_t owner)
{
    int rc = check_owner(port, owner);
    return rc < 0 ? rc : evtchn_send(domain_dom0(), port);
}

void evtchn_dom0_close_owned(uint32_t owner)
{
    struct domain *dom0 = domain_dom0();
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS; p++) {
        pthread_mutex_lock(&dom0->evtchn->lock);
        bool mine = dom0->evtchn->port[p].state != EVTCHNSTAT_closed &&
                    dom0->evtchn->port[p].owner == owner;
        pthread_mutex_unlock(&dom0->evtchn->lock);
        if (mine)
            evtchn_close(dom0, p);
    }
}
