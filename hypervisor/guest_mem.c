/*
 * guest_mem.c - a domain's RAM as one memfd, split into KVM memslots around
 * the 4 GiB hole as libxl lays out a PVH domU.
 */
#include "guest_mem.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenolith/boot.h"

#define PAGE_SIZE 4096ull
#define SPECIAL_GPA (XL_SPECIAL_PFN_BASE << 12)
#define SPECIAL_BYTES (XL_SPECIAL_PAGES * PAGE_SIZE)

int guest_mem_create(struct guest_mem *m, uint64_t ram_bytes, const char *name)
{
    memset(m, 0, sizeof(*m));
    m->fd = -1;
    if (ram_bytes == 0 || ram_bytes % PAGE_SIZE || ram_bytes > (1ull << 40))
        return -EINVAL;
    m->low_bytes = ram_bytes < XL_LOWMEM_LIMIT ? ram_bytes : XL_LOWMEM_LIMIT;
    m->high_bytes = ram_bytes - m->low_bytes;
    m->special_off = ram_bytes;
    m->xen_off = ram_bytes + SPECIAL_BYTES;
    m->size = m->xen_off + GUEST_XEN_PAGES * PAGE_SIZE;

    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)m->size) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    /* MAP_NORESERVE: pages are allocated as the guest touches them. */
    void *p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (p == MAP_FAILED) {
        int err = -errno;
        close(fd);
        return err;
    }
    m->fd = fd;
    m->base = p;
    return 0;
}

void guest_mem_destroy(struct guest_mem *m)
{
    if (m->base)
        munmap(m->base, m->size);
    if (m->fd >= 0)
        close(m->fd);
    m->base = NULL;
    m->fd = -1;
}

static int set_slot_flags(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
                          uint32_t flags)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)host,
    };
    return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

static int set_slot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
    return set_slot_flags(vm_fd, slot, gpa, size, host, 0);
}

int guest_mem_register(const struct guest_mem *m, int vm_fd)
{
    int rc = set_slot(vm_fd, 0, 0, m->low_bytes, m->base);
    if (rc == 0 && m->high_bytes)
        rc = set_slot(vm_fd, 1, XL_HIGHMEM_BASE, m->high_bytes, m->base + m->low_bytes);
    if (rc == 0)
        rc = set_slot(vm_fd, 2, SPECIAL_GPA, SPECIAL_BYTES, m->base + m->special_off);
    return rc;
}

void *guest_mem_gpa(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
    if (!m->base)
        return NULL;
    long long off = xl_gpa_to_offset(m->low_bytes, m->high_bytes, gpa, len);
    return off < 0 ? NULL : m->base + off;
}

void *guest_mem_xen_page(const struct guest_mem *m, unsigned idx)
{
    return idx < GUEST_XEN_PAGES && m->base ? m->base + m->xen_off + idx * PAGE_SIZE : NULL;
}

bool guest_mem_is_ram(const struct guest_mem *m, uint64_t gpa)
{
    return gpa < m->low_bytes ||
           (m->high_bytes && gpa >= XL_HIGHMEM_BASE && gpa - XL_HIGHMEM_BASE < m->high_bytes);
}

uint64_t guest_mem_ram_pages(const struct guest_mem *m)
{
    return (m->low_bytes + m->high_bytes) / PAGE_SIZE;
}

/*
 * Migration's pre-copy. Only the RAM slots are logged: the special pages
 * and the hypervisor's pages are few, and the toolstack sends them all in
 * the last round, since Dom0 writes them without KVM seeing it.
 */
int guest_mem_dirty_log(const struct guest_mem *m, int vm_fd, bool on)
{
    uint32_t flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0;
    int rc = set_slot_flags(vm_fd, 0, 0, m->low_bytes, m->base, flags);
    if (rc == 0 && m->high_bytes)
        rc = set_slot_flags(vm_fd, 1, XL_HIGHMEM_BASE, m->high_bytes, m->base + m->low_bytes,
                            flags);
    return rc;
}

static int fetch_slot(int vm_fd, uint32_t slot, uint64_t pages, uint64_t *bitmap, uint64_t first)
{
    size_t words = (size_t)((pages + 63) / 64);
    uint64_t *log = calloc(words ? words : 1, sizeof(uint64_t));
    if (!log)
        return -ENOMEM;
    struct kvm_dirty_log d = {.slot = slot, .dirty_bitmap = log};
    int rc = ioctl(vm_fd, KVM_GET_DIRTY_LOG, &d) < 0 ? -errno : 0;
    for (uint64_t w = 0; rc == 0 && w < words; w++) {
        if (!log[w])
            continue;
        if (first % 64 == 0) {
            bitmap[first / 64 + w] |= log[w];
            continue;
        }
        for (unsigned b = 0; b < 64; b++) /* high RAM after an odd low RAM size */
            if (log[w] >> b & 1) {
                uint64_t i = first + w * 64 + b;
                bitmap[i / 64] |= 1ull << (i % 64);
            }
    }
    free(log);
    return rc;
}

int guest_mem_dirty_fetch(const struct guest_mem *m, int vm_fd, uint64_t *bitmap)
{
    uint64_t low = m->low_bytes / PAGE_SIZE;
    int rc = fetch_slot(vm_fd, 0, low, bitmap, 0);
    if (rc == 0 && m->high_bytes)
        rc = fetch_slot(vm_fd, 1, m->high_bytes / PAGE_SIZE, bitmap, low);
    return rc;
}

uint64_t guest_mem_offset_gpa(const struct guest_mem *m, uint64_t off)
{
    if (off < m->low_bytes)
        return off;
    if (off < m->low_bytes + m->high_bytes)
        return XL_HIGHMEM_BASE + (off - m->low_bytes);
    if (off < m->special_off + SPECIAL_BYTES)
        return SPECIAL_GPA + (off - m->special_off);
    return UINT64_MAX;
}
