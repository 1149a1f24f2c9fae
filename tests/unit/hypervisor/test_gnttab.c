/*
 * test_gnttab.c - grant tables v1 as a guest and Dom0 see them:
 *
 *   1. The flag discipline (gnttab_pin / gnttab_unpin) against a naive
 *      model that keeps every use in a list and derives Xen's rules from
 *      it, driven by random sequences of guest writes, pins and unpins,
 *      with a well-behaved guest and with one that rewrites its entries
 *      at any time. A deliberately broken unpin (GNTTAB_FAULT_KEEP_WRITING)
 *      must make the same check fail: the model can see a fault.
 *   2. The compare-and-swap against a racing guest: five tries, then
 *      general_error, and a domid changed between check and swap is seen.
 *   3. The hypercalls (grant_table_op, add_to_physmap of grant frames)
 *      made from guest-virtual arguments.
 *   4. Dom0's maps and copies (gnttab_dom0.h): handles, owners, offsets,
 *      the memory fd, disconnects, and a domain destroyed while mapped.
 *
 * Guest layout (16 MiB, domid 5; a peer domid 6 for cross-domain cases):
 *   GPA 0x100000..  page-table pool
 *   ARG_VA          4 writable pages at GPA 0x200000 (hypercall arguments)
 *   PAGE_A, PAGE_B  two RAM pages the tests grant and copy (0x300000, +4K)
 *   FRAME_GFN       a RAM page the tests place grant frame 1 over
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_domain.h"
#include "../../../hypervisor/gnttab.h"
#include "../../../hypervisor/gnttab_dom0.h"
#include "../../../hypervisor/hypercall.h"
#include "../../../hypervisor/physmap.h"

#define DOMID     5u
#define PEER      6u
#define RAM       (16 * MiB)
#define POOL      0x100000ull
#define POOL_END  0x140000ull
#define ARG_VA    0xffffc90000000000ull
#define ARG_GPA   0x200000ull
#define PAGE_A    0x300000ull
#define PAGE_B    0x301000ull
#define FRAME_GFN 0x400ull
#define NO_DOMAIN 4000u

struct env {
    struct domain *d, *peer;
    struct pt pt;
    struct hcall_ctx c;
};

static struct domain *grant_domain(uint32_t domid, unsigned max_frames)
{
    struct domain *d = fake_domain_new(RAM, domid, false);
    assert_int_equal(gnttab_init(d, max_frames), 0);
    domain_register_for_test(d);
    return d;
}

static void grant_domain_free(struct domain *d)
{
    domain_unregister_for_test(d);
    if (d->gnttab)
        gnttab_dom0_domain_gone(d); /* as free_domain() */
    gnttab_destroy(d);
    fake_domain_free(d);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->d = grant_domain(DOMID, 0);
    e->peer = grant_domain(PEER, 0);
    pt_init(&e->pt, &e->d->mem, PT_LONG, POOL, POOL_END);
    for (unsigned i = 0; i < 4; i++)
        pt_map(&e->pt, ARG_VA + i * 4096ull, ARG_GPA + i * 4096ull, 4096, PTE_RW);
    e->c = (struct hcall_ctx){.d = e->d, .vcpu_id = 0, .cpl = 0, .pg = pt_paging(&e->pt, true)};
    gnttab_test_before_cas = NULL;
    gnttab_test_faults = 0;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    grant_domain_free(e->d);
    grant_domain_free(e->peer);
    free(e);
    gnttab_test_before_cas = NULL;
    gnttab_test_faults = 0;
    return 0;
}

