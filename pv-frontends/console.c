/*
 * console.c - the console frontend on Xen's console ring (see console.h).
 *
 * Ring discipline (xen-abi.md 7.1): free-running u32 indexes, byte i at
 * i & (size - 1). Writer: read the peer's cons (acquire), check space,
 * copy, then store prod (release) and notify. Reader: read prod (acquire),
 * copy, store cons (release), notify. Each index is read once per call and
 * prod - cons > size marks the ring broken for good, as xenbus.c does.
 */
#include "console.h"

#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/time.h"
#include "xenolith/xen_console.h"

static struct xencons_interface *intf;
static evtchn_port_t port;
static volatile int kicked;   /* an event since the last xencons_read */
static volatile int seen;     /* an event, ever */
static bool broken;

static void on_event(evtchn_port_t p, void *arg)
{
    (void)p, (void)arg;
    seen = 1;
    kicked = 1;
}

static int get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);
    *value = p.value;
    return (int)rc;
}

/* An event that came before the handler, or while interrupts are off,
 * waits as a pending bit: it counts as the backend's sign of life too. */
static bool port_pending(void)
{
    const xen_ulong_t *w = &shared_info->evtchn_pending[port / (sizeof(xen_ulong_t) * 8)];
    return __atomic_load_n(w, __ATOMIC_ACQUIRE) >> (port % (sizeof(xen_ulong_t) * 8)) & 1;
}

int xencons_init(void)
{
    uint64_t pfn = 0, evtchn = 0;
    int rc = get_param(HVM_PARAM_CONSOLE_PFN, &pfn);
    if (rc == 0)
        rc = get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn);
    if (rc < 0)
        return rc;
    if (pfn == 0 || evtchn == 0 || evtchn >= 1024)
        return -ENOENT;
    intf = (struct xencons_interface *)(uintptr_t)(pfn << 12); /* 1:1 mapped */
    port = (evtchn_port_t)evtchn;
    evtchn_set_handler(port, on_event, 0);
    if (port_pending())
        seen = 1;
    return 0;
}

bool xencons_backend_seen(void)
{
    if (!seen && intf && port_pending())
        seen = 1;
    return seen;
}

/* prod - cons of the output half, checked; -EIO once it is impossible. */
static int out_used(uint32_t *prod, uint32_t *cons)
{
    if (!intf)
        return -ENOENT;
    if (broken)
        return -EIO;
    *cons = __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE);
    *prod = __atomic_load_n(&intf->out_prod, __ATOMIC_RELAXED);
    uint32_t in_prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
    uint32_t in_cons = __atomic_load_n(&intf->in_cons, __ATOMIC_RELAXED);
    /* Either half impossible: the page is corrupt, trust none of it. */
    if (*prod - *cons > XENCONS_OUT_SIZE || in_prod - in_cons > XENCONS_IN_SIZE) {
        broken = true;
        return -EIO;
    }
    return (int)(*prod - *cons);
}

int xencons_write(const char *s, size_t n)
{
    uint32_t prod, cons;
    int used = out_used(&prod, &cons);
    if (used < 0)
        return used;
    uint32_t space = XENCONS_OUT_SIZE - (uint32_t)used;
    uint32_t m = n < space ? (uint32_t)n : space;
    for (uint32_t i = 0; i < m; i++)
        intf->out[MASK_XENCONS_IDX(prod + i, intf->out)] = s[i];
    if (m) {
        __atomic_store_n(&intf->out_prod, prod + m, __ATOMIC_RELEASE);
        evtchn_notify(port);
    }
    return (int)m;
}

int xencons_out_pending(void)
{
    uint32_t prod, cons;
    return out_used(&prod, &cons);
}

uint32_t xencons_out_cons(void)
{
    return intf ? __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE) : 0;
}

size_t xencons_out_unconsumed(char *buf, size_t cap)
{
    uint32_t prod, cons;
    int used = out_used(&prod, &cons);
    if (used <= 0)
        return 0;
    size_t m = (size_t)used < cap ? (size_t)used : cap;
    for (size_t i = 0; i < m; i++)
        buf[i] = intf->out[MASK_XENCONS_IDX(cons + (uint32_t)i, intf->out)];
    return m;
}

int xencons_read(char *buf, size_t n)
{
    if (!intf)
        return -ENOENT;
    if (broken)
        return -EIO;
    kicked = 0; /* before looking: an event from now on ends xencons_wait */
    uint32_t prod = __atomic_load_n(&intf->in_prod, __ATOMIC_ACQUIRE);
    uint32_t cons = __atomic_load_n(&intf->in_cons, __ATOMIC_RELAXED);
    if (prod - cons > XENCONS_IN_SIZE) {
        broken = true;
        return -EIO;
    }
    uint32_t avail = prod - cons;
    uint32_t m = n < avail ? (uint32_t)n : avail;
    for (uint32_t i = 0; i < m; i++)
        buf[i] = intf->in[MASK_XENCONS_IDX(cons + i, intf->in)];
    if (m) {
        __atomic_store_n(&intf->in_cons, cons + m, __ATOMIC_RELEASE);
        evtchn_notify(port); /* room: the backend may hold more input */
    }
    return (int)m;
}

void xencons_wait(uint64_t deadline_ns)
{
    wait_flag_until(&kicked, deadline_ns);
}
