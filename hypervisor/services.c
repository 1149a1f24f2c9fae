/*
 * services.c - supervised Dom0 services (see services.h).
 */
#include "services.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define RESTART_BURST 5        /* deaths ... */
#define RESTART_WINDOW_S 10    /* ... within this many seconds stop restarts */
#define STOP_TIMEOUT_MS 3000

/* A service's command line, built in the child before exec. */
#define MAX_ARGS 16
struct argv_builder {
    char *argv[MAX_ARGS + 1];
    unsigned argc;
    char store[2][PATH_MAX + 64];  /* paths the arguments point into */
};

static void arg(struct argv_builder *a, const char *s)
{
    if (a->argc < MAX_ARGS)
        a->argv[a->argc++] = (char *)s;
}

struct service {
    const char *name;          /* binary name, beside ours */
    const char *socket;        /* its socket under the run dir, for readiness */
    /* Appends its options after argv[0]; sock and logf are its socket and
     * log file (both under the run dir). */
    void (*args)(struct argv_builder *a, const char *sock, const char *logf);
    pid_t pid;
    unsigned deaths;
    time_t window_start;
    bool given_up;
};

static char bin_dir[PATH_MAX];
static char run_dir[PATH_MAX];

static void path_in(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static void args_xenstored(struct argv_builder *a, const char *sock, const char *logf)
{
    arg(a, "--socket");
    arg(a, sock);
    arg(a, "--no-fork");
    arg(a, "--log-file");
    arg(a, logf);
    /* The store outlives a xenstored restart (xenstore/xenstored/persist.h). */
    snprintf(a->store[0], sizeof(a->store[0]), "%s/xenstored.state", run_dir);
    arg(a, "--state-file");
    arg(a, a->store[0]);
}

/* xenconsoled also needs the guests' console log directory, which the
 * hypervisor writes console_io output to (one file per guest for both). */
static void args_xenconsoled(struct argv_builder *a, const char *sock, const char *logf)
{
    snprintf(a->store[0], sizeof(a->store[0]), "%s/log/console", run_dir);
    arg(a, "--socket");
    arg(a, sock);
    arg(a, "--log-dir");
    arg(a, a->store[0]);
    arg(a, "--log-file");
    arg(a, logf);
}

/* The split-driver backends (pv-backends/blkback, netback) take only their
 * log; they find xenstored through XENSTORED_PATH and serve no socket. */
static void args_backend(struct argv_builder *a, const char *sock, const char *logf)
{
    (void)sock;
    arg(a, "--log-file");
    arg(a, logf);
}

/* In start order (the others need xenstored); stopped in reverse. */
static struct service services[] = {
    {.name = "xenstored", .socket = "xenstored.sock", .args = args_xenstored},
    {.name = "xenconsoled", .socket = "xenconsoled.sock", .args = args_xenconsoled},
    {.name = "blkback", .socket = NULL, .args = args_backend},
    {.name = "netback", .socket = NULL, .args = args_backend},
};
#define NR_SERVICES (sizeof(services) / sizeof(services[0]))

static void child_exec(struct service *s)
{
    char bin[PATH_MAX + 64], sock[PATH_MAX + 64], logf[PATH_MAX + 64], xs_sock[PATH_MAX + 64];
    path_in(bin, sizeof(bin), bin_dir, s->name);
    path_in(sock, sizeof(sock), run_dir, s->socket ? s->socket : "");
    path_in(xs_sock, sizeof(xs_sock), run_dir, "xenstored.sock");
    snprintf(logf, sizeof(logf), "%s/log/%s.log", run_dir, s->name);
    setenv("XENOLITH_RUNDIR", run_dir, 1);
    setenv("XENSTORED_PATH", xs_sock, 1);
    /* Our signal mask (blocked for the signalfd) must not leak into it. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
    }
    int err = open(logf, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0)
        dup2(err, 2);
    static struct argv_builder a;
    arg(&a, s->name);
    s->args(&a, sock, logf);
    a.argv[a.argc] = NULL;
    execv(bin, a.argv);
    fprintf(stderr, "%s: exec %s: %s\n", s->name, bin, strerror(errno));
    _exit(127);
}

static int spawn(struct service *s)
{
    char bin[PATH_MAX + 64];
    path_in(bin, sizeof(bin), bin_dir, s->name);
    if (access(bin, X_OK) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0)
        child_exec(s);
    s->pid = pid;
    log_info("service %s started, pid %d", s->name, (int)pid);
    return 0;
}

static bool socket_accepts(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        return false;
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

bool services_wait_ready(const char *name, int timeout_ms)
{
    for (size_t i = 0; i < NR_SERVICES; i++) {
        if (strcmp(services[i].name, name) != 0 || !services[i].socket)
            continue;
        char sock[PATH_MAX + 64];
        path_in(sock, sizeof(sock), run_dir, services[i].socket);
        for (int waited = 0; waited <= timeout_ms; waited += 5) {
            if (socket_accepts(sock))
                return true;
            struct timespec ts = {0, 5 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    return false;
}

int services_start(const char *rundir, char *why, size_t whylen)
{
    ssize_t n = readlink("/proc/self/exe", bin_dir, sizeof(bin_dir) - 1);
    if (n <= 0) {
        snprintf(why, whylen, "cannot find our own binary: %s", strerror(errno));
        return -errno;
    }
    bin_dir[n] = '\0';
    char *slash = strrchr(bin_dir, '/');
    if (slash)
        *slash = '\0';
    snprintf(run_dir, sizeof(run_dir), "%s", rundir);
    /* A new hypervisor is a fresh boot: no domain of the previous one
     * exists, so neither do its xenstore nodes (Xen's xenstored starts
     * empty at boot too). The state file only carries the store across
     * restarts of xenstored while we run. */
    static const char *const stale[] = {"xenstored.state", "xenstored.state.journal",
                                        "xenstored.state.tmp"};
    for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
        char f[PATH_MAX + 64];
        path_in(f, sizeof(f), run_dir, stale[i]);
        if (unlink(f) < 0 && errno != ENOENT)
            log_warn("cannot remove %s: %s", f, strerror(errno));
    }
    /* The daemon itself is a xenstore client too (domain release). */
    char sock[PATH_MAX + 64];
    path_in(sock, sizeof(sock), run_dir, "xenstored.sock");
    setenv("XENSTORED_PATH", sock, 1);
    for (size_t i = 0; i < NR_SERVICES; i++) {
        int rc = spawn(&services[i]);
        if (rc < 0)
            log_info("service %s not started: %s", services[i].name, strerror(-rc));
        else if (services[i].socket && !services_wait_ready(services[i].name, 5000))
            log_info("service %s started but does not answer on its socket yet", services[i].name);
    }
    return 0;
}

