/*
 * evil_evtchn.c - attacks on event channels (evil.h): every op on ports
 * that do not exist or that we never allocated; binding to ports of Dom0
 * and of the victim that were not offered to us; naming other domains
 * where only DOMID_SELF is allowed; absurd VIRQs and vCPUs. Each must get
 * Xen's error (xen-abi.md 4.4) and leave every port as it was, ours (the
 * sentinel, checked by evil_expect) and theirs (the victim's ports keep
 * their status: checked at the end through its own answers, since we may
 * not query them).
 */
#include "apps/evil.h"
#include "kernel/errno.h"
#include "kernel/hypercall.h"
#include "kernel/lib.h"

static long op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg);
}

/* Ports past the 2-level limit (4096 for 64-bit guests) or far beyond. */
static const uint32_t bad_ports[] = {4096, 4097, 5000, 65536, 0x7fffffff, 0x80000000u, 0xffffffffu};
#define NBAD (sizeof(bad_ports) / sizeof(bad_ports[0]))
/* Ports inside the limit that we never allocated. */
static const uint32_t free_ports[] = {1000, 2047, 4095};
#define NFREE (sizeof(free_ports) / sizeof(free_ports[0]))

static void ports_we_do_not_have(void)
{
    for (unsigned i = 0; i < NBAD + NFREE; i++) {
        uint32_t p = i < NBAD ? bad_ports[i] : free_ports[i - NBAD];
        const char *kind = i < NBAD ? "past the limit" : "never allocated";
        struct evtchn_send s = {.port = p};
        evil_expect(op(EVTCHNOP_send, &s), -EINVAL, "send on port 0x%x (%s)", p, kind);
        struct evtchn_close c = {.port = p};
        evil_expect(op(EVTCHNOP_close, &c), -EINVAL, "close of port 0x%x (%s)", p, kind);
        struct evtchn_bind_vcpu bv = {.port = p, .vcpu = 0};
        evil_expect(op(EVTCHNOP_bind_vcpu, &bv), -EINVAL, "bind_vcpu of port 0x%x (%s)", p, kind);
        if (i < NBAD) {
            struct evtchn_unmask u = {.port = p};
            evil_expect(op(EVTCHNOP_unmask, &u), -EINVAL, "unmask of port 0x%x (%s)", p, kind);
            struct evtchn_status st = {.dom = DOMID_SELF, .port = p};
            evil_expect(op(EVTCHNOP_status, &st), -EINVAL, "status of port 0x%x (%s)", p, kind);
        }
    }
    struct evtchn_send s = {.port = 0};
    evil_expect(op(EVTCHNOP_send, &s), -EINVAL, "send on reserved port 0");
    struct evtchn_close c = {.port = 0};
    evil_expect(op(EVTCHNOP_close, &c), -EINVAL, "close of reserved port 0");
}

/* bind_interdomain to remote ports 1..n of dom, none of them offered to
 * us: Dom0's are bound to our own and other guests' rings, the victim's
 * to its own services. */
static void bind_not_offered(domid_t dom, const char *who, uint32_t n)
{
    for (uint32_t p = 1; p <= n; p++) {
        struct evtchn_bind_interdomain b = {.remote_dom = dom, .remote_port = p};
        evil_expect(op(EVTCHNOP_bind_interdomain, &b), -EINVAL, "bind to %s port %u (not offered)", who, p);
    }
    static const uint32_t far[] = {0, 4096, 0xffffffffu};
    for (unsigned i = 0; i < 3; i++) {
        struct evtchn_bind_interdomain b = {.remote_dom = dom, .remote_port = far[i]};
        evil_expect(op(EVTCHNOP_bind_interdomain, &b), -EINVAL, "bind to %s port 0x%x", who, far[i]);
    }
}

