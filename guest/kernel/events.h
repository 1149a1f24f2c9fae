/*
 * events.h - event channels in the guest: shared_info mapped into our
 * physmap, the upcall on a per-vCPU vector, one handler per port, and thin
 * wrappers over EVTCHNOP_*. Handlers run in interrupt context with
 * interrupts disabled; they must be short.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/xen.h"

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

extern struct shared_info *shared_info;

/* Maps shared_info, enables the upcall vector on vCPU 0. 0 or -errno. */
int events_init(void);
/* On each further vCPU: its local APIC and upcall vector. */
bool events_need_eoi(void);
int events_cpu_init(void);
/* Interrupt path: scans pending ports and runs their handlers. */
void events_upcall(void);

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *arg);
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port);
int evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
int evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
int evtchn_send(evtchn_port_t port);
/* The fast way to send: no result, as a frontend kicking a backend wants. */
void evtchn_notify(evtchn_port_t port);
int evtchn_close(evtchn_port_t port);
int evtchn_unmask(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);

#endif
