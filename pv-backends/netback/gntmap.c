/*
 * gntmap.c - the persistent grant cache (see gntmap.h): an open-addressed
 * table ref -> page; entries go only all at once (gm_flush), so no
 * tombstones. Mappings are remembered per xc_gnttab_map call, because
 * they are unmapped the way they were mapped.
 */
#include "gntmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libxc/gnttab.h"

int gm_init(struct gntmap *m, struct xc_gnttab *gt, uint32_t domid, bool readonly, unsigned limit)
{
    memset(m, 0, sizeof(*m));
    m->gt = gt;
    m->domid = domid;
    m->readonly = readonly;
    m->limit = limit;
    m->size = 1;
    while (m->size < limit * 2)
        m->size <<= 1;
    m->table = calloc(m->size, sizeof(*m->table));
    return m->table ? 0 : -ENOMEM;
}

static struct gm_entry *slot_of(struct gntmap *m, uint32_t ref)
{
    unsigned i = (ref * 2654435761u) & (m->size - 1);
    while (m->table[i].used && m->table[i].ref != ref)
        i = (i + 1) & (m->size - 1);
    return &m->table[i];
}

static int remember_batch(struct gntmap *m, void *addr, uint32_t count)
{
    if (m->nbatches == m->batch_cap) {
        unsigned cap = m->batch_cap ? m->batch_cap * 2 : 64;
        struct gm_batch *b = realloc(m->batches, cap * sizeof(*b));
        if (!b)
            return -ENOMEM;
        m->batches = b;
        m->batch_cap = cap;
    }
    m->batches[m->nbatches++] = (struct gm_batch){addr, count};
    return 0;
}

/* One xc_gnttab_map of refs[0..n) (all distinct, none cached). 0 or -errno. */
static int map_batch(struct gntmap *m, const uint32_t *refs, unsigned n)
{
    void *addr = NULL;
    m->map_calls++;
    int rc = xc_gnttab_map(m->gt, m->domid, n, refs, m->readonly, &addr, NULL);
    if (rc < 0)
        return rc;
    if (remember_batch(m, addr, n) < 0) {
        xc_gnttab_unmap(m->gt, addr, n);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < n; i++) {
        struct gm_entry *e = slot_of(m, refs[i]);
        *e = (struct gm_entry){refs[i], true, (char *)addr + (size_t)i * 4096};
        m->count++;
    }
    m->maps += n;
    return 0;
}

void *gm_get(struct gntmap *m, uint32_t ref)
{
    struct gm_entry *e = slot_of(m, ref);
    if (e->used)
        return e->page;
    if (m->count >= m->limit)
        return NULL;   /* never grow past the limit within a batch */
    if (map_batch(m, &ref, 1) < 0) {
        m->failures++;
        return NULL;
    }
    return slot_of(m, ref)->page;
}

void *gm_peek(struct gntmap *m, uint32_t ref)
{
    struct gm_entry *e = slot_of(m, ref);
    return e->used ? e->page : NULL;
}

void gm_prefetch(struct gntmap *m, const uint32_t *refs, unsigned n)
{
    uint32_t miss[XLCTL_GNTTAB_BATCH];
    unsigned nmiss = 0;
    for (unsigned i = 0; i <= n; i++) {
        if (i < n) {
            if (slot_of(m, refs[i])->used || m->count + nmiss >= m->limit)
                continue;
            bool dup = false;
            for (unsigned j = 0; j < nmiss && !dup; j++)
                dup = miss[j] == refs[i];
            if (dup)
                continue;
            miss[nmiss++] = refs[i];
        }
        if (nmiss == XLCTL_GNTTAB_BATCH || (i == n && nmiss)) {
            /* A bad ref fails the whole batch: the good ones get mapped
             * one by one by gm_get when used. */
            if (map_batch(m, miss, nmiss) < 0)
                m->failures++;
            nmiss = 0;
        }
    }
}

void gm_flush(struct gntmap *m)
{
    for (unsigned i = 0; i < m->nbatches; i++)
        xc_gnttab_unmap(m->gt, m->batches[i].addr, m->batches[i].count);
    m->nbatches = 0;
    m->count = 0;
    if (m->table)
        memset(m->table, 0, m->size * sizeof(*m->table));
}

void gm_trim(struct gntmap *m, unsigned room)
{
    if (m->count + room > m->limit)
        gm_flush(m);
}

void gm_destroy(struct gntmap *m)
{
    gm_flush(m);
    free(m->table);
    free(m->batches);
    m->table = NULL;
    m->batches = NULL;
}
