/*
 * fake_domain.h - shared helpers for the hypervisor unit suites: a struct
 * domain with real guest memory (a memfd, no KVM VM, no vCPUs) and guest
 * page tables built inside that memory, so a test can hand the code under
 * test guest-virtual addresses exactly as a guest would.
 *
 * Each suite is one .c file, so everything here is static inline. Include
 * after <cmocka.h>: the helpers assert with cmocka.
 *
 * Event channels (second half of the file): fake_evtchn_domain_new() adds
 * an event-channel table, vCPUs without KVM and a place in the domain
 * table, so two fake domains can bind to each other and to Dom0's
 * pseudo-domain; struct fake_guest adds page tables and a hypercall
 * context so a suite can make event-channel hypercalls as the guest does.
 *
 * Page tables: struct pt is a bump allocator of table pages inside guest
 * RAM plus a mapper for every paging mode guest_access.c walks:
 *   PT_LONG  4-level long mode: 4 KiB, 2 MiB and 1 GiB pages
 *   PT_PAE   3-level PAE:       4 KiB and 2 MiB pages
 *   PT_32    2-level 32-bit:    4 KiB and 4 MiB (PSE) pages
 * "depth" counts from the root table: depth 0 is the PML4 / PDPT / PD.
 */
#ifndef TESTS_UNIT_HYPERVISOR_FAKE_DOMAIN_H
#define TESTS_UNIT_HYPERVISOR_FAKE_DOMAIN_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../../hypervisor/domain.h"
#include "../../../hypervisor/evtchn.h"
#include "../../../hypervisor/guest_access.h"
#include "../../../hypervisor/guest_mem.h"
#include "../../../hypervisor/hypercall.h"
#include "../../../hypervisor/log.h"
#include "../../../hypervisor/vcpu.h"
#include "../../../hypervisor/vtime.h"
#include "xenolith/boot.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Paging-structure entry bits. */
#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)

#define CR0_PE   (1ull << 0)
#define CR0_WP   (1ull << 16)
#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* GPAs of the special pages (boot.h): xenstore ring and console ring. */
#define SPECIAL_GPA   (XL_SPECIAL_PFN_BASE << 12)
#define SPECIAL_BYTES (XL_SPECIAL_PAGES * 4096ull)

/* ---- guest memory ------------------------------------------------------ */

/* Host pointer to [gpa, gpa+len), which the test knows is guest memory. */
static inline uint8_t *gm_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
    uint8_t *p = guest_mem_gpa(m, gpa, len);
    assert_non_null(p);
    return p;
}

/* A byte pattern that differs per position and per seed, never 0. */
static inline uint8_t pattern_byte(uint64_t i, unsigned seed)
{
    return (uint8_t)((i * 131 + seed * 17 + (i >> 8) * 7) % 251 + 1);
}

static inline void fill_pattern(void *p, size_t len, unsigned seed)
{
    uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        b[i] = pattern_byte(i, seed);
}

static inline bool all_bytes(const void *p, size_t len, uint8_t v)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i] != v)
            return false;
    return true;
}

/* ---- page tables ------------------------------------------------------- */

enum pt_mode { PT_LONG, PT_PAE, PT_32 };

struct pt {
    const struct guest_mem *m;
    enum pt_mode mode;
    uint64_t root;        /* CR3 (PAE: the 32-byte aligned PDPT) */
    uint64_t next, end;   /* pool of table pages, GPAs */
};

/* In PAE mode CR3 is only 32-byte aligned; the PDPT is put 0x60 into its
 * page so every PAE test also checks that CR3's low bits are honoured. */
#define PT_PAE_PDPT_OFFSET 0x60u

static inline uint64_t pt_alloc(struct pt *pt)
{
    assert_true(pt->next + 4096 <= pt->end);
    uint64_t gpa = pt->next;
    pt->next += 4096;
    memset(gm_ptr(pt->m, gpa, 4096), 0, 4096);
    return gpa;
}

