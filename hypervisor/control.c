/*
 * control.c - handlers for the control protocol. Table-driven: one row per
 * op with its exact IN size, so a short or long payload is refused before
 * any handler sees it.
 */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "domain.h"
#include "domstate.h"
#include "evtchn.h"
#include "evtchn_kick.h"
#include "gnttab_dom0.h"
#include "host.h"
#include "kvm.h"
#include "log.h"
#include "sched_cgroup.h"
#include "vcpu.h"

#define ANY_SIZE UINT32_MAX

typedef int (*op_fn)(const void *in, uint32_t in_len, struct control_reply *r);

static void *out_put(struct control_reply *r, const void *data, uint32_t n)
{
    memcpy(r->payload + r->len, data, n);
    r->len += n;
    return r->payload + r->len - n;
}

static int op_ping(const void *in, uint32_t n, struct control_reply *r)
{
    (void)in, (void)n;
    struct xlctl_ping_out out = {
        .protocol_version = XLCTL_VERSION,
        .pid = (uint32_t)getpid(),
        .nr_domains = domain_count(),
        .kvm_pvm = kvm_is_pvm(),
    };
    out_put(r, &out, sizeof(out));
    return 0;
}

static int op_physinfo(const void *in, uint32_t n, struct control_reply *r)
{
    (void)in, (void)n;
    struct xlctl_physinfo p;
    memset(&p, 0, sizeof(p));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    p.nr_cpus = cpus > 0 ? (uint32_t)cpus : 1;
    p.threads_per_core = 1;
    p.total_kib = host_meminfo_kib("MemTotal");
    uint64_t avail = host_meminfo_kib("MemAvailable");
    uint64_t pending = domain_uncommitted_bytes() / 1024;
    p.free_kib = avail > pending ? avail - pending : 0;
    p.tsc_khz = kvm_tsc_khz();
    p.xen_major = 4;
    p.xen_minor = 17;
    p.kvm_pvm = kvm_is_pvm();
    snprintf(p.capabilities, sizeof(p.capabilities), "xen-3.0-x86_64 hvm-3.0-x86_64");
    snprintf(p.extraversion, sizeof(p.extraversion), "-xenolith");
    out_put(r, &p, sizeof(p));
    return 0;
}

static int op_domain_create(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_domain_create req;
    memcpy(&req, in, sizeof(req));
    req.name[sizeof(req.name) - 1] = '\0';
    struct domain *d;
    char why[256] = "";
    int rc = domain_create(&req, &d, why, sizeof(why));
    if (rc < 0) {
        log_info("domain create '%s' refused: %s", req.name, why);
        /* The reason travels as the payload so xl can print it. */
        out_put(r, why, (uint32_t)strlen(why) + 1);
        return rc;
    }
    struct xlctl_domain_created out = {
        .domid = d->domid,
        .store_evtchn = (uint32_t)d->hvm_params[HVM_PARAM_STORE_EVTCHN],
        .console_evtchn = (uint32_t)d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN],
    };
    out_put(r, &out, sizeof(out));
    return 0;
}

static struct domain *lookup(const void *in)
{
    struct xlctl_domid id;
    memcpy(&id, in, sizeof(id));
    return domain_by_id(id.domid);
}

static int op_map_memory(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_domid id;
    memcpy(&id, in, sizeof(id));
    if (id.domid == 0)
        return -EPERM; /* Dom0 is the host: nothing to map */
    struct domain *d = lookup(in);
    if (!d)
        return -ESRCH;
    struct xlctl_memory_layout l = {
        .low_bytes = d->mem.low_bytes,
        .high_bytes = d->mem.high_bytes,
        .special_offset = d->mem.special_off,
        .fd_size = d->mem.size,
    };
    out_put(r, &l, sizeof(l));
    r->fd = d->mem.fd;
    return 0;
}

static int op_set_boot(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct xlctl_boot b;
    memcpy(&b, in, sizeof(b));
    struct domain *d = domain_by_id(b.domid);
    return d ? domain_set_boot(d, &b) : -ESRCH;
}

