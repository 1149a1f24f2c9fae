/*
 * main.c - blkback, Xenolith's block backend: serves every vbd the
 * toolstack puts under /local/domain/0/backend/vbd from a raw image file
 * or a host block device, over Xen's blkif protocol. The hypervisor
 * daemon starts and supervises it; killed, it is started again and
 * resumes every connected device from the shared rings and its shadow
 * files (shadow.h), so no acknowledged write is lost and no request is
 * left unanswered.
 *
 * Usage: blkback [--socket PATH] [--log-file FILE] [--state-dir DIR]
 *                [--max-ring-page-order N] [--max-queues N]
 *                [--max-indirect-segments N] [--no-persistent] [--no-flush]
 *                [--no-discard] [--no-direct] [--poll-us N] [--no-fork]
 * Defaults: everything offered (ring order 4, 4 queues, 256 indirect
 * segments); no spinning before sleeping (--poll-us 0 measured best with
 * two CPUs shared by the guest, blkback and the disk); the socket
 * $XENOLITH_RUNDIR/blkback.sock, shadow files in $XENOLITH_RUNDIR/blkback/,
 * messages to stderr.
 *
 * The socket answers each connection with one line per queue of every
 * connected device ("d3 vbd 51712 q0 requests=... errors=..."), then
 * closes: for tests, and as the daemon's readiness check.
 *
 * Threads: this one (xenbus, the socket, signals) and one per connected
 * queue (queue.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "libxc/trace.h"
#include "blkback.h"
#include "libxc/xc.h"

#define CONNECT_WAIT_MS 10000


static struct {
    char socket_path[PATH_MAX];
    int listen_fd, signal_fd, epoll_fd;
    struct xb_backend *be;
} m = {.listen_fd = -1, .signal_fd = -1, .epoll_fd = -1};

static void usage(void)
{
    fprintf(stderr,
            "usage: blkback [--socket PATH] [--log-file FILE] [--state-dir DIR]\n"
            "               [--max-ring-page-order N] [--max-queues N] [--max-indirect-segments N]\n"
            "               [--no-persistent] [--no-flush] [--no-discard] [--no-direct]\n"
            "               [--poll-us N] [--no-fork]\n");
    exit(2);
}

static unsigned parse_uint(const char *opt, const char *s, unsigned max)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (end == s || *end || v > max) {
        fprintf(stderr, "blkback: %s: '%s' is not a number from 0 to %u\n", opt, s, max);
        exit(2);
    }
    return (unsigned)v;
}

static int listen_on(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

struct stats_out {
    FILE *f;
};

static void stats_one(struct xb_device *xb, void *arg)
{
    struct stats_out *o = arg;
    struct blk_dev *d = xb->priv;
    if (!d) {
        fprintf(o->f, "d%u vbd %u state=%d not-probed\n", xb->fe_domid, xb->devid, xb->state);
        return;
    }
    fprintf(o->f, "%s state=%d connected=%d queues=%u ring-order=%u persistent=%d indirect=%u "
                  "direct=%d readonly=%d sectors=%" PRIu64 "\n",
            d->name, xb->state, xb->connected, d->nr_queues, d->ring_order, d->persistent,
            d->lim.max_indirect, d->img.direct, d->lim.readonly, d->lim.sectors);
    for (unsigned i = 0; i < d->nr_queues; i++) {
        struct blk_queue_stats s;
        blk_queue_stats(d->q[i], &s);
        fprintf(o->f,
                "%s q%u requests=%" PRIu64 " errors=%" PRIu64 " bytes=%" PRIu64
                " notifies=%" PRIu64 " wakeups=%" PRIu64 " maps=%" PRIu64
                " persistent-maps=%" PRIu64 " broken=%d\n",
                d->name, i, s.requests, s.errors, s.bytes, s.notifies, s.wakeups, s.maps,
                s.persistent_maps, blk_queue_broken(d->q[i]));
    }
}

static void serve_stats(void)
{
    for (;;) {
        int c = accept4(m.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        FILE *f = fdopen(c, "w");
        if (!f) {
            close(c);
            continue;
        }
        struct stats_out o = {.f = f};
        xb_for_each_device(m.be, stats_one, &o);
        fclose(f);
    }
}

/* A queue broke: close its device (the other devices are untouched). */
static void close_broken(struct xb_device *xb, void *arg)
{
    (void)arg;
    struct blk_dev *d = xb->priv;
    if (!d || !xb->connected)
        return;
    for (unsigned i = 0; i < d->nr_queues; i++) {
        if (d->q[i] && blk_queue_broken(d->q[i])) {
            xb_write_be(xb, "error", "ring broken by the frontend");
            blk_dev_stop(xb);
            xb_set_state(xb, XenbusStateClosing);
            return;
        }
    }
}

