/*
 * hcall_vcpu.c - __HYPERVISOR_vcpu_op (xen-abi.md 3.6) and set_timer_op
 * (3.5): vCPU state, vcpu_info placement and timers.
 */
#include <errno.h>

#include "domain.h"
#include "hypercall.h"
#include "vcpu.h"
#include "vtime.h"

/* Xen replaces absurd deadlines with now + 100 ms (set_timer_op). */
#define TIMER_SLOP_NS (100ull * 1000000ull)
#define TIMER_FAR_NS (1ull << 50)

static long register_vcpu_info(struct hcall_ctx *c, struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info r;
    if (hcall_copy_from(c, &r, arg, sizeof(r)) < 0)
        return -EFAULT;
    /* 64 bytes, 8-aligned, within one page (Xen: -ENXIO). */
    if (r.offset & 7 || r.offset > 4096 - sizeof(struct vcpu_info))
        return -ENXIO;
    if (r.mfn > (UINT64_MAX >> 12) || !guest_mem_is_ram(&c->d->mem, r.mfn << 12))
        return -EINVAL;
    struct vcpu_info *vi = guest_mem_gpa(&c->d->mem, (r.mfn << 12) + r.offset, sizeof(*vi));
    if (!vi)
        return -EINVAL;
    struct domain *d = c->d;
    pthread_mutex_lock(&d->lock);
    if (v->vcpu_info_moved) {
        pthread_mutex_unlock(&d->lock);
        return -EBUSY;
    }
    /* Xen copies the current contents, then forces a full rescan. */
    *vi = *v->vcpu_info;
    __atomic_store_n(&vi->evtchn_pending_sel, ~(xen_ulong_t)0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    v->vcpu_info = vi;
    v->vcpu_info_moved = true;
    pthread_mutex_unlock(&d->lock);
    vtime_update_pvclock(v);
    return 0;
}

static long singleshot(struct hcall_ctx *c, struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_singleshot_timer t;
    if (hcall_copy_from(c, &t, arg, sizeof(t)) < 0)
        return -EFAULT;
    if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < vtime_now_ns())
        return -ETIME; /* as Xen 4.17 */
    vtime_set_singleshot(v, t.timeout_abs_ns ? t.timeout_abs_ns : 1);
    return 0;
}

static long periodic(struct hcall_ctx *c, struct vcpu *v, uint64_t arg)
{
    struct vcpu_set_periodic_timer t;
    if (hcall_copy_from(c, &t, arg, sizeof(t)) < 0)
        return -EFAULT;
    if (t.period_ns < 1000000ull)
        return -EINVAL; /* Xen: at least 1 ms */
    vtime_set_periodic(v, t.period_ns);
    return 0;
}

/* VCPUOP_initialise: once, on a vCPU that is not up. */
static long initialise(struct hcall_ctx *c, struct vcpu *v, uint64_t arg)
{
    struct vcpu_hvm_context ctx;
    if (hcall_copy_from(c, &ctx, arg, sizeof(ctx)) < 0)
        return -EFAULT;
    if (ctx.mode != VCPU_HVM_MODE_32B && ctx.mode != VCPU_HVM_MODE_64B)
        return -EINVAL;
    struct domain *d = c->d;
    pthread_mutex_lock(&d->lock);
    bool busy = v->initialised || v->online;
    pthread_mutex_unlock(&d->lock);
    if (busy)
        return -EEXIST;
    int rc = vcpu_set_hvm_context(v, &ctx);
    if (rc < 0)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    v->initialised = true;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static long up_or_down(struct hcall_ctx *c, struct vcpu *v, bool up)
{
    struct domain *d = c->d;
    pthread_mutex_lock(&d->lock);
    long rc = 0;
    bool any_online = false;
    if (up && !v->initialised)
        rc = -EINVAL;
    else
        v->online = up;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        any_online |= d->vcpus[i]->online;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    if (rc == 0 && !up) {
        vcpu_kick(v); /* leaves KVM_RUN and parks */
        if (!any_online)
            domain_shutdown(d, SHUTDOWN_poweroff); /* the last vCPU went down */
    }
    return rc;
}

long hcall_vcpu_op(struct hcall_ctx *c, const uint64_t *args)
{
    uint64_t cmd = args[0], id = args[1], arg = args[2];
    struct domain *d = c->d;
    if (id >= d->nr_vcpus)
        return -ENOENT;
    struct vcpu *v = d->vcpus[id];
    bool self = c->v == v;
    switch (cmd) {
    case VCPUOP_is_up: {
        pthread_mutex_lock(&d->lock);
        bool up = v && v->online;
        pthread_mutex_unlock(&d->lock);
        return up;
    }
    case VCPUOP_initialise:
        return initialise(c, v, arg);
    case VCPUOP_up:
        return up_or_down(c, v, true);
    case VCPUOP_down:
        return up_or_down(c, v, false);
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(c, v, arg);
    case VCPUOP_set_singleshot_timer:
        return self ? singleshot(c, v, arg) : -EINVAL;
    case VCPUOP_stop_singleshot_timer:
        if (!self)
            return -EINVAL;
        vtime_set_singleshot(v, 0);
        return 0;
    case VCPUOP_set_periodic_timer:
        return periodic(c, v, arg);
    case VCPUOP_stop_periodic_timer:
        vtime_set_periodic(v, 0);
        return 0;
    default:
        return hcall_unimplemented(c, "vcpu_op cmd", cmd);
    }
}

long hcall_set_timer_op(struct hcall_ctx *c, const uint64_t *args)
{
    if (!c->v)
        return -EINVAL;
    uint64_t deadline = args[0];
    if (deadline == 0) {
        vtime_set_singleshot(c->v, 0);
        return 0;
    }
    uint64_t now = vtime_now_ns();
    if ((int64_t)deadline < 0 || (deadline > now && deadline - now > TIMER_FAR_NS))
        deadline = now + TIMER_SLOP_NS;
    vtime_set_singleshot(c->v, deadline);
    return 0;
}
