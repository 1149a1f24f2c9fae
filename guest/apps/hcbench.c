/*
 * hcbench.c - app=hcbench: the hypercall_roundtrip benchmark. Times
 * batches of XENVER_version calls (each one exit to the hypervisor and
 * back) with the TSC and prints the median per call.
 */
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"

#define MAX_REPS 15

int app_hcbench(void)
{
    uint64_t iters = cmdline_u64("iters", 2000);
    unsigned reps = (unsigned)cmdline_u64("reps", 5);
    if (iters == 0 || reps == 0 || reps > MAX_REPS) {
        printf("hcbench: iters must be > 0 and reps 1..%u\n", MAX_REPS);
        return 1;
    }
    uint64_t ns[MAX_REPS];
    for (unsigned i = 0; i < 100; i++)
        HYPERVISOR_xen_version(XENVER_version, 0); /* warm-up */
    for (unsigned r = 0; r < reps; r++) {
        uint64_t t0 = rdtsc();
        for (uint64_t i = 0; i < iters; i++)
            HYPERVISOR_xen_version(XENVER_version, 0);
        ns[r] = tsc_to_ps(rdtsc() - t0) / iters / 1000;
    }
    sort_u64(ns, reps);
    uint64_t med = ns[reps / 2];
    printf("hcbench: %llu calls x %u, median %llu.%03llu us/call, min %llu.%03llu\n",
           (unsigned long long)iters, reps, (unsigned long long)(med / 1000),
           (unsigned long long)(med % 1000), (unsigned long long)(ns[0] / 1000),
           (unsigned long long)(ns[0] % 1000));
    return 0;
}
