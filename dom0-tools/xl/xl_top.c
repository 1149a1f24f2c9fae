/*
 * xl_top.c - top: a live view of the host and its domains, in xentop's
 * layout (Xen's xl top runs xentop): a summary, then one row per domain
 * with NAME STATE CPU(sec) CPU(%) MEM(k) MEM(%) MAXMEM(k) MAXMEM(%) VCPUS
 * NETS NETTX(k) NETRX(k) VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT SSID.
 * -b prints plain text each update (for scripts and tests), -i N stops
 * after N updates, -d the delay.
 *
 * Block and network counters come from what the backends publish in
 * xenstore, in either form (docs/xl.md):
 *   <backend>/statistics/<key>     one node per counter, or
 *   <backend>/stats                one line "key=value key=value ...",
 * under /local/domain/0/backend/vbd/<domid>/<devid> with keys oo_req,
 * rd_req, wr_req, rd_sect, wr_sect (Linux blkback's names), and
 * /local/domain/0/backend/vif/<domid>/<devid> with tx_bytes and rx_bytes
 * named after the netif rings (tx: the guest sends, rx: it receives), as
 * netback publishes them. A counter nobody publishes shows 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxl/domain_json.h"
#include "libxl/units.h"
#include "libxl/xs_device.h"
#include "xl.h"

struct sample {
    uint32_t domid;
    uint64_t cpu_ns;
};

struct dev_totals {
    unsigned nets, vbds;
    uint64_t net_tx, net_rx;                 /* bytes */
    uint64_t oo, rd, wr, rsect, wsect;
};

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
    if (tty_raw) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_raw = false;
    }
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One counter of a backend directory: statistics/<key>, else <key> in the
 * one-line stats node. 0 when neither has it. */
static uint64_t counter(struct xs_handle *xs, const char *be, const char *stats, const char *key)
{
    char path[256];
    unsigned len;
    snprintf(path, sizeof(path), "%s/statistics/%s", be, key);
    char *v = xs_read(xs, XBT_NULL, path, &len);
    uint64_t n = 0;
    if (v) {
        char *end;
        unsigned long long x = strtoull(v, &end, 10);
        if (*v && !*end)
            n = x;
        free(v);
        return n;
    }
    if (xl_stats_lookup(stats, key, &n) == 0)
        return n;
    return 0;
}

static char *read_stats(struct xs_handle *xs, const char *be)
{
    char path[256];
    unsigned len;
    snprintf(path, sizeof(path), "%s/stats", be);
    return xs_read(xs, XBT_NULL, path, &len);
}

static void device_totals(struct xs_handle *xs, uint32_t domid, struct dev_totals *t)
{
    memset(t, 0, sizeof(*t));
    if (!xs)
        return;
    uint32_t *ids;
    unsigned n;
    if (xs_device_list(xs, domid, "vbd", &ids, &n) == 0) {
        t->vbds = n;
        for (unsigned i = 0; i < n; i++) {
            char be[128];
            snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", domid, ids[i]);
            char *stats = read_stats(xs, be);
            t->oo += counter(xs, be, stats, "oo_req");
            t->rd += counter(xs, be, stats, "rd_req");
            t->wr += counter(xs, be, stats, "wr_req");
            t->rsect += counter(xs, be, stats, "rd_sect");
            t->wsect += counter(xs, be, stats, "wr_sect");
            free(stats);
        }
        free(ids);
    }
    if (xs_device_list(xs, domid, "vif", &ids, &n) == 0) {
        t->nets = n;
        for (unsigned i = 0; i < n; i++) {
            char be[128];
            snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", domid, ids[i]);
            char *stats = read_stats(xs, be);
            t->net_tx += counter(xs, be, stats, "tx_bytes");
            t->net_rx += counter(xs, be, stats, "rx_bytes");
            free(stats);
        }
        free(ids);
    }
}

