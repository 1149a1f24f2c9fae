/*
 * domstate.c - a domain's hypervisor state as the blob of
 * include/xenolith/domstate.h (see domstate.h). The workload: xl save and
 * xl migrate read it once per save, with the domain parked; xl restore and
 * migrate-receive apply it once to a fresh paused domain whose memory is
 * already loaded.
 */
#include "domstate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "domain.h"
#include "evtchn.h"
#include "gnttab.h"
#include "log.h"
#include "vcpu.h"
#include "vtime.h"
#include "xenolith/boot.h"
#include "xenolith/domstate.h"

_Static_assert(XL_DS_HVM_PARAMS == HVM_NR_PARAMS, "HVM params in the blob");
_Static_assert(XL_DS_XEN_PAGES == GUEST_XEN_PAGES, "xen pages in the blob");
_Static_assert(XL_DS_NO_GFN == PHYSMAP_NO_GFN, "no-gfn marker");

/* The MSRs KVM keeps that a guest kernel sets once and relies on. The
 * TSC is not here: on kvm_pvm the guest TSC is the host's (pvm-guest.md
 * 7), and pvclock is rewritten after restore. */
static const uint32_t saved_msrs[] = {
    0x174, 0x175, 0x176,             /* SYSENTER_CS/ESP/EIP */
    0xc0000081, 0xc0000082,          /* STAR, LSTAR */
    0xc0000083, 0xc0000084,          /* CSTAR, SFMASK */
    0xc0000102, 0xc0000103,          /* KERNEL_GS_BASE, TSC_AUX */
    0x277, 0x1a0,                    /* PAT, MISC_ENABLE */
    0x6e0,                           /* TSC_DEADLINE */
};
_Static_assert(sizeof(saved_msrs) / sizeof(saved_msrs[0]) <= XL_DS_MAX_MSRS, "msr list");

static bool domain_is_still(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    bool still = d->state == XLCTL_STATE_PAUSED ||
                 (d->state == XLCTL_STATE_SHUTDOWN && d->shutdown_reason == SHUTDOWN_suspend);
    for (unsigned i = 0; still && i < d->nr_vcpus; i++)
        still = d->vcpus[i]->parked;
    pthread_mutex_unlock(&d->lock);
    return still;
}

/* A hypercall's result sits in kvm_run's synced registers until the next
 * KVM_RUN; put it into the vCPU so KVM_GET_REGS sees it. */