static grant_entry_v1_t *entry(struct domain *d, grant_ref_t ref)
{
    return &d->gnttab->frame[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static void grant(struct domain *d, grant_ref_t ref, uint16_t flags, uint16_t domid, uint32_t frame)
{
    grant_entry_v1_t *g = entry(d, ref);
    g->domid = domid;
    g->frame = frame;
    g->flags = flags;
}

/* ---- 1. the naive model ------------------------------------------------ */

#define MODEL_REFS 6u
static const grant_ref_t model_ref[MODEL_REFS] = {8, 9, 10, 511, 512, 100000};
#define MAX_USES 400u

struct use {
    grant_ref_t ref;
    uint16_t user;
    bool ro;
};

/* What the guest wrote, what Xen added, and every live use, as a list. */
struct model {
    grant_entry_v1_t e[MODEL_REFS];
    uint64_t gfn[MODEL_REFS];      /* frame at the first pin */
    struct use use[MAX_USES];
    unsigned n;
};

static unsigned entries(const struct domain *d)
{
    return d->gnttab->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

/* Xen's map_grant_ref / acquire_grant_for_copy rules, from the list. */
static int16_t model_pin(struct model *m, const struct domain *d, unsigned i, uint16_t user,
                         bool ro, bool map)
{
    grant_ref_t ref = model_ref[i];
    if (ref >= entries(d))
        return GNTST_bad_gntref;
    unsigned all = 0, rd = 0, wr = 0;
    bool other = false;
    for (unsigned k = 0; k < m->n; k++) {
        if (m->use[k].ref != ref)
            continue;
        all++;
        if (m->use[k].ro)
            rd++;
        else
            wr++;
        other = other || m->use[k].user != user;
    }
    if (all && (other || rd >= GNTTAB_PIN_MAX || wr >= GNTTAB_PIN_MAX))
        return GNTST_general_error;
    if (!all || (!ro && !wr)) {
        uint16_t f = m->e[i].flags;
        uint16_t type = f & (GTF_type_mask | (map ? GTF_sub_page : 0));
        if (!all && (type != GTF_permit_access || m->e[i].domid != user))
            return GNTST_general_error;
        if (!ro && (f & GTF_readonly))
            return GNTST_general_error;
        m->e[i].flags = f | GTF_reading | (ro ? 0 : GTF_writing);
        if (!all)
            m->gfn[i] = m->e[i].frame;
    }
    assert_true(m->n < MAX_USES);
    m->use[m->n++] = (struct use){ref, user, ro};
    return GNTST_okay;
}

static void model_unpin(struct model *m, unsigned k, unsigned i)
{
    struct use u = m->use[k];
    m->use[k] = m->use[--m->n];
    bool any = false, any_rw = false;
    for (unsigned j = 0; j < m->n; j++) {
        if (m->use[j].ref == u.ref) {
            any = true;
            any_rw = any_rw || !m->use[j].ro;
        }
    }
    if (!u.ro && !any_rw)
        m->e[i].flags &= (uint16_t)~GTF_writing;
    if (!any)
        m->e[i].flags &= (uint16_t)~GTF_reading;
}

static unsigned index_of(grant_ref_t ref)
{
    for (unsigned i = 0; i < MODEL_REFS; i++)
        if (model_ref[i] == ref)
            return i;
    fail();
    return 0;
}

static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rnd_state >> 33) % n;
}

static const uint16_t guest_flags[] = {
    0, GTF_permit_access, GTF_permit_access | GTF_readonly, GTF_permit_access | GTF_sub_page,
    GTF_accept_transfer, GTF_transitive, GTF_permit_access | GTF_PWT,
    GTF_permit_access | GTF_reading | GTF_writing, /* a guest writing Xen's bits */
};
static const uint16_t domids[] = {0, DOMID, 7};

/*
 * Runs `steps` random operations on d's table and on the model; returns
 * how many results or entries differed (0: they agree). A well-behaved
 * guest writes an entry only while nobody uses it, and then also keeps
 * the invariant: GTF_reading iff used, GTF_writing iff used writably.
 */
static struct {
    unsigned ok, refused, max_uses; /* what the runs exercised */
} seen;

static unsigned run_model(struct domain *d, uint64_t seed, unsigned steps, bool well_behaved)
{
    static struct model m;
    memset(&m, 0, sizeof(m));
    for (unsigned i = 0; i < MODEL_REFS; i++)
        if (model_ref[i] < entries(d))
            grant(d, model_ref[i], 0, 0, 0);
    rnd_state = seed;
    unsigned bad = 0;
    for (unsigned s = 0; s < steps; s++) {
        unsigned i = rnd(MODEL_REFS);
        grant_ref_t ref = model_ref[i];
        bool used = false;
        for (unsigned k = 0; k < m.n; k++)
            used = used || m.use[k].ref == ref;
        switch (rnd(4)) {
        case 0: /* the guest writes the entry */
            if (ref >= entries(d) || (well_behaved && used))
                break;
            m.e[i] = (grant_entry_v1_t){guest_flags[rnd(8)], domids[rnd(3)], rnd(1u << 20)};
            if (well_behaved)
                m.e[i].flags &= (uint16_t)~(GTF_reading | GTF_writing);
            grant(d, ref, m.e[i].flags, m.e[i].domid, m.e[i].frame);
            break;
        case 1:
        case 2: { /* a pin */
            uint16_t user = domids[rnd(2)];
            bool ro = rnd(2), map = rnd(2);
            uint64_t gfn = 0;
            int16_t want = model_pin(&m, d, i, user, ro, map);
            int16_t got = gnttab_pin(d->gnttab, ref, user, ro, map, &gfn);
            if (got == GNTST_okay)
                seen.ok++;
            else
                seen.refused++;
            if (m.n > seen.max_uses)
                seen.max_uses = m.n;
            if (got != want || (got == GNTST_okay && gfn != m.gfn[i])) {
                if (!bad)
                    print_message("step %u: pin ref %u user %u ro %d: got %d gfn %#lx, "
                                  "model %d gfn %#lx\n", s, ref, user, ro, got,
                                  (unsigned long)gfn, want, (unsigned long)m.gfn[i]);
                bad++;
                if (got == GNTST_okay && want != GNTST_okay)
                    gnttab_unpin(d->gnttab, ref, ro); /* keep the two in step */
                if (got != GNTST_okay && want == GNTST_okay)
                    m.n--;
            }
            break;
        }
        case 3: /* an unpin of a live use */
            if (m.n) {
                unsigned k = rnd(m.n);
                struct use u = m.use[k];
                gnttab_unpin(d->gnttab, u.ref, u.ro);
                model_unpin(&m, k, index_of(u.ref));
            }
            break;
        }
        for (unsigned j = 0; j < MODEL_REFS; j++) {
            if (model_ref[j] >= entries(d))
                continue;
            grant_entry_v1_t got = *entry(d, model_ref[j]);
            if (memcmp(&got, &m.e[j], sizeof(got)) != 0) {
                if (!bad)
                    print_message("step %u: ref %u is {%#x, %u, %#x}, model {%#x, %u, %#x}\n", s,
                                  model_ref[j], got.flags, got.domid, got.frame, m.e[j].flags,
                                  m.e[j].domid, m.e[j].frame);
                bad++;
                m.e[j] = got; /* report each divergence once */
            }
            if (!well_behaved)
                continue;
            unsigned all = 0, rw = 0;
            for (unsigned k = 0; k < m.n; k++) {
                all += m.use[k].ref == model_ref[j];
                rw += m.use[k].ref == model_ref[j] && !m.use[k].ro;
            }
            if (!!(got.flags & GTF_reading) != (all > 0) || !!(got.flags & GTF_writing) != (rw > 0))
                bad++;
        }
    }
    while (m.n) { /* leave the table unpinned */
        gnttab_unpin(d->gnttab, m.use[m.n - 1].ref, m.use[m.n - 1].ro);
        m.n--;
    }
    return bad;
}

static void model_agrees_with_a_well_behaved_guest(void **state)
{
    struct env *e = *state;
    memset(&seen, 0, sizeof(seen));
    for (uint64_t seed = 1; seed <= 8; seed++)
        assert_int_equal(run_model(e->d, seed, 20000, true), 0);
    /* Not vacuous: many pins each way, many uses at once. */
    print_message("%u pins taken, %u refused, up to %u uses at once\n", seen.ok, seen.refused,
                  seen.max_uses);
    assert_true(seen.ok > 5000 && seen.refused > 5000 && seen.max_uses >= 8);
}

static void model_agrees_with_a_guest_rewriting_entries_anytime(void **state)
{
    struct env *e = *state;
    memset(&seen, 0, sizeof(seen));
    for (uint64_t seed = 100; seed <= 108; seed++)
        assert_int_equal(run_model(e->d, seed, 20000, false), 0);
    print_message("%u pins taken, %u refused, up to %u uses at once\n", seen.ok, seen.refused,
                  seen.max_uses);
    assert_true(seen.ok > 5000 && seen.refused > 5000 && seen.max_uses >= 8);
}

/* The check is worth something only if it can fail: break unpin on
 * purpose and the very same runs must disagree with the model. */
static void model_check_catches_an_unpin_that_keeps_gtf_writing(void **state)
{
    struct env *e = *state;
    print_message("a deliberately broken unpin, which the model must catch:\n");
    gnttab_test_faults = GNTTAB_FAULT_KEEP_WRITING;
    unsigned bad = run_model(e->d, 1, 20000, true) + run_model(e->d, 100, 20000, false);
    gnttab_test_faults = 0;
    assert_true(bad > 0);
}

static void pin_counts_stop_at_128_uses_of_a_kind(void **state)
{
    struct env *e = *state;
    uint64_t gfn;
    grant(e->d, 8, GTF_permit_access, 0, 0x300);
    for (unsigned i = 0; i < GNTTAB_PIN_MAX; i++)
        assert_int_equal(gnttab_pin(e->d->gnttab, 8, 0, true, true, &gfn), GNTST_okay);
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 0, true, true, &gfn), GNTST_general_error);
    /* Any full count blocks every kind, as Xen's 0x80808080 check. */
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 0, false, true, &gfn), GNTST_general_error);
    for (unsigned i = 0; i < GNTTAB_PIN_MAX; i++)
        gnttab_unpin(e->d->gnttab, 8, true);
    assert_int_equal(entry(e->d, 8)->flags, GTF_permit_access);
}

