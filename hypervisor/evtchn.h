/*
 * evtchn.h - event channels, 2-level ABI (xen-abi.md 4), for guests and for
 * Dom0 processes.
 *
 * Each domain has a port table; ports are allocated lowest-first from 1
 * (port 0 is reserved, as on Xen) up to EVTCHN_MAX_PORTS-1. Sending on an
 * interdomain port sets the peer's port pending in the peer's shared_info
 * and raises its upcall (vcpu_raise_upcall). Dom0 is the host: its ports
 * live in the daemon's dom0 table and are signalled by writing the port's
 * eventfd, which the Dom0 process that bound it polls.
 *
 * Locking: each table has its own mutex; an operation that touches two
 * domains takes both in domid order, under domains_read_lock() so neither
 * can be freed meanwhile. Functions return 0 or -XEN_E* exactly as Xen's
 * EVTCHNOP_* would. Callable from any thread.
 */
#ifndef HV_EVTCHN_H
#define HV_EVTCHN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "xenolith/control.h"
#include "xenolith/xen.h"

#define EVTCHN_MAX_PORTS 1024u   /* libxl's default max_event_channels + 1 */

struct domain;

struct evtchn {
    uint8_t state;          /* EVTCHNSTAT_* */
    uint16_t notify_vcpu;
    uint16_t remote_dom;    /* unbound: who may bind; interdomain: the peer */
    uint32_t remote_port;   /* interdomain: the peer's port */
    uint32_t virq;          /* virq: which */
    int notify_fd;          /* Dom0 ports: eventfd signalled on delivery (owned), else -1 */
    uint32_t owner;         /* Dom0 ports: the control connection that made it */
};

struct evtchn_table {
    pthread_mutex_t lock;
    struct evtchn port[EVTCHN_MAX_PORTS];
    uint16_t virq_port[XLCTL_MAX_VCPUS][NR_VIRQS]; /* 0: not bound */
};

int evtchn_init(struct domain *d);
/* Closes every port (interdomain peers revert to unbound) and frees. */
void evtchn_destroy(struct domain *d);

int evtchn_alloc_unbound(struct domain *d, uint32_t remote_dom, uint32_t *port);
int evtchn_bind_interdomain(struct domain *d, uint32_t remote_dom, uint32_t remote_port,
                            uint32_t *port);
int evtchn_bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu, uint32_t *port);
int evtchn_bind_ipi(struct domain *d, uint32_t vcpu, uint32_t *port);
int evtchn_close(struct domain *d, uint32_t port);
int evtchn_send(struct domain *d, uint32_t port);
int evtchn_status(struct domain *d, uint32_t port, struct evtchn_status *st);
int evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu);
int evtchn_unmask(struct domain *d, uint32_t port);
void evtchn_reset(struct domain *d);

/*
 * Restore (domstate): re-creates one saved guest port under its number in
 * a domain whose ports are all closed. An interdomain port comes back
 * unbound, reserved for its old peer, which binds it again. 0, or -EINVAL
 * (bad port, state, vCPU or VIRQ; port in use).
 */
int evtchn_restore_port(struct domain *d, uint32_t port, uint8_t state, uint32_t notify_vcpu,
                        uint32_t remote_dom, uint32_t virq);

/* Raises a VIRQ on a vCPU if the guest bound it (timer, debug, console). */
void evtchn_raise_virq(struct domain *d, uint32_t vcpu, uint32_t virq);

/*
 * Dom0 ports, made for a Dom0 process over the control socket. The table
 * takes ownership of notify_fd (an eventfd) and closes it with the port.
 * While such a port is connected to a guest port, the guest's writes of
 * that port number to XL_EVTCHN_NOTIFY_PORT signal notify_fd in KVM
 * (ioeventfd), without an exit to the daemon.
 */
int evtchn_dom0_alloc_unbound(uint32_t remote_dom, int notify_fd, uint32_t owner, uint32_t *port);
int evtchn_dom0_bind_interdomain(uint32_t remote_dom, uint32_t remote_port, int notify_fd,
                                 uint32_t owner, uint32_t *port);
int evtchn_dom0_bind_virq(uint32_t virq, int notify_fd, uint32_t owner, uint32_t *port);
/* Close a Dom0 port; -EPERM if another connection owns it. */
int evtchn_dom0_close(uint32_t port, uint32_t owner);
int evtchn_dom0_send(uint32_t port, uint32_t owner);
/* Close every Dom0 port of a connection that went away. */
void evtchn_dom0_close_owned(uint32_t owner);

/* Whether a VIRQ is per-vCPU (xen-abi.md 4.5). */
bool evtchn_virq_is_per_vcpu(uint32_t virq);

#endif