static int flush_synced_regs(struct vcpu *v)
{
    if (!(v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
        return 0;
    if (ioctl(v->fd, KVM_SET_REGS, &v->run->s.regs.regs) < 0)
        return -errno;
    v->run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS;
    return 0;
}

static uint32_t get_msrs(struct vcpu *v, struct xl_ds_msr *out)
{
    uint32_t n = 0;
    for (size_t i = 0; i < sizeof(saved_msrs) / sizeof(saved_msrs[0]); i++) {
        struct {
            struct kvm_msrs hdr;
            struct kvm_msr_entry e;
        } m = {.hdr.nmsrs = 1, .e.index = saved_msrs[i]};
        if (ioctl(v->fd, KVM_GET_MSRS, &m) == 1) /* skip what this KVM lacks */
            out[n++] = (struct xl_ds_msr){.index = m.e.index, .data = m.e.data};
    }
    return n;
}

static uint64_t pvcs_gpa(struct vcpu *v)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = {.hdr.nmsrs = 1, .e.index = XL_MSR_PVM_PVCS};
    if (!v->is_pvm || ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
        return 0;
    return m.e.data & ~0xfffull;
}

static int get_vcpu(struct domain *d, struct vcpu *v, struct xl_ds_vcpu *o)
{
    memset(o, 0, sizeof(*o));
    int rc = flush_synced_regs(v);
    if (rc < 0)
        return rc;
    o->id = v->id;
    pthread_mutex_lock(&d->lock);
    o->flags = (v->online ? XL_DS_VCPU_ONLINE : 0) | (v->initialised ? XL_DS_VCPU_INITIALISED : 0) |
               (v->vcpu_info_moved ? XL_DS_VCPU_INFO_MOVED : 0);
    if (v->vcpu_info_moved)
        o->vcpu_info_gpa = guest_mem_offset_gpa(&d->mem, (uint64_t)((uint8_t *)v->vcpu_info -
                                                                    d->mem.base));
    pthread_mutex_unlock(&d->lock);
    o->upcall_vector = __atomic_load_n(&v->upcall_vector, __ATOMIC_ACQUIRE);
    o->pvcs_gpa = pvcs_gpa(v);
    vtime_get_timers(v, &o->singleshot_ns, &o->periodic_ns);
    if (ioctl(v->fd, KVM_GET_REGS, &o->regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &o->sregs) < 0 ||
        ioctl(v->fd, KVM_GET_XSAVE, &o->xsave) < 0 || ioctl(v->fd, KVM_GET_XCRS, &o->xcrs) < 0 ||
        ioctl(v->fd, KVM_GET_LAPIC, &o->lapic) < 0 ||
        ioctl(v->fd, KVM_GET_VCPU_EVENTS, &o->events) < 0 ||
        ioctl(v->fd, KVM_GET_MP_STATE, &o->mp_state) < 0)
        return -errno;
    o->nr_msrs = get_msrs(v, o->msrs);
    return 0;
}

static uint32_t get_ports(struct domain *d, struct xl_ds_port *out, uint32_t room)
{
    struct evtchn_table *t = d->evtchn;
    uint32_t n = 0;
    pthread_mutex_lock(&t->lock);
    for (uint32_t p = 1; p < EVTCHN_MAX_PORTS && n < room; p++) {
        const struct evtchn *c = &t->port[p];
        if (c->state == EVTCHNSTAT_closed)
            continue;
        out[n++] = (struct xl_ds_port){
            .port = p, .state = c->state, .notify_vcpu = c->notify_vcpu,
            .remote_dom = c->remote_dom, .remote_port = c->remote_port, .virq = c->virq,
        };
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}

int domstate_get(struct domain *d, void *buf, size_t cap, size_t *len)
{
    if (!domain_is_still(d))
        return -EBUSY;
    size_t vcpus_end = xl_ds_size(d->nr_vcpus, 0);
    if (cap < vcpus_end)
        return -E2BIG;
    struct xl_ds_header *h = buf;
    memset(h, 0, sizeof(*h));
    h->magic = XL_DS_MAGIC;
    h->version = XL_DS_VERSION;
    h->nr_vcpus = d->nr_vcpus;
    unsigned frames, max_frames;
    gnttab_size(d->gnttab, &frames, &max_frames);
    h->gnttab_frames = frames;
    pthread_mutex_lock(&d->lock);
    memcpy(h->hvm_params, d->hvm_params, sizeof(h->hvm_params));
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < GUEST_XEN_PAGES; i++)
        h->physmap_gfn[i] = physmap_gfn(&d->physmap, i);
    struct xl_ds_vcpu *vc = (struct xl_ds_vcpu *)(h + 1);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        int rc = get_vcpu(d, d->vcpus[i], &vc[i]);
        if (rc < 0)
            return rc;
    }
    uint32_t room = (uint32_t)((cap - vcpus_end) / sizeof(struct xl_ds_port));
    h->nr_ports = get_ports(d, (struct xl_ds_port *)((uint8_t *)buf + vcpus_end), room);
    *len = xl_ds_size(h->nr_vcpus, h->nr_ports);
    return 0;
}

/* ---- restore ------------------------------------------------------------ */

static int fail(char *why, size_t whylen, const char *fmt, unsigned a, unsigned long long b)
{
    snprintf(why, whylen, fmt, a, b);
    return -EINVAL;
}

static int check_vcpu(struct domain *d, const struct xl_ds_vcpu *v, unsigned i, char *why,
                      size_t whylen)
{
    if (v->id != i)
        return fail(why, whylen, "vCPU record %u has id %llu", i, v->id);
    if (v->nr_msrs > XL_DS_MAX_MSRS)
        return fail(why, whylen, "vCPU %u: %llu MSRs", i, v->nr_msrs);
    if ((v->flags & XL_DS_VCPU_INFO_MOVED) &&
        (v->vcpu_info_gpa & 7 || (v->vcpu_info_gpa & 0xfff) > 4096 - sizeof(struct vcpu_info) ||
         !guest_mem_is_ram(&d->mem, v->vcpu_info_gpa)))
        return fail(why, whylen, "vCPU %u: vcpu_info at 0x%llx is not RAM", i, v->vcpu_info_gpa);
    return 0;
}

static int check_blob(struct domain *d, const void *buf, size_t len, char *why, size_t whylen)
{
    const struct xl_ds_header *h = buf;
    if (len < sizeof(*h) || h->magic != XL_DS_MAGIC)
        return fail(why, whylen, "not a domain state blob (%u, %llu bytes)", 0, len);
    if (h->version != XL_DS_VERSION)
        return fail(why, whylen, "state version %u, this hypervisor reads %llu", h->version,
                    XL_DS_VERSION);
    if (h->nr_vcpus != d->nr_vcpus)
        return fail(why, whylen, "state has %u vCPUs, the domain %llu", h->nr_vcpus, d->nr_vcpus);
    if (h->nr_ports >= EVTCHN_MAX_PORTS || len != xl_ds_size(h->nr_vcpus, h->nr_ports))
        return fail(why, whylen, "state of %u ports does not match its %llu bytes", h->nr_ports,
                    len);
    unsigned frames, max_frames;
    gnttab_size(d->gnttab, &frames, &max_frames);
    if (h->gnttab_frames == 0 || h->gnttab_frames > max_frames)
        return fail(why, whylen, "%u grant frames, the domain may have %llu", h->gnttab_frames,
                    max_frames);
    const struct xl_ds_vcpu *vc = (const void *)(h + 1);
    for (unsigned i = 0; i < h->nr_vcpus; i++) {
        int rc = check_vcpu(d, &vc[i], i, why, whylen);
        if (rc < 0)
            return rc;
    }
    const struct xl_ds_port *pt = (const void *)&vc[h->nr_vcpus];
    for (unsigned i = 0; i < h->nr_ports; i++)
        if (pt[i].port == 0 || pt[i].port >= EVTCHN_MAX_PORTS || pt[i].notify_vcpu >= d->nr_vcpus)
            return fail(why, whylen, "port record %u names port %llu", i, pt[i].port);
    return 0;
}

static int set_msrs(struct vcpu *v, const struct xl_ds_vcpu *s)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[XL_DS_MAX_MSRS];
    } m;
    memset(&m, 0, sizeof(m));
    m.hdr.nmsrs = s->nr_msrs;
    for (uint32_t i = 0; i < s->nr_msrs; i++)
        m.e[i] = (struct kvm_msr_entry){.index = s->msrs[i].index, .data = s->msrs[i].data};
    int n = ioctl(v->fd, KVM_SET_MSRS, &m);
    return n == (int)s->nr_msrs ? 0 : -EIO;
}

