/*
 * suspend.h - Xen's guest side of save, restore and live migration.
 *
 * suspend_enable() offers Dom0 an event channel and names it in xenstore
 * (device/suspend/event-channel), as Linux and Mini-OS do on Xen. When the
 * toolstack signals it, a thread of ours parks the other vCPUs
 * (smp_park_others(), as Linux's stop_machine) and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend). That call returns when the domain
 * runs again: 1 when the save was cancelled (same domain, everything
 * still connected), 0 when it is a new domain (restored, or migrated):
 * then, on kvm_pvm, vCPU 0 registers its PVCS page again first (the host
 * cannot; pvm-guest.md 7), the domid is read anew, every other vCPU is
 * released and registers its own, xenbus runs the ring's reconnect
 * handshake and registers its callback watches again (xenbus_resume()),
 * and the resume hooks run (blkfront and netfront reconnect there).
 *
 * Threads: needs xenbus_init() first and the cooperative scheduler
 * (thread.h) running on vCPU 0; work handed to the other vCPUs must end
 * for them to park (smp.h).
 */
#ifndef GUEST_SUSPEND_H
#define GUEST_SUSPEND_H

#include <stdbool.h>

/* 0, or -errno (no xenbus, no port). */
int suspend_enable(void);

/* Run after each resume on the suspend thread; new_domain as above.
 * Up to 8 hooks; -ENOSPC beyond. */
typedef void (*suspend_hook_fn)(bool new_domain);
int suspend_add_hook(suspend_hook_fn fn);

/* Times this domain has resumed in a new domain (restores + migrations). */
unsigned suspend_resumed_count(void);

#endif
