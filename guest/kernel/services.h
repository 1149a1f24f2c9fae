/*
 * services.h - the guest's side of xl's lifecycle commands, driven
 * through xenstore as a Linux guest's drivers/xen does:
 *   control/shutdown         xl shutdown / reboot   (kernel/manage.c)
 *   cpu/<N>/availability     xl vcpu-set            (kernel/cpu_hotplug.c)
 *   memory/target            xl mem-set             (kernel/balloon.c)
 * Started at boot for every app when xenstored serves the domain; their
 * watch callbacks run on vCPU 0 whenever it is about to idle
 * (wait_flag_until), so any app that waits answers them. An app that
 * computes without ever waiting does not, as a guest without these
 * drivers: xl then reports that it did not answer.
 */
#ifndef GUEST_SERVICES_H
#define GUEST_SERVICES_H

#include <stdbool.h>

/* At boot, after events and time. Quiet and harmless without xenstored. */
void services_start(void);
/* True when the watches are in place. */
bool services_running(void);

/* The parts; each registers its watch (0 or -errno). */
int manage_init(void);
int cpu_hotplug_init(void);
int balloon_init(void);

#endif
