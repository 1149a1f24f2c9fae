/*
 * physmap.c - hypervisor pages in the guest physmap (see physmap.h).
 */
#include "physmap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "xenolith/boot.h"

#define PAGE 4096ull
#define MAX_PRIVATE_SLOTS 64
#define MAX_GFN ((1ull << 40) >> 12) /* 1 TiB of guest-physical space */

void physmap_init(struct physmap *pm)
{
    pthread_mutex_init(&pm->lock, NULL);
    for (unsigned i = 0; i < GUEST_XEN_PAGES; i++) {
        pm->gfn[i] = PHYSMAP_NO_GFN;
        pm->slot[i] = -1;
    }
    pm->slots_used = 0;
}

void physmap_destroy(struct physmap *pm)
{
    pthread_mutex_destroy(&pm->lock);
}

static long long ram_offset(const struct guest_mem *m, uint64_t gfn)
{
    return xl_gpa_to_offset(m->low_bytes, m->high_bytes, gfn << 12, PAGE);
}

/* Point the daemon's view of fd offset `at` at fd offset `from`. */
static int remap(const struct guest_mem *m, uint64_t at, uint64_t from)
{
    void *p = mmap(m->base + at, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, m->fd,
                   (off_t)from);
    return p == MAP_FAILED ? -errno : 0;
}

static int set_slot(int vm_fd, int slot, uint64_t gpa, uint64_t size, void *host)
{
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)slot, .guest_phys_addr = gpa, .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)host,
    };
    return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/* Takes xen page idx out of the physmap. */
static void unplace(struct physmap *pm, struct guest_mem *m, int vm_fd, unsigned idx)
{
    uint64_t gfn = pm->gfn[idx];
    if (gfn == PHYSMAP_NO_GFN)
        return;
    if (pm->slot[idx] >= 0) {
        set_slot(vm_fd, pm->slot[idx], gfn << 12, 0, NULL);
        pm->slots_used &= ~(1ull << (pm->slot[idx] - PHYSMAP_FIRST_SLOT));
    } else {
        /* Back to the RAM page, which was freed (reads as zero). */
        long long off = ram_offset(m, gfn);
        if (off >= 0)
            remap(m, (uint64_t)off, (uint64_t)off);
    }
    pm->gfn[idx] = PHYSMAP_NO_GFN;
    pm->slot[idx] = -1;
}

static int place_over_ram(struct physmap *pm, struct guest_mem *m, unsigned idx, uint64_t gfn,
                          uint64_t ram_off)
{
    /* Xen frees the RAM page it replaces. */
    fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)ram_off, PAGE);
    int rc = remap(m, ram_off, m->xen_off + idx * PAGE);
    if (rc == 0) {
        pm->gfn[idx] = gfn;
        pm->slot[idx] = -1;
    }
    return rc;
}

static int place_in_hole(struct physmap *pm, struct guest_mem *m, int vm_fd, unsigned idx,
                         uint64_t gfn)
{
    int free_slot = -1;
    for (int i = 0; i < MAX_PRIVATE_SLOTS; i++) {
        if (!(pm->slots_used & (1ull << i))) {
            free_slot = i;
            break;
        }
    }
    if (free_slot < 0)
        return -ENOSPC;
    int slot = PHYSMAP_FIRST_SLOT + free_slot;
    int rc = set_slot(vm_fd, slot, gfn << 12, PAGE, guest_mem_xen_page(m, idx));
    if (rc < 0)
        return rc;
    pm->slots_used |= 1ull << free_slot;
    pm->gfn[idx] = gfn;
    pm->slot[idx] = slot;
    return 0;
}

/* The local APIC's page: never shadow it with a memslot. */
#define APIC_GFN 0xfee00ull

int physmap_place(struct physmap *pm, struct guest_mem *m, int vm_fd, unsigned idx, uint64_t gfn)
{
    if (idx >= GUEST_XEN_PAGES || gfn >= MAX_GFN || gfn == APIC_GFN)
        return -EINVAL;
    pthread_mutex_lock(&pm->lock);
    int rc = 0;
    if (pm->gfn[idx] != gfn) {
        /* One page per GFN: whatever hypervisor page sat there moves out. */
        for (unsigned i = 0; i < GUEST_XEN_PAGES; i++)
            if (pm->gfn[i] == gfn)
                unplace(pm, m, vm_fd, i);
        unplace(pm, m, vm_fd, idx);
        long long off = ram_offset(m, gfn);
        rc = off >= 0 ? place_over_ram(pm, m, idx, gfn, (uint64_t)off)
                      : place_in_hole(pm, m, vm_fd, idx, gfn);
    }
    pthread_mutex_unlock(&pm->lock);
    return rc;
}

uint64_t physmap_gfn(struct physmap *pm, unsigned idx)
{
    pthread_mutex_lock(&pm->lock);
    uint64_t g = idx < GUEST_XEN_PAGES ? pm->gfn[idx] : PHYSMAP_NO_GFN;
    pthread_mutex_unlock(&pm->lock);
    return g;
}

int physmap_find(struct physmap *pm, uint64_t gfn)
{
    int idx = -1;
    if (gfn == PHYSMAP_NO_GFN)
        return -1;
    pthread_mutex_lock(&pm->lock);
    for (unsigned i = 0; i < GUEST_XEN_PAGES && idx < 0; i++)
        if (pm->gfn[i] == gfn)
            idx = (int)i;
    pthread_mutex_unlock(&pm->lock);
    return idx;
}
