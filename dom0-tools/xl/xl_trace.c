/*
 * xl_trace.c - `xl trace DOM` records a domain's split-driver I/O path for
 * a while and writes a trace file; `xl trace-report FILE` cuts it into
 * stages and prints where the time goes, and exports Chrome trace-event
 * JSON and an SVG timeline. docs/tracing.md has the format and stages.
 *
 * Collecting: the guest's ring is found through xenstore data/trace/gfn
 * (the guest kernel's trace_init) and read through a foreign mapping; the
 * Dom0 writers' rings are the files in $XENOLITH_RUNDIR/trace/. Tracing is
 * switched on for the domain only while we collect.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxc/trace.h"
#include "libxl/trace_report.h"
#include "xl.h"

#define MAX_RINGS 32
#define POLL_NS (5 * 1000 * 1000)
#define MAX_RECORDS (4u << 20)

struct collector {
    uint32_t domid;
    struct xc_trace_reader readers[MAX_RINGS];
    void *maps[MAX_RINGS];
    unsigned nrings;
    struct xl_trace_rec *recs;
    size_t n, cap;
    struct xc_foreign_map guest_map;
    bool have_guest_map;
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The guest's ring, if its kernel published one. */
static int attach_guest_ring(struct collector *c, struct xc *xc, struct xl_trace_ring **ring)
{
    struct xs_handle *xs = xs_open(0);
    if (!xs)
        return -errno;
    char path[64];
    unsigned len;
    snprintf(path, sizeof(path), "/local/domain/%u/data/trace/gfn", c->domid);
    char *v = xs_read(xs, XBT_NULL, path, &len);
    xs_close(xs);
    if (!v)
        return -ENOENT;
    uint64_t gfn = strtoull(v, NULL, 0);
    free(v);
    int rc = xc_map_foreign(xc, c->domid, &c->guest_map);
    if (rc < 0)
        return rc;
    c->have_guest_map = true;
    /* The header first, then the whole ring its (guest-written) size says. */
    *ring = xc_foreign_gpa(&c->guest_map, gfn << 12, sizeof(**ring));
    if (!*ring || (*ring)->magic != XL_TRACE_MAGIC || (*ring)->nrecs != XL_TRACE_GUEST_RECS ||
        !xc_foreign_gpa(&c->guest_map, gfn << 12, XL_TRACE_RING_BYTES(XL_TRACE_GUEST_RECS)))
        return -EINVAL;
    return 0;
}

static void add_ring(struct collector *c, const struct xl_trace_ring *ring, void *map)
{
    if (c->nrings == MAX_RINGS)
        return;
    xc_trace_reader_init(&c->readers[c->nrings], ring);
    c->maps[c->nrings++] = map;
}

/* Every Dom0 writer's ring file under rundir/trace. */
static void attach_host_rings(struct collector *c, const char *rundir)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/trace", rundir);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "control"))
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        void *p = mmap(NULL, XL_TRACE_RING_BYTES(XL_TRACE_HOST_RECS), PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED)
            continue;
        const struct xl_trace_ring *r = p;
        if (r->magic == XL_TRACE_MAGIC && r->nrecs == XL_TRACE_HOST_RECS)
            add_ring(c, r, p);
        else
            munmap(p, XL_TRACE_RING_BYTES(XL_TRACE_HOST_RECS));
    }
    if (d)
        closedir(d);
}

static void drain(struct collector *c)
{
    for (unsigned i = 0; i < c->nrings; i++) {
        for (;;) {
            if (c->n == c->cap) {
                if (c->cap >= MAX_RECORDS)
                    return;
                size_t cap = c->cap ? 2 * c->cap : 65536;
                struct xl_trace_rec *bigger = realloc(c->recs, cap * sizeof(*bigger));
                if (!bigger)
                    return;
                c->recs = bigger;
                c->cap = cap;
            }
            unsigned got = xc_trace_read(&c->readers[i], c->domid, c->recs + c->n,
                                         (unsigned)(c->cap - c->n));
            c->n += got;
            if (!got)
                break;
        }
    }
}

static uint64_t lost(const struct collector *c)
{
    uint64_t l = 0;
    for (unsigned i = 0; i < c->nrings; i++)
        l += c->readers[i].lost;
    return l;
}

static void release(struct collector *c)
{
    for (unsigned i = 0; i < c->nrings; i++)
        if (c->maps[i])
            munmap(c->maps[i], XL_TRACE_RING_BYTES(XL_TRACE_HOST_RECS));
    if (c->have_guest_map)
        xc_unmap_foreign(&c->guest_map);
    free(c->recs);
}

