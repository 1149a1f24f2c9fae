/*
 * evil_netif.c - attacks on netback through our own vif (evil.h). The vif
 * is connected the normal way (netfront), then malformed packets are
 * written straight into its tx ring. Linux's netback answers every slot of
 * a refused packet NETIF_RSP_ERROR (extra-info slots NETIF_RSP_NULL) and
 * sends nothing; so must ours (pv-backends/netback/txparse.h):
 *   grant refs never given, past the table, revoked or not for Dom0;
 *   fragments past their page; chains of 19 or 20 slots (one packet,
 *   dropped whole: the tail of the 19-slot one is a good broadcast frame
 *   that must not go out); frames beyond the MTU or shorter than an
 *   Ethernet header; fragments larger than their frame; extra-info slots
 *   it does not offer.
 * Each attack is one packet and checks its answers slot by slot. Then a
 * good frame must still go out, 20 rounds of every bad packet must all be
 * refused, and netback's own count (<backend>/stats) must agree with ours
 * per reason, with no bad packet counted as sent. Last, a chain of 21
 * slots, which Linux's netback takes for a malicious frontend: netback
 * must answer none of it, stop this vif alone, say so (<backend>/error,
 * ring_errors=1) and move it to Closing. That ends the vif, so it comes
 * last (netfront cannot reconnect it). With netif_fatal=req_prod the last
 * attack is an impossible tx req_prod instead, which takes the same path.
 *
 * Needs a vif (vif = [ ... ]); without one the family is skipped, not passed.
 */
#include "apps/evil.h"
#include "kernel/errno.h"
#include "kernel/grant.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "netfront.h"
#include "xenbus.h"
#include "xenbus_device.h"

#define WAIT_NS   5000000000ull
#define FLOOD     20u
#define MAX_SLOTS 48u

/* The reasons netback counts, as its stats name them. */
enum reason { R_GREF, R_PAGE, R_CHAIN, R_OVERSIZE, R_UNDERSIZE, R_SUM, R_EXTRA, R_COUNT };
static const char *const reason_name[R_COUNT] = {"gref", "page", "chain", "oversize",
                                                 "undersize", "sum", "extra"};

struct packet {
    const char *name;
    struct netif_tx_request slot[MAX_SLOTS];
    unsigned nslots;
    unsigned errors, nulls;     /* the answers it must get */
    enum reason why;
    unsigned counted;           /* how many errors netback counts for it */
};

static struct {
    struct netfront *nf;
    const struct nf_stats *st;
    unsigned max_frame;
    uint64_t counted[R_COUNT];  /* what netback must have counted, per reason */
    uint64_t good_frames;       /* frames it must have sent */
} n;

static void drop_rx(void *arg, uint8_t *frame, unsigned len, unsigned flags)
{
    (void)arg, (void)frame, (void)len, (void)flags;
}

static uint64_t answered(void)
{
    return n.st->tx_errors + n.st->tx_null + n.st->tx_okay;
}

/* Posts the packet's slots; waits until every one is answered. Returns 0,
 * or -1 when the ring had no room or answers stopped coming. */
static int post(const struct packet *p)
{
    uint64_t want = answered() + p->nslots;
    uint64_t deadline = time_now_ns() + WAIT_NS;
    while (netfront_post_raw(n.nf, p->slot, p->nslots) < 0) {
        if (time_now_ns() >= deadline)
            return -1;
        if (!netfront_poll(n.nf))
            netfront_wait(n.nf, time_now_ns() + 1000000);
    }
    while (answered() < want && time_now_ns() < deadline)
        if (!netfront_poll(n.nf))
            netfront_wait(n.nf, deadline);
    return answered() >= want ? 0 : -1;
}

