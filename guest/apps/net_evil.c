/*
 * net_evil.c - app=net-evil [rounds=N] [ring=1] [hold_s=S]: a hostile
 * frontend for the netback tests. Each round posts, on its own tx ring,
 * malformed packets of every kind netback must refuse:
 *   a grant ref we never gave (0x7ffff0), a fragment whose offset + size
 *   runs past its page, a fragment chain of 36 slots (never ending
 *   within the 18-slot limit), a 9000-byte frame (beyond the MTU), a
 *   10-byte frame, fragments larger than their frame, and a GSO extra-info
 *   slot (not offered).
 * Each round must come back as ROUND_ERRORS error answers and one NULL
 * (the extra slot), and nothing accepted:
 *   net-evil: N rounds, E error answers, Z null, A accepted
 * ring=1 then writes an impossible tx req_prod (a ring and more ahead);
 * netback must stop serving this vif alone. The guest stays up hold_s
 * (default 30) so the test can look at netback meanwhile.
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "net/net.h"

#define CHAIN 36u
#define ROUND_ERRORS (1u + 1u + CHAIN + 1u + 1u + 2u + 1u)

static unsigned build_round(struct netif_tx_request *r)
{
    unsigned n = 0;
    const uint32_t own = NF_RAW_OWN_GREF;
    r[n++] = (struct netif_tx_request){.gref = 0x7ffff0, .size = 60};
    r[n++] = (struct netif_tx_request){.gref = own, .offset = 4000, .size = 200};
    for (unsigned i = 0; i < CHAIN; i++)
        r[n++] = (struct netif_tx_request){.gref = own, .flags = NETTXF_more_data,
                                           .size = i == 0 ? 64 * CHAIN : 64};
    r[n++] = (struct netif_tx_request){.gref = own, .size = 9000};
    r[n++] = (struct netif_tx_request){.gref = own, .size = 10};
    r[n++] = (struct netif_tx_request){.gref = own, .flags = NETTXF_more_data, .size = 100};
    r[n++] = (struct netif_tx_request){.gref = own, .size = 200};
    r[n++] = (struct netif_tx_request){.gref = own, .flags = NETTXF_extra_info, .size = 60};
    struct netif_extra_info x = {.type = XEN_NETIF_EXTRA_TYPE_GSO};
    x.u.gso.size = 1400;
    x.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    memset(&r[n], 0, sizeof(r[n]));
    memcpy(&r[n], &x, sizeof(x));
    r[n++].flags |= NF_RAW_EXTRA;   /* the overlay's bytes 6-7: ours to mark */
    return n;
}

int app_net_evil(void)
{
    uint64_t rounds = cmdline_u64("rounds", 20), hold = cmdline_u64("hold_s", 30);
    bool ring = cmdline_u64("ring", 0) != 0;
    if (net_init() < 0)
        return 1;
    const struct nf_stats *st = netfront_stats(net0.nf);
    struct netif_tx_request reqs[64];
    unsigned n = build_round(reqs);
    for (uint64_t i = 0; i < rounds; i++) {
        uint64_t want = st->tx_errors + ROUND_ERRORS;
        uint64_t deadline = time_now_ns() + 5000000000ull;
        while (netfront_post_raw(net0.nf, reqs, n) < 0 && time_now_ns() < deadline)
            if (!net_poll())
                net_wait(time_now_ns() + 1000000);
        while (st->tx_errors < want && time_now_ns() < deadline)
            if (!net_poll())
                net_wait(deadline);
        if (st->tx_errors < want) {
            printf("net-evil: round %llu: only %llu of %llu error answers came back\n",
                   (unsigned long long)i, (unsigned long long)st->tx_errors,
                   (unsigned long long)want);
            break;
        }
    }
    uint64_t accepted = st->tx_frames;   /* raw posts are not counted as frames: any here was ours */
    printf("net-evil: %llu rounds, %llu error answers, %llu null, %llu accepted\n",
           (unsigned long long)rounds, (unsigned long long)st->tx_errors,
           (unsigned long long)st->tx_null, (unsigned long long)accepted);
    if (ring) {
        netfront_corrupt_tx_prod(net0.nf, 1000);
        printf("net-evil: wrote an impossible tx req_prod\n");
    }
    uint64_t end = time_now_ns() + hold * 1000000000ull;
    while (time_now_ns() < end)
        net_wait(end);
    return 0;
}