static int op_unpause(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct domain *d = lookup(in);
    return d ? domain_unpause(d) : -ESRCH;
}

static int op_pause(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct domain *d = lookup(in);
    return d ? domain_pause(d) : -ESRCH;
}

static int op_destroy(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct domain *d = lookup(in);
    if (!d)
        return -ESRCH;
    domain_destroy(d);
    return 0;
}

static void append_info(struct domain *d, void *arg)
{
    struct control_reply *r = arg;
    if (r->len + sizeof(struct xlctl_dominfo) > XLCTL_MAX_PAYLOAD)
        return; /* cannot happen below DOMAIN_MAX_DOMAINS; never overflow */
    struct xlctl_dominfo info;
    domain_info(d, &info);
    out_put(r, &info, sizeof(info));
}

static int op_list(const void *in, uint32_t n, struct control_reply *r)
{
    if (n == sizeof(struct xlctl_domid)) {
        struct domain *d = lookup(in);
        if (!d)
            return -ESRCH;
        append_info(d, r);
        return 0;
    }
    if (n != 0)
        return -EINVAL;
    domain_foreach(append_info, r);
    return 0;
}

static int op_wait(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_domain_wait w;
    memcpy(&w, in, sizeof(w));
    if (control_wait_ready(w.domid, r))
        return r->hdr.status;
    r->wait_pending = 1;
    r->wait_domid = w.domid;
    return 0;
}

static int op_dmesg(const void *in, uint32_t n, struct control_reply *r)
{
    (void)in, (void)n;
    r->len = (uint32_t)log_ring_read((char *)r->payload, XLCTL_MAX_PAYLOAD);
    return 0;
}

