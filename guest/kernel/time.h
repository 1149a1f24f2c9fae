/*
 * time.h - guest time from pvclock (vcpu_time_info in shared_info), and
 * sleeping on the single-shot timer (VIRQ_TIMER).
 */
#ifndef GUEST_TIME_H
#define GUEST_TIME_H

#include <stdbool.h>
#include <stdint.h>

int time_init(void);              /* after events_init */
uint64_t time_now_ns(void);       /* Xen system time */
uint64_t time_wallclock_s(void);  /* seconds since the epoch */
void sleep_ns(uint64_t ns);
/* Idle until *flag becomes non-zero or the deadline (system time) passes;
 * with neither, until the next interrupt has been handled. */
void wait_flag_until(volatile int *flag, uint64_t deadline_ns);
/* Work to do before vCPU 0 idles in wait_flag_until (kernel/services.c:
 * xenstore watch callbacks). Runs with interrupts enabled, never nested;
 * returns true when it did something (its own waits may have moved the
 * vCPU's timer, which the caller then sets again). */
extern bool (*idle_work_hook)(void);
/* Called from the VIRQ_TIMER handler path, e.g. for the jitter benchmark. */
extern void (*time_tick_hook)(uint64_t now_ns);

#endif