/* xentop's order and letters: d s b c p r. */
static void top_state(const struct xlctl_dominfo *d, char out[7])
{
    bool shut = d->state == XLCTL_STATE_SHUTDOWN, crashed = shut && d->shutdown_reason == 3;
    bool running = d->state == XLCTL_STATE_RUNNING;
    out[0] = d->state == XLCTL_STATE_DYING ? 'd' : '-';
    out[1] = shut && !crashed ? 's' : '-';
    out[2] = running && d->vcpus_blocked >= d->vcpus_online ? 'b' : '-';
    out[3] = crashed ? 'c' : '-';
    out[4] = d->state == XLCTL_STATE_PAUSED ? 'p' : '-';
    out[5] = running && d->vcpus_blocked < d->vcpus_online ? 'r' : '-';
    out[6] = '\0';
}

static uint64_t host_cpu_ns(void)
{
    FILE *f = fopen("/proc/stat", "re");
    unsigned long long user = 0, nice = 0, sys = 0;
    if (f && fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys) != 3)
        user = nice = sys = 0;
    if (f)
        fclose(f);
    return (user + nice + sys) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static void print_name(const char *name, bool full)
{
    if (full)
        printf("%10s", name);
    else
        printf("%10.10s", name);
}

static void print_row(const char *name, bool full, const char *state, uint64_t cpu_ns, double pct,
                      uint64_t mem_k, uint64_t max_k, bool no_limit, uint64_t total_k,
                      unsigned vcpus, const struct dev_totals *t)
{
    print_name(name, full);
    printf(" %6s %10" PRIu64 " %6.1f %10" PRIu64 " %6.1f", state, cpu_ns / UINT64_C(1000000000), pct, mem_k,
           total_k ? (double)mem_k * 100 / (double)total_k : 0.0);
    if (no_limit)
        printf(" %10s %9s", "no limit", "n/a");
    else
        printf(" %10" PRIu64 " %9.1f", max_k, total_k ? (double)max_k * 100 / (double)total_k : 0.0);
    printf(" %5u %4u %8" PRIu64 " %8" PRIu64 " %4u %8" PRIu64 " %8" PRIu64 " %8" PRIu64
           " %10" PRIu64 " %10" PRIu64 " %4u\n",
           vcpus, t->nets, t->net_tx / 1024, t->net_rx / 1024, t->vbds, t->oo, t->rd, t->wr,
           t->rsect, t->wsect, 0u);
}

static const char *const header =
    "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS "
    "NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID\n";

struct top_state {
    struct sample *prev;
    unsigned nprev;
    uint64_t prev_host_ns;
    double prev_time;
    bool have_prev;
    bool full_names;
};

static double pct_of(const struct top_state *s, uint32_t domid, uint64_t cpu_ns, double elapsed)
{
    if (!s->have_prev || elapsed <= 0)
        return 0.0;
    for (unsigned i = 0; i < s->nprev; i++)
        if (s->prev[i].domid == domid && cpu_ns >= s->prev[i].cpu_ns)
            return (double)(cpu_ns - s->prev[i].cpu_ns) / 1e9 / elapsed * 100.0;
    return 0.0;
}

