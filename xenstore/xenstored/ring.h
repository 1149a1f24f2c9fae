/*
 * ring.h - guest connections: each introduced domain's xenstore ring page
 * and event channel (xen-abi.md 7.2), as a transport for the core
 * (connection.h). The page is reached through the hypervisor's foreign
 * mapping and the channel through a Dom0 event-channel port
 * (dom0-tools/libxc), both over the hypervisor's control socket.
 *
 * ring_init() installs the transport when the hypervisor answers; without
 * one (a standalone xenstored in the unit tests), domains are introduced
 * without a connection, as before.
 */
#ifndef XS_RING_H
#define XS_RING_H

int ring_init(void);
void ring_fini(void);

#endif
