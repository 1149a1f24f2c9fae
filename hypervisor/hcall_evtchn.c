/*
 * hcall_evtchn.c - __HYPERVISOR_event_channel_op (xen-abi.md 4.4): decode
 * each op's struct, check the domain it names, call evtchn.c, copy the OUT
 * fields back.
 */
#include <errno.h>

#include "domain.h"
#include "evtchn.h"
#include "hypercall.h"

/* A guest may only name itself. As on Xen the domain is looked up before
 * the permission check: one that does not exist is -ESRCH, another
 * domain -EPERM. */
static int check_dom(struct hcall_ctx *c, domid_t dom)
{
    if (dom == DOMID_SELF || dom == c->d->domid)
        return 0;
    domains_read_lock();
    bool exists = domain_evtchn_peer(dom) != NULL;
    domains_read_unlock();
    return exists ? -EPERM : -ESRCH;
}

static long op_alloc_unbound(struct hcall_ctx *c, uint64_t arg)
{
    struct evtchn_alloc_unbound a;
    COPY_IN(c, arg, a);
    int rc = check_dom(c, a.dom);
    if (rc < 0)
        return rc;
    rc = evtchn_alloc_unbound(c->d, a.remote_dom, &a.port);
    return rc < 0 ? rc : COPY_OUT(c, arg, a);
}

static long op_bind_interdomain(struct hcall_ctx *c, uint64_t arg)
{
    struct evtchn_bind_interdomain b;
    COPY_IN(c, arg, b);
    int rc = evtchn_bind_interdomain(c->d, b.remote_dom, b.remote_port, &b.local_port);
    return rc < 0 ? rc : COPY_OUT(c, arg, b);
}

static long op_bind_virq(struct hcall_ctx *c, uint64_t arg)
{
    struct evtchn_bind_virq b;
    COPY_IN(c, arg, b);
    int rc = evtchn_bind_virq(c->d, b.virq, b.vcpu, &b.port);
    return rc < 0 ? rc : COPY_OUT(c, arg, b);
}

static long op_bind_ipi(struct hcall_ctx *c, uint64_t arg)
{
    struct evtchn_bind_ipi b;
    COPY_IN(c, arg, b);
    int rc = evtchn_bind_ipi(c->d, b.vcpu, &b.port);
    return rc < 0 ? rc : COPY_OUT(c, arg, b);
}

static long op_status(struct hcall_ctx *c, uint64_t arg)
{
    struct evtchn_status st;
    COPY_IN(c, arg, st);
    int rc = check_dom(c, st.dom);
    if (rc < 0)
        return rc;
    rc = evtchn_status(c->d, st.port, &st);
    return rc < 0 ? rc : COPY_OUT(c, arg, st);
}

long hcall_event_channel_op(struct hcall_ctx *c, const uint64_t *args)
{
    uint64_t cmd = args[0], arg = args[1];
    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(c, arg);
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(c, arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(c, arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(c, arg);
    case EVTCHNOP_status:
        return op_status(c, arg);
    case EVTCHNOP_close: {
        struct evtchn_close cl;
        COPY_IN(c, arg, cl);
        return evtchn_close(c->d, cl.port);
    }
    case EVTCHNOP_send: {
        struct evtchn_send s;
        COPY_IN(c, arg, s);
        return evtchn_send(c->d, s.port);
    }
    case EVTCHNOP_bind_vcpu: {
        struct evtchn_bind_vcpu b;
        COPY_IN(c, arg, b);
        return evtchn_bind_vcpu(c->d, b.port, b.vcpu);
    }
    case EVTCHNOP_unmask: {
        struct evtchn_unmask u;
        COPY_IN(c, arg, u);
        return evtchn_unmask(c->d, u.port);
    }
    case EVTCHNOP_reset: {
        struct evtchn_reset r;
        COPY_IN(c, arg, r);
        int rc = check_dom(c, r.dom);
        if (rc < 0)
            return rc;
        evtchn_reset(c->d);
        return 0;
    }
    case EVTCHNOP_init_control:
    case EVTCHNOP_expand_array:
    case EVTCHNOP_set_priority:
        return -ENOSYS; /* FIFO ABI: guests fall back to 2-level, quietly */
    default:
        return hcall_unimplemented(c, "event_channel_op cmd", cmd);
    }
}
