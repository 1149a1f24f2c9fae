/*
 * smp.c - app=smp ipis=N: brings up every vCPU of the domain, has each
 * report itself, then bounces N IPIs between vCPU 0 and vCPU 1 through two
 * EVTCHNOP_bind_ipi ports, checking that each handler runs on the vCPU its
 * port is bound to.
 */
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/time.h"

static evtchn_port_t to_cpu1, to_cpu0;
static volatile int pongs, wrong_cpu;

static void report(void)
{
    printf("smp: vCPU %u up\n", this_cpu()->id);
}

static void on_ping(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    if (this_cpu()->id != 1)
        wrong_cpu++;
    evtchn_send(to_cpu0);
}

static void on_pong(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    if (this_cpu()->id != 0)
        wrong_cpu++;
    pongs++;
}

int app_smp(void)
{
    uint64_t ipis = cmdline_u64("ipis", 1000);
    unsigned n = smp_vcpu_count();
    unsigned up = smp_bring_up(n);
    printf("smp: %u of %u vCPUs up\n", up, n);
    for (unsigned i = 1; i < up; i++) {
        smp_run_on(i, report);
        evtchn_port_t p;
        /* Wake it: the AP idles until an event arrives. */
        if (evtchn_bind_ipi(i, &p) == 0)
            evtchn_send(p);
    }
    sleep_ns(50000000);
    if (up < 2)
        return up == n ? 0 : 1;
    if (evtchn_bind_ipi(1, &to_cpu1) < 0 || evtchn_bind_ipi(0, &to_cpu0) < 0) {
        printf("smp: bind_ipi failed\n");
        return 1;
    }
    evtchn_set_handler(to_cpu1, on_ping, 0);
    evtchn_set_handler(to_cpu0, on_pong, 0);
    uint64_t t0 = time_now_ns();
    for (uint64_t i = 0; i < ipis; i++) {
        int want = pongs + 1;
        evtchn_send(to_cpu1);
        uint64_t deadline = time_now_ns() + 1000000000ull;
        while (pongs < want && time_now_ns() < deadline)
            wait_flag_until(0, 0);
        if (pongs < want) {
            printf("smp: IPI %llu got no answer\n", (unsigned long long)i);
            return 1;
        }
    }
    uint64_t ns = (time_now_ns() - t0) / (ipis ? ipis : 1);
    printf("smp: %llu IPI round trips vCPU 0 <-> vCPU 1, %llu.%03llu us each, %d on a wrong vCPU\n",
           (unsigned long long)ipis, (unsigned long long)(ns / 1000),
           (unsigned long long)(ns % 1000), wrong_cpu);
    return wrong_cpu || up != n ? 1 : 0;
}
