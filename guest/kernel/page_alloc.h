/*
 * page_alloc.h - whole pages of guest RAM for drivers: ring pages, grant
 * pools, buffers. Memory is 1:1 (virtual == physical == GFN << 12), so a
 * page's address is also what a grant or a ring-ref needs.
 *
 * The pool is the low RAM after the builder's boot data (start_info, page
 * tables, boot stack: dom0-tools/builder/build.c) up to the end of low RAM.
 * A first-fit list of free runs; runs are merged on free. Zeroed pages.
 * Any vCPU (a spin lock), not from interrupt context.
 */
#ifndef GUEST_PAGE_ALLOC_H
#define GUEST_PAGE_ALLOC_H

#include <stdint.h>

#include "xenolith/xen.h"

#define PAGE_SIZE 4096u

/* Takes the pool: [first_free, end) in bytes, page aligned. Once, at boot. */
void page_alloc_init(uint64_t first_free, uint64_t end);

/* n contiguous zeroed pages, page aligned; NULL when no run is long enough. */
void *page_alloc(unsigned n);
/* The same without zeroing them (for pages the balloon hands back to the
 * hypervisor: writing them first would only make the host allocate them). */
void *page_alloc_raw(unsigned n);
/* Gives back n pages from page_alloc (the same n). */
void page_free(void *p, unsigned n);
/* Free pages left (for tests and the shell's info). */
uint64_t page_alloc_free_pages(void);

static inline uint64_t virt_to_gfn(const void *p)
{
    return (uint64_t)(uintptr_t)p >> 12;
}

#endif
