/*
 * guest_mem.h - a domain's RAM: one memfd holding low RAM, high RAM (above
 * the 4 GiB hole) and Xen's special pages, mapped once into the daemon and
 * registered as KVM memslots. The fd is what the control socket hands to the
 * domain builder as a foreign mapping.
 *
 * Layout (include/xenolith/boot.h): GPA [0, low) -> fd [0, low);
 * GPA [4G, 4G+high) -> fd [low, low+high); special pages at
 * XL_SPECIAL_PFN_BASE -> fd [low+high, +8 pages). After them, in no memslot
 * until the guest asks (physmap.c), the hypervisor-owned pages: shared_info
 * and the grant-table frames.
 *
 * Owned by the domain; created before its vCPUs, destroyed after them.
 */
#ifndef HV_GUEST_MEM_H
#define HV_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_XEN_SHARED_INFO  0u   /* xen page index of shared_info */
#define GUEST_XEN_GRANT_FIRST  1u   /* grant frame i is xen page 1 + i */
#define GUEST_GRANT_MAX_FRAMES 64u  /* Xen's default gnttab_max_frames */
#define GUEST_XEN_PAGES        (GUEST_XEN_GRANT_FIRST + GUEST_GRANT_MAX_FRAMES)

struct guest_mem {
    int fd;
    uint8_t *base;          /* mmap of the whole fd */
    uint64_t size;          /* fd size */
    uint64_t low_bytes;     /* RAM at GPA 0 */
    uint64_t high_bytes;    /* RAM at GPA 4 GiB */
    uint64_t special_off;   /* fd offset of the special pages */
    uint64_t xen_off;       /* fd offset of the hypervisor-owned pages */
};

/* Host pointer to hypervisor-owned page idx (< GUEST_XEN_PAGES). */
void *guest_mem_xen_page(const struct guest_mem *m, unsigned idx);

/* Creates the memfd for ram_bytes of RAM (a multiple of 4 KiB, > 0) and
 * maps it. 0 or -errno (-EINVAL bad size, -ENOMEM). */
int guest_mem_create(struct guest_mem *m, uint64_t ram_bytes, const char *name);
void guest_mem_destroy(struct guest_mem *m);

/* Registers the regions as KVM memslots of vm_fd. 0 or -errno. */
int guest_mem_register(const struct guest_mem *m, int vm_fd);

/* KVM dirty logging of the RAM memslots (low and high RAM) on or off.
 * 0 or -errno. */
int guest_mem_dirty_log(const struct guest_mem *m, int vm_fd, bool on);
/* ORs the RAM pages written since the last call (or since logging went
 * on) into bitmap, bit i = RAM page i in fd order, and clears KVM's log.
 * bitmap holds guest_mem_ram_pages() bits. 0 or -errno. */
int guest_mem_dirty_fetch(const struct guest_mem *m, int vm_fd, uint64_t *bitmap);
/* The GPA of fd offset off, or UINT64_MAX if off is past RAM and the
 * special pages. */
uint64_t guest_mem_offset_gpa(const struct guest_mem *m, uint64_t off);

/* Host pointer to [gpa, gpa+len) if it lies wholly inside one region
 * (RAM or special pages), else NULL. len may be 0. */
void *guest_mem_gpa(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* True if the page holding gpa is ordinary RAM (not a special page). */
bool guest_mem_is_ram(const struct guest_mem *m, uint64_t gpa);

/* Number of RAM pages. */
uint64_t guest_mem_ram_pages(const struct guest_mem *m);

#endif