static void attack(const struct packet *p)
{
    uint64_t e0 = n.st->tx_errors, z0 = n.st->tx_null, ok0 = n.st->tx_okay;
    const char *bad = NULL;
    if (post(p) < 0)
        bad = " (not every slot was answered)";
    uint64_t errors = n.st->tx_errors - e0;
    if (!bad && n.st->tx_okay != ok0)
        bad = " (a slot was answered OKAY: the packet went out)";
    else if (!bad && n.st->tx_null - z0 != p->nulls)
        bad = " (wrong number of NULL answers for the extra slots)";
    n.counted[p->why] += p->counted;
    evil_expect(bad ? 1000 + (long)errors : (long)errors, p->errors, "%s: error answers%s",
                p->name, bad ? bad : "");
}

/* ---- the packets ---------------------------------------------------------- */

static struct packet packets[32];
static unsigned npackets;

static struct packet *add(const char *name, enum reason why)
{
    struct packet *p = &packets[npackets++];
    *p = (struct packet){.name = name, .why = why, .counted = 1};
    return p;
}

static void slot(struct packet *p, uint32_t gref, uint16_t offset, uint16_t size, uint16_t flags)
{
    p->slot[p->nslots++] = (struct netif_tx_request){.gref = gref, .offset = offset,
                                                     .size = size, .flags = flags};
    p->errors++;
}

/* An extra-info slot after the first: answered NULL. */
static void extra(struct packet *p, uint8_t type, uint8_t flags)
{
    struct netif_extra_info x = {.type = type, .flags = flags};
    if (type == XEN_NETIF_EXTRA_TYPE_GSO) {
        x.u.gso.size = 1400;
        x.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    }
    struct netif_tx_request *r = &p->slot[p->nslots++];
    memset(r, 0, sizeof(*r));
    memcpy(r, &x, sizeof(x));
    r->flags |= NF_RAW_EXTRA;   /* the overlay's bytes 6-7: netfront's mark */
    p->nulls++;
}

static grant_ref_t granted_then_revoked(void)
{
    static uint8_t *page;
    grant_ref_t ref;
    if (!page)
        page = page_alloc(1);
    if (!page || grant_access(0, virt_to_gfn(page), true, &ref) < 0)
        return 0x7ffffffe;
    grant_end_access(ref);
    return ref;
}

static grant_ref_t granted_to_ourselves(void)
{
    static uint8_t *page;
    grant_ref_t ref;
    if (!page)
        page = page_alloc(1);
    if (!page || grant_access(evil.self, virt_to_gfn(page), true, &ref) < 0)
        return 0x7ffffffd;
    return ref;
}

static void bad_refs(void)
{
    slot(add("a ref never granted", R_GREF), 0x7ffff0, 0, 60, 0);
    slot(add("a ref past any table", R_GREF), 0xfffffff0, 0, 60, 0);
    /* Ours first: the revoked ref must stay free, not be handed out again. */
    slot(add("a ref granted to ourselves, not Dom0", R_GREF), granted_to_ourselves(), 0, 60, 0);
    slot(add("a revoked ref", R_GREF), granted_then_revoked(), 0, 60, 0);
    struct packet *p = add("a good first fragment, a bad ref in the second", R_GREF);
    slot(p, NF_RAW_OWN_GREF, 0, 160, NETTXF_more_data);
    slot(p, 0x7ffff0, 0, 100, 0);
}

static void bad_fragments(void)
{
    const uint32_t own = NF_RAW_OWN_GREF;
    slot(add("offset 4000 + size 200 past the page", R_PAGE), own, 4000, 200, 0);
    slot(add("offset 4095 + size 60 past the page", R_PAGE), own, 4095, 60, 0);
    struct packet *p = add("a second fragment past its page", R_PAGE);
    slot(p, own, 0, 160, NETTXF_more_data);
    slot(p, own, 4090, 100, 0);
    p = add("fragments larger than their frame", R_SUM);
    slot(p, own, 0, 100, NETTXF_more_data);
    slot(p, own, 0, 200, 0);
    p = add("three fragments adding up past the frame", R_SUM);
    slot(p, own, 0, 100, NETTXF_more_data);
    slot(p, own, 0, 60, NETTXF_more_data);
    slot(p, own, 0, 60, 0);
}

