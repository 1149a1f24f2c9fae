/*
 * test_switch.c - netback's learning bridges (switch.c): flooding of
 * unknown, broadcast and multicast destinations; learning and then
 * forwarding to one port only; filtering frames back to their own port;
 * MACs moving; ageing; detach forgetting a port; bridges isolated from
 * each other. And csum.c's checksum completion against a known frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "csum.h"
#include "switch.h"

struct got {
    unsigned frames;
    uint8_t last[64];
    size_t last_len;
    unsigned last_flags;
};

static void record(struct sw_port *p, uint8_t *frame, size_t len, unsigned flags)
{
    struct got *g = p->owner;
    g->frames++;
    g->last_len = len < sizeof(g->last) ? len : sizeof(g->last);
    memcpy(g->last, frame, g->last_len);
    g->last_flags = flags;
}

#define NPORTS 4
static struct sw *sw;
static struct sw_port port[NPORTS];
static struct got got[NPORTS];

static int setup(void **state)
{
    (void)state;
    sw = sw_create();
    memset(port, 0, sizeof(port));
    memset(got, 0, sizeof(got));
    for (int i = 0; i < NPORTS; i++) {
        port[i].deliver = record;
        port[i].owner = &got[i];
    }
    return sw ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NPORTS; i++)
        sw_port_detach(sw, &port[i]);
    assert_int_equal(sw_bridge_count(sw), 0);
    sw_destroy(sw);
    return 0;
}

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void mac_of(int i, uint8_t mac[6])
{
    const uint8_t m[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, (uint8_t)(i + 1)};
    memcpy(mac, m, 6);
}

/* A 60-byte frame from MAC i to dst, payload tagged with `tag`. */
static void frame(uint8_t f[60], const uint8_t dst[6], int src, uint8_t tag)
{
    memset(f, tag, 60);
    memcpy(f, dst, 6);
    mac_of(src, f + 6);
    f[12] = 0x08, f[13] = 0x00;
}

static void attach_all(const char *bridge)
{
    for (int i = 0; i < NPORTS; i++)
        assert_int_equal(sw_port_attach(sw, bridge, &port[i]), 0);
}

static void unknown_destination_floods_all_but_the_sender(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60], dst[6];
    mac_of(2, dst);
    frame(f, dst, 0, 0xa1);
    assert_int_equal(sw_input(&port[0], f, 60, 0, 10), NPORTS - 1);
    assert_int_equal(got[0].frames, 0);
    for (int i = 1; i < NPORTS; i++) {
        assert_int_equal(got[i].frames, 1);
        assert_memory_equal(got[i].last, f, 60);
    }
}

static void learned_destination_gets_the_frame_alone(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60], dst[6];
    mac_of(2, dst);
    frame(f, BCAST, 2, 1);                    /* port 2 speaks: learned */
    assert_int_equal(sw_input(&port[2], f, 60, 0, 10), NPORTS - 1);
    assert_ptr_equal(sw_lookup(sw, "xenbr0", dst, 10), &port[2]);
    memset(got, 0, sizeof(got));
    frame(f, dst, 0, 0xb2);
    assert_int_equal(sw_input(&port[0], f, 60, NB_F_CSUM_BLANK, 11), 1);
    assert_int_equal(got[2].frames, 1);
    assert_int_equal(got[2].last_flags, NB_F_CSUM_BLANK);
    assert_int_equal(got[2].last[20], 0xb2);
    assert_int_equal(got[1].frames + got[3].frames + got[0].frames, 0);
    assert_int_equal(port[2].forwarded, 1);
}

static void frame_to_its_own_port_is_filtered(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60], me[6];
    mac_of(1, me);
    frame(f, BCAST, 1, 1);
    sw_input(&port[1], f, 60, 0, 10);
    memset(got, 0, sizeof(got));
    frame(f, me, 1, 2);
    assert_int_equal(sw_input(&port[1], f, 60, 0, 10), 0);
    for (int i = 0; i < NPORTS; i++)
        assert_int_equal(got[i].frames, 0);
}

static void multicast_floods_and_is_never_learned(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60], mc[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
    frame(f, mc, 0, 3);
    assert_int_equal(sw_input(&port[0], f, 60, 0, 10), NPORTS - 1);
    /* A multicast source is never learned. */
    memcpy(f + 6, mc, 6);
    sw_input(&port[3], f, 60, 0, 10);
    assert_null(sw_lookup(sw, "xenbr0", mc, 10));
}