static int collect(struct collector *c, struct xc *xc, double seconds)
{
    const char *rundir = xc_default_rundir();
    struct xl_trace_ring *guest = NULL;
    int grc = attach_guest_ring(c, xc, &guest);
    if (grc == 0)
        add_ring(c, guest, NULL);
    else
        fprintf(stderr, "xl trace: note: domain %u has no guest trace ring (%s); "
                "recording Dom0's side only\n", c->domid, strerror(-grc));
    attach_host_rings(c, rundir);
    int rc = xc_trace_set(rundir, c->domid, true);
    if (rc < 0)
        return xl_fail("trace", "cannot switch tracing on: %s", strerror(-rc));
    if (guest)
        __atomic_store_n(&guest->enabled, 1, __ATOMIC_RELEASE);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct timespec t0, now, step = {0, POLL_NS};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        nanosleep(&step, NULL);
        drain(c);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (!stop_requested &&
             (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
    if (guest)
        __atomic_store_n(&guest->enabled, 0, __ATOMIC_RELEASE);
    xc_trace_set(rundir, c->domid, false);
    nanosleep(&step, NULL);           /* writers that saw "on" finish their record */
    drain(c);
    return 0;
}

int main_trace(int argc, char **argv)
{
    if (xl_wants_help(argc, argv))
        return xl_print_help("trace");
    double seconds = 5;
    const char *outpath = NULL, *dom = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
            char *end;
            seconds = strtod(argv[++i], &end);
            if (*end || !(seconds > 0 && seconds <= 3600))
                return xl_fail("trace", "--duration: '%s' is not a number of seconds (0..3600]",
                               argv[i]);
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outpath = argv[++i];
        } else if (!dom && argv[i][0] != '-') {
            dom = argv[i];
        } else {
            return xl_usage("trace");
        }
    }
    if (!dom)
        return xl_usage("trace");
    struct xc *xc = xl_connect("trace");
    if (!xc)
        return 1;
    struct collector c = {0};
    int status = xl_find_domain(xc, "trace", dom, false, &c.domid) < 0 ? 1 : 0;
    char defpath[64];
    if (!outpath) {
        snprintf(defpath, sizeof(defpath), "xenolith-trace-%u.txt", c.domid);
        outpath = defpath;
    }
    FILE *out = status ? NULL : fopen(outpath, "w");
    if (!status && !out)
        status = xl_fail("trace", "cannot write '%s': %s", outpath, strerror(errno));
    if (!status)
        status = collect(&c, xc, seconds);
    if (!status) {
        struct xl_trace t;
        xl_trace_analyse(&t, c.recs, c.n);  /* sorts them */
        c.recs = NULL;
        xl_trace_write(out, c.domid, dom, lost(&c), t.recs, t.nrecs);
        fprintf(stderr, "xl trace: %zu records (%zu complete requests, %llu lost) in %s\n",
                t.nrecs, t.nreqs, (unsigned long long)lost(&c), outpath);
        xl_trace_free(&t);
    }
    if (out && fclose(out) != 0 && !status)
        status = xl_fail("trace", "writing '%s': %s", outpath, strerror(errno));
    release(&c);
    xc_close(xc);
    return status;
}

static int export_to(const char *path, const struct xl_trace *t, bool svg, size_t first,
                     size_t count)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return xl_fail("trace-report", "cannot write '%s': %s", path, strerror(errno));
    int rc = svg ? xl_trace_export_svg(t, first, count, f) : xl_trace_export_chrome(t, f);
    if (fclose(f) != 0 || rc < 0)
        return xl_fail("trace-report", "writing '%s' failed", path);
    return 0;
}

int main_trace_report(int argc, char **argv)
{
    if (xl_wants_help(argc, argv))
        return xl_print_help("trace-report");
    const char *file = NULL, *chrome = NULL, *svg = NULL;
    unsigned long first = 0, count = 50;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--chrome") && i + 1 < argc)
            chrome = argv[++i];
        else if (!strcmp(argv[i], "--svg") && i + 1 < argc)
            svg = argv[++i];
        else if (!strcmp(argv[i], "--first") && i + 1 < argc)
            first = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = strtoul(argv[++i], NULL, 10);
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return xl_usage("trace-report");
    }
    if (!file)
        return xl_usage("trace-report");
    struct xl_trace t;
    char why[512];
    if (xl_trace_load(file, &t, why, sizeof(why)) < 0)
        return xl_fail("trace-report", "%s", why);
    xl_trace_print_report(&t, stdout);
    int status = 0;
    if (chrome)
        status |= export_to(chrome, &t, false, 0, 0);
    if (svg)
        status |= export_to(svg, &t, true, first, count);
    xl_trace_free(&t);
    return status;
}
