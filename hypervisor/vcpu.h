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
#include "xenolith/xen.h"

struct domain;

#define VCPU_TIMER_SINGLESHOT 0
#define VCPU_TIMER_PERIODIC   1

struct vcpu {
    struct domain *dom;
    unsigned id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_started;
    uint32_t tid;             /* Linux thread id once started (atomic), for affinity and cgroups */
    bool is_pvm;              /* host kvm_pvm: guest told through RDX */
    struct vcpu_info *vcpu_info; /* in shared_info, or where the guest moved it */
    bool vcpu_info_moved;        /* VCPUOP_register_vcpu_info done (once only) */
    uint8_t upcall_vector;       /* HVMOP_set_evtchn_upcall_vector, 0 = none */
    int64_t tsc_offset;          /* guest TSC - host TSC */
    int timer_fd[2];             /* VCPU_TIMER_*, owned by vtime.c */
    bool callback_pending;       /* ExtINT callback to inject before KVM_RUN */
    bool upcall_held;            /* restored on kvm_pvm: no upcall until the guest's
                                    first hypercall (domstate.c says why) */
    /* Guarded by dom->lock: */
    bool online;              /* VCPUOP_is_up */
    bool initialised;         /* boot vCPU set, or VCPUOP_initialise done */
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
/* VCPUOP_initialise for a PVH vCPU (xen-abi.md 1.2): registers from a
 * vcpu_hvm_context. The vCPU must be offline. 0 or -errno. */
int vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx);
int vcpu_start(struct vcpu *v);       /* starts the thread (parked) */
void vcpu_kick(struct vcpu *v);       /* make it leave KVM_RUN soon */
void vcpu_join(struct vcpu *v);       /* after stop=true and a kick */
void vcpu_free(struct vcpu *v);
uint64_t vcpu_cpu_time_ns(struct vcpu *v); /* call with dom->lock held */

/* The thread's Linux id, waiting (briefly) for a thread just started to
 * publish it; 0 if the thread is not running. */
uint32_t vcpu_tid(struct vcpu *v);
/* Scheduling facts of the thread from /proc: the host CPU it last ran
 * on (-1 unknown) and whether it is runnable now ('R'). */
void vcpu_host_state(struct vcpu *v, int *cpu, bool *running);

/* Raises the event-channel upcall on v: its per-vCPU vector through the
 * local APIC (the guest EOIs it), else the domain's callback vector
 * (HVM_PARAM_CALLBACK_IRQ type 2) as an ExtINT, which needs no EOI as on
 * Xen. Any thread. */
void vcpu_raise_upcall(struct vcpu *v);

/* Ends upcall_held and raises the upcall if one is pending. */
void vcpu_release_upcalls(struct vcpu *v);

/* SCHEDOP_block on the vCPU's own thread: unless an upcall is pending,
 * the vCPU halts in KVM until an interrupt arrives. */
void vcpu_block(struct vcpu *v);

/* Installs the kick signal handler; once per process. */
void vcpu_signals_init(void);

#endif
