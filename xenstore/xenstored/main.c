/*
 * main.c - the xenstored command: options, start-up and shutdown.
 *
 * Start-up runs start_steps[] in order and names the step that fails;
 * shutdown undoes the steps in reverse. Like C xenstored the daemon
 * forks into the background unless -N is given; the parent returns only
 * once the socket accepts clients (or with the reason it never will), so
 * a script may use the store as soon as `xenstored` has returned.
 *
 * The socket path is --socket, else $XENSTORED_PATH (the variable Xen's
 * libxenstore reads), else <run dir>/xenstored.sock with the run
 * directory of the other Xenolith daemons ($XENOLITH_RUNDIR, /run/xenolith
 * for root, /tmp/xenolith-<uid> otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "domain.h"
#include "log.h"
#include "ring.h"
#include "loop.h"
#include "persist.h"
#include "quota.h"
#include "socket.h"
#include "store.h"

#define SOCKET_NAME "xenstored.sock"

static struct {
    char socket_path[512];
    const char *pid_file;
    const char *log_file;
    const char *state_file;
    bool foreground;
    bool verbose;
    int pid_fd;
} opt = {.pid_fd = -1};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenstored [options]\n"
            "\n"
            "  -s, --socket PATH        listen on PATH (default $XENSTORED_PATH, else\n"
            "                           $XENOLITH_RUNDIR/" SOCKET_NAME ")\n"
            "  -F, --pid-file FILE      write the daemon's pid to FILE\n"
            "  -N, --no-fork            stay in the foreground\n"
            "  -T, --log-file FILE      log to FILE (default: stderr; nowhere once forked)\n"
            "      --state-file FILE    keep the store and the introduced domains in FILE\n"
            "                           and start from it (default: none, start empty)\n"
            "  -v, --verbose            log every request\n"
            "      --poll-us N          after a busy turn, poll N microseconds for the\n"
            "                           next request before sleeping (default %u; 0: never)\n"
            "  -E, --entry-nb N         quota: nodes owned per domain\n"
            "  -S, --entry-size N       quota: node size in bytes\n"
            "  -W, --watch-nb N         quota: watches per domain\n"
            "  -t, --transaction N      quota: open transactions per domain\n"
            "  -A, --perm-nb N          quota: permission entries per node\n"
            "  -M, --path-max N         quota: path length (at most 2048)\n"
            "  -Q, --quota NAME=N       set any quota by its Xen name:\n",
            LOOP_POLL_US_DEFAULT);
    for (int q = 0; q < QUOTA_N; q++)
        fprintf(f, "                             %-17s %8u  %s\n", quotas[q].name, quotas[q].def,
                quotas[q].descr);
    fprintf(f, "  -H, --help               this text\n");
}

static void default_socket_path(char *buf, size_t size)
{
    const char *env = getenv("XENSTORED_PATH");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return;
    }
    env = getenv("XENOLITH_RUNDIR");
    if (env && *env)
        snprintf(buf, size, "%s/" SOCKET_NAME, env);
    else if (geteuid() == 0)
        snprintf(buf, size, "/run/xenolith/" SOCKET_NAME);
    else
        snprintf(buf, size, "/tmp/xenolith-%u/" SOCKET_NAME, (unsigned int)geteuid());
}

#define OPT_STATE 256 /* long options only */
#define OPT_POLL_US 257

