/*
 * evtchn_2l.h - the 2-level event-channel bit protocol in shared_info, as
 * Xen orders it (xen-abi.md 4.3). Shared by everything that raises events
 * into a guest: the hypervisor, and Dom0 backends that hold a mapping of
 * the guest's shared_info. The bit operations are atomic and full
 * barriers, as the guest's scan relies on.
 */
#ifndef XENOLITH_EVTCHN_2L_H
#define XENOLITH_EVTCHN_2L_H

#include <stdbool.h>

#include "xenolith/xen.h"

#define EVTCHN_2L_NR_PORTS (sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define EVTCHN_2L_WORD_BITS (sizeof(xen_ulong_t) * 8)

static inline bool evtchn_2l_test_and_set(xen_ulong_t *word, unsigned bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << bit;
    return __atomic_fetch_or(word, m, __ATOMIC_SEQ_CST) & m;
}

static inline bool evtchn_2l_test_and_clear(xen_ulong_t *word, unsigned bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << bit;
    return __atomic_fetch_and(word, ~m, __ATOMIC_SEQ_CST) & m;
}

static inline bool evtchn_2l_test(const xen_ulong_t *word, unsigned bit)
{
    return __atomic_load_n(word, __ATOMIC_SEQ_CST) & ((xen_ulong_t)1 << bit);
}

/* "Mark events pending" on vi: true when evtchn_upcall_pending went 0->1,
 * i.e. the caller must raise the upcall. */
static inline bool evtchn_2l_mark_vcpu(struct vcpu_info *vi, unsigned word)
{
    if (evtchn_2l_test_and_set(&vi->evtchn_pending_sel, word))
        return false;
    return __atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) == 0;
}

/*
 * Sets port pending. Returns true when the caller must raise the upcall on
 * the vCPU owning vi. *newly (if not NULL) says whether the pending bit
 * went 0->1, which is what wakes SCHEDOP_poll waiters even when masked.
 */
static inline bool evtchn_2l_set_pending(struct shared_info *s, struct vcpu_info *vi,
                                         unsigned port, bool *newly)
{
    unsigned w = port / EVTCHN_2L_WORD_BITS, b = port % EVTCHN_2L_WORD_BITS;
    bool was = evtchn_2l_test_and_set(&s->evtchn_pending[w], b);
    if (newly)
        *newly = !was;
    if (was || evtchn_2l_test(&s->evtchn_mask[w], b))
        return false;
    return evtchn_2l_mark_vcpu(vi, w);
}

/* EVTCHNOP_unmask: a port that became pending while masked is raised now. */
static inline bool evtchn_2l_unmask(struct shared_info *s, struct vcpu_info *vi, unsigned port)
{
    unsigned w = port / EVTCHN_2L_WORD_BITS, b = port % EVTCHN_2L_WORD_BITS;
    if (!evtchn_2l_test_and_clear(&s->evtchn_mask[w], b))
        return false;
    if (!evtchn_2l_test(&s->evtchn_pending[w], b))
        return false;
    return evtchn_2l_mark_vcpu(vi, w);
}

static inline void evtchn_2l_clear_pending(struct shared_info *s, unsigned port)
{
    evtchn_2l_test_and_clear(&s->evtchn_pending[port / EVTCHN_2L_WORD_BITS],
                             port % EVTCHN_2L_WORD_BITS);
}

static inline bool evtchn_2l_is_pending(const struct shared_info *s, unsigned port)
{
    return evtchn_2l_test(&s->evtchn_pending[port / EVTCHN_2L_WORD_BITS],
                          port % EVTCHN_2L_WORD_BITS);
}

#endif