static void another_domain_cannot_share_a_pinned_entry(void **state)
{
    struct env *e = *state;
    uint64_t gfn;
    grant(e->d, 8, GTF_permit_access, 0, 0x300);
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 0, true, true, &gfn), GNTST_okay);
    /* The guest regrants it to domain 7 while Dom0 still holds it. */
    grant(e->d, 8, GTF_permit_access | GTF_reading, 7, 0x555);
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 7, true, true, &gfn), GNTST_general_error);
    /* Dom0's further uses trust its pin, and its frame, not the entry. */
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 0, true, true, &gfn), GNTST_okay);
    assert_int_equal(gfn, 0x300);
    gnttab_unpin(e->d->gnttab, 8, true);
    gnttab_unpin(e->d->gnttab, 8, true);
    assert_int_equal(entry(e->d, 8)->flags, GTF_permit_access);
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 7, true, true, &gfn), GNTST_okay);
    assert_int_equal(gfn, 0x555);
    gnttab_unpin(e->d->gnttab, 8, true);
}

/* A restored table: entries flagged in use by the old domain's mappings
 * (as the image carries them) come back unflagged and grantable again. */
static void a_restored_table_forgets_the_old_domains_uses(void **state)
{
    struct env *e = *state;
    uint64_t gfn;
    grant(e->d, 8, GTF_permit_access, 0, 0x300);
    grant(e->d, 9, GTF_permit_access | GTF_readonly, 0, 0x301);
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 0, false, true, &gfn), GNTST_okay);
    assert_int_equal(gnttab_pin(e->d->gnttab, 9, 0, true, true, &gfn), GNTST_okay);
    assert_int_equal(entry(e->d, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    gnttab_forget_uses(e->d->gnttab);
    assert_int_equal(entry(e->d, 8)->flags, GTF_permit_access);
    assert_int_equal(entry(e->d, 9)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(entry(e->d, 8)->frame, 0x300);
    /* No use is left: another domain may take the entry, as a new backend would. */
    grant(e->d, 8, GTF_permit_access, 7, 0x302);
    assert_int_equal(gnttab_pin(e->d->gnttab, 8, 7, false, true, &gfn), GNTST_okay);
    assert_int_equal(gfn, 0x302);
    gnttab_unpin(e->d->gnttab, 8, false);
    assert_int_equal(entry(e->d, 8)->flags, GTF_permit_access);
}

/* ---- 2. a racing guest ------------------------------------------------- */

static unsigned hook_calls, hook_races;
static uint16_t hook_domid;

static void racing_guest(grant_entry_v1_t *g)
{
    hook_calls++;
    if (hook_races) {
        hook_races--;
        __atomic_fetch_xor(&g->flags, (uint16_t)GTF_PWT, __ATOMIC_SEQ_CST);
    }
    if (hook_domid)
        __atomic_store_n(&g->domid, hook_domid, __ATOMIC_SEQ_CST);
}

static void an_entry_that_keeps_changing_fails_after_five_tries(void **state)
{
    struct env *e = *state;
    uint64_t gfn;
    grant(e->d, 9, GTF_permit_access, 0, 0x300);
    gnttab_test_before_cas = racing_guest;
    hook_calls = 0, hook_races = 1000, hook_domid = 0;
    assert_int_equal(gnttab_pin(e->d->gnttab, 9, 0, false, true, &gfn), GNTST_general_error);
    assert_int_equal(hook_calls, 5);
    assert_int_equal(entry(e->d, 9)->flags & (GTF_reading | GTF_writing), 0);
    /* Four races, and the fifth try succeeds. */
    hook_calls = 0, hook_races = 4;
    assert_int_equal(gnttab_pin(e->d->gnttab, 9, 0, false, true, &gfn), GNTST_okay);
    assert_int_equal(hook_calls, 5);
    assert_int_equal(entry(e->d, 9)->flags & (GTF_reading | GTF_writing),
                     GTF_reading | GTF_writing);
    gnttab_test_before_cas = NULL;
    gnttab_unpin(e->d->gnttab, 9, false);
}

static void a_domid_changed_between_check_and_swap_is_seen(void **state)
{
    struct env *e = *state;
    uint64_t gfn;
    grant(e->d, 10, GTF_permit_access, 0, 0x300);
    gnttab_test_before_cas = racing_guest;
    hook_calls = 0, hook_races = 0, hook_domid = 7; /* regranted to d7 mid-way */
    assert_int_equal(gnttab_pin(e->d->gnttab, 10, 0, true, true, &gfn), GNTST_general_error);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(entry(e->d, 10)->flags, GTF_permit_access);
    gnttab_test_before_cas = NULL;
    hook_domid = 0;
}

/* ---- 3. hypercalls ----------------------------------------------------- */

/* grant_table_op(cmd, ARG_VA, count) with *arg placed at ARG_VA and read
 * back afterwards. */
static long gop(struct env *e, uint32_t cmd, void *arg, size_t len, uint32_t count)
{
    memcpy(gm_ptr(&e->d->mem, ARG_GPA, len), arg, len);
    const uint64_t args[5] = {cmd, ARG_VA, count, 0, 0};
    long rc = hypercall_dispatch(&e->c, __HYPERVISOR_grant_table_op, args);
    memcpy(arg, gm_ptr(&e->d->mem, ARG_GPA, len), len);
    return rc;
}

static long place(struct env *e, uint64_t idx, uint64_t gfn)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                   .idx = idx, .gpfn = gfn};
    memcpy(gm_ptr(&e->d->mem, ARG_GPA, sizeof(x)), &x, sizeof(x));
    const uint64_t args[5] = {XENMEM_add_to_physmap, ARG_VA, 0, 0, 0};
    return hypercall_dispatch(&e->c, __HYPERVISOR_memory_op, args);
}

