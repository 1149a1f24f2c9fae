/*
 * compute.c - app=compute: the guest_compute benchmark. Runs the same loop
 * as the host reference (include/xenolith/compute_loop.h), reps times, and
 * prints the best and median ns per iteration.
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "xenolith/compute_loop.h"

#define MAX_REPS 15

int app_compute(void)
{
    uint64_t iters = cmdline_u64("iters", 100000000);
    unsigned reps = (unsigned)cmdline_u64("reps", 5);
    if (iters == 0 || reps == 0 || reps > MAX_REPS) {
        printf("compute: iters must be > 0 and reps 1..%u\n", MAX_REPS);
        return 1;
    }
    uint64_t ps[MAX_REPS], result = 0;
    compute_loop(iters / 10); /* warm-up */
    for (unsigned r = 0; r < reps; r++) {
        uint64_t t0 = rdtsc();
        result = compute_loop(iters);
        ps[r] = tsc_to_ps(rdtsc() - t0) / iters;
    }
    sort_u64(ps, reps);
    uint64_t med = ps[reps / 2];
    printf("compute: %llu iters, median %llu.%03llu ns/iter, min %llu.%03llu, result=0x%llx\n",
           (unsigned long long)iters, (unsigned long long)(med / 1000),
           (unsigned long long)(med % 1000), (unsigned long long)(ps[0] / 1000),
           (unsigned long long)(ps[0] % 1000), (unsigned long long)result);
    return 0;
}