static void bad_sizes(void)
{
    const uint32_t own = NF_RAW_OWN_GREF;
    slot(add("a frame one byte over the MTU", R_OVERSIZE), own, 0, (uint16_t)(n.max_frame + 1), 0);
    slot(add("a 9000-byte frame", R_OVERSIZE), own, 0, 9000, 0);
    slot(add("a 65535-byte frame", R_OVERSIZE), own, 0, 65535, 0);
    slot(add("an empty frame", R_UNDERSIZE), own, 0, 0, 0);
    slot(add("a 10-byte frame", R_UNDERSIZE), own, 0, 10, 0);
    slot(add("a 13-byte frame (no Ethernet header)", R_UNDERSIZE), own, 0, 13, 0);
}

static void bad_extras(void)
{
    const uint32_t own = NF_RAW_OWN_GREF;
    struct packet *p = add("a GSO extra slot (not offered)", R_EXTRA);
    slot(p, own, 0, 60, NETTXF_extra_info);
    extra(p, XEN_NETIF_EXTRA_TYPE_GSO, 0);
    p = add("an extra slot of type NONE", R_EXTRA);
    slot(p, own, 0, 60, NETTXF_extra_info);
    extra(p, XEN_NETIF_EXTRA_TYPE_NONE, 0);
    p = add("an extra slot of type 200", R_EXTRA);
    slot(p, own, 0, 60, NETTXF_extra_info);
    extra(p, 200, 0);
    p = add("five chained extra slots (4 allowed)", R_EXTRA);
    slot(p, own, 0, 60, NETTXF_extra_info);
    for (unsigned i = 0; i < 5; i++)
        extra(p, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_FLAG_MORE);
}

/* A page granted to Dom0 holding a good 60-byte broadcast frame from us,
 * or an ungranted ref when that fails (the check then proves less). */
static grant_ref_t broadcast_frame(void)
{
    static uint8_t *page;
    static grant_ref_t ref = 0x7ffffffc;
    if (page)
        return ref;
    page = page_alloc(1);
    if (!page)
        return ref;
    memset(page, 0, 60);
    memset(page, 0xff, 6);
    netfront_mac(n.nf, page + 6);
    page[12] = 0x88, page[13] = 0xb5;   /* IEEE local experimental */
    memcpy(page + 14, "evil: tail of a dropped chain", 29);
    if (grant_access(0, virt_to_gfn(page), true, &ref) < 0)
        ref = 0x7ffffffc;
    return ref;
}

/* Chains of data slots past 18 (netback's limit, Linux's too) but not
 * past 20: one packet each, every slot answered ERROR (extras NULL), one
 * "chain" error counted. Under the old cut at 18 slots the 19-slot
 * chain's last slot was read as a packet of its own and sent (counted in
 * tx_packets, answered OKAY): attack() and backend_counted() catch that. */
static void long_chains(void)
{
    const uint32_t own = NF_RAW_OWN_GREF;
    struct packet *p = add("a chain of 19 slots whose tail is a good broadcast frame", R_CHAIN);
    for (unsigned i = 0; i < 18; i++)
        slot(p, own, 0, i == 0 ? 64 * 18 + 60 : 64, NETTXF_more_data);
    slot(p, broadcast_frame(), 0, 60, 0);
    p = add("a chain of 20 slots", R_CHAIN);
    for (unsigned i = 0; i < 20; i++)
        slot(p, own, 0, i == 0 ? 64 * 20 : 64, i + 1 < 20 ? NETTXF_more_data : 0);
    p = add("19 data slots and an extra slot, in a chain of 20", R_CHAIN);
    slot(p, own, 0, 64 * 19, NETTXF_extra_info | NETTXF_more_data);
    extra(p, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0);
    for (unsigned i = 1; i < 19; i++)
        slot(p, own, 0, 64, i + 1 < 19 ? NETTXF_more_data : 0);
}

/* ---- checks after the packets --------------------------------------------- */

