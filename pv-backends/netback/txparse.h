/*
 * txparse.h - validation of one transmitted packet's requests (xen-abi.md
 * 11.3), before netback touches any grant. Pure: works on a private copy
 * of the slots (copied out of the shared ring first, so the frontend
 * cannot change them between the check and the use).
 *
 * A packet is a first request (size = whole frame), its extra-info slots
 * if NETTXF_extra_info, then fragments while NETTXF_more_data is set.
 * nb_tx_parse() finds how many slots it spans and checks, in order:
 *   - the chain ends within NETIF_MAX_SLOTS data slots and NETIF_MAX_EXTRAS
 *     extras (else NB_TXE_CHAIN; the slots seen so far are consumed, so a
 *     chain that never ends is dropped piece by piece);
 *   - extra-info types are known and not GSO (we offer no GSO);
 *   - the frame is 14 .. max_frame bytes;
 *   - each fragment lies inside its page (offset + size <= 4096);
 *   - the fragments add up: the first one's own length (total minus the
 *     others) is not negative.
 * NB_TX_INCOMPLETE means the chain is not all in the ring yet: wait.
 * Grant refs are checked later, by mapping them (NB_TXE_GREF).
 */
#ifndef NB_TXPARSE_H
#define NB_TXPARSE_H

#include <stdint.h>

#include "xenolith/netif.h"

enum nb_tx_err {
    NB_TX_OK = 0,
    NB_TXE_CHAIN,       /* fragment chain too long or never ending */
    NB_TXE_EXTRA,       /* unknown or unsupported extra-info slot */
    NB_TXE_OVERSIZE,    /* frame beyond the MTU or 65535 */
    NB_TXE_UNDERSIZE,   /* frame shorter than an Ethernet header */
    NB_TXE_PAGE,        /* a fragment's offset + size past its page */
    NB_TXE_SUM,         /* fragment sizes exceed the frame's size */
    NB_TXE_GREF,        /* a grant the frontend did not give us */
    NB_TXE_COUNT,
    NB_TX_INCOMPLETE = 100,
};

struct nb_tx_frag {
    uint32_t gref;
    uint16_t offset, size;
};

struct nb_tx_packet {
    unsigned nslots;            /* ring slots the packet spans (extras included) */
    unsigned nextras;           /* extra-info slots after the first (answered NULL) */
    unsigned nfrags;
    unsigned len;               /* frame length (the first request's size) */
    uint16_t flags;             /* the first request's NETTXF_* */
    struct nb_tx_frag frag[NETIF_MAX_SLOTS];
};

/* Parses the packet starting at slots[0] with avail slots present.
 * Returns NB_TX_OK, NB_TX_INCOMPLETE, or an error with pkt->nslots the
 * slots to answer NETIF_RSP_ERROR (>= 1). */
int nb_tx_parse(const struct netif_tx_request *slots, unsigned avail, unsigned max_frame,
                struct nb_tx_packet *pkt);

/* "chain", "page", ...: the short name the stats and logs use. */
const char *nb_tx_err_name(int err);

#endif
