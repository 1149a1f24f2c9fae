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
 *   - the result is NB_TX_OK, an error below NB_TXE_COUNT, or
 *     NB_TX_FATAL_CHAIN / NB_TX_FATAL_OPEN, each with a name;
 *   - an error consumes 1..avail slots; NB_TXE_CHAIN exactly the whole
 *     chain: 19 or 20 data slots, the last without more_data;
 *   - OK: 1..avail slots, nfrags 1..NETIF_MAX_SLOTS, nslots =
 *     nfrags + nextras, len within 14..max_frame, every fragment inside
 *     its page, fragment sizes adding up to len exactly;
 *   - the verdict depends only on the slots it consumed: parsing again
 *     with avail = nslots gives the same packet (or the same error);
 *   - the verdict needs no more than NB_TX_PARSE_SLOTS slots: parsing
 *     the first min(avail, NB_TX_PARSE_SLOTS) gives the same one, so
 *     FATAL_OPEN only when avail is below it (the packet really is open
 *     at req_prod, never cut by netback's window);
 *   - FATAL_CHAIN exactly when 20 data slots are read and the 20th still
 *     has more_data.
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

/* Data slots of the chain at slots[0], counted by a naive walk: the
 * extras skipped by their MORE flags, then more_data followed; *ended
 * whether it ends within avail. 21 when the 20th still has more_data. */
static unsigned count_data(const struct netif_tx_request *s, unsigned avail, int *ended)
{
    unsigned i = 1, data = 1;
    *ended = 0;
    if (avail == 0)
        return 0;
    if (s[0].flags & NETTXF_extra_info) {
        struct netif_extra_info x;
        do {
            if (i >= avail)
                return data;
            memcpy(&x, &s[i++], sizeof(x));
        } while (x.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    }
    uint16_t more = s[0].flags & NETTXF_more_data;
    while (more) {
        if (data == NB_TX_FATAL_SLOTS)
            return data + 1;
        if (i >= avail)
            return data;
        more = s[i++].flags & NETTXF_more_data;
        data++;
    }
    *ended = !more;
    return data;
}

static void check_error(const struct netif_tx_request *slots, unsigned avail, unsigned max_frame,
                        int rc, const struct nb_tx_packet *pkt)
{
    if (rc <= NB_TX_OK || rc >= NB_TXE_COUNT || !nb_tx_err_name(rc))
        abort();
    if (pkt->nslots < 1 || pkt->nslots > avail)
        abort();
    struct nb_tx_packet again;
    if (nb_tx_parse(slots, pkt->nslots, max_frame, &again) != rc || again.nslots != pkt->nslots)
        abort();
    if (rc == NB_TXE_CHAIN) {
        int ended;
        unsigned data = count_data(slots, avail, &ended);
        if (!ended || data < 19 || data > 20 || pkt->nfrags != data ||
            pkt->nslots != data + pkt->nextras ||
            (slots[pkt->nslots - 1].flags & NETTXF_more_data))
            abort();
    }
}

static void check_fatal(const struct netif_tx_request *slots, unsigned avail, int rc)
{
    if (strncmp(nb_tx_err_name(rc), "fatal-", 6) != 0)
        abort();
    if (rc == NB_TX_FATAL_OPEN && avail >= NB_TX_PARSE_SLOTS)
        abort();
    /* A chain stopped at 20 data slots is fatal whatever else it holds;
     * any other fatal one must be open at avail. Extras checked before
     * the chain may refuse it first (NB_TXE_EXTRA), never the other way. */
    int ended;
    unsigned data = count_data(slots, avail, &ended);
    if (rc == NB_TX_FATAL_CHAIN && data <= NB_TX_FATAL_SLOTS)
        abort();
    if (rc == NB_TX_FATAL_OPEN && (ended || data > NB_TX_FATAL_SLOTS))
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
    struct nb_tx_packet windowed;
    unsigned window = avail < NB_TX_PARSE_SLOTS ? avail : NB_TX_PARSE_SLOTS;
    if (nb_tx_parse(slots, window, max_frame, &windowed) != rc)
        abort();
    if (rc == NB_TX_OK) {
        check_ok(&pkt, avail, max_frame);
        struct nb_tx_packet again;
        if (nb_tx_parse(slots, pkt.nslots, max_frame, &again) != NB_TX_OK || again.nslots != pkt.nslots ||
            again.len != pkt.len || again.nfrags != pkt.nfrags ||
            memcmp(again.frag, pkt.frag, pkt.nfrags * sizeof(pkt.frag[0])) != 0)
            abort();
    } else if (rc >= NB_TX_FATAL) {
        check_fatal(slots, avail, rc);
    } else {
        check_error(slots, avail, max_frame, rc, &pkt);
    }
    free(slots);
    return 0;
}