static void moved_mac_is_relearned_and_old_entries_age(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60], m[6];
    mac_of(0, m);
    frame(f, BCAST, 0, 1);
    sw_input(&port[1], f, 60, 0, 100);
    assert_ptr_equal(sw_lookup(sw, "xenbr0", m, 100), &port[1]);
    sw_input(&port[3], f, 60, 0, 101);           /* the guest moved */
    assert_ptr_equal(sw_lookup(sw, "xenbr0", m, 101), &port[3]);
    assert_ptr_equal(sw_lookup(sw, "xenbr0", m, 101 + SW_AGE_S), &port[3]);
    assert_null(sw_lookup(sw, "xenbr0", m, 102 + SW_AGE_S));
}

static void detach_forgets_the_port(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60], m[6];
    mac_of(2, m);
    frame(f, BCAST, 2, 1);
    sw_input(&port[2], f, 60, 0, 10);
    sw_port_detach(sw, &port[2]);
    assert_null(sw_lookup(sw, "xenbr0", m, 10));
    assert_int_equal(sw_port_count(sw, "xenbr0"), NPORTS - 1);
    memset(got, 0, sizeof(got));
    frame(f, m, 0, 2);                            /* now unknown: floods the rest */
    assert_int_equal(sw_input(&port[0], f, 60, 0, 10), NPORTS - 2);
    assert_int_equal(got[2].frames, 0);
}

static void bridges_do_not_see_each_other(void **state)
{
    (void)state;
    assert_int_equal(sw_port_attach(sw, "xenbr0", &port[0]), 0);
    assert_int_equal(sw_port_attach(sw, "xenbr0", &port[1]), 0);
    assert_int_equal(sw_port_attach(sw, "xenbr1", &port[2]), 0);
    assert_int_equal(sw_port_attach(sw, "xenbr1", &port[3]), 0);
    assert_int_equal(sw_bridge_count(sw), 2);
    uint8_t f[60];
    frame(f, BCAST, 0, 1);
    assert_int_equal(sw_input(&port[0], f, 60, 0, 10), 1);
    assert_int_equal(got[1].frames, 1);
    assert_int_equal(got[2].frames + got[3].frames, 0);
    uint8_t m0[6];
    mac_of(0, m0);
    assert_null(sw_lookup(sw, "xenbr1", m0, 10));
    frame(f, m0, 3, 2);                           /* to 0's MAC from bridge 1: stays there */
    assert_int_equal(sw_input(&port[3], f, 60, 0, 10), 1);
    assert_int_equal(got[2].frames, 1);
    assert_int_equal(got[0].frames, 0);
}

static void runt_frames_are_ignored(void **state)
{
    (void)state;
    attach_all("xenbr0");
    uint8_t f[60];
    frame(f, BCAST, 0, 1);
    assert_int_equal(sw_input(&port[0], f, 13, 0, 10), 0);
}

/* An IPv4 UDP frame whose checksum is known (computed independently). */
static void checksum_is_completed_for_ipv4_udp(void **state)
{
    (void)state;
    uint8_t f[14 + 20 + 8 + 4] = {0};
    f[12] = 0x08;
    uint8_t *ip = f + 14, *udp = ip + 20;
    ip[0] = 0x45, ip[3] = 32, ip[8] = 64, ip[9] = 17;
    ip[12] = 10, ip[15] = 1;               /* 10.0.0.1 */
    ip[16] = 10, ip[19] = 2;               /* 10.0.0.2 */
    udp[0] = 0x04, udp[1] = 0xd2;          /* 1234 */
    udp[2] = 0x16, udp[3] = 0x2e;          /* 5678 */
    udp[5] = 12;
    memcpy(udp + 8, "ping", 4);
    udp[6] = 0x12, udp[7] = 0x34;          /* a partial sum left by the sender */
    assert_true(nb_csum_fill(f, sizeof(f)));
    /* Verifying: the sum over pseudo-header and datagram folds to 0xffff. */
    uint32_t sum = nb_csum_add(0, ip + 12, 8) + 17 + 12;
    sum = nb_csum_add(sum, udp, 12);
    assert_int_equal(nb_csum_fold(sum), 0xffff);
    f[12] = 0x86, f[13] = 0xdd;            /* IPv6: left alone */
    assert_false(nb_csum_fill(f, sizeof(f)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unknown_destination_floods_all_but_the_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(learned_destination_gets_the_frame_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(frame_to_its_own_port_is_filtered, setup, teardown),
        cmocka_unit_test_setup_teardown(multicast_floods_and_is_never_learned, setup, teardown),
        cmocka_unit_test_setup_teardown(moved_mac_is_relearned_and_old_entries_age, setup, teardown),
        cmocka_unit_test_setup_teardown(detach_forgets_the_port, setup, teardown),
        cmocka_unit_test_setup_teardown(bridges_do_not_see_each_other, setup, teardown),
        cmocka_unit_test_setup_teardown(runt_frames_are_ignored, setup, teardown),
        cmocka_unit_test(checksum_is_completed_for_ipv4_udp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
