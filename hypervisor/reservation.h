/*
 * reservation.h - a domain's memory reservation: which of its RAM pages it
 * holds, and how many it may hold. The balloon driver in the guest gives
 * pages back (XENMEM_decrease_reservation) and asks for them again
 * (XENMEM_populate_physmap / increase_reservation); `xl mem-max` and
 * `xl mem-set` move the maximum (control.h DOMAIN_SET_MAXMEM).
 *
 * A page given back is really returned to the host: its range of the
 * domain's memfd is punched out (madvise MADV_REMOVE on the daemon's
 * shared mapping), so the host's free memory grows and the daemon's RSS
 * falls; KVM drops its mapping through its MMU notifier. Populating it
 * again costs nothing until the guest touches it, when the host hands a
 * zeroed page in.
 *
 * Unlike Xen, a guest touching a page it gave back is not stopped: it
 * gets a fresh zero page from the host, charged to the daemon as any
 * other. The accounting (what xl list shows) follows the hypercalls, so
 * a guest that does so only hurts itself, and only up to the RAM it was
 * built with.
 *
 * The domain's RAM can never grow past what it was built with (the memfd
 * is sized at create); the maximum moves between 1 page and that.
 *
 * Threads: any vCPU thread of the domain (hypercalls) and the main thread
 * (control ops, dominfo); the struct keeps its own lock.
 */
#ifndef HV_RESERVATION_H
#define HV_RESERVATION_H

#include <pthread.h>
#include <stdint.h>

struct domain;

struct reservation {
    pthread_mutex_t lock;
    uint64_t *absent;         /* bit per RAM page (low RAM first, then high) */
    uint64_t nr_pages;        /* RAM pages the domain was built with */
    uint64_t nr_absent;       /* given back */
    uint64_t max_pages;       /* may hold at most; nr_pages at create */
};

/* For nr_pages of RAM, every page present. 0 or -ENOMEM. */
int reservation_init(struct reservation *r, uint64_t nr_pages);
void reservation_destroy(struct reservation *r);

/* Pages held now (nr_pages - nr_absent), and the maximum. A reservation
 * never initialised (unit tests' fake domains) holds nothing. */
uint64_t reservation_current(struct reservation *r);
uint64_t reservation_max(struct reservation *r);

/* New maximum in pages. 0, -EINVAL (0), -E2BIG (above nr_pages). */
int reservation_set_max(struct reservation *r, uint64_t pages);

/*
 * Gives RAM page gfn of d back to the host. 0, or
 *   -EINVAL  gfn is not RAM, or a hypervisor page (shared_info, a grant
 *            frame) is placed there;
 *   -ENOENT  the page was given back already;
 *   -errno   from madvise (the page stays held).
 */
int reservation_release(struct domain *d, uint64_t gfn);

/* Takes RAM page gfn of d back. 0, or -EINVAL (not RAM), -EEXIST (held
 * already), -ENOMEM (the domain is at its maximum). */
int reservation_populate(struct domain *d, uint64_t gfn);

#endif
