/*
 * daemon.h - the hypervisor daemon's main loop: the control socket, domain
 * shutdown handling, and orderly start and stop.
 */
#ifndef HV_DAEMON_H
#define HV_DAEMON_H

/*
 * Runs the daemon in the current process with its state in `rundir`
 * (created if missing). Writes one status line to ready_fd once it is
 * serving ("ok <pid>") or has failed ("error <reason>"), then closes it.
 * Returns the process exit code.
 */
int daemon_run(const char *rundir, int ready_fd);

#endif
