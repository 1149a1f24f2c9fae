/*
 * services.h - the Dom0 services the hypervisor daemon starts and
 * supervises, as Xen's Dom0 init starts xenstored and xenconsoled: one
 * child process each, restarted when it dies (a burst of deaths stops the
 * restarts), stopped in reverse order when the daemon stops. Each child
 * gets XENOLITH_RUNDIR and XENSTORED_PATH in its environment and logs to
 * $XENOLITH_RUNDIR/log/<name>.log. Main thread only.
 */
#ifndef HV_SERVICES_H
#define HV_SERVICES_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts every service that is built (its binary sits beside ours); a
 * service that cannot start is logged and skipped. 0, or -errno with `why`
 * for a failure the daemon cannot run without. */
int services_start(const char *rundir, char *why, size_t whylen);
/* A child exited (from SIGCHLD): restart it if it was a service. */
void services_reap(void);
void services_stop(void);
/* The pid of a running service, or 0. */
pid_t services_pid(const char *name);
/* Blocks until the service's socket (under the run dir) accepts, or the
 * timeout passes: a service is "up" once it serves. */
bool services_wait_ready(const char *name, int timeout_ms);

#endif
