/*
 * txparse.c - checks of a tx packet's request chain (see txparse.h).
 */
#include "txparse.h"

#include <string.h>

static const char *const err_names[NB_TXE_COUNT] = {
    [NB_TX_OK] = "ok",           [NB_TXE_CHAIN] = "chain",
    [NB_TXE_EXTRA] = "extra",    [NB_TXE_OVERSIZE] = "oversize",
    [NB_TXE_UNDERSIZE] = "undersize", [NB_TXE_PAGE] = "page",
    [NB_TXE_SUM] = "sum",        [NB_TXE_GREF] = "gref",
};

const char *nb_tx_err_name(int err)
{
    if (err == NB_TX_INCOMPLETE)
        return "incomplete";
    return err >= 0 && err < NB_TXE_COUNT ? err_names[err] : "unknown";
}

/* Walks the extra-info slots after the first request. Returns the slot
 * index after them, or -1 with *err set; *incomplete when they run past avail. */
static int skip_extras(const struct netif_tx_request *slots, unsigned avail, int *err,
                       int *incomplete)
{
    unsigned i = 1;
    if (!(slots[0].flags & NETTXF_extra_info))
        return 1;
    for (;;) {
        if (i >= avail) {
            *incomplete = 1;
            return -1;
        }
        struct netif_extra_info x;
        memcpy(&x, &slots[i], sizeof(x));
        i++;
        if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX ||
            x.type == XEN_NETIF_EXTRA_TYPE_GSO || i - 1 > NETIF_MAX_EXTRAS) {
            *err = NB_TXE_EXTRA;
            return (int)i;
        }
        if (!(x.flags & XEN_NETIF_EXTRA_FLAG_MORE))
            return (int)i;
    }
}

int nb_tx_parse(const struct netif_tx_request *slots, unsigned avail, unsigned max_frame,
                struct nb_tx_packet *pkt)
{
    memset(pkt, 0, offsetof(struct nb_tx_packet, frag));
    if (avail == 0)
        return NB_TX_INCOMPLETE;
    int err = NB_TX_OK, incomplete = 0;
    int first_data = skip_extras(slots, avail, &err, &incomplete);
    if (incomplete)
        return NB_TX_INCOMPLETE;
    pkt->nextras = (unsigned)first_data - 1;
    if (err) {
        pkt->nslots = (unsigned)first_data;
        return err;
    }

    /* The data slots: slot 0, then each fragment after the extras. */
    unsigned i = (unsigned)first_data;
    uint16_t more = slots[0].flags & NETTXF_more_data;
    pkt->frag[0] = (struct nb_tx_frag){slots[0].gref, slots[0].offset, 0};
    pkt->nfrags = 1;
    while (more) {
        if (pkt->nfrags >= NETIF_MAX_SLOTS) {
            pkt->nslots = i;
            return NB_TXE_CHAIN;
        }
        if (i >= avail) {
            /* A ring full of one unfinished chain can never finish. */
            if (avail >= NETIF_RING_SIZE) {
                pkt->nslots = i;
                return NB_TXE_CHAIN;
            }
            return NB_TX_INCOMPLETE;
        }
        const struct netif_tx_request *r = &slots[i++];
        pkt->frag[pkt->nfrags++] = (struct nb_tx_frag){r->gref, r->offset, r->size};
        more = r->flags & NETTXF_more_data;
    }
    pkt->nslots = i;
    pkt->len = slots[0].size;
    pkt->flags = slots[0].flags;

    if (pkt->len > max_frame || pkt->len > XEN_NETIF_MAX_TX_SIZE)
        return NB_TXE_OVERSIZE;
    if (pkt->len < ETH_MIN_FRAME)
        return NB_TXE_UNDERSIZE;
    unsigned rest = 0;
    for (unsigned f = 1; f < pkt->nfrags; f++)
        rest += pkt->frag[f].size;
    if (rest > pkt->len)
        return NB_TXE_SUM;
    pkt->frag[0].size = (uint16_t)(pkt->len - rest);
    for (unsigned f = 0; f < pkt->nfrags; f++)
        if ((unsigned)pkt->frag[f].offset + pkt->frag[f].size > NETIF_PAGE_SIZE)
            return NB_TXE_PAGE;
    return NB_TX_OK;
}
