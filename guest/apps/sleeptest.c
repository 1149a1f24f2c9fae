/*
 * sleeptest.c - app=sleeptest ms=N count=C: sleeps N ms on the single-shot
 * timer, C times, and reports each sleep as measured by pvclock and by the
 * raw TSC, so a test can hold both clocks to the request.
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"

static void print_us(const char *label, uint64_t ns)
{
    printf(" %s %llu.%03llu ms", label, (unsigned long long)(ns / 1000000),
           (unsigned long long)(ns / 1000 % 1000));
}

int app_sleeptest(void)
{
    uint64_t ms = cmdline_u64("ms", 100);
    uint64_t count = cmdline_u64("count", 1);
    if (ms == 0 || ms > 60000 || count == 0 || count > 1000) {
        printf("sleeptest: ms must be 1..60000 and count 1..1000\n");
        return 1;
    }
    printf("sleeptest: wall clock %llu s since the epoch\n", (unsigned long long)time_wallclock_s());
    for (uint64_t i = 0; i < count; i++) {
        uint64_t t0 = time_now_ns(), c0 = rdtsc();
        sleep_ns(ms * 1000000ull);
        uint64_t t1 = time_now_ns(), c1 = rdtsc();
        printf("sleeptest: asked %llu ms,", (unsigned long long)ms);
        print_us("pvclock", t1 - t0);
        print_us("tsc", tsc_to_ps(c1 - c0) / 1000);
        printf("\n");
    }
    return 0;
}
