/*
 * log.c - netback's messages: one line each, subject first ("d3.0: ..."),
 * appended to --log-file (else stderr) with a timestamp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netback.h"

static int log_fd = 2;

int nb_log_open(const char *path)
{
    if (!path)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    log_fd = fd;
    return 0;
}

void nb_log(const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    int n = (int)strftime(line, sizeof(line), "%F %T netback: ", &tm);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n += m < 0 ? 0 : m >= (int)sizeof(line) - n - 1 ? (int)sizeof(line) - n - 2 : m;
    line[n++] = '\n';
    if (write(log_fd, line, (size_t)n) < 0) {
        /* Nowhere left to say it. */
    }
}
