/*
 * udp.c - UDP (RFC 768): a small table of bound ports with a handler
 * each, and sending. The checksum covers the pseudo-header; with offload
 * the field carries the pseudo-header sum and the frame goes out
 * NETTXF_csum_blank (netback or the last hop finishes it, as Linux's
 * CHECKSUM_PARTIAL); received datagrams are verified unless netback says
 * the data was validated or the checksum is still partial.
 */
#include "net/net.h"

#include "kernel/errno.h"
#include "kernel/lib.h"

#define UDP_PORTS 8

static struct {
    uint16_t port;
    udp_fn fn;
    void *arg;
} ports[UDP_PORTS];

int udp_bind(uint16_t port, udp_fn fn, void *arg)
{
    for (unsigned i = 0; i < UDP_PORTS; i++) {
        if (!ports[i].fn || ports[i].port == port) {
            ports[i].port = port;
            ports[i].fn = fn;
            ports[i].arg = arg;
            return 0;
        }
    }
    return -ENOSPC;
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, unsigned len)
{
    uint8_t ph[12];
    put32(ph, src);
    put32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = IP_PROTO_UDP;
    put16(ph + 10, (uint16_t)len);
    return net_csum_add(0, ph, sizeof(ph));
}

void udp_input(uint32_t src, uint32_t dst, const uint8_t *p, unsigned len, unsigned flags)
{
    if (len < UDP_HDR || get16(p + 4) < UDP_HDR || get16(p + 4) > len)
        return;
    len = get16(p + 4);
    if (!(flags & (NF_DATA_VALID | NF_CSUM_BLANK)) && get16(p + 6) != 0) {
        uint32_t sum = net_csum_add(pseudo_sum(src, dst, len), p, len);
        if (net_csum_fold(sum) != 0xffff) {
            net0.st.rx_bad_csum++;
            return;
        }
    }
    uint16_t dport = get16(p + 2);
    for (unsigned i = 0; i < UDP_PORTS; i++) {
        if (ports[i].fn && ports[i].port == dport) {
            ports[i].fn(ports[i].arg, src, get16(p), p + UDP_HDR, len - UDP_HDR);
            return;
        }
    }
    net0.st.rx_dropped++;
}

int udp_send(uint32_t dst, uint16_t sport, uint16_t dport, const void *data, unsigned len)
{
    uint8_t h[UDP_HDR];
    unsigned total = UDP_HDR + len;
    put16(h, sport);
    put16(h + 2, dport);
    put16(h + 4, (uint16_t)total);
    put16(h + 6, 0);
    uint32_t sum = pseudo_sum(net0.ip, dst, total);
    unsigned flags = 0;
    if (net0.csum_offload) {
        put16(h + 6, net_csum_fold(sum));   /* partial: the pseudo-header only */
        flags = NF_CSUM_BLANK;
    } else {
        sum = net_csum_add(net_csum_add(sum, h, UDP_HDR), data, len);
        uint16_t c = (uint16_t)~net_csum_fold(sum);
        put16(h + 6, c ? c : 0xffff);
    }
    return ip_send(dst, IP_PROTO_UDP, h, UDP_HDR, data, len, flags);
}
