/*
 * arp.c - ARP for IPv4 over Ethernet (RFC 826): answers requests for our
 * address, learns senders, and resolves peers through a small cache.
 */
#include "net/net.h"

#include "kernel/errno.h"
#include "kernel/lib.h"
#include "kernel/time.h"

#define ARP_CACHE 16
#define ARP_RETRY_NS 200000000ull

static struct {
    uint32_t ip;
    uint8_t mac[6];
    bool used;
} cache[ARP_CACHE];
static unsigned next_victim;

static void learn(uint32_t ip, const uint8_t mac[6])
{
    unsigned slot = ARP_CACHE;
    for (unsigned i = 0; i < ARP_CACHE; i++) {
        if (cache[i].used && cache[i].ip == ip) {
            slot = i;
            break;
        }
        if (!cache[i].used && slot == ARP_CACHE)
            slot = i;
    }
    if (slot == ARP_CACHE)
        slot = next_victim++ % ARP_CACHE;
    cache[slot].ip = ip;
    memcpy(cache[slot].mac, mac, 6);
    cache[slot].used = true;
}

static bool lookup(uint32_t ip, uint8_t mac[6])
{
    for (unsigned i = 0; i < ARP_CACHE; i++) {
        if (cache[i].used && cache[i].ip == ip) {
            memcpy(mac, cache[i].mac, 6);
            return true;
        }
    }
    return false;
}

static void send_arp(uint16_t op, const uint8_t dst_mac[6], const uint8_t target_mac[6],
                     uint32_t target_ip)
{
    uint8_t p[28];
    put16(p, 1);               /* Ethernet */
    put16(p + 2, ETH_TYPE_IP);
    p[4] = 6, p[5] = 4;
    put16(p + 6, op);
    memcpy(p + 8, net0.mac, 6);
    put32(p + 14, net0.ip);
    memcpy(p + 18, target_mac, 6);
    put32(p + 24, target_ip);
    struct nf_seg s = {p, sizeof(p)};
    eth_send(dst_mac, ETH_TYPE_ARP, &s, 1, 0);
}

void arp_input(const uint8_t *p, unsigned len)
{
    if (len < 28 || get16(p) != 1 || get16(p + 2) != ETH_TYPE_IP || p[4] != 6 || p[5] != 4)
        return;
    uint16_t op = get16(p + 6);
    uint32_t sender = get32(p + 14), target = get32(p + 24);
    if (sender)
        learn(sender, p + 8);
    if (op == 1 && target == net0.ip) {
        net0.st.arp_replies++;
        send_arp(2, p + 8, p + 8, sender);
    }
}

int arp_resolve(uint32_t ip, uint8_t mac[6], uint64_t timeout_ns)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t zero[6] = {0};
    if (lookup(ip, mac))
        return 0;
    /* Answering a frame from an address we have not seen (a peer whose
     * ARP cache already knew us, as after a migration): no frame can
     * arrive while its handler runs (netfront.h), so ask once and drop
     * this answer; the peer retries. */
    if (netfront_in_rx(net0.nf)) {
        send_arp(1, bcast, zero, ip);
        return -EAGAIN;
    }
    int rc = -ETIME;
    uint64_t deadline = time_now_ns() + timeout_ns;
    while (rc != 0 && time_now_ns() < deadline) {
        net0.st.arp_requests++;
        send_arp(1, bcast, zero, ip);
        uint64_t retry = time_now_ns() + ARP_RETRY_NS;
        while (time_now_ns() < retry && time_now_ns() < deadline) {
            if (!net_poll())
                net_wait(retry < deadline ? retry : deadline);
            if (lookup(ip, mac)) {
                rc = 0;
                break;
            }
        }
    }
    return rc;
}
