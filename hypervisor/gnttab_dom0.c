/*
 * gnttab_dom0.c - Dom0's grant maps and copies (gnttab_dom0.h): a handle
 * table with a free list, each live handle holding one pin on one guest
 * grant entry for one control connection.
 */
#include "libxc/trace.h"
#include "gnttab_dom0.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "gnttab.h"
#include "log.h"

#define NO_HANDLE UINT32_MAX
#define FIRST_CAP 1024u

struct map {
    uint32_t owner;         /* control connection; 0 = free */
    uint32_t ref;
    uint16_t domid;
    bool readonly;
    bool orphan;            /* its domain was destroyed: nothing to unpin */
    uint64_t offset;        /* of the page in the domain's memory fd */
    uint32_t next_free;
};

static struct map *maps;
static uint32_t cap, live, free_head = NO_HANDLE;

/* A free handle, growing the table if needed; NO_HANDLE at the limit. */
static uint32_t handle_alloc(void)
{
    if (free_head == NO_HANDLE) {
        if (cap >= GNTTAB_DOM0_MAX_HANDLES)
            return NO_HANDLE;
        uint32_t ncap = cap ? cap * 2 : FIRST_CAP;
        struct map *n = realloc(maps, ncap * sizeof(*n));
        if (!n)
            return NO_HANDLE;
        maps = n;
        for (uint32_t h = ncap; h-- > cap;) {
            maps[h] = (struct map){.next_free = free_head};
            free_head = h;
        }
        cap = ncap;
    }
    uint32_t h = free_head;
    free_head = maps[h].next_free;
    live++;
    return h;
}

static void handle_free(uint32_t h)
{
    maps[h] = (struct map){.next_free = free_head};
    free_head = h;
    live--;
}

unsigned gnttab_dom0_count(void)
{
    return live;
}

static void mark_dirty(struct domain *d, uint64_t offset)
{
    uint64_t page = offset / 4096;
    if (d->dom0_dirty && page < guest_mem_ram_pages(&d->mem))
        d->dom0_dirty[page / 64] |= 1ull << (page % 64);
}

/* A guest Dom0 may use grants of (main thread: no table lock needed). */
static struct domain *guest(uint32_t domid)
{
    struct domain *d = domid == 0 ? NULL : domain_by_id(domid);
    return d && d->gnttab ? d : NULL;
}

int gnttab_dom0_map(const struct xlctl_gnttab_map *in, uint32_t owner,
                    struct xlctl_gnttab_map_out *out, int *fd_out)
{
    *fd_out = -1;
    if (in->count == 0 || in->count > XLCTL_GNTTAB_BATCH)
        return -EINVAL;
    xc_trace(XL_TR_GRANT_MAP, in->domid, 0, 0, in->refs[0], in->count);
    memset(out, 0, sizeof(*out));
    struct domain *d = guest(in->domid);
    bool ro = in->flags & XLCTL_GNTMAP_READONLY;
    unsigned mapped = 0;
    if (d) {
        out->mem_id = d->gnttab->serial;
        out->fd_size = d->mem.size;
    }
    for (uint32_t i = 0; i < in->count; i++) {
        struct xlctl_gnttab_map_slot *s = &out->slot[i];
        if (!d) {
            s->status = GNTST_bad_domain;
            continue;
        }
        /* As Xen: the handle first, then the grant. */
        uint32_t h = handle_alloc();
        if (h == NO_HANDLE) {
            s->status = GNTST_no_device_space;
            continue;
        }
        s->status = gnttab_acquire_offset(d, in->refs[i], 0, ro, &s->offset);
        if (s->status != GNTST_okay) {
            handle_free(h);
            continue;
        }
        maps[h] = (struct map){.owner = owner, .ref = in->refs[i], .domid = (uint16_t)d->domid,
                               .readonly = ro, .offset = s->offset, .next_free = NO_HANDLE};
        s->handle = h;
        mapped++;
    }
    if (mapped && in->mem_id != out->mem_id)
        *fd_out = d->mem.fd;
    return 0;
}

/* Drops handle h's pin (unless orphaned) and frees it. */
static void release(uint32_t h)
{
    struct map *m = &maps[h];
    if (!m->orphan) {
        struct domain *d = guest(m->domid);
        if (d && !m->readonly)
            mark_dirty(d, m->offset);
        if (d)
            gnttab_unpin(d->gnttab, m->ref, m->readonly);
        else
            log_warn("gnttab: handle %u of d%u outlived its domain", h, m->domid);
    }
    handle_free(h);
}

