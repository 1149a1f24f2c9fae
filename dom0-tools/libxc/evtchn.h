/*
 * evtchn.h - event channels for Dom0 processes (the libxenevtchn of
 * Xenolith), over a control connection. Each port has its own eventfd:
 * it becomes readable when the guest sends on the channel; poll it with
 * anything, and call xc_evtchn_wait()/xc_evtchn_consume() to take the
 * notifications. Ports close when closed here or when the connection goes.
 * Not thread-safe per struct xc.
 */
#ifndef XC_EVTCHN_H
#define XC_EVTCHN_H

#include <stdint.h>

struct xc;

struct xc_evtchn_port {
    uint32_t port;      /* Dom0's local port number */
    int fd;             /* eventfd the guest's sends signal; the caller's to close */
    int kick_fd;        /* eventfd to write to send; the caller's to close */
};

/* A port in Dom0 that guest remote_dom may bind to (it gets the number
 * out of band, e.g. xenstore). 0 or -errno (-ESRCH no such domain). */
int xc_evtchn_alloc_unbound(struct xc *xc, uint32_t remote_dom, struct xc_evtchn_port *out);
/* Binds to a guest's unbound port offered to Dom0. The new port starts
 * pending (its eventfd readable), as on Xen. 0 or -errno (-EINVAL). */
int xc_evtchn_bind_interdomain(struct xc *xc, uint32_t remote_dom, uint32_t remote_port,
                               struct xc_evtchn_port *out);
/* A Dom0 port bound to a global VIRQ (VIRQ_DOM_EXC: a domain shut down or
 * went away). 0 or -errno (-EINVAL per-vCPU VIRQ, -EEXIST bound already). */
int xc_evtchn_bind_virq(struct xc *xc, uint32_t virq, struct xc_evtchn_port *out);
/* Raises the event in the guest: one eventfd write, no round trip to the
 * daemon (its "hv-evtchn" thread sends on the port). */
int xc_evtchn_notify(const struct xc_evtchn_port *p);
/* The same through the control socket, waiting for the daemon's answer:
 * slower, but reports errors such as a closed port. */
int xc_evtchn_notify_sync(struct xc *xc, uint32_t port);
int xc_evtchn_close(struct xc *xc, uint32_t port);
/* Closes the port and both of its descriptors. */
void xc_evtchn_release(struct xc *xc, struct xc_evtchn_port *p);
/* Blocks until the port fired; returns how many times (>= 1), or -errno. */
int64_t xc_evtchn_wait(int fd);
/* Non-blocking: how many notifications were pending (0 if none). */
int64_t xc_evtchn_consume(int fd);

#endif
