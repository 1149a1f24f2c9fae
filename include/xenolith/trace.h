/*
 * trace.h - Xenolith's I/O-path trace records, shared by the guest kernel
 * (freestanding) and the Dom0 programs: the record, the ring it is written
 * into, the event names, and the lock-free writer. docs/tracing.md tells
 * the whole story; in short:
 *
 * Clock: ts_ns is CLOCK_MONOTONIC of the host, which is exactly the
 * guest's pvclock system time (hypervisor/vtime.c publishes it), so guest
 * and host records sort on one axis without conversion.
 *
 * Rings: every writer (the guest kernel, the hypervisor daemon, blkback,
 * netback) owns one ring (XL_TRACE_HOST_RECS records in Dom0, XL_TRACE_GUEST_RECS
 * in a guest, whose memory is scarcer). Writers on several
 * threads reserve a slot with one atomic add and publish it by writing
 * `seq` (= slot index + 1) last; `xl trace` reads a slot only when its seq
 * matches, so a half-written record is never taken. A full ring overwrites
 * the oldest records (counted in the reader, which sees seq jump).
 *
 * Off by default at the cost of one load and one branch per trace point:
 * the guest's ring has an `enabled` word that `xl trace` sets through a
 * foreign mapping; Dom0 writers check a byte per domid in the shared
 * control page $XENOLITH_RUNDIR/trace/control.
 */
#ifndef XENOLITH_TRACE_H
#define XENOLITH_TRACE_H

#include <stdint.h>

#define XL_TRACE_MAGIC      0x58545243u   /* "XTRC" */
/* Records per ring, powers of two: at 40k block requests a second a
 * backend writes ~160k records/s, so its ring holds ~0.4 s, enough for
 * xl trace's 5 ms polls on a busy host. */
#define XL_TRACE_HOST_RECS  65536u
#define XL_TRACE_GUEST_RECS 16384u
#define XL_TRACE_MAX_DOMID  4096u         /* domids traced (control page bytes) */

/* Who wrote a record. */
enum xl_trace_src {
    XL_TRACE_SRC_GUEST = 1,
    XL_TRACE_SRC_HV = 2,
    XL_TRACE_SRC_BLKBACK = 3,
    XL_TRACE_SRC_NETBACK = 4,
};

/*
 * Events along the split-driver path, in the order a block request meets
 * them. dev is the vbd devid / vif handle, queue the ring's queue, id the
 * request id (blkif id; netif: the slot id), arg as noted.
 */
enum xl_trace_event {
    XL_TR_HYPERCALL = 1,      /* hv: a hypercall; id = number, arg = first argument (low 32) */
    XL_TR_EVTCHN_SEND = 2,    /* guest: notify sent; arg = port */
    XL_TR_UPCALL_INJECT = 3,  /* hv: upcall raised into domid; arg = port */
    XL_TR_UPCALL_HANDLE = 4,  /* guest: port handler runs; arg = port */
    XL_TR_GRANT_MAP = 5,      /* hv: grant(s) mapped for a backend; id = first ref, arg = count */
    XL_TR_GRANT_UNMAP = 6,    /* hv: arg = count */
    XL_TR_REQ_PRODUCE = 10,   /* frontend: request pushed on the ring; arg = op */
    XL_TR_REQ_CONSUME = 11,   /* backend: request taken off the ring; arg = op */
    XL_TR_IO_SUBMIT = 12,     /* backend: host I/O submitted; arg = bytes */
    XL_TR_IO_COMPLETE = 13,   /* backend: host I/O done; arg = result (bytes or -errno) */
    XL_TR_RSP_PRODUCE = 14,   /* backend: response pushed; arg = status */
    XL_TR_RSP_CONSUME = 15,   /* frontend: response taken; arg = status */
    XL_TR_NET_TX = 20,        /* netfront: frame queued on tx; arg = bytes */
    XL_TR_NET_SWITCH = 21,    /* netback: frame forwarded; arg = bytes */
    XL_TR_NET_RX = 22,        /* netfront: frame received; arg = bytes */
};

