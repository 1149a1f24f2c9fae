/*
 * xl_shutdown.c - shutdown and reboot, as Xen's xl: a request in the
 * domain's control/shutdown node ("poweroff" or "reboot"), which the
 * guest's kernel acknowledges by writing "" before it shuts down with the
 * matching reason (guest/kernel/manage.c); the hypervisor then applies
 * on_poweroff / on_reboot, and xl create's monitor restarts the domain
 * when that says restart.
 *
 * Unlike Xen's xl, we wait for the acknowledgement (XL_ACK_TIMEOUT_MS,
 * 10 s by default), so a guest that does not listen is reported instead
 * of silently ignoring the request; -F then has the hypervisor shut it
 * down itself (Xen's -F sends an ACPI event, which our guests do not
 * have). A guest that does not advertise control/feature-poweroff (or
 * feature-reboot) is refused at once without -F, as libxl does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxl/xs_domain.h"
#include "xl.h"

#define ACK_TIMEOUT_MS 10000
#define POLL_MS 10

struct target {
    uint32_t domid;
    char name[XLCTL_NAME_MAX];
    enum { T_PENDING, T_ACKED, T_FORCED, T_FAILED } state;
};

struct request {
    const char *cmd;        /* "shutdown" or "reboot": the xl command */
    const char *word;       /* what goes in control/shutdown */
    const char *feature;    /* control/feature-... */
    uint32_t reason;        /* SHUTDOWN_* for -F */
    bool force;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

static long ack_timeout_ms(void)
{
    const char *e = getenv("XL_ACK_TIMEOUT_MS");
    char *end;
    long v = e ? strtol(e, &end, 10) : 0;
    return e && *e && !*end && v > 0 ? v : ACK_TIMEOUT_MS;
}

/* The domain shut down or went away: whatever it acknowledged, it acted. */
static bool has_stopped(struct xc *xc, uint32_t domid)
{
    struct xlctl_dominfo d;
    int rc = xc_domain_info(xc, domid, &d);
    return rc == -ESRCH || (rc == 0 && (d.state == XLCTL_STATE_SHUTDOWN || d.state == XLCTL_STATE_DYING));
}

static int force(struct xc *xc, const struct request *rq, struct target *t, const char *because)
{
    fprintf(stderr, "xl %s: domain '%s' %s: the hypervisor shuts it down (-F)\n", rq->cmd, t->name,
            because);
    int rc = xc_domain_shutdown(xc, t->domid, rq->reason);
    if (rc < 0 && !has_stopped(xc, t->domid)) {
        t->state = T_FAILED;
        return xl_fail(rq->cmd, "cannot shut domain '%s' down: %s", t->name, strerror(-rc));
    }
    t->state = T_FORCED;
    return 0;
}

/* Writes the request, or says why it cannot. */
static int send_request(struct xc *xc, struct xs_handle *xs, const struct request *rq,
                        struct target *t)
{
    fprintf(stderr, "%s domain %u\n", rq->reason == 1 ? "Rebooting" : "Shutting down", t->domid);
    char rel[64];
    snprintf(rel, sizeof(rel), "control/%s", rq->feature);
    char *f = xs ? xs_domain_read(xs, t->domid, rel) : NULL;
    bool has_feature = f && strcmp(f, "1") == 0;
    free(f);
    if (!has_feature) {
        if (rq->force)
            return force(xc, rq, t, "has no PV control interface");
        t->state = T_FAILED;
        return xl_fail(rq->cmd, "domain '%s' has no PV control interface (its kernel does not "
                       "advertise control/%s): graceful %s is not possible; use -F to have the "
                       "hypervisor do it", t->name, rq->feature, rq->cmd);
    }
    int rc = xs_domain_write(xs, t->domid, "control/shutdown", rq->word);
    if (rc < 0) {
        t->state = T_FAILED;
        return xl_fail(rq->cmd, "writing control/shutdown of domain '%s': %s", t->name, strerror(-rc));
    }
    return 0;
}

/* Until every pending target acknowledged (control/shutdown back to "",
 * or gone with the domain) or the time is up. */
static int wait_acks(struct xc *xc, struct xs_handle *xs, const struct request *rq,
                     struct target *ts, unsigned n)
{
    long timeout = ack_timeout_ms();
    long long deadline = now_ms() + timeout;
    int status = 0;
    for (;;) {
        bool pending = false;
        for (unsigned i = 0; i < n; i++) {
            struct target *t = &ts[i];
            if (t->state != T_PENDING)
                continue;
            char *v = xs_domain_read(xs, t->domid, "control/shutdown");
            bool acked = !v || !*v || has_stopped(xc, t->domid);
            free(v);
            if (acked)
                t->state = T_ACKED;
            else
                pending = true;
        }
        if (!pending)
            return status;
        if (now_ms() >= deadline)
            break;
        usleep(POLL_MS * 1000);
    }
    for (unsigned i = 0; i < n; i++) {
        struct target *t = &ts[i];
        if (t->state != T_PENDING)
            continue;
        /* Take the request back so a guest that wakes later does not act
         * on a command its user was told had failed. */
        char *v = xs_domain_read(xs, t->domid, "control/shutdown");
        if (v && strcmp(v, rq->word) == 0)
            xs_domain_write(xs, t->domid, "control/shutdown", "");
        free(v);
        char because[96];
        snprintf(because, sizeof(because), "did not acknowledge within %ld ms", timeout);
        if (rq->force) {
            if (force(xc, rq, t, because) < 0)
                status = 1;
            continue;
        }
        t->state = T_FAILED;
        status = xl_fail(rq->cmd, "domain '%s' did not acknowledge the %s request within %ld ms "
                         "(its kernel does not watch control/shutdown, or never idles); use -F "
                         "to have the hypervisor do it", t->name, rq->cmd, timeout);
    }
    return status;
}