/* Tables come from [pool, pool_end) in guest memory (page aligned). */
static inline void pt_init(struct pt *pt, const struct guest_mem *m, enum pt_mode mode,
                           uint64_t pool, uint64_t pool_end)
{
    *pt = (struct pt){.m = m, .mode = mode, .next = pool, .end = pool_end};
    pt->root = pt_alloc(pt);
    if (mode == PT_PAE)
        pt->root += PT_PAE_PDPT_OFFSET;
}

static inline unsigned pt_levels(const struct pt *pt)
{
    return pt->mode == PT_LONG ? 4 : pt->mode == PT_PAE ? 3 : 2;
}

static inline unsigned pt_width(const struct pt *pt)
{
    return pt->mode == PT_32 ? 4 : 8;
}

/* log2 of the bytes one entry at `depth` covers. */
static inline unsigned pt_shift(const struct pt *pt, unsigned depth)
{
    switch (pt->mode) {
    case PT_LONG: return 39 - 9 * depth;
    case PT_PAE: return 30 - 9 * depth;
    default: return 22 - 10 * depth;
    }
}

static inline unsigned pt_index(const struct pt *pt, uint64_t gva, unsigned depth)
{
    uint64_t i = gva >> pt_shift(pt, depth);
    if (pt->mode == PT_32)
        return (unsigned)(i & 1023);
    if (pt->mode == PT_PAE && depth == 0)
        return (unsigned)(i & 3);
    return (unsigned)(i & 511);
}

static inline uint64_t pt_read(const struct pt *pt, uint64_t slot)
{
    uint8_t *p = gm_ptr(pt->m, slot, pt_width(pt));
    if (pt->mode == PT_32) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void pt_write(const struct pt *pt, uint64_t slot, uint64_t e)
{
    uint8_t *p = gm_ptr(pt->m, slot, pt_width(pt));
    if (pt->mode == PT_32) {
        uint32_t v = (uint32_t)e;
        memcpy(p, &v, 4);
    } else {
        memcpy(p, &e, 8);
    }
}

static inline uint64_t pt_table_of(const struct pt *pt, uint64_t e)
{
    return pt->mode == PT_32 ? (e & 0xfffff000ull) : (e & 0x000ffffffffff000ull);
}

/* GPA of the entry for gva at `depth`; the tables above must exist. */
static inline uint64_t pt_slot(const struct pt *pt, uint64_t gva, unsigned depth)
{
    uint64_t table = pt->root;
    for (unsigned d = 0; d < depth; d++) {
        uint64_t e = pt_read(pt, table + pt_index(pt, gva, d) * pt_width(pt));
        assert_true(e & PTE_P);
        assert_false(d > 0 && (e & PTE_PS));
        table = pt_table_of(pt, e);
    }
    return table + pt_index(pt, gva, depth) * pt_width(pt);
}

static inline uint64_t pt_get(const struct pt *pt, uint64_t gva, unsigned depth)
{
    return pt_read(pt, pt_slot(pt, gva, depth));
}

static inline void pt_set(const struct pt *pt, uint64_t gva, unsigned depth, uint64_t e)
{
    pt_write(pt, pt_slot(pt, gva, depth), e);
}

/*
 * Maps the page of `size` bytes (4 KiB, 2 MiB / 4 MiB, 1 GiB as the mode
 * allows) at gva to gpa. Missing tables are allocated present, writable
 * and user (PAE PDPTEs: present only, as the architecture demands).
 * `flags` are the leaf's bits besides P (and PS, added for large pages).
 */
static inline void pt_map(struct pt *pt, uint64_t gva, uint64_t gpa, uint64_t size, uint64_t flags)
{
    unsigned levels = pt_levels(pt);
    uint64_t table = pt->root;
    assert_int_equal(gva % size, 0);
    assert_int_equal(gpa % size, 0);
    for (unsigned depth = 0;; depth++) {
        assert_true(depth < levels);
        uint64_t slot = table + pt_index(pt, gva, depth) * pt_width(pt);
        if ((1ull << pt_shift(pt, depth)) == size) {
            uint64_t e = gpa | flags | PTE_P;
            if (depth != levels - 1)
                e |= PTE_PS;
            pt_write(pt, slot, e);
            return;
        }
        uint64_t e = pt_read(pt, slot);
        if (!(e & PTE_P)) {
            bool pdpte = pt->mode == PT_PAE && depth == 0;
            e = pt_alloc(pt) | PTE_P | (pdpte ? 0 : PTE_RW | PTE_US);
            pt_write(pt, slot, e);
        }
        assert_false(depth > 0 && (e & PTE_PS));
        table = pt_table_of(pt, e);
    }
}

/* The paging registers a vCPU running on these tables would have. */
static inline struct guest_paging pt_paging(const struct pt *pt, bool wp)
{
    struct guest_paging pg = {.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0), .cr3 = pt->root};
    switch (pt->mode) {
    case PT_LONG:
        pg.cr4 = CR4_PAE;
        pg.efer = EFER_LME | EFER_LMA;
        break;
    case PT_PAE:
        pg.cr4 = CR4_PAE;
        break;
    case PT_32:
        pg.cr4 = CR4_PSE;
        break;
    }
    return pg;
}

