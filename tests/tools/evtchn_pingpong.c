/*
 * evtchn_pingpong.c - the Dom0 half of the event-channel ping-pong: binds
 * to a guest's port offered to Dom0, then notifies and waits for the echo
 * N times, and reports the round-trip time. Any lost or extra event is an
 * error: each ping must be answered by exactly one notification.
 * Usage: evtchn_pingpong DOMID PORT N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libxc/evtchn.h"
#include "libxc/xc.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: evtchn_pingpong DOMID PORT N\n");
        return 2;
    }
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 10);
    uint32_t rport = (uint32_t)strtoul(argv[2], NULL, 10);
    long n = strtol(argv[3], NULL, 10);
    struct xc *xc;
    int rc = xc_open(xc_default_rundir(), &xc);
    if (rc < 0) {
        fprintf(stderr, "evtchn_pingpong: connect: %s\n", strerror(-rc));
        return 1;
    }
    struct xc_evtchn_port p;
    rc = xc_evtchn_bind_interdomain(xc, domid, rport, &p);
    if (rc < 0) {
        fprintf(stderr, "evtchn_pingpong: bind to d%u port %u: %s\n", domid, rport, strerror(-rc));
        return 1;
    }
    /* Binding leaves our new port pending once, as Xen does. */
    if (xc_evtchn_consume(p.fd) != 1) {
        fprintf(stderr, "evtchn_pingpong: the new port was not pending after bind\n");
        return 1;
    }
    uint64_t *rtt = malloc((size_t)n * sizeof(*rtt));
    for (long i = 0; i < n; i++) {
        uint64_t t0 = now_ns();
        rc = xc_evtchn_notify(&p);
        int64_t got = rc < 0 ? rc : xc_evtchn_wait(p.fd);
        rtt[i] = now_ns() - t0;
        if (got != 1) {
            fprintf(stderr, "evtchn_pingpong: round %ld: %s\n", i,
                    got < 0 ? strerror((int)-got) : "more than one answer");
            return 1;
        }
    }
    qsort(rtt, (size_t)n, sizeof(*rtt), cmp_u64);
    printf("evtchn_pingpong: %ld round trips, none lost, median %.2f us, p99 %.2f us\n", n,
           (double)rtt[n / 2] / 1000.0, (double)rtt[n * 99 / 100] / 1000.0);
    xc_evtchn_release(xc, &p);
    xc_close(xc);
    return 0;
}
