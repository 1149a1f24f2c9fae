/*
 * rx.c - frames into a guest: netif's receive path in copy mode
 * (xen-abi.md 11.4). The frontend posts rx requests, each a page granted
 * writable; netback copies the frame into as many of them as it needs
 * (more than one only with feature-sg) through the persistent mappings,
 * and answers each in the slot of the request it used.
 *
 * A frame that finds no posted buffer waits in the queue's backlog
 * (NB_BACKLOG frames; past that it is dropped and counted), and netback
 * asks for a notification when buffers come (rx req_event), which is the
 * frontend's feature-rx-notify contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netback.h"

#define RING_MASK (NETIF_RING_SIZE - 1)

void nb_mark_dirty(struct nb_queue *q)
{
    if (!q->dirty) {
        q->dirty = true;
        q->dirty_next = nb.dirty;
        nb.dirty = q;
    }
}

/* Pushes produced answers with ring.h's notify check; true when the
 * frontend asked to hear about them. */
static bool push_tx(struct nb_queue *q)
{
    RING_IDX old = q->tx_rsp_pushed, now = q->tx_rsp_prod_pvt;
    if (old == now)
        return false;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->tx->rsp_prod = now;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    q->tx_rsp_pushed = now;
    return netif_need_notify(old, now, q->tx->rsp_event);
}

static bool push_rx(struct nb_queue *q)
{
    RING_IDX old = q->rx_rsp_pushed, now = q->rx_rsp_prod_pvt;
    if (old == now)
        return false;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    q->rx->rsp_prod = now;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    q->rx_rsp_pushed = now;
    return netif_need_notify(old, now, q->rx->rsp_event);
}

void nb_flush_dirty(void)
{
    while (nb.dirty) {
        struct nb_queue *q = nb.dirty;
        nb.dirty = q->dirty_next;
        q->dirty = false;
        if (!q->bound)
            continue;
        bool tx = push_tx(q), rx = push_rx(q);
        if (tx || rx) {
            xc_evtchn_notify(&q->port);
            q->vif->st.notify_out++;
        }
    }
}

/* Maps, in one batch, the posted buffers we have not mapped yet. */
static void prefetch_rx(struct nb_queue *q, RING_IDX rp)
{
    uint32_t refs[XLCTL_GNTTAB_BATCH];
    unsigned n = 0;
    for (RING_IDX i = q->rx_req_cons; i != rp && n < XLCTL_GNTTAB_BATCH; i++)
        refs[n++] = q->rx->ring[i & RING_MASK].req.gref;
    gm_prefetch(&q->vif->rxmap, refs, n);
}

static void rx_answer(struct nb_queue *q, uint16_t id, uint16_t flags, int16_t status)
{
    struct netif_rx_response *r = &q->rx->ring[q->rx_req_cons & RING_MASK].rsp;
    *r = (struct netif_rx_response){.id = id, .offset = 0, .flags = flags, .status = status};
    q->rx_req_cons++;
    q->rx_rsp_prod_pvt = q->rx_req_cons;
}

/* Copies one frame into posted buffers. 0, -EAGAIN (not enough buffers
 * posted), -EMSGSIZE (needs sg), -EIO (a buffer's grant failed: those
 * buffers are answered with NETIF_RSP_ERROR), -EPROTO (ring broken). */
