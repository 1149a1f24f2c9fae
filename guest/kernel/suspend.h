/*
 * suspend.h - Xen's guest side of save, restore and live migration.
 *
 * suspend_enable() offers Dom0 an event channel and names it in xenstore
 * (device/suspend/event-channel), as Linux and Mini-OS do on Xen. When the
 * toolstack signals it, a thread of ours quiesces and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend). That call returns when the domain
 * runs again: 1 when the save was cancelled (same domain, everything
 * still connected), 0 when it is a new domain (restored, or migrated):
 * then, on kvm_pvm, vCPU 0 registers its PVCS page again first (the host
 * cannot; pvm-guest.md 7), the domid is read anew, xenbus reconnects its
 * ring, and the resume hooks run (blkfront and netfront reconnect there).
 *
 * Threads: needs xenbus_init() first and the cooperative scheduler
 * (thread.h) running; only vCPU 0 is resumed (other vCPUs stay in
 * kvm_pvm's emulated mode after a restore: apps that save use one vCPU).
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
