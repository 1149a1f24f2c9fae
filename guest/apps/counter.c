/*
 * counter.c - the witness of save, restore and migration.
 *
 * app=counter: prints "count N" every 100 ms (interval_ms=I), N going up
 * by one each time, forever (or count=C lines). The count lives in guest
 * memory, so after a restore or a migration it goes on from where it was;
 * a fresh boot would start at 0. The app offers Xen's suspend channel
 * (kernel/suspend.h), so the toolstack can suspend it cooperatively and
 * it learns when it resumed in a new domain.
 *
 * app=dirtier: the same counter, plus a memory load for the migration
 * benchmark: fills mib=M MiB with data once, then rewrites rate=R MiB/s
 * of it (one write per 4 KiB page, spread over 10 ms slices), the way a
 * busy guest keeps dirtying pages during pre-copy.
 */
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/suspend.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "xenbus.h"

static uint64_t count;

static void on_resume(bool new_domain)
{
    if (new_domain)
        printf("counter: resumed as domain %u at count %llu\n", boot.domid,
               (unsigned long long)count);
    else
        printf("counter: suspend cancelled at count %llu\n", (unsigned long long)count);
}

static void counter_thread(void *arg)
{
    (void)arg;
    uint64_t interval = cmdline_u64("interval_ms", 100) * 1000000ull;
    uint64_t limit = cmdline_u64("count", 0);
    for (; !limit || count < limit; count++) {
        printf("count %llu\n", (unsigned long long)count);
        thread_sleep_ns(interval);
    }
}

struct dirty_area {
    uint8_t *base;
    uint64_t pages;
    uint64_t rate_pages; /* per second */
};

static void dirtier_thread(void *arg)
{
    struct dirty_area *a = arg;
    uint64_t at = 0, round = 1;
    uint64_t per_slice = a->rate_pages / 100; /* 10 ms slices */
    for (;;) {
        thread_sleep_ns(10000000ull);
        for (uint64_t i = 0; i < per_slice; i++, at++) {
            if (at == a->pages) {
                at = 0;
                round++;
            }
            a->base[at * PAGE_SIZE] = (uint8_t)(round | 1);
        }
    }
}

static int start_common(void)
{
    int rc = xenbus_init();
    if (rc == 0)
        rc = suspend_enable();
    if (rc < 0) {
        printf("counter: no suspend channel (%d): save will only pause me\n", rc);
    }
    suspend_add_hook(on_resume);
    if (thread_create("counter", counter_thread, 0) < 0)
        return -ENOSPC;
    return 0;
}

int app_counter(void)
{
    if (start_common() < 0)
        return 1;
    thread_run_all();
    return 0;
}

int app_dirtier(void)
{
    static struct dirty_area a;
    uint64_t mib = cmdline_u64("mib", 16), rate = cmdline_u64("rate", 10);
    a.pages = mib * 256;
    a.rate_pages = rate * 256;
    a.base = a.pages ? page_alloc((unsigned)a.pages) : 0;
    if (!a.base) {
        printf("dirtier: cannot allocate %llu MiB\n", (unsigned long long)mib);
        return 1;
    }
    /* Fill with something that is not zero, different in every page. */
    for (uint64_t p = 0; p < a.pages; p++)
        for (unsigned w = 0; w < PAGE_SIZE / 8; w += 64)
            ((uint64_t *)(void *)(a.base + p * PAGE_SIZE))[w] = p * 0x9e3779b97f4a7c15ull + w + 1;
    printf("dirtier: filled %llu MiB, rewriting %llu MiB/s\n", (unsigned long long)mib,
           (unsigned long long)rate);
    if (start_common() < 0)
        return 1;
    if (rate && thread_create("dirtier", dirtier_thread, &a) < 0)
        return 1;
    thread_run_all();
    return 0;
}