static int op_set_hvm_param(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct xlctl_hvm_param p;
    memcpy(&p, in, sizeof(p));
    struct domain *d = domain_by_id(p.domid);
    if (!d)
        return -ESRCH;
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    d->hvm_params[p.index] = p.value;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/*
 * A new Dom0 port with its two eventfds: the notify fd (the guest's sends
 * signal it) and the kick fd (the client writes it to send). The daemon
 * owns both; the client gets copies with the reply (SCM_RIGHTS).
 */
enum dom0_port_kind { DOM0_UNBOUND, DOM0_INTERDOMAIN, DOM0_VIRQ };

static int new_dom0_port(const void *in, struct control_reply *r, enum dom0_port_kind kind)
{
    struct xlctl_evtchn e;
    memcpy(&e, in, sizeof(e));
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return -errno;
    int rc;
    switch (kind) {
    case DOM0_INTERDOMAIN:
        rc = evtchn_dom0_bind_interdomain(e.remote_dom, e.remote_port, fd, r->client, &e.port);
        break;
    case DOM0_VIRQ:
        rc = evtchn_dom0_bind_virq(e.remote_port, fd, r->client, &e.port);
        break;
    default:
        rc = evtchn_dom0_alloc_unbound(e.remote_dom, fd, r->client, &e.port);
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    int kick = evtchn_kick_add(e.port);
    if (kick < 0) {
        evtchn_dom0_close(e.port, r->client);
        return kick;
    }
    r->fd = fd;
    r->fd2 = kick;
    out_put(r, &e, sizeof(e));
    return 0;
}

static int op_evtchn_alloc_unbound(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    return new_dom0_port(in, r, DOM0_UNBOUND);
}

static int op_evtchn_bind_interdomain(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    return new_dom0_port(in, r, DOM0_INTERDOMAIN);
}

static int op_evtchn_bind_virq(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    return new_dom0_port(in, r, DOM0_VIRQ);
}

static int op_evtchn_notify(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_evtchn e;
    memcpy(&e, in, sizeof(e));
    return evtchn_dom0_send(e.port, r->client);
}

static int op_evtchn_close(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_evtchn e;
    memcpy(&e, in, sizeof(e));
    return evtchn_dom0_close(e.port, r->client);
}

static int op_gnttab_map(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    static struct xlctl_gnttab_map m;
    static struct xlctl_gnttab_map_out out;
    memcpy(&m, in, sizeof(m));
    int rc = gnttab_dom0_map(&m, r->client, &out, &r->fd);
    if (rc == 0)
        out_put(r, &out, sizeof(out));
    return rc;
}

static int op_gnttab_unmap(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_gnttab_unmap u;
    struct xlctl_gnttab_unmap_out out;
    memcpy(&u, in, sizeof(u));
    int rc = gnttab_dom0_unmap(&u, r->client, &out);
    if (rc == 0)
        out_put(r, &out, sizeof(out));
    return rc;
}

/* Variable size: the segments, then the bytes going to guests. */
static int op_gnttab_copy(const void *in, uint32_t n, struct control_reply *r)
{
    static struct xlctl_gnttab_copy c;
    if (n < sizeof(c))
        return -EINVAL;
    memcpy(&c, in, sizeof(c));
    uint32_t got = 0;
    int rc = gnttab_dom0_copy(&c, (const uint8_t *)in + sizeof(c), n - (uint32_t)sizeof(c),
                              r->payload + sizeof(c), XLCTL_MAX_PAYLOAD - (uint32_t)sizeof(c),
                              &got);
    if (rc == 0) {
        memcpy(r->payload, &c, sizeof(c));
        r->len = (uint32_t)sizeof(c) + got;
    }
    return rc;
}

static int op_domain_rename(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct xlctl_domain_rename req;
    memcpy(&req, in, sizeof(req));
    req.name[sizeof(req.name) - 1] = '\0';
    struct domain *d = domain_by_id(req.domid);
    return d ? domain_rename(d, req.name) : -ESRCH;
}

static int op_vcpu_list(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_domid id;
    memcpy(&id, in, sizeof(id));
    if (id.domid == 0)
        return -EPERM; /* Dom0's CPUs are the host's */
    struct domain *d = domain_by_id(id.domid);
    if (!d)
        return -ESRCH;
    static struct xlctl_vcpuinfo v[XLCTL_MAX_VCPUS];
    domain_vcpu_info(d, v);
    out_put(r, v, (uint32_t)(d->nr_vcpus * sizeof(v[0])));
    return 0;
}

static int op_vcpu_set_affinity(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct xlctl_vcpu_affinity a;
    memcpy(&a, in, sizeof(a));
    struct domain *d = domain_by_id(a.domid);
    return d ? domain_set_affinity(d, a.vcpu, a.cpumap) : -ESRCH;
}

static int op_domain_set_maxmem(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct xlctl_domain_maxmem m;
    memcpy(&m, in, sizeof(m));
    struct domain *d = domain_by_id(m.domid);
    if (!d)
        return -ESRCH;
    if (m.max_kib == 0 || m.max_kib % 4)
        return -EINVAL;
    int rc = reservation_set_max(&d->resv, m.max_kib / 4);
    if (rc == 0)
        log_info("d%u: maximum reservation %llu KiB", d->domid, (unsigned long long)m.max_kib);
    return rc;
}

/* Reasons travel as the payload of the failure, as for DOMAIN_CREATE. */
static int fail_with(struct control_reply *r, int rc, const char *why)
{
    out_put(r, why, (uint32_t)strlen(why) + 1);
    return rc;
}

static int op_sched_credit(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_sched_credit s;
    memcpy(&s, in, sizeof(s));
    struct domain *d = domain_by_id(s.domid);
    if (!d)
        return -ESRCH;
    if ((s.flags & XLCTL_SCHED_SET_WEIGHT) && (s.weight < 1 || s.weight > 65535))
        return fail_with(r, -EINVAL, "weight must be 1..65535");
    if ((s.flags & XLCTL_SCHED_SET_CAP) && s.cap > 100u * d->nr_vcpus) {
        char why[96];
        snprintf(why, sizeof(why), "cap must be 0..%u (%% of one CPU, for %u vCPU%s)",
                 100u * d->nr_vcpus, d->nr_vcpus, d->nr_vcpus > 1 ? "s" : "");
        return fail_with(r, -EINVAL, why);
    }
    if (s.flags & ~(XLCTL_SCHED_SET_WEIGHT | XLCTL_SCHED_SET_CAP))
        return -EINVAL;
    if (s.flags) {
        char why[300];
        int rc = sched_cgroup_apply(d, s.flags, s.weight, s.cap, why, sizeof(why));
        if (rc < 0)
            return fail_with(r, rc, why);
        if (s.flags & XLCTL_SCHED_SET_WEIGHT)
            d->sched_weight = s.weight;
        if (s.flags & XLCTL_SCHED_SET_CAP)
            d->sched_cap = s.cap;
        log_info("d%u: sched-credit weight %u cap %u", d->domid,
                 d->sched_weight ? d->sched_weight : XLCTL_SCHED_WEIGHT_DEFAULT, d->sched_cap);
    }
    struct xlctl_sched_credit out = {
        .domid = d->domid,
        .weight = d->sched_weight ? d->sched_weight : XLCTL_SCHED_WEIGHT_DEFAULT,
        .cap = d->sched_cap,
    };
    sched_cgroup_describe(d, out.mechanism, sizeof(out.mechanism));
    out_put(r, &out, sizeof(out));
    return 0;
}

static int op_domain_shutdown(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct xlctl_domain_shutdown s;
    memcpy(&s, in, sizeof(s));
    struct domain *d = domain_by_id(s.domid);
    if (!d)
        return -ESRCH;
    if (s.reason > SHUTDOWN_MAX)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    bool over = d->state == XLCTL_STATE_SHUTDOWN || d->state == XLCTL_STATE_DYING;
    pthread_mutex_unlock(&d->lock);
    if (over)
        return -EINVAL;
    log_info("d%u: shut down by the toolstack", d->domid);
    domain_shutdown(d, s.reason);
    return 0;
}

void control_client_gone(uint32_t client)
{
    evtchn_dom0_close_owned(client);
    gnttab_dom0_unmap_owned(client);
}

/* ---- save, restore, migration (docs/save-format.md) ---- */

static int op_get_state(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct domain *d = lookup(in);
    if (!d)
        return -ESRCH;
    size_t len = 0;
    int rc = domstate_get(d, r->payload, XLCTL_MAX_PAYLOAD, &len);
    if (rc == 0)
        r->len = (uint32_t)len;
    return rc;
}

static int op_set_state(const void *in, uint32_t n, struct control_reply *r)
{
    struct xlctl_domid id;
    if (n < sizeof(uint64_t) + sizeof(id))
        return -EINVAL;
    /* The blob follows an xlctl_domid naming the target. */
    memcpy(&id, in, sizeof(id));
    struct domain *d = domain_by_id(id.domid);
    if (!d)
        return -ESRCH;
    char why[256] = "";
    int rc = domstate_set(d, (const uint8_t *)in + sizeof(id), n - sizeof(id), why, sizeof(why));
    if (rc < 0) {
        log_info("d%u: state refused: %s", d->domid, why);
        out_put(r, why, (uint32_t)strlen(why) + 1);
    }
    return rc;
}

static int op_resume(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n, (void)r;
    struct domain *d = lookup(in);
    return d ? domstate_resume_cancelled(d) : -ESRCH;
}

static int op_dirty_log(const void *in, uint32_t n, struct control_reply *r)
{
    (void)n;
    struct xlctl_dirty_log q;
    memcpy(&q, in, sizeof(q));
    struct domain *d = domain_by_id(q.domid);
    if (!d)
        return -ESRCH;
    int rc;
    switch (q.op) {
    case XLCTL_DIRTY_ENABLE:
    case XLCTL_DIRTY_DISABLE:
        rc = guest_mem_dirty_log(&d->mem, d->vm_fd, q.op == XLCTL_DIRTY_ENABLE);
        free(d->dom0_dirty);
        d->dom0_dirty = NULL;
        if (rc == 0 && q.op == XLCTL_DIRTY_ENABLE &&
            !(d->dom0_dirty = calloc((guest_mem_ram_pages(&d->mem) + 63) / 64, 8)))
            rc = -ENOMEM;
        if (rc < 0)
            log_warn("d%u: dirty logging %s refused by KVM", d->domid,
                     q.op == XLCTL_DIRTY_ENABLE ? "on" : "off");
        return rc == -EINVAL || rc == -EOPNOTSUPP ? -ENOTSUP : rc;
    case XLCTL_DIRTY_FETCH: {
        uint64_t words = (guest_mem_ram_pages(&d->mem) + 63) / 64;
        if (words * 8 > XLCTL_MAX_PAYLOAD)
            return -E2BIG;
        memset(r->payload, 0, words * 8);
        rc = guest_mem_dirty_fetch(&d->mem, d->vm_fd, (uint64_t *)(void *)r->payload);
        if (rc == 0)
            gnttab_dom0_dirty_fetch(d, (uint64_t *)(void *)r->payload);
        if (rc == 0)
            r->len = (uint32_t)(words * 8);
        return rc;
    }
    default:
        return -EINVAL;
    }
}

static int op_daemon_stop(const void *in, uint32_t n, struct control_reply *r)
{
    (void)in, (void)n;
    r->stop_daemon = 1;
    return 0;
}

static const struct {
    op_fn fn;
    uint32_t in_size;
} ops[XLCTL_OP_COUNT] = {
    [XLCTL_OP_PING] = {op_ping, 0},
    [XLCTL_OP_PHYSINFO] = {op_physinfo, 0},
    [XLCTL_OP_DOMAIN_CREATE] = {op_domain_create, sizeof(struct xlctl_domain_create)},
    [XLCTL_OP_DOMAIN_MAP_MEMORY] = {op_map_memory, sizeof(struct xlctl_domid)},
    [XLCTL_OP_DOMAIN_SET_BOOT] = {op_set_boot, sizeof(struct xlctl_boot)},
    [XLCTL_OP_DOMAIN_UNPAUSE] = {op_unpause, sizeof(struct xlctl_domid)},
    [XLCTL_OP_DOMAIN_PAUSE] = {op_pause, sizeof(struct xlctl_domid)},
    [XLCTL_OP_DOMAIN_DESTROY] = {op_destroy, sizeof(struct xlctl_domid)},
    [XLCTL_OP_DOMAIN_LIST] = {op_list, ANY_SIZE},
    [XLCTL_OP_DOMAIN_WAIT] = {op_wait, sizeof(struct xlctl_domain_wait)},
    [XLCTL_OP_DMESG] = {op_dmesg, 0},
    [XLCTL_OP_SET_HVM_PARAM] = {op_set_hvm_param, sizeof(struct xlctl_hvm_param)},
    [XLCTL_OP_DAEMON_STOP] = {op_daemon_stop, 0},
    [XLCTL_OP_EVTCHN_ALLOC_UNBOUND] = {op_evtchn_alloc_unbound, sizeof(struct xlctl_evtchn)},
    [XLCTL_OP_EVTCHN_BIND_INTERDOMAIN] = {op_evtchn_bind_interdomain, sizeof(struct xlctl_evtchn)},
    [XLCTL_OP_EVTCHN_NOTIFY] = {op_evtchn_notify, sizeof(struct xlctl_evtchn)},
    [XLCTL_OP_EVTCHN_CLOSE] = {op_evtchn_close, sizeof(struct xlctl_evtchn)},
    [XLCTL_OP_EVTCHN_BIND_VIRQ] = {op_evtchn_bind_virq, sizeof(struct xlctl_evtchn)},
    [XLCTL_OP_GNTTAB_MAP] = {op_gnttab_map, sizeof(struct xlctl_gnttab_map)},
    [XLCTL_OP_GNTTAB_UNMAP] = {op_gnttab_unmap, sizeof(struct xlctl_gnttab_unmap)},
    [XLCTL_OP_GNTTAB_COPY] = {op_gnttab_copy, ANY_SIZE},
    [XLCTL_OP_DOMAIN_GET_STATE] = {op_get_state, sizeof(struct xlctl_domid)},
    [XLCTL_OP_DOMAIN_SET_STATE] = {op_set_state, ANY_SIZE},
    [XLCTL_OP_DOMAIN_RESUME] = {op_resume, sizeof(struct xlctl_domid)},
    [XLCTL_OP_DOMAIN_DIRTY_LOG] = {op_dirty_log, sizeof(struct xlctl_dirty_log)},
    [XLCTL_OP_DOMAIN_RENAME] = {op_domain_rename, sizeof(struct xlctl_domain_rename)},
    [XLCTL_OP_VCPU_LIST] = {op_vcpu_list, sizeof(struct xlctl_domid)},
    [XLCTL_OP_VCPU_SET_AFFINITY] = {op_vcpu_set_affinity, sizeof(struct xlctl_vcpu_affinity)},
    [XLCTL_OP_DOMAIN_SET_MAXMEM] = {op_domain_set_maxmem, sizeof(struct xlctl_domain_maxmem)},
    [XLCTL_OP_SCHED_CREDIT] = {op_sched_credit, sizeof(struct xlctl_sched_credit)},
    [XLCTL_OP_DOMAIN_SHUTDOWN] = {op_domain_shutdown, sizeof(struct xlctl_domain_shutdown)},
};

void control_handle(const uint8_t *req, size_t len, struct control_reply *r)
{
    struct xlctl_hdr h;
    r->len = 0;
    /* r->client is the caller's; everything else is reset here. */
    r->fd = -1;
    r->wait_pending = 0;
    r->stop_daemon = 0;
    memset(&r->hdr, 0, sizeof(r->hdr));
    r->hdr.magic = XLCTL_MAGIC;
    r->hdr.version = XLCTL_VERSION;
    if (len < sizeof(h)) {
        r->hdr.status = -EBADMSG;
        return;
    }
    memcpy(&h, req, sizeof(h));
    r->hdr.op = h.op;
    if (h.magic != XLCTL_MAGIC)
        r->hdr.status = -EBADMSG;
    else if (h.version != XLCTL_VERSION)
        r->hdr.status = -EPROTO;
    else if (h.len != len - sizeof(h) || h.len > XLCTL_MAX_PAYLOAD)
        r->hdr.status = -EINVAL;
    else if (h.op >= XLCTL_OP_COUNT || !ops[h.op].fn)
        r->hdr.status = -ENOSYS;
    else if (ops[h.op].in_size != ANY_SIZE && ops[h.op].in_size != h.len)
        r->hdr.status = -EINVAL;
    else
        r->hdr.status = ops[h.op].fn(req + sizeof(h), h.len, r);
    /* A failure's payload is only ever a reason string, from the ops
     * that give one (control.h). */
    if (r->hdr.status < 0 && h.op != XLCTL_OP_DOMAIN_CREATE && h.op != XLCTL_OP_DOMAIN_SET_STATE &&
        h.op != XLCTL_OP_SCHED_CREDIT)
        r->len = 0;
    r->hdr.len = r->len;
}

int control_wait_ready(uint32_t domid, struct control_reply *r)
{
    struct domain *d = domain_by_id(domid);
    r->len = 0;
    r->fd = r->fd2 = -1;
    r->hdr.magic = XLCTL_MAGIC;
    r->hdr.version = XLCTL_VERSION;
    r->hdr.op = XLCTL_OP_DOMAIN_WAIT;
    if (!d) {
        r->hdr.status = -ESRCH;
        r->hdr.len = 0;
        return 1;
    }
    struct xlctl_dominfo info;
    domain_info(d, &info);
    if (info.state != XLCTL_STATE_SHUTDOWN && info.state != XLCTL_STATE_DYING)
        return 0;
    out_put(r, &info, sizeof(info));
    r->hdr.status = 0;
    r->hdr.len = r->len;
    return 1;
}
