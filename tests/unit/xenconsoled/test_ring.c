/*
 * test_ring.c - xenconsoled's half of the console ring
 * (pv-backends/xenconsoled/ring.c) on a plain struct xencons_interface,
 * playing the guest by hand: what a backend sees of an honest guest (order,
 * wrap at the ring's end and at 2^32, partial reads, full input ring) and
 * of a hostile one (impossible indexes: -EIO with a reason and nothing
 * copied; our own indexes scribbled over: ignored).
 *
 * output_matches_a_naive_model runs 20000 random steps of an honest guest
 * and backend against a plain byte queue; the model's bookkeeping is
 * checked too (ring_check_model_catches_a_lost_byte feeds it a ring that
 * drops a byte and expects the comparison to notice).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

static struct xencons_interface page;

/* ---- the guest's side, done by hand ------------------------------------- */

/* Writes len bytes of output as an honest guest does; returns how many fit. */
static size_t guest_put(const char *s, size_t len)
{
    uint32_t used = page.out_prod - page.out_cons;
    size_t n = len < XENCONS_OUT_SIZE - used ? len : XENCONS_OUT_SIZE - used;
    for (size_t i = 0; i < n; i++)
        page.out[(page.out_prod + i) & (XENCONS_OUT_SIZE - 1)] = s[i];
    page.out_prod += (uint32_t)n;
    return n;
}

/* Reads up to cap bytes of input as an honest guest does. */
static size_t guest_get(char *buf, size_t cap)
{
    uint32_t avail = page.in_prod - page.in_cons;
    size_t n = cap < avail ? cap : avail;
    for (size_t i = 0; i < n; i++)
        buf[i] = page.in[(page.in_cons + i) & (XENCONS_IN_SIZE - 1)];
    page.in_cons += (uint32_t)n;
    return n;
}

static void start_at(uint32_t out_idx, uint32_t in_idx)
{
    memset(&page, 0, sizeof(page));
    page.out_cons = page.out_prod = out_idx;
    page.in_cons = page.in_prod = in_idx;
}

static int setup(void **state)
{
    (void)state;
    start_at(0, 0);
    return 0;
}

/* ---- output ------------------------------------------------------------- */

static void fresh_page_attaches_empty(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    char buf[16];
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 0);
    assert_int_equal(ring_in_space(&r), XENCONS_IN_SIZE);
}

static void output_comes_in_order_and_consume_publishes_out_cons(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    assert_int_equal(guest_put("hello\n", 6), 6);
    char buf[64];
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "hello\n", 6);
    /* Not taken until consumed: the guest still sees it in flight. */
    assert_int_equal(page.out_cons, 0);
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 6);
    ring_consume(&r, 6);
    assert_int_equal(page.out_cons, 6);
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 0);
}

static void read_stops_at_cap_and_continues(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    guest_put("abcdefghij", 10);
    char buf[16];
    assert_int_equal(ring_read(&r, buf, 4), 4);
    assert_memory_equal(buf, "abcd", 4);
    ring_consume(&r, 4);
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "efghij", 6);
}

static void output_wraps_at_the_end_of_the_ring(void **state)
{
    (void)state;
    start_at(XENCONS_OUT_SIZE - 3, 0);
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    guest_put("0123456", 7);
    /* Three bytes at the ring's end, four at its start. */
    assert_memory_equal(page.out + XENCONS_OUT_SIZE - 3, "012", 3);
    assert_memory_equal(page.out, "3456", 4);
    char buf[16];
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "0123456", 7);
}

static void indexes_wrap_at_2_to_the_32(void **state)
{
    (void)state;
    start_at(0xfffffff0u, 0xfffffffeu);
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    char data[32];
    for (int i = 0; i < 32; i++)
        data[i] = (char)('A' + i);
    assert_int_equal(guest_put(data, 32), 32);
    assert_int_equal(page.out_prod, 0x10u);
    char buf[64];
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 32);
    assert_memory_equal(buf, data, 32);
    ring_consume(&r, 32);
    assert_int_equal(page.out_cons, 0x10u);
    assert_int_equal(ring_write(&r, "xyz", 3), 3);
    assert_int_equal(page.in_prod, 1u);
    assert_int_equal(guest_get(buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "xyz", 3);
}

static void a_full_output_ring_is_read_whole(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    static char data[XENCONS_OUT_SIZE], buf[XENCONS_OUT_SIZE + 16];
    memset(data, 'z', sizeof(data));
    assert_int_equal(guest_put(data, sizeof(data)), XENCONS_OUT_SIZE);
    assert_int_equal(guest_put("!", 1), 0);
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), XENCONS_OUT_SIZE);
}

/* ---- hostile guests ----------------------------------------------------- */

static void out_prod_past_the_ring_is_broken(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    page.out_prod = XENCONS_OUT_SIZE + 1;
    char buf[16] = "untouched";
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), -EIO);
    assert_string_equal(buf, "untouched");
    assert_non_null(strstr(r.why, "out_prod 2049 - out_cons 0 > 2048"));
    /* Exactly the ring's size is still honest. */
    page.out_prod = XENCONS_OUT_SIZE;
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), sizeof(buf));
}

static void out_prod_behind_out_cons_is_broken(void **state)
{
    (void)state;
    start_at(100, 0);
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    page.out_prod = 99; /* 99 - 100 = 2^32 - 1 bytes "in flight" */
    char buf[16];
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), -EIO);
}

static void in_cons_past_in_prod_is_broken(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    page.in_cons = 0x10000u;
    assert_int_equal(ring_in_space(&r), -EIO);
    assert_int_equal(ring_write(&r, "x", 1), -EIO);
    assert_int_equal(page.in_prod, 0);
    assert_non_null(strstr(r.why, "in ring broken"));
}

