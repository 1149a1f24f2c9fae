/*
 * xl_vmcontrol.c - create, destroy, pause, unpause; and the per-domain
 * monitor that `xl create` leaves behind to honour on_*=restart, as Xen's
 * xl does (the hypervisor itself only destroys or preserves).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxl/config.h"
#include "libxl/create.h"
#include "libxl/xs_domain.h"
#include "xl.h"

#define RESTART_BURST 10          /* restarts allowed ... */
#define RESTART_WINDOW_S 10       /* ... within this many seconds */

static bool wants_restart(const struct xl_domain_config *cfg)
{
    return cfg->on_poweroff == XLCTL_ACTION_RESTART || cfg->on_reboot == XLCTL_ACTION_RESTART ||
           cfg->on_crash == XLCTL_ACTION_RESTART;
}

static void monitor_log(const char *name, const char *fmt, uint32_t a, uint32_t b)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/log/xl-%s.log", xc_default_rundir(), name);
    FILE *f = fopen(path, "ae");
    if (!f)
        return;
    time_t now = time(NULL);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", gmtime(&now));
    fprintf(f, "[%s] ", stamp);
    fprintf(f, fmt, a, b);
    fputc('\n', f);
    fclose(f);
}

/* Runs in the background child: waits for shutdowns and restarts. */
static void monitor_domain(const struct xl_domain_config *cfg, uint32_t domid)
{
    struct xc *xc;
    if (xc_open(xc_default_rundir(), &xc) < 0)
        return;
    time_t window_start = time(NULL);
    unsigned restarts = 0;
    for (;;) {
        struct xlctl_dominfo info;
        if (xc_domain_wait(xc, domid, &info) < 0)
            break; /* destroyed, or the hypervisor stopped */
        uint8_t action = xlctl_shutdown_action(info.shutdown_reason, info.on_poweroff,
                                               info.on_reboot, info.on_crash);
        if (info.state != XLCTL_STATE_SHUTDOWN || action != XLCTL_ACTION_RESTART)
            break;
        if (time(NULL) - window_start > RESTART_WINDOW_S) {
            window_start = time(NULL);
            restarts = 0;
        }
        if (++restarts > RESTART_BURST) {
            monitor_log(cfg->name, "domain %u restarting too fast (%u times in a few seconds); left shut down",
                        domid, restarts - 1);
            break;
        }
        xc_domain_destroy(xc, domid);
        char err[512];
        uint32_t old = domid;
        /* The same configuration under the name it has now (xl rename),
         * as xl's reload_domain_config takes the current one. */
        static struct xl_domain_config now;
        now = *cfg;
        snprintf(now.name, sizeof(now.name), "%.*s", (int)sizeof(info.name), info.name);
        cfg = &now;
        if (libxl_domain_create(xc, cfg, false, &domid, err, sizeof(err)) < 0) {
            monitor_log(cfg->name, "restart of domain %u failed (%u)", old, 0);
            break;
        }
        monitor_log(cfg->name, "domain %u restarted as domain %u", old, domid);
    }
    xc_close(xc);
}

static void spawn_monitor(const struct xl_domain_config *cfg, uint32_t domid)
{
    pid_t pid = fork();
    if (pid != 0)
        return; /* parent (or fork failed: no restarts, nothing else lost) */
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    monitor_domain(cfg, domid);
    _exit(0);
}

int main_create(int argc, char **argv)
{
    bool paused = false, console = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-p") == 0)
            paused = true;
        else if (strcmp(argv[i], "-c") == 0)
            console = true;
        else
            return xl_usage("create");
    }
    if (i >= argc)
        return xl_usage("create");
    const char *file = argv[i++];
    static struct xl_domain_config cfg;
    char err[1024];
    fprintf(stderr, "Parsing config from %s\n", file);
    if (xl_config_parse_file(file, argv + i, argc - i, &cfg, err, sizeof(err)) < 0)
        return xl_fail("create", "%s", err);
    struct xc *xc = xl_connect("create");
    if (!xc)
        return 1;
    uint32_t domid;
    int rc = libxl_domain_create(xc, &cfg, paused, &domid, err, sizeof(err));
    if (rc < 0) {
        xc_close(xc);
        return xl_fail("create", "%s", err);
    }
    if (wants_restart(&cfg))
        spawn_monitor(&cfg, domid);
    xc_close(xc);
    return console ? xl_console_attach(domid, cfg.name) : 0;
}

typedef int (*domid_fn)(struct xc *xc, uint32_t domid);

static int simple_domain_command(int argc, char **argv, domid_fn fn, const char *verb)
{
    const char *cmd = argv[0];
    if (argc != 2)
        return xl_usage(cmd);
    struct xc *xc = xl_connect(cmd);
    if (!xc)
        return 1;
    uint32_t domid;
    int rc = xl_find_domain(xc, cmd, argv[1], false, &domid) < 0 ? -1 : fn(xc, domid);
    xc_close(xc);
    if (rc == -1)
        return 1;
    if (rc == -EINVAL)
        return xl_fail(cmd, "cannot %s domain '%s': it is shut down or dying", verb, argv[1]);
    if (rc < 0)
        return xl_fail(cmd, "cannot %s domain '%s': %s", verb, argv[1], strerror(-rc));
    return 0;
}

int main_destroy(int argc, char **argv)
{
    return simple_domain_command(argc, argv, xc_domain_destroy, "destroy");
}

int main_pause(int argc, char **argv)
{
    return simple_domain_command(argc, argv, xc_domain_pause, "pause");
}

int main_unpause(int argc, char **argv)
{
    return simple_domain_command(argc, argv, xc_domain_unpause, "unpause");
}

int main_rename(int argc, char **argv)
{
    if (argc != 3)
        return xl_usage("rename");
    if (argv[2][0] && strspn(argv[2], "0123456789") == strlen(argv[2]))
        return xl_fail("rename", "'%s' is not a valid domain name: all digits reads as a domain id",
                       argv[2]);
    struct xc *xc = xl_connect("rename");
    if (!xc)
        return 1;
    uint32_t domid;
    if (xl_find_domain(xc, "rename", argv[1], false, &domid) < 0) {
        xc_close(xc);
        return 1;
    }
    int rc = xc_domain_rename(xc, domid, argv[2]);
    xc_close(xc);
    if (rc == -EINVAL)
        return xl_fail("rename", "'%s' is not a valid domain name (1-63 of A-Z a-z 0-9 - _ ., "
                       "not Domain-0)", argv[2]);
    if (rc == -EEXIST)
        return xl_fail("rename", "a domain named '%s' already exists", argv[2]);
    if (rc < 0)
        return xl_fail("rename", "cannot rename domain '%s': %s", argv[1], strerror(-rc));
    struct xs_handle *xs = xs_open(0);
    if (xs) {
        rc = xs_domain_rename(xs, domid, argv[2]);
        xs_close(xs);
        if (rc < 0)
            return xl_fail("rename", "domain %u is '%s' now, but its xenstore name was not "
                           "updated: %s", domid, argv[2], strerror(-rc));
    }
    return 0;
}
