/*
 * netping.c - app=netping ping=IP [count=N] [interval_ms=I] [size=B]
 * [linger_s=S]: pings a peer through vif 0 and reports the round-trip
 * times in one parseable line:
 *   netping: N/N replies from IP, rtt min A median B max C us
 * (microseconds with three decimals). The stack answers the peer's pings
 * meanwhile, and for S more seconds after (default 5) so that two
 * netping guests can ping each other.
 */
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "net/net.h"

#define MAX_PINGS 10000u
#define REPLY_TIMEOUT_NS 1000000000ull

static uint64_t rtt[MAX_PINGS];
static volatile uint16_t want_seq;
static volatile uint64_t reply_at;
static uint32_t peer;

static void on_reply(uint32_t src, uint16_t id, uint16_t seq, unsigned len)
{
    (void)len;
    if (src == peer && id == 0x4e50 && seq == want_seq)
        reply_at = time_now_ns();
}

static void us3(uint64_t ns, char *buf)
{
    snprintf(buf, 24, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

int app_netping(void)
{
    char text[32], ptext[16];
    uint64_t count = cmdline_u64("count", 10), interval = cmdline_u64("interval_ms", 10);
    uint64_t size = cmdline_u64("size", 56), linger = cmdline_u64("linger_s", 5);
    if (!cmdline_get("ping", text, sizeof(text)) || ip_parse(text, &peer, 0) < 0 ||
        count == 0 || count > MAX_PINGS) {
        printf("netping: need ping=A.B.C.D and count=1..%u\n", MAX_PINGS);
        return 1;
    }
    if (net_init() < 0)
        return 1;
    ip_text(peer, ptext);
    icmp_reply_hook = on_reply;
    uint8_t mac[6];
    /* The peer may still be booting: ask for its MAC for up to 30 s. */
    if (arp_resolve(peer, mac, 30000000000ull) < 0) {
        printf("netping: %s does not answer ARP\n", ptext);
        return 1;
    }
    unsigned got = 0;
    for (uint64_t i = 0; i < count; i++) {
        want_seq = (uint16_t)(i + 1);
        reply_at = 0;
        uint64_t t0 = time_now_ns();
        int rc = icmp_echo_send(peer, 0x4e50, want_seq, (unsigned)size);
        if (rc < 0) {
            printf("netping: sending to %s: %d\n", ptext, rc);
            return 1;
        }
        while (!reply_at && time_now_ns() - t0 < REPLY_TIMEOUT_NS)
            if (!net_poll() && !reply_at)
                net_wait(t0 + REPLY_TIMEOUT_NS);
        if (reply_at)
            rtt[got++] = reply_at - t0;
        uint64_t next = t0 + interval * 1000000ull;
        while (time_now_ns() < next)
            if (!net_poll())
                net_wait(next);
    }
    if (got == 0) {
        printf("netping: 0/%llu replies from %s\n", (unsigned long long)count, ptext);
        return 1;
    }
    sort_u64(rtt, got);
    char a[24], b[24], c[24];
    us3(rtt[0], a);
    us3(rtt[got / 2], b);
    us3(rtt[got - 1], c);
    printf("netping: %u/%llu replies from %s, rtt min %s median %s max %s us\n", got,
           (unsigned long long)count, ptext, a, b, c);
    uint64_t end = time_now_ns() + linger * 1000000000ull;
    while (time_now_ns() < end)
        if (!net_poll())
            net_wait(end);
    printf("netping: done, answered %llu pings\n", (unsigned long long)net0.st.echo_replies_sent);
    return 0;
}
