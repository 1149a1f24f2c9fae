/*
 * test_request.c - blkback's request checks (pv-backends/blkback/request.c)
 * as a frontend sees them: every well-formed request of each kind is
 * accepted with the sectors it moves, and every malformed field gets the
 * status Xen's blkback would answer (ERROR, or EOPNOTSUPP for an operation
 * the device does not offer), with the id and operation kept for the
 * answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "request.h"

static const struct blk_limits lim = {
    .sectors = 1000, .flush = true, .discard = true, .max_indirect = 256,
};

static blkif_request_t rw(uint8_t op, uint64_t sector, unsigned nseg)
{
    blkif_request_t r;
    memset(&r, 0, sizeof(r));
    r.operation = op;
    r.nr_segments = (uint8_t)nseg;
    r.id = 0xabcdef01234ull;
    r.sector_number = sector;
    for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        r.seg[i] = (struct blkif_request_segment){.gref = 100 + i, .first_sect = 0, .last_sect = 7};
    return r;
}

static int parse(const blkif_request_t *w, const struct blk_limits *l, struct blk_req *out)
{
    const char *why = NULL;
    int st = blk_req_parse(w, l, out, &why);
    if (st != BLKIF_RSP_OKAY)
        assert_non_null(why); /* every refusal says why */
    return st;
}

static void good_read_and_write_are_accepted(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_t w = rw(BLKIF_OP_READ, 8, 11);
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_OKAY);
    assert_int_equal(r.op, BLKIF_OP_READ);
    assert_int_equal(r.nr_segs, 11);
    assert_int_equal(r.nr_sectors, 88);
    assert_int_equal(r.id, 0xabcdef01234ull);
    assert_int_equal(blk_req_bytes(&r), 88 * 512);
    w = rw(BLKIF_OP_WRITE, 0, 1);
    w.seg[0].first_sect = 3;
    w.seg[0].last_sect = 3;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_OKAY);
    assert_int_equal(r.nr_sectors, 1);
}

static void unknown_and_unoffered_operations_are_eopnotsupp(void **state)
{
    (void)state;
    struct blk_req r;
    uint8_t ops[] = {BLKIF_OP_WRITE_BARRIER, BLKIF_OP_RESERVED_1, 7, 42, 255};
    for (unsigned i = 0; i < sizeof(ops); i++) {
        blkif_request_t w = rw(ops[i], 0, 1);
        assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_EOPNOTSUPP);
        assert_int_equal(r.wire_op, ops[i]); /* echoed in the answer */
        assert_int_equal(r.id, w.id);
    }
    struct blk_limits none = lim;
    none.flush = none.discard = false;
    none.max_indirect = 0;
    blkif_request_t w = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
    assert_int_equal(parse(&w, &none, &r), BLKIF_RSP_EOPNOTSUPP);
    w = rw(BLKIF_OP_DISCARD, 0, 0);
    assert_int_equal(parse(&w, &none, &r), BLKIF_RSP_EOPNOTSUPP);
    w = rw(BLKIF_OP_INDIRECT, 0, 0);
    assert_int_equal(parse(&w, &none, &r), BLKIF_RSP_EOPNOTSUPP);
}

static void segment_counts_are_bounded(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_t w = rw(BLKIF_OP_READ, 0, 0);
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w = rw(BLKIF_OP_WRITE, 0, 11);
    w.nr_segments = 12;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w.nr_segments = 255;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
}

static void segments_must_stay_in_their_page(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_t w = rw(BLKIF_OP_READ, 0, 2);
    w.seg[1].first_sect = 4;
    w.seg[1].last_sect = 3;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w = rw(BLKIF_OP_READ, 0, 2);
    w.seg[1].last_sect = 8;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w = rw(BLKIF_OP_READ, 0, 1);
    w.seg[0].first_sect = 200;
    w.seg[0].last_sect = 255;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w = rw(BLKIF_OP_READ, 0, 1);
    w.seg[0].gref = BLK_GREF_LIMIT;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w.seg[0].gref = BLK_GREF_LIMIT - 1;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_OKAY);
}

static void ranges_past_the_end_are_refused(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_t w = rw(BLKIF_OP_READ, 992, 1); /* 992..999: the last 8 */
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_OKAY);
    w.sector_number = 993;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w.sector_number = 1000;
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
    w.sector_number = ~0ull - 3; /* would wrap */
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_ERROR);
}

static void read_only_devices_refuse_writes_only(void **state)
{
    (void)state;
    struct blk_limits ro = lim;
    ro.readonly = true;
    struct blk_req r;
    blkif_request_t w = rw(BLKIF_OP_WRITE, 0, 1);
    assert_int_equal(parse(&w, &ro, &r), BLKIF_RSP_ERROR);
    w = rw(BLKIF_OP_READ, 0, 1);
    assert_int_equal(parse(&w, &ro, &r), BLKIF_RSP_OKAY);
    w = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 1); /* flush with data writes */
    assert_int_equal(parse(&w, &ro, &r), BLKIF_RSP_ERROR);
    w = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0); /* a pure flush is harmless */
    assert_int_equal(parse(&w, &ro, &r), BLKIF_RSP_OKAY);
    blkif_request_discard_t d = {.operation = BLKIF_OP_DISCARD, .sector_number = 0, .nr_sectors = 8};
    assert_int_equal(parse((blkif_request_t *)&d, &ro, &r), BLKIF_RSP_ERROR);
    blkif_request_indirect_t ind = {.operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_WRITE,
                                    .nr_segments = 20};
    assert_int_equal(parse((blkif_request_t *)&ind, &ro, &r), BLKIF_RSP_ERROR);
}

