/*
 * tests/fuzz/netif - netback's validation of one transmitted packet
 * (pv-backends/netback/txparse.c nb_tx_parse), the first thing a guest's
 * tx ring requests reach in Dom0.
 *
 * Input: byte 0 picks max_frame (1514, 9018, 65535 or 60), then
 * netif_tx_request slots of 12 bytes each (a partial last one is
 * dropped), copied to a buffer of exactly that many slots so ASan sees any
 * read past `avail`.
 *
 * Invariants (abort() = a finding):
 *   - the result is NB_TX_OK, NB_TX_INCOMPLETE or an error below
 *     NB_TXE_COUNT with a name;
 *   - an error consumes 1..avail slots (a chain that never ends is
 *     dropped piece by piece, never stuck);
 *   - OK: 1..avail slots, nfrags 1..NETIF_MAX_SLOTS, nslots =
 *     nfrags + nextras, len within 14..max_frame, every fragment inside
 *     its page, fragment sizes adding up to len exactly;
 *   - the verdict depends only on the slots it consumed: parsing again
 *     with avail = nslots gives the same packet;
 *   - INCOMPLETE only when the packet is not all there: with avail
 *     slots, never past a full ring's worth of them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netback/txparse.h"

static const unsigned frames[4] = {1514, 9018, 65535, 60};

static void check_ok(const struct nb_tx_packet *p, unsigned avail, unsigned max_frame)
{
    if (p->nslots < 1 || p->nslots > avail)
        abort();
    if (p->nfrags < 1 || p->nfrags > NETIF_MAX_SLOTS || p->nslots != p->nfrags + p->nextras)
        abort();
    if (p->len < NETIF_ETH_HLEN || p->len > max_frame)
        abort();
    unsigned sum = 0;
    for (unsigned f = 0; f < p->nfrags; f++) {
        if ((unsigned)p->frag[f].offset + p->frag[f].size > 4096)
            abort();
        sum += p->frag[f].size;
    }
    if (sum != p->len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned max_frame = frames[data[0] & 3];
    unsigned avail = (unsigned)((size - 1) / sizeof(struct netif_tx_request));
    struct netif_tx_request *slots = malloc(avail ? avail * sizeof(*slots) : 1);
    if (!slots)
        abort();
    memcpy(slots, data + 1, avail * sizeof(*slots));
    struct nb_tx_packet pkt;
    memset(&pkt, 0x5a, sizeof(pkt));
    int rc = nb_tx_parse(slots, avail, max_frame, &pkt);
    if (rc == NB_TX_OK) {
        check_ok(&pkt, avail, max_frame);
        struct nb_tx_packet again;
        if (nb_tx_parse(slots, pkt.nslots, max_frame, &again) != NB_TX_OK || again.nslots != pkt.nslots ||
            again.len != pkt.len || again.nfrags != pkt.nfrags ||
            memcmp(again.frag, pkt.frag, pkt.nfrags * sizeof(pkt.frag[0])) != 0)
            abort();
    } else if (rc == NB_TX_INCOMPLETE) {
        if (avail > NETIF_MAX_SLOTS + NETIF_MAX_EXTRAS + 1)
            abort();
    } else {
        if (rc <= NB_TX_OK || rc >= NB_TXE_COUNT || !nb_tx_err_name(rc))
            abort();
        if (pkt.nslots < 1 || pkt.nslots > avail)
            abort();
    }
    free(slots);
    return 0;
}