static int one_update(struct xc *xc, struct xs_handle *xs, struct top_state *s)
{
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, "top", &list, &n);
    if (rc < 0)
        return 1;
    struct xlctl_physinfo p;
    if (xc_physinfo(xc, &p) < 0)
        memset(&p, 0, sizeof(p));
    double now = mono_s(), elapsed = now - s->prev_time;
    time_t wall = time(NULL);
    char clock[16];
    strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&wall));
    printf("xentop - %s   Xen %u.%u%s\n", clock, p.xen_major, p.xen_minor, p.extraversion);
    unsigned run = 0, block = 0, pause = 0, crash = 0, dying = 0, shut = 0;
    for (unsigned i = 0; i < n; i++) {
        char st[7];
        top_state(&list[i], st);
        run += st[5] == 'r';
        block += st[2] == 'b';
        pause += st[4] == 'p';
        shut += st[1] == 's';
        crash += st[3] == 'c';
        dying += st[0] == 'd';
    }
    run++; /* Domain-0, the host, runs */
    printf("%u domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown \n",
           n + 1, run, block, pause, crash, dying, shut);
    uint64_t used = p.total_kib > p.free_kib ? p.total_kib - p.free_kib : 0;
    printf("Mem: %" PRIu64 "k total, %" PRIu64 "k used, %" PRIu64 "k free    CPUs: %u @ %" PRIu64
           "MHz\n", p.total_kib, used, p.free_kib, p.nr_cpus, p.tsc_khz / 1000);
    fputs(header, stdout);
    /* Domain-0: the host's CPU time (all CPUs), its memory in use. */
    uint64_t host_ns = host_cpu_ns();
    double host_pct = s->have_prev && elapsed > 0 && host_ns >= s->prev_host_ns
                          ? (double)(host_ns - s->prev_host_ns) / 1e9 / elapsed * 100.0 : 0.0;
    struct dev_totals none = {0};
    print_row("Domain-0", s->full_names, "-----r", host_ns, host_pct, used, 0, true, p.total_kib,
              p.nr_cpus, &none);
    struct sample *cur = calloc(n ? n : 1, sizeof(*cur));
    for (unsigned i = 0; i < n; i++) {
        const struct xlctl_dominfo *d = &list[i];
        char st[7], name[XLCTL_NAME_MAX];
        top_state(d, st);
        xl_domain_name(xs, d, name, sizeof(name));
        struct dev_totals t;
        device_totals(xs, d->domid, &t);
        print_row(name, s->full_names, st, d->cpu_time_ns, pct_of(s, d->domid, d->cpu_time_ns, elapsed),
                  d->memory_kib, d->max_memory_kib, false, p.total_kib, d->vcpus_online, &t);
        if (cur)
            cur[i] = (struct sample){d->domid, d->cpu_time_ns};
    }
    fflush(stdout);
    free(s->prev);
    s->prev = cur;
    s->nprev = cur ? n : 0;
    s->prev_host_ns = host_ns;
    s->prev_time = now;
    s->have_prev = true;
    free(list);
    return 0;
}

/* Waits `delay` seconds; true if the user pressed q (interactive only). */
static bool wait_or_quit(double delay, bool interactive)
{
    double end = mono_s() + delay;
    for (;;) {
        double left = end - mono_s();
        if (left <= 0)
            return false;
        if (!interactive) {
            struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        if (poll(&pfd, 1, (int)(left * 1000) + 1) > 0) {
            char ch;
            if (read(STDIN_FILENO, &ch, 1) <= 0 || ch == 'q' || ch == 'Q' || ch == 27)
                return true;
        }
    }
}

int main_top(int argc, char **argv)
{
    bool batch = false;
    long iterations = 0;
    double delay = 3.0;
    struct top_state s = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *end;
        if (!strcmp(a, "-b") || !strcmp(a, "--batch")) {
            batch = true;
        } else if (!strcmp(a, "-f") || !strcmp(a, "--full-name")) {
            s.full_names = true;
        } else if (!strcmp(a, "-i") || !strcmp(a, "-d")) {
            if (i + 1 >= argc)
                return xl_fail("top", "%s needs a value", a);
            const char *v = argv[++i];
            errno = 0;
            if (a[1] == 'i') {
                iterations = strtol(v, &end, 10);
                if (!*v || *end || errno || iterations < 1)
                    return xl_fail("top", "-i '%s' is not a number of updates (1 or more)", v);
            } else {
                delay = strtod(v, &end);
                if (!*v || *end || errno || !(delay > 0) || delay > 86400)
                    return xl_fail("top", "-d '%s' is not a delay in seconds (e.g. 3 or 0.5)", v);
            }
        } else {
            return xl_usage("top");
        }
    }
    bool interactive = !batch && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
    if (batch && !iterations)
        iterations = 1;
    struct xc *xc = xl_connect("top");
    if (!xc)
        return 1;
    struct xs_handle *xs = xs_open(0);
    if (interactive && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
        struct termios raw = saved_tty;
        raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
            tty_raw = true;
        atexit(tty_restore);
    }
    int rc = 0;
    s.prev_time = mono_s();
    for (long k = 0; !iterations || k < iterations; k++) {
        if (interactive)
            fputs("\033[H\033[2J", stdout);
        else if (k > 0)
            putchar('\n');
        rc = one_update(xc, xs, &s);
        if (rc)
            break;
        if (iterations && k + 1 >= iterations)
            break;
        if (wait_or_quit(delay, interactive))
            break;
    }
    tty_restore();
    free(s.prev);
    if (xs)
        xs_close(xs);
    xc_close(xc);
    return rc;
}
