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
 * With a disk or a vif it also keeps I/O going (apps/counter_load.h):
 * rounds of verified writes on the disk, pings to ping=IP on the vif.
 *
 * Its xenstore connection is the witness of the guest's resume: after each
 * resume in a new domain it writes data/resumed = the count, and a watch
 * on data/poke (registered once, at boot) prints "counter: poked V" for
 * each value V written there, so a watch that did not survive shows.
 *
 * app=counter smp=1: also brings up every vCPU of the domain, and each
 * count bounces an IPI off every AP. The AP answers with the code segment
 * it runs in: on kvm_pvm 0x33 in PVM mode, the guest's own 0x10 in the
 * slow emulated mode a restored vCPU is left in until it registers its
 * PVCS page again. Every 10 counts it prints "smp: N IPI rounds, every AP
 * answered, CS 0x.." (the OR of the answers: only 0x33 if all are in PVM
 * mode), or at once "smp: vCPU i did not answer round N".
 *
 * app=dirtier: the same counter, plus a memory load for the migration
 * benchmark: fills mib=M MiB with data once, then rewrites rate=R MiB/s
 * of it (one write per 4 KiB page, spread over 10 ms slices), the way a
 * busy guest keeps dirtying pages during pre-copy.
 */
#include "apps/counter_load.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/suspend.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "xenbus.h"

#define IPI_WAIT_NS 1000000000ull

static uint64_t count;

/* smp=1: one ping port bound to each AP, one pong port back to vCPU 0. */
static unsigned nr_cpus = 1;
static evtchn_port_t ping_port[MAX_CPUS], pong_port;
static volatile uint32_t answered_cs[MAX_CPUS];
static volatile int pongs, pong_flag;
static uint64_t ipi_rounds;

static uint32_t code_segment(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

static void on_ping(evtchn_port_t port, void *arg)
{
    (void)port;
    answered_cs[(uintptr_t)arg] = code_segment();
    evtchn_send(pong_port);
}

static void on_pong(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    pongs++;
    pong_flag = 1;
}

static int smp_setup(void)
{
    unsigned want = smp_vcpu_count();
    nr_cpus = smp_bring_up(want);
    if (nr_cpus != want) {
        printf("counter: %u of %u vCPUs up\n", nr_cpus, want);
        return -EIO;
    }
    if (evtchn_bind_ipi(0, &pong_port) < 0)
        return -EIO;
    evtchn_set_handler(pong_port, on_pong, 0);
    for (unsigned i = 1; i < nr_cpus; i++) {
        if (evtchn_bind_ipi(i, &ping_port[i]) < 0)
            return -EIO;
        evtchn_set_handler(ping_port[i], on_ping, (void *)(uintptr_t)i);
    }
    printf("counter: %u vCPUs up\n", nr_cpus);
    return 0;
}

/* One IPI to each AP and its answer; false (and said) if one is missing. */
static bool ipi_round(void)
{
    uint32_t cs = 0;
    for (unsigned i = 1; i < nr_cpus; i++) {
        int want = pongs + 1;
        answered_cs[i] = 0;
        evtchn_send(ping_port[i]);
        uint64_t deadline = time_now_ns() + IPI_WAIT_NS;
        while (pongs < want && time_now_ns() < deadline) {
            pong_flag = 0;
            if (pongs < want)
                wait_flag_until(&pong_flag, deadline);
        }
        if (pongs < want || !answered_cs[i]) {
            printf("smp: vCPU %u did not answer round %llu\n", i, (unsigned long long)ipi_rounds);
            return false;
        }
        cs |= answered_cs[i];
    }
    if (++ipi_rounds % 10 == 0)
        printf("smp: %llu IPI rounds, every AP answered, CS 0x%x\n", (unsigned long long)ipi_rounds,
               cs);
    return true;
}

static bool have_xenbus;

static void on_resume(bool new_domain)
{
    if (new_domain) {
        printf("counter: resumed as domain %u at count %llu\n", boot.domid,
               (unsigned long long)count);
        if (have_xenbus && xenbus_printf("data/resumed", "%llu", (unsigned long long)count) < 0)
            printf("counter: cannot write data/resumed\n");
    } else
        printf("counter: suspend cancelled at count %llu\n", (unsigned long long)count);
}

static void on_poke(const char *path, const char *token, void *arg)
{
    (void)token, (void)arg;
    char value[64];
    if (xenbus_read(path, value, sizeof(value)) >= 0)
        printf("counter: poked %s\n", value);
}

static void counter_thread(void *arg)
{
    (void)arg;
    uint64_t interval = cmdline_u64("interval_ms", 100) * 1000000ull;
    uint64_t limit = cmdline_u64("count", 0);
    for (; !limit || count < limit; count++) {
        printf("count %llu\n", (unsigned long long)count);
        if (nr_cpus > 1 && !ipi_round())
            return;
        if (have_xenbus)
            xenbus_dispatch_watches();
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
    if (cmdline_u64("smp", 0) && smp_setup() < 0)
        return -EIO;
    int rc = xenbus_init();
    have_xenbus = rc == 0;
    if (rc == 0)
        rc = suspend_enable();
    if (rc == 0)
        rc = xenbus_watch_cb("data/poke", "poke", on_poke, 0);
    if (rc < 0) {
        printf("counter: no suspend channel (%d): save will only pause me\n", rc);
    }
    suspend_add_hook(on_resume);
    if (have_xenbus && counter_load_start() < 0)
        return -EIO;
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