/* req_produce's op for a netif transmit (blkif ops are 0..6): the tx
 * packet is the request, the switch's forwarding its "host I/O". */
#define XL_TRACE_OP_NET_TX 0x80u

struct xl_trace_rec {
    uint64_t seq;             /* slot index + 1, written last */
    uint64_t ts_ns;
    uint64_t id;
    uint32_t dev;
    uint32_t arg;
    uint16_t event;           /* enum xl_trace_event */
    uint16_t domid;           /* the guest the record concerns */
    uint16_t queue;
    uint16_t src;             /* enum xl_trace_src */
};
_Static_assert(sizeof(struct xl_trace_rec) == 40, "trace record is 40 bytes");

struct xl_trace_ring {
    uint32_t magic;           /* XL_TRACE_MAGIC */
    uint32_t enabled;         /* guest rings: set by xl trace; Dom0 rings: unused */
    uint32_t nrecs;           /* records in recs[], a power of two */
    uint16_t src, domid;      /* writer; for a guest ring its domid */
    uint64_t prod;            /* slots reserved so far */
    uint8_t pad[40];
    struct xl_trace_rec recs[];
};
_Static_assert(__builtin_offsetof(struct xl_trace_ring, recs) == 64, "ring header is 64 bytes");

#define XL_TRACE_RING_BYTES(nrecs) (sizeof(struct xl_trace_ring) + (nrecs) * sizeof(struct xl_trace_rec))
#define XL_TRACE_RING_PAGES(nrecs) ((XL_TRACE_RING_BYTES(nrecs) + 4095) / 4096)

/* Writes one record (any thread; never blocks). */
static inline void xl_trace_put(struct xl_trace_ring *r, uint64_t ts_ns, uint16_t event,
                                uint16_t domid, uint32_t dev, uint16_t queue, uint64_t id,
                                uint32_t arg)
{
    uint64_t slot = __atomic_fetch_add(&r->prod, 1, __ATOMIC_RELAXED);
    struct xl_trace_rec *e = &r->recs[slot & (r->nrecs - 1)];
    __atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    e->ts_ns = ts_ns;
    e->id = id;
    e->dev = dev;
    e->arg = arg;
    e->event = event;
    e->domid = domid;
    e->queue = queue;
    e->src = r->src;
    __atomic_store_n(&e->seq, slot + 1, __ATOMIC_RELEASE);
}

/* The event's name in trace files ("req_produce"), NULL if unknown. */
static inline const char *xl_trace_event_name(unsigned event)
{
    switch (event) {
    case XL_TR_HYPERCALL: return "hypercall";
    case XL_TR_EVTCHN_SEND: return "evtchn_send";
    case XL_TR_UPCALL_INJECT: return "upcall_inject";
    case XL_TR_UPCALL_HANDLE: return "upcall_handle";
    case XL_TR_GRANT_MAP: return "grant_map";
    case XL_TR_GRANT_UNMAP: return "grant_unmap";
    case XL_TR_REQ_PRODUCE: return "req_produce";
    case XL_TR_REQ_CONSUME: return "req_consume";
    case XL_TR_IO_SUBMIT: return "io_submit";
    case XL_TR_IO_COMPLETE: return "io_complete";
    case XL_TR_RSP_PRODUCE: return "rsp_produce";
    case XL_TR_RSP_CONSUME: return "rsp_consume";
    case XL_TR_NET_TX: return "net_tx";
    case XL_TR_NET_SWITCH: return "net_switch";
    case XL_TR_NET_RX: return "net_rx";
    }
    return 0;
}

static inline const char *xl_trace_src_name(unsigned src)
{
    switch (src) {
    case XL_TRACE_SRC_GUEST: return "guest";
    case XL_TRACE_SRC_HV: return "hv";
    case XL_TRACE_SRC_BLKBACK: return "blkback";
    case XL_TRACE_SRC_NETBACK: return "netback";
    }
    return 0;
}

#endif