static void wait_deaths(struct xc *xc, struct target *ts, unsigned n)
{
    unsigned count = 0;
    for (unsigned i = 0; i < n; i++)
        count += ts[i].state == T_ACKED || ts[i].state == T_FORCED;
    fprintf(stderr, "Waiting for %u domains\n", count);
    for (unsigned i = 0; i < n; i++) {
        if (ts[i].state != T_ACKED && ts[i].state != T_FORCED)
            continue;
        struct xlctl_dominfo d;
        int rc = xc_domain_wait(xc, ts[i].domid, &d);
        if (rc == 0 && d.state == XLCTL_STATE_SHUTDOWN)
            fprintf(stderr, "Domain %u has been shut down, reason code %u\n", ts[i].domid,
                    d.shutdown_reason);
        else
            fprintf(stderr, "Domain %u has been destroyed\n", ts[i].domid);
    }
}

static int shutdown_or_reboot(int argc, char **argv, const struct request *tmpl)
{
    struct request rq = *tmpl;
    bool all = false, wait = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--all"))
            all = true;
        else if (!strcmp(a, "--wait"))
            wait = true;
        else if (a[1] != '-' && strspn(a + 1, "awF") == strlen(a + 1)) {
            all |= strchr(a, 'a') != NULL;
            wait |= strchr(a, 'w') != NULL;
            rq.force |= strchr(a, 'F') != NULL;
        } else {
            return xl_usage(rq.cmd);
        }
    }
    if ((all && i != argc) || (!all && i != argc - 1)) {
        if (!all && i == argc)
            return xl_fail(rq.cmd, "you must give -a or a domain (see 'xl help %s')", rq.cmd);
        return xl_usage(rq.cmd);
    }
    struct xc *xc = xl_connect(rq.cmd);
    if (!xc)
        return 1;
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, rq.cmd, &list, &n);
    if (rc < 0) {
        xc_close(xc);
        return 1;
    }
    struct target *ts = calloc(n ? n : 1, sizeof(*ts));
    unsigned nt = 0;
    int status = 0;
    if (!ts) {
        status = xl_fail(rq.cmd, "out of memory");
        goto out;
    }
    if (all) {
        for (unsigned k = 0; k < n; k++) {
            if (list[k].state == XLCTL_STATE_SHUTDOWN || list[k].state == XLCTL_STATE_DYING)
                continue;
            ts[nt].domid = list[k].domid;
            snprintf(ts[nt].name, sizeof(ts[nt].name), "%.*s", (int)sizeof(list[k].name), list[k].name);
            nt++;
        }
    } else {
        uint32_t domid;
        if (xl_find_domain(xc, rq.cmd, argv[i], false, &domid) < 0) {
            status = 1;
            goto out;
        }
        struct xlctl_dominfo d;
        if (xc_domain_info(xc, domid, &d) == 0 &&
            (d.state == XLCTL_STATE_SHUTDOWN || d.state == XLCTL_STATE_DYING)) {
            status = xl_fail(rq.cmd, "domain '%s' is shut down already", argv[i]);
            goto out;
        }
        ts[0].domid = domid;
        snprintf(ts[0].name, sizeof(ts[0].name), "%s", argv[i]);
        nt = 1;
    }
    struct xs_handle *xs = xs_open(0);
    if (!xs && !rq.force) {
        status = xl_fail(rq.cmd, "cannot reach xenstored, which carries the request: %s "
                         "(-F has the hypervisor do it)", strerror(errno));
        goto out;
    }
    for (unsigned k = 0; k < nt; k++)
        if (send_request(xc, xs, &rq, &ts[k]) < 0)
            status = 1;
    if (xs) {
        if (wait_acks(xc, xs, &rq, ts, nt))
            status = 1;
        xs_close(xs);
    }
    if (wait)
        wait_deaths(xc, ts, nt);
out:
    free(ts);
    free(list);
    xc_close(xc);
    return status;
}

int main_shutdown(int argc, char **argv)
{
    static const struct request rq = {"shutdown", "poweroff", "feature-poweroff", 0, false};
    return shutdown_or_reboot(argc, argv, &rq);
}

int main_reboot(int argc, char **argv)
{
    static const struct request rq = {"reboot", "reboot", "feature-reboot", 1, false};
    return shutdown_or_reboot(argc, argv, &rq);
}