static void restart(struct service *s, int status)
{
    time_t now = time(NULL);
    if (now - s->window_start > RESTART_WINDOW_S) {
        s->window_start = now;
        s->deaths = 0;
    }
    s->deaths++;
    if (WIFSIGNALED(status))
        log_info("service %s (pid %d) killed by signal %d", s->name, (int)s->pid, WTERMSIG(status));
    else
        log_info("service %s (pid %d) exited with status %d", s->name, (int)s->pid, WEXITSTATUS(status));
    s->pid = 0;
    if (s->deaths > RESTART_BURST) {
        s->given_up = true;
        log_info("service %s died %u times in %d s: not restarting it", s->name, s->deaths,
                 RESTART_WINDOW_S);
        return;
    }
    if (spawn(s) < 0)
        log_warn("service %s: restart failed", s->name);
}

void services_reap(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < NR_SERVICES; i++)
            if (services[i].pid == pid)
                restart(&services[i], status);
    }
}

pid_t services_pid(const char *name)
{
    for (size_t i = 0; i < NR_SERVICES; i++)
        if (strcmp(services[i].name, name) == 0)
            return services[i].pid;
    return 0;
}

void services_stop(void)
{
    for (size_t i = NR_SERVICES; i-- > 0;) {
        struct service *s = &services[i];
        if (!s->pid)
            continue;
        kill(s->pid, SIGTERM);
        int status = 0;
        int waited = 0;
        while (waitpid(s->pid, &status, WNOHANG) == 0 && waited < STOP_TIMEOUT_MS) {
            struct timespec ts = {0, 10 * 1000000};
            nanosleep(&ts, NULL);
            waited += 10;
        }
        if (waited >= STOP_TIMEOUT_MS) {
            log_info("service %s did not stop in %d ms: killed", s->name, STOP_TIMEOUT_MS);
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
        }
        log_info("service %s stopped", s->name);
        s->pid = 0;
    }
}
