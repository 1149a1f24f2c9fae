/*
 * domain.c - the domain table and lifecycle: create (paused), boot, pause,
 * unpause, shutdown, destroy; plus each domain's console log.
 */
#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "evtchn.h"
#include "libxl/xs_domain.h"
#include "gnttab.h"
#include "gnttab_dom0.h"
#include "kvm.h"
#include "log.h"
#include "sched_cgroup.h"
#include "vcpu.h"
#include "vtime.h"
#include "xenolith/boot.h"

static struct domain *table[DOMAIN_MAX_DOMID + 1];
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct domain dom0;         /* the host: only its event channels */
static unsigned nr_domains;
static uint32_t next_domid = 1;
static char console_dir[512] = ".";
static int notify_fd = -1;

void domain_set_console_dir(const char *dir)
{
    snprintf(console_dir, sizeof(console_dir), "%s", dir);
}

void domain_set_notify_fd(int fd)
{
    notify_fd = fd;
}

static void notify_main_loop(void)
{
    if (notify_fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(notify_fd, &one, sizeof(one));
        (void)w; /* eventfd: can only fail when the counter saturates */
    }
}

int domain_system_init(void)
{
    dom0.domid = 0;
    snprintf(dom0.name, sizeof(dom0.name), "Domain-0");
    pthread_mutex_init(&dom0.lock, NULL);
    pthread_cond_init(&dom0.cond, NULL);
    return evtchn_init(&dom0);
}

void domains_read_lock(void)
{
    pthread_rwlock_rdlock(&table_lock);
}

void domains_read_unlock(void)
{
    pthread_rwlock_unlock(&table_lock);
}

struct domain *domain_dom0(void)
{
    return dom0.evtchn ? &dom0 : NULL;
}

struct domain *domain_evtchn_peer(uint32_t domid)
{
    return domid == 0 ? domain_dom0() : domain_by_id(domid);
}

