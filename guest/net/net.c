/*
 * net.c - the interface: bringing vif 0 up with its address, polling and
 * waiting, and the helpers the protocols share.
 */
#include "net/net.h"

#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "xenbus.h"

struct net_if net0;

void ip_text(uint32_t ip, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int ip_parse(const char *s, uint32_t *ip, uint32_t *netmask)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned part = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            part = part * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || part > 255 || (i < 3 && *s++ != '.'))
            return -EINVAL;
        v = v << 8 | part;
    }
    unsigned prefix = 24;
    if (*s == '/') {
        s++;
        prefix = 0;
        while (*s >= '0' && *s <= '9')
            prefix = prefix * 10 + (unsigned)(*s++ - '0');
        if (prefix > 32)
            return -EINVAL;
    }
    if (*s)
        return -EINVAL;
    *ip = v;
    if (netmask)
        *netmask = prefix ? ~0u << (32 - prefix) : 0;
    return 0;
}

uint32_t net_csum_add(uint32_t sum, const void *buf, unsigned len)
{
    const uint8_t *p = buf;
    uint64_t s = sum;
    unsigned i = 0;
    for (; i + 1 < len; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len)
        s += (uint32_t)p[i] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t net_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

int net_init(void)
{
    char csum[16] = "offload";
    cmdline_get("csum", csum, sizeof(csum));
    struct nf_options opt = {
        .queues = (unsigned)cmdline_u64("queues", 1),
        .sg = cmdline_u64("sg", 1) != 0,
        .no_csum_offload = strcmp(csum, "sw") == 0,
    };
    net0.csum_offload = !opt.no_csum_offload;
    int rc = xenbus_init();
    if (rc < 0) {
        printf("net: no xenstore: %d\n", rc);
        return rc;
    }
    rc = netfront_open(0, &opt, eth_input, &net0, &net0.nf);
    if (rc < 0)
        return rc;
    netfront_mac(net0.nf, net0.mac);
    char ip[32];
    if (netfront_read_be(net0.nf, "ip", ip, sizeof(ip)) < 0 ||
        ip_parse(ip, &net0.ip, &net0.netmask) < 0) {
        printf("net: vif 0 has no usable ip key in its backend directory (vif ip=...)\n");
        return -EINVAL;
    }
    char t[16];
    ip_text(net0.ip, t);
    printf("net: vif 0 up: ip %s mac %02x:%02x:%02x:%02x:%02x:%02x, %u queue(s), csum %s\n", t,
           net0.mac[0], net0.mac[1], net0.mac[2], net0.mac[3], net0.mac[4], net0.mac[5],
           netfront_queues(net0.nf), net0.csum_offload ? "offload" : "sw");
    return 0;
}

unsigned net_poll(void)
{
    return netfront_poll(net0.nf);
}

void net_wait(uint64_t deadline_ns)
{
    netfront_wait(net0.nf, deadline_ns);
}
