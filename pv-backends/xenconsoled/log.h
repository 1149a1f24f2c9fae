/*
 * log.h - the two logs xenconsoled writes.
 *
 * Its own messages go to --log-file (else stderr), one line each, subject
 * first: "d3 console: connected ...". log_warn adds strerror(errno).
 *
 * Each guest's console output is appended to
 * <log dir>/guest-<name>.log: the same file the hypervisor appends the
 * guest's console_io output to (its early boot, and what the guest writes
 * when no backend drains its ring), so a console's history is one file,
 * as xenconsoled's /var/log/xen/console/guest-<name>.log on Xen. Both
 * writers use O_APPEND and whole chunks, so neither overwrites the other;
 * a line may at worst be split between the two.
 */
#ifndef XCD_LOG_H
#define XCD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Messages to path (appended), or to stderr when path is NULL. 0 or -errno. */
int log_open(const char *path);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True for a name the hypervisor could have given a domain (it names the
 * log file): letters, digits, '-', '_', '.', not starting with '.'. */
bool guestlog_name_ok(const char *name);
/* Opens (creating) the guest's log in dir. An fd, or -errno. */
int guestlog_open(const char *dir, const char *name);
/* Appends; a full disk loses console text, never stalls the guest. */
void guestlog_write(int fd, const char *buf, size_t len);
/* The last (at most) cap bytes of the log, starting at a line boundary
 * when the file is longer than cap. Returns the length (0 if empty). */
size_t guestlog_tail(int fd, char *buf, size_t cap);

#endif
