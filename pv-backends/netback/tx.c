/*
 * tx.c - frames out of a guest: netif's transmit path (xen-abi.md 11.3)
 * with ring.h's discipline (8.2): read req_prod once, check it is not
 * more than a ring ahead of our answers, copy each request into private
 * memory, validate (txparse.c), copy the data out of the persistent
 * mapping into one private frame, answer every slot, then hand the frame
 * to the switch. Malformed packets are answered NETIF_RSP_ERROR, counted
 * per reason, and the first few are logged; the queue keeps serving.
 * A fatal one (txparse.h: a chain past 20 data slots, or a packet still
 * open at req_prod) is answered nothing and stops the vif (vif.c
 * nb_queue_broken: <backend>/error, state Closing); other vifs go on.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "libxc/trace.h"
#include "netback.h"

#define RING_MASK   (NETIF_RING_SIZE - 1)
#define PARSE_SLOTS NB_TX_PARSE_SLOTS
#define LOG_ERRORS  20     /* malformed packets logged per vif; the rest only counted */

static void tx_answer(struct nb_queue *q, uint16_t id, int16_t status)
{
    struct netif_tx_response *r = &q->tx->ring[q->tx_rsp_prod_pvt & RING_MASK].rsp;
    r->id = id;
    r->status = status;
    q->tx_rsp_prod_pvt++;
}

/* Answers the packet's slots: extras NULL, the rest `status`. */
static void answer_packet(struct nb_queue *q, const struct netif_tx_request *slots,
                          const struct nb_tx_packet *pkt, int16_t status)
{
    for (unsigned i = 0; i < pkt->nslots; i++) {
        bool extra = i >= 1 && i <= pkt->nextras;
        if (i == 0)
            xc_trace(XL_TR_RSP_PRODUCE, q->vif->domid, q->vif->devid, (uint16_t)q->index,
                     slots[0].id, (uint32_t)(int32_t)status);
        tx_answer(q, extra ? 0 : slots[i].id, extra ? NETIF_RSP_NULL : status);
    }
    q->tx_req_cons += pkt->nslots;
    nb_mark_dirty(q);
}

static void count_error(struct nb_queue *q, const struct netif_tx_request *first, int err)
{
    struct nb_vif *vif = q->vif;
    vif->st.tx_errors++;
    vif->st.tx_err[err]++;
    if (vif->errors_logged++ < LOG_ERRORS)
        nb_log("%s: queue %u: tx request id %u (gref %u offset %u size %u flags %#x) "
               "dropped: %s", vif->name, q->index, first->id, first->gref, first->offset,
               first->size, first->flags, nb_tx_err_name(err));
}

/* Copies the packet's fragments into nb.frame. NB_TX_OK or NB_TXE_GREF. */
static int gather(struct nb_vif *vif, const struct nb_tx_packet *pkt)
{
    unsigned off = 0;
    for (unsigned f = 0; f < pkt->nfrags; f++) {
        const struct nb_tx_frag *fr = &pkt->frag[f];
        if (fr->size == 0)
            continue;
        const uint8_t *page = gm_get(&vif->txmap, fr->gref);
        if (!page)
            return NB_TXE_GREF;
        memcpy(nb.frame + off, page + fr->offset, fr->size);
        off += fr->size;
    }
    return NB_TX_OK;
}

/* Maps in one batch the refs of the slots waiting, before using them. */
static void prefetch_tx(struct nb_queue *q, RING_IDX rp)
{
    uint32_t refs[XLCTL_GNTTAB_BATCH];
    unsigned n = 0;
    for (RING_IDX i = q->tx_req_cons; i != rp && n < XLCTL_GNTTAB_BATCH; i++) {
        uint32_t ref = q->tx->ring[i & RING_MASK].req.gref;
        if (!gm_peek(&q->vif->txmap, ref))
            refs[n++] = ref;
    }
    if (n)
        gm_prefetch(&q->vif->txmap, refs, n);
}

