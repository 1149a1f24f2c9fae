/*
 * daemon.c - the hypervisor daemon: one epoll loop on the main thread for
 * the control socket, the domain-shutdown eventfd and SIGTERM/SIGINT.
 *
 * Start-up runs the steps of start_steps[] in order and names the one that
 * fails; shutdown destroys every domain and undoes them in reverse.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "domain.h"
#include "evtchn_kick.h"
#include "kvm.h"
#include "log.h"
#include "services.h"
#include "vcpu.h"
#include "vtime.h"
#include "libxc/trace.h"

#define MAX_CONNS 256
#define PATH_LEN 600

struct conn {
    int fd;
    uint32_t id;           /* unique for the daemon's life: owns Dom0 ports */
    int waiting;           /* a DOMAIN_WAIT is parked */
    uint32_t wait_domid;
};

static struct {
    char rundir[PATH_LEN];
    int pid_fd, listen_fd, notify_fd, signal_fd, epoll_fd;
    struct conn conns[MAX_CONNS];
    uint8_t *req_buf, *reply_buf;
    int stopping;
} dm = {.pid_fd = -1, .listen_fd = -1, .notify_fd = -1, .signal_fd = -1, .epoll_fd = -1};

static char fail_reason[1400];

/* ---- start-up steps --------------------------------------------------- */

