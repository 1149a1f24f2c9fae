/*
 * time.c - pvclock reads (xen-abi.md 5.1) and timer sleeps.
 */
#include "kernel/time.h"

#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"

void (*time_tick_hook)(uint64_t now_ns);

static void timer_event(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    if (time_tick_hook)
        time_tick_hook(time_now_ns());
}

int time_init(void)
{
    evtchn_port_t port;
    int rc = evtchn_bind_virq(VIRQ_TIMER, this_cpu()->id, &port);
    if (rc == 0)
        evtchn_set_handler(port, timer_event, 0);
    return rc;
}

uint64_t time_now_ns(void)
{
    const volatile struct vcpu_time_info *t = &shared_info->vcpu_info[this_cpu()->id].time;
    uint32_t version;
    uint64_t tsc_ts, sys, now;
    uint32_t mul;
    int8_t shift;
    do {
        version = t->version;
        __asm__ volatile("" ::: "memory");
        tsc_ts = t->tsc_timestamp;
        sys = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        now = rdtsc();
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != t->version);
    uint64_t delta = now - tsc_ts;
    delta = shift >= 0 ? delta << shift : delta >> -shift;
    return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t time_wallclock_s(void)
{
    uint32_t version;
    uint64_t sec;
    uint32_t nsec;
    do {
        version = shared_info->wc_version;
        __asm__ volatile("" ::: "memory");
        sec = (uint64_t)shared_info->wc_sec_hi << 32 | shared_info->wc_sec;
        nsec = shared_info->wc_nsec;
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != shared_info->wc_version);
    uint64_t boot_ns = sec * 1000000000ull + nsec;
    return (boot_ns + time_now_ns()) / 1000000000ull;
}

static void set_timer(uint64_t deadline)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = deadline, .flags = 0};
    HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, this_cpu()->id, &t);
}

/*
 * How to idle: hlt with interrupts enabled (the default, as Linux and
 * Mini-OS PVH do), or idle=block on the command line for Xen's
 * SCHEDOP_block, which enables event delivery itself as it blocks.
 */
static void idle(void)
{
    static int mode = -1;
    if (mode < 0) {
        char buf[16];
        mode = cmdline_get("idle", buf, sizeof(buf)) && strcmp(buf, "block") == 0;
    }
    if (mode)
        HYPERVISOR_sched_op(SCHEDOP_block, 0);
    else
        idle_halt();
}

bool (*idle_work_hook)(void);

/* The hook on vCPU 0, once at a time: its own xenbus waits come back
 * through here. */
static bool run_idle_work(void)
{
    static int running;
    if (!idle_work_hook || this_cpu()->id != 0 || running)
        return false;
    running = 1;
    irq_enable();
    bool did = idle_work_hook();
    running = 0;
    return did;
}

void wait_flag_until(volatile int *flag, uint64_t deadline_ns)
{
    if (deadline_ns)
        set_timer(deadline_ns);
    for (;;) {
        if (run_idle_work() && deadline_ns)
            set_timer(deadline_ns);
        irq_disable();
        if ((flag && *flag) || (deadline_ns && time_now_ns() >= deadline_ns))
            break;
        idle(); /* returns with interrupts enabled, after one arrived */
        if (!flag && !deadline_ns)
            break;   /* no condition: one interrupt is what was asked */
    }
    irq_disable();
}

void sleep_ns(uint64_t ns)
{
    wait_flag_until(0, time_now_ns() + ns);
}
