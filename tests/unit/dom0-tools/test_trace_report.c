/*
 * test_trace_report.c - cutting traces into request stages
 * (dom0-tools/libxl/trace_report.h): stages in order, never negative,
 * adding up to the end-to-end time; files written and read back; the
 * Chrome export parses as JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "libxl/trace_report.h"

#define G XL_TRACE_SRC_GUEST
#define B XL_TRACE_SRC_BLKBACK
#define H XL_TRACE_SRC_HV

/* Two overlapping reads and a write; the write's response is polled (no
 * upcall follows it). Records deliberately out of time order. */
static struct xl_trace_rec *sample(size_t *n)
{
    static const struct xl_trace_rec recs[] = {
        {.ts_ns = 1000, .src = G, .event = XL_TR_REQ_PRODUCE, .domid = 3, .dev = 51712, .id = 7, .arg = 0},
        {.ts_ns = 1100, .src = G, .event = XL_TR_REQ_PRODUCE, .domid = 3, .dev = 51712, .id = 8, .arg = 0},
        {.ts_ns = 3000, .src = B, .event = XL_TR_REQ_CONSUME, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 3100, .src = B, .event = XL_TR_REQ_CONSUME, .domid = 3, .dev = 51712, .id = 8},
        {.ts_ns = 3500, .src = B, .event = XL_TR_IO_SUBMIT, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 3600, .src = B, .event = XL_TR_IO_SUBMIT, .domid = 3, .dev = 51712, .id = 8},
        {.ts_ns = 9000, .src = B, .event = XL_TR_IO_COMPLETE, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 9500, .src = B, .event = XL_TR_IO_COMPLETE, .domid = 3, .dev = 51712, .id = 8},
        {.ts_ns = 9600, .src = B, .event = XL_TR_RSP_PRODUCE, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 9700, .src = B, .event = XL_TR_RSP_PRODUCE, .domid = 3, .dev = 51712, .id = 8},
        {.ts_ns = 12000, .src = H, .event = XL_TR_UPCALL_INJECT, .domid = 3, .arg = 5},
        {.ts_ns = 15000, .src = G, .event = XL_TR_UPCALL_HANDLE, .domid = 3, .arg = 5},
        {.ts_ns = 15500, .src = G, .event = XL_TR_RSP_CONSUME, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 15600, .src = G, .event = XL_TR_RSP_CONSUME, .domid = 3, .dev = 51712, .id = 8},
        /* id 7 again: a write, answered while the frontend polls. */
        {.ts_ns = 20000, .src = G, .event = XL_TR_REQ_PRODUCE, .domid = 3, .dev = 51712, .id = 7, .arg = 1},
        {.ts_ns = 20400, .src = B, .event = XL_TR_REQ_CONSUME, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 20500, .src = B, .event = XL_TR_IO_SUBMIT, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 25000, .src = B, .event = XL_TR_IO_COMPLETE, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 25100, .src = B, .event = XL_TR_RSP_PRODUCE, .domid = 3, .dev = 51712, .id = 7},
        {.ts_ns = 25300, .src = G, .event = XL_TR_RSP_CONSUME, .domid = 3, .dev = 51712, .id = 7},
        /* A request the trace never sees finish. */
        {.ts_ns = 26000, .src = G, .event = XL_TR_REQ_PRODUCE, .domid = 3, .dev = 51712, .id = 9},
        /* And an upcall long after, which must not be taken by the write. */
        {.ts_ns = 30000, .src = H, .event = XL_TR_UPCALL_INJECT, .domid = 3, .arg = 5},
    };
    *n = sizeof(recs) / sizeof(recs[0]);
    struct xl_trace_rec *copy = malloc(sizeof(recs));
    /* Shuffle: reverse, so the analysis must sort. */
    for (size_t i = 0; i < *n; i++)
        copy[i] = recs[*n - 1 - i];
    return copy;
}

