/*
 * balloon.c - memory/target to the hypervisor's reservation (balloon.h).
 *
 * Out: runs of pool pages (page_alloc_raw, up to CHUNK_PAGES at a time,
 * smaller when the pool is fragmented) are recorded here, never in the
 * pages themselves (they are gone once handed back), and their GFNs go to
 * XENMEM_decrease_reservation in batches. In: the most recent runs first,
 * through XENMEM_populate_physmap; each page must come back zeroed (the
 * host gives a fresh page), then a pattern is written over it and read
 * back before it returns to the pool, so a mem-set that shrinks and grows
 * the guest also proves its memory still works.
 */
#include "kernel/balloon.h"

#include <xenbus.h>

#include "kernel/errno.h"
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/services.h"

#define CHUNK_PAGES 256u      /* 1 MiB */
#define MAX_RUNS 4096u        /* 4 GiB out in whole chunks */
#define BATCH 512u            /* GFNs per hypercall */

static struct run {
    uint64_t gfn;
    uint32_t count;
} runs[MAX_RUNS];
static unsigned nruns;
static uint64_t out_pages;
static xen_pfn_t batch[BATCH];

uint64_t balloon_current_pages(void)
{
    return boot.nr_pages - out_pages;
}

/* One memory_op over the GFNs of [gfn, gfn+n); returns how many went. */
static uint64_t reservation(unsigned cmd, uint64_t gfn, uint64_t n)
{
    uint64_t done = 0;
    while (done < n) {
        unsigned k = n - done < BATCH ? (unsigned)(n - done) : BATCH;
        for (unsigned i = 0; i < k; i++)
            batch[i] = gfn + done + i;
        struct xen_memory_reservation r = {.nr_extents = k, .extent_order = 0, .domid = DOMID_SELF};
        set_xen_guest_handle(r.extent_start, batch);
        long rc = HYPERVISOR_memory_op(cmd, &r);
        if (rc < 0)
            return done;
        done += (uint64_t)rc;
        if ((unsigned long)rc < k)
            return done;
    }
    return done;
}

/* Gives up to `pages` pool pages back; returns how many went. */
static uint64_t deflate_guest(uint64_t pages)
{
    uint64_t gone = 0;
    unsigned chunk = CHUNK_PAGES;
    while (gone < pages && nruns < MAX_RUNS) {
        unsigned want = pages - gone < chunk ? (unsigned)(pages - gone) : chunk;
        void *p = page_alloc_raw(want);
        if (!p) {
            if (chunk == 1)
                break; /* the pool is empty */
            chunk /= 2;
            continue;
        }
        uint64_t gfn = virt_to_gfn(p);
        uint64_t n = reservation(XENMEM_decrease_reservation, gfn, want);
        if (n) {
            runs[nruns++] = (struct run){.gfn = gfn, .count = (uint32_t)n};
            out_pages += n;
            gone += n;
        }
        if (n < want) {
            /* The hypervisor kept the rest: they are still ours. */
            page_free((void *)(uintptr_t)((gfn + n) << 12), want - (unsigned)n);
            break;
        }
    }
    return gone;
}

/* Zero as handed back, then a pattern written and read back. */
static bool page_is_healthy(uint64_t gfn)
{
    volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(gfn << 12);
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        if (w[i] != 0)
            return false;
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        w[i] = gfn * 0x9e3779b97f4a7c15ull + i;
    for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
        if (w[i] != gfn * 0x9e3779b97f4a7c15ull + i)
            return false;
    return true;
}

/* Takes up to `pages` back; returns how many came; *bad counts pages
 * that were not zero or did not hold the pattern. */
static uint64_t inflate_guest(uint64_t pages, uint64_t *bad)
{
    uint64_t back = 0;
    while (back < pages && nruns > 0) {
        struct run *r = &runs[nruns - 1];
        uint64_t take = pages - back < r->count ? pages - back : r->count;
        uint64_t first = r->gfn + r->count - take; /* from the run's end */
        uint64_t n = reservation(XENMEM_populate_physmap, first, take);
        for (uint64_t i = 0; i < n; i++)
            if (!page_is_healthy(first + i))
                (*bad)++;
        if (n)
            page_free((void *)(uintptr_t)(first << 12), (unsigned)n);
        r->count -= (uint32_t)n;
        out_pages -= n;
        back += n;
        if (r->count == 0)
            nruns--;
        if (n < take)
            break; /* at the hypervisor's maximum */
    }
    return back;
}

static void on_target(const char *path, const char *token, void *arg)
{
    (void)path, (void)token, (void)arg;
    uint64_t target_kib;
    if (xenbus_read_u64("memory/target", &target_kib) < 0)
        return;
    uint64_t target = target_kib / 4, now = balloon_current_pages();
    if (target == now)
        return;
    uint64_t bad = 0;
    if (target < now) {
        uint64_t gone = deflate_guest(now - target);
        printf("balloon: %llu KiB -> %llu KiB (target %llu KiB)%s\n",
               (unsigned long long)now * 4, (unsigned long long)balloon_current_pages() * 4,
               (unsigned long long)target_kib,
               gone < now - target ? ": no more free pages to give" : "");
    } else {
        uint64_t back = inflate_guest(target - now, &bad);
        printf("balloon: %llu KiB -> %llu KiB (target %llu KiB)%s%s\n",
               (unsigned long long)now * 4, (unsigned long long)balloon_current_pages() * 4,
               (unsigned long long)target_kib,
               back < target - now ? ": the hypervisor gave no more" : "",
               bad ? "" : ", pages back zeroed and writable");
        if (bad)
            printf("balloon: %llu pages came back damaged\n", (unsigned long long)bad);
    }
}

int balloon_init(void)
{
    return xenbus_watch_cb("memory/target", "balloon", on_target, 0);
}
