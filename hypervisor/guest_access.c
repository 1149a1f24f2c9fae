/*
 * guest_access.c - guest page-table walk and checked copies for hypercall
 * arguments. The walk reads each paging-structure entry once from guest
 * memory and validates it before following it, so a guest racing its own
 * page tables can at worst get -EFAULT.
 */
#include "guest_access.h"

#include <errno.h>
#include <string.h>

#define CR0_PG      (1ull << 31)
#define CR0_WP      (1ull << 16)
#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define EFER_LMA    (1ull << 10)

#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_PS      (1ull << 7)
#define ADDR_MASK   0x000ffffffffff000ull
#define PAGE_MASK   0xfffull

static int read_entry64(const struct guest_mem *m, uint64_t gpa, uint64_t *e)
{
    const void *p = guest_mem_gpa(m, gpa, 8);
    if (!p)
        return -EFAULT;
    __atomic_load((const uint64_t *)p, e, __ATOMIC_RELAXED);
    return 0;
}

static int read_entry32(const struct guest_mem *m, uint64_t gpa, uint64_t *e)
{
    const void *p = guest_mem_gpa(m, gpa, 4);
    if (!p)
        return -EFAULT;
    uint32_t v;
    __atomic_load((const uint32_t *)p, &v, __ATOMIC_RELAXED);
    *e = v;
    return 0;
}

/* One level of a walk: entry must be present, and writable for a write
 * when CR0.WP makes supervisor writes honour RW. */
static bool entry_allows(uint64_t e, bool write, const struct guest_paging *pg)
{
    if (!(e & PTE_P))
        return false;
    if (write && (pg->cr0 & CR0_WP) && !(e & PTE_RW))
        return false;
    return true;
}

static int walk_long(const struct guest_mem *m, const struct guest_paging *pg,
                     uint64_t gva, bool write, uint64_t *gpa)
{
    /* Canonical: bits 63..47 all equal. */
    int64_t s = (int64_t)gva;
    if ((s >> 47) != 0 && (s >> 47) != -1)
        return -EFAULT;
    uint64_t table = pg->cr3 & ADDR_MASK;
    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t e;
        if (read_entry64(m, table + ((gva >> shift) & 511) * 8, &e) < 0)
            return -EFAULT;
        if (!entry_allows(e, write, pg))
            return -EFAULT;
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            uint64_t size = 1ull << shift;
            *gpa = (e & ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
            return 0;
        }
        table = e & ADDR_MASK;
    }
    return -EFAULT;
}

static int walk_pae(const struct guest_mem *m, const struct guest_paging *pg,
                    uint64_t gva, bool write, uint64_t *gpa)
{
    if (gva >> 32)
        return -EFAULT;
    uint64_t e;
    if (read_entry64(m, (pg->cr3 & 0xffffffe0ull) + ((gva >> 30) & 3) * 8, &e) < 0 ||
        !(e & PTE_P))
        return -EFAULT;
    uint64_t table = e & ADDR_MASK;
    for (int level = 2; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        if (read_entry64(m, table + ((gva >> shift) & 511) * 8, &e) < 0)
            return -EFAULT;
        if (!entry_allows(e, write, pg))
            return -EFAULT;
        if (level == 1 || (e & PTE_PS)) {
            uint64_t size = 1ull << shift;
            *gpa = (e & ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
            return 0;
        }
        table = e & ADDR_MASK;
    }
    return -EFAULT;
}

static int walk_32(const struct guest_mem *m, const struct guest_paging *pg,
                   uint64_t gva, bool write, uint64_t *gpa)
{
    if (gva >> 32)
        return -EFAULT;
    uint64_t e;
    if (read_entry32(m, (pg->cr3 & 0xfffff000ull) + ((gva >> 22) & 1023) * 4, &e) < 0 ||
        !entry_allows(e, write, pg))
        return -EFAULT;
    if ((e & PTE_PS) && (pg->cr4 & CR4_PSE)) {
        /* PSE-36: PDE bits 13.. carry physical address bits 32.. */
        *gpa = (e & 0xffc00000ull) | ((e >> 13) & 0xffull) << 32 | (gva & 0x3fffffull);
        return 0;
    }
    if (read_entry32(m, (e & 0xfffff000ull) + ((gva >> 12) & 1023) * 4, &e) < 0 ||
        !entry_allows(e, write, pg))
        return -EFAULT;
    *gpa = (e & 0xfffff000ull) | (gva & PAGE_MASK);
    return 0;
}

int guest_translate(const struct guest_mem *m, const struct guest_paging *pg,
                    uint64_t gva, bool write, uint64_t *gpa)
{
    if (!(pg->cr0 & CR0_PG)) {
        if (gva >> 32)
            return -EFAULT;
        *gpa = gva;
        return 0;
    }
    if (pg->efer & EFER_LMA)
        return walk_long(m, pg, gva, write, gpa);
    if (pg->cr4 & CR4_PAE)
        return walk_pae(m, pg, gva, write, gpa);
    return walk_32(m, pg, gva, write, gpa);
}

/* Host pointer to the part of [gva, gva+len) that lies in gva's page. */
static void *chunk(const struct guest_mem *m, const struct guest_paging *pg,
                   uint64_t gva, size_t len, bool write, size_t *n)
{
    uint64_t gpa;
    if (guest_translate(m, pg, gva, write, &gpa) < 0)
        return NULL;
    size_t room = 4096 - (gva & PAGE_MASK);
    *n = len < room ? len : room;
    return guest_mem_gpa(m, gpa, *n);
}

/* Every page of [gva, gva+len) translates: checked before a copy_from
 * writes anything, so a bad range leaves the destination untouched. */
static bool range_ok(const struct guest_mem *m, const struct guest_paging *pg, uint64_t gva,
                     size_t len, bool write)
{
    while (len) {
        size_t n;
        if (!chunk(m, pg, gva, len, write, &n))
            return false;
        gva += n;
        len -= n;
    }
    return true;
}

int guest_copy_from(const struct guest_mem *m, const struct guest_paging *pg,
                    void *dst, uint64_t gva, size_t len)
{
    uint8_t *out = dst;
    if (len && gva + (len - 1) < gva)
        return -EFAULT; /* wraps the address space */
    if (!range_ok(m, pg, gva, len, false))
        return -EFAULT;
    while (len) { /* a guest racing its own page tables may still fault here */
        size_t n;
        void *p = chunk(m, pg, gva, len, false, &n);
        if (!p)
            return -EFAULT;
        memcpy(out, p, n);
        out += n;
        gva += n;
        len -= n;
    }
    return 0;
}

int guest_copy_to(const struct guest_mem *m, const struct guest_paging *pg,
                  uint64_t gva, const void *src, size_t len)
{
    const uint8_t *in = src;
    if (len && gva + (len - 1) < gva)
        return -EFAULT;
    while (len) {
        size_t n;
        void *p = chunk(m, pg, gva, len, true, &n);
        if (!p)
            return -EFAULT;
        memcpy(p, in, n);
        in += n;
        gva += n;
        len -= n;
    }
    return 0;
}
