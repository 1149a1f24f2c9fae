/*
 * gnttab_peer.c - the Dom0 half of the grant tests, against a guest running
 * app=grant-offer (guest/apps/grant_offer.c), which printed
 *   grant-offer: domid D port P refs R count N ro_ref Q
 *
 * gnttab_peer exchange D P R N Q [--disconnect]
 *     Maps the N writable grants as one batch and the read-only one, checks
 *     the guest's pattern, answers with Dom0's in the writable pages, and
 *     notifies; the guest checks the answer and the flags and notifies back;
 *     then unmaps (or, with --disconnect, closes the connection that holds
 *     the maps) and notifies again. The guest prints PASS or FAIL.
 * gnttab_peer misuse D R N Q
 *     Every bad request gets Xen's exact GNTST_* status; a read-only map
 *     cannot be written; the strict copy path copies only granted bytes.
 *     One "PASS name" / "FAIL name: ..." line each.
 * gnttab_peer destroy D R
 *     Maps grant R, destroys the guest, and checks the mapping still holds
 *     the guest's pattern (the memory is not freed while mapped), then
 *     unmaps (GNTST_okay: the handle was orphaned, not lost).
 * Exit status 0 only if everything held.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libxc/evtchn.h"
#include "libxc/gnttab.h"
#include "libxc/xc.h"
#include "xenolith/test_pattern.h"
#include "xenolith/xen.h"

#define PAGE 4096u
#define WAIT_MS 20000

static int failed;

static void expect(const char *name, long got, long want)
{
    if (got == want) {
        printf("PASS %s\n", name);
    } else {
        printf("FAIL %s: got %ld, want %ld\n", name, got, want);
        failed++;
    }
}

static void expect_st(const char *name, int16_t got, int16_t want)
{
    if (got == want) {
        printf("PASS %s\n", name);
    } else {
        printf("FAIL %s: got %s, want %s\n", name, xc_gntst_name(got), xc_gntst_name(want));
        failed++;
    }
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "gnttab_peer: %s: %s\n", what, strerror(-rc));
    exit(1);
}

static struct xc *connect_or_die(void)
{
    struct xc *xc;
    int rc = xc_open(xc_default_rundir(), &xc);
    if (rc < 0)
        die("connect", rc);
    return xc;
}

static bool page_is(const uint8_t *p, uint32_t seed)
{
    for (uint32_t i = 0; i < PAGE; i++)
        if (p[i] != xl_pattern(seed, i))
            return false;
    return true;
}

static void fill(uint8_t *p, uint32_t seed)
{
    for (uint32_t i = 0; i < PAGE; i++)
        p[i] = xl_pattern(seed, i);
}

/* One notification from the guest within WAIT_MS. */
static void wait_guest(int fd, const char *what)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, WAIT_MS) != 1 || xc_evtchn_consume(fd) < 1) {
        fprintf(stderr, "gnttab_peer: no event from the guest: %s\n", what);
        exit(1);
    }
}

static int exchange(uint32_t domid, uint32_t port, uint32_t ref, uint32_t count, uint32_t ro_ref,
                    bool disconnect)
{
    struct xc *xc = connect_or_die();
    struct xc *maps_xc = disconnect ? connect_or_die() : xc;
    struct xc_evtchn_port p;
    int rc = xc_evtchn_bind_interdomain(xc, domid, port, &p);
    if (rc < 0)
        die("bind", rc);
    xc_evtchn_consume(p.fd); /* the bind leaves our port pending once */
    struct xc_gnttab *g;
    if ((rc = xc_gnttab_open(maps_xc, &g)) < 0)
        die("gnttab open", rc);
    uint32_t refs[XLCTL_GNTTAB_BATCH];
    for (uint32_t i = 0; i < count; i++)
        refs[i] = ref + i;
    void *rw, *ro;
    if ((rc = xc_gnttab_map(g, domid, count, refs, false, &rw, NULL)) < 0)
        die("map the writable grants", rc);
    if ((rc = xc_gnttab_map(g, domid, 1, &ro_ref, true, &ro, NULL)) < 0)
        die("map the read-only grant", rc);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *pg = (uint8_t *)rw + i * PAGE;
        expect("the guest's pattern in a writable grant", page_is(pg, XL_PATTERN_GUEST(i)), 1);
        fill(pg, XL_PATTERN_DOM0(i));
    }
    expect("the guest's pattern in the read-only grant", page_is(ro, XL_PATTERN_GUEST(count)), 1);
    xc_evtchn_notify_sync(xc, p.port);
    wait_guest(p.fd, "after it checked our maps");
    if (disconnect) {
        munmap(rw, count * PAGE);
        munmap(ro, PAGE);
        xc_close(maps_xc); /* the daemon unmaps every grant it held */
    } else {
        expect("unmap the writable grants", xc_gnttab_unmap(g, rw, count), 0);
        expect("unmap the read-only grant", xc_gnttab_unmap(g, ro, 1), 0);
    }
    xc_evtchn_notify_sync(xc, p.port);
    printf("gnttab_peer: exchange of %u+1 pages done%s\n", count,
           disconnect ? " (released by disconnecting)" : "");
    if (!disconnect)
        xc_gnttab_close(g);
    xc_close(xc);
    return failed ? 1 : 0;
}

