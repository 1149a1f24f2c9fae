/*
 * hcall_sched.c - __HYPERVISOR_sched_op (xen-abi.md 3.4).
 */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "domain.h"
#include "hypercall.h"
#include "evtchn.h"
#include "vcpu.h"
#include "xenolith/evtchn_2l.h"

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

/* SCHEDOP_block: sleep in KVM until an event is deliverable. */
static long do_block(struct hcall_ctx *c)
{
    if (c->v)
        vcpu_block(c->v);
    return 0;
}

#define POLL_MAX_PORTS 128u

static bool any_pending(struct domain *d, const evtchn_port_t *ports, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (evtchn_2l_is_pending(d->shared, ports[i]))
            return true;
    return false;
}

/*
 * SCHEDOP_poll: wait until one of the listed ports is pending (masked or
 * not) or the absolute timeout passes. The vCPU waits here, in the daemon,
 * woken by domain_wake_pollers().
 */
static long do_poll(struct hcall_ctx *c, uint64_t arg)
{
    struct sched_poll p;
    evtchn_port_t ports[POLL_MAX_PORTS];
    if (hcall_copy_from(c, &p, arg, sizeof(p)) < 0)
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (hcall_copy_from(c, ports, (uint64_t)(uintptr_t)p.ports.p, p.nr_ports * sizeof(ports[0])) < 0)
        return -EFAULT;
    for (unsigned i = 0; i < p.nr_ports; i++)
        if (ports[i] >= EVTCHN_MAX_PORTS)
            return -EINVAL;
    struct domain *d = c->d;
    struct timespec deadline = {.tv_sec = (time_t)(p.timeout / 1000000000ull),
                                .tv_nsec = (long)(p.timeout % 1000000000ull)};
    pthread_mutex_lock(&d->lock);
    if (c->v)
        c->v->blocked = true;
    while (!any_pending(d, ports, p.nr_ports) &&
           !__atomic_load_n(&c->v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE) &&
           d->state == XLCTL_STATE_RUNNING && !(c->v && c->v->stop)) {
        if (p.timeout == 0) {
            pthread_cond_wait(&d->cond, &d->lock);
        } else if (pthread_cond_timedwait(&d->cond, &d->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    if (c->v)
        c->v->blocked = false;
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
    case SCHEDOP_poll:
        if (!c->v)
            return -EINVAL;
        return do_poll(c, args[1]);
    case SCHEDOP_shutdown_code:
        return do_shutdown(c, args[1], true);
    case SCHEDOP_remote_shutdown:
    case SCHEDOP_pin_override:
        return -EPERM; /* privileged or device-model only */
    default:
        return hcall_unimplemented(c, "sched_op cmd", args[0]);
    }
}
