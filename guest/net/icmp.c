/*
 * icmp.c - ICMP echo (RFC 792): requests to us are answered at once with
 * the same identifier, sequence and data; replies go to icmp_reply_hook
 * (the ping app's). Checksums are always computed here: Xen offers no
 * ICMP offload either.
 */
#include "net/net.h"

#include "kernel/errno.h"
#include "kernel/lib.h"

#define ECHO_MAX 1472u

void (*icmp_reply_hook)(uint32_t src, uint16_t id, uint16_t seq, unsigned len);

static uint8_t echo_buf[8 + ECHO_MAX];

void icmp_input(uint32_t src, const uint8_t *p, unsigned len)
{
    if (len < 8 || net_csum_fold(net_csum_add(0, p, len)) != 0xffff) {
        net0.st.rx_bad_csum++;
        return;
    }
    if (p[0] == 8 && len <= sizeof(echo_buf)) {
        net0.st.echo_requests++;
        memcpy(echo_buf, p, len);
        echo_buf[0] = 0;       /* echo reply */
        echo_buf[2] = echo_buf[3] = 0;
        put16(echo_buf + 2, (uint16_t)~net_csum_fold(net_csum_add(0, echo_buf, len)));
        if (ip_send(src, IP_PROTO_ICMP, echo_buf, 8, echo_buf + 8, len - 8, 0) == 0)
            net0.st.echo_replies_sent++;
    } else if (p[0] == 0 && icmp_reply_hook) {
        icmp_reply_hook(src, get16(p + 4), get16(p + 6), len - 8);
    }
}

int icmp_echo_send(uint32_t dst, uint16_t id, uint16_t seq, unsigned payload_len)
{
    static uint8_t req[8 + ECHO_MAX];
    if (payload_len > ECHO_MAX)
        return -EMSGSIZE;
    memset(req, 0, 8);
    req[0] = 8;
    put16(req + 4, id);
    put16(req + 6, seq);
    for (unsigned i = 0; i < payload_len; i++)
        req[8 + i] = (uint8_t)(seq + i);
    put16(req + 2, (uint16_t)~net_csum_fold(net_csum_add(0, req, 8 + payload_len)));
    return ip_send(dst, IP_PROTO_ICMP, req, 8, req + 8, payload_len, 0);
}
