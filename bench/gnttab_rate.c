/*
 * gnttab_rate.c - how many granted pages a Dom0 backend can map, touch and
 * unmap per second through libxc's grant maps (dom0-tools/libxc/gnttab.h),
 * one page at a time and in batches of 32. Needs a running stack and a
 * guest that granted COUNT >= 64 pages to Dom0 (app=grant-offer count=64
 * hold=1 prints its first ref); bench/run.sh sets both up.
 *
 * One iteration = map (one control-socket round trip, the hypervisor
 * flags the guest's entries), read one byte of every page (the page fault
 * a backend takes on first touch), unmap (munmap + a round trip that
 * clears the flags). Pages/s = pages mapped / wall time, per repetition;
 * each figure is the median of --reps repetitions after one warm-up.
 *
 * Usage: gnttab_rate DOMID FIRST_REF COUNT [--iters N] [--reps R]
 * Output:
 *   grant_map_unmap_rate median=P min=P max=P reps=R iters=N pages/s
 *   grant_map_unmap_rate_batch32 median=P min=P max=P reps=R iters=N pages/s
 * Exit status 1 on any failed map or unmap (with the GNTST_* name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libxc/gnttab.h"
#include "libxc/xc.h"

#define BATCH 32u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static volatile uint8_t sink;

/* iters cycles of map(n refs) + touch + unmap; pages per second. */
static double run(struct xc_gnttab *g, uint32_t domid, uint32_t first, uint32_t count, uint32_t n,
                  unsigned iters)
{
    uint32_t refs[BATCH];
    uint64_t t0 = now_ns();
    for (unsigned it = 0; it < iters; it++) {
        uint32_t base = first + (it * n) % (count - count % n);
        for (uint32_t i = 0; i < n; i++)
            refs[i] = base + i;
        void *p;
        int16_t st[BATCH];
        int rc = xc_gnttab_map(g, domid, n, refs, false, &p, st);
        if (rc < 0) {
            fprintf(stderr, "gnttab_rate: map of %u refs from %u: %s (%s)\n", n, base,
                    strerror(-rc), xc_gntst_name(st[0]));
            exit(1);
        }
        for (uint32_t i = 0; i < n; i++)
            sink += ((volatile uint8_t *)p)[i * 4096];
        rc = xc_gnttab_unmap(g, p, n);
        if (rc < 0) {
            fprintf(stderr, "gnttab_rate: unmap: %s\n", strerror(-rc));
            exit(1);
        }
    }
    double s = (double)(now_ns() - t0) / 1e9;
    return (double)iters * n / s;
}

static void figure(const char *name, struct xc_gnttab *g, uint32_t domid, uint32_t first,
                   uint32_t count, uint32_t n, unsigned iters, unsigned reps)
{
    double *v = malloc(reps * sizeof(*v));
    run(g, domid, first, count, n, iters / 4 + 1); /* warm-up */
    for (unsigned r = 0; r < reps; r++)
        v[r] = run(g, domid, first, count, n, iters);
    qsort(v, reps, sizeof(*v), cmp_double);
    printf("%s median=%.0f min=%.0f max=%.0f reps=%u iters=%u pages/s\n", name, v[reps / 2], v[0],
           v[reps - 1], reps, iters);
    free(v);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gnttab_rate DOMID FIRST_REF COUNT [--iters N] [--reps R]\n");
        return 2;
    }
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 0);
    uint32_t first = (uint32_t)strtoul(argv[2], NULL, 0);
    uint32_t count = (uint32_t)strtoul(argv[3], NULL, 0);
    unsigned iters = 2000, reps = 5;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--iters"))
            iters = (unsigned)strtoul(argv[i + 1], NULL, 0);
        else if (!strcmp(argv[i], "--reps"))
            reps = (unsigned)strtoul(argv[i + 1], NULL, 0);
    }
    if (count < BATCH || iters == 0 || reps == 0) {
        fprintf(stderr, "gnttab_rate: need COUNT >= %u, iters and reps > 0\n", BATCH);
        return 2;
    }
    struct xc *xc;
    struct xc_gnttab *g;
    int rc = xc_open(xc_default_rundir(), &xc);
    if (rc == 0)
        rc = xc_gnttab_open(xc, &g);
    if (rc < 0) {
        fprintf(stderr, "gnttab_rate: connect: %s\n", strerror(-rc));
        return 1;
    }
    figure("grant_map_unmap_rate", g, domid, first, count, 1, iters, reps);
    figure("grant_map_unmap_rate_batch32", g, domid, first, count, BATCH, iters / 8 + 1, reps);
    xc_gnttab_close(g);
    xc_close(xc);
    return 0;
}
