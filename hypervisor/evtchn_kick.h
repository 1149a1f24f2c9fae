/*
 * evtchn_kick.h - Dom0 processes notify guests by writing an eventfd (a
 * "kick fd", one per Dom0 port) instead of a control-socket round trip: one
 * thread ("hv-evtchn") waits on all kick fds and sends on the port, so a
 * backend's notify costs one eventfd write and never blocks on the daemon.
 */
#ifndef HV_EVTCHN_KICK_H
#define HV_EVTCHN_KICK_H

#include <stdint.h>

int evtchn_kick_init(void);     /* starts the thread; once */
void evtchn_kick_shutdown(void);

/* A new kick eventfd for Dom0 port `port` (the caller passes a copy to the
 * client); -errno on failure. Removed with evtchn_kick_remove(). */
int evtchn_kick_add(uint32_t port);
void evtchn_kick_remove(uint32_t port);

#endif
