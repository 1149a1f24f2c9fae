/*
 * page_alloc.c - whole pages for drivers (see page_alloc.h).
 *
 * The free runs live in a small sorted array rather than in the free pages
 * themselves, so a stray write into a freed page cannot corrupt the
 * allocator. Drivers allocate a few large runs (rings, grant pools,
 * buffers), so MAX_RUNS fragments are plenty; a free that would need more
 * leaks its pages with one console line instead of corrupting anything.
 */
#include "kernel/page_alloc.h"

#include <stdbool.h>

#include "kernel/lib.h"
#include "kernel/spinlock.h"

#define MAX_RUNS 256

struct run {
    uint64_t start;   /* first page number */
    uint64_t count;
};

static struct run runs[MAX_RUNS];
static unsigned nruns;
static spinlock_t lock;

void page_alloc_init(uint64_t first_free, uint64_t end)
{
    uint64_t first = (first_free + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t last = end / PAGE_SIZE;
    if (last > first) {
        runs[0] = (struct run){.start = first, .count = last - first};
        nruns = 1;
    }
}

static void remove_run(unsigned i)
{
    memmove(&runs[i], &runs[i + 1], (nruns - i - 1) * sizeof(runs[0]));
    nruns--;
}

void *page_alloc(unsigned n)
{
    void *p = page_alloc_raw(n);
    if (p)
        memset(p, 0, (size_t)n * PAGE_SIZE);
    return p;
}

void *page_alloc_raw(unsigned n)
{
    if (n == 0)
        return NULL;
    void *p = NULL;
    spin_lock(&lock);
    for (unsigned i = 0; i < nruns; i++) {
        if (runs[i].count < n)
            continue;
        p = (void *)(uintptr_t)(runs[i].start * PAGE_SIZE);
        runs[i].start += n;
        runs[i].count -= n;
        if (runs[i].count == 0)
            remove_run(i);
        break;
    }
    spin_unlock(&lock);
    return p;
}

/* Index of the first run starting after page `start`. */
static unsigned insert_point(uint64_t start)
{
    unsigned i = 0;
    while (i < nruns && runs[i].start < start)
        i++;
    return i;
}

void page_free(void *p, unsigned n)
{
    if (!p || n == 0)
        return;
    uint64_t start = (uintptr_t)p / PAGE_SIZE;
    spin_lock(&lock);
    unsigned i = insert_point(start);
    bool joins_prev = i > 0 && runs[i - 1].start + runs[i - 1].count == start;
    bool joins_next = i < nruns && start + n == runs[i].start;
    if (joins_prev && joins_next) {
        runs[i - 1].count += n + runs[i].count;
        remove_run(i);
    } else if (joins_prev) {
        runs[i - 1].count += n;
    } else if (joins_next) {
        runs[i].start = start;
        runs[i].count += n;
    } else if (nruns < MAX_RUNS) {
        memmove(&runs[i + 1], &runs[i], (nruns - i) * sizeof(runs[0]));
        runs[i] = (struct run){.start = start, .count = n};
        nruns++;
    } else {
        spin_unlock(&lock);
        printf("page_alloc: too fragmented; %u pages at %p leak\n", n, p);
        return;
    }
    spin_unlock(&lock);
}

uint64_t page_alloc_free_pages(void)
{
    uint64_t total = 0;
    spin_lock(&lock);
    for (unsigned i = 0; i < nruns; i++)
        total += runs[i].count;
    spin_unlock(&lock);
    return total;
}
