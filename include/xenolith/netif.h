/*
 * netif.h - the one way Xenolith includes Xen's netif protocol
 * (io/netif.h over io/ring.h; xen-abi.md 8 and 11), for netback and
 * netfront alike. The static asserts pin every size and offset the two
 * drivers rely on: the slot layouts, the ring header and the number of
 * slots in one page.
 *
 * NETIF_RING_SIZE is the slot count of a one-page tx or rx ring (256);
 * NETIF_MAX_SLOTS the fragments one packet may use (Xen's minimum a backend
 * must accept, XEN_NETIF_NR_SLOTS_MIN), NETIF_MAX_EXTRAS the extra-info
 * slots we accept after a first request.
 */
#ifndef XENOLITH_NETIF_H
#define XENOLITH_NETIF_H

#include "xenolith/xen.h"
#include <xen/io/ring.h>
#include <xen/io/netif.h>

#define NETIF_PAGE_SIZE   4096u
#define NETIF_RING_SIZE   256u
#define NETIF_MAX_SLOTS   XEN_NETIF_NR_SLOTS_MIN
#define NETIF_MAX_EXTRAS  4u
#define NETIF_MAX_QUEUES  4u
#define NETIF_ETH_HLEN    14u
#define ETH_MIN_FRAME     NETIF_ETH_HLEN

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif_tx_request size");
_Static_assert(offsetof(struct netif_tx_request, gref) == 0, "tx_request.gref");
_Static_assert(offsetof(struct netif_tx_request, offset) == 4, "tx_request.offset");
_Static_assert(offsetof(struct netif_tx_request, flags) == 6, "tx_request.flags");
_Static_assert(offsetof(struct netif_tx_request, id) == 8, "tx_request.id");
_Static_assert(offsetof(struct netif_tx_request, size) == 10, "tx_request.size");
_Static_assert(sizeof(struct netif_tx_response) == 4, "netif_tx_response size");
_Static_assert(offsetof(struct netif_tx_response, status) == 2, "tx_response.status");
_Static_assert(sizeof(struct netif_rx_request) == 8, "netif_rx_request size");
_Static_assert(offsetof(struct netif_rx_request, gref) == 4, "rx_request.gref");
_Static_assert(sizeof(struct netif_rx_response) == 8, "netif_rx_response size");
_Static_assert(offsetof(struct netif_rx_response, offset) == 2, "rx_response.offset");
_Static_assert(offsetof(struct netif_rx_response, flags) == 4, "rx_response.flags");
_Static_assert(offsetof(struct netif_rx_response, status) == 6, "rx_response.status");
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif_extra_info size");
_Static_assert(offsetof(struct netif_tx_sring, req_prod) == 0, "sring.req_prod");
_Static_assert(offsetof(struct netif_tx_sring, req_event) == 4, "sring.req_event");
_Static_assert(offsetof(struct netif_tx_sring, rsp_prod) == 8, "sring.rsp_prod");
_Static_assert(offsetof(struct netif_tx_sring, rsp_event) == 12, "sring.rsp_event");
_Static_assert(offsetof(struct netif_tx_sring, ring) == 64, "tx sring.ring");
_Static_assert(offsetof(struct netif_rx_sring, ring) == 64, "rx sring.ring");
_Static_assert(__CONST_RING_SIZE(netif_tx, NETIF_PAGE_SIZE) == NETIF_RING_SIZE, "tx slots per page");
_Static_assert(__CONST_RING_SIZE(netif_rx, NETIF_PAGE_SIZE) == NETIF_RING_SIZE, "rx slots per page");
_Static_assert(NETTXF_csum_blank == 1 && NETTXF_data_validated == 2 && NETTXF_more_data == 4 &&
               NETTXF_extra_info == 8, "NETTXF bits");
_Static_assert(NETRXF_data_validated == 1 && NETRXF_csum_blank == 2 && NETRXF_more_data == 4 &&
               NETRXF_extra_info == 8, "NETRXF bits");
_Static_assert(NETIF_RSP_ERROR == -1 && NETIF_RSP_NULL == 1, "NETIF_RSP codes");

/* Notify the peer iff its event index lies in (old, new] (ring.h's push). */
static inline int netif_need_notify(uint32_t old, uint32_t new_prod, uint32_t event)
{
    return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old);
}

#endif
