/*
 * net.h - the guest's small IP stack over netfront: Ethernet (eth.c),
 * ARP with a small cache (arp.c), IPv4 without fragments or options
 * (ipv4.c), ICMP echo (icmp.c) and UDP ports (udp.c). One interface, the
 * domain's vif 0, with the address the toolstack wrote in its backend
 * directory (`ip`, from the vif's ip= in xl.cfg).
 *
 * Single-threaded and polled: the app calls net_poll() (frames in, answers
 * out: ARP replies and echo replies are sent from there) and net_wait()
 * to sleep until something arrives. Receive handlers run inside
 * net_poll. Addresses are host-order uint32_t; "10.0.0.1" = 0x0a000001.
 *
 * Checksums: IPv4 headers and ICMP are computed here; UDP is left to
 * offload (NETTXF_csum_blank, the pseudo-header sum in the field) unless
 * net_init was told csum=sw, and is verified on receipt unless netback
 * flagged the frame data_validated/csum_blank.
 */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "netfront.h"

#define ETH_TYPE_IP   0x0800
#define ETH_TYPE_ARP  0x0806
#define IP_PROTO_ICMP 1
#define IP_PROTO_UDP  17
#define ETH_HDR       14u
#define IP_HDR        20u
#define UDP_HDR       8u
#define NET_MTU       1500u

struct net_stats {
    uint64_t rx_frames, rx_bad_csum, rx_dropped, arp_requests, arp_replies;
    uint64_t echo_requests, echo_replies_sent, tx_busy;
};

struct net_if {
    struct netfront *nf;
    uint8_t mac[6];
    uint32_t ip, netmask;
    bool csum_offload;
    struct net_stats st;
};

extern struct net_if net0;

/* Brings up vif 0 with the options from the command line (queues=N,
 * sg=0|1, csum=offload|sw). 0 or -errno (printed). */
int net_init(void);
unsigned net_poll(void);
void net_wait(uint64_t deadline_ns);

int ip_parse(const char *s, uint32_t *ip, uint32_t *netmask);
/* "10.0.0.1" into buf[16]. */
void ip_text(uint32_t ip, char buf[16]);

/* The Internet checksum: sum 16-bit words (big endian) into a 32-bit sum. */
uint32_t net_csum_add(uint32_t sum, const void *buf, unsigned len);
uint16_t net_csum_fold(uint32_t sum);   /* folded, not inverted */

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static inline uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* eth.c: sends headers+payload to dst (sleeps on a full ring, polling). */
int eth_send(const uint8_t dst[6], uint16_t type, const struct nf_seg *segs, unsigned n,
             unsigned flags);
void eth_input(void *arg, uint8_t *frame, unsigned len, unsigned flags);

/* arp.c */
void arp_input(const uint8_t *pkt, unsigned len);
/* The MAC of ip (asking and polling up to timeout_ns). 0 or -ETIME. */
int arp_resolve(uint32_t ip, uint8_t mac[6], uint64_t timeout_ns);

/* ipv4.c: l4 header + payload to dst. */
int ip_send(uint32_t dst, uint8_t proto, const void *l4, unsigned l4len, const void *payload,
            unsigned plen, unsigned flags);
void ip_input(const uint8_t *pkt, unsigned len, unsigned flags);

/* icmp.c */
void icmp_input(uint32_t src, const uint8_t *pkt, unsigned len);
int icmp_echo_send(uint32_t dst, uint16_t id, uint16_t seq, unsigned payload_len);
/* Called for each echo reply that arrives. */
extern void (*icmp_reply_hook)(uint32_t src, uint16_t id, uint16_t seq, unsigned len);

/* udp.c */
typedef void (*udp_fn)(void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
                       unsigned len);
int udp_bind(uint16_t port, udp_fn fn, void *arg);
int udp_send(uint32_t dst, uint16_t sport, uint16_t dport, const void *data, unsigned len);
void udp_input(uint32_t src, uint32_t dst, const uint8_t *pkt, unsigned len, unsigned flags);

#endif
