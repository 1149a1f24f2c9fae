/*
 * hcall_hvm.c - __HYPERVISOR_hvm_op get_param/set_param (xen-abi.md 3.8):
 * how a PVH guest finds its xenstore and console rings.
 */
#include <errno.h>

#include "domain.h"
#include "hypercall.h"
#include "vcpu.h"

/* What a guest may read or write about itself, as Xen allows. */
static bool guest_may_get(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
        return true;
    default:
        return false;
    }
}

static bool guest_may_set(uint32_t index)
{
    return index == HVM_PARAM_CALLBACK_IRQ || index == HVM_PARAM_STORE_EVTCHN ||
           index == HVM_PARAM_CONSOLE_EVTCHN;
}

static long param_op(struct hcall_ctx *c, uint64_t arg, bool set)
{
    struct xen_hvm_param p;
    if (hcall_copy_from(c, &p, arg, sizeof(p)) < 0)
        return -EFAULT;
    if (p.domid != DOMID_SELF && p.domid != c->d->domid)
        return -EPERM;
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    if (!(set ? guest_may_set(p.index) : guest_may_get(p.index)))
        return -EPERM;
    struct domain *d = c->d;
    pthread_mutex_lock(&d->lock);
    if (set)
        d->hvm_params[p.index] = p.value;
    else
        p.value = d->hvm_params[p.index];
    pthread_mutex_unlock(&d->lock);
    return set ? 0 : hcall_copy_to(c, arg, &p, sizeof(p));
}

/* HVMOP_set_evtchn_upcall_vector: this vCPU's upcalls arrive on `vector`
 * through the local APIC, and the guest EOIs them. */
static long set_upcall_vector(struct hcall_ctx *c, uint64_t arg)
{
    struct xen_hvm_evtchn_upcall_vector u;
    if (hcall_copy_from(c, &u, arg, sizeof(u)) < 0)
        return -EFAULT;
    if (u.vector < 0x10)
        return -EINVAL;
    if (u.vcpu >= c->d->nr_vcpus)
        return -ENOENT;
    struct vcpu *v = c->d->vcpus[u.vcpu];
    __atomic_store_n(&v->upcall_vector, u.vector, __ATOMIC_RELEASE);
    /* An upcall that was already pending must not be lost. */
    if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
        vcpu_raise_upcall(v);
    return 0;
}

long hcall_hvm_op(struct hcall_ctx *c, const uint64_t *args)
{
    switch (args[0]) {
    case HVMOP_set_evtchn_upcall_vector:
        return set_upcall_vector(c, args[1]);
    case HVMOP_set_param:
        return param_op(c, args[1], true);
    case HVMOP_get_param:
        return param_op(c, args[1], false);
    default:
        return hcall_unimplemented(c, "hvm_op", args[0]);
    }
}
