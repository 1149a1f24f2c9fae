/*
 * spinlock.h - a test-and-set lock for the few structures several vCPUs
 * share. Not for interrupt context (no interrupt masking).
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

typedef struct {
    int held;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
            __asm__ volatile("pause");
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

#endif
