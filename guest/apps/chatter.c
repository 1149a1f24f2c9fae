/*
 * chatter.c - app=chatter lines=N [wait_ms=W] [interval_ms=I] [hold_s=S]:
 * prints "chatter: line i of N" N times, as fast as the console takes
 * them (or one every I ms), after waiting W ms, then "chatter: done",
 * and stays up S more seconds. The console tests' load: a reader that
 * never reads must not slow it down, and no line may be lost while
 * xenconsoled restarts.
 */
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"

int app_chatter(void)
{
    uint64_t lines = cmdline_u64("lines", 1000);
    uint64_t wait_ms = cmdline_u64("wait_ms", 0);
    uint64_t interval_ms = cmdline_u64("interval_ms", 0);
    uint64_t hold_s = cmdline_u64("hold_s", 0);
    printf("chatter: ready, %llu lines after %llu ms\n", (unsigned long long)lines,
           (unsigned long long)wait_ms);
    console_flush();
    if (wait_ms)
        sleep_ns(wait_ms * 1000000ull);
    uint64_t start = time_now_ns();
    for (uint64_t i = 1; i <= lines; i++) {
        printf("chatter: line %llu of %llu\n", (unsigned long long)i, (unsigned long long)lines);
        if (interval_ms)
            sleep_ns(interval_ms * 1000000ull);
    }
    console_flush();
    printf("chatter: done, %llu lines in %llu ms\n", (unsigned long long)lines,
           (unsigned long long)((time_now_ns() - start) / 1000000ull));
    console_flush();
    if (hold_s)
        sleep_ns(hold_s * 1000000000ull);
    return 0;
}
