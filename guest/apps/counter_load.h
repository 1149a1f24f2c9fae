/*
 * counter_load.h - the I/O app=counter keeps going while it counts, so a
 * save, restore or migration is seen to keep the guest's devices working
 * and its data intact, not just its memory.
 *
 * With a disk (the first vbd): a thread writes rounds of the block pattern
 * (include/xenolith/blk_pattern.h, seed 7, generation = the round) over
 * the first disk_mb=M MiB (default 4) in 64 KiB blocks, four in flight,
 * then reads every block back and checks it, and every 10 rounds prints
 *     counter: disk round R verified (M MiB, N writes, N reads)
 * or, at the first error or mismatch, one "counter: disk FAIL ..." line,
 * and stops. It yields between polls, so a suspend finds requests in
 * flight: blkfront must send them again after a resume.
 *
 * With a vif (vif 0, ip= in its config): the IP stack answers pings, and
 * with ping=A.B.C.D the thread pings that peer every 100 ms, printing
 *     counter: net N replies of M pings from A.B.C.D
 * every 10 replies.
 *
 * counter_load_start() returns 0 (started what the domain has), or -errno
 * after printing why. Threads (thread.h) must be running afterwards.
 */
#ifndef GUEST_APPS_COUNTER_LOAD_H
#define GUEST_APPS_COUNTER_LOAD_H

int counter_load_start(void);

#endif
