/*
 * balloon.h - the balloon driver (kernel/balloon.c): follows memory/target
 * (KiB, written by xl mem-set) by handing pages of the page pool back to
 * the hypervisor (XENMEM_decrease_reservation) and taking them again
 * (XENMEM_populate_physmap), as Linux's drivers/xen/balloon.c. Only pool
 * pages can go (kernel/page_alloc.h): the kernel image, the boot data and
 * what drivers hold stay, so a target below that is reached as far as
 * the pool allows and the shortfall is reported on the console.
 */
#ifndef GUEST_BALLOON_H
#define GUEST_BALLOON_H

#include <stdint.h>

/* Pages the domain holds now by our count (start_info's nr_pages less
 * what is ballooned out). */
uint64_t balloon_current_pages(void);

#endif
