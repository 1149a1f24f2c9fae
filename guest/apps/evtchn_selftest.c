/*
 * evtchn_selftest.c - app=evtchn-selftest: the guest's own check of the
 * event-channel ABI against Xen's rules (xen-abi.md 4.4). Every misuse must
 * get Xen's error and change nothing; the working cases (loopback, IPI to
 * self, a masked port that fires on unmask) must deliver exactly once.
 * One "PASS name" or "FAIL name: ..." line each, then a summary.
 */
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"

static int passed, failed;

static void expect(const char *name, long got, long want)
{
    if (got == want) {
        passed++;
        printf("PASS %s\n", name);
    } else {
        failed++;
        printf("FAIL %s: got %ld, want %ld\n", name, got, want);
    }
}

static long op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg);
}

static volatile int hits[1024];

static void count_hit(evtchn_port_t port, void *arg)
{
    (void)arg;
    hits[port]++;
}

/* Lets any pending upcall run: enable, take one trip through the kernel. */
static void settle(void)
{
    irq_enable();
    sleep_ns(2000000);
}

static void misuse(void)
{
    struct evtchn_send s = {.port = 0};
    expect("send on port 0 is EINVAL", op(EVTCHNOP_send, &s), -EINVAL);
    s.port = 5000;
    expect("send past the last port is EINVAL", op(EVTCHNOP_send, &s), -EINVAL);
    s.port = 900;
    expect("send on a free port is EINVAL", op(EVTCHNOP_send, &s), -EINVAL);
    struct evtchn_close c = {.port = 901};
    expect("close of a free port is EINVAL", op(EVTCHNOP_close, &c), -EINVAL);
    struct evtchn_bind_interdomain bi = {.remote_dom = 0, .remote_port = 1};
    expect("bind to a Dom0 port not offered is EINVAL", op(EVTCHNOP_bind_interdomain, &bi), -EINVAL);
    bi.remote_dom = 4000;
    expect("bind to a domain that does not exist is ESRCH", op(EVTCHNOP_bind_interdomain, &bi), -ESRCH);
    struct evtchn_alloc_unbound au = {.dom = 0, .remote_dom = 0};
    expect("alloc_unbound in another domain is EPERM", op(EVTCHNOP_alloc_unbound, &au), -EPERM);
    au.dom = 4000;
    expect("alloc_unbound in a domain that does not exist is ESRCH", op(EVTCHNOP_alloc_unbound, &au), -ESRCH);
    struct evtchn_bind_virq bv = {.virq = NR_VIRQS, .vcpu = 0};
    expect("bind_virq of an unknown VIRQ is EINVAL", op(EVTCHNOP_bind_virq, &bv), -EINVAL);
    bv = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 5};
    expect("bind_virq on a missing vCPU is ENOENT", op(EVTCHNOP_bind_virq, &bv), -ENOENT);
    bv.vcpu = 0;
    expect("bind_virq twice is EEXIST", op(EVTCHNOP_bind_virq, &bv), -EEXIST);
    bv = (struct evtchn_bind_virq){.virq = VIRQ_CONSOLE, .vcpu = 1};
    expect("global VIRQ on vCPU 1 is EINVAL", op(EVTCHNOP_bind_virq, &bv), -EINVAL);
    bv.vcpu = 0;
    expect("a global VIRQ Dom0 owns is EBUSY", op(EVTCHNOP_bind_virq, &bv), -EBUSY);
    struct evtchn_bind_ipi ipi = {.vcpu = 7};
    expect("bind_ipi on a missing vCPU is ENOENT", op(EVTCHNOP_bind_ipi, &ipi), -ENOENT);
    struct evtchn_status st = {.dom = 0, .port = 1};
    expect("status of another domain is EPERM", op(EVTCHNOP_status, &st), -EPERM);
    st = (struct evtchn_status){.dom = DOMID_SELF, .port = 5000};
    expect("status past the last port is EINVAL", op(EVTCHNOP_status, &st), -EINVAL);
    struct evtchn_unmask um = {.port = 5000};
    expect("unmask past the last port is EINVAL", op(EVTCHNOP_unmask, &um), -EINVAL);
    expect("an unmapped argument is EFAULT", op(EVTCHNOP_send, (void *)0x7fff00000000ul), -EFAULT);
    expect("FIFO init_control is ENOSYS (2-level only)", op(EVTCHNOP_init_control, &st), -ENOSYS);
}

static void loopback(void)
{
    evtchn_port_t a, b;
    expect("alloc_unbound for ourselves", evtchn_alloc_unbound(DOMID_SELF, &a), 0);
    expect("bind_interdomain to our own unbound port", evtchn_bind_interdomain(DOMID_SELF, a, &b), 0);
    evtchn_set_handler(a, count_hit, 0);
    evtchn_set_handler(b, count_hit, 0);
    settle(); /* the bind left b pending once */
    hits[a] = hits[b] = 0;
    struct evtchn_bind_interdomain again = {.remote_dom = DOMID_SELF, .remote_port = a};
    expect("binding a connected port again is EINVAL", op(EVTCHNOP_bind_interdomain, &again), -EINVAL);
    expect("send on the loopback port", evtchn_send(b), 0);
    settle();
    expect("the peer port fired once", hits[a], 1);
    expect("the sending port did not fire", hits[b], 0);
    struct evtchn_status st = {.dom = DOMID_SELF, .port = a};
    op(EVTCHNOP_status, &st);
    expect("status says interdomain", st.status, EVTCHNSTAT_interdomain);
    expect("status names the peer port", st.u.interdomain.port, b);
    expect("close one end", evtchn_close(b), 0);
    st = (struct evtchn_status){.dom = DOMID_SELF, .port = a};
    op(EVTCHNOP_status, &st);
    expect("the other end reverts to unbound", st.status, EVTCHNSTAT_unbound);
    expect("send on an unbound port is dropped quietly", evtchn_send(a), 0);
    evtchn_close(a);
}

static void ipi_and_mask(void)
{
    struct evtchn_bind_ipi ipi = {.vcpu = 0};
    expect("bind_ipi on vCPU 0", op(EVTCHNOP_bind_ipi, &ipi), 0);
    evtchn_port_t p = ipi.port;
    evtchn_set_handler(p, count_hit, 0);
    hits[p] = 0;
    expect("send an IPI to ourselves", evtchn_send(p), 0);
    settle();
    expect("the IPI arrived once", hits[p], 1);
    struct evtchn_bind_vcpu bvc = {.port = p, .vcpu = 0};
    expect("bind_vcpu of an IPI port is EINVAL", op(EVTCHNOP_bind_vcpu, &bvc), -EINVAL);
    bvc.vcpu = 9;
    expect("bind_vcpu to a missing vCPU is ENOENT", op(EVTCHNOP_bind_vcpu, &bvc), -ENOENT);

    evtchn_mask(p);
    expect("send to a masked port", evtchn_send(p), 0);
    settle();
    expect("a masked port does not fire", hits[p], 1);
    bool pending = shared_info->evtchn_pending[p / 64] & (1ul << (p % 64));
    expect("a masked port stays pending", pending, 1);
    expect("unmask", evtchn_unmask(p), 0);
    settle();
    expect("the port fires on unmask", hits[p], 2);
    evtchn_close(p);
}

int app_evtchn_selftest(void)
{
    misuse();
    loopback();
    ipi_and_mask();
    printf("evtchn-selftest: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