/* A well-formed frame (to nobody: an unused EtherType) must still go out. */
static void good_frame(const char *what)
{
    uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    netfront_mac(n.nf, frame + 6);
    frame[12] = 0x88, frame[13] = 0xb5;   /* IEEE local experimental */
    struct nf_seg seg = {frame, sizeof(frame)};
    uint64_t ok0 = n.st->tx_okay, deadline = time_now_ns() + WAIT_NS;
    int rc;
    while ((rc = netfront_send(n.nf, &seg, 1, 0)) == -EAGAIN && time_now_ns() < deadline)
        if (!netfront_poll(n.nf))
            netfront_wait(n.nf, time_now_ns() + 1000000);
    while (rc == 0 && n.st->tx_okay == ok0 && time_now_ns() < deadline)
        if (!netfront_poll(n.nf))
            netfront_wait(n.nf, deadline);
    n.good_frames += rc == 0;
    evil_expect(rc == 0 ? (long)(n.st->tx_okay - ok0) : rc, 1, "%s", what);
}

static void flood(void)
{
    uint64_t e0 = n.st->tx_errors;
    unsigned want = 0, rounds = 0;
    for (unsigned r = 0; r < FLOOD; r++) {
        bool ok = true;
        for (unsigned i = 0; i < npackets && ok; i++) {
            ok = post(&packets[i]) == 0;
            n.counted[packets[i].why] += packets[i].counted;
            want += packets[i].errors;
        }
        rounds += ok;
    }
    evil_expect((long)(n.st->tx_errors - e0), want, "%u rounds of every bad packet (%u answered)",
                FLOOD, rounds);
}

/* "key=N" in netback's stats line ("tx_packets=1 tx_bytes=60 ..."), or -1. */
static long stat_of(const char *line, const char *key)
{
    size_t klen = strlen(key);
    for (const char *at = line; (at = strstr(at, key)) != NULL; at += klen) {
        if ((at != line && at[-1] != ' ') || at[klen] != '=')
            continue;
        char num[24];
        unsigned i = 0;
        for (const char *d = at + klen + 1; i + 1 < sizeof(num) && *d >= '0' && *d <= '9'; d++)
            num[i++] = *d;
        num[i] = 0;
        uint64_t v;
        return parse_u64(num, &v) == 0 ? (long)v : -1;
    }
    return -1;
}

/* netback publishes its stats once a second: waits for a line whose
 * tx_errors has reached what we expect, then compares every counter. */
static void backend_counted(void)
{
    uint64_t total = 0;
    for (unsigned r = 0; r < R_COUNT; r++)
        total += n.counted[r];
    static char line[800];
    uint64_t deadline = time_now_ns() + WAIT_NS;
    while (time_now_ns() < deadline) {
        if (netfront_read_be(n.nf, "stats", line, sizeof(line)) < 0)
            line[0] = 0;
        if (stat_of(line, "tx_errors") >= (long)total)
            break;
        sleep_ns(100000000ull);
    }
    evil_expect(stat_of(line, "tx_errors"), (long)total, "netback's count of refused packets");
    for (unsigned r = 0; r < R_COUNT; r++) {
        char key[24];
        snprintf(key, sizeof(key), "tx_err_%s", reason_name[r]);
        evil_expect(stat_of(line, key), (long)n.counted[r], "netback's count of %s errors",
                    reason_name[r]);
    }
    evil_expect(stat_of(line, "tx_packets"), (long)n.good_frames,
                "netback's count of packets sent (only our good frames)");
}

/* Waits until the backend's error node is written and its stats show
 * one ring error and its state is Closing (5); false if not within WAIT_NS. */
static bool vif_stopped(char *err, unsigned errlen, char *line, unsigned linelen)
{
    char state[8] = "";
    uint64_t deadline = time_now_ns() + WAIT_NS;
    while (time_now_ns() < deadline) {
        if (netfront_read_be(n.nf, "error", err, errlen) < 0)
            err[0] = 0;
        if (netfront_read_be(n.nf, "stats", line, linelen) < 0)
            line[0] = 0;
        if (netfront_read_be(n.nf, "state", state, sizeof(state)) < 0)
            state[0] = 0;
        if (err[0] && stat_of(line, "ring_errors") == 1 && strcmp(state, "5") == 0)
            return true;
        sleep_ns(100000000ull);
    }
    return false;
}

