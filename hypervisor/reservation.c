/*
 * reservation.c - which RAM pages a domain holds (see reservation.h).
 */
#include "reservation.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "domain.h"
#include "xenolith/boot.h"

#define PAGE 4096ull

int reservation_init(struct reservation *r, uint64_t nr_pages)
{
    memset(r, 0, sizeof(*r));
    r->absent = calloc((nr_pages + 63) / 64, sizeof(uint64_t));
    if (!r->absent)
        return -ENOMEM;
    pthread_mutex_init(&r->lock, NULL);
    r->nr_pages = nr_pages;
    r->max_pages = nr_pages;
    return 0;
}

void reservation_destroy(struct reservation *r)
{
    if (!r->absent)
        return;
    free(r->absent);
    r->absent = NULL;
    pthread_mutex_destroy(&r->lock);
}

uint64_t reservation_current(struct reservation *r)
{
    if (!r->absent)
        return 0;
    pthread_mutex_lock(&r->lock);
    uint64_t n = r->nr_pages - r->nr_absent;
    pthread_mutex_unlock(&r->lock);
    return n;
}

uint64_t reservation_max(struct reservation *r)
{
    if (!r->absent)
        return 0;
    pthread_mutex_lock(&r->lock);
    uint64_t n = r->max_pages;
    pthread_mutex_unlock(&r->lock);
    return n;
}

int reservation_set_max(struct reservation *r, uint64_t pages)
{
    if (!r->absent)
        return -ENOSYS;
    if (pages == 0)
        return -EINVAL;
    if (pages > r->nr_pages)
        return -E2BIG;
    pthread_mutex_lock(&r->lock);
    r->max_pages = pages;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* The page's index in the bitmap, or -1 when gfn is not RAM. */
static int64_t ram_index(const struct guest_mem *m, uint64_t gfn)
{
    if (gfn > (UINT64_MAX >> 12))
        return -1;
    uint64_t gpa = gfn << 12;
    if (gpa < m->low_bytes)
        return (int64_t)gfn;
    if (m->high_bytes && gpa >= XL_HIGHMEM_BASE && gpa - XL_HIGHMEM_BASE < m->high_bytes)
        return (int64_t)((m->low_bytes + gpa - XL_HIGHMEM_BASE) / PAGE);
    return -1;
}

static bool test_bit(const uint64_t *map, uint64_t i)
{
    return map[i / 64] >> (i % 64) & 1;
}

int reservation_release(struct domain *d, uint64_t gfn)
{
    struct reservation *r = &d->resv;
    if (!r->absent)
        return -ENOSYS;
    int64_t i = ram_index(&d->mem, gfn);
    if (i < 0 || physmap_find(&d->physmap, gfn) >= 0)
        return -EINVAL;
    uint8_t *page = guest_mem_gpa(&d->mem, gfn << 12, PAGE);
    if (!page)
        return -EINVAL;
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    if (test_bit(r->absent, (uint64_t)i))
        rc = -ENOENT;
    else if (madvise(page, PAGE, MADV_REMOVE) < 0)
        rc = -errno;
    if (rc == 0) {
        r->absent[i / 64] |= 1ull << (i % 64);
        r->nr_absent++;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

int reservation_populate(struct domain *d, uint64_t gfn)
{
    struct reservation *r = &d->resv;
    if (!r->absent)
        return -ENOSYS;
    int64_t i = ram_index(&d->mem, gfn);
    if (i < 0)
        return -EINVAL;
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    if (!test_bit(r->absent, (uint64_t)i))
        rc = -EEXIST;
    else if (r->nr_pages - r->nr_absent >= r->max_pages)
        rc = -ENOMEM;
    if (rc == 0) {
        /* The hole reads as zeroes: the page comes back clean, as Xen
         * scrubs what it hands out. */
        r->absent[i / 64] &= ~(1ull << (i % 64));
        r->nr_absent--;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}
