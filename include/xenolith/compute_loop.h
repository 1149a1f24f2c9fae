/*
 * compute_loop.h - the fixed integer loop of the guest_compute benchmark.
 * The guest (app=compute) and the host reference run this same function, so
 * the benchmark's ratio compares like with like. Freestanding: no includes.
 */
#ifndef XENOLITH_COMPUTE_LOOP_H
#define XENOLITH_COMPUTE_LOOP_H

/* A xorshift/multiply chain: integer-only, no memory traffic, and each
 * iteration depends on the last, so the compiler can neither vectorise nor
 * skip it. Returns the final state so the caller can print it. */
static inline unsigned long long compute_loop(unsigned long long iters)
{
    unsigned long long x = 0x9e3779b97f4a7c15ull;
    for (unsigned long long i = 0; i < iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x += i;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

#endif