/* ---- a domain without KVM ---------------------------------------------- */

/*
 * A domain as domain_create() leaves it, minus the VM, the vCPUs and the
 * event channels (d->evtchn stays NULL): running, no shutdown code
 * latched, HVM params pointing at the special pages, shared_info in its
 * hypervisor page and placed nowhere yet. The console is a memfd (a file
 * like the real console log, but never fills up or blocks) unless console
 * is false (console_fd -1).
 */
static inline struct domain *fake_domain_new(uint64_t ram_bytes, uint32_t domid, bool console)
{
    struct domain *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    d->domid = domid;
    snprintf(d->name, sizeof(d->name), "fake%u", domid);
    d->vm_fd = -1;
    d->console_fd = console ? memfd_create("fake-console", MFD_CLOEXEC) : -1;
    if (console)
        assert_true(d->console_fd >= 0);
    assert_int_equal(pthread_mutex_init(&d->lock, NULL), 0);
    /* As domain_create(): timed waits on d->cond use CLOCK_MONOTONIC. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    assert_int_equal(pthread_cond_init(&d->cond, &ca), 0);
    pthread_condattr_destroy(&ca);
    d->state = XLCTL_STATE_RUNNING;
    d->ever_ran = true;
    d->shutdown_code = SHUTDOWN_CODE_NONE;
    d->hvm_params[HVM_PARAM_STORE_PFN] = XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE;
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE;
    assert_int_equal(guest_mem_create(&d->mem, ram_bytes, d->name), 0);
    d->shared = guest_mem_xen_page(&d->mem, GUEST_XEN_SHARED_INFO);
    physmap_init(&d->physmap);
    assert_int_equal(reservation_init(&d->resv, guest_mem_ram_pages(&d->mem)), 0);
    return d;
}

static inline void fake_domain_free(struct domain *d)
{
    if (!d)
        return;
    physmap_destroy(&d->physmap);
    reservation_destroy(&d->resv);
    guest_mem_destroy(&d->mem);
    if (d->console_fd >= 0)
        close(d->console_fd);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* Everything written to the console so far, NUL-terminated; *len bytes. */
static inline char *fake_console_read(const struct domain *d, size_t *len)
{
    off_t end = lseek(d->console_fd, 0, SEEK_END);
    assert_true(end >= 0);
    char *buf = malloc((size_t)end + 1);
    assert_non_null(buf);
    assert_int_equal(pread(d->console_fd, buf, (size_t)end, 0), end);
    buf[end] = '\0';
    *len = (size_t)end;
    return buf;
}

/* Occurrences of needle in the hypervisor's dmesg ring. */
static inline unsigned log_ring_count(const char *needle)
{
    static char ring[LOG_RING_SIZE + 1];
    log_ring_read(ring, sizeof(ring));
    unsigned n = 0;
    for (const char *p = ring; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ---- event-channel domains --------------------------------------------- */

/* Dom0's pseudo-domain (its event-channel table), made once per process as
 * the daemon does at start. */
static inline void fake_dom0_init(void)
{
    if (!domain_dom0())
        assert_int_equal(domain_system_init(), 0);
}

/*
 * A vCPU without KVM: fd -1 (vtime reads TSC offset 0 through it; other
 * ioctls fail and log), a zeroed kvm_run of its own (where the exit loop
 * would find synced registers), no thread (vcpu_kick() does nothing), no
 * timers until vtime_vcpu_init(), vcpu_info in its shared_info slot.
 * Online, as a running guest's.
 */
static inline struct vcpu *fake_vcpu_add(struct domain *d, unsigned id)
{
    assert_true(id < XLCTL_MAX_VCPUS && !d->vcpus[id]);
    struct vcpu *v = calloc(1, sizeof(*v));
    assert_non_null(v);
    v->dom = d;
    v->id = id;
    v->fd = -1;
    v->run = calloc(1, sizeof(*v->run));
    assert_non_null(v->run);
    v->timer_fd[0] = v->timer_fd[1] = -1;
    v->vcpu_info = &d->shared->vcpu_info[id];
    v->online = v->initialised = true;
    d->vcpus[id] = v;
    if (d->nr_vcpus <= id)
        d->nr_vcpus = id + 1;
    return v;
}

/* The callback vector fake_evtchn_domain_new() sets (HVM_PARAM_CALLBACK_IRQ
 * type 2). */
#define FAKE_CALLBACK_VECTOR 0xf3u

/*
 * A domain as a guest with event channels sees it: fake_domain_new() plus
 * nr_vcpus fake vCPUs, an event-channel table, HVM_PARAM_CALLBACK_IRQ set
 * to the vector type (so every upcall raised on vCPU 0 shows as
 * fake_upcall_taken(), as the interrupt the guest would take; vCPUs other
 * than 0 get no interrupt, only their vcpu_info bits) and, for domid != 0,
 * a place in the domain table so other domains and Dom0 find it. Free with
 * fake_evtchn_domain_free().
 */
static inline struct domain *fake_evtchn_domain_new(uint64_t ram_bytes, uint32_t domid,
                                                    unsigned nr_vcpus)
{
    struct domain *d = fake_domain_new(ram_bytes, domid, false);
    for (unsigned i = 0; i < nr_vcpus; i++)
        fake_vcpu_add(d, i);
    d->hvm_params[HVM_PARAM_CALLBACK_IRQ] =
        (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | FAKE_CALLBACK_VECTOR;
    assert_int_equal(evtchn_init(d), 0);
    domain_register_for_test(d);
    assert_ptr_equal(domain_by_id(domid), d);
    return d;
}

/* As domain_destroy(): ports close while the peers still exist (theirs
 * revert to unbound), then the domain leaves the table and is freed. */
static inline void fake_evtchn_domain_free(struct domain *d)
{
    if (!d)
        return;
    evtchn_reset(d);
    domain_unregister_for_test(d);
    /* As free_domain(): timers first, they raise VIRQs through d->evtchn. */
    for (unsigned i = 0; i < XLCTL_MAX_VCPUS; i++)
        if (d->vcpus[i])
            vtime_vcpu_destroy(d->vcpus[i]);
    evtchn_destroy(d);
    for (unsigned i = 0; i < XLCTL_MAX_VCPUS; i++) {
        if (d->vcpus[i]) {
            free(d->vcpus[i]->run);
            free(d->vcpus[i]);
            d->vcpus[i] = NULL;
        }
    }
    d->nr_vcpus = 0;
    fake_domain_free(d);
}

/* Whether an upcall was raised on v since the last call (vCPU 0 only). */
static inline bool fake_upcall_taken(struct vcpu *v)
{
    return __atomic_exchange_n(&v->callback_pending, false, __ATOMIC_ACQ_REL);
}

/* ---- a guest making hypercalls ----------------------------------------- */

/*
 * Guest layout (long mode, CR0.WP set):
 *   GPA 0x100000..0x140000  page-table pool
 *   FAKE_GUEST_ARG_VA       FAKE_GUEST_ARG_PAGES writable pages at GPA
 *                           FAKE_GUEST_ARG_GPA, contiguous
 *   FAKE_GUEST_NOMAP_VA     not mapped, right after them
 */
#define FAKE_GUEST_POOL      0x100000ull
#define FAKE_GUEST_POOL_END  0x140000ull
#define FAKE_GUEST_ARG_VA    0xffffc90000000000ull
#define FAKE_GUEST_ARG_GPA   0x200000ull
#define FAKE_GUEST_ARG_PAGES 4u
#define FAKE_GUEST_NOMAP_VA  (FAKE_GUEST_ARG_VA + FAKE_GUEST_ARG_PAGES * 4096ull)

struct fake_guest {
    struct domain *d;
    struct pt pt;
    struct hcall_ctx c;   /* vCPU 0 calling at CPL 0 */
};

static inline struct fake_guest *fake_guest_new(uint64_t ram_bytes, uint32_t domid,
                                                unsigned nr_vcpus)
{
    struct fake_guest *g = calloc(1, sizeof(*g));
    assert_non_null(g);
    g->d = fake_evtchn_domain_new(ram_bytes, domid, nr_vcpus);
    pt_init(&g->pt, &g->d->mem, PT_LONG, FAKE_GUEST_POOL, FAKE_GUEST_POOL_END);
    for (unsigned i = 0; i < FAKE_GUEST_ARG_PAGES; i++)
        pt_map(&g->pt, FAKE_GUEST_ARG_VA + i * 4096ull, FAKE_GUEST_ARG_GPA + i * 4096ull, 4096,
               PTE_RW);
    g->c = (struct hcall_ctx){.d = g->d, .v = g->d->vcpus[0], .vcpu_id = 0, .cpl = 0,
                              .pg = pt_paging(&g->pt, true)};
    return g;
}

static inline void fake_guest_free(struct fake_guest *g)
{
    if (!g)
        return;
    fake_evtchn_domain_free(g->d);
    free(g);
}

/* Host pointer to the argument area at byte off (guest VA ARG_VA + off). */
static inline void *fake_guest_arg(struct fake_guest *g, uint64_t off, uint64_t len)
{
    assert_true(off + len <= FAKE_GUEST_ARG_PAGES * 4096ull);
    return gm_ptr(&g->d->mem, FAKE_GUEST_ARG_GPA + off, len);
}

static inline long fake_guest_hcall(struct fake_guest *g, uint64_t nr, uint64_t a0, uint64_t a1,
                                    uint64_t a2)
{
    const uint64_t args[5] = {a0, a1, a2, 0xdead0003, 0xdead0004};
    return hypercall_dispatch(&g->c, nr, args);
}

/* hypercall nr(cmd, ARG_VA) with *arg (len bytes) placed at ARG_VA and
 * copied back afterwards, as a guest passes a struct on its stack. */
static inline long fake_guest_op(struct fake_guest *g, uint64_t nr, uint64_t cmd, void *arg,
                                 size_t len)
{
    memcpy(fake_guest_arg(g, 0, len), arg, len);
    long rc = fake_guest_hcall(g, nr, cmd, FAKE_GUEST_ARG_VA, 0);
    memcpy(arg, fake_guest_arg(g, 0, len), len);
    return rc;
}

#endif
