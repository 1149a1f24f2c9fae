/*
 * timerjitter.c - app=timerjitter period_us=P count=N: a periodic VCPU
 * timer (VCPUOP_set_periodic_timer), each tick's lateness against the ideal
 * schedule, and the median and worst absolute error (timer_jitter figure).
 */
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/percpu.h"
#include "kernel/lib.h"
#include "kernel/time.h"

#define MAX_TICKS 5000

static uint64_t ticks[MAX_TICKS];
static volatile int nticks;
static int wanted;

static void on_tick(uint64_t now)
{
    if (nticks < wanted)
        ticks[nticks] = now;
    if (nticks < wanted)
        nticks++;
}

int app_timerjitter(void)
{
    uint64_t period_us = cmdline_u64("period_us", 1000);
    wanted = (int)cmdline_u64("count", 1000);
    if (period_us < 1000 || wanted < 2 || wanted > MAX_TICKS) {
        printf("timerjitter: period_us >= 1000, count 2..%d\n", MAX_TICKS);
        return 1;
    }
    time_tick_hook = on_tick;
    struct vcpu_set_periodic_timer p = {.period_ns = period_us * 1000};
    uint64_t armed = time_now_ns();
    long rc = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, this_cpu()->id, &p);
    if (rc < 0) {
        printf("timerjitter: set_periodic_timer: %ld\n", rc);
        return 1;
    }
    /* Idle on the periodic timer alone: a single-shot timer would raise
     * the same VIRQ_TIMER and count as a tick. */
    while (nticks < wanted)
        wait_flag_until(0, 0);
    HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, this_cpu()->id, 0);
    time_tick_hook = 0;
    /*
     * Error: each tick against its own slot, armed + k * period with k the
     * nearest slot (the hypervisor arms the timer a few us after `armed`,
     * within the hypercall). A tick lost to coalescing (the guest had not
     * taken the previous one yet) leaves its slot empty but does not shift
     * the others.
     */
    static uint64_t err[MAX_TICKS];
    uint64_t period = period_us * 1000;
    int lost = 0;
    for (int i = 0; i < wanted; i++) {
        uint64_t since = ticks[i] - armed;
        uint64_t k = (since + period / 2) / period;
        int64_t e = (int64_t)(since - k * period);
        err[i] = (uint64_t)(e < 0 ? -e : e);
        if (i && k - (ticks[i - 1] - armed + period / 2) / period > 1)
            lost++;
    }
    sort_u64(err, (unsigned)wanted);
    uint64_t med = err[wanted / 2], p99 = err[wanted * 99 / 100], max = err[wanted - 1];
    printf("timerjitter: %d ticks of %llu us, median |error| %llu.%03llu us, p99 %llu.%03llu us, max %llu.%03llu us, %d slots missed\n",
           wanted, (unsigned long long)period_us, (unsigned long long)(med / 1000),
           (unsigned long long)(med % 1000), (unsigned long long)(p99 / 1000),
           (unsigned long long)(p99 % 1000), (unsigned long long)(max / 1000),
           (unsigned long long)(max % 1000), lost);
    return 0;
}
