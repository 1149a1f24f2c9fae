/*
 * thread.h - cooperative threads in the guest kernel, on vCPU 0: each has
 * its own stack and runs until it yields, sleeps or returns. When nothing
 * is runnable the vCPU idles until the next event (a timer, a channel).
 * Not for interrupt context.
 */
#ifndef GUEST_THREAD_H
#define GUEST_THREAD_H

#include <stdint.h>

#define THREAD_MAX 16

/* Starts fn(arg) as a new thread; returns its id (> 0) or -1 if full. */
int thread_create(const char *name, void (*fn)(void *), void *arg);
void thread_yield(void);
/* Sleeps this thread for ns; others run meanwhile. */
void thread_sleep_ns(uint64_t ns);
/* Makes a sleeping thread runnable now. Callable from an event handler
 * (interrupt context): the scheduler's idle wait ends at once. */
void thread_wake(int id);
/* Runs threads until every one has returned. */
void thread_run_all(void);
int thread_self(void);

#endif
