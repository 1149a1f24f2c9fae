/*
 * log.h - xenstored's log: one line per event, subject first
 * ("d5: introduced, gfn 0xfeffc port 1"), to stderr or to a file opened
 * with log_open(). Single-threaded, like the daemon.
 */
#ifndef XS_LOG_H
#define XS_LOG_H

#include <stdbool.h>

/* Appends to path (created 0600); NULL keeps stderr. 0 or -errno. */
int log_open(const char *path);
/* Opens the last log_open() path again (after rotation, on SIGHUP). */
int log_reopen(void);
void log_close(void);

/* Debug lines are dropped unless enabled (xenstored -v). */
void log_set_debug(bool on);
bool log_debug_enabled(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
