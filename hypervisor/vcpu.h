/*
 * vcpu.h - one vCPU: a thread named d<domid>-vcpu<n> running KVM_RUN and
 * a flat exit loop that hands each exit to the module that owns it.
 *
 * Threads: vcpu_create/start/stop/free are called by the domain's owner on
 * the main thread (or by domain.c); everything else runs on the vCPU's own
 * thread. A vCPU runs only while its domain is RUNNING; domain.c parks and
 * wakes it through d->cond, and vcpu_kick() pulls it out of KVM_RUN.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "xenolith/control.h"

struct domain;

struct vcpu {
    struct domain *dom;
    unsigned id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_started;
    bool is_pvm;              /* host kvm_pvm: guest told through RDX */
    /* Guarded by dom->lock: */
    bool online;              /* VCPUOP_is_up */
    bool stop;                /* thread must exit */
    bool parked;              /* waiting on dom->cond, not in KVM_RUN */
    bool blocked;             /* inside SCHEDOP_block */
    uint64_t cpu_ns_at_exit;  /* thread CPU time once the thread is gone */
    unsigned bad_io_logged;
};

/* Creates the KVM vCPU with its CPUID; 0 or -errno. */
int vcpu_create(struct domain *d, unsigned id, struct vcpu **out);
/* Sets registers for the chosen boot path. 0 or -errno. */
int vcpu_set_boot(struct vcpu *v, const struct xlctl_boot *boot);
int vcpu_start(struct vcpu *v);       /* starts the thread (parked) */
void vcpu_kick(struct vcpu *v);       /* make it leave KVM_RUN soon */
void vcpu_join(struct vcpu *v);       /* after stop=true and a kick */
void vcpu_free(struct vcpu *v);
uint64_t vcpu_cpu_time_ns(struct vcpu *v); /* call with dom->lock held */

/* Installs the kick signal handler; once per process. */
void vcpu_signals_init(void);

#endif
