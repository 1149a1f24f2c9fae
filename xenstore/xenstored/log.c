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
static char log_path[512];

int log_open(const char *path)
{
    if (!path)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    log_close();
    log_fd = fd;
    if (path != log_path)
        snprintf(log_path, sizeof(log_path), "%s", path);
    return 0;
}

int log_reopen(void)
{
    return log_path[0] ? log_open(log_path) : 0;
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
    char msg[900], stamp[32], line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    int n = snprintf(line, sizeof(line), "%s xenstored: %s%s%s\n", stamp, msg, err ? ": " : "",
                     err ? strerror(err) : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    ssize_t w = write(log_fd, line, (size_t)n);
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