static void other_domains(void)
{
    bind_not_offered(0, "Dom0", 24);
    if (evil.victim != DOMID_INVALID)
        bind_not_offered(evil.victim, "the victim", 24);

    domid_t others[3] = {0, DOMID_IO, evil.victim};
    const char *names[3] = {"Dom0", "DOMID_IO", "the victim"};
    for (unsigned i = 0; i < 3; i++) {
        if (others[i] == DOMID_INVALID)
            continue;
        struct evtchn_alloc_unbound a = {.dom = others[i], .remote_dom = evil.self};
        long want = others[i] == DOMID_IO ? -ESRCH : -EPERM;
        evil_expect(op(EVTCHNOP_alloc_unbound, &a), want, "alloc_unbound inside %s", names[i]);
        struct evtchn_status st = {.dom = others[i], .port = 1};
        evil_expect(op(EVTCHNOP_status, &st), want, "status of %s's port 1", names[i]);
    }
    static const domid_t missing[] = {4000, 0x7fef, DOMID_INVALID + 1};
    for (unsigned i = 0; i < 3; i++) {
        struct evtchn_bind_interdomain b = {.remote_dom = missing[i], .remote_port = 1};
        evil_expect(op(EVTCHNOP_bind_interdomain, &b), -ESRCH, "bind to domain %u that does not exist",
                    missing[i]);
        /* Xen does not check that the remote domain exists when a port
         * is offered (nobody can bind it): 0, and we close it again. */
        struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = missing[i]};
        if (evil_expect(op(EVTCHNOP_alloc_unbound, &a), 0, "offer a port to domain %u that does not exist",
                        missing[i])) {
            struct evtchn_close c = {.port = a.port};
            evil_expect(op(EVTCHNOP_close, &c), 0, "and close it");
        }
    }
}

static void absurd_binds(void)
{
    static const uint32_t virqs[] = {NR_VIRQS, 64, 0x7fffffff, 0xffffffffu};
    for (unsigned i = 0; i < 4; i++) {
        struct evtchn_bind_virq b = {.virq = virqs[i], .vcpu = 0};
        evil_expect(op(EVTCHNOP_bind_virq, &b), -EINVAL, "bind_virq %u", virqs[i]);
    }
    static const uint32_t vcpus[] = {1, 128, 0xffffffffu};
    for (unsigned i = 0; i < 3; i++) {
        struct evtchn_bind_virq b = {.virq = VIRQ_DEBUG, .vcpu = vcpus[i]};
        evil_expect(op(EVTCHNOP_bind_virq, &b), -ENOENT, "bind_virq on vCPU 0x%x", vcpus[i]);
        struct evtchn_bind_ipi ipi = {.vcpu = vcpus[i]};
        evil_expect(op(EVTCHNOP_bind_ipi, &ipi), -ENOENT, "bind_ipi on vCPU 0x%x", vcpus[i]);
    }
    /* Global VIRQs Dom0 owns. */
    static const uint32_t dom0_virqs[] = {VIRQ_CONSOLE, VIRQ_DOM_EXC};
    for (unsigned i = 0; i < 2; i++) {
        struct evtchn_bind_virq b = {.virq = dom0_virqs[i], .vcpu = 0};
        evil_expect(op(EVTCHNOP_bind_virq, &b), -EBUSY, "bind_virq %u that Dom0 owns", dom0_virqs[i]);
    }
    /* A port we own, rebound to a vCPU we lack, or asked about with
     * another domain's name. */
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = 0};
    if (op(EVTCHNOP_alloc_unbound, &a) == 0) {
        struct evtchn_bind_vcpu bv = {.port = a.port, .vcpu = 0xffffffffu};
        evil_expect(op(EVTCHNOP_bind_vcpu, &bv), -ENOENT, "bind_vcpu of our port to vCPU 0xffffffff");
        struct evtchn_bind_interdomain b = {.remote_dom = DOMID_SELF, .remote_port = a.port};
        /* Offered to Dom0, not to us: only Dom0 may bind it. */
        evil_expect(op(EVTCHNOP_bind_interdomain, &b), -EINVAL, "bind to our own port offered to Dom0");
        struct evtchn_close c = {.port = a.port};
        evil_expect(op(EVTCHNOP_close, &c), 0, "close our own port");
        evil_expect(op(EVTCHNOP_close, &c), -EINVAL, "close it a second time");
    }
    evil_expect(op(EVTCHNOP_init_control, &a), -ENOSYS, "FIFO init_control");
    evil_expect(op(EVTCHNOP_expand_array, &a), -ENOSYS, "FIFO expand_array");
}

void evil_evtchn(void)
{
    ports_we_do_not_have();
    other_domains();
    absurd_binds();
}
