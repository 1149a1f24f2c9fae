/*
 * main.c - xenconsoled, Xenolith's console backend: serves each guest's
 * primary console ring (the page and event channel the domain builder set
 * up), appends the guest's output to its console log, and serves
 * interactive sessions (`xl console`) on a Unix socket. The hypervisor
 * daemon starts and supervises it, as Xen's Dom0 init starts Xen's.
 *
 * Usage: xenconsoled [--socket PATH] [--log-dir DIR] [--log-file FILE]
 *                    [--backlog BYTES] [--client-limit BYTES]
 *                    [-i | --interactive | --no-fork]
 * Defaults come from the run directory ($XENOLITH_RUNDIR): the socket
 * xenconsoled.sock, guest logs in log/console, messages to stderr. It never
 * forks (-i, Xen's flag for that, and --no-fork are accepted).
 *
 * Modules: domains.c (discovery, one ring per guest), ring.c (the ring
 * discipline), log.c (the logs), session.c (the socket's clients); this
 * file owns the one epoll loop and the start and stop order.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "domains.h"
#include "libxc/xc.h"
#include "log.h"
#include "session.h"
#include "xenconsoled.h"

#define CONNECT_WAIT_MS 10000   /* for xenstored and the hypervisor at start */

struct xcd_config xcd_config = {
    .backlog_bytes = 16 << 10,
    .client_limit = 256 << 10,
};

static struct {
    const char *log_file;
    char socket_path[PATH_MAX];
    char log_dir[PATH_MAX];
    int epoll_fd;
    int timer_fd;
    struct handler timer;
    struct xs_handle *xs;
    struct xc *xc;
    char why[512];
} xcd = {.epoll_fd = -1, .timer_fd = -1};

/* ---- the loop ----------------------------------------------------------- */

