/*
 * xl_console.c - `xl console DOMAIN` and `xl create -c`: a session with
 * xenconsoled (pv-backends/xenconsoled/session.h gives the protocol).
 *
 * On a terminal: raw mode, keystrokes to the guest, its output to the
 * screen, Ctrl-] (0x1d) detaches, as Xen's xl console; the terminal is
 * restored on every way out. Otherwise (a pipe, a file): standard input
 * goes to the guest and its output to standard output until standard input
 * ends; then output is copied until it has been quiet for a moment.
 *
 * A domain that has shut down cannot write any more: its console log is
 * printed instead, as when xenconsoled is not running (with a note on
 * stderr in that case), so `xl console` always shows what there is.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "xl.h"

#define DETACH_CHAR 0x1d           /* Ctrl-] */
#define REPLY_TIMEOUT_MS 5000      /* for xenconsoled's OK / ERR */
#define QUIET_MS 1000              /* after end of input: output stopped ... */
#define DRAIN_MAX_MS 10000         /* ... or this long at most */

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
    if (tty_raw) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_raw = false;
    }
}

static void on_fatal_signal(int sig)
{
    tty_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Raw input, as xl does; output keeps \n -> \r\n, which our guest needs. */
static int tty_make_raw(void)
{
    if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
        return -errno;
    struct termios raw = saved_tty;
    cfmakeraw(&raw);
    raw.c_oflag |= OPOST | ONLCR;
    atexit(tty_restore);
    static const int sigs[] = {SIGHUP, SIGTERM, SIGQUIT, SIGPIPE};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], on_fatal_signal);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
        return -errno;
    tty_raw = true;
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int print_log(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/log/console/guest-%s.log", xc_default_rundir(), name);
    FILE *f = fopen(path, "re");
    if (!f)
        return xl_fail("console", "cannot read %s: %s", path, strerror(errno));
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

/* A connected session socket, or -errno (-ENOENT/-ECONNREFUSED: none). */
static int session_connect(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(a.sun_path, sizeof(a.sun_path), "%s/xenconsoled.sock", xc_default_rundir());
    if (n < 0 || (size_t)n >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

/*
 * Sends the request and reads the reply line. Returns 0 with any bytes
 * that followed the line (the start of the backlog) in *extra, or -1 with
 * the server's reason in why.
 */
static int session_attach(int fd, uint32_t domid, char *extra, size_t *extra_len, char *why,
                          size_t whylen)
{
    char req[32];
    int n = snprintf(req, sizeof(req), "attach %u\n", domid);
    if (write_all(fd, req, (size_t)n) < 0) {
        snprintf(why, whylen, "xenconsoled: %s", strerror(errno));
        return -1;
    }
    char line[512];
    size_t got = 0;
    long long deadline = now_ms() + REPLY_TIMEOUT_MS;
    for (;;) {
        char *nl = memchr(line, '\n', got);
        if (nl) {
            size_t len = (size_t)(nl - line);
            if (len == 2 && memcmp(line, "OK", 2) == 0) {
                *extra_len = got - len - 1;
                memcpy(extra, nl + 1, *extra_len);
                return 0;
            }
            *nl = '\0';
            snprintf(why, whylen, "%s", strncmp(line, "ERR ", 4) == 0 ? line + 4 : line);
            return -1;
        }
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (got == sizeof(line) || left <= 0 || poll(&p, 1, (int)left) <= 0) {
            snprintf(why, whylen, "no answer from xenconsoled");
            return -1;
        }
        ssize_t r = read(fd, line + got, sizeof(line) - got);
        if (r <= 0) {
            snprintf(why, whylen, "xenconsoled closed the session");
            return -1;
        }
        got += (size_t)r;
    }
}

/* The terminal: until Ctrl-] or the session ends. */
static int run_tty(int sock)
{
    char buf[4096];
    for (;;) {
        struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (p[1].revents) {
            ssize_t n = read(sock, buf, sizeof(buf));
            if (n <= 0)
                return 0; /* the domain went away */
            if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                return 1;
        }
        if (p[0].revents) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n <= 0)
                return 0;
            char *detach = memchr(buf, DETACH_CHAR, (size_t)n);
            size_t send = detach ? (size_t)(detach - buf) : (size_t)n;
            if (send && write_all(sock, buf, send) < 0)
                return 0;
            if (detach)
                return 0;
        }
    }
}

/*
 * Pipes and files: input to the guest until it ends, output to stdout
 * meanwhile and then until QUIET_MS without any (DRAIN_MAX_MS at most).
 */
static int run_stream(int sock)
{
    char out[4096], in[4096];
    size_t in_len = 0, in_off = 0;
    bool in_eof = false;
    long long eof_at = 0, last_out = 0;
    for (;;) {
        long long now = now_ms();
        bool draining = in_eof && in_len == 0;
        if (draining && (now - last_out >= QUIET_MS || now - eof_at >= DRAIN_MAX_MS))
            return 0;
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN | (in_len ? POLLOUT : 0)},
                              {.fd = in_eof || in_len ? -1 : STDIN_FILENO, .events = POLLIN}};
        int timeout = -1;
        if (draining) {
            long long quiet = QUIET_MS - (now - last_out), cap = DRAIN_MAX_MS - (now - eof_at);
            timeout = (int)(quiet < cap ? quiet : cap);
        }
        if (poll(p, 2, timeout) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(sock, out, sizeof(out));
            if (n <= 0)
                return 0; /* the domain went away */
            if (write_all(STDOUT_FILENO, out, (size_t)n) < 0)
                return 1;
            last_out = now_ms();
        }
        if (in_len && (p[0].revents & POLLOUT)) {
            ssize_t w = send(sock, in + in_off, in_len, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return 1;
            if (w > 0) {
                in_off += (size_t)w;
                in_len -= (size_t)w;
            }
        }
        if (p[1].revents) {
            ssize_t n = read(STDIN_FILENO, in, sizeof(in));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                in_eof = true;
                eof_at = last_out = now_ms();
            } else {
                in_off = 0;
                in_len = (size_t)n;
            }
        }
    }
}

