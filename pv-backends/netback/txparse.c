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
    if (err == NB_TX_FATAL_CHAIN)
        return "fatal-chain";
    if (err == NB_TX_FATAL_OPEN)
        return "fatal-open";
    return err >= 0 && err < NB_TXE_COUNT ? err_names[err] : "unknown";
}

/* Walks the extra-info slots after the first request. Returns the slot
 * index after them, or -1 with *err set; *open when they run past avail. */
static int skip_extras(const struct netif_tx_request *slots, unsigned avail, int *err,
                       int *open)
{
    unsigned i = 1;
    if (!(slots[0].flags & NETTXF_extra_info))
        return 1;
    for (;;) {
        if (i >= avail) {
            *open = 1;
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

/* Follows more_data from the first request to the chain's end, keeping
 * the first 18 data slots as fragments. 0, NB_TX_FATAL_CHAIN before a
 * 21st data slot is read, or NB_TX_FATAL_OPEN when the chain runs past
 * avail. pkt->nslots is the slots read either way. */
static int walk_chain(const struct netif_tx_request *slots, unsigned avail, unsigned first_frag,
                      struct nb_tx_packet *pkt)
{
    unsigned i = first_frag;
    uint16_t more = slots[0].flags & NETTXF_more_data;
    pkt->frag[0] = (struct nb_tx_frag){slots[0].gref, slots[0].offset, 0};
    pkt->nfrags = 1;
    while (more) {
        pkt->nslots = i;
        /* Decided on the count alone, so the verdict does not depend on
         * how much of the ring the caller showed us. */
        if (pkt->nfrags >= NB_TX_FATAL_SLOTS)
            return NB_TX_FATAL_CHAIN;
        if (i >= avail)
            return NB_TX_FATAL_OPEN;
        const struct netif_tx_request *r = &slots[i++];
        if (pkt->nfrags < NB_TX_MAX_SLOTS)
            pkt->frag[pkt->nfrags] = (struct nb_tx_frag){r->gref, r->offset, r->size};
        pkt->nfrags++;
        more = r->flags & NETTXF_more_data;
    }
    pkt->nslots = i;
    return 0;
}

/* The checks of an ended chain of at most 18 data slots. */
static int check_frame(struct nb_tx_packet *pkt, unsigned max_frame)
{
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

int nb_tx_parse(const struct netif_tx_request *slots, unsigned avail, unsigned max_frame,
                struct nb_tx_packet *pkt)
{
    memset(pkt, 0, offsetof(struct nb_tx_packet, frag));
    if (avail == 0)
        return NB_TX_FATAL_OPEN;
    int err = NB_TX_OK, open = 0;
    int first_frag = skip_extras(slots, avail, &err, &open);
    if (open) {
        pkt->nslots = avail;
        return NB_TX_FATAL_OPEN;
    }
    pkt->nextras = (unsigned)first_frag - 1;
    if (err) {
        pkt->nslots = (unsigned)first_frag;
        return err;
    }
    int rc = walk_chain(slots, avail, (unsigned)first_frag, pkt);
    if (rc)
        return rc;
    pkt->len = slots[0].size;
    pkt->flags = slots[0].flags;
    /* 19 or 20 data slots: one packet, dropped whole, so its tail is not
     * taken for the start of the next one. */
    if (pkt->nfrags > NB_TX_MAX_SLOTS)
        return NB_TXE_CHAIN;
    return check_frame(pkt, max_frame);
}
