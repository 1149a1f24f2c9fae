/*
 * domain.h - the domain table and each domain's lifecycle.
 *
 * A domain is one KVM VM with its memory (guest_mem), its vCPU threads and
 * the Xen state a guest sees (HVM params, shutdown reason, console). Domid 0
 * is the host itself and is never in the table; guests get domids from 1,
 * allocated round-robin like Xen so a fresh domain rarely reuses a recent id.
 *
 * Threads: the daemon's main thread creates, looks up, pauses and destroys
 * domains; a domain's vCPU threads call domain_shutdown() and the console
 * functions on their own domain. d->lock guards the mutable fields below
 * it; the table itself is touched only by the main thread. A domain is freed
 * only by domain_destroy() on the main thread, after joining its vCPUs, so a
 * vCPU thread's domain pointer is always valid.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "physmap.h"
#include "reservation.h"
#include "xenolith/control.h"
#include "xenolith/xen.h"

#define DOMAIN_MAX_DOMAINS 1024u
#define DOMAIN_MAX_DOMID   0x7fefu  /* below DOMID_FIRST_RESERVED */

struct vcpu;
struct evtchn_table;
struct gnttab;

struct domain {
    uint32_t domid;
    char name[XLCTL_NAME_MAX];
    uint8_t uuid[16];
    uint8_t on_poweroff, on_reboot, on_crash;
    uint64_t create_time_ns;
    int vm_fd;
    struct guest_mem mem;
    uint64_t *dom0_dirty;        /* while dirty logging: RAM pages Dom0 mapped writable
                                  * (gnttab_dom0.h); main thread only */
    unsigned nr_vcpus;
    struct vcpu *vcpus[XLCTL_MAX_VCPUS];
    int console_fd;              /* $RUNDIR/log/console/guest-<name>.log */
    struct shared_info *shared;  /* hypervisor page 0 of mem */
    struct evtchn_table *evtchn;
    struct physmap physmap;
    struct gnttab *gnttab;       /* grant table v1 (gnttab.h) */
    struct reservation resv;     /* pages held, the maximum (balloon) */
    uint32_t sched_weight;       /* Xen credit weight; 0 = never set (256) */
    uint32_t sched_cap;          /* % of one CPU, 0 = none */
    bool sched_cgroup;           /* its vCPU threads are in a cgroup of their own */

    pthread_mutex_t lock;
    pthread_cond_t cond;         /* vCPUs park and wake on it */
    enum xlctl_state state;
    bool ever_ran;
    bool shutdown_handled;       /* main loop applied on_* already */
    uint32_t shutdown_reason;
    uint32_t shutdown_code;      /* SHUTDOWN_CODE_NONE until latched */
    uint64_t hvm_params[HVM_NR_PARAMS];
    unsigned unimplemented_logged;
    char console_line[160];      /* partial line for the hypervisor log */
    unsigned console_len;
};

#define SHUTDOWN_CODE_NONE 0xffffffffu

/* Daemon start: Dom0's own event-channel table. 0 or -errno. */
int domain_system_init(void);

/*
 * Threads other than the main one that reach another domain (event
 * channels) hold the read lock while they use it; the main thread takes
 * the write lock to add or remove a domain.
 */
void domains_read_lock(void);
void domains_read_unlock(void);
/* Dom0's pseudo-domain for id 0, else a guest; NULL if none. Read lock
 * held (or main thread). */
struct domain *domain_evtchn_peer(uint32_t domid);
struct domain *domain_dom0(void);

/* Wakes vCPUs sleeping in SCHEDOP_poll: a port of d became pending. */
void domain_wake_pollers(struct domain *d);

/* Where console logs go; set once at start ($RUNDIR/log/console). */
void domain_set_console_dir(const char *dir);
/* eventfd the main loop watches: written whenever a domain shuts down. */
void domain_set_notify_fd(int fd);

/*
 * Creates a paused domain. 0 with *out, or -errno: -EEXIST name in use,
 * -EINVAL bad argument, -ENOMEM host memory short, -ENOSPC table full.
 * `why` gets a one-line reason on failure.
 */
int domain_create(const struct xlctl_domain_create *req, struct domain **out,
                  char *why, size_t whylen);
/* Stops every vCPU, frees everything, removes the domain. Main thread. */
void domain_destroy(struct domain *d);
void domain_destroy_all(void);

struct domain *domain_by_id(uint32_t domid);
/* Unit tests only: put a domain built without KVM (tests/unit/hypervisor/
 * fake_domain.h) into the table under d->domid so domain_by_id() and event
 * channels find it, and take it out again. The daemon never calls these. */
void domain_register_for_test(struct domain *d);
void domain_unregister_for_test(struct domain *d);
struct domain *domain_by_name(const char *name);
unsigned domain_count(void);
/* Calls fn for each domain in domid order. */
void domain_foreach(void (*fn)(struct domain *d, void *arg), void *arg);

/* Sets the boot vCPU's registers; -EBUSY once the domain has run. */
int domain_set_boot(struct domain *d, const struct xlctl_boot *boot);
int domain_unpause(struct domain *d);  /* -EINVAL if shut down/dying, -ENOEXEC if no boot set */
int domain_pause(struct domain *d);    /* returns once every vCPU is parked */

/* Shuts the domain down with a Xen SHUTDOWN_* reason (first latched code
 * wins) and parks all vCPUs; the main loop then applies on_*. Any thread. */
void domain_shutdown(struct domain *d, uint32_t reason);

/* Renames a guest; its console log file follows. 0, -EINVAL bad name,
 * -EEXIST in use. Main thread. */
int domain_rename(struct domain *d, const char *name);

/* One xlctl_vcpuinfo per vCPU into out (d->nr_vcpus of them). */
void domain_vcpu_info(struct domain *d, struct xlctl_vcpuinfo *out);

/* Hard affinity of vCPU `vcpu` (XLCTL_VCPU_ALL: every one). 0, -ENOENT
 * no such vCPU, -EINVAL empty or unusable map (nothing changed). */
int domain_set_affinity(struct domain *d, uint32_t vcpu, const uint64_t *cpumap);

/* Fills a dominfo snapshot. */
void domain_info(struct domain *d, struct xlctl_dominfo *info);
/* The on_* action for the domain's current shutdown reason. */
uint8_t domain_shutdown_action(const struct domain *d);

/* Guest console output (console_io): appended to the console log and, a
 * line at a time, to the hypervisor log. Bytes are filtered to printable. */
void domain_console_write(struct domain *d, const char *buf, size_t len);

/* RAM the domains hold that the host has not yet given them, for the
 * admission check (memfds fill lazily). */
uint64_t domain_uncommitted_bytes(void);

#endif
