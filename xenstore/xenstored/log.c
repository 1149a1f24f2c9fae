/*
 * log.c - xenstored's log lines: a timestamp, "xenstored:", the message.
 * A line is at most 1 KiB: a client can make the log grow, never overflow
 * a buffer.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = STDERR_FILENO;
static bool debug_on;

int log_open(const char *path)
{
    if (!path)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    log_close();
    log_fd = fd;
    return 0;
}

void log_close(void)
{
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = STDERR_FILENO;
}

void log_set_debug(bool on)
{
    debug_on = on;
}

bool log_debug_enabled(void)
{
    return debug_on;
}

static void log_line(const char *fmt, va_list ap, int err)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S xenstored: ", &tm);
    int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    if (m < 0)
        m = 0;
    n = (size_t)m >= sizeof(line) - n ? sizeof(line) - 1 : n + (size_t)m;
    if (err) {
        m = snprintf(line + n, sizeof(line) - n, ": %s", strerror(err));
        if (m > 0)
            n = (size_t)m >= sizeof(line) - n ? sizeof(line) - 1 : n + (size_t)m;
    }
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(log_fd, line, n);
    (void)w; /* nowhere to report a failing log */
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap, 0);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap, err);
    va_end(ap);
    errno = err;
}

void log_debug(const char *fmt, ...)
{
    if (!debug_on)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap, 0);
    va_end(ap);
}
