/*
 * hcall_vcpu.c - __HYPERVISOR_vcpu_op (xen-abi.md 3.6).
 */
#include <errno.h>

#include "domain.h"
#include "hypercall.h"
#include "vcpu.h"

long hcall_vcpu_op(struct hcall_ctx *c, const uint64_t *args)
{
    uint64_t cmd = args[0], id = args[1];
    struct domain *d = c->d;
    if (id >= d->nr_vcpus)
        return -ENOENT;
    switch (cmd) {
    case VCPUOP_is_up: {
        struct vcpu *v = d->vcpus[id];
        pthread_mutex_lock(&d->lock);
        bool up = v && v->online;
        pthread_mutex_unlock(&d->lock);
        return up;
    }
    default:
        return hcall_unimplemented(c, "vcpu_op cmd", cmd);
    }
}
