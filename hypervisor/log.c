/*
 * log.c - the hypervisor log file and the dmesg ring behind `xl dmesg`.
 * Every line goes to both, stamped with the wall-clock time; a lock keeps
 * lines from interleaving when vCPU threads log at once.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static char ring[LOG_RING_SIZE];
static size_t ring_head;   /* total bytes ever written */

int log_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    pthread_mutex_lock(&log_lock);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = fd;
    pthread_mutex_unlock(&log_lock);
    return 0;
}

void log_close(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    pthread_mutex_unlock(&log_lock);
}

static void ring_append(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
    ring_head += n;
}

static void log_emit(const char *msg, const char *err)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "(XEN) [%04d-%02d-%02d %02d:%02d:%02d.%03ld] %s%s%s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, msg, err ? ": " : "", err ? err : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    pthread_mutex_lock(&log_lock);
    ring_append(line, (size_t)n);
    int fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
    ssize_t w = write(fd, line, (size_t)n);
    (void)w; /* nowhere left to report a failing log write */
    pthread_mutex_unlock(&log_lock);
}

void log_info(const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_emit(msg, NULL);
}

void log_warn(const char *fmt, ...)
{
    int saved = errno;
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_emit(msg, strerror(saved));
    errno = saved;
}

size_t log_ring_read(char *buf, size_t len)
{
    if (len == 0)
        return 0;
    pthread_mutex_lock(&log_lock);
    size_t avail = ring_head < LOG_RING_SIZE ? ring_head : LOG_RING_SIZE;
    size_t n = avail < len - 1 ? avail : len - 1;
    size_t start = ring_head - n;
    for (size_t i = 0; i < n; i++)
        buf[i] = ring[(start + i) % LOG_RING_SIZE];
    pthread_mutex_unlock(&log_lock);
    buf[n] = '\0';
    return n;
}
