/*
 * control.h - the daemon's side of the control protocol
 * (include/xenolith/control.h): one function per op, fed by daemon.c.
 *
 * control_handle() validates the header and payload size of one request
 * and fills the reply; it never trusts a client's lengths or ids. It runs
 * on the main thread only.
 */
#ifndef HV_CONTROL_H
#define HV_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "xenolith/control.h"

struct control_reply {
    uint32_t client;          /* IN: the connection's id (owner of its ports) */
    struct xlctl_hdr hdr;
    uint8_t *payload;         /* points into a buffer of XLCTL_MAX_PAYLOAD */
    uint32_t len;
    int fd;                   /* >= 0: send with SCM_RIGHTS (not owned) */
    int fd2;                  /* >= 0: a second one, after fd */
    uint32_t wait_domid;      /* DOMAIN_WAIT to park (wait_pending) */
    int wait_pending;
    int stop_daemon;          /* DAEMON_STOP: exit after sending */
};

/* Handles one request packet of `len` bytes. Always produces a reply
 * unless reply->wait_pending is set. */
void control_handle(const uint8_t *req, size_t len, struct control_reply *reply);

/* A connection went away: release what it owned (Dom0 event channels). */
void control_client_gone(uint32_t client);

/* Completes a parked DOMAIN_WAIT: 1 and a reply when the domain is shut
 * down or gone, 0 while it still runs. */
int control_wait_ready(uint32_t domid, struct control_reply *reply);

#endif
