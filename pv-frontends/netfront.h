/*
 * netfront.h - the guest's network frontend: one vif's netif rings
 * (xen-abi.md 11; Xen's io/netif.h) towards netback, in copy mode.
 *
 * Handshake (xenbus_device.h): wait for the backend's InitWait, check
 * feature-rx-copy, read its feature-sg and multi-queue-max-queues; then
 * per queue a tx and an rx ring page and one event channel, granted and
 * published (top level for one queue, queue-N/ for several) with
 * request-rx-copy=1, feature-rx-notify=1, feature-sg, and
 * feature-no-csum-offload when asked; Initialised, and Connected once
 * the backend is.
 *
 * Buffers are fixed: NF_BUFS pages per ring and direction, each granted
 * once (tx read-only, rx writable) and reused with the same ref for
 * every packet, so netback can map them once (persistent grants).
 *
 * No threads of its own and no work in interrupt context: the event
 * handler only raises a flag. The caller polls (netfront_poll) and sleeps
 * in netfront_wait, from one thread. Received frames go to the rx
 * callback, which may send.
 *
 * Save, restore, migration: after a resume in a new domain a suspend hook
 * (kernel/suspend.h) reconnects the vif to the backend the toolstack made
 * for it (same MAC): frames that were on the tx ring are dropped, as on a
 * link that went down for a moment, and every rx buffer is posted again.
 */
#ifndef PV_NETFRONT_H
#define PV_NETFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/netif.h"

#define NF_BUFS       256u       /* tx and rx buffers per queue (one ring's worth) */
#define NF_MAX_FRAME  65535u

/* Frame flags given to and by netfront: the NETTXF_ values. */
#define NF_CSUM_BLANK  1u        /* L4 checksum left for offload (tx), or partial (rx) */
#define NF_DATA_VALID  2u        /* checksum known good: receivers need not verify */

typedef void (*nf_rx_fn)(void *arg, uint8_t *frame, unsigned len, unsigned flags);

struct nf_seg {
    const void *data;
    unsigned len;
};

struct nf_options {
    unsigned queues;             /* asked for; fewer if the backend offers fewer */
    bool sg;                     /* send multi-segment frames as fragment chains */
    bool no_csum_offload;        /* feature-no-csum-offload: never hand us partial checksums */
};

/* tx_errors, tx_okay and tx_null count the backend's answers per slot. */
struct nf_stats {
    uint64_t tx_frames, tx_errors, tx_okay, tx_null, rx_frames, rx_errors, notify_out;
};

struct netfront;

/* Connects vif devid. 0 or -errno (printed with what failed). */
int netfront_open(uint32_t devid, const struct nf_options *opt, nf_rx_fn fn, void *arg,
                  struct netfront **out);
void netfront_mac(struct netfront *nf, uint8_t mac[6]);
/* A key of the backend directory (e.g. "ip", written by the toolstack). */
int netfront_read_be(struct netfront *nf, const char *key, char *buf, unsigned len);
unsigned netfront_queues(struct netfront *nf);

/* Sends one frame made of segs (headers, payload: copied). 0, -EAGAIN when
 * the ring is full (poll, wait, retry), -EMSGSIZE when it cannot fit. */
int netfront_send(struct netfront *nf, const struct nf_seg *segs, unsigned nsegs, unsigned flags);
/* Takes answers and frames from every queue; returns how many frames came. */
unsigned netfront_poll(struct netfront *nf);
/* True while netfront_poll runs the rx handler: a poll from in there only
 * takes tx answers (the rx ring is the outer poll's), so a handler must
 * not wait for a frame to arrive. */
bool netfront_in_rx(const struct netfront *nf);
/* Idles until the backend notifies or deadline_ns (system time) passes,
 * unless work is already waiting. */
void netfront_wait(struct netfront *nf, uint64_t deadline_ns);
const struct nf_stats *netfront_stats(struct netfront *nf);

/* For the hostile test app: posts raw tx requests on queue 0 exactly as
 * given, except that each non-extra slot gets a free buffer's id, and a
 * gref of NF_RAW_OWN_GREF becomes that buffer's own grant. Slots with
 * NF_RAW_EXTRA in flags are written as they are (extra-info overlays).
 * -EAGAIN when the ring lacks room. */
#define NF_RAW_OWN_GREF 0xffffffffu
#define NF_RAW_EXTRA    0x8000u
int netfront_post_raw(struct netfront *nf, const struct netif_tx_request *reqs, unsigned n);
/* Writes a req_prod n past the real one (an impossible index). */
void netfront_corrupt_tx_prod(struct netfront *nf, uint32_t n);

#endif
