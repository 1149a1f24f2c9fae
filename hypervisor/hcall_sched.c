/*
 * hcall_sched.c - __HYPERVISOR_sched_op (xen-abi.md 3.4).
 */
#include <errno.h>
#include <sched.h>

#include "domain.h"
#include "hypercall.h"
#include "vcpu.h"

static long do_shutdown(struct hcall_ctx *c, uint64_t arg, bool latch_only)
{
    struct sched_shutdown s;
    if (hcall_copy_from(c, &s, arg, sizeof(s)) < 0)
        return -EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    struct domain *d = c->d;
    if (latch_only) {
        pthread_mutex_lock(&d->lock);
        if (d->shutdown_code == SHUTDOWN_CODE_NONE)
            d->shutdown_code = s.reason;
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    domain_shutdown(d, s.reason);
    return 0;
}

/*
 * SCHEDOP_block: sleep until an event is deliverable. Events arrive with
 * event channels; until then only a pause, shutdown or destroy ends the
 * sleep (the guest re-checks and blocks again, as it must after any wake).
 */
static long do_block(struct hcall_ctx *c)
{
    struct domain *d = c->d;
    struct vcpu *v = c->v;
    if (!v)
        return 0;
    pthread_mutex_lock(&d->lock);
    v->blocked = true;
    while (!v->stop && d->state == XLCTL_STATE_RUNNING)
        pthread_cond_wait(&d->cond, &d->lock);
    v->blocked = false;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

long hcall_sched_op(struct hcall_ctx *c, const uint64_t *args)
{
    switch (args[0]) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        return do_block(c);
    case SCHEDOP_shutdown:
        return do_shutdown(c, args[1], false);
    case SCHEDOP_shutdown_code:
        return do_shutdown(c, args[1], true);
    case SCHEDOP_remote_shutdown:
    case SCHEDOP_pin_override:
        return -EPERM; /* privileged or device-model only */
    default:
        return hcall_unimplemented(c, "sched_op cmd", args[0]);
    }
}