static int parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"socket", required_argument, NULL, 's'},   {"pid-file", required_argument, NULL, 'F'},
        {"no-fork", no_argument, NULL, 'N'},        {"foreground", no_argument, NULL, 'N'},
        {"log-file", required_argument, NULL, 'T'}, {"trace-file", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},        {"entry-nb", required_argument, NULL, 'E'},
        {"entry-size", required_argument, NULL, 'S'}, {"watch-nb", required_argument, NULL, 'W'},
        {"transaction", required_argument, NULL, 't'}, {"perm-nb", required_argument, NULL, 'A'},
        {"path-max", required_argument, NULL, 'M'}, {"quota", required_argument, NULL, 'Q'},
        {"help", no_argument, NULL, 'H'},           {"state-file", required_argument, NULL, OPT_STATE},
        {"poll-us", required_argument, NULL, OPT_POLL_US},
        {NULL, 0, NULL, 0},
    };
    int c, err;
    default_socket_path(opt.socket_path, sizeof(opt.socket_path));
    while ((c = getopt_long(argc, argv, "s:F:NT:vE:S:W:t:A:M:Q:Hh", longopts, NULL)) != -1) {
        err = 0;
        switch (c) {
        case 's':
            if (strlen(optarg) >= sizeof(opt.socket_path)) {
                fprintf(stderr, "xenstored: socket path too long: %s\n", optarg);
                return -1;
            }
            snprintf(opt.socket_path, sizeof(opt.socket_path), "%s", optarg);
            break;
        case 'F':
            opt.pid_file = optarg;
            break;
        case OPT_STATE:
            opt.state_file = optarg;
            break;
        case OPT_POLL_US: {
            char *end;
            unsigned long us = strtoul(optarg, &end, 10);
            if (!*optarg || *end || us > 1000000) {
                fprintf(stderr, "xenstored: --poll-us %s: 0 to 1000000 microseconds\n", optarg);
                return -1;
            }
            loop_set_poll_us((unsigned int)us);
            break;
        }
        case 'N':
            opt.foreground = true;
            break;
        case 'T':
            opt.log_file = optarg;
            break;
        case 'v':
            opt.verbose = true;
            break;
        case 'E':
            err = quota_set_item(QUOTA_NODES, optarg);
            break;
        case 'S':
            err = quota_set_item(QUOTA_NODE_SIZE, optarg);
            break;
        case 'W':
            err = quota_set_item(QUOTA_WATCHES, optarg);
            break;
        case 't':
            err = quota_set_item(QUOTA_TRANSACTIONS, optarg);
            break;
        case 'A':
            err = quota_set_item(QUOTA_NODE_PERMS, optarg);
            break;
        case 'M':
            err = quota_set_item(QUOTA_PATH_MAX, optarg);
            break;
        case 'Q':
            err = quota_set_arg(optarg);
            break;
        case 'H':
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
        if (err) {
            fprintf(stderr, "xenstored: -%c %s: invalid quota value\n", c, optarg);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "xenstored: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* ---- start-up steps --------------------------------------------------------- */

static char fail_reason[768];

static int step_log(void)
{
    log_set_debug(opt.verbose);
    int err = log_open(opt.log_file);
    if (err < 0)
        snprintf(fail_reason, sizeof(fail_reason), "cannot open log file %s: %s", opt.log_file,
                 strerror(-err));
    return err;
}

static int step_store(void)
{
    return store_init();
}

static int step_state(void)
{
    if (!opt.state_file)
        return 0;
    int err = persist_open(opt.state_file);
    if (err < 0)
        snprintf(fail_reason, sizeof(fail_reason), "state file %s: %s", opt.state_file,
                 strerror(-err));
    return err;
}

static int step_pid_file(void)
{
    if (!opt.pid_file)
        return 0;
    opt.pid_fd = open(opt.pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (opt.pid_fd < 0) {
        int err = -errno;
        snprintf(fail_reason, sizeof(fail_reason), "cannot write pid file %s: %s", opt.pid_file,
                 strerror(errno));
        return err;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (write(opt.pid_fd, buf, (size_t)n) != n)
        return -EIO;
    return 0;
}

static int step_socket(void)
{
    int err = socket_listen(opt.socket_path);
    if (err == -EADDRINUSE)
        snprintf(fail_reason, sizeof(fail_reason), "a xenstored already serves %s",
                 opt.socket_path);
    else if (err < 0)
        snprintf(fail_reason, sizeof(fail_reason), "cannot listen on %s: %s", opt.socket_path,
                 strerror(-err));
    return err;
}

static void undo_log(void)
{
    log_close();
}

static void undo_pid_file(void)
{
    if (opt.pid_fd >= 0) {
        close(opt.pid_fd);
        unlink(opt.pid_file);
    }
}

static const struct {
    const char *name;
    int (*start)(void);
    void (*stop)(void);
} start_steps[] = {
    {"log", step_log, undo_log},
    {"store", step_store, store_fini},
    {"domains", domain_init, domain_fini},
    {"state file", step_state, persist_close},
    {"core", core_init, core_fini},
    {"event loop", loop_init, loop_fini},
    {"guest rings", ring_init, ring_fini},
    {"guests of the state file", persist_attach_guests, NULL},
    {"socket", step_socket, socket_fini},
    {"pid file", step_pid_file, undo_pid_file},
};
#define NSTEPS (sizeof(start_steps) / sizeof(start_steps[0]))

static void stop_from(size_t n)
{
    while (n-- > 0)
        if (start_steps[n].stop)
            start_steps[n].stop();
}

/* Runs the steps; on failure undoes the done ones and says which failed. */
static int start(void)
{
    for (size_t i = 0; i < NSTEPS; i++) {
        int err = start_steps[i].start();
        if (err < 0) {
            if (!fail_reason[0])
                snprintf(fail_reason, sizeof(fail_reason), "%s", strerror(-err));
            fprintf(stderr, "xenstored: start-up step '%s' failed: %s\n", start_steps[i].name,
                    fail_reason);
            log_info("start-up step '%s' failed: %s", start_steps[i].name, fail_reason);
            stop_from(i);
            return -1;
        }
    }
    return 0;
}

/* Forks; the parent waits for the child's verdict on a pipe and exits
 * with it. Returns in the child with the pipe's write end. */
static int daemonize(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        perror("xenstored: pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("xenstored: fork");
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        char ok = 0;
        ssize_t n = read(p[0], &ok, 1);
        exit(n == 1 && ok == 1 ? 0 : 1);
    }
    close(p[0]);
    setsid();
    return p[1];
}

static void detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) < 0)
        return 2;
    int ready_fd = opt.foreground ? -1 : daemonize();
    if (start() < 0)
        return 1; /* the parent sees the pipe close without a byte */
    log_info("serving %s (pid %d)", opt.socket_path, (int)getpid());
    if (ready_fd >= 0) {
        char ok = 1;
        if (!opt.log_file)
            log_close();
        detach_stdio();
        if (write(ready_fd, &ok, 1) != 1)
            return 1;
        close(ready_fd);
    }
    int err = loop_run();
    log_info("stopping");
    stop_from(NSTEPS);
    return err < 0 ? 1 : 0;
}