void domain_wake_pollers(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

struct domain *domain_by_id(uint32_t domid)
{
    return domid <= DOMAIN_MAX_DOMID ? table[domid] : NULL;
}

void domain_register_for_test(struct domain *d)
{
    pthread_rwlock_wrlock(&table_lock);
    if (d->domid >= 1 && d->domid <= DOMAIN_MAX_DOMID && !table[d->domid]) {
        table[d->domid] = d;
        nr_domains++;
    }
    pthread_rwlock_unlock(&table_lock);
}

void domain_unregister_for_test(struct domain *d)
{
    pthread_rwlock_wrlock(&table_lock);
    if (d->domid <= DOMAIN_MAX_DOMID && table[d->domid] == d) {
        table[d->domid] = NULL;
        nr_domains--;
    }
    pthread_rwlock_unlock(&table_lock);
}

struct domain *domain_by_name(const char *name)
{
    for (uint32_t i = 1; i <= DOMAIN_MAX_DOMID; i++)
        if (table[i] && strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

unsigned domain_count(void)
{
    return nr_domains;
}

void domain_foreach(void (*fn)(struct domain *d, void *arg), void *arg)
{
    for (uint32_t i = 1; i <= DOMAIN_MAX_DOMID; i++)
        if (table[i])
            fn(table[i], arg);
}

static int alloc_domid(uint32_t *out)
{
    for (uint32_t tries = 0; tries < DOMAIN_MAX_DOMID; tries++) {
        uint32_t id = next_domid;
        next_domid = next_domid >= DOMAIN_MAX_DOMID ? 1 : next_domid + 1;
        if (!table[id]) {
            *out = id;
            return 0;
        }
    }
    return -ENOSPC;
}

static bool name_is_valid(const char *name)
{
    size_t n = strnlen(name, XLCTL_NAME_MAX);
    if (n == 0 || n >= XLCTL_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return strcmp(name, "Domain-0") != 0;
}

static void add_uncommitted(struct domain *d, void *arg)
{
    struct stat st;
    uint64_t *sum = arg;
    if (fstat(d->mem.fd, &st) == 0) {
        uint64_t resident = (uint64_t)st.st_blocks * 512;
        if (resident < d->mem.size)
            *sum += d->mem.size - resident;
    }
}

uint64_t domain_uncommitted_bytes(void)
{
    uint64_t sum = 0;
    domain_foreach(add_uncommitted, &sum);
    return sum;
}

static int check_host_memory(uint64_t bytes, char *why, size_t whylen)
{
    uint64_t avail = host_meminfo_kib("MemAvailable") * 1024;
    uint64_t pending = domain_uncommitted_bytes();
    uint64_t free_bytes = avail > pending ? avail - pending : 0;
    if (bytes > free_bytes) {
        snprintf(why, whylen, "%llu MiB requested, the host can give %llu MiB",
                 (unsigned long long)(bytes >> 20), (unsigned long long)(free_bytes >> 20));
        return -ENOMEM;
    }
    return 0;
}

static int open_console_log(struct domain *d)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/guest-%s.log", console_dir, d->name);
    d->console_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return d->console_fd < 0 ? -errno : 0;
}

static void free_domain(struct domain *d)
{
    /* Timers first: a timer firing now raises VIRQ_TIMER under the
     * timers' lock and takes the event-channel table's lock, which
     * evtchn_destroy frees (seen: the timer thread waiting forever on the
     * freed lock, and with it every later destroy). */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            vtime_vcpu_destroy(d->vcpus[i]);
    evtchn_destroy(d);
    if (d->gnttab)
        gnttab_dom0_domain_gone(d); /* Dom0's maps of it become orphans */
    gnttab_destroy(d);
    free(d->dom0_dirty);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            vcpu_free(d->vcpus[i]);
    physmap_destroy(&d->physmap);
    reservation_destroy(&d->resv);
    if (d->vm_fd >= 0)
        close(d->vm_fd);
    guest_mem_destroy(&d->mem);
    if (d->console_fd >= 0)
        close(d->console_fd);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static int build_vm(struct domain *d, unsigned nr_vcpus, char *why, size_t whylen)
{
    int rc = d->vm_fd = kvm_create_vm();
    if (rc < 0) {
        snprintf(why, whylen, "creating the KVM VM: %s", strerror(-rc));
        return rc;
    }
    rc = guest_mem_register(&d->mem, d->vm_fd);
    if (rc < 0) {
        snprintf(why, whylen, "registering guest memory with KVM: %s", strerror(-rc));
        return rc;
    }
    for (unsigned i = 0; i < nr_vcpus; i++) {
        rc = vcpu_create(d, i, &d->vcpus[i]);
        if (rc < 0) {
            snprintf(why, whylen, "creating vCPU %u: %s", i, strerror(-rc));
            return rc;
        }
        d->nr_vcpus = i + 1;
    }
    for (unsigned i = 0; i < nr_vcpus; i++) {
        rc = vcpu_start(d->vcpus[i]);
        if (rc < 0) {
            snprintf(why, whylen, "starting vCPU %u thread: %s", i, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static void stop_vcpus(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    d->state = XLCTL_STATE_DYING;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        d->vcpus[i]->stop = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        vcpu_kick(d->vcpus[i]);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        vcpu_join(d->vcpus[i]);
}

/*
 * As Xen's domain builder does: an unbound port in the guest for xenstored
 * and one for the console backend, both in Dom0, announced in HVM params
 * (and in start_info by our builder). Ports 1 and 2 of every domain.
 */
static int alloc_service_ports(struct domain *d)
{
    uint32_t store, console;
    int rc = evtchn_alloc_unbound(d, 0, &store);
    if (rc == 0)
        rc = evtchn_alloc_unbound(d, 0, &console);
    if (rc < 0)
        return rc;
    d->hvm_params[HVM_PARAM_STORE_EVTCHN] = store;
    d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = console;
    return 0;
}

static int validate_create(const struct xlctl_domain_create *req, char *why, size_t whylen)
{
    if (!name_is_valid(req->name)) {
        snprintf(why, whylen, "invalid domain name (use 1-63 of A-Z a-z 0-9 - _ .)");
        return -EINVAL;
    }
    if (domain_by_name(req->name)) {
        snprintf(why, whylen, "a domain named '%s' already exists", req->name);
        return -EEXIST;
    }
    if (req->vcpus == 0 || req->vcpus > XLCTL_MAX_VCPUS) {
        snprintf(why, whylen, "vcpus must be 1..%u", XLCTL_MAX_VCPUS);
        return -EINVAL;
    }
    if (req->memory_kib == 0 || req->memory_kib % 4 || req->memory_kib > (1ull << 30)) {
        snprintf(why, whylen, "memory must be a positive multiple of 4 KiB up to 1 TiB");
        return -EINVAL;
    }
    if (req->on_poweroff > XLCTL_ACTION_PRESERVE || req->on_reboot > XLCTL_ACTION_PRESERVE ||
        req->on_crash > XLCTL_ACTION_PRESERVE) {
        snprintf(why, whylen, "unknown on_poweroff/on_reboot/on_crash action");
        return -EINVAL;
    }
    if (req->max_grant_frames > XLCTL_GNTTAB_MAX_FRAMES) {
        snprintf(why, whylen, "max_grant_frames must be 1..%u", XLCTL_GNTTAB_MAX_FRAMES);
        return -EINVAL;
    }
    if (nr_domains >= DOMAIN_MAX_DOMAINS) {
        snprintf(why, whylen, "the hypervisor already holds %u domains", DOMAIN_MAX_DOMAINS);
        return -ENOSPC;
    }
    return check_host_memory(req->memory_kib * 1024, why, whylen);
}

int domain_create(const struct xlctl_domain_create *req, struct domain **out,
                  char *why, size_t whylen)
{
    int rc = validate_create(req, why, whylen);
    if (rc < 0)
        return rc;
    struct domain *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->vm_fd = -1;
    d->console_fd = -1;
    d->mem.fd = -1;
    pthread_mutex_init(&d->lock, NULL);
    /* Monotonic: SCHEDOP_poll timeouts are Xen system time (vtime.h). */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cond, &ca);
    pthread_condattr_destroy(&ca);
    memcpy(d->name, req->name, sizeof(d->name));
    d->name[sizeof(d->name) - 1] = '\0';
    memcpy(d->uuid, req->uuid, sizeof(d->uuid));
    d->on_poweroff = req->on_poweroff;
    d->on_reboot = req->on_reboot;
    d->on_crash = req->on_crash;
    d->state = XLCTL_STATE_PAUSED;
    d->shutdown_code = SHUTDOWN_CODE_NONE;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    d->create_time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    d->hvm_params[HVM_PARAM_STORE_PFN] = XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE;
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE;

    rc = alloc_domid(&d->domid);
    if (rc < 0) {
        snprintf(why, whylen, "no free domain id");
        free_domain(d);
        return rc;
    }
    char memname[32];
    snprintf(memname, sizeof(memname), "d%u-ram", d->domid);
    rc = guest_mem_create(&d->mem, req->memory_kib * 1024, memname);
    if (rc < 0) {
        snprintf(why, whylen, "allocating %llu KiB of guest memory: %s",
                 (unsigned long long)req->memory_kib, strerror(-rc));
        free_domain(d);
        return rc;
    }
    d->shared = guest_mem_xen_page(&d->mem, GUEST_XEN_SHARED_INFO);
    physmap_init(&d->physmap);
    rc = reservation_init(&d->resv, guest_mem_ram_pages(&d->mem));
    if (rc < 0) {
        snprintf(why, whylen, "allocating the reservation map: %s", strerror(-rc));
        free_domain(d);
        return rc;
    }
    rc = gnttab_init(d, req->max_grant_frames);
    if (rc < 0) {
        snprintf(why, whylen, "allocating the grant table: %s", strerror(-rc));
        free_domain(d);
        return rc;
    }
    rc = evtchn_init(d);
    if (rc < 0) {
        snprintf(why, whylen, "allocating event channels: %s", strerror(-rc));
        free_domain(d);
        return rc;
    }
    vtime_update_wallclock(d);
    rc = alloc_service_ports(d);
    if (rc < 0) {
        snprintf(why, whylen, "allocating the xenstore and console event channels: %s", strerror(-rc));
        free_domain(d);
        return rc;
    }
    rc = open_console_log(d);
    if (rc < 0) {
        snprintf(why, whylen, "opening console log in %s: %s", console_dir, strerror(-rc));
        free_domain(d);
        return rc;
    }
    rc = build_vm(d, req->vcpus, why, whylen);
    if (rc < 0) {
        stop_vcpus(d); /* some vCPU threads may have started */
        free_domain(d);
        return rc;
    }
    pthread_rwlock_wrlock(&table_lock);
    table[d->domid] = d;
    nr_domains++;
    pthread_rwlock_unlock(&table_lock);
    log_info("d%u: created '%s', %llu MiB, %u vCPU%s", d->domid, d->name,
             (unsigned long long)(req->memory_kib >> 10), req->vcpus, req->vcpus > 1 ? "s" : "");
    *out = d;
    return 0;
}

struct xs_release {
    uint32_t domid;
    uint8_t uuid[16];
};

static void *xs_release_main(void *arg)
{
    struct xs_release *r = arg;
    xs_domain_destroy(r->domid, r->uuid);
    free(r);
    return NULL;
}

/*
 * xenstored forgets the domain (@releaseDomain) and its nodes go, as
 * libxl's destroy does. On a thread of its own: xenstored answers RELEASE
 * only after closing the domain's event channel, which is a request to
 * this daemon, so the main thread must not wait for it. Quiet when
 * xenstored is not running.
 */
static void release_in_xenstore(uint32_t domid, const uint8_t *uuid)
{
    struct xs_release *r = malloc(sizeof(*r));
    pthread_t t;
    pthread_attr_t attr;
    if (!r)
        return;
    r->domid = domid;
    memcpy(r->uuid, uuid, sizeof(r->uuid));
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, xs_release_main, r) != 0)
        free(r);
    pthread_attr_destroy(&attr);
}

void domain_destroy(struct domain *d)
{
    stop_vcpus(d);
    sched_cgroup_domain_gone(d);
    /* Peers' ports revert to unbound while both domains still exist. */
    evtchn_reset(d);
    pthread_rwlock_wrlock(&table_lock);
    table[d->domid] = NULL;
    nr_domains--;
    pthread_rwlock_unlock(&table_lock);
    release_in_xenstore(d->domid, d->uuid);
    evtchn_raise_virq(domain_dom0(), 0, VIRQ_DOM_EXC);
    log_info("d%u: destroyed '%s'", d->domid, d->name);
    free_domain(d);
}

void domain_destroy_all(void)
{
    for (uint32_t i = 1; i <= DOMAIN_MAX_DOMID; i++)
        if (table[i])
            domain_destroy(table[i]);
    sched_cgroup_cleanup();
}

int domain_set_boot(struct domain *d, const struct xlctl_boot *boot)
{
    pthread_mutex_lock(&d->lock);
    bool ran = d->ever_ran;
    pthread_mutex_unlock(&d->lock);
    if (ran)
        return -EBUSY;
    if (boot->mode != XLCTL_BOOT_PV64 && boot->mode != XLCTL_BOOT_PVH32)
        return -EINVAL;
    /* The entry and start info must be guest RAM; the registers are the
     * builder's business, but a wild entry would only crash the guest. */
    if (!guest_mem_gpa(&d->mem, boot->start_info, 1))
        return -EINVAL;
    int rc = vcpu_set_boot(d->vcpus[0], boot);
    if (rc == 0) {
        pthread_mutex_lock(&d->lock);
        d->vcpus[0]->online = true;
        d->vcpus[0]->initialised = true;
        pthread_mutex_unlock(&d->lock);
    }
    return rc;
}

int domain_unpause(struct domain *d)
{
    int rc = 0;
    pthread_mutex_lock(&d->lock);
    if (d->state == XLCTL_STATE_SHUTDOWN || d->state == XLCTL_STATE_DYING)
        rc = -EINVAL;
    else if (!d->vcpus[0]->online)
        rc = -ENOEXEC; /* never booted: nothing to run */
    else {
        d->state = XLCTL_STATE_RUNNING;
        d->ever_ran = true;
        pthread_cond_broadcast(&d->cond);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static bool all_parked(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (!d->vcpus[i]->parked)
            return false;
    return true;
}

int domain_pause(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    if (d->state == XLCTL_STATE_SHUTDOWN || d->state == XLCTL_STATE_DYING) {
        pthread_mutex_unlock(&d->lock);
        return -EINVAL;
    }
    d->state = XLCTL_STATE_PAUSED;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        vcpu_kick(d->vcpus[i]);
    pthread_mutex_lock(&d->lock);
    while (!all_parked(d))
        pthread_cond_wait(&d->cond, &d->lock);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static const char *reason_name(uint32_t reason)
{
    static const char *names[] = {"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset"};
    return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown";
}

void domain_shutdown(struct domain *d, uint32_t reason)
{
    pthread_mutex_lock(&d->lock);
    if (d->state == XLCTL_STATE_SHUTDOWN || d->state == XLCTL_STATE_DYING) {
        pthread_mutex_unlock(&d->lock);
        return;
    }
    if (d->shutdown_code == SHUTDOWN_CODE_NONE)
        d->shutdown_code = reason;
    d->shutdown_reason = d->shutdown_code; /* the first latched code wins */
    d->state = XLCTL_STATE_SHUTDOWN;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        vcpu_kick(d->vcpus[i]);
    log_info("d%u: shutdown, reason %s", d->domid, reason_name(d->shutdown_reason));
    evtchn_raise_virq(domain_dom0(), 0, VIRQ_DOM_EXC); /* Dom0's services look */
    notify_main_loop();
}

uint8_t domain_shutdown_action(const struct domain *d)
{
    return xlctl_shutdown_action(d->shutdown_reason, d->on_poweroff, d->on_reboot, d->on_crash);
}

int domain_rename(struct domain *d, const char *name)
{
    if (!name_is_valid(name))
        return -EINVAL;
    struct domain *other = domain_by_name(name);
    if (other == d)
        return 0;
    if (other)
        return -EEXIST;
    char from[700], to[700];
    snprintf(from, sizeof(from), "%s/guest-%s.log", console_dir, d->name);
    snprintf(to, sizeof(to), "%s/guest-%s.log", console_dir, name);
    /* The open fd keeps writing to the renamed file; a log already there
     * under the new name (an old domain's) is replaced, as a new domain of
     * that name would truncate nothing but append to it. */
    if (rename(from, to) < 0 && errno != ENOENT)
        log_warn("d%u: console log %s not renamed", d->domid, from);
    pthread_mutex_lock(&d->lock);
    log_info("d%u: renamed '%s' to '%s'", d->domid, d->name, name);
    snprintf(d->name, sizeof(d->name), "%s", name);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

void domain_vcpu_info(struct domain *d, struct xlctl_vcpuinfo *out)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        struct xlctl_vcpuinfo *o = &out[i];
        memset(o, 0, sizeof(*o));
        o->vcpu = i;
        o->tid = vcpu_tid(v);
        bool runnable;
        vcpu_host_state(v, &o->cpu, &runnable);
        cpu_set_t set;
        CPU_ZERO(&set);
        if (v->thread_started && pthread_getaffinity_np(v->thread, sizeof(set), &set) == 0) {
            for (unsigned c = 0; c < XLCTL_CPUMAP_WORDS * 64 && c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &set))
                    o->affinity[c / 64] |= 1ull << (c % 64);
        }
        pthread_mutex_lock(&d->lock);
        o->online = v->online;
        o->cpu_time_ns = vcpu_cpu_time_ns(v);
        bool parked = v->parked;
        bool blocked = v->blocked;
        pthread_mutex_unlock(&d->lock);
        /* Xen's r and b: on a CPU now, or waiting for an event. A vCPU
         * idling in hlt sleeps inside KVM_RUN: the thread is not runnable. */
        o->running = o->online && !parked && runnable && !blocked;
        o->blocked = o->online && !o->running;
    }
}

int domain_set_affinity(struct domain *d, uint32_t vcpu, const uint64_t *cpumap)
{
    if (vcpu != XLCTL_VCPU_ALL && vcpu >= d->nr_vcpus)
        return -ENOENT;
    cpu_set_t set;
    CPU_ZERO(&set);
    unsigned n = 0;
    for (unsigned c = 0; c < XLCTL_CPUMAP_WORDS * 64 && c < CPU_SETSIZE; c++) {
        if (cpumap[c / 64] >> (c % 64) & 1) {
            CPU_SET(c, &set);
            n++;
        }
    }
    if (n == 0)
        return -EINVAL;
    unsigned first = vcpu == XLCTL_VCPU_ALL ? 0 : vcpu;
    unsigned last = vcpu == XLCTL_VCPU_ALL ? d->nr_vcpus : vcpu + 1;
    /* Check the map on the first thread before touching any: the kernel
     * refuses a set with no CPU this process may use (EINVAL). */
    cpu_set_t old;
    struct vcpu *v0 = d->vcpus[first];
    if (!v0->thread_started || pthread_getaffinity_np(v0->thread, sizeof(old), &old) != 0)
        return -ESRCH;
    int rc = pthread_setaffinity_np(v0->thread, sizeof(set), &set);
    if (rc != 0)
        return -rc;
    for (unsigned i = first + 1; i < last; i++) {
        if (!d->vcpus[i]->thread_started)
            continue;
        rc = pthread_setaffinity_np(d->vcpus[i]->thread, sizeof(set), &set);
        if (rc != 0) {
            log_warn("d%u vcpu%u: affinity not set", d->domid, i);
            return -rc;
        }
    }
    if (vcpu == XLCTL_VCPU_ALL)
        log_info("d%u: every vCPU pinned to %u host CPU%s", d->domid, n, n > 1 ? "s" : "");
    else
        log_info("d%u: vCPU %u pinned to %u host CPU%s", d->domid, vcpu, n, n > 1 ? "s" : "");
    return 0;
}

void domain_info(struct domain *d, struct xlctl_dominfo *info)
{
    memset(info, 0, sizeof(*info));
    info->domid = d->domid;
    memcpy(info->name, d->name, sizeof(info->name));
    memcpy(info->uuid, d->uuid, sizeof(info->uuid));
    info->vcpus = d->nr_vcpus;
    info->built_memory_kib = guest_mem_ram_pages(&d->mem) * 4;
    info->memory_kib = d->resv.absent ? reservation_current(&d->resv) * 4 : info->built_memory_kib;
    info->max_memory_kib = d->resv.absent ? reservation_max(&d->resv) * 4 : info->built_memory_kib;
    info->create_time_ns = d->create_time_ns;
    info->on_poweroff = d->on_poweroff;
    info->on_reboot = d->on_reboot;
    info->on_crash = d->on_crash;
    /* Xen's b: a vCPU waiting for an event. Ours idle in hlt inside
     * KVM_RUN or in SCHEDOP_block: either way the thread sleeps. */
    bool sleeping[XLCTL_MAX_VCPUS];
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        int cpu;
        bool runnable;
        vcpu_host_state(d->vcpus[i], &cpu, &runnable);
        sleeping[i] = !runnable;
    }
    pthread_mutex_lock(&d->lock);
    info->state = d->state;
    info->shutdown_reason = d->shutdown_reason;
    info->shutdown_code = d->shutdown_code;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        info->cpu_time_ns += vcpu_cpu_time_ns(v);
        if (v->online) {
            info->vcpus_online++;
            info->vcpus_blocked += v->blocked || (sleeping[i] && !v->parked);
        }
    }
    pthread_mutex_unlock(&d->lock);
}

/* Xen filters a domU's console bytes to printable ASCII and line breaks. */
static char console_filter(char ch)
{
    if (ch == '\n' || ch == '\t' || (ch >= 32 && ch < 127))
        return ch;
    return '?';
}

static void console_log_line(struct domain *d)
{
    d->console_line[d->console_len] = '\0';
    log_info("d%u: %s", d->domid, d->console_line);
    d->console_len = 0;
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
    char out[256];
    pthread_mutex_lock(&d->lock);
    while (len) {
        size_t n = len < sizeof(out) ? len : sizeof(out);
        for (size_t i = 0; i < n; i++) {
            char ch = console_filter(buf[i]);
            out[i] = ch;
            if (ch == '\n' || d->console_len == sizeof(d->console_line) - 1)
                console_log_line(d);
            if (ch != '\n')
                d->console_line[d->console_len++] = ch;
        }
        if (d->console_fd >= 0) {
            ssize_t w = write(d->console_fd, out, n);
            (void)w; /* a full disk loses console text, never the guest */
        }
        buf += n;
        len -= n;
    }
    pthread_mutex_unlock(&d->lock);
}
