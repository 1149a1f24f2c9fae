/*
 * test_txparse.c - netback's validation of tx request chains (txparse.c):
 * well-formed packets pass with the right fragments, every kind of
 * malformed chain is refused with its reason and the number of slots to
 * answer, so the ring moves on, and the chains Linux treats as hostile
 * (past 20 data slots, or open at req_prod) are fatal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "txparse.h"

#define MTU_FRAME (1500 + 14 + 4)

static struct netif_tx_request req(uint32_t gref, uint16_t off, uint16_t flags, uint16_t id,
                                   uint16_t size)
{
    return (struct netif_tx_request){.gref = gref, .offset = off, .flags = flags, .id = id,
                                     .size = size};
}

static void single_slot_packet_passes(void **state)
{
    (void)state;
    struct netif_tx_request s[1] = {req(9, 100, NETTXF_csum_blank, 7, 60)};
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 1, MTU_FRAME, &p), NB_TX_OK);
    assert_int_equal(p.nslots, 1);
    assert_int_equal(p.nfrags, 1);
    assert_int_equal(p.len, 60);
    assert_int_equal(p.frag[0].gref, 9);
    assert_int_equal(p.frag[0].offset, 100);
    assert_int_equal(p.frag[0].size, 60);
    assert_int_equal(p.flags & NETTXF_csum_blank, NETTXF_csum_blank);
}

static void fragments_add_up_to_the_first_size(void **state)
{
    (void)state;
    /* 1000 bytes: 200 in the first slot, 500 and 300 after it. */
    struct netif_tx_request s[3] = {
        req(1, 0, NETTXF_more_data, 1, 1000),
        req(2, 4096 - 500, NETTXF_more_data, 2, 500),
        req(3, 0, 0, 3, 300),
    };
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 3, MTU_FRAME, &p), NB_TX_OK);
    assert_int_equal(p.nslots, 3);
    assert_int_equal(p.nfrags, 3);
    assert_int_equal(p.frag[0].size, 200);
    assert_int_equal(p.frag[1].size, 500);
    assert_int_equal(p.frag[2].size, 300);
}

/* A chain of n data slots of 64 bytes each, ending at slot n - 1 (or
 * not at all when open), followed by `after` slots that on their own
 * would be a good 60-byte frame. Returns the slots written. */
static unsigned chain(struct netif_tx_request *s, unsigned n, bool open, unsigned after)
{
    for (unsigned i = 0; i < n; i++)
        s[i] = req(100 + i, 0, i + 1 < n || open ? NETTXF_more_data : 0, (uint16_t)i,
                   i == 0 ? (uint16_t)(64 * n) : 64);
    for (unsigned i = 0; i < after; i++)
        s[n + i] = req(7, 0, 0, (uint16_t)(n + i), 60);
    return n + after;
}

static void chain_open_at_req_prod_is_fatal(void **state)
{
    (void)state;
    struct netif_tx_request s[4];
    struct nb_tx_packet p;
    chain(s, 2, true, 0);
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TX_FATAL_OPEN);
    assert_int_equal(p.nslots, 2);
    assert_int_equal(nb_tx_parse(s, 0, MTU_FRAME, &p), NB_TX_FATAL_OPEN);
    /* The same two slots with their end published: a good packet. */
    chain(s, 3, false, 0);
    assert_int_equal(nb_tx_parse(s, 3, MTU_FRAME, &p), NB_TX_OK);
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TX_FATAL_OPEN);
}

static void eighteen_slots_are_accepted(void **state)
{
    (void)state;
    struct netif_tx_request s[NB_TX_PARSE_SLOTS];
    struct nb_tx_packet p;
    unsigned n = chain(s, 18, false, 1);
    assert_int_equal(nb_tx_parse(s, n, 65535, &p), NB_TX_OK);
    assert_int_equal(p.nslots, 18);
    assert_int_equal(p.nfrags, 18);
    assert_int_equal(p.len, 64 * 18);
    assert_int_equal(p.frag[17].gref, 117);
    assert_int_equal(p.frag[0].size, 64);
}