int loop_add(int fd, uint32_t events, struct handler *h)
{
    struct epoll_event ev = {.events = events, .data.ptr = h};
    return epoll_ctl(xcd.epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int loop_mod(int fd, uint32_t events, struct handler *h)
{
    struct epoll_event ev = {.events = events, .data.ptr = h};
    return epoll_ctl(xcd.epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_del(int fd)
{
    epoll_ctl(xcd.epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static void on_timer(struct handler *h, uint32_t events)
{
    (void)h, (void)events;
    uint64_t expirations;
    if (read(xcd.timer_fd, &expirations, sizeof(expirations)) < 0)
        return;
    domains_tick();
    session_tick();
}

/* One ready descriptor per turn: a handler may free any object (see
 * xenconsoled.h) without a stale event for it left in a batch. */
static void run_loop(void)
{
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(xcd.epoll_fd, &ev, 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_warn("epoll_wait");
            return;
        }
        if (n == 1) {
            struct handler *h = ev.data.ptr;
            h->fn(h, ev.events);
        }
        session_reap();
    }
}

/* ---- start and stop ----------------------------------------------------- */

/*
 * SIGTERM (the supervisor stopping us) ends the process at once, even in
 * the middle of a control request: the daemon stops us after destroying
 * its domains, while it no longer answers requests, so waiting for one
 * would only hold up its stop. Nothing is lost: the guests are gone, our
 * logs are written with plain appends, and the socket file goes here.
 */
static void on_term(int sig)
{
    (void)sig;
    unlink(xcd.socket_path);
    _exit(0);
}

static int open_log(void)
{
    int rc = log_open(xcd.log_file);
    if (rc < 0)
        snprintf(xcd.why, sizeof(xcd.why), "cannot open %s: %s", xcd.log_file, strerror(-rc));
    return rc;
}

static int set_signals(void)
{
    struct sigaction sa = {.sa_handler = on_term};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int open_loop(void)
{
    xcd.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (xcd.epoll_fd < 0) {
        snprintf(xcd.why, sizeof(xcd.why), "epoll: %s", strerror(errno));
        return -errno;
    }
    return 0;
}

/* First, so the supervisor sees us answer while we connect the rest. */
static int open_sessions(void)
{
    return session_listen(xcd.socket_path, xcd.why, sizeof(xcd.why));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* xenstored may still be starting (or restarting, with us). */
static int open_xenstore(void)
{
    for (int waited = 0;; waited += 50) {
        xcd.xs = xs_open(0);
        if (xcd.xs)
            return 0;
        if (waited >= CONNECT_WAIT_MS)
            break;
        sleep_ms(50);
    }
    snprintf(xcd.why, sizeof(xcd.why), "cannot reach xenstored (XENSTORED_PATH %s): %s",
             getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "unset", strerror(errno));
    return -errno;
}

static int open_hypervisor(void)
{
    int rc = 0;
    for (int waited = 0;; waited += 50) {
        rc = xc_open(xc_default_rundir(), &xcd.xc);
        if (rc == 0)
            return 0;
        if (waited >= CONNECT_WAIT_MS)
            break;
        sleep_ms(50);
    }
    snprintf(xcd.why, sizeof(xcd.why), "cannot reach the hypervisor in %s: %s", xc_default_rundir(),
             strerror(-rc));
    return rc;
}

static int start_domains(void)
{
    int rc = domains_init(xcd.xs, xcd.xc);
    xcd.xs = NULL; /* domains.c owns it now (and reconnects when it breaks) */
    if (rc < 0)
        snprintf(xcd.why, sizeof(xcd.why), "watching @introduceDomain/@releaseDomain: %s", strerror(-rc));
    return rc;
}

static int open_timer(void)
{
    xcd.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec one_s = {.it_interval = {1, 0}, .it_value = {1, 0}};
    if (xcd.timer_fd < 0 || timerfd_settime(xcd.timer_fd, 0, &one_s, NULL) < 0) {
        snprintf(xcd.why, sizeof(xcd.why), "timer: %s", strerror(errno));
        return -errno;
    }
    xcd.timer.fn = on_timer;
    return loop_add(xcd.timer_fd, EPOLLIN, &xcd.timer);
}

static const struct {
    const char *name;
    int (*fn)(void);
} start_steps[] = {
    {"log", open_log},
    {"signals", set_signals},
    {"event loop", open_loop},
    {"session socket", open_sessions},
    {"xenstore", open_xenstore},
    {"hypervisor", open_hypervisor},
    {"domains", start_domains},
    {"timer", open_timer},
};

/* Reverse of start_steps; safe after a partial start. */
static void stop_all(void)
{
    domains_stop();
    session_stop();
    if (xcd.timer_fd >= 0)
        close(xcd.timer_fd);
    xs_close(xcd.xs);
    xc_close(xcd.xc);
    if (xcd.epoll_fd >= 0)
        close(xcd.epoll_fd);
}

/* ---- options ------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f, "Usage: xenconsoled [--socket PATH] [--log-dir DIR] [--log-file FILE]\n"
               "                   [--backlog BYTES] [--client-limit BYTES] [-i|--interactive|--no-fork]\n");
}

static int parse_size(const char *opt, const char *s, size_t min, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || *s == '-' || v < min || v > (1ull << 30)) {
        fprintf(stderr, "xenconsoled: %s %s: expected a byte count from %zu to %llu\n", opt, s, min,
                1ull << 30);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    enum { OPT_SOCKET = 256, OPT_LOG_DIR, OPT_LOG_FILE, OPT_BACKLOG, OPT_CLIENT_LIMIT, OPT_NO_FORK };
    static const struct option opts[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"log-dir", required_argument, NULL, OPT_LOG_DIR},
        {"log-file", required_argument, NULL, OPT_LOG_FILE},
        {"backlog", required_argument, NULL, OPT_BACKLOG},
        {"client-limit", required_argument, NULL, OPT_CLIENT_LIMIT},
        {"interactive", no_argument, NULL, 'i'},
        {"no-fork", no_argument, NULL, OPT_NO_FORK},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rundir = xc_default_rundir();
    snprintf(xcd.socket_path, sizeof(xcd.socket_path), "%s/xenconsoled.sock", rundir);
    snprintf(xcd.log_dir, sizeof(xcd.log_dir), "%s/log/console", rundir);
    int c;
    while ((c = getopt_long(argc, argv, "ih", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SOCKET:
            snprintf(xcd.socket_path, sizeof(xcd.socket_path), "%s", optarg);
            break;
        case OPT_LOG_DIR:
            snprintf(xcd.log_dir, sizeof(xcd.log_dir), "%s", optarg);
            break;
        case OPT_LOG_FILE:
            xcd.log_file = optarg;
            break;
        case OPT_BACKLOG:
            if (parse_size("--backlog", optarg, 0, &xcd_config.backlog_bytes) < 0)
                return -1;
            break;
        case OPT_CLIENT_LIMIT:
            if (parse_size("--client-limit", optarg, 4096, &xcd_config.client_limit) < 0)
                return -1;
            break;
        case 'i':
        case OPT_NO_FORK:
            break; /* we never fork */
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return -1;
    }
    xcd_config.socket_path = xcd.socket_path;
    xcd_config.log_dir = xcd.log_dir;
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) < 0)
        return 2;
    for (size_t i = 0; i < sizeof(start_steps) / sizeof(start_steps[0]); i++) {
        xcd.why[0] = '\0';
        if (start_steps[i].fn() < 0) {
            /* To --log-file, else (or if that is what failed) stderr. */
            log_info("xenconsoled not started: %s: %s", start_steps[i].name, xcd.why);
            stop_all();
            return 1;
        }
    }
    log_info("xenconsoled started (pid %d): sessions on %s, guest logs in %s", (int)getpid(),
             xcd.socket_path, xcd.log_dir);
    run_loop();
    stop_all();
    return 1;
}