static void a_broken_page_is_refused_at_attach(void **state)
{
    (void)state;
    struct ring r;
    page.out_prod = 5000;
    assert_int_equal(ring_attach(&r, &page), -EIO);
    assert_non_null(strstr(r.why, "out ring broken at connect"));
    start_at(0, 0);
    page.in_prod = 2000;
    assert_int_equal(ring_attach(&r, &page), -EIO);
    assert_non_null(strstr(r.why, "in ring broken at connect"));
}

static void the_guest_cannot_move_our_indexes(void **state)
{
    (void)state;
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    guest_put("abcdef", 6);
    char buf[16];
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 6);
    ring_consume(&r, 6);
    /* The guest rewinds out_cons to have us log its output twice, and
     * moves in_prod to have us overwrite input it has not read. */
    page.out_cons = 0;
    page.in_prod = 700;
    assert_int_equal(ring_read(&r, buf, sizeof(buf)), 0);
    assert_int_equal(ring_write(&r, "k", 1), 1);
    assert_int_equal(page.in_prod, 1); /* ours, republished */
    assert_int_equal(page.in[0], 'k');
}

/* ---- input -------------------------------------------------------------- */

static void input_fills_the_ring_then_waits_for_the_guest(void **state)
{
    (void)state;
    start_at(0, XENCONS_IN_SIZE - 2);
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    static char data[XENCONS_IN_SIZE + 100], got[XENCONS_IN_SIZE];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7);
    assert_int_equal(ring_write(&r, data, sizeof(data)), XENCONS_IN_SIZE);
    assert_int_equal(ring_in_space(&r), 0);
    assert_int_equal(ring_write(&r, data, 1), 0);
    assert_int_equal(guest_get(got, 10), 10);
    assert_memory_equal(got, data, 10);
    assert_int_equal(ring_in_space(&r), 10);
    assert_int_equal(ring_write(&r, data + XENCONS_IN_SIZE, 100), 10);
    assert_int_equal(guest_get(got, sizeof(got)), XENCONS_IN_SIZE);
    assert_memory_equal(got, data + 10, XENCONS_IN_SIZE);
}

/* ---- against a model ---------------------------------------------------- */

#define MODEL_CAP (1u << 16)
struct model {
    unsigned char bytes[MODEL_CAP];
    size_t head, tail; /* written by the guest, taken by the backend */
};

static unsigned rng_state = 12345;
static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) % n;
}

/* Random honest steps; returns the number of mismatched bytes. With
 * lose_one, the "ring" drops one byte of what it hands over, as a broken
 * implementation would, so the comparison must report it. */
static size_t run_model(unsigned steps, bool lose_one)
{
    static struct model m;
    memset(&m, 0, sizeof(m));
    start_at(0xffffff00u, 0);
    struct ring r;
    assert_int_equal(ring_attach(&r, &page), 0);
    size_t mismatches = 0;
    bool lost = false;
    for (unsigned s = 0; s < steps && m.tail + 4096 < MODEL_CAP; s++) {
        if (rnd(2)) {
            char chunk[300];
            size_t len = rnd(sizeof(chunk)) + 1;
            for (size_t i = 0; i < len; i++)
                chunk[i] = (char)rnd(256);
            size_t n = guest_put(chunk, len);
            memcpy(m.bytes + m.tail, chunk, n);
            m.tail += n;
        } else {
            char buf[XENCONS_OUT_SIZE];
            ssize_t n = ring_read(&r, buf, rnd(sizeof(buf)) + 1);
            assert_true(n >= 0);
            if (lose_one && !lost && n > 1) {
                memmove(buf + 1, buf + 2, (size_t)n - 2);
                lost = true;
            }
            for (ssize_t i = 0; i < n; i++)
                mismatches += (unsigned char)buf[i] != m.bytes[m.head + (size_t)i];
            m.head += (size_t)n;
            ring_consume(&r, (size_t)n);
        }
        assert_true(m.tail - m.head <= XENCONS_OUT_SIZE);
        assert_int_equal(page.out_prod - page.out_cons, m.tail - m.head);
    }
    return mismatches;
}

static void output_matches_a_naive_model(void **state)
{
    (void)state;
    assert_int_equal(run_model(20000, false), 0);
}

static void ring_check_model_catches_a_lost_byte(void **state)
{
    (void)state;
    assert_true(run_model(20000, true) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(fresh_page_attaches_empty, setup),
        cmocka_unit_test_setup(output_comes_in_order_and_consume_publishes_out_cons, setup),
        cmocka_unit_test_setup(read_stops_at_cap_and_continues, setup),
        cmocka_unit_test_setup(output_wraps_at_the_end_of_the_ring, setup),
        cmocka_unit_test_setup(indexes_wrap_at_2_to_the_32, setup),
        cmocka_unit_test_setup(a_full_output_ring_is_read_whole, setup),
        cmocka_unit_test_setup(out_prod_past_the_ring_is_broken, setup),
        cmocka_unit_test_setup(out_prod_behind_out_cons_is_broken, setup),
        cmocka_unit_test_setup(in_cons_past_in_prod_is_broken, setup),
        cmocka_unit_test_setup(a_broken_page_is_refused_at_attach, setup),
        cmocka_unit_test_setup(the_guest_cannot_move_our_indexes, setup),
        cmocka_unit_test_setup(input_fills_the_ring_then_waits_for_the_guest, setup),
        cmocka_unit_test_setup(output_matches_a_naive_model, setup),
        cmocka_unit_test_setup(ring_check_model_catches_a_lost_byte, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