/* 19 and 20 data slots: one packet of that many slots, refused whole. */
static void nineteen_and_twenty_slots_are_dropped_whole(void **state)
{
    (void)state;
    for (unsigned n = 19; n <= 20; n++) {
        struct netif_tx_request s[NB_TX_PARSE_SLOTS];
        struct nb_tx_packet p;
        unsigned total = chain(s, n, false, 2);
        assert_int_equal(nb_tx_parse(s, total, 65535, &p), NB_TXE_CHAIN);
        assert_int_equal(p.nslots, n);
        assert_int_equal(p.nfrags, n);
        assert_int_equal(p.nextras, 0);
        /* What follows is the next packet, and a good one. */
        assert_int_equal(nb_tx_parse(s + p.nslots, total - p.nslots, 65535, &p), NB_TX_OK);
        assert_int_equal(p.nslots, 1);
        assert_int_equal(p.frag[0].gref, 7);
    }
}

/* The reviewer's case: with the old cut at 18, the 19th slot (a good
 * frame on its own) was parsed as a packet and sent. */
static void the_tail_of_a_dropped_chain_is_not_a_packet(void **state)
{
    (void)state;
    struct netif_tx_request s[19];
    struct nb_tx_packet p;
    chain(s, 18, false, 0);
    s[17].flags = NETTXF_more_data;
    s[18] = req(7, 0, 0, 18, 60);   /* ends the chain; alone, a 60-byte frame */
    assert_int_equal(nb_tx_parse(s, 19, MTU_FRAME, &p), NB_TXE_CHAIN);
    assert_int_equal(p.nslots, 19);
    assert_int_equal(nb_tx_parse(&s[18], 1, MTU_FRAME, &p), NB_TX_OK);  /* it would pass */
}

static void twenty_one_slots_are_fatal(void **state)
{
    (void)state;
    struct netif_tx_request s[40];
    struct nb_tx_packet p;
    unsigned total = chain(s, 21, false, 0);
    assert_int_equal(nb_tx_parse(s, total, 65535, &p), NB_TX_FATAL_CHAIN);
    assert_int_equal(p.nslots, 20);   /* decided without reading the 21st */
    /* Also when the 21st is not published yet, and for a chain without end. */
    assert_int_equal(nb_tx_parse(s, 20, 65535, &p), NB_TX_FATAL_CHAIN);
    chain(s, 40, true, 0);
    assert_int_equal(nb_tx_parse(s, 40, 65535, &p), NB_TX_FATAL_CHAIN);
    /* 20 that end, with the 21st published after them: only a drop. */
    chain(s, 20, false, 1);
    assert_int_equal(nb_tx_parse(s, 21, 65535, &p), NB_TXE_CHAIN);
}

/* Extra-info slots do not count as data slots, and a dropped chain's
 * extras are still answered NULL. */
static void extras_in_a_long_chain(void **state)
{
    (void)state;
    struct netif_tx_request s[NB_TX_PARSE_SLOTS + 1];
    struct nb_tx_packet p;
    struct netif_extra_info x = {.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
                                 .flags = XEN_NETIF_EXTRA_FLAG_MORE};
    for (unsigned nx = 1; nx <= NETIF_MAX_EXTRAS; nx++) {
        for (unsigned data = 18; data <= 21; data++) {
            struct netif_tx_request d[21];
            chain(d, data, false, 0);
            s[0] = d[0];
            s[0].flags |= NETTXF_extra_info;
            for (unsigned i = 1; i <= nx; i++) {
                x.flags = i < nx ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
                memset(&s[i], 0, sizeof(s[i]));
                memcpy(&s[i], &x, sizeof(x));
            }
            memcpy(&s[1 + nx], &d[1], (data - 1) * sizeof(d[0]));
            unsigned total = nx + data;
            int rc = nb_tx_parse(s, total, 65535, &p);
            if (data == 18) {
                assert_int_equal(rc, NB_TX_OK);
            } else if (data <= 20) {
                assert_int_equal(rc, NB_TXE_CHAIN);
                assert_int_equal(p.nslots, total);
                assert_int_equal(p.nextras, nx);
            } else {
                assert_int_equal(rc, NB_TX_FATAL_CHAIN);
            }
            /* The window tx.c shows the parser is enough for the verdict. */
            unsigned window = total < NB_TX_PARSE_SLOTS ? total : NB_TX_PARSE_SLOTS;
            assert_int_equal(nb_tx_parse(s, window, 65535, &p), rc);
        }
    }
}

static void fragment_past_its_page_is_refused(void **state)
{
    (void)state;
    struct netif_tx_request s[1] = {req(1, 4000, 0, 1, 200)};
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 1, MTU_FRAME, &p), NB_TXE_PAGE);
    assert_int_equal(p.nslots, 1);
    struct netif_tx_request t[2] = {req(1, 0, NETTXF_more_data, 1, 300), req(2, 4095, 0, 2, 2)};
    assert_int_equal(nb_tx_parse(t, 2, MTU_FRAME, &p), NB_TXE_PAGE);
    assert_int_equal(p.nslots, 2);
}

