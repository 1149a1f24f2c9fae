/*
 * evtchn_echo.c - app=evtchn-echo count=N: offers an event channel to Dom0
 * (EVTCHNOP_alloc_unbound, remote Dom0), prints its port, and answers each
 * notification with one of its own, N times: the guest half of the Dom0
 * ping-pong test and the evtchn_roundtrip_dom0 benchmark.
 */
#include "kernel/console.h"
#include "kernel/events.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"

static volatile int received;

static void on_ping(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    received++;
}

int app_evtchn_echo(void)
{
    uint64_t count = cmdline_u64("count", 1000);
    uint64_t idle_s = cmdline_u64("idle_s", 30);
    evtchn_port_t port;
    int rc = evtchn_alloc_unbound(0, &port);
    if (rc < 0) {
        printf("evtchn-echo: alloc_unbound: %d\n", rc);
        return 1;
    }
    evtchn_set_handler(port, on_ping, 0);
    printf("evtchn-echo: port %u ready for Dom0, %llu round trips\n", port, (unsigned long long)count);
    console_flush();
    int seen = 0;
    uint64_t answered = 0;
    while (answered < count) {
        uint64_t deadline = time_now_ns() + idle_s * 1000000000ull;
        while (received == seen) {
            wait_flag_until(0, 0);
            if (received == seen && time_now_ns() > deadline) {
                printf("evtchn-echo: no event for %llu s after %llu round trips\n",
                       (unsigned long long)idle_s, (unsigned long long)answered);
                return 1;
            }
        }
        int now = received;
        answered += (uint64_t)(now - seen);
        seen = now;
        evtchn_notify(port);
    }
    printf("evtchn-echo: answered %llu pings\n", (unsigned long long)answered);
    return 0;
}
