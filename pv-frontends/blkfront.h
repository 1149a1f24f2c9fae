/*
 * blkfront.h - the guest's virtual block devices: Xen's blkif frontend
 * (io/blkif.h; xen-abi.md 9.4, 10) and a small block API for the guest
 * kernel and its apps.
 *
 * blk_open() walks the xenbus handshake with the backend (blkback) and
 * negotiates, each only where the backend offers it and our command line
 * does not switch it off:
 *   multi-page rings   ring-page-order       (blk_ring_order=0..4, default 4)
 *   multi-queue        multi-queue-num-queues (blk_queues=N, default 1)
 *   persistent grants  feature-persistent    (blk_persistent=0|1)
 *   indirect requests  feature-max-indirect-segments (blk_indirect=0|N, default 256)
 *   flush, discard     used when offered     (blk_flush=0, blk_discard=0 to ignore)
 * and falls back to what the backend has when it lacks one.
 *
 * I/O is asynchronous: fill a struct blk_io, blk_submit() it, and call
 * blk_poll() (answers arrived: completes them, calls io->done) and
 * blk_wait() (sleeps until the backend signals) until it is done, so a
 * benchmark keeps any number of requests in flight. A transfer may be any
 * size: it is split into as many ring requests as it needs, on one queue.
 * The synchronous helpers blk_read/blk_write/blk_flush/blk_discard wrap
 * one blk_io.
 *
 * Buffers: any 512-byte-aligned memory. With persistent grants, data is
 * copied through the queue's pool of granted pages; memory from
 * blk_alloc_buffer() is granted once for good and moves with no copy.
 *
 * Threads: one thread at a time per device (the apps' loop), not from
 * interrupt context. The event handler only sets a flag.
 *
 * Save, restore, migration: after a resume in a new domain a suspend hook
 * (kernel/suspend.h) reconnects every open device to the backend the
 * toolstack made for it and sends again every request in flight, so a
 * blk_io in flight across a save completes as usual (the hook runs with no
 * other thread in between: no user sees a device half reset). A backend
 * that offers less than the requests in flight use fails them, -ENODEV.
 */
#ifndef PV_BLKFRONT_H
#define PV_BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/blkif.h"

struct blk_dev;

struct blk_info {
    uint32_t devid;
    uint64_t sectors;          /* 512-byte sectors */
    uint32_t sector_size;      /* 512 */
    uint32_t vdisk_info;       /* VDISK_* bits */
    bool readonly;
    bool flush, discard;       /* usable */
    bool persistent;           /* negotiated */
    uint32_t indirect_segs;    /* 0: 11 segments a request */
    uint32_t ring_order, queues;
};

struct blk_io;
typedef void (*blk_done_fn)(struct blk_io *io);

struct blk_io {
    uint8_t op;                /* BLKIF_OP_READ, _WRITE, _FLUSH_DISKCACHE, _DISCARD */
    uint64_t sector;
    uint64_t nr_sectors;       /* 0 for a flush */
    void *buf;                 /* read/write: nr_sectors * 512 bytes, 512-aligned */
    blk_done_fn done;          /* may be NULL; called from blk_poll */
    void *arg;
    int status;                /* when done: 0, -EIO, -EOPNOTSUPP, -ENODEV */
    /* private */
    uint32_t parts;            /* ring requests still out */
    bool finished;
};

/* Connects device devid (51712 = xvda). 0 with *out, or -errno:
 * -ENOENT no such device, -ETIME the backend did not answer, -ENODEV it
 * gave up (its error node says why), -ENOMEM. */
int blk_open(uint32_t devid, struct blk_dev **out);
/* The first vbd under device/vbd, or -ENOENT. */
int blk_first_devid(uint32_t *devid);
/* Fails whatever is in flight, closes the handshake, ends every grant. */
void blk_close(struct blk_dev *d);
const struct blk_info *blk_get_info(const struct blk_dev *d);

/* Queues io. 0, -EAGAIN (no ring slot or pool page now: poll and retry),
 * -EINVAL (misaligned, past the end, op not offered), -EROFS, -ENODEV,
 * -ENOMEM (no grant or page for it even with nothing in flight). */
int blk_submit(struct blk_dev *d, struct blk_io *io);
/* Completes every answered io; returns how many finished. */
int blk_poll(struct blk_dev *d);
/* Sleeps until the backend signals or timeout_ns passes. A backend found
 * closing meanwhile fails everything in flight with -ENODEV. */
void blk_wait(struct blk_dev *d, uint64_t timeout_ns);
/* Requests in flight (ring requests, all queues). */
unsigned blk_inflight(const struct blk_dev *d);

/* Zero-copy I/O memory: bytes rounded up to pages, granted to the backend
 * once. NULL when out of memory or grants. */
void *blk_alloc_buffer(struct blk_dev *d, uint64_t bytes);

/* One transfer, waited for. 0 or -errno as in blk_io.status. */
int blk_read(struct blk_dev *d, uint64_t sector, void *buf, uint64_t nr_sectors);
int blk_write(struct blk_dev *d, uint64_t sector, const void *buf, uint64_t nr_sectors);
int blk_flush(struct blk_dev *d);
int blk_discard(struct blk_dev *d, uint64_t sector, uint64_t nr_sectors);
/* Submits io and polls until it finishes. */
int blk_run(struct blk_dev *d, struct blk_io *io);

/* For hostile-frontend tests (app=evil's blkif family): the queue's raw ring, and a
 * kick that publishes its req_prod_pvt (whatever it is) and notifies. */
blkif_front_ring_t *blk_raw_ring(struct blk_dev *d, unsigned queue);
void blk_raw_kick(struct blk_dev *d, unsigned queue);

#endif