static void oversized_and_undersized_frames_are_refused(void **state)
{
    (void)state;
    struct nb_tx_packet p;
    struct netif_tx_request big[1] = {req(1, 0, 0, 1, MTU_FRAME + 1)};
    assert_int_equal(nb_tx_parse(big, 1, MTU_FRAME, &p), NB_TXE_OVERSIZE);
    struct netif_tx_request huge[1] = {req(1, 0, 0, 1, 65535)};
    assert_int_equal(nb_tx_parse(huge, 1, 70000, &p), NB_TXE_PAGE);   /* the size fits, the page not */
    struct netif_tx_request tiny[1] = {req(1, 0, 0, 1, 13)};
    assert_int_equal(nb_tx_parse(tiny, 1, MTU_FRAME, &p), NB_TXE_UNDERSIZE);
}

static void fragments_larger_than_the_frame_are_refused(void **state)
{
    (void)state;
    struct netif_tx_request s[2] = {req(1, 0, NETTXF_more_data, 1, 100), req(2, 0, 0, 2, 101)};
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TXE_SUM);
    assert_int_equal(p.nslots, 2);
}

static void extra_info_slots_are_skipped_or_refused(void **state)
{
    (void)state;
    struct netif_tx_request s[3];
    s[0] = req(1, 0, NETTXF_extra_info, 1, 60);
    struct netif_extra_info x = {.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD, .flags = 0};
    memset(&s[1], 0, sizeof(s[1]));
    memcpy(&s[1], &x, sizeof(x));
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TX_OK);
    assert_int_equal(p.nslots, 2);
    assert_int_equal(p.nextras, 1);
    assert_int_equal(nb_tx_parse(s, 1, MTU_FRAME, &p), NB_TX_FATAL_OPEN);  /* extras open */
    x.type = XEN_NETIF_EXTRA_TYPE_GSO;   /* not offered */
    memcpy(&s[1], &x, sizeof(x));
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TXE_EXTRA);
    assert_int_equal(p.nslots, 2);
    x.type = 77;
    memcpy(&s[1], &x, sizeof(x));
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TXE_EXTRA);
}

static void endless_extra_chain_is_refused(void **state)
{
    (void)state;
    struct netif_tx_request s[10];
    s[0] = req(1, 0, NETTXF_extra_info, 1, 60);
    struct netif_extra_info x = {.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
                                 .flags = XEN_NETIF_EXTRA_FLAG_MORE};
    for (int i = 1; i < 10; i++) {
        memset(&s[i], 0, sizeof(s[i]));
        memcpy(&s[i], &x, sizeof(x));
    }
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 10, MTU_FRAME, &p), NB_TXE_EXTRA);
    assert_true(p.nslots >= 2 && p.nslots <= 10);
}

static void error_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(nb_tx_err_name(NB_TXE_GREF), "gref");
    assert_string_equal(nb_tx_err_name(NB_TXE_PAGE), "page");
    assert_string_equal(nb_tx_err_name(NB_TXE_CHAIN), "chain");
    assert_string_equal(nb_tx_err_name(NB_TXE_OVERSIZE), "oversize");
    assert_string_equal(nb_tx_err_name(NB_TX_FATAL_CHAIN), "fatal-chain");
    assert_string_equal(nb_tx_err_name(NB_TX_FATAL_OPEN), "fatal-open");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_slot_packet_passes),
        cmocka_unit_test(fragments_add_up_to_the_first_size),
        cmocka_unit_test(chain_open_at_req_prod_is_fatal),
        cmocka_unit_test(eighteen_slots_are_accepted),
        cmocka_unit_test(nineteen_and_twenty_slots_are_dropped_whole),
        cmocka_unit_test(the_tail_of_a_dropped_chain_is_not_a_packet),
        cmocka_unit_test(twenty_one_slots_are_fatal),
        cmocka_unit_test(extras_in_a_long_chain),
        cmocka_unit_test(fragment_past_its_page_is_refused),
        cmocka_unit_test(oversized_and_undersized_frames_are_refused),
        cmocka_unit_test(fragments_larger_than_the_frame_are_refused),
        cmocka_unit_test(extra_info_slots_are_skipped_or_refused),
        cmocka_unit_test(endless_extra_chain_is_refused),
        cmocka_unit_test(error_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
