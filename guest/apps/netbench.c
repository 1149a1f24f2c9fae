/*
 * netbench.c - app=netbench mode=send|recv [peer=IP] [frame=F] [secs=S]
 * [port=P]: a UDP stream between two guests.
 *
 * Each datagram carries a header (magic, kind, sequence, the count sent
 * so far, a 32-bit sum of the rest) and a pattern derived from its
 * sequence number; the receiver checks the sum and the pattern of every
 * datagram. F is the Ethernet frame size (14 + 20 + 8 + payload, 64 ..
 * 1514). The sender streams for S seconds (default 3), then sends an end
 * marker carrying its count; the receiver reports, in parseable lines:
 *   netbench: sent N datagrams of F-byte frames in T us, X Mpps
 *   netbench: received N datagrams of F-byte frames, bad B, lost L of S,
 *             X Mpps Y Gbit/s over T us
 * (on one line; X and Y with three decimals).
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "net/net.h"

#define MAGIC 0x4e424348u   /* "NBCH" */
#define HDR   20u
#define KIND_DATA 0
#define KIND_END  1

static uint8_t buf[NET_MTU];
static uint64_t good, bad, first_ns, last_ns, sent_by_peer;
static uint32_t max_seq;
static unsigned frame_len;
static volatile int done;

static void fill(uint8_t *p, unsigned len, uint32_t seq)
{
    uint32_t x = seq * 2654435761u + 1;
    for (unsigned i = HDR; i + 4 <= len; i += 4) {
        x = x * 1664525u + 1013904223u;
        put32(p + i, x);
    }
    for (unsigned i = len & ~3u; i < len; i++)
        if (i >= HDR)
            p[i] = (uint8_t)seq;
}

static uint32_t sum_of(const uint8_t *p, unsigned len)
{
    uint32_t s = 0;
    for (unsigned i = HDR; i < len; i++)
        s = s * 31 + p[i];
    return s;
}

static bool pattern_ok(const uint8_t *p, unsigned len, uint32_t seq)
{
    uint32_t x = seq * 2654435761u + 1;
    for (unsigned i = HDR; i + 4 <= len; i += 4) {
        x = x * 1664525u + 1013904223u;
        if (get32(p + i) != x)
            return false;
    }
    return true;
}

static void on_data(void *arg, uint32_t src, uint16_t sport, const uint8_t *p, unsigned len)
{
    (void)arg, (void)src, (void)sport;
    if (len < HDR || get32(p) != MAGIC)
        return;
    uint32_t seq = get32(p + 8);
    if (get32(p + 4) == KIND_END) {
        sent_by_peer = get32(p + 12);
        done = 1;
        return;
    }
    uint64_t now = time_now_ns();
    if (!good && !bad)
        first_ns = now;
    last_ns = now;
    if (get32(p + 16) != sum_of(p, len) || !pattern_ok(p, len, seq)) {
        bad++;
        return;
    }
    good++;
    if (seq > max_seq)
        max_seq = seq;
    frame_len = len + ETH_HDR + IP_HDR + UDP_HDR;
}

static void dec3(char *out, uint64_t milli)
{
    snprintf(out, 32, "%llu.%03llu", (unsigned long long)(milli / 1000),
             (unsigned long long)(milli % 1000));
}

static int receiver(uint16_t port, uint64_t secs)
{
    udp_bind(port, on_data, 0);
    printf("netbench: ready to receive on port %u\n", port);
    uint64_t deadline = time_now_ns() + (secs + 60) * 1000000000ull;
    while (!done && time_now_ns() < deadline)
        if (!net_poll())
            net_wait(deadline);
    if (!done) {
        printf("netbench: no end marker after %llu s (received %llu)\n",
               (unsigned long long)secs + 60, (unsigned long long)good);
        return 1;
    }
    uint64_t ns = last_ns > first_ns ? last_ns - first_ns : 1;
    char mpps[32], gbps[32];
    dec3(mpps, good * 1000000ull / ns);                      /* kpps = Mpps x 1000 */
    dec3(gbps, good * frame_len * 8ull * 1000ull / ns);       /* Gbit/s x 1000 */
    uint64_t lost = sent_by_peer > good + bad ? sent_by_peer - good - bad : 0;
    printf("netbench: received %llu datagrams of %u-byte frames, bad %llu, lost %llu of %llu, "
           "%s Mpps %s Gbit/s over %llu us\n",
           (unsigned long long)good, frame_len, (unsigned long long)bad, (unsigned long long)lost,
           (unsigned long long)sent_by_peer, mpps, gbps, (unsigned long long)(ns / 1000));
    return bad ? 1 : 0;
}

static int sender(uint32_t peer, uint16_t port, unsigned frame, uint64_t secs)
{
    unsigned len = frame - ETH_HDR - IP_HDR - UDP_HDR;
    uint8_t mac[6];
    if (arp_resolve(peer, mac, 30000000000ull) < 0) {
        printf("netbench: peer does not answer ARP\n");
        return 1;
    }
    uint32_t seq = 0;
    uint64_t t0 = time_now_ns(), end = t0 + secs * 1000000000ull;
    put32(buf, MAGIC);
    put32(buf + 4, KIND_DATA);
    while ((seq & 63) || time_now_ns() < end) {
        seq++;
        put32(buf + 8, seq);
        put32(buf + 12, seq);
        fill(buf, len, seq);
        put32(buf + 16, sum_of(buf, len));
        if (udp_send(peer, port, port, buf, len) < 0) {
            printf("netbench: send failed at %u\n", seq);
            return 1;
        }
    }
    uint64_t ns = time_now_ns() - t0;
    for (int i = 0; i < 20; i++) {
        put32(buf + 4, KIND_END);
        put32(buf + 12, seq);
        udp_send(peer, port, port, buf, HDR);
        uint64_t next = time_now_ns() + 2000000;
        while (time_now_ns() < next)
            if (!net_poll())
                net_wait(next);
    }
    char mpps[32];
    dec3(mpps, (uint64_t)seq * 1000000ull / ns);
    printf("netbench: sent %u datagrams of %u-byte frames in %llu us, %s Mpps, tx busy %llu, "
           "tx errors %llu\n", seq, frame, (unsigned long long)(ns / 1000), mpps,
           (unsigned long long)net0.st.tx_busy,
           (unsigned long long)netfront_stats(net0.nf)->tx_errors);
    return 0;
}

int app_netbench(void)
{
    char mode[8] = "", text[32];
    uint64_t frame = cmdline_u64("frame", 1514), secs = cmdline_u64("secs", 3);
    uint16_t port = (uint16_t)cmdline_u64("port", 9000);
    uint32_t peer = 0;
    cmdline_get("mode", mode, sizeof(mode));
    bool send = strcmp(mode, "send") == 0;
    if ((!send && strcmp(mode, "recv") != 0) || frame < 64 || frame > ETH_HDR + NET_MTU ||
        (send && (!cmdline_get("peer", text, sizeof(text)) || ip_parse(text, &peer, 0) < 0))) {
        printf("netbench: need mode=recv, or mode=send peer=A.B.C.D; frame=64..1514\n");
        return 1;
    }
    if (net_init() < 0)
        return 1;
    int rc = send ? sender(peer, port, (unsigned)frame, secs) : receiver(port, secs);
    sleep_ns(1000000000ull);   /* let the console backend take our last lines */
    return rc;
}
