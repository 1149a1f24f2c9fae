/*
 * netback.h - what netback's modules share: the process's one context,
 * the vif (one network device of one guest) and its queues, and the
 * entry points each module gives the others.
 *
 * One thread runs everything from main.c's epoll loop (see main.c): the
 * xenbus hooks (vif.c), a queue's tx and rx rings (tx.c, rx.c), the
 * switch (switch.c) and the TAP devices (tap.c). A frame sent by one
 * guest goes, within one call chain and without a thread hand-off:
 *   queue event -> nb_tx_run (validate, copy out of the persistent
 *   mapping, answer) -> sw_input -> the destination port's deliver
 *   -> nb_rx_deliver (copy into a posted rx buffer, answer)
 * and each ring touched is pushed once at the end of the batch
 * (nb_flush_dirty), with ring.h's notify check, so a burst of frames
 * costs one notification each way at most.
 */
#ifndef NB_NETBACK_H
#define NB_NETBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/xenbus_backend.h"
#include "csum.h"
#include "gntmap.h"
#include "libxc/evtchn.h"
#include "xenolith/control.h"
#include "switch.h"
#include "txparse.h"
#include "xenolith/netif.h"

#define NB_MAX_FRAME      (XEN_NETIF_MAX_TX_SIZE)
#define NB_DEFAULT_MTU    1500u
#define NB_BACKLOG        256u      /* frames a queue holds while its guest has no rx buffers */
#define NB_TX_BATCH       64u       /* packets per tx turn before pushing answers */
#define NB_GNT_LIMIT      4096u     /* persistent grants per vif and direction */

/* The epoll loop's handler: an fd's owner embeds one. */
struct nb_handler {
    void (*fn)(struct nb_handler *h, uint32_t events);
};

struct nb_frame {
    uint8_t *buf;
    unsigned cap, len, flags;
};

struct nb_vif;

struct nb_queue {
    struct nb_vif *vif;
    unsigned index;
    struct nb_handler h;
    struct xc_evtchn_port port;
    bool bound, broken;
    uint32_t tx_ref, rx_ref;
    netif_tx_sring_t *tx;
    netif_rx_sring_t *rx;
    RING_IDX tx_req_cons, tx_rsp_prod_pvt;
    RING_IDX rx_req_cons, rx_rsp_prod_pvt;
    RING_IDX tx_rsp_pushed, rx_rsp_pushed;
    struct nb_frame backlog[NB_BACKLOG];
    unsigned bl_head, bl_count;
    struct nb_queue *dirty_next;
    bool dirty;
};

struct nb_stats {
    uint64_t tx_packets, tx_bytes, tx_errors, tx_err[NB_TXE_COUNT];
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors, ring_errors, notify_out;
};

struct nb_vif {
    struct xb_device *dev;
    uint32_t domid, devid;
    char name[24];              /* "d3.0": the log's subject */
    char bridge[SW_NAME_MAX];
    unsigned mtu, max_frame, nqueues;
    bool sg, no_csum_offload, rx_notify, attached;
    struct nb_queue q[NETIF_MAX_QUEUES];
    struct gntmap txmap, rxmap;
    struct sw_port port;
    struct nb_stats st, st_published;
    unsigned errors_logged;
    struct nb_tap *tap;         /* the TAP device of a "tap:NAME" bridge */
};

struct netback {
    struct xb_backend *be;
    struct xc *xc;
    struct xc_gnttab *gt;
    int epoll_fd;
    struct sw *sw;
    struct nb_queue *dirty;     /* rings with answers to push */
    uint8_t frame[NB_MAX_FRAME + 1];
    uint64_t now_s;
};

extern struct netback nb;

/* main.c: the loop. */
int nb_loop_add(int fd, struct nb_handler *h);
void nb_loop_del(int fd);

/* vif.c: the xenbus hooks. */
extern const struct xb_backend_ops nb_vif_ops;
void nb_publish_stats(struct xb_device *dev, void *arg);
/* A frontend broke queue q's ring (why: what it did): stops every queue
 * of its vif, counts a ring error, logs, writes <backend>/error and moves
 * the device to Closing. Other vifs are untouched. Idempotent. */
void nb_queue_broken(struct nb_queue *q, const char *why);

/* tx.c: serves a queue's tx ring (and its backlog) until idle. */
void nb_queue_run(struct nb_queue *q);
void nb_queue_event(struct nb_handler *h, uint32_t events);

/* rx.c: a frame for a vif (from the switch); pushes happen in nb_flush_dirty. */
void nb_rx_deliver(struct sw_port *port, uint8_t *frame, size_t len, unsigned flags);
/* Moves backlogged frames into newly posted rx buffers. */
void nb_rx_drain(struct nb_queue *q);
void nb_rx_backlog_free(struct nb_queue *q);
void nb_mark_dirty(struct nb_queue *q);
/* Pushes every ring's answers and notifies the guests that wait for them. */
void nb_flush_dirty(void);

/* tap.c: the host TAP device of bridge "tap:NAME" (refcounted by vifs). */
struct nb_tap;
struct nb_tap *nb_tap_get(const char *bridge);
void nb_tap_put(struct nb_tap *t);

/* log.c */
int nb_log_open(const char *path);
void nb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
