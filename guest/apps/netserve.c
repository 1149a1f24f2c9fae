/*
 * netserve.c - app=netserve [secs=S]: the peer the network tests and
 * benchmarks talk to. Brings vif 0 up, answers ARP and pings (the stack
 * does), echoes every UDP datagram sent to port 7 back to its sender,
 * and prints its counters every 5 s when they changed. Runs until
 * destroyed, or S seconds.
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "net/net.h"

static uint64_t echoed;

static void echo(void *arg, uint32_t src, uint16_t sport, const uint8_t *data, unsigned len)
{
    (void)arg;
    if (udp_send(src, 7, sport, data, len) == 0)
        echoed++;
}

int app_netserve(void)
{
    uint64_t secs = cmdline_u64("secs", 0);
    if (net_init() < 0)
        return 1;
    udp_bind(7, echo, 0);
    printf("netserve: serving pings and udp echo on port 7\n");
    uint64_t end = secs ? time_now_ns() + secs * 1000000000ull : 0, last = 0;
    uint64_t next_report = time_now_ns() + 5000000000ull;
    for (;;) {
        uint64_t now = time_now_ns();
        if (end && now >= end)
            break;
        if (now >= next_report) {
            if (net0.st.rx_frames != last)
                printf("netserve: %llu frames in, %llu pings answered, %llu datagrams echoed\n",
                       (unsigned long long)net0.st.rx_frames,
                       (unsigned long long)net0.st.echo_replies_sent, (unsigned long long)echoed);
            last = net0.st.rx_frames;
            next_report = now + 5000000000ull;
        }
        if (!net_poll())
            net_wait(next_report);
    }
    return 0;
}