/* A packet that ends the queue: says which, where, and why. */
static void tx_fatal(struct nb_queue *q, const struct nb_tx_packet *pkt, int err)
{
    char why[160];
    if (err == NB_TX_FATAL_CHAIN)
        snprintf(why, sizeof(why), "tx request %u: fragment chain longer than %u slots",
                 q->tx_req_cons, NB_TX_FATAL_SLOTS);
    else
        snprintf(why, sizeof(why), "tx request %u: packet still open at req_prod after %u slots",
                 q->tx_req_cons, pkt->nslots);
    nb_queue_broken(q, why);
}

/* Up to NB_TX_BATCH packets. Returns how many, or -1 when the ring is
 * broken. */
static int tx_turn(struct nb_queue *q)
{
    struct nb_vif *vif = q->vif;
    RING_IDX rp = __atomic_load_n(&q->tx->req_prod, __ATOMIC_ACQUIRE);
    if (rp - q->tx_rsp_prod_pvt > NETIF_RING_SIZE) {
        nb_queue_broken(q, "tx req_prod is more than a ring ahead of our answers");
        return -1;
    }
    gm_trim(&vif->txmap, NB_TX_BATCH * PARSE_SLOTS);
    if (rp != q->tx_req_cons)
        prefetch_tx(q, rp);

    int done = 0;
    while (done < (int)NB_TX_BATCH && q->tx_req_cons != rp) {
        struct netif_tx_request slots[PARSE_SLOTS];
        unsigned avail = rp - q->tx_req_cons;
        if (avail > PARSE_SLOTS)
            avail = PARSE_SLOTS;
        for (unsigned i = 0; i < avail; i++)
            memcpy(&slots[i], (const void *)&q->tx->ring[(q->tx_req_cons + i) & RING_MASK].req,
                   sizeof(slots[i]));
        xc_trace(XL_TR_REQ_CONSUME, vif->domid, vif->devid, (uint16_t)q->index, slots[0].id,
                 XL_TRACE_OP_NET_TX);
        struct nb_tx_packet pkt;
        int rc = nb_tx_parse(slots, avail, vif->max_frame, &pkt);
        if (rc >= NB_TX_FATAL) {
            tx_fatal(q, &pkt, rc);
            return -1;
        }
        if (rc == NB_TX_OK) {
            /* The "host I/O" of a transmit: copying it out of the granted pages. */
            xc_trace(XL_TR_IO_SUBMIT, vif->domid, vif->devid, (uint16_t)q->index, slots[0].id,
                     pkt.len);
            rc = gather(vif, &pkt);
            xc_trace(XL_TR_IO_COMPLETE, vif->domid, vif->devid, (uint16_t)q->index, slots[0].id,
                     (uint32_t)rc);
        }
        answer_packet(q, slots, &pkt, rc == NB_TX_OK ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
        done++;
        if (rc != NB_TX_OK) {
            count_error(q, &slots[0], rc);
            continue;
        }
        vif->st.tx_packets++;
        vif->st.tx_bytes += pkt.len;
        xc_trace(XL_TR_NET_SWITCH, vif->domid, vif->devid, (uint16_t)q->index, slots[0].id, pkt.len);
        sw_input(&vif->port, nb.frame, pkt.len,
                 pkt.flags & (NB_F_CSUM_BLANK | NB_F_DATA_VALID), nb.now_s);
        if (q->broken)
            return -1;
    }
    return done;
}

void nb_queue_run(struct nb_queue *q)
{
    if (q->broken || !q->bound)
        return;
    nb_rx_drain(q);
    for (;;) {
        int n = tx_turn(q);
        if (n < 0)
            return;
        if (n == (int)NB_TX_BATCH) {
            nb_flush_dirty();   /* answer big bursts as they go */
            continue;
        }
        /* Final check (ring.h): ask for a kick past what we have seen,
         * then look again, so a request posted meanwhile is not missed. */
        q->tx->req_event = q->tx_req_cons + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&q->tx->req_prod, __ATOMIC_ACQUIRE) == q->tx_req_cons)
            break;
    }
}

void nb_queue_event(struct nb_handler *h, uint32_t events)
{
    (void)events;
    struct nb_queue *q = (struct nb_queue *)((char *)h - offsetof(struct nb_queue, h));
    xc_evtchn_consume(q->port.fd);
    nb_queue_run(q);
}
