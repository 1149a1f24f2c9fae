/*
 * eth.c - Ethernet II framing: the receive dispatch by EtherType, and
 * sending with a header in front of the caller's segments.
 */
#include "net/net.h"

#include "kernel/errno.h"
#include "kernel/lib.h"
#include "kernel/time.h"

void eth_input(void *arg, uint8_t *frame, unsigned len, unsigned flags)
{
    (void)arg;
    if (len < ETH_HDR)
        return;
    net0.st.rx_frames++;
    const uint8_t *dst = frame;
    if (!(dst[0] & 1) && memcmp(dst, net0.mac, 6) != 0) {
        net0.st.rx_dropped++;   /* flooded to us, meant for someone else */
        return;
    }
    uint16_t type = get16(frame + 12);
    if (type == ETH_TYPE_ARP)
        arp_input(frame + ETH_HDR, len - ETH_HDR);
    else if (type == ETH_TYPE_IP)
        ip_input(frame + ETH_HDR, len - ETH_HDR, flags);
}

int eth_send(const uint8_t dst[6], uint16_t type, const struct nf_seg *segs, unsigned n,
             unsigned flags)
{
    uint8_t hdr[ETH_HDR + IP_HDR + UDP_HDR + 64];
    struct nf_seg all[4];
    if (n > 3)
        return -EINVAL;
    /* The first segment (the L3/L4 headers) is joined to ours, so a
     * frame is at most two fragments: headers and payload. */
    memcpy(hdr, dst, 6);
    memcpy(hdr + 6, net0.mac, 6);
    put16(hdr + 12, type);
    unsigned hlen = ETH_HDR, first = 0;
    if (n && segs[0].len <= sizeof(hdr) - ETH_HDR) {
        memcpy(hdr + ETH_HDR, segs[0].data, segs[0].len);
        hlen += segs[0].len;
        first = 1;
    }
    all[0] = (struct nf_seg){hdr, hlen};
    unsigned m = 1;
    for (unsigned i = first; i < n; i++)
        if (segs[i].len)
            all[m++] = segs[i];
    for (;;) {
        int rc = netfront_send(net0.nf, all, m, flags);
        if (rc != -EAGAIN)
            return rc;
        net0.st.tx_busy++;
        if (!net_poll())
            net_wait(time_now_ns() + 1000000);
    }
}