static void stages_in_order_and_add_up(void **state)
{
    (void)state;
    size_t n;
    struct xl_trace t;
    struct xl_trace_rec *recs = sample(&n);
    xl_trace_analyse(&t, recs, n);
    assert_int_equal(t.nreqs, 3);
    assert_int_equal(t.incomplete, 1);
    for (size_t i = 0; i < t.nreqs; i++) {
        uint64_t sum = 0;
        for (int s = 0; s < XL_NR_STAGES; s++) {
            assert_true(t.reqs[i].t[s + 1] >= t.reqs[i].t[s]);
            sum += t.reqs[i].t[s + 1] - t.reqs[i].t[s];
        }
        assert_int_equal(sum, t.reqs[i].t[XL_NR_STAGES] - t.reqs[i].t[0]);
    }
    /* The first read, stage by stage. */
    const struct xl_trace_request *r = &t.reqs[0];
    assert_int_equal(r->id, 7);
    static const uint64_t want[] = {1000, 3000, 3500, 9000, 9600, 12000, 15000, 15500};
    for (int s = 0; s <= XL_NR_STAGES; s++)
        assert_int_equal(r->t[s], want[s]);
    /* The polled write: no upcall stage, the frontend stage covers it. */
    r = &t.reqs[2];
    assert_int_equal(r->op, 1);
    assert_int_equal(r->t[XL_STAGE_NOTIFY + 1] - r->t[XL_STAGE_NOTIFY], 0);
    assert_int_equal(r->t[XL_STAGE_UPCALL + 1] - r->t[XL_STAGE_UPCALL], 0);
    assert_int_equal(r->t[XL_NR_STAGES] - r->t[XL_STAGE_FRONTEND], 200);
    xl_trace_free(&t);
}

static void file_round_trip_and_bad_files(void **state)
{
    (void)state;
    size_t n;
    struct xl_trace_rec *recs = sample(&n);
    char path[] = "/tmp/xl-trace-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(xl_trace_write(f, 3, "blk1", 0, recs, n), 0);
    fclose(f);
    struct xl_trace t;
    char why[256];
    assert_int_equal(xl_trace_load(path, &t, why, sizeof(why)), 0);
    assert_int_equal(t.nrecs, n);
    assert_int_equal(t.nreqs, 3);
    assert_int_equal(t.recs[0].ts_ns, 1000);
    assert_int_equal(t.recs[0].event, XL_TR_REQ_PRODUCE);
    xl_trace_free(&t);
    free(recs);

    f = fopen(path, "w");
    fprintf(f, "%s\n1000 guest req_produce 3 51712 0 7 0\n1200 martian req_produce 3 1 0 7 0\n",
            XL_TRACE_FILE_MAGIC);
    fclose(f);
    assert_int_equal(xl_trace_load(path, &t, why, sizeof(why)), -1);
    assert_non_null(strstr(why, ":3: not a trace record"));
    f = fopen(path, "w");
    fprintf(f, "hello\n");
    fclose(f);
    assert_int_equal(xl_trace_load(path, &t, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "is not a Xenolith trace file"));
    unlink(path);
}

static void chrome_export_is_json_with_the_stages(void **state)
{
    (void)state;
    size_t n;
    struct xl_trace t;
    struct xl_trace_rec *recs = sample(&n);
    xl_trace_analyse(&t, recs, n);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(xl_trace_export_chrome(&t, f), 0);
    fclose(f);
    char err[256];
    yajl_val root = yajl_tree_parse(buf, err, sizeof(err));
    if (!root)
        fail_msg("not JSON: %s\n%s", err, buf);
    const char *path[] = {"traceEvents", NULL};
    yajl_val evs = yajl_tree_get(root, path, yajl_t_array);
    assert_non_null(evs);
    size_t host_io = 0;
    for (size_t i = 0; i < evs->u.array.len; i++) {
        const char *name_path[] = {"name", NULL};
        yajl_val name = yajl_tree_get(evs->u.array.values[i], name_path, yajl_t_string);
        assert_non_null(name);
        host_io += !strcmp(name->u.string, "host I/O");
    }
    assert_int_equal(host_io, 3);
    yajl_tree_free(root);
    free(buf);

    f = open_memstream(&buf, &len);
    assert_int_equal(xl_trace_export_svg(&t, 0, 10, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "<svg"));
    assert_non_null(strstr(buf, "3 requests"));
    free(buf);
    xl_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stages_in_order_and_add_up),
        cmocka_unit_test(file_round_trip_and_bad_files),
        cmocka_unit_test(chrome_export_is_json_with_the_stages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
