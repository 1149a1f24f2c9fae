/*
 * ipv4.c - IPv4 (RFC 791) without options or fragments: checks a
 * received header (version, length, checksum, our address or broadcast)
 * and dispatches by protocol; sends with a fresh header to a peer on our
 * subnet (resolved by ARP) or to the broadcast address.
 */
#include "net/net.h"

#include "kernel/errno.h"
#include "kernel/lib.h"

#define ARP_TIMEOUT_NS 3000000000ull

static uint16_t ident;

void ip_input(const uint8_t *p, unsigned len, unsigned flags)
{
    if (len < IP_HDR || (p[0] >> 4) != 4)
        return;
    unsigned ihl = (p[0] & 15) * 4u, tot = get16(p + 2);
    if (ihl < IP_HDR || tot < ihl || tot > len || net_csum_fold(net_csum_add(0, p, ihl)) != 0xffff) {
        net0.st.rx_bad_csum++;
        return;
    }
    if ((get16(p + 6) & 0x3fff) != 0) {
        net0.st.rx_dropped++;   /* fragments are not reassembled */
        return;
    }
    uint32_t src = get32(p + 12), dst = get32(p + 16);
    uint32_t bcast = net0.ip | ~net0.netmask;
    if (dst != net0.ip && dst != bcast && dst != 0xffffffffu)
        return;
    if (p[9] == IP_PROTO_ICMP)
        icmp_input(src, p + ihl, tot - ihl);
    else if (p[9] == IP_PROTO_UDP)
        udp_input(src, dst, p + ihl, tot - ihl, flags);
}

int ip_send(uint32_t dst, uint8_t proto, const void *l4, unsigned l4len, const void *payload,
            unsigned plen, unsigned flags)
{
    uint8_t mac[6];
    uint32_t bcast = net0.ip | ~net0.netmask;
    if (IP_HDR + l4len + plen > NET_MTU)
        return -EMSGSIZE;
    if (dst == bcast || dst == 0xffffffffu) {
        memset(mac, 0xff, 6);
    } else if ((dst & net0.netmask) != (net0.ip & net0.netmask)) {
        return -EINVAL;   /* no router: peers are on our subnet */
    } else {
        int rc = arp_resolve(dst, mac, ARP_TIMEOUT_NS);
        if (rc < 0)
            return rc;
    }
    uint8_t h[IP_HDR + 64];
    if (l4len > 64)
        return -EINVAL;
    memset(h, 0, IP_HDR);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(IP_HDR + l4len + plen));
    put16(h + 4, ident++);
    put16(h + 6, 0x4000);     /* don't fragment */
    h[8] = 64;
    h[9] = proto;
    put32(h + 12, net0.ip);
    put32(h + 16, dst);
    put16(h + 10, (uint16_t)~net_csum_fold(net_csum_add(0, h, IP_HDR)));
    memcpy(h + IP_HDR, l4, l4len);
    struct nf_seg s[2] = {{h, IP_HDR + l4len}, {payload, plen}};
    return eth_send(mac, ETH_TYPE_IP, s, plen ? 2 : 1, flags);
}
