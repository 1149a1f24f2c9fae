/*
 * host_compute.c - the host reference for the guest_compute benchmark.
 *
 * The guest (app=compute) runs compute_loop() from
 * include/xenolith/compute_loop.h. This program runs the same function
 * natively on the host, so the benchmark ratio compares the same code in
 * both places. It times R repetitions with CLOCK_MONOTONIC and prints the
 * median, min and max cost per iteration.
 *
 * Usage: host_compute [--iters N] [--reps R] [--cpu C]
 * Output (stdout, for bench scripts):
 *   host_compute_ns_per_iter median=2.70 min=2.69 max=2.75 reps=5 iters=100000000
 *   result=0x...
 * The result line keeps the loop from being optimised away, and lets a
 * reader compare it with the guest's result for the same iteration count.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenolith/compute_loop.h>

#define PROG "host_compute"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static unsigned long long parse_num(const char *opt, const char *s,
                                    unsigned long long lo, unsigned long long hi)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        die("%s: '%s' is not a number in [%llu, %llu]", opt, s, lo, hi);
    return v;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One timed run. The empty asm statements order the loop between the two
 * clock reads: the result must exist before the second read. */
static double time_one(unsigned long long iters, unsigned long long *result)
{
    double t0, t1;
    unsigned long long r;

    t0 = now_ns();
    __asm__ volatile("" ::: "memory");
    r = compute_loop(iters);
    __asm__ volatile("" : "+r"(r) :: "memory");
    t1 = now_ns();
    *result = r;
    return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [--iters N] [--reps R] [--cpu C]\n"
            "  Times compute_loop() natively: the host reference for guest_compute.\n"
            "  --iters N  loop iterations per repetition (default 100000000)\n"
            "  --reps R   repetitions, after one short warm-up (default 5)\n"
            "  --cpu C    pin to CPU C (default: not pinned)\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "iters", required_argument, NULL, 'i' },
        { "reps", required_argument, NULL, 'r' },
        { "cpu", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long long iters = 100000000ull, result = 0, r;
    unsigned reps = 5;
    int cpu = -1, ch;
    double *ns, median;

    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            iters = parse_num("--iters", optarg, 1, 1ull << 40);
            break;
        case 'r':
            reps = parse_num("--reps", optarg, 1, 10000);
            break;
        case 'c':
            cpu = parse_num("--cpu", optarg, 0, CPU_SETSIZE - 1);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 1;
    }
    if (cpu >= 0) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
            die("sched_setaffinity to CPU %d failed: %s (errno %d)", cpu, strerror(errno), errno);
    }

    ns = calloc(reps, sizeof(*ns));
    if (!ns)
        die("out of memory for %u repetitions", reps);

    /* Warm-up, not counted: lets the CPU leave any idle frequency state. */
    time_one(iters / 10 + 1, &r);

    for (unsigned i = 0; i < reps; i++) {
        ns[i] = time_one(iters, &r) / (double)iters;
        /* The loop is deterministic: a different result is a broken build. */
        if (i > 0 && r != result)
            die("repetition %u returned %#llx, repetition 0 returned %#llx", i, r, result);
        result = r;
    }

    qsort(ns, reps, sizeof(*ns), cmp_double);
    median = reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
    printf("host_compute_ns_per_iter median=%.3f min=%.3f max=%.3f reps=%u iters=%llu\n",
           median, ns[0], ns[reps - 1], reps, iters);
    printf("result=%#llx\n", result);
    free(ns);
    return 0;
}
