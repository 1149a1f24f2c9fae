/*
 * physmap.h - placing hypervisor-owned pages (shared_info, grant frames) in
 * a guest's physical address space, as XENMEM_add_to_physmap does on Xen.
 *
 * A guest picks the GFN. If it is RAM, that RAM page is freed and the
 * daemon's mapping of it is replaced (mmap MAP_FIXED) by the hypervisor
 * page, so KVM, the guest and our own guest-memory accessors all see the
 * new page. If it is not RAM (a hole, where Linux and Mini-OS like to put
 * grant frames), the page gets a one-page KVM memslot of its own. A page
 * has one GFN at a time: placing it again moves it, and the old GFN
 * reverts to (zeroed) RAM or to nothing.
 *
 * Called on vCPU threads; physmap keeps its own lock.
 */
#ifndef HV_PHYSMAP_H
#define HV_PHYSMAP_H

#include <pthread.h>
#include <stdint.h>

#include "guest_mem.h"

#define PHYSMAP_NO_GFN UINT64_MAX

struct physmap {
    pthread_mutex_t lock;
    uint64_t gfn[GUEST_XEN_PAGES];      /* PHYSMAP_NO_GFN when not placed */
    int slot[GUEST_XEN_PAGES];          /* private memslot, or -1 (RAM remap) */
    uint64_t slots_used;                /* bit i: memslot PHYSMAP_FIRST_SLOT + i */
};

#define PHYSMAP_FIRST_SLOT 8

void physmap_init(struct physmap *pm);
void physmap_destroy(struct physmap *pm);

/* Places xen page idx at gfn. 0, or -EINVAL (bad gfn or idx), -ENOSPC (no
 * memslot left), -errno from mmap/KVM. */
int physmap_place(struct physmap *pm, struct guest_mem *m, int vm_fd, unsigned idx, uint64_t gfn);

/* The GFN where xen page idx is placed, or PHYSMAP_NO_GFN. */
uint64_t physmap_gfn(struct physmap *pm, unsigned idx);

/* The xen page placed at gfn, or -1 if none is. */
int physmap_find(struct physmap *pm, uint64_t gfn);

#endif
