/*
 * blkback.h - what blkback's parts share: the process-wide options, one
 * vbd (struct blk_dev) and its queues (struct blk_queue).
 *
 * Threads: the main thread runs the xenbus handshake (device.c through
 * pv-backends/common) and the stats socket; each connected queue has its
 * own thread (queue.c) that owns that queue's ring, io_uring, grant
 * mappings and control connection. The main thread touches a queue only
 * to start it and, after stopping and joining its thread, to free it.
 */
#ifndef BLKBACK_H
#define BLKBACK_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/xenbus_backend.h"
#include "image.h"
#include "libxc/evtchn.h"
#include "request.h"

/* Process-wide defaults (command line); each probe may lower them from
 * xenstore /tool/xenolith/blkback/<key> (see device.c). */
struct blk_config {
    unsigned max_ring_order;   /* max-ring-page-order offered, 0..4 */
    unsigned max_queues;       /* multi-queue-max-queues offered, 1..8 */
    unsigned max_indirect;     /* feature-max-indirect-segments, 0 = off */
    bool persistent;           /* feature-persistent */
    bool flush;                /* feature-flush-cache */
    bool discard;              /* feature-discard (and the toolstack's discard-enable) */
    bool direct;               /* try O_DIRECT */
    unsigned poll_us;          /* spin this long for more work before sleeping */
    unsigned max_persistent;   /* persistent grants kept mapped per queue */
    char state_dir[PATH_MAX];  /* shadow files; "" = none (no restart resume) */
};
extern struct blk_config blk_config;

/* Tells the main thread a queue broke (written by queue threads). */
extern int blk_attention_fd;
/* Set while the process stops: queues keep their shadow files. */
extern bool blk_shutting_down;

struct blk_queue;

struct blk_dev {
    struct xb_device *xb;
    char name[48];             /* "d3 vbd 51712", the subject of log lines */
    char params[PATH_MAX];
    struct blk_image img;
    struct blk_limits lim;     /* what we offer; checked per request */
    bool offer_persistent;
    unsigned offer_ring_order, offer_queues;
    bool persistent;           /* negotiated */
    unsigned ring_order, nr_queues;
    unsigned poll_us;          /* blk_config.poll_us, or /tool/xenolith/blkback/poll-us */
    struct blk_queue *q[BLKIF_QUEUES_MAX];
};

struct blk_queue_stats {
    uint64_t requests, errors, bytes, notifies, wakeups, maps, persistent_maps;
};

/* queue.c */
struct blk_queue_args {
    struct blk_dev *dev;
    unsigned qid;
    unsigned ring_order;
    uint32_t ring_refs[1u << BLKIF_RING_ORDER_MAX];
    uint32_t evtchn;           /* the frontend's port */
    bool persistent;
    bool resumed;
};
/* Maps the ring, binds the channel (on xc_main), opens the shadow, and
 * starts the queue's thread. 0 or -errno with why. */
int blk_queue_start(const struct blk_queue_args *a, struct xc *xc_main, struct blk_queue **out,
                    char *why, size_t whylen);
/* Stops the thread (after its I/O completes), unmaps everything, closes
 * the channel and frees the queue. clean: remove the shadow file. */
void blk_queue_stop(struct blk_queue *q, struct xc *xc_main, bool clean);
bool blk_queue_broken(const struct blk_queue *q);
void blk_queue_stats(const struct blk_queue *q, struct blk_queue_stats *out);

/* device.c: the xenbus hooks. */
extern const struct xb_backend_ops blk_backend_ops;
/* Stops a device's queues now (a broken ring), before the handshake
 * closes it. */
void blk_dev_stop(struct xb_device *xb);

#endif