/* After a fatal attack (answers counted from a0 on): nothing answered,
 * ring_errors=1, state Closing, and the error node saying `reason`. */
static void expect_vif_stopped(uint64_t a0, const char *what, const char *reason)
{
    char err[128] = "", line[800] = "";
    bool stopped = vif_stopped(err, sizeof(err), line, sizeof(line));
    netfront_poll(n.nf);
    evil_expect(stopped ? (long)(answered() - a0) : -1, 0,
                "%s: nothing answered, ring_errors=1, state Closing, error node \"%s\"", what,
                err);
    evil_expect(strstr(err, reason) != NULL, 1, "%s: the error node says why", what);
}

/* Last: a chain of 21 data slots, the last one ending it. Linux's netback
 * disconnects a frontend past 20 (fatal_skb_slots); so does ours, and it
 * answers none of the slots. */
static void chain_of_21(void)
{
    struct netif_tx_request slots[21];
    for (unsigned i = 0; i < 21; i++)
        slots[i] = (struct netif_tx_request){.gref = NF_RAW_OWN_GREF, .offset = 0,
                                             .size = i == 0 ? 64 * 21 : 64,
                                             .flags = i + 1 < 21 ? NETTXF_more_data : 0};
    uint64_t a0 = answered();
    if (netfront_post_raw(n.nf, slots, 21) < 0) {
        evil_expect(-1, 0, "a chain of 21 slots: the ring had no room for it");
        return;
    }
    expect_vif_stopped(a0, "a chain of 21 slots", "chain longer than 20 slots");
}

/* Last instead of the chain of 21, with netif_fatal=req_prod: a tx
 * req_prod more than a ring ahead of netback's answers. Linux's netback
 * takes it for a malicious frontend too ("Impossible number of requests"):
 * nothing answered, this vif alone stopped, Closing with the reason. */
static void impossible_req_prod(void)
{
    uint64_t a0 = answered();
    netfront_corrupt_tx_prod(n.nf, NETIF_RING_SIZE + 1);
    expect_vif_stopped(a0, "a tx req_prod a ring ahead", "tx req_prod is more than a ring ahead");
}

static int vif_setup(void)
{
    uint32_t ids[4];
    if (xenbus_init() < 0 || xenbus_device_list("vif", ids, 4) <= 0) {
        evil_skip("no vif in our config (vif = [ ... ]): netif attacks not run");
        return -1;
    }
    struct nf_options opt = {.queues = 1, .sg = true};
    int rc = netfront_open(0, &opt, drop_rx, NULL, &n.nf);
    if (rc < 0) {
        evil_expect(rc, 0, "connecting vif 0");
        return rc;
    }
    n.st = netfront_stats(n.nf);
    char mtu[16];
    uint64_t m = 1500;
    if (netfront_read_be(n.nf, "mtu", mtu, sizeof(mtu)) > 0)
        parse_u64(mtu, &m);
    n.max_frame = (unsigned)m + 18;   /* netback's: MTU + Ethernet header + one VLAN tag */
    printf("evil/netif: vif 0 connected, largest frame %u\n", n.max_frame);
    return 0;
}

void evil_netif(void)
{
    if (vif_setup() < 0)
        return;
    good_frame("a good frame goes out before the attacks");
    /* Its grant before bad_refs' revoked one, which must stay free. */
    broadcast_frame();
    bad_refs();
    bad_fragments();
    bad_sizes();
    bad_extras();
    long_chains();
    for (unsigned i = 0; i < npackets; i++)
        attack(&packets[i]);
    good_frame("a good frame still goes out after them");
    flood();
    good_frame("a good frame still goes out after the flood");
    backend_counted();
    /* One fatal attack a run: it ends the vif, and netfront has one. */
    char fatal[16] = "chain";
    cmdline_get("netif_fatal", fatal, sizeof(fatal));
    if (strcmp(fatal, "req_prod") == 0)
        impossible_req_prod();
    else
        chain_of_21();
}