/*
 * The local APIC without its pending and in-service interrupts: the only
 * interrupt our guests take is the event upcall, and what is pending is
 * in vcpu_info, raised again once the guest can take it. Measured on
 * kvm_pvm: an interrupt latched while the restored vCPU still runs
 * emulated (before the guest registers its PVCS again) is never
 * delivered, not even after the guest enters PVM mode and halts. So on
 * kvm_pvm upcalls are held until the guest's first hypercall, which our
 * guest makes right after re-registering (guest/kernel/suspend.c).
 */
static void quiet_lapic(struct kvm_lapic_state *l)
{
    for (unsigned i = 0; i < 8; i++) {
        memset(&l->regs[0x100 + 0x10 * i], 0, 4); /* ISR */
        memset(&l->regs[0x180 + 0x10 * i], 0, 4); /* TMR */
        memset(&l->regs[0x200 + 0x10 * i], 0, 4); /* IRR */
    }
}

static int set_vcpu(struct domain *d, struct vcpu *v, const struct xl_ds_vcpu *s)
{
    struct kvm_lapic_state lapic = s->lapic;
    quiet_lapic(&lapic);
    /* sregs before the LAPIC (APIC base mode), events and MP state last. */
    if (ioctl(v->fd, KVM_SET_SREGS, &s->sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &s->regs) < 0 ||
        ioctl(v->fd, KVM_SET_XSAVE, &s->xsave) < 0 || ioctl(v->fd, KVM_SET_XCRS, &s->xcrs) < 0 ||
        ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
        return -errno;
    int rc = set_msrs(v, s);
    if (rc < 0)
        return rc;
    if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &s->events) < 0 ||
        ioctl(v->fd, KVM_SET_MP_STATE, &s->mp_state) < 0)
        return -errno;
    v->run->kvm_dirty_regs = 0; /* the synced copy is stale now */
    __atomic_store_n(&v->upcall_held, v->is_pvm, __ATOMIC_RELEASE);
    __atomic_store_n(&v->upcall_vector, s->upcall_vector, __ATOMIC_RELEASE);
    pthread_mutex_lock(&d->lock);
    v->online = s->flags & XL_DS_VCPU_ONLINE;
    v->initialised = s->flags & XL_DS_VCPU_INITIALISED;
    if (s->flags & XL_DS_VCPU_INFO_MOVED) {
        v->vcpu_info = guest_mem_gpa(&d->mem, s->vcpu_info_gpa, sizeof(struct vcpu_info));
        v->vcpu_info_moved = true;
    }
    pthread_mutex_unlock(&d->lock);
    /* Time left, not a deadline: system time is this host's monotonic
     * clock, which another host does not share. */
    if (s->singleshot_ns)
        vtime_set_singleshot(v, vtime_now_ns() + s->singleshot_ns);
    vtime_set_periodic(v, s->periodic_ns);
    vtime_update_pvclock(v);
    return 0;
}

