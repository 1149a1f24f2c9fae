/*
 * log.h - the hypervisor's log: one file in the run directory plus an
 * in-memory ring that `xl dmesg` reads (Xen's console ring). Thread-safe;
 * any thread may log. Messages are one line, subject first:
 *   "d3 vcpu0: hypercall 42 not implemented".
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stddef.h>

#define LOG_RING_SIZE (64 * 1024)

/* Opens (appends to) path; NULL logs to stderr only. 0 or -errno. */
int log_open(const char *path);
void log_close(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies the newest part of the ring (up to len-1 bytes, NUL-terminated);
 * returns the number of bytes copied, NUL not counted. */
size_t log_ring_read(char *buf, size_t len);

#endif
