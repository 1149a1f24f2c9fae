/*
 * main.c - the `xenolith` command: start, stop, status and env for the
 * hypervisor daemon (which is this same binary, run with `daemon`).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "libxc/xc.h"

#define STOP_TIMEOUT_MS 15000

static int usage(void)
{
    fprintf(stderr,
            "Usage: xenolith start [--foreground]   start the hypervisor daemon\n"
            "       xenolith stop                   destroy every guest and stop it\n"
            "       xenolith status                 say whether it runs, and how many domains\n"
            "       xenolith env                    print the shell exports for the tools\n"
            "The run directory is $XENOLITH_RUNDIR (now %s).\n",
            xc_default_rundir());
    return 2;
}

/* The daemon's readiness line: "ok PID" or "error STEP: REASON". */
static int read_ready_line(int fd, char *line, size_t len)
{
    size_t used = 0;
    while (used + 1 < len) {
        ssize_t n = read(fd, line + used, len - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    line[used] = '\0';
    line[strcspn(line, "\n")] = '\0';
    return used ? 0 : -1;
}

static int cmd_start(int argc, char **argv)
{
    bool foreground = argc > 2 && strcmp(argv[2], "--foreground") == 0;
    const char *rundir = xc_default_rundir();
    if (foreground)
        return daemon_run(rundir, -1);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        perror("xenolith start: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("xenolith start: fork");
        return 1;
    }
    if (pid == 0) {
        close(p[0]);
        setsid();
        if (fork() != 0)
            _exit(0); /* the daemon is reparented: no zombie, no terminal */
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        _exit(daemon_run(rundir, p[1]));
    }
    close(p[1]);
    waitpid(pid, NULL, 0);
    char line[700];
    int rc = read_ready_line(p[0], line, sizeof(line));
    close(p[0]);
    if (rc < 0) {
        fprintf(stderr, "xenolith start: the daemon exited without saying why (see %s/log/xenolith.log)\n",
                rundir);
        return 1;
    }
    if (strncmp(line, "ok ", 3) != 0) {
        fprintf(stderr, "xenolith start: %s\n", strncmp(line, "error ", 6) == 0 ? line + 6 : line);
        return 1;
    }
    printf("xenolith: started (pid %s), run directory %s\n", line + 3, rundir);
    return 0;
}

static int cmd_status(void)
{
    struct xc *xc;
    const char *rundir = xc_default_rundir();
    if (xc_open(rundir, &xc) < 0) {
        printf("xenolith: not running (run directory %s)\n", rundir);
        return 3;
    }
    struct xlctl_ping_out ping;
    int rc = xc_ping(xc, &ping);
    xc_close(xc);
    if (rc < 0) {
        printf("xenolith: not answering on %s: %s\n", rundir, strerror(-rc));
        return 1;
    }
    printf("xenolith: running (pid %u), %u domain%s besides Domain-0, %s, run directory %s\n",
           ping.pid, ping.nr_domains, ping.nr_domains == 1 ? "" : "s",
           ping.kvm_pvm ? "kvm_pvm" : "hardware KVM", rundir);
    return 0;
}

/* The daemon holds an exclusive lock on its pid file for its whole life;
 * the lock is gone the moment it exits, even before its parent reaps it
 * (kill(pid, 0) would still see the zombie). */
static bool daemon_alive(const char *rundir)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/xenolith.pid", rundir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

static int cmd_stop(void)
{
    struct xc *xc;
    const char *rundir = xc_default_rundir();
    if (xc_open(rundir, &xc) < 0) {
        printf("xenolith: not running (run directory %s)\n", rundir);
        return 0;
    }
    struct xlctl_ping_out ping;
    int rc = xc_ping(xc, &ping);
    if (rc == 0)
        rc = xc_daemon_stop(xc);
    xc_close(xc);
    if (rc < 0) {
        fprintf(stderr, "xenolith stop: %s\n", strerror(-rc));
        return 1;
    }
    /* Wait until the daemon has destroyed its guests and exited. */
    for (int waited = 0; daemon_alive(rundir); waited += 10) {
        if (waited >= STOP_TIMEOUT_MS) {
            fprintf(stderr, "xenolith stop: pid %u still running after %d s\n", ping.pid,
                    STOP_TIMEOUT_MS / 1000);
            return 1;
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    printf("xenolith: stopped\n");
    return 0;
}

static int cmd_env(void)
{
    printf("export XENOLITH_RUNDIR=%s\n", xc_default_rundir());
    printf("export XENSTORED_PATH=%s/xenstored.sock\n", xc_default_rundir());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "start") == 0)
        return cmd_start(argc, argv);
    if (strcmp(argv[1], "stop") == 0 && argc == 2)
        return cmd_stop();
    if (strcmp(argv[1], "status") == 0 && argc == 2)
        return cmd_status();
    if (strcmp(argv[1], "env") == 0 && argc == 2)
        return cmd_env();
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage();
        return 0;
    }
    return usage();
}