static int set_ports(struct domain *d, const struct xl_ds_port *pt, uint32_t n, char *why,
                     size_t whylen)
{
    evtchn_reset(d); /* the ports domain_create made come back from the blob */
    for (uint32_t i = 0; i < n; i++) {
        int rc = evtchn_restore_port(d, pt[i].port, pt[i].state, pt[i].notify_vcpu,
                                     pt[i].remote_dom, pt[i].virq);
        if (rc < 0)
            return fail(why, whylen, "port record %u (port %llu) cannot be restored", i,
                        pt[i].port);
    }
    return 0;
}

int domstate_set(struct domain *d, const void *buf, size_t len, char *why, size_t whylen)
{
    pthread_mutex_lock(&d->lock);
    bool ran = d->ever_ran;
    pthread_mutex_unlock(&d->lock);
    if (ran) {
        snprintf(why, whylen, "domain %u has already run", d->domid);
        return -EBUSY;
    }
    int rc = check_blob(d, buf, len, why, whylen);
    if (rc < 0)
        return rc;
    const struct xl_ds_header *h = buf;
    const struct xl_ds_vcpu *vc = (const void *)(h + 1);
    rc = gnttab_grow(d->gnttab, h->gnttab_frames);
    if (rc == 0)
        gnttab_forget_uses(d->gnttab); /* the backends map again after reconnecting */
    for (unsigned i = 0; rc == 0 && i < GUEST_XEN_PAGES; i++)
        if (h->physmap_gfn[i] != XL_DS_NO_GFN)
            rc = physmap_place(&d->physmap, &d->mem, d->vm_fd, i, h->physmap_gfn[i]);
    if (rc < 0) {
        snprintf(why, whylen, "grant table or physmap: %s", strerror(-rc));
        return rc;
    }
    pthread_mutex_lock(&d->lock);
    memcpy(d->hvm_params, h->hvm_params, sizeof(d->hvm_params));
    pthread_mutex_unlock(&d->lock);
    rc = set_ports(d, (const void *)&vc[h->nr_vcpus], h->nr_ports, why, whylen);
    for (unsigned i = 0; rc == 0 && i < h->nr_vcpus; i++) {
        rc = set_vcpu(d, d->vcpus[i], &vc[i]);
        if (rc < 0)
            snprintf(why, whylen, "vCPU %u registers: %s", i, strerror(-rc));
    }
    if (rc < 0)
        return rc;
    vtime_update_wallclock(d);
    /* An event that became pending while the guest was suspending raised
     * its upcall in the old domain's local APIC; raise it again (on
     * kvm_pvm at the first hypercall, see quiet_lapic). */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (__atomic_load_n(&d->vcpus[i]->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
            vcpu_raise_upcall(d->vcpus[i]);
    pthread_mutex_lock(&d->lock);
    d->ever_ran = true; /* no SET_BOOT over the restored registers */
    pthread_mutex_unlock(&d->lock);
    log_info("d%u: state restored (%u vCPUs, %u ports, %u grant frames)", d->domid, h->nr_vcpus,
             h->nr_ports, h->gnttab_frames);
    return 0;
}

int domstate_resume_cancelled(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    bool suspended = d->state == XLCTL_STATE_SHUTDOWN && d->shutdown_reason == SHUTDOWN_suspend;
    if (suspended) {
        struct vcpu *v = d->vcpus[0];
        /* The guest's SCHEDOP_shutdown returns 1: "cancelled". Its result
         * goes through the synced registers, flushed or not. */
        v->run->s.regs.regs.rax = 1;
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        d->state = XLCTL_STATE_PAUSED;
        d->shutdown_reason = 0;
        d->shutdown_code = SHUTDOWN_CODE_NONE;
        d->shutdown_handled = false;
    }
    pthread_mutex_unlock(&d->lock);
    if (!suspended)
        return -EINVAL;
    log_info("d%u: suspend cancelled, paused", d->domid);
    return 0;
}
