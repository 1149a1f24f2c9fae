/*
 * threads.c - app=threads: cooperative threads on the guest's clock. Three
 * threads sleep different periods and count their wake-ups; a fourth
 * yields in a loop. Each sleeper must wake the expected number of times in
 * the same total time, proving that one thread's sleep lets the others
 * run and that the timer wakes the right one.
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/thread.h"
#include "kernel/time.h"

#define RUN_MS 300

struct sleeper {
    uint64_t period_ms;
    unsigned wakeups;
};

/* RUN_MS / period sleeps: run one after another the three sleepers would
 * take 3 x RUN_MS; interleaved, about RUN_MS in all. */
static void sleeper_main(void *arg)
{
    struct sleeper *s = arg;
    for (uint64_t n = RUN_MS / s->period_ms; n; n--) {
        thread_sleep_ns(s->period_ms * 1000000ull);
        s->wakeups++;
    }
}

static unsigned yields;

static void yielder_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        yields++;
        thread_yield();
    }
}

int app_threads(void)
{
    static struct sleeper s[3] = {{10, 0}, {25, 0}, {50, 0}};
    for (int i = 0; i < 3; i++)
        thread_create("sleeper", sleeper_main, &s[i]);
    thread_create("yielder", yielder_main, 0);
    uint64_t t0 = time_now_ns();
    thread_run_all();
    uint64_t ms = (time_now_ns() - t0) / 1000000;
    int ok = yields == 1000;
    for (int i = 0; i < 3; i++) {
        unsigned want = (unsigned)(RUN_MS / s[i].period_ms);
        printf("threads: sleeper %llu ms woke %u times (expected %u)\n",
               (unsigned long long)s[i].period_ms, s[i].wakeups, want);
        ok &= s[i].wakeups == want;
    }
    ok &= ms >= RUN_MS && ms <= RUN_MS + RUN_MS / 2;
    printf("threads: yielder yielded %u times; all done in %llu ms (interleaved: ~%d): %s\n",
           yields, (unsigned long long)ms, RUN_MS, ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
