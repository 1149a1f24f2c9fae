/*
 * guest_access.h - reaching hypercall arguments: guest-virtual addresses
 * translated through the vCPU's own page tables, as Xen's copy_from_guest
 * does for a PVH guest. Every address and length is checked; anything not
 * mapped, not present, not writable for a write, non-canonical, or landing
 * outside the domain's memory gives -EFAULT and touches nothing.
 *
 * Paging modes: off (linear == physical), 32-bit (2-level, PSE), PAE
 * (3-level) and 4-level long mode, with 4 KiB / 2-4 MiB / 1 GiB pages.
 * Pure functions of guest memory and the paging registers: callable from
 * any thread that holds the domain alive.
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

/* The paging-relevant control registers of one vCPU at one moment. */
struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
};

/* Translates gva; 0 with *gpa set, or -EFAULT. */
int guest_translate(const struct guest_mem *m, const struct guest_paging *pg,
                    uint64_t gva, bool write, uint64_t *gpa);

/* Copies len bytes between host and guest-virtual memory, page by page.
 * 0 or -EFAULT. A copy_from checks the whole range first, so a bad range
 * leaves dst untouched (unless the guest rewrites its page tables during
 * the copy); a copy_to may have written a prefix, as on Xen. */
int guest_copy_from(const struct guest_mem *m, const struct guest_paging *pg,
                    void *dst, uint64_t gva, size_t len);
int guest_copy_to(const struct guest_mem *m, const struct guest_paging *pg,
                  uint64_t gva, const void *src, size_t len);

#endif
