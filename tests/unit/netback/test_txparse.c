/*
 * test_txparse.c - netback's validation of tx request chains (txparse.c):
 * well-formed packets pass with the right fragments, and every kind of
 * malformed chain is refused with its reason and the number of slots to
 * answer, so the ring moves on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

static void unfinished_chain_waits(void **state)
{
    (void)state;
    struct netif_tx_request s[2] = {req(1, 0, NETTXF_more_data, 1, 100),
                                    req(2, 0, NETTXF_more_data, 2, 20)};
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 2, MTU_FRAME, &p), NB_TX_INCOMPLETE);
    assert_int_equal(nb_tx_parse(s, 0, MTU_FRAME, &p), NB_TX_INCOMPLETE);
}

static void endless_chain_is_cut_at_the_slot_limit(void **state)
{
    (void)state;
    struct netif_tx_request s[40];
    for (int i = 0; i < 40; i++)
        s[i] = req(1, 0, NETTXF_more_data, (uint16_t)i, 64);
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, 40, MTU_FRAME, &p), NB_TXE_CHAIN);
    assert_int_equal(p.nslots, NETIF_MAX_SLOTS);
    /* The next parse starts inside the chain and is refused again, so a
     * never-ending chain is answered piece by piece. */
    assert_int_equal(nb_tx_parse(s + p.nslots, 40 - p.nslots, MTU_FRAME, &p), NB_TXE_CHAIN);
}

static void eighteen_slots_are_accepted(void **state)
{
    (void)state;
    struct netif_tx_request s[NETIF_MAX_SLOTS];
    for (unsigned i = 0; i < NETIF_MAX_SLOTS; i++)
        s[i] = req(i, 0, i + 1 < NETIF_MAX_SLOTS ? NETTXF_more_data : 0, (uint16_t)i, 100);
    s[0].size = 100 * NETIF_MAX_SLOTS;
    struct nb_tx_packet p;
    assert_int_equal(nb_tx_parse(s, NETIF_MAX_SLOTS, 65535, &p), NB_TX_OK);
    assert_int_equal(p.nfrags, NETIF_MAX_SLOTS);
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
    assert_int_equal(nb_tx_parse(s, 1, MTU_FRAME, &p), NB_TX_INCOMPLETE);
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_slot_packet_passes),
        cmocka_unit_test(fragments_add_up_to_the_first_size),
        cmocka_unit_test(unfinished_chain_waits),
        cmocka_unit_test(endless_chain_is_cut_at_the_slot_limit),
        cmocka_unit_test(eighteen_slots_are_accepted),
        cmocka_unit_test(fragment_past_its_page_is_refused),
        cmocka_unit_test(oversized_and_undersized_frames_are_refused),
        cmocka_unit_test(fragments_larger_than_the_frame_are_refused),
        cmocka_unit_test(extra_info_slots_are_skipped_or_refused),
        cmocka_unit_test(endless_extra_chain_is_refused),
        cmocka_unit_test(error_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
