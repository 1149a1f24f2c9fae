/*
 * evil.h - app=evil, the hostile guest: hundreds of attacks on the
 * hypervisor's and Dom0's boundaries in one run, each checked against the
 * answer Xen gives. Shared by the attack families (evil_<family>.c).
 *
 * An attack is one call whose expected result is known: evil_expect()
 * compares, then checks that nothing else changed (evil_intact(): our
 * canary page and our sentinel event channel, which no failed call may
 * touch), and prints one line:
 *   "PASS evil/<family>: <what> = <result>"
 *   "FAIL evil/<family>: <what>: got X, want Y[, and <what changed>]"
 * A family that cannot run here (no disk, no vif) says why with
 * evil_skip(): "SKIP evil/<family>: <why>", counted apart, never as passed.
 * app_evil() ends with "evil: N attacks, N passed, N failed, N families
 * skipped".
 *
 * Command line: victim=D names a well-behaved guest whose event channels,
 * grants and xenstore nodes are attacked (default: none, those attacks are
 * skipped); only=FAMILY runs one family.
 *
 * The device families (blkif, netif) attack the backends through our own
 * disk and vif, so the guest needs disk = [ ... ] and vif = [ ... ] for
 * them; their last attack breaks the device's ring for good.
 *
 * Adding a family: write evil_<family>.c with `void evil_<family>(void)`,
 * declare it below and add a row to evil_families[] in evil.c. The device
 * families connect through xenstore, and the xenstore family's final
 * attack costs us our store connection: it runs last.
 */
#ifndef GUEST_APPS_EVIL_H
#define GUEST_APPS_EVIL_H

#include <stdbool.h>
#include <stdint.h>

#include "xenolith/xen.h"

struct evil_world {
    domid_t self;            /* our domid */
    domid_t victim;          /* victim=D, or DOMID_INVALID */
    uint64_t map_end;        /* first guest-virtual address past mapped RAM */
    bool map_end_exact;      /* map_end is where the builder's mapping ends */
};

extern struct evil_world evil;

/* Sets the family that the next results are printed under. */
void evil_family(const char *name);
/* Records one attack; returns whether it passed. `what` is printf-like. */
bool evil_expect(long got, long want, const char *what, ...) __attribute__((format(printf, 3, 4)));
/* Whether our canary page and sentinel port are as we left them. */
bool evil_intact(const char **why);
/* Says why the current family cannot run here; counted as skipped. */
void evil_skip(const char *why);

/* Guest addresses that are not memory for us, with names for messages:
 * above RAM, user-half unmapped, non-canonical, top of the address space,
 * a struct wrapping past 2^64, a struct whose tail is past RAM. */
struct evil_ptr {
    const char *name;
    uint64_t addr;
};
/* Fills out[] (at least EVIL_BAD_PTRS) and returns how many apply. */
#define EVIL_BAD_PTRS 8
unsigned evil_bad_ptrs(struct evil_ptr *out, unsigned struct_size);

long evil_hypercall5(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* The families, run in this order. */
void evil_hcall(void);
void evil_evtchn(void);
void evil_grant(void);
void evil_blkif(void);
void evil_netif(void);
void evil_xenstore(void);

#endif