int xl_console_attach(uint32_t domid, const char *name)
{
    int sock = session_connect();
    if (sock == -ENOENT || sock == -ECONNREFUSED) {
        fprintf(stderr, "xl console: xenconsoled is not running: the console log so far follows\n");
        return print_log(name);
    }
    if (sock < 0)
        return xl_fail("console", "cannot reach xenconsoled: %s", strerror(-sock));
    static char extra[512];
    size_t extra_len = 0;
    char why[512];
    if (session_attach(sock, domid, extra, &extra_len, why, sizeof(why)) < 0) {
        close(sock);
        return xl_fail("console", "%s", why);
    }
    signal(SIGPIPE, SIG_IGN);
    if (isatty(STDIN_FILENO)) {
        int rc = tty_make_raw();
        if (rc < 0) {
            tty_restore();
            close(sock);
            return xl_fail("console", "cannot set the terminal to raw mode: %s", strerror(-rc));
        }
    }
    int rc = write_all(STDOUT_FILENO, extra, extra_len) < 0 ? 1
             : tty_raw                                     ? run_tty(sock)
                                                           : run_stream(sock);
    tty_restore();
    close(sock);
    return rc;
}

int main_console(int argc, char **argv)
{
    if (argc != 2)
        return xl_usage("console");
    struct xc *xc = xl_connect("console");
    if (!xc)
        return 1;
    uint32_t domid;
    struct xlctl_dominfo info;
    int rc = xl_find_domain(xc, "console", argv[1], false, &domid);
    if (rc == 0)
        rc = xc_domain_info(xc, domid, &info);
    xc_close(xc);
    if (rc < 0)
        return rc == -1 ? 1 : xl_fail("console", "%s", strerror(-rc));
    char name[sizeof(info.name) + 1];
    snprintf(name, sizeof(name), "%.*s", (int)sizeof(info.name), info.name);
    if (info.state == XLCTL_STATE_SHUTDOWN || info.state == XLCTL_STATE_DYING)
        return print_log(name); /* it will not write any more */
    return xl_console_attach(domid, name);
}
