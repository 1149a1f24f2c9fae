/*
 * switch.h - netback's software switch: one learning L2 bridge per bridge
 * name (the vif's backend `bridge` key), each a set of ports (vifs, and a
 * host TAP device for bridges named "tap:NAME"). It stands where Xen's
 * Dom0 has a Linux bridge and one vifN.M device per vif, and needs no
 * privileges.
 *
 * sw_input() learns the frame's source MAC on its input port, then sends
 * the frame to the port that learned the destination MAC, or floods it to
 * every other port of the bridge (broadcast, multicast, unknown or aged
 * destinations). A frame whose learned destination is its own input port
 * is filtered, as a bridge does. Bridges never see each other's frames.
 *
 * Pure: no I/O; delivery is the port's callback, which may finish the
 * frame in place (a checksum) but must not attach or
 * detach ports. One thread (netback's loop). Time is passed in (seconds)
 * so tests can age entries.
 */
#ifndef NB_SWITCH_H
#define NB_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SW_NAME_MAX   64
#define SW_FDB_SIZE   1024u   /* learned MACs per bridge (a power of two) */
#define SW_AGE_S      300u    /* as Linux's bridge ageing_time */

struct sw_bridge;
struct sw_port;

/* Delivers a frame to a port. flags: NB_F_* (csum state), passed through. */
typedef void (*sw_deliver_fn)(struct sw_port *port, uint8_t *frame, size_t len,
                              unsigned flags);

struct sw_port {
    sw_deliver_fn deliver;
    void *owner;                 /* the vif or the TAP device */
    char name[32];               /* for logs: "d3.0" or "tap:xnt0" */
    struct sw_bridge *bridge;    /* set while attached */
    struct sw_port *next;        /* in the bridge's port list */
    uint64_t flooded, forwarded, filtered;   /* frames sent out of this port */
};

struct sw;

struct sw *sw_create(void);
void sw_destroy(struct sw *sw);   /* the bridges must be empty */

/* Adds port to the bridge named name (made on first use). 0 or -ENOMEM. */
int sw_port_attach(struct sw *sw, const char *name, struct sw_port *port);
/* Removes port and every MAC learned on it; an empty bridge goes. */
void sw_port_detach(struct sw *sw, struct sw_port *port);

/* A frame entering the bridge from `in` at time now_s. Frames shorter
 * than an Ethernet header are ignored. Returns how many ports got it. */
unsigned sw_input(struct sw_port *in, uint8_t *frame, size_t len, unsigned flags,
                  uint64_t now_s);

/* The port that learned mac on bridge `name`, or NULL (for tests, logs). */
struct sw_port *sw_lookup(struct sw *sw, const char *name, const uint8_t mac[6], uint64_t now_s);
/* Number of bridges, and of ports on bridge `name` (0 if none). */
unsigned sw_bridge_count(struct sw *sw);
unsigned sw_port_count(struct sw *sw, const char *name);

#endif