static int open_backend(void)
{
    int rc = -ENOENT;
    for (int waited = 0; waited <= CONNECT_WAIT_MS; waited += 50) {
        rc = xb_backend_open(&blk_backend_ops, &m.be);
        if (rc == 0)
            return 0;
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *log_file = NULL, *sock = NULL, *state_dir = NULL;
    static const struct option opts[] = {
        {"socket", required_argument, 0, 's'},
        {"log-file", required_argument, 0, 'l'},
        {"state-dir", required_argument, 0, 'd'},
        {"max-ring-page-order", required_argument, 0, 'o'},
        {"max-queues", required_argument, 0, 'q'},
        {"max-indirect-segments", required_argument, 0, 'i'},
        {"no-persistent", no_argument, 0, 'P'},
        {"no-flush", no_argument, 0, 'F'},
        {"no-discard", no_argument, 0, 'D'},
        {"no-direct", no_argument, 0, 'O'},
        {"poll-us", required_argument, 0, 'p'},
        {"no-fork", no_argument, 0, 'n'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': sock = optarg; break;
        case 'l': log_file = optarg; break;
        case 'd': state_dir = optarg; break;
        case 'o': blk_config.max_ring_order = parse_uint("--max-ring-page-order", optarg, BLKIF_RING_ORDER_MAX); break;
        case 'q': blk_config.max_queues = parse_uint("--max-queues", optarg, BLKIF_QUEUES_MAX); break;
        case 'i': blk_config.max_indirect = parse_uint("--max-indirect-segments", optarg, BLKIF_INDIRECT_SEGS_MAX); break;
        case 'P': blk_config.persistent = false; break;
        case 'F': blk_config.flush = false; break;
        case 'D': blk_config.discard = false; break;
        case 'O': blk_config.direct = false; break;
        case 'p': blk_config.poll_us = parse_uint("--poll-us", optarg, 100000); break;
        case 'n': break;
        default: usage();
        }
    }
    if (optind != argc)
        usage();
    if (log_file) {
        int fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "blkback: %s: %s\n", log_file, strerror(errno));
            return 1;
        }
        dup2(fd, 2);
        close(fd);
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    const char *rundir = xc_default_rundir();
    snprintf(m.socket_path, sizeof(m.socket_path), "%s/blkback.sock", rundir);
    if (sock)
        snprintf(m.socket_path, sizeof(m.socket_path), "%s", sock);
    if (state_dir)
        snprintf(blk_config.state_dir, sizeof(blk_config.state_dir), "%s", state_dir);
    else
        snprintf(blk_config.state_dir, sizeof(blk_config.state_dir), "%s/blkback", rundir);
    if (blk_config.state_dir[0] && mkdir(blk_config.state_dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "blkback: %s: %s; restarts will not resume\n", blk_config.state_dir,
                strerror(errno));
        blk_config.state_dir[0] = '\0';
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    m.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    blk_attention_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (m.signal_fd < 0 || blk_attention_fd < 0 || m.epoll_fd < 0) {
        fprintf(stderr, "blkback: start: %s\n", strerror(errno));
        return 1;
    }
    int rc = open_backend();
    if (rc < 0) {
        fprintf(stderr, "blkback not started: xenstored or the hypervisor: %s\n", strerror(-rc));
        return 1;
    }
    m.listen_fd = listen_on(m.socket_path);
    if (m.listen_fd < 0) {
        fprintf(stderr, "blkback not started: %s: %s\n", m.socket_path, strerror(-m.listen_fd));
        return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN};
    ev.data.u32 = 1;
    epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, xb_backend_fd(m.be), &ev);
    ev.data.u32 = 2;
    epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.listen_fd, &ev);
    ev.data.u32 = 3;
    epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.signal_fd, &ev);
    ev.data.u32 = 4;
    epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, blk_attention_fd, &ev);
    /* Trace points (xl trace) stay off, at one branch each, without it. */
    int trc = xc_trace_open(xc_default_rundir(), XL_TRACE_SRC_BLKBACK, "blkback");
    if (trc < 0)
        fprintf(stderr, "blkback: tracing unavailable: %s\n", strerror(-trc));
    fprintf(stderr, "blkback started (pid %d): socket %s, shadows in %s\n", (int)getpid(),
            m.socket_path, blk_config.state_dir[0] ? blk_config.state_dir : "(none)");
    /* Devices found at start were handled in xb_backend_open; run any
     * event queued since. */
    xb_backend_run(m.be);

    bool stop = false;
    while (!stop) {
        struct epoll_event evs[8];
        int n = epoll_wait(m.epoll_fd, evs, 8, -1);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "blkback: epoll_wait: %s\n", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            switch (evs[i].data.u32) {
            case 1:
                if (xb_backend_run(m.be) < 0) {
                    fprintf(stderr, "blkback: lost xenstored; stopping\n");
                    stop = true;
                }
                break;
            case 2:
                serve_stats();
                break;
            case 3: {
                struct signalfd_siginfo si;
                while (read(m.signal_fd, &si, sizeof(si)) == sizeof(si))
                    stop = true;
                break;
            }
            case 4: {
                uint64_t v;
                if (read(blk_attention_fd, &v, sizeof(v)) == sizeof(v))
                    xb_for_each_device(m.be, close_broken, NULL);
                break;
            }
            }
        }
    }
    /* Stopping: every queue answers what it has in flight; the devices stay
     * Connected in xenstore, so a new blkback resumes them. */
    blk_shutting_down = true;
    xb_backend_close(m.be);
    close(m.listen_fd);
    unlink(m.socket_path);
    fprintf(stderr, "blkback stopped\n");
    return 0;
}