static void flush_with_and_without_data(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_t w = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_OKAY);
    assert_int_equal(r.nr_segs, 0);
    assert_int_equal(r.nr_sectors, 0);
    w = rw(BLKIF_OP_FLUSH_DISKCACHE, 16, 2);
    assert_int_equal(parse(&w, &lim, &r), BLKIF_RSP_OKAY);
    assert_int_equal(r.nr_sectors, 16);
}

static void discard_ranges(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_discard_t d = {.operation = BLKIF_OP_DISCARD, .flag = BLKIF_DISCARD_SECURE,
                                 .id = 7, .sector_number = 100, .nr_sectors = 900};
    assert_int_equal(parse((blkif_request_t *)&d, &lim, &r), BLKIF_RSP_OKAY);
    assert_int_equal(r.op, BLKIF_OP_DISCARD);
    assert_int_equal(r.nr_sectors, 900);
    assert_true(r.secure);
    assert_int_equal(blk_req_bytes(&r), 0);
    d.nr_sectors = 901;
    assert_int_equal(parse((blkif_request_t *)&d, &lim, &r), BLKIF_RSP_ERROR);
    d.sector_number = ~0ull;
    d.nr_sectors = 2;
    assert_int_equal(parse((blkif_request_t *)&d, &lim, &r), BLKIF_RSP_ERROR);
    d.sector_number = 5;
    d.nr_sectors = 0;
    assert_int_equal(parse((blkif_request_t *)&d, &lim, &r), BLKIF_RSP_OKAY);
}

static void indirect_requests_in_two_steps(void **state)
{
    (void)state;
    struct blk_req r;
    blkif_request_indirect_t ind = {.operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
                                    .nr_segments = 100, .id = 99, .sector_number = 0,
                                    .indirect_grefs = {55}};
    assert_int_equal(parse((blkif_request_t *)&ind, &lim, &r), BLKIF_RSP_OKAY);
    assert_true(r.indirect);
    assert_int_equal(r.op, BLKIF_OP_READ);
    assert_int_equal(r.wire_op, BLKIF_OP_INDIRECT);
    assert_int_equal(r.nr_indirect, 1);
    assert_int_equal(r.indirect_grefs[0], 55);
    /* the caller copies the segments out of the indirect page, then: */
    for (unsigned i = 0; i < 100; i++)
        r.seg[i] = (struct blk_seg){.gref = 200 + i, .first = 0, .last = 7};
    const char *why;
    assert_int_equal(blk_req_check_segs(&r, &lim, &why), BLKIF_RSP_OKAY);
    assert_int_equal(r.nr_sectors, 800);
    r.sector = 300; /* 300 + 800 passes the end (1000) */
    assert_int_equal(blk_req_check_segs(&r, &lim, &why), BLKIF_RSP_ERROR);
    assert_non_null(why);
}

static void indirect_segment_checks(void **state)
{
    (void)state;
    struct blk_limits big = lim;
    big.sectors = 1 << 20;
    struct blk_req r;
    const char *why;
    blkif_request_indirect_t ind = {.operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_WRITE,
                                    .nr_segments = 256, .indirect_grefs = {1}};
    assert_int_equal(parse((blkif_request_t *)&ind, &big, &r), BLKIF_RSP_OKAY);
    for (unsigned i = 0; i < 256; i++)
        r.seg[i] = (struct blk_seg){.gref = 300 + i, .first = 0, .last = 7};
    assert_int_equal(blk_req_check_segs(&r, &big, &why), BLKIF_RSP_OKAY);
    assert_int_equal(r.nr_sectors, 2048);
    r.seg[255].first = 6;
    r.seg[255].last = 5;
    assert_int_equal(blk_req_check_segs(&r, &big, &why), BLKIF_RSP_ERROR);
    r.seg[255] = (struct blk_seg){.gref = 0xffffffffu, .first = 0, .last = 7};
    assert_int_equal(blk_req_check_segs(&r, &big, &why), BLKIF_RSP_ERROR);
    /* counts and operations */
    ind.nr_segments = 257;
    assert_int_equal(parse((blkif_request_t *)&ind, &big, &r), BLKIF_RSP_ERROR);
    struct blk_limits small = big;
    small.max_indirect = 32;
    ind.nr_segments = 33;
    assert_int_equal(parse((blkif_request_t *)&ind, &small, &r), BLKIF_RSP_ERROR);
    ind.nr_segments = 0;
    assert_int_equal(parse((blkif_request_t *)&ind, &big, &r), BLKIF_RSP_ERROR);
    ind.nr_segments = 8;
    ind.indirect_op = BLKIF_OP_DISCARD;
    assert_int_equal(parse((blkif_request_t *)&ind, &big, &r), BLKIF_RSP_ERROR);
    ind.indirect_op = BLKIF_OP_INDIRECT;
    assert_int_equal(parse((blkif_request_t *)&ind, &big, &r), BLKIF_RSP_ERROR);
    ind.indirect_op = BLKIF_OP_READ;
    ind.indirect_grefs[0] = BLK_GREF_LIMIT;
    assert_int_equal(parse((blkif_request_t *)&ind, &big, &r), BLKIF_RSP_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_read_and_write_are_accepted),
        cmocka_unit_test(unknown_and_unoffered_operations_are_eopnotsupp),
        cmocka_unit_test(segment_counts_are_bounded),
        cmocka_unit_test(segments_must_stay_in_their_page),
        cmocka_unit_test(ranges_past_the_end_are_refused),
        cmocka_unit_test(read_only_devices_refuse_writes_only),
        cmocka_unit_test(flush_with_and_without_data),
        cmocka_unit_test(discard_ranges),
        cmocka_unit_test(indirect_requests_in_two_steps),
        cmocka_unit_test(indirect_segment_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