/* mkdir -p: the run directory's parents may not exist yet. */
static int mkdir_parents(const char *dir)
{
    char path[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static int make_dirs(void)
{
    char path[PATH_LEN + 32];
    const char *subdirs[] = {"", "/log", "/log/console"};
    if (mkdir_parents(dm.rundir) < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "cannot create the parents of %s: %s",
                 dm.rundir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", dm.rundir, subdirs[i]);
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            snprintf(fail_reason, sizeof(fail_reason), "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
    }
    snprintf(path, sizeof(path), "%s/log/console", dm.rundir);
    domain_set_console_dir(path);
    return 0;
}

/* The pid file's lock is what makes a second daemon on one run directory
 * fail cleanly: it is held for the daemon's whole life. */
static int lock_pid_file(void)
{
    char path[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s/xenolith.pid", dm.rundir);
    dm.pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (dm.pid_fd < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(dm.pid_fd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = "";
        ssize_t n = pread(dm.pid_fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        snprintf(fail_reason, sizeof(fail_reason),
                 "a daemon already runs on %s (pid %s)", dm.rundir, buf[0] ? buf : "?");
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(dm.pid_fd, 0) < 0 || pwrite(dm.pid_fd, pid, (size_t)n, 0) != n) {
        snprintf(fail_reason, sizeof(fail_reason), "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_log(void)
{
    char path[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s/log/xenolith.log", dm.rundir);
    int rc = log_open(path);
    if (rc < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "cannot open %s: %s", path, strerror(-rc));
        return -1;
    }
    return 0;
}

static int open_kvm(void)
{
    char why[256];
    if (kvm_init(why, sizeof(why)) < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "%s", why);
        return -1;
    }
    vcpu_signals_init();
    int rc = domain_system_init();
    /* The helper threads take no signal: one they left unblocked would be
     * theirs to take (a SIGCHLD discarded there, and a dead Dom0 service
     * never restarted), not the event loop's signalfd's. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (rc == 0)
        rc = vtime_init();
    if (rc == 0)
        rc = evtchn_kick_init();
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "event channels and timers: %s", strerror(-rc));
        return -1;
    }
    log_info("KVM ready: %s, TSC %u kHz", kvm_is_pvm() ? "kvm_pvm (PVM mode guests)" : "hardware KVM",
             kvm_tsc_khz());
    return 0;
}

static int open_control_socket(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dm.rundir, XLCTL_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof(a.sun_path)) {
        snprintf(fail_reason, sizeof(fail_reason), "run directory path too long for a socket");
        return -1;
    }
    unlink(a.sun_path); /* stale: we hold the pid lock, so nobody serves it */
    dm.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (dm.listen_fd < 0 || bind(dm.listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        chmod(a.sun_path, 0600) < 0 || listen(dm.listen_fd, 64) < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "control socket %s: %s", a.sun_path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int epoll_add(int fd, uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(dm.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_LISTEN = 1u << 20, TAG_NOTIFY, TAG_SIGNAL };

static int open_loop(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD); /* a Dom0 service died */
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    dm.signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
    dm.notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    dm.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    dm.req_buf = malloc(sizeof(struct xlctl_hdr) + XLCTL_MAX_PAYLOAD + 1);
    dm.reply_buf = malloc(XLCTL_MAX_PAYLOAD);
    if (dm.signal_fd < 0 || dm.notify_fd < 0 || dm.epoll_fd < 0 || !dm.req_buf || !dm.reply_buf ||
        epoll_add(dm.listen_fd, TAG_LISTEN) < 0 || epoll_add(dm.notify_fd, TAG_NOTIFY) < 0 ||
        epoll_add(dm.signal_fd, TAG_SIGNAL) < 0) {
        snprintf(fail_reason, sizeof(fail_reason), "event loop set-up: %s", strerror(errno));
        return -1;
    }
    domain_set_notify_fd(dm.notify_fd);
    for (int i = 0; i < MAX_CONNS; i++)
        dm.conns[i].fd = -1;
    return 0;
}

/* Trace points (libxc/trace.h) stay off, and cost one branch, when this fails. */
static int start_tracing(void)
{
    int rc = xc_trace_open(dm.rundir, XL_TRACE_SRC_HV, "xenolith");
    if (rc < 0)
        log_info("tracing unavailable: %s", strerror(-rc));
    return 0;
}

static int start_services(void)
{
    return services_start(dm.rundir, fail_reason, sizeof(fail_reason)) < 0 ? -1 : 0;
}

static const struct {
    const char *name;
    int (*fn)(void);
} start_steps[] = {
    {"run directory", make_dirs},
    {"pid file", lock_pid_file},
    {"log", open_log},
    {"KVM", open_kvm},
    {"control socket", open_control_socket},
    {"event loop", open_loop},
    {"tracing", start_tracing},
    {"Dom0 services", start_services},
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Reverse of start_steps; safe after a partial start. */
static void stop_all(void)
{
    domain_destroy_all();
    /* Hang up on every control client before stopping the services: one
     * waiting for our answer (xenstored releasing a destroyed domain's
     * ring) would otherwise never see its SIGTERM while this thread,
     * which answers requests, waits for it to exit. */
    for (int i = 0; i < MAX_CONNS; i++)
        close_fd(&dm.conns[i].fd);
    bool had_socket = dm.listen_fd >= 0;   /* ours to remove; else another daemon's */
    close_fd(&dm.listen_fd);
    services_stop();
    evtchn_kick_shutdown();
    vtime_shutdown();
    close_fd(&dm.epoll_fd);
    close_fd(&dm.signal_fd);
    close_fd(&dm.notify_fd);
    if (had_socket) {
        char path[PATH_LEN + 32];
        snprintf(path, sizeof(path), "%s/%s", dm.rundir, XLCTL_SOCKET_NAME);
        unlink(path);
    }
    free(dm.req_buf);
    free(dm.reply_buf);
    log_info("hypervisor stopped");
    log_close();
    if (dm.pid_fd >= 0) {
        if (ftruncate(dm.pid_fd, 0) < 0) {
            /* the lock, not the content, says whether we run */
        }
        close_fd(&dm.pid_fd);
    }
}

/* ---- connections ------------------------------------------------------ */

static void accept_conn(void)
{
    int fd = accept4(dm.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t cl = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
        (cred.uid != 0 && cred.uid != geteuid())) {
        log_info("control: refused a client with uid %d (root or the daemon's uid only)",
                 (int)cred.uid);
        close(fd);
        return;
    }
    for (int i = 0; i < MAX_CONNS; i++) {
        if (dm.conns[i].fd < 0) {
            static uint32_t next_id;
            dm.conns[i] = (struct conn){.fd = fd, .id = ++next_id};
            if (epoll_add(fd, (uint64_t)i) == 0)
                return;
            dm.conns[i].fd = -1;
            break;
        }
    }
    log_info("control: too many clients, one refused");
    close(fd);
}

static void send_reply(struct conn *c, struct control_reply *r)
{
    struct iovec iov[2] = {
        {.iov_base = &r->hdr, .iov_len = sizeof(r->hdr)},
        {.iov_base = r->payload, .iov_len = r->len},
    };
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    int fds[2] = {r->fd, r->fd2};
    size_t nfds = r->fd < 0 ? 0 : r->fd2 < 0 ? 1 : 2;
    if (nfds) {
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    }
    if (sendmsg(c->fd, &msg, MSG_NOSIGNAL) < 0)
        log_warn("control: reply to op %u lost", r->hdr.op);
}

static void drop_conn(struct conn *c)
{
    control_client_gone(c->id);
    close_fd(&c->fd);
    c->waiting = 0;
}

static void check_waiters(void)
{
    struct control_reply r = {.payload = dm.reply_buf};
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &dm.conns[i];
        if (c->fd >= 0 && c->waiting && control_wait_ready(c->wait_domid, &r)) {
            c->waiting = 0;
            send_reply(c, &r);
        }
    }
}

static void serve_conn(struct conn *c)
{
    ssize_t n = recv(c->fd, dm.req_buf, sizeof(struct xlctl_hdr) + XLCTL_MAX_PAYLOAD + 1, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop_conn(c);
        return;
    }
    if (n < 0)
        return;
    if (c->waiting) {
        /* One request at a time: a client that talks while its wait is
         * parked broke the protocol; it loses the connection. */
        drop_conn(c);
        return;
    }
    struct control_reply r = {.payload = dm.reply_buf, .client = c->id};
    control_handle(dm.req_buf, (size_t)n, &r);
    if (r.wait_pending) {
        c->waiting = 1;
        c->wait_domid = r.wait_domid;
        return;
    }
    send_reply(c, &r);
    if (r.stop_daemon) {
        log_info("stop requested over the control socket");
        dm.stopping = 1;
    }
}

/* ---- domain shutdown -------------------------------------------------- */

static void collect_shutdown(struct domain *d, void *arg)
{
    struct domain **list = arg;
    pthread_mutex_lock(&d->lock);
    bool pending = d->state == XLCTL_STATE_SHUTDOWN && !d->shutdown_handled;
    if (pending)
        d->shutdown_handled = true;
    pthread_mutex_unlock(&d->lock);
    if (pending) {
        for (int i = 0; i < (int)DOMAIN_MAX_DOMAINS; i++) {
            if (!list[i]) {
                list[i] = d;
                break;
            }
        }
    }
}

/* Applies on_poweroff/on_reboot/on_crash. Restart is the toolstack's job
 * (xl's per-domain monitor rebuilds it); the daemon keeps the domain. */
static void handle_shutdowns(void)
{
    uint64_t count;
    if (read(dm.notify_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        log_warn("notify eventfd");
    check_waiters(); /* waiters learn the reason before any destroy */
    static struct domain *list[DOMAIN_MAX_DOMAINS];
    memset(list, 0, sizeof(list));
    domain_foreach(collect_shutdown, list);
    for (unsigned i = 0; i < DOMAIN_MAX_DOMAINS && list[i]; i++) {
        struct domain *d = list[i];
        switch (domain_shutdown_action(d)) {
        case XLCTL_ACTION_DESTROY:
            domain_destroy(d);
            break;
        case XLCTL_ACTION_PRESERVE:
            log_info("d%u: preserved after shutdown", d->domid);
            break;
        case XLCTL_ACTION_RESTART:
            log_info("d%u: left for the toolstack to restart", d->domid);
            break;
        }
    }
    check_waiters();
}

static void main_loop(void)
{
    struct epoll_event evs[32];
    while (!dm.stopping) {
        int n = epoll_wait(dm.epoll_fd, evs, 32, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_warn("epoll_wait");
            break;
        }
        for (int i = 0; i < n && !dm.stopping; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag == TAG_LISTEN) {
                accept_conn();
            } else if (tag == TAG_NOTIFY) {
                handle_shutdowns();
            } else if (tag == TAG_SIGNAL) {
                struct signalfd_siginfo si;
                if (read(dm.signal_fd, &si, sizeof(si)) != sizeof(si))
                    continue;
                if (si.ssi_signo == SIGCHLD) {
                    services_reap();
                    continue;
                }
                log_info("signal %u: stopping", si.ssi_signo);
                dm.stopping = 1;
            } else if (tag < MAX_CONNS && dm.conns[tag].fd >= 0) {
                serve_conn(&dm.conns[tag]);
                check_waiters();
            }
        }
    }
}

static void report_ready(int ready_fd, const char *line)
{
    if (ready_fd < 0)
        return;
    ssize_t w = write(ready_fd, line, strlen(line));
    (void)w; /* the starter may have gone; nothing else to tell */
    close(ready_fd);
}

int daemon_run(const char *rundir, int ready_fd)
{
    snprintf(dm.rundir, sizeof(dm.rundir), "%s", rundir);
    for (size_t i = 0; i < sizeof(start_steps) / sizeof(start_steps[0]); i++) {
        if (start_steps[i].fn() < 0) {
            char line[1500];
            snprintf(line, sizeof(line), "error %s: %s\n", start_steps[i].name, fail_reason);
            if (dm.pid_fd >= 0 && i > 1)
                log_info("start failed at %s: %s", start_steps[i].name, fail_reason);
            report_ready(ready_fd, line);
            if (i > 1) /* we own the run directory only past the pid lock */
                stop_all();
            return 1;
        }
    }
    log_info("hypervisor started, pid %d, run directory %s", (int)getpid(), dm.rundir);
    char line[64];
    snprintf(line, sizeof(line), "ok %d\n", (int)getpid());
    report_ready(ready_fd, line);
    main_loop();
    stop_all();
    return 0;
}
