/*
 * main.c - netback, Xenolith's network backend: serves every vif of every
 * guest (netif rings, xen-abi.md 11) and switches their frames in its own
 * learning bridges, one per bridge name, with an optional host TAP device
 * per "tap:NAME" bridge. The hypervisor daemon starts and supervises it
 * (hypervisor/services.c), and starts it again if it dies; the new process
 * picks its vifs up where the rings stand (vif.c).
 *
 * Usage: netback [--log-file FILE]
 * Environment: XENOLITH_RUNDIR and XENSTORED_PATH (set by the daemon).
 *
 * One thread, one epoll loop (docs/network.md): the xenbus watch fd, one
 * eventfd per queue, one fd per TAP device, and a 1 s timer that
 * publishes the per-vif statistics (<backend>/stats). Rings touched in a
 * turn are pushed together at its end (nb_flush_dirty).
 * Modules: vif.c (xenbus hooks), tx.c, rx.c (the rings), txparse.c
 * (request validation), switch.c, tap.c, csum.c, gntmap.c, log.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "libxc/trace.h"
#include "libxc/xc.h"
#include "libxc/gnttab.h"
#include "netback.h"

#define CONNECT_TRIES 100     /* x 100 ms: xenstored and the daemon at start */

struct netback nb = {.epoll_fd = -1};

int nb_loop_add(int fd, struct nb_handler *h)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = h};
    return epoll_ctl(nb.epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void nb_loop_del(int fd)
{
    epoll_ctl(nb.epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static uint64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

static struct nb_handler xb_handler, timer_handler;
static int timer_fd = -1;
static bool xb_ready;

static void on_xb(struct nb_handler *h, uint32_t events)
{
    (void)h, (void)events;
    xb_ready = true;   /* run after the turn's ring work (it may free queues) */
}

static void on_timer(struct nb_handler *h, uint32_t events)
{
    (void)h, (void)events;
    uint64_t n;
    if (read(timer_fd, &n, sizeof(n)) < 0)
        return;
    nb.now_s = now_s();
    xb_for_each_device(nb.be, nb_publish_stats, NULL);
}

static int run_loop(void)
{
    struct epoll_event ev[64];
    for (;;) {
        int n = epoll_wait(nb.epoll_fd, ev, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            nb_log("epoll_wait: %s", strerror(errno));
            return 1;
        }
        /* Queue and TAP handlers never free anything, so the whole batch
         * is safe to run; the xenbus work, which may, comes last. */
        for (int i = 0; i < n; i++) {
            struct nb_handler *h = ev[i].data.ptr;
            h->fn(h, ev[i].events);
        }
        nb_flush_dirty();
        if (xb_ready) {
            xb_ready = false;
            int rc = xb_backend_run(nb.be);
            nb_flush_dirty();
            if (rc < 0) {
                nb_log("xenstored is gone (%s); exiting for the supervisor to restart us",
                       strerror(-rc));
                return 1;
            }
        }
    }
}

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static void usage(void)
{
    fprintf(stderr, "usage: netback [--log-file FILE]\n");
}

static int start(void)
{
    int rc = -1;
    for (int i = 0; i < CONNECT_TRIES; i++) {
        rc = xb_backend_open(&nb_vif_ops, &nb.be);
        if (rc == 0)
            break;
        usleep(100 * 1000);
    }
    if (rc < 0) {
        nb_log("cannot reach xenstored and the hypervisor: %s", strerror(-rc));
        return rc;
    }
    nb.xc = xb_backend_xc(nb.be);
    if ((rc = xc_gnttab_open(nb.xc, &nb.gt)) < 0) {
        nb_log("grant handle: %s", strerror(-rc));
        return rc;
    }
    xb_handler.fn = on_xb;
    timer_handler.fn = on_timer;
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
    if (timer_fd < 0 || timerfd_settime(timer_fd, 0, &its, NULL) < 0 ||
        nb_loop_add(timer_fd, &timer_handler) < 0 ||
        nb_loop_add(xb_backend_fd(nb.be), &xb_handler) < 0) {
        nb_log("timer and watch in the loop: %s", strerror(errno));
        return -errno;
    }
    xb_ready = true;   /* devices found at open are handled in the first turn */
    return 0;
}

int main(int argc, char **argv)
{
    /* Trace points (xl trace) stay off, at one branch each, without it. */
    int trc = xc_trace_open(xc_default_rundir(), XL_TRACE_SRC_NETBACK, "netback");
    if (trc < 0)
        fprintf(stderr, "netback: tracing unavailable: %s\n", strerror(-trc));
    static const struct option opts[] = {
        {"log-file", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *log_file = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'l') {
            log_file = optarg;
        } else {
            usage();
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc) {
        usage();
        return 2;
    }
    int rc = nb_log_open(log_file);
    if (rc < 0) {
        fprintf(stderr, "netback: cannot open %s: %s\n", log_file, strerror(-rc));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_term};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    nb.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    nb.sw = sw_create();
    nb.now_s = now_s();
    if (nb.epoll_fd < 0 || !nb.sw) {
        nb_log("epoll or switch: %s", strerror(errno));
        return 1;
    }
    if (start() < 0)
        return 1;
    nb_log("serving vifs (pid %d)", (int)getpid());
    return run_loop();
}
