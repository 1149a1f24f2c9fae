/*
 * vtime.h - guest time: pvclock (vcpu_time_info), the shared_info wall
 * clock, and each vCPU's single-shot and periodic timers, which raise
 * VIRQ_TIMER (xen-abi.md 5, 3.5, 3.6).
 *
 * Xen system time here is the host's CLOCK_MONOTONIC in ns: a guest's
 * absolute timeouts become timerfd deadlines with no conversion. pvclock
 * maps the guest TSC onto it with mul/shift from the TSC frequency KVM
 * reports; the record is refreshed whenever the vCPU's timer fires.
 *
 * One thread ("hv-timers") owns every timerfd through one epoll set.
 */
#ifndef HV_VTIME_H
#define HV_VTIME_H

#include <stdint.h>

struct domain;
struct vcpu;

int vtime_init(void);          /* starts the timer thread; once */
void vtime_shutdown(void);

uint64_t vtime_now_ns(void);   /* Xen system time */

int vtime_vcpu_init(struct vcpu *v);
void vtime_vcpu_destroy(struct vcpu *v);

/* Absolute system time; 0 stops. */
void vtime_set_singleshot(struct vcpu *v, uint64_t deadline_ns);
/* Period in ns; 0 stops. */
void vtime_set_periodic(struct vcpu *v, uint64_t period_ns);

/* For save: time left on the single-shot timer (0: not armed) and the
 * periodic timer's period (0: none). */
void vtime_get_timers(struct vcpu *v, uint64_t *singleshot_left_ns, uint64_t *period_ns);

/* Rewrites v's vcpu_time_info (version protocol) and the wall clock. */
void vtime_update_pvclock(struct vcpu *v);
void vtime_update_wallclock(struct domain *d);

/* mul/shift so that ns = ((tsc_delta << shift) * mul) >> 32 (shift may
 * be negative: a right shift). Pure; used by the CPUID leaf too. */
void vtime_tsc_scale(uint32_t tsc_khz, uint32_t *mul, int8_t *shift);

#endif