int gnttab_dom0_unmap(const struct xlctl_gnttab_unmap *in, uint32_t owner,
                      struct xlctl_gnttab_unmap_out *out)
{
    if (in->count == 0 || in->count > XLCTL_GNTTAB_BATCH)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < in->count; i++) {
        uint32_t h = in->handles[i];
        if (h >= cap || maps[h].owner == 0 || maps[h].owner != owner) {
            out->status[i] = GNTST_bad_handle;
            continue;
        }
        release(h);
        out->status[i] = GNTST_okay;
    }
    return 0;
}

void gnttab_dom0_unmap_owned(uint32_t owner)
{
    unsigned n = 0;
    for (uint32_t h = 0; h < cap && live; h++) {
        if (maps[h].owner == owner) {
            release(h);
            n++;
        }
    }
    if (n)
        log_info("gnttab: connection %u went away with %u grant map%s; unmapped", owner, n,
                 n == 1 ? "" : "s");
}

void gnttab_dom0_domain_gone(struct domain *d)
{
    unsigned n = 0;
    for (uint32_t h = 0; h < cap; h++) {
        if (maps[h].owner && maps[h].domid == d->domid && !maps[h].orphan) {
            maps[h].orphan = true;
            n++;
        }
    }
    if (n)
        log_info("d%u: destroyed while Dom0 still maps %u of its grant%s; the pages live "
                 "until unmapped", d->domid, n, n == 1 ? "" : "s");
}

/* One segment of a Dom0 copy, in GNTTABOP_copy's order of checks: bytes
 * go from `in` into the page (TO_GUEST) or from the page to `out`. */
static int16_t copy_seg(const struct xlctl_gnttab_copy_seg *s, const uint8_t *in, uint8_t *out)
{
    struct domain *d = guest(s->domid);
    if (!d)
        return GNTST_bad_domain;
    bool to_guest = s->flags & XLCTL_GNTCOPY_TO_GUEST;
    uint8_t *page;
    int16_t rc = gnttab_acquire_page(d, s->ref, 0, !to_guest, &page);
    if (rc != GNTST_okay)
        return rc;
    if ((uint32_t)s->offset + s->len > 4096)
        rc = GNTST_bad_copy_arg;
    else if (to_guest)
        memcpy(page + s->offset, in, s->len);
    else
        memcpy(out, page + s->offset, s->len);
    gnttab_unpin(d->gnttab, s->ref, !to_guest);
    return rc;
}

int gnttab_dom0_copy(struct xlctl_gnttab_copy *io, const uint8_t *data, uint32_t data_len,
                     uint8_t *reply, uint32_t reply_cap, uint32_t *reply_len)
{
    *reply_len = 0;
    if (io->count == 0 || io->count > XLCTL_GNTTAB_BATCH)
        return -EINVAL;
    uint64_t to = 0, from = 0;
    for (uint32_t i = 0; i < io->count; i++) {
        if (io->seg[i].flags & XLCTL_GNTCOPY_TO_GUEST)
            to += io->seg[i].len;
        else
            from += io->seg[i].len;
    }
    if (to != data_len)
        return -EINVAL;
    if (from > reply_cap)
        return -EMSGSIZE;
    uint32_t in_at = 0, out_at = 0;
    for (uint32_t i = 0; i < io->count; i++) {
        struct xlctl_gnttab_copy_seg *s = &io->seg[i];
        if (s->flags & XLCTL_GNTCOPY_TO_GUEST) {
            s->status = copy_seg(s, data + in_at, NULL);
            in_at += s->len;
        } else {
            s->status = copy_seg(s, NULL, reply + out_at);
            if (s->status != GNTST_okay)
                memset(reply + out_at, 0, s->len);
            out_at += s->len;
        }
    }
    *reply_len = out_at;
    return 0;
}

void gnttab_dom0_dirty_fetch(struct domain *d, uint64_t *bitmap)
{
    if (!d->dom0_dirty)
        return;
    for (uint32_t h = 0; h < cap; h++)
        if (maps[h].owner && !maps[h].orphan && !maps[h].readonly && maps[h].domid == d->domid)
            mark_dirty(d, maps[h].offset);
    uint64_t words = (guest_mem_ram_pages(&d->mem) + 63) / 64;
    for (uint64_t w = 0; w < words; w++) {
        bitmap[w] |= d->dom0_dirty[w];
        d->dom0_dirty[w] = 0;
    }
}
