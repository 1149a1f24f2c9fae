/*
 * events.c - the guest side of the 2-level event-channel ABI
 * (xen-abi.md 4.3): scan order, bit clearing and re-checks as Linux and
 * Mini-OS do them.
 */
#include "kernel/events.h"
#include "kernel/trace.h"

#include "kernel/hypercall.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/percpu.h"
#include "kernel/lib.h"

#define NR_PORTS 1024
#define WORD_BITS 64

/* The GFN we give shared_info: a page of our own image, whose RAM the
 * hypervisor replaces (as Mini-OS does). */
static uint8_t shared_info_page[4096] __attribute__((aligned(4096)));
struct shared_info *shared_info;

static struct {
    evtchn_handler_t fn;
    void *arg;
    uint32_t cpu;   /* the vCPU the port notifies: only its upcall runs it */
} handlers[NR_PORTS];

static long evtchn_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg);
}

/*
 * Two ways to receive upcalls, both Xen's: a per-vCPU vector through the
 * local APIC, EOI'd (the default, as Linux), or upcall=callback on the
 * command line for the domain-wide HVM_PARAM_CALLBACK_IRQ vector, which is
 * never EOI'd (as Mini-OS) and reaches vCPU 0 only.
 */
static bool callback_mode;

bool events_need_eoi(void)
{
    return !callback_mode;
}

int events_cpu_init(void)
{
    irq_init();
    if (callback_mode)
        return 0;
    struct xen_hvm_evtchn_upcall_vector u = {.vcpu = this_cpu()->id, .vector = UPCALL_VECTOR};
    return (int)HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &u);
}

static int use_callback_vector(void)
{
    struct xen_hvm_param p = {
        .domid = DOMID_SELF,
        .index = HVM_PARAM_CALLBACK_IRQ,
        .value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | CALLBACK_VECTOR,
    };
    callback_mode = true;
    return (int)HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

int events_init(void)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uint64_t)(uintptr_t)shared_info_page >> 12, /* 1:1 mapped */
    };
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
    if (rc < 0)
        return (int)rc;
    shared_info = (struct shared_info *)shared_info_page;
    char mode[16];
    if (cmdline_get("upcall", mode, sizeof(mode)) && strcmp(mode, "callback") == 0) {
        irq_init();
        return use_callback_vector();
    }
    return events_cpu_init();
}

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *arg)
{
    if (port < NR_PORTS) {
        handlers[port].arg = arg;
        __atomic_store_n(&handlers[port].fn, fn, __ATOMIC_RELEASE);
    }
}

static void run_port(evtchn_port_t port)
{
    evtchn_handler_t fn = __atomic_load_n(&handlers[port].fn, __ATOMIC_ACQUIRE);
    trace(XL_TR_UPCALL_HANDLE, 0, 0, 0, port);
    if (fn)
        fn(port, handlers[port].arg);
}

void events_upcall(void)
{
    uint32_t cpu = this_cpu()->id;
    struct vcpu_info *vi = &shared_info->vcpu_info[cpu];
    do {
        /* Clear first: an event arriving during the scan re-raises it. */
        __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned w = (unsigned)__builtin_ctzl(sel);
            sel &= sel - 1;
            xen_ulong_t bits = __atomic_load_n(&shared_info->evtchn_pending[w], __ATOMIC_SEQ_CST) &
                               ~__atomic_load_n(&shared_info->evtchn_mask[w], __ATOMIC_SEQ_CST);
            while (bits) {
                unsigned b = (unsigned)__builtin_ctzl(bits);
                evtchn_port_t port = w * WORD_BITS + b;
                bits &= bits - 1;
                /* The pending bits are shared by every vCPU: leave another
                 * vCPU's ports to its own upcall (as Linux's per-CPU mask). */
                if (port >= NR_PORTS || handlers[port].cpu != cpu)
                    continue;
                __atomic_fetch_and(&shared_info->evtchn_pending[w], ~(1ul << b), __ATOMIC_SEQ_CST);
                run_port(port);
            }
        }
    } while (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST));
    if (!callback_mode)
        irq_eoi();
}

static void note_cpu(long rc, evtchn_port_t port, uint32_t vcpu)
{
    if (rc == 0 && port < NR_PORTS)
        handlers[port].cpu = vcpu;
}

/* New unbound and interdomain ports notify vCPU 0, as on Xen. */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
    *port = a.port;
    note_cpu(rc, a.port, 0);
    return (int)rc;
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain b = {.remote_dom = remote, .remote_port = remote_port};
    long rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
    *port = b.local_port;
    note_cpu(rc, b.local_port, 0);
    return (int)rc;
}

int evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = evtchn_op(EVTCHNOP_bind_virq, &b);
    *port = b.port;
    note_cpu(rc, b.port, vcpu);
    return (int)rc;
}

int evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = {.vcpu = vcpu};
    long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);
    *port = b.port;
    note_cpu(rc, b.port, vcpu);
    return (int)rc;
}

int evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = {.port = port};
    return (int)evtchn_op(EVTCHNOP_send, &s);
}

void evtchn_notify(evtchn_port_t port)
{
    trace(XL_TR_EVTCHN_SEND, 0, 0, 0, port);
    if (boot.notify_port) {
        /* Xenolith's notify port (include/xenolith/boot.h): the same as
         * EVTCHNOP_send, and it never leaves KVM when Dom0 is the peer. */
        __asm__ volatile("outl %0, %w1" : : "a"(port), "Nd"(boot.notify_port) : "memory");
        return;
    }
    evtchn_send(port);
}

int evtchn_close(evtchn_port_t port)
{
    struct evtchn_close c = {.port = port};
    return (int)evtchn_op(EVTCHNOP_close, &c);
}

int evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = {.port = port};
    return (int)evtchn_op(EVTCHNOP_unmask, &u);
}

void evtchn_mask(evtchn_port_t port)
{
    __atomic_fetch_or(&shared_info->evtchn_mask[port / WORD_BITS], 1ul << (port % WORD_BITS),
                      __ATOMIC_SEQ_CST);
}
