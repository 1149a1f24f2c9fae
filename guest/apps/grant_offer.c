/*
 * grant_offer.c - app=grant-offer count=N [hold=1] [idle_s=S]: the guest
 * half of the Dom0 grant tests (tests/tools/gnttab_peer.c) and of the
 * grant map benchmark (bench/gnttab_rate.c).
 *
 * Grants Dom0 N pages writable (refs R .. R+N-1, each filled with
 * XL_PATTERN_GUEST(i)) and one more page read-only (ro_ref), offers an
 * event channel to Dom0 and prints
 *   grant-offer: domid D port P refs R count N ro_ref Q
 * With hold=1 it then only waits (until destroyed, or idle_s). Otherwise
 * it checks Xen's flag discipline from the granting side, event by event:
 *   event 1  Dom0 has mapped every page (writable ones rw, ro_ref ro) and
 *            answered XL_PATTERN_DOM0(i) in the writable ones: the answer
 *            is there, flags show GTF_reading (+ GTF_writing where rw),
 *            and ending access is refused (-EBUSY). We notify Dom0.
 *   event 2  Dom0 has unmapped (or closed its connection): flags are
 *            clear and ending access succeeds.
 * Then "grant-offer: PASS", or "grant-offer: FAIL ..." and a crash.
 */
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/grant.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "xenolith/test_pattern.h"

#define MAX_PAGES 64u

static uint8_t pages[MAX_PAGES + 1][4096] __attribute__((aligned(4096)));
static grant_ref_t refs[MAX_PAGES + 1];
static volatile int events;
static unsigned failures;

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    events++;
}

static void fail(const char *what, unsigned page, long got, long want)
{
    failures++;
    printf("grant-offer: FAIL %s (page %u): got %ld, want %ld\n", what, page, got, want);
}

/* Waits until `n` events have arrived in all; false after idle_s. */
static bool wait_events(int n, uint64_t idle_s)
{
    uint64_t deadline = time_now_ns() + idle_s * 1000000000ull;
    while (events < n) {
        wait_flag_until(0, 0);
        if (events < n && time_now_ns() > deadline) {
            printf("grant-offer: FAIL no event %d from Dom0 within %llu s\n", n,
                   (unsigned long long)idle_s);
            return false;
        }
    }
    return true;
}

static bool pattern_is(const uint8_t *p, uint32_t seed)
{
    for (uint32_t i = 0; i < 4096; i++)
        if (p[i] != xl_pattern(seed, i))
            return false;
    return true;
}

/* While Dom0 maps everything: its answer, the flags, and no revoking. */
static void check_mapped(unsigned count)
{
    for (unsigned i = 0; i <= count; i++) {
        bool ro = i == count;
        uint16_t want = GTF_permit_access | GTF_reading | (ro ? GTF_readonly : GTF_writing);
        uint16_t f = grant_flags(refs[i]);
        if (f != want)
            fail("flags while mapped", i, f, want);
        if (!pattern_is(pages[i], ro ? XL_PATTERN_GUEST(i) : XL_PATTERN_DOM0(i)))
            fail(ro ? "read-only page changed" : "Dom0's answer", i, 0, 1);
        int rc = grant_end_access(refs[i]);
        if (rc != -EBUSY)
            fail("end access while mapped", i, rc, -EBUSY);
    }
}

static void check_released(unsigned count)
{
    for (unsigned i = 0; i <= count; i++) {
        bool ro = i == count;
        uint16_t want = GTF_permit_access | (ro ? GTF_readonly : 0);
        uint16_t f = grant_flags(refs[i]);
        if (f != want)
            fail("flags after unmap", i, f, want);
        int rc = grant_end_access(refs[i]);
        if (rc != 0)
            fail("end access after unmap", i, rc, 0);
    }
}

int app_grant_offer(void)
{
    uint64_t count = cmdline_u64("count", 1);
    uint64_t idle_s = cmdline_u64("idle_s", 30);
    bool hold = cmdline_u64("hold", 0) != 0;
    if (count < 1 || count > MAX_PAGES) {
        printf("grant-offer: count must be 1..%u\n", MAX_PAGES);
        return 1;
    }
    int rc = grant_init();
    if (rc < 0) {
        printf("grant-offer: grant_init: %d\n", rc);
        return 1;
    }
    for (unsigned i = 0; i <= count; i++) {
        for (uint32_t b = 0; b < 4096; b++)
            pages[i][b] = xl_pattern(XL_PATTERN_GUEST(i), b);
        uint64_t gfn = (uint64_t)(uintptr_t)pages[i] >> 12; /* 1:1 */
        rc = grant_access(0, gfn, i == count, &refs[i]);
        if (rc < 0 || (i > 0 && refs[i] != refs[i - 1] + 1)) {
            printf("grant-offer: grant_access: %d (ref %u)\n", rc, refs[i]);
            return 1;
        }
    }
    evtchn_port_t port;
    rc = evtchn_alloc_unbound(0, &port);
    if (rc < 0) {
        printf("grant-offer: alloc_unbound: %d\n", rc);
        return 1;
    }
    evtchn_set_handler(port, on_event, 0);
    printf("grant-offer: domid %u port %u refs %u count %llu ro_ref %u\n", boot.domid, port,
           refs[0], (unsigned long long)count, refs[count]);
    console_flush();
    if (hold) {
        uint64_t until = time_now_ns() + idle_s * 1000000000ull;
        while (time_now_ns() < until)
            sleep_ns(100000000);
        return 0;
    }
    if (!wait_events(1, idle_s))
        return 1;
    check_mapped((unsigned)count);
    printf("grant-offer: mapped: checked %llu page%s\n", (unsigned long long)count + 1,
           count ? "s" : "");
    console_flush();
    evtchn_notify(port);
    if (!wait_events(2, idle_s))
        return 1;
    check_released((unsigned)count);
    if (failures) {
        printf("grant-offer: FAIL (%u checks)\n", failures);
        return 1;
    }
    printf("grant-offer: PASS\n");
    return 0;
}