static void setup_and_query_follow_xen(void **state)
{
    struct env *e = *state;
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    assert_int_equal(gop(e, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    assert_int_equal(q.status, GNTST_okay);
    assert_int_equal(q.nr_frames, 1);
    assert_int_equal(q.max_nr_frames, 64);
    q = (struct gnttab_query_size){.dom = PEER};
    assert_int_equal(gop(e, GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    assert_int_equal(q.status, GNTST_permission_denied);
    q = (struct gnttab_query_size){.dom = NO_DOMAIN};
    gop(e, GNTTABOP_query_size, &q, sizeof(q), 1);
    assert_int_equal(q.status, GNTST_bad_domain);
    q = (struct gnttab_query_size){.dom = 0}; /* Dom0 exists, and is not us */
    gop(e, GNTTABOP_query_size, &q, sizeof(q), 1);
    assert_int_equal(q.status, GNTST_permission_denied);

    /* Frame 1 over a RAM page; frame 2 never placed. */
    assert_int_equal(place(e, 1, FRAME_GFN), 0);
    assert_int_equal(physmap_gfn(&e->d->physmap, GUEST_XEN_GRANT_FIRST + 1), FRAME_GFN);
    struct gnttab_setup_table s = {.dom = DOMID_SELF, .nr_frames = 3};
    set_xen_guest_handle(s.frame_list, (xen_pfn_t *)(uintptr_t)(ARG_VA + 2048));
    assert_int_equal(gop(e, GNTTABOP_setup_table, &s, sizeof(s), 1), 0);
    assert_int_equal(s.status, GNTST_okay);
    xen_pfn_t list[3];
    memcpy(list, gm_ptr(&e->d->mem, ARG_GPA + 2048, sizeof(list)), sizeof(list));
    assert_int_equal(list[0], ~(xen_pfn_t)0);
    assert_int_equal(list[1], FRAME_GFN);
    assert_int_equal(list[2], ~(xen_pfn_t)0);
    assert_int_equal(e->d->gnttab->nr_frames, 3);
    /* Entries written in frame 1 are the guest's page at FRAME_GFN. */
    grant(e->d, 512 + 3, GTF_permit_access, 0, 0x77);
    grant_entry_v1_t seen;
    memcpy(&seen, gm_ptr(&e->d->mem, (FRAME_GFN << 12) + 3 * 8, 8), 8);
    assert_int_equal(seen.frame, 0x77);

    s.nr_frames = 65;
    gop(e, GNTTABOP_setup_table, &s, sizeof(s), 1);
    assert_int_equal(s.status, GNTST_general_error);
    assert_int_equal(gop(e, GNTTABOP_setup_table, &s, sizeof(s), 2), -EINVAL);
    s = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 1};
    set_xen_guest_handle(s.frame_list, (xen_pfn_t *)(uintptr_t)(ARG_VA + 4 * 4096));
    gop(e, GNTTABOP_setup_table, &s, sizeof(s), 1);
    assert_int_equal(s.status, GNTST_bad_virt_addr);
    const uint64_t nomap[5] = {GNTTABOP_setup_table, ARG_VA + 4 * 4096, 1, 0, 0};
    assert_int_equal(hypercall_dispatch(&e->c, __HYPERVISOR_grant_table_op, nomap), -EFAULT);

    assert_int_equal(place(e, 64, FRAME_GFN + 1), -EINVAL);
    assert_int_equal(place(e, XENMAPIDX_grant_table_status | 0, FRAME_GFN + 1), -EINVAL);
    assert_int_equal(e->d->gnttab->nr_frames, 3);
}

static void a_smaller_limit_holds(void **state)
{
    (void)state;
    struct domain *d = fake_domain_new(RAM, 9, false);
    assert_int_equal(gnttab_init(d, 65), -EINVAL);
    assert_int_equal(gnttab_init(d, 2), 0);
    assert_int_equal(gnttab_grow(d->gnttab, 2), 0);
    assert_int_equal(gnttab_grow(d->gnttab, 3), -EINVAL);
    unsigned nr, max;
    gnttab_size(d->gnttab, &nr, &max);
    assert_int_equal(nr, 2);
    assert_int_equal(max, 2);
    gnttab_destroy(d);
    fake_domain_free(d);
}

static void reserved_refs_are_seeded_for_dom0(void **state)
{
    struct env *e = *state;
    grant_entry_v1_t c = *entry(e->d, GNTTAB_RESERVED_CONSOLE);
    grant_entry_v1_t x = *entry(e->d, GNTTAB_RESERVED_XENSTORE);
    assert_int_equal(c.flags, GTF_permit_access);
    assert_int_equal(c.domid, 0);
    assert_int_equal(c.frame, XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE);
    assert_int_equal(x.frame, XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE);
    assert_int_equal(entry(e->d, 2)->flags, 0);
}

static void versions_and_unknown_ops(void **state)
{
    struct env *e = *state;
    struct gnttab_set_version v = {.version = 2};
    assert_int_equal(gop(e, GNTTABOP_set_version, &v, sizeof(v), 1), -ENOSYS);
    assert_int_equal(v.version, 1);
    v.version = 0;
    assert_int_equal(gop(e, GNTTABOP_set_version, &v, sizeof(v), 1), -EINVAL);
    v.version = 1;
    assert_int_equal(gop(e, GNTTABOP_set_version, &v, sizeof(v), 1), 0);
    struct gnttab_get_version g = {.dom = PEER};
    assert_int_equal(gop(e, GNTTABOP_get_version, &g, sizeof(g), 1), -EPERM);
    g.dom = NO_DOMAIN;
    assert_int_equal(gop(e, GNTTABOP_get_version, &g, sizeof(g), 1), -ESRCH);
    g.dom = DOMID;
    assert_int_equal(gop(e, GNTTABOP_get_version, &g, sizeof(g), 1), 0);
    assert_int_equal(g.version, 1);
    assert_int_equal(gop(e, GNTTABOP_transfer, &g, sizeof(g), 1), -ENOSYS);
    assert_int_equal(gop(e, GNTTABOP_query_size | 0x1000, &g, sizeof(g), 1), -EINVAL);
    assert_int_equal(gop(e, GNTTABOP_copy, &g, sizeof(g), 0x80000000u), -EINVAL);
    assert_int_equal(gop(e, 77, &g, sizeof(g), 1), -ENOSYS);
}

static int16_t gcopy(struct env *e, struct gnttab_copy *c)
{
    c->status = 99;
    long rc = gop(e, GNTTABOP_copy, c, sizeof(*c), 1);
    return rc < 0 ? (int16_t)-1000 : c->status;
}

static void copy_between_guests_follows_xen(void **state)
{
    struct env *e = *state;
    uint8_t *peer_page = gm_ptr(&e->peer->mem, PAGE_A, 4096);
    uint8_t *mine = gm_ptr(&e->d->mem, PAGE_B, 4096);
    fill_pattern(peer_page, 4096, 3);
    memset(mine, 0, 4096);
    grant(e->peer, 20, GTF_permit_access | GTF_readonly, DOMID, PAGE_A >> 12);
    grant(e->peer, 21, GTF_permit_access, 0, PAGE_A >> 12); /* for Dom0, not us */

    struct gnttab_copy c = {.source = {.u.ref = 20, .domid = PEER, .offset = 16},
                            .dest = {.u.gmfn = PAGE_B >> 12, .domid = DOMID_SELF, .offset = 32},
                            .len = 100, .flags = GNTCOPY_source_gref};
    assert_int_equal(gcopy(e, &c), GNTST_okay);
    assert_memory_equal(mine + 32, peer_page + 16, 100);
    assert_int_equal(mine[31], 0);
    assert_int_equal(entry(e->peer, 20)->flags, GTF_permit_access | GTF_readonly);

    struct gnttab_copy w = {.source = {.u.gmfn = PAGE_B >> 12, .domid = DOMID_SELF},
                            .dest = {.u.ref = 20, .domid = PEER}, .len = 1,
                            .flags = GNTCOPY_dest_gref};
    assert_int_equal(gcopy(e, &w), GNTST_general_error); /* read-only grant */
    c.source.u.ref = 21;
    assert_int_equal(gcopy(e, &c), GNTST_general_error); /* granted to Dom0 */
    c.source.u.ref = 20;
    c.source.offset = 4000;
    assert_int_equal(gcopy(e, &c), GNTST_bad_copy_arg);
    c.source.offset = 0;
    c.dest.domid = DOMID;
    assert_int_equal(gcopy(e, &c), GNTST_permission_denied);
    c.dest.domid = DOMID_SELF;
    c.source.domid = NO_DOMAIN;
    assert_int_equal(gcopy(e, &c), GNTST_bad_domain);
    c.source.domid = PEER;
    c.source.u.ref = 600; /* past one frame */
    assert_int_equal(gcopy(e, &c), GNTST_bad_gntref);
    c.source.u.ref = 20;
    c.dest.u.gmfn = 0x7ffffffffull;
    assert_int_equal(gcopy(e, &c), GNTST_bad_page);
    assert_int_equal(entry(e->peer, 20)->flags, GTF_permit_access | GTF_readonly);
    /* A grant whose frame is not the peer's memory: bad_page, unflagged. */
    grant(e->peer, 22, GTF_permit_access, DOMID, 0xfffff);
    c.source.u.ref = 22;
    c.dest.u.gmfn = PAGE_B >> 12;
    assert_int_equal(gcopy(e, &c), GNTST_bad_page);
    assert_int_equal(entry(e->peer, 22)->flags, GTF_permit_access);
    /* An unmapped array stops the batch with EFAULT. */
    const uint64_t args[5] = {GNTTABOP_copy, ARG_VA + 4 * 4096 - 20, 1, 0, 0};
    assert_int_equal(hypercall_dispatch(&e->c, __HYPERVISOR_grant_table_op, args), -EFAULT);
}

/* A long batch runs to its end, unless the domain is being destroyed. */
static void a_long_batch_stops_early_only_for_a_dying_domain(void **state)
{
    struct env *e = *state;
    enum { N = 300 };
    grant(e->d, 90, GTF_permit_access, DOMID, PAGE_A >> 12);
    struct gnttab_copy *ops = (struct gnttab_copy *)gm_ptr(&e->d->mem, ARG_GPA, N * sizeof(*ops));
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < N; i++)
            ops[i] = (struct gnttab_copy){.source = {.u.ref = 90, .domid = DOMID_SELF},
                                          .dest = {.u.gmfn = PAGE_B >> 12, .domid = DOMID_SELF},
                                          .len = 8, .flags = GNTCOPY_source_gref, .status = 99};
        e->d->state = pass ? XLCTL_STATE_DYING : XLCTL_STATE_RUNNING;
        const uint64_t args[5] = {GNTTABOP_copy, ARG_VA, N, 0, 0};
        long rc = hypercall_dispatch(&e->c, __HYPERVISOR_grant_table_op, args);
        assert_int_equal(rc, pass ? -EINTR : 0);
        assert_int_equal(ops[255].status, GNTST_okay);
        assert_int_equal(ops[N - 1].status, pass ? 99 : GNTST_okay);
    }
    e->d->state = XLCTL_STATE_RUNNING;
    assert_int_equal(entry(e->d, 90)->flags, GTF_permit_access);
}

static void guest_maps_are_refused_after_xens_checks(void **state)
{
    struct env *e = *state;
    grant(e->peer, 30, GTF_permit_access, DOMID, PAGE_A >> 12);
    struct gnttab_map_grant_ref m = {.host_addr = FRAME_GFN << 12, .flags = 0, .ref = 30,
                                     .dom = PEER};
    gop(e, GNTTABOP_map_grant_ref, &m, sizeof(m), 1);
    assert_int_equal(m.status, GNTST_bad_gntref);
    m.flags = GNTMAP_host_map | GNTMAP_application_map;
    gop(e, GNTTABOP_map_grant_ref, &m, sizeof(m), 1);
    assert_int_equal(m.status, GNTST_general_error);
    m.flags = GNTMAP_host_map;
    m.dom = NO_DOMAIN;
    gop(e, GNTTABOP_map_grant_ref, &m, sizeof(m), 1);
    assert_int_equal(m.status, GNTST_bad_domain);
    m.dom = PEER;
    m.ref = 5000;
    gop(e, GNTTABOP_map_grant_ref, &m, sizeof(m), 1);
    assert_int_equal(m.status, GNTST_bad_gntref);
    m.ref = 30;
    gop(e, GNTTABOP_map_grant_ref, &m, sizeof(m), 1);
    assert_int_equal(m.status, GNTST_general_error);
    assert_int_equal(entry(e->peer, 30)->flags, GTF_permit_access); /* never flagged */
    struct gnttab_unmap_grant_ref u = {.handle = 0};
    gop(e, GNTTABOP_unmap_grant_ref, &u, sizeof(u), 1);
    assert_int_equal(u.status, GNTST_bad_handle);
}

static void swap_moves_entries_unless_pinned(void **state)
{
    struct env *e = *state;
    grant(e->d, 40, GTF_permit_access, 0, 0x111);
    grant(e->d, 41, GTF_permit_access | GTF_readonly, 7, 0x222);
    struct gnttab_swap_grant_ref s = {.ref_a = 40, .ref_b = 41};
    gop(e, GNTTABOP_swap_grant_ref, &s, sizeof(s), 1);
    assert_int_equal(s.status, GNTST_okay);
    assert_int_equal(entry(e->d, 40)->frame, 0x222);
    assert_int_equal(entry(e->d, 41)->frame, 0x111);
    uint64_t gfn;
    assert_int_equal(gnttab_pin(e->d->gnttab, 41, 0, true, true, &gfn), GNTST_okay);
    gop(e, GNTTABOP_swap_grant_ref, &s, sizeof(s), 1);
    assert_int_equal(s.status, GNTST_eagain);
    gnttab_unpin(e->d->gnttab, 41, true);
    s.ref_b = 512;
    gop(e, GNTTABOP_swap_grant_ref, &s, sizeof(s), 1);
    assert_int_equal(s.status, GNTST_bad_gntref);
}

/* ---- 4. Dom0 ----------------------------------------------------------- */

static int16_t dom0_map1(uint32_t owner, uint32_t domid, grant_ref_t ref, bool ro, uint64_t mem_id,
                         struct xlctl_gnttab_map_out *out, int *fd)
{
    struct xlctl_gnttab_map m = {.domid = domid, .count = 1, .flags = ro ? XLCTL_GNTMAP_READONLY : 0,
                                 .mem_id = mem_id, .refs = {ref}};
    assert_int_equal(gnttab_dom0_map(&m, owner, out, fd), 0);
    return out->slot[0].status;
}

static int16_t dom0_unmap1(uint32_t owner, uint32_t handle)
{
    struct xlctl_gnttab_unmap u = {.count = 1, .handles = {handle}};
    struct xlctl_gnttab_unmap_out out;
    assert_int_equal(gnttab_dom0_unmap(&u, owner, &out), 0);
    return out.status[0];
}

static void dom0_maps_flag_the_entry_and_give_the_page_offset(void **state)
{
    struct env *e = *state;
    static struct xlctl_gnttab_map_out out;
    int fd;
    grant(e->d, 50, GTF_permit_access, 0, PAGE_A >> 12);
    unsigned before = gnttab_dom0_count();
    assert_int_equal(dom0_map1(1, DOMID, 50, false, 0, &out, &fd), GNTST_okay);
    assert_int_equal(out.slot[0].offset, PAGE_A); /* low RAM: fd offset == GPA */
    assert_int_equal(out.mem_id, e->d->gnttab->serial);
    assert_int_equal(out.fd_size, e->d->mem.size);
    assert_int_equal(fd, e->d->mem.fd);          /* the caller had no fd yet */
    assert_int_equal(entry(e->d, 50)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    uint32_t h = out.slot[0].handle;
    assert_int_equal(gnttab_dom0_count(), before + 1);

    /* A second, read-only map by a client that has the fd: no fd. */
    assert_int_equal(dom0_map1(1, DOMID, 50, true, out.mem_id, &out, &fd), GNTST_okay);
    assert_int_equal(fd, -1);
    uint32_t h2 = out.slot[0].handle;
    assert_int_equal(dom0_unmap1(2, h), GNTST_bad_handle);  /* not its connection */
    assert_int_equal(dom0_unmap1(1, h), GNTST_okay);
    assert_int_equal(entry(e->d, 50)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(dom0_unmap1(1, h), GNTST_bad_handle);
    assert_int_equal(dom0_unmap1(1, h2), GNTST_okay);
    assert_int_equal(entry(e->d, 50)->flags, GTF_permit_access);
    assert_int_equal(gnttab_dom0_count(), before);

    /* Failures: no fd, no handle. */
    assert_int_equal(dom0_map1(1, NO_DOMAIN, 50, true, 0, &out, &fd), GNTST_bad_domain);
    assert_int_equal(fd, -1);
    assert_int_equal(dom0_map1(1, 0, 50, true, 0, &out, &fd), GNTST_bad_domain);
    assert_int_equal(dom0_map1(1, DOMID, 600, true, 0, &out, &fd), GNTST_bad_gntref);
    assert_int_equal(dom0_map1(1, DOMID, 51, true, 0, &out, &fd), GNTST_general_error);
    grant(e->d, 52, GTF_permit_access, 0, 0xfffff); /* not the domain's memory */
    assert_int_equal(dom0_map1(1, DOMID, 52, true, 0, &out, &fd), GNTST_bad_page);
    assert_int_equal(entry(e->d, 52)->flags, GTF_permit_access);
    assert_int_equal(fd, -1);
    assert_int_equal(gnttab_dom0_count(), before);
    struct xlctl_gnttab_map none = {.domid = DOMID, .count = 0};
    assert_int_equal(gnttab_dom0_map(&none, 1, &out, &fd), -EINVAL);
    none.count = XLCTL_GNTTAB_BATCH + 1;
    assert_int_equal(gnttab_dom0_map(&none, 1, &out, &fd), -EINVAL);
}

static void dom0_maps_of_placed_frames_and_special_pages(void **state)
{
    struct env *e = *state;
    static struct xlctl_gnttab_map_out out;
    int fd;
    /* A grant of the guest's own grant frame 1, placed over RAM: the
     * offset is the hypervisor page's, not the RAM page it replaced. */
    assert_int_equal(place(e, 1, FRAME_GFN), 0);
    grant(e->d, 60, GTF_permit_access, 0, FRAME_GFN);
    assert_int_equal(dom0_map1(3, DOMID, 60, true, 0, &out, &fd), GNTST_okay);
    assert_int_equal(out.slot[0].offset, e->d->mem.xen_off + (GUEST_XEN_GRANT_FIRST + 1) * 4096);
    assert_int_equal(dom0_unmap1(3, out.slot[0].handle), GNTST_okay);
    /* Ref 0: the console page among the special pages. */
    assert_int_equal(dom0_map1(3, DOMID, GNTTAB_RESERVED_CONSOLE, false, 0, &out, &fd), GNTST_okay);
    assert_int_equal(out.slot[0].offset, e->d->mem.special_off + XL_SPECIAL_CONSOLE * 4096);
    gnttab_dom0_unmap_owned(3);
    assert_int_equal(entry(e->d, 0)->flags, GTF_permit_access);
}

static void a_connection_going_away_unmaps_its_grants(void **state)
{
    struct env *e = *state;
    static struct xlctl_gnttab_map_out out;
    int fd;
    grant(e->d, 70, GTF_permit_access, 0, PAGE_A >> 12);
    grant(e->d, 71, GTF_permit_access, 0, PAGE_B >> 12);
    struct xlctl_gnttab_map m = {.domid = DOMID, .count = 3, .refs = {70, 71, 70}};
    assert_int_equal(gnttab_dom0_map(&m, 4, &out, &fd), 0);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(out.slot[i].status, GNTST_okay);
    assert_int_equal(dom0_map1(5, DOMID, 71, true, 0, &out, &fd), GNTST_okay);
    gnttab_dom0_unmap_owned(4);
    assert_int_equal(entry(e->d, 70)->flags, GTF_permit_access);
    assert_int_equal(entry(e->d, 71)->flags, GTF_permit_access | GTF_reading); /* owner 5's */
    gnttab_dom0_unmap_owned(5);
    assert_int_equal(entry(e->d, 71)->flags, GTF_permit_access);
}

static bool page_dirty(const uint64_t *bitmap, uint64_t gpa)
{
    return bitmap[gpa / 4096 / 64] >> (gpa / 4096 % 64) & 1;
}

/* While dirty logging is on, a page Dom0 maps writable shows in every
 * fetch while mapped and in the one after its unmap; a read-only map never
 * does, and nothing shows with logging off. */
static void dom0_writable_maps_count_as_dirty_while_logging(void **state)
{
    struct env *e = *state;
    static struct xlctl_gnttab_map_out out;
    static uint64_t bitmap[RAM / 4096 / 64];
    int fd;
    grant(e->d, 80, GTF_permit_access, 0, PAGE_A >> 12);
    grant(e->d, 81, GTF_permit_access, 0, PAGE_B >> 12);
    assert_int_equal(dom0_map1(7, DOMID, 80, false, 0, &out, &fd), GNTST_okay);
    uint32_t rw = out.slot[0].handle;
    assert_int_equal(dom0_map1(7, DOMID, 81, true, 0, &out, &fd), GNTST_okay);
    gnttab_dom0_dirty_fetch(e->d, bitmap); /* logging off: no record, nothing added */
    assert_false(page_dirty(bitmap, PAGE_A));
    e->d->dom0_dirty = calloc(sizeof(bitmap) / 8, 8);
    assert_non_null(e->d->dom0_dirty);
    for (int round = 0; round < 2; round++) {
        memset(bitmap, 0, sizeof(bitmap));
        gnttab_dom0_dirty_fetch(e->d, bitmap);
        assert_true(page_dirty(bitmap, PAGE_A));
        assert_false(page_dirty(bitmap, PAGE_B));
    }
    assert_int_equal(dom0_unmap1(7, rw), GNTST_okay);
    memset(bitmap, 0, sizeof(bitmap));
    gnttab_dom0_dirty_fetch(e->d, bitmap);
    assert_true(page_dirty(bitmap, PAGE_A)); /* written up to its unmap */
    memset(bitmap, 0, sizeof(bitmap));
    gnttab_dom0_dirty_fetch(e->d, bitmap);
    assert_false(page_dirty(bitmap, PAGE_A));
    gnttab_dom0_unmap_owned(7);
    free(e->d->dom0_dirty);
    e->d->dom0_dirty = NULL;
}

static void a_domain_destroyed_while_mapped_orphans_its_handles(void **state)
{
    (void)state;
    static struct xlctl_gnttab_map_out out;
    int fd;
    struct domain *d = grant_domain(8, 0);
    grant(d, 9, GTF_permit_access, 0, PAGE_A >> 12);
    assert_int_equal(dom0_map1(6, 8, 9, false, 0, &out, &fd), GNTST_okay);
    uint32_t h = out.slot[0].handle;
    unsigned before = gnttab_dom0_count();
    grant_domain_free(d); /* as domain_destroy */
    /* A new domain with the same id is not touched by the old handle. */
    struct domain *again = grant_domain(8, 0);
    grant(again, 9, GTF_permit_access, 0, PAGE_A >> 12);
    assert_int_equal(dom0_unmap1(6, h), GNTST_okay);
    assert_int_equal(gnttab_dom0_count(), before - 1);
    assert_int_equal(entry(again, 9)->flags, GTF_permit_access);
    assert_int_equal(dom0_map1(6, 8, 9, false, 0, &out, &fd), GNTST_okay);
    assert_int_not_equal(out.mem_id, 0);
    gnttab_dom0_unmap_owned(6);
    grant_domain_free(again);
}

static void dom0_copies_only_granted_bytes(void **state)
{
    struct env *e = *state;
    uint8_t *page = gm_ptr(&e->d->mem, PAGE_A, 4096);
    fill_pattern(page, 4096, 9);
    grant(e->d, 80, GTF_permit_access, 0, PAGE_A >> 12);
    grant(e->d, 81, GTF_permit_access | GTF_readonly, 0, PAGE_A >> 12);
    static struct xlctl_gnttab_copy c;
    static uint8_t reply[8192];
    uint32_t got;
    const uint8_t data[4] = {1, 2, 3, 4};
    memset(&c, 0, sizeof(c));
    c.count = 3;
    c.seg[0] = (struct xlctl_gnttab_copy_seg){.domid = DOMID, .ref = 81, .offset = 10, .len = 20};
    c.seg[1] = (struct xlctl_gnttab_copy_seg){.domid = DOMID, .ref = 80, .offset = 4094, .len = 4,
                                              .flags = XLCTL_GNTCOPY_TO_GUEST};
    c.seg[2] = (struct xlctl_gnttab_copy_seg){.domid = DOMID, .ref = 81, .offset = 0, .len = 4,
                                              .flags = XLCTL_GNTCOPY_TO_GUEST};
    assert_int_equal(gnttab_dom0_copy(&c, data, 4, reply, sizeof(reply), &got), -EINVAL);
    uint8_t data8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(gnttab_dom0_copy(&c, data8, 8, reply, sizeof(reply), &got), 0);
    assert_int_equal(got, 20);
    assert_memory_equal(reply, page + 10, 20);
    assert_int_equal(c.seg[0].status, GNTST_okay);
    assert_int_equal(c.seg[1].status, GNTST_bad_copy_arg);
    assert_int_equal(c.seg[2].status, GNTST_general_error);
    assert_int_equal(page[0], pattern_byte(0, 9)); /* the read-only page untouched */
    assert_int_equal(entry(e->d, 80)->flags, GTF_permit_access);
    assert_int_equal(entry(e->d, 81)->flags, GTF_permit_access | GTF_readonly);
    c.count = 1;
    c.seg[0].len = 100;
    assert_int_equal(gnttab_dom0_copy(&c, NULL, 0, reply, 50, &got), -EMSGSIZE);
    c.seg[0] = (struct xlctl_gnttab_copy_seg){.domid = DOMID, .ref = 600, .len = 8};
    assert_int_equal(gnttab_dom0_copy(&c, NULL, 0, reply, sizeof(reply), &got), 0);
    assert_int_equal(c.seg[0].status, GNTST_bad_gntref);
    assert_true(all_bytes(reply, 8, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(model_agrees_with_a_well_behaved_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(model_agrees_with_a_guest_rewriting_entries_anytime, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(model_check_catches_an_unpin_that_keeps_gtf_writing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pin_counts_stop_at_128_uses_of_a_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(another_domain_cannot_share_a_pinned_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(an_entry_that_keeps_changing_fails_after_five_tries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_domid_changed_between_check_and_swap_is_seen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(setup_and_query_follow_xen, setup, teardown),
        cmocka_unit_test(a_smaller_limit_holds),
        cmocka_unit_test_setup_teardown(reserved_refs_are_seeded_for_dom0, setup, teardown),
        cmocka_unit_test_setup_teardown(versions_and_unknown_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_between_guests_follows_xen, setup, teardown),
        cmocka_unit_test_setup_teardown(a_long_batch_stops_early_only_for_a_dying_domain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(guest_maps_are_refused_after_xens_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(swap_moves_entries_unless_pinned, setup, teardown),
        cmocka_unit_test_setup_teardown(dom0_maps_flag_the_entry_and_give_the_page_offset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(dom0_maps_of_placed_frames_and_special_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_connection_going_away_unmaps_its_grants, setup, teardown),
        cmocka_unit_test(a_domain_destroyed_while_mapped_orphans_its_handles),
        cmocka_unit_test_setup_teardown(dom0_writable_maps_count_as_dirty_while_logging, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_restored_table_forgets_the_old_domains_uses, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(dom0_copies_only_granted_bytes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