static int rx_put(struct nb_queue *q, const uint8_t *frame, unsigned len, unsigned flags)
{
    struct nb_vif *vif = q->vif;
    RING_IDX rp = __atomic_load_n(&q->rx->req_prod, __ATOMIC_ACQUIRE);
    if (rp - q->rx_rsp_prod_pvt > NETIF_RING_SIZE) {
        nb_queue_broken(q, "rx req_prod is more than a ring ahead of our answers");
        return -EPROTO;
    }
    unsigned need = (len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE;
    if (need > 1 && !vif->sg)
        return -EMSGSIZE;
    if (rp - q->rx_req_cons < need)
        return -EAGAIN;

    struct netif_rx_request req[NETIF_MAX_SLOTS];
    void *page[NETIF_MAX_SLOTS];
    bool ok = true;
    for (unsigned i = 0; i < need; i++) {
        memcpy(&req[i], (const void *)&q->rx->ring[(q->rx_req_cons + i) & RING_MASK].req,
               sizeof(req[i]));
        page[i] = gm_peek(&vif->rxmap, req[i].gref);
        if (!page[i]) {
            prefetch_rx(q, rp);
            page[i] = gm_get(&vif->rxmap, req[i].gref);
        }
        ok = ok && page[i];
    }
    if (!ok) {
        for (unsigned i = 0; i < need; i++)
            rx_answer(q, req[i].id, 0, NETIF_RSP_ERROR);
        nb_mark_dirty(q);
        vif->st.rx_errors++;
        return -EIO;
    }
    uint16_t csum = 0;
    if (flags & NB_F_CSUM_BLANK)
        csum = NETRXF_csum_blank | NETRXF_data_validated;
    else if (flags & NB_F_DATA_VALID)
        csum = NETRXF_data_validated;
    for (unsigned i = 0, off = 0; i < need; i++) {
        unsigned piece = len - off < NETIF_PAGE_SIZE ? len - off : NETIF_PAGE_SIZE;
        memcpy(page[i], frame + off, piece);
        off += piece;
        uint16_t f = (i == 0 ? csum : 0) | (i + 1 < need ? NETRXF_more_data : 0);
        rx_answer(q, req[i].id, f, (int16_t)piece);
    }
    vif->st.rx_packets++;
    vif->st.rx_bytes += len;
    nb_mark_dirty(q);
    return 0;
}

static struct nb_queue *pick_queue(struct nb_vif *vif, const uint8_t *frame, size_t len)
{
    if (vif->nqueues == 1)
        return &vif->q[0];
    /* One flow stays on one queue (order): hash IPv4 addresses and ports. */
    uint32_t h = 0;
    if (len >= 14 + 24 && frame[12] == 0x08 && frame[13] == 0)
        for (unsigned i = 14 + 12; i < 14 + 24; i++)
            h = h * 31 + frame[i];
    return &vif->q[h % vif->nqueues];
}

static bool backlog_push(struct nb_queue *q, const uint8_t *frame, unsigned len, unsigned flags)
{
    if (q->bl_count == NB_BACKLOG)
        return false;
    struct nb_frame *f = &q->backlog[(q->bl_head + q->bl_count) % NB_BACKLOG];
    if (f->cap < len) {
        unsigned cap = len < 2048 ? 2048 : len;
        uint8_t *b = realloc(f->buf, cap);
        if (!b)
            return false;
        f->buf = b;
        f->cap = cap;
    }
    memcpy(f->buf, frame, len);
    f->len = len;
    f->flags = flags;
    q->bl_count++;
    return true;
}

void nb_rx_drain(struct nb_queue *q)
{
    for (int rearmed = 0; q->bl_count && !q->broken;) {
        struct nb_frame *f = &q->backlog[q->bl_head];
        int rc = rx_put(q, f->buf, f->len, f->flags);
        if (rc == -EAGAIN) {
            if (rearmed)
                return;
            /* Ask for a kick when buffers come, then look once more
             * (ring.h's final check), so none is missed. */
            q->rx->req_event = q->rx_req_cons + 1;
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            rearmed = 1;
            continue;
        }
        if (rc < 0 && rc != -EPROTO)
            q->vif->st.rx_dropped++;
        q->bl_head = (q->bl_head + 1) % NB_BACKLOG;
        q->bl_count--;
    }
}

void nb_rx_deliver(struct sw_port *port, uint8_t *frame, size_t len, unsigned flags)
{
    struct nb_vif *vif = port->owner;
    struct nb_queue *q = pick_queue(vif, frame, len);
    if (q->broken || !q->bound)
        return;
    if ((flags & NB_F_CSUM_BLANK) && vif->no_csum_offload) {
        /* This frontend verifies every checksum itself: finish it here. */
        if (nb_csum_fill(frame, len))
            flags = NB_F_DATA_VALID;
    }
    if (q->bl_count == 0) {
        int rc = rx_put(q, frame, (unsigned)len, flags);
        if (rc != -EAGAIN) {
            if (rc < 0 && rc != -EPROTO)
                vif->st.rx_dropped++;
            return;
        }
    }
    if (!backlog_push(q, frame, (unsigned)len, flags)) {
        vif->st.rx_dropped++;
        return;
    }
    nb_rx_drain(q);
}

void nb_rx_backlog_free(struct nb_queue *q)
{
    for (unsigned i = 0; i < NB_BACKLOG; i++) {
        free(q->backlog[i].buf);
        q->backlog[i] = (struct nb_frame){0};
    }
    q->bl_head = q->bl_count = 0;
}