/* Whether writing to p kills a child with SIGSEGV (a read-only map). */
static bool write_faults(volatile uint8_t *p)
{
    pid_t pid = fork();
    if (pid == 0) {
        p[0] = 0x5a;
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static int16_t map_status(struct xc_gnttab *g, uint32_t domid, uint32_t ref, bool readonly)
{
    void *p;
    int16_t st = 99;
    if (xc_gnttab_map(g, domid, 1, &ref, readonly, &p, &st) == 0)
        xc_gnttab_unmap(g, p, 1);
    return st;
}

static int16_t raw_unmap(struct xc *xc, uint32_t handle)
{
    struct xlctl_gnttab_unmap u = {.count = 1, .handles = {handle}};
    struct xlctl_gnttab_unmap_out out;
    uint32_t len;
    int rc = xc_request(xc, XLCTL_OP_GNTTAB_UNMAP, &u, sizeof(u), &out, sizeof(out), &len, NULL);
    return rc < 0 ? (int16_t)rc : out.status[0];
}

/* A raw map: the handle, for the tests of handles. */
static int16_t raw_map(struct xc *xc, uint32_t domid, uint32_t ref, uint32_t *handle)
{
    struct xlctl_gnttab_map m = {.domid = domid, .count = 1, .flags = XLCTL_GNTMAP_READONLY,
                                 .refs = {ref}};
    static struct xlctl_gnttab_map_out out;
    uint32_t len;
    int rc = xc_request(xc, XLCTL_OP_GNTTAB_MAP, &m, sizeof(m), &out, sizeof(out), &len, NULL);
    *handle = out.slot[0].handle;
    return rc < 0 ? (int16_t)rc : out.slot[0].status;
}

static void misuse_maps(struct xc *xc, struct xc_gnttab *g, uint32_t domid, uint32_t ref,
                        uint32_t count, uint32_t ro_ref)
{
    expect_st("a ref past the table is bad_gntref", map_status(g, domid, 1u << 20, true),
              GNTST_bad_gntref);
    expect_st("a missing domain is bad_domain", map_status(g, 4000, ref, true), GNTST_bad_domain);
    expect_st("domain 0 is bad_domain", map_status(g, 0, ref, true), GNTST_bad_domain);
    expect_st("a ref never granted is general_error", map_status(g, domid, ro_ref + 50, true),
              GNTST_general_error);
    expect_st("a read-only grant mapped writable is general_error",
              map_status(g, domid, ro_ref, false), GNTST_general_error);
    expect_st("the console page (ref 0, filled by the builder) maps",
              map_status(g, domid, GNTTAB_RESERVED_CONSOLE, false), GNTST_okay);
    expect_st("the xenstore page (ref 1) maps", map_status(g, domid, GNTTAB_RESERVED_XENSTORE, false),
              GNTST_okay);

    void *p;
    int16_t st[XLCTL_GNTTAB_BATCH];
    expect("a read-only grant maps read-only", xc_gnttab_map(g, domid, 1, &ro_ref, true, &p, st), 0);
    expect("and holds the guest's pattern", page_is(p, XL_PATTERN_GUEST(count)), 1);
    expect("and writing to it faults", write_faults(p), 1);
    xc_gnttab_unmap(g, p, 1);

    uint32_t two[2] = {ref, 1u << 20};
    expect("a batch with one bad ref fails whole", xc_gnttab_map(g, domid, 2, two, true, &p, st),
           -EINVAL);
    expect_st("its good ref said okay", st[0], GNTST_okay);
    expect_st("its bad ref said bad_gntref", st[1], GNTST_bad_gntref);
    expect("count 0 is EINVAL", xc_gnttab_map(g, domid, 0, two, true, &p, NULL), -EINVAL);
    expect("unmap of an address never mapped is EINVAL", xc_gnttab_unmap(g, two, 1), -EINVAL);

    /* Xen's pin counts hold 128 uses of one kind: the 129th is refused. */
    uint32_t same[XLCTL_GNTTAB_BATCH];
    for (unsigned i = 0; i < XLCTL_GNTTAB_BATCH; i++)
        same[i] = ref;
    void *a, *b;
    expect("map one grant 64 times in a batch", xc_gnttab_map(g, domid, 64, same, true, &a, NULL), 0);
    expect("and 64 more", xc_gnttab_map(g, domid, 64, same, true, &b, NULL), 0);
    expect_st("the 129th read-only map is general_error", map_status(g, domid, ref, true),
              GNTST_general_error);
    expect("all 64 pages of the batch are the same page", ((uint8_t *)a)[63 * PAGE] ==
                                                           xl_pattern(XL_PATTERN_GUEST(0), 0), 1);
    xc_gnttab_unmap(g, a, 64);
    xc_gnttab_unmap(g, b, 64);
    expect_st("after unmapping, it maps again", map_status(g, domid, ref, false), GNTST_okay);

    /* Handles belong to their connection and die once. */
    struct xc *other = connect_or_die();
    uint32_t h;
    expect_st("a raw map on another connection", raw_map(other, domid, ref, &h), GNTST_okay);
    expect_st("its handle is bad_handle on ours", raw_unmap(xc, h), GNTST_bad_handle);
    expect_st("and okay on its own", raw_unmap(other, h), GNTST_okay);
    expect_st("unmapping it twice is bad_handle", raw_unmap(other, h), GNTST_bad_handle);
    expect_st("a handle never given is bad_handle", raw_unmap(xc, 123456789), GNTST_bad_handle);
    xc_close(other);
}

static int16_t copy1(struct xc_gnttab *g, uint32_t domid, uint32_t ref, uint16_t off, uint16_t len,
                     bool to_guest, void *buf)
{
    struct xc_gnttab_seg s = {.domid = domid, .ref = ref, .offset = off, .len = len,
                              .to_guest = to_guest, .buf = buf, .status = 99};
    int rc = xc_gnttab_copy(g, 1, &s);
    return rc < 0 ? (int16_t)rc : s.status;
}

static void misuse_copies(struct xc_gnttab *g, uint32_t domid, uint32_t ref, uint32_t count,
                          uint32_t ro_ref)
{
    static uint8_t buf[PAGE], back[PAGE];
    expect_st("copy a whole granted page", copy1(g, domid, ref, 0, PAGE, false, buf), GNTST_okay);
    expect("the copy holds the guest's pattern", page_is(buf, XL_PATTERN_GUEST(0)), 1);
    expect_st("copy the read-only grant out", copy1(g, domid, ro_ref, 100, 50, false, buf),
              GNTST_okay);
    expect("those bytes", buf[0] == xl_pattern(XL_PATTERN_GUEST(count), 100), 1);
    expect_st("copy into the read-only grant is general_error",
              copy1(g, domid, ro_ref, 0, 16, true, buf), GNTST_general_error);
    expect_st("offset + len past the page is bad_copy_arg",
              copy1(g, domid, ref, 4000, 200, false, buf), GNTST_bad_copy_arg);
    expect_st("a missing domain is bad_domain", copy1(g, 4000, ref, 0, 1, false, buf),
              GNTST_bad_domain);
    expect_st("a ref past the table is bad_gntref", copy1(g, domid, 1u << 20, 0, 1, false, buf),
              GNTST_bad_gntref);
    expect_st("a ref never granted is general_error", copy1(g, domid, ro_ref + 50, 0, 1, false, buf),
              GNTST_general_error);
    /* Into the guest and back, then the guest's bytes restored. */
    uint8_t saved[64], mine[64];
    copy1(g, domid, ref, 1000, 64, false, saved);
    for (unsigned i = 0; i < 64; i++)
        mine[i] = (uint8_t)(0xa0 + i);
    expect_st("copy into a writable grant", copy1(g, domid, ref, 1000, 64, true, mine), GNTST_okay);
    copy1(g, domid, ref, 1000, 64, false, back);
    expect("the bytes are there", memcmp(back, mine, 64), 0);
    copy1(g, domid, ref, 1000, 64, true, saved);
    struct xc_gnttab_seg segs[2] = {
        {.domid = domid, .ref = ref, .offset = 0, .len = 8, .buf = buf},
        {.domid = domid, .ref = 1u << 20, .offset = 0, .len = 8, .buf = back},
    };
    expect("a batch of two copies is served", xc_gnttab_copy(g, 2, segs), 0);
    expect_st("its first is okay", segs[0].status, GNTST_okay);
    expect_st("its second is bad_gntref", segs[1].status, GNTST_bad_gntref);
}

static int misuse(uint32_t domid, uint32_t ref, uint32_t count, uint32_t ro_ref)
{
    struct xc *xc = connect_or_die();
    struct xc_gnttab *g;
    int rc = xc_gnttab_open(xc, &g);
    if (rc < 0)
        die("gnttab open", rc);
    misuse_maps(xc, g, domid, ref, count, ro_ref);
    misuse_copies(g, domid, ref, count, ro_ref);
    xc_gnttab_close(g);
    xc_close(xc);
    printf("gnttab_peer: misuse: %s\n", failed ? "FAILED" : "all refused as on Xen");
    return failed ? 1 : 0;
}

static int destroy(uint32_t domid, uint32_t ref)
{
    struct xc *xc = connect_or_die();
    struct xc_gnttab *g;
    int rc = xc_gnttab_open(xc, &g);
    if (rc < 0)
        die("gnttab open", rc);
    void *p;
    if ((rc = xc_gnttab_map(g, domid, 1, &ref, false, &p, NULL)) < 0)
        die("map", rc);
    expect("the guest's pattern before the destroy", page_is(p, XL_PATTERN_GUEST(0)), 1);
    expect("destroy the guest while its page is mapped", xc_domain_destroy(xc, domid), 0);
    struct xlctl_dominfo info;
    expect("the domain is gone", xc_domain_info(xc, domid, &info), -ESRCH);
    expect("the mapping still holds the guest's pattern", page_is(p, XL_PATTERN_GUEST(0)), 1);
    fill(p, XL_PATTERN_DOM0(0)); /* still our page to write, and no one else's */
    expect("and takes writes", page_is(p, XL_PATTERN_DOM0(0)), 1);
    expect("unmapping the orphaned grant is okay", xc_gnttab_unmap(g, p, 1), 0);
    struct xc_gnttab_seg s = {.domid = domid, .ref = ref, .len = 1, .buf = &info};
    xc_gnttab_copy(g, 1, &s);
    expect_st("its grants are gone with it", s.status, GNTST_bad_domain);
    xc_gnttab_close(g);
    xc_close(xc);
    printf("gnttab_peer: destroy while mapped: %s\n", failed ? "FAILED" : "memory held until unmap");
    return failed ? 1 : 0;
}

static uint32_t num(const char *s)
{
    return (uint32_t)strtoul(s, NULL, 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 7 && !strcmp(argv[1], "exchange") && num(argv[5]) >= 1 &&
        num(argv[5]) <= XLCTL_GNTTAB_BATCH)
        return exchange(num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5]), num(argv[6]),
                        argc > 7 && !strcmp(argv[7], "--disconnect"));
    if (argc == 6 && !strcmp(argv[1], "misuse"))
        return misuse(num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5]));
    if (argc == 4 && !strcmp(argv[1], "destroy"))
        return destroy(num(argv[2]), num(argv[3]));
    fprintf(stderr, "usage: gnttab_peer exchange DOMID PORT REF COUNT RO_REF [--disconnect]\n"
                    "       gnttab_peer misuse DOMID REF COUNT RO_REF\n"
                    "       gnttab_peer destroy DOMID REF\n");
    return 2;
}
