/*
 * txparse.h - validation of one transmitted packet's requests (xen-abi.md
 * 11.3), before netback touches any grant. Pure: works on a private copy
 * of the slots (copied out of the shared ring first, so the frontend
 * cannot change them between the check and the use).
 *
 * A packet is a first request (size = whole frame), its extra-info slots
 * if NETTXF_extra_info, then fragments while NETTXF_more_data is set.
 * Its "data slots" are the first request and its fragments (extra-info
 * slots aside). nb_tx_parse() finds how many slots it spans and decides,
 * as Linux's xen-netback does (netback.c xenvif_count_requests):
 *
 *   data slots   chain ends before avail     verdict
 *   1..18        yes                         the checks below, then OK
 *   19..20       yes                         NB_TXE_CHAIN: the whole chain
 *                                            is one dropped packet; its
 *                                            tail is never read as a new one
 *   > 20         (any)                       NB_TX_FATAL_CHAIN
 *   1..20        no: open at avail           NB_TX_FATAL_OPEN
 *
 * A frontend publishes req_prod only after a whole packet (ring.h), so a
 * chain or extra-info run still open at req_prod, like a chain past 20
 * slots, is a hostile or broken frontend: the caller stops the queue and
 * answers nothing (Linux: xenvif_fatal_tx_err). Linux counts its limits
 * (XEN_NETBK_LEGACY_SLOTS_MAX 18, fatal_skb_slots 20) in slots after the
 * first, so it accepts 19 and disconnects at 22; ours count the first
 * slot too, keeping 18 (XEN_NETIF_NR_SLOTS_MIN) as the most we accept.
 *
 * Then, for a chain of 1..18 data slots, in order:
 *   - extra-info types are known and not GSO (we offer no GSO), at most
 *     NETIF_MAX_EXTRAS of them (else NB_TXE_EXTRA, the extras consumed);
 *   - the frame is 14 .. max_frame bytes;
 *   - each fragment lies inside its page (offset + size <= 4096);
 *   - the fragments add up: the first one's own length (total minus the
 *     others) is not negative.
 * Grant refs are checked later, by mapping them (NB_TXE_GREF).
 */
#ifndef NB_TXPARSE_H
#define NB_TXPARSE_H

#include <stdint.h>

#include "xenolith/netif.h"

#define NB_TX_MAX_SLOTS   NETIF_MAX_SLOTS   /* data slots a packet may use (18) */
#define NB_TX_FATAL_SLOTS 20u               /* past this many the queue is stopped */
/* Slots a verdict can need: 4 extras, then data slots up to the 20th,
 * whose more_data decides. Give the parser this many when req_prod has
 * more, and it never reports FATAL_OPEN for a packet still in the ring. */
#define NB_TX_PARSE_SLOTS (NETIF_MAX_EXTRAS + NB_TX_FATAL_SLOTS)

enum nb_tx_err {
    NB_TX_OK = 0,
    NB_TXE_CHAIN,       /* 19..20 data slots: dropped whole */
    NB_TXE_EXTRA,       /* unknown or unsupported extra-info slot */
    NB_TXE_OVERSIZE,    /* frame beyond the MTU or 65535 */
    NB_TXE_UNDERSIZE,   /* frame shorter than an Ethernet header */
    NB_TXE_PAGE,        /* a fragment's offset + size past its page */
    NB_TXE_SUM,         /* fragment sizes exceed the frame's size */
    NB_TXE_GREF,        /* a grant the frontend did not give us */
    NB_TXE_COUNT,
    /* Fatal: nothing is answered, the queue stops (see above). */
    NB_TX_FATAL = 100,
    NB_TX_FATAL_CHAIN = NB_TX_FATAL,    /* more than 20 data slots */
    NB_TX_FATAL_OPEN,                   /* packet still open at avail (req_prod) */
};

struct nb_tx_frag {
    uint32_t gref;
    uint16_t offset, size;
};

struct nb_tx_packet {
    unsigned nslots;            /* ring slots the packet spans (extras included) */
    unsigned nextras;           /* extra-info slots after the first (answered NULL) */
    unsigned nfrags;            /* data slots (only the first 18 are kept in frag) */
    unsigned len;               /* frame length (the first request's size) */
    uint16_t flags;             /* the first request's NETTXF_* */
    struct nb_tx_frag frag[NB_TX_MAX_SLOTS];
};

/* Parses the packet starting at slots[0]; avail (>= 1) is how many slots
 * the frontend has published from there, or NB_TX_PARSE_SLOTS when it
 * published more.
 * Returns NB_TX_OK; an NB_TXE_* error with pkt->nslots (>= 1) the slots to
 * answer NETIF_RSP_ERROR (pkt->nextras of them, from slot 1, NULL); or
 * NB_TX_FATAL_* (>= NB_TX_FATAL) with pkt->nslots the slots read. */
int nb_tx_parse(const struct netif_tx_request *slots, unsigned avail, unsigned max_frame,
                struct nb_tx_packet *pkt);

/* "chain", "page", ..., "fatal-chain", "fatal-open": the short name the
 * stats and logs use. */
const char *nb_tx_err_name(int err);

#endif
