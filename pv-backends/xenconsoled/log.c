/*
 * log.c - xenconsoled's own log and the guests' console logs (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static FILE *log_file;

int log_open(const char *path)
{
    if (!path) {
        log_file = stderr;
        return 0;
    }
    FILE *f = fopen(path, "ae");
    if (!f)
        return -errno;
    setvbuf(f, NULL, _IOLBF, 0);
    log_file = f;
    return 0;
}

static void log_line(const char *fmt, va_list ap, int err)
{
    FILE *f = log_file ? log_file : stderr;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(f, "[%s.%03ld] ", stamp, ts.tv_nsec / 1000000);
    vfprintf(f, fmt, ap);
    if (err)
        fprintf(f, ": %s", strerror(err));
    fputc('\n', f);
    fflush(f);
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
}

bool guestlog_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= 64 || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

int guestlog_open(const char *dir, const char *name)
{
    if (!guestlog_name_ok(name))
        return -EINVAL;
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/guest-%s.log", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    /* Read too: a new session's backlog is the file's tail, which holds
     * the hypervisor's console_io lines as well as ours. */
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

void guestlog_write(int fd, const char *buf, size_t len)
{
    while (fd >= 0 && len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

size_t guestlog_tail(int fd, char *buf, size_t cap)
{
    struct stat st;
    if (fd < 0 || cap == 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
        return 0;
    off_t start = st.st_size > (off_t)cap ? st.st_size - (off_t)cap : 0;
    ssize_t n = pread(fd, buf, (size_t)(st.st_size - start), start);
    if (n <= 0)
        return 0;
    size_t skip = 0;
    if (start > 0) {
        /* Begin after the first line break: no half line at the top. */
        char *nl = memchr(buf, '\n', (size_t)n);
        skip = nl ? (size_t)(nl + 1 - buf) : 0;
        memmove(buf, buf + skip, (size_t)n - skip);
    }
    return (size_t)n - skip;
}
