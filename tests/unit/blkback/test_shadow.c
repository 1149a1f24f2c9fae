/*
 * test_shadow.c - blkback's restart journal (pv-backends/blkback/shadow.c)
 * as a restarted blkback reads it: a death at each step of taking and
 * answering requests leaves a file from which exactly the unanswered
 * requests are run again, answers the guest saw are not repeated, and
 * requests still in the ring are not taken twice. A file from another
 * connection, or a guest that scribbled on rsp_prod, is not trusted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shadow.h"

static char path[64];

static const struct shadow_id id = {.nr_ents = 32, .fe_domid = 3, .devid = 51712, .queue = 0,
                                    .ring_order = 0, .evtchn = 9, .ring_refs = {8}};

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/blkback-shadow-test.%d", (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static blkif_request_t req(uint64_t id)
{
    blkif_request_t r;
    memset(&r, 0, sizeof(r));
    r.operation = BLKIF_OP_WRITE;
    r.nr_segments = 3;
    r.id = id;
    r.sector_number = id * 8;
    return r;
}

/* The backend's moves, as queue.c makes them. */
static int take(struct shadow *s, uint32_t idx)
{
    blkif_request_t r = req(1000 + idx);
    int e = shadow_take(s, &r, idx);
    assert_true(e >= 0);
    return e;
}

static void answer(struct shadow *s, int ent, uint32_t *rsp_pvt)
{
    shadow_answer(s, (uint32_t)ent, *rsp_pvt);
    s->hdr->rsp_prod_pvt = ++*rsp_pvt;
}

static void push(struct shadow *s, uint32_t rsp_pvt, const int *ents, int n)
{
    s->hdr->rsp_pushed = rsp_pvt;
    for (int i = 0; i < n; i++)
        shadow_free(s, (uint32_t)ents[i]);
}

/* "Dies" (closes without cleaning) and opens again as a restart does. */
static void restart(struct shadow *s, bool *resumable)
{
    shadow_close(s, NULL);
    assert_int_equal(shadow_open(s, path, &id, true, resumable), 0);
}

static void a_restart_reruns_exactly_the_unanswered(void **state)
{
    (void)state;
    struct shadow s;
    bool resumable;
    assert_int_equal(shadow_open(&s, path, &id, false, &resumable), 0);
    assert_false(resumable);
    /* requests 0..5 taken; the batch's req_cons stored */
    int e[6];
    for (uint32_t i = 0; i < 6; i++)
        e[i] = take(&s, i);
    s.hdr->req_cons = 6;
    /* 2 and 4 finished first: answered as responses 0 and 1, pushed */
    uint32_t rsp = 0;
    answer(&s, e[2], &rsp);
    answer(&s, e[4], &rsp);
    int pushed[] = {e[2], e[4]};
    push(&s, rsp, pushed, 2);
    /* 0 answered as response 2, written but not pushed: then kill -9 */
    answer(&s, e[0], &rsp);
    /* also a request copied in but the batch's req_cons never stored */
    take(&s, 6);

    restart(&s, &resumable);
    assert_true(resumable);
    uint32_t rerun[32], req_cons, rsp_pvt;
    int n = shadow_resume(&s, /* the guest sees */ 2, rerun, &req_cons, &rsp_pvt);
    assert_int_equal(n, 4); /* 0 (its answer was never pushed), 1, 3, 5 */
    uint64_t want[] = {1000, 1001, 1003, 1005};
    for (int i = 0; i < n; i++) {
        assert_int_equal(s.ent[rerun[i]].req.id, want[i]);
        assert_int_equal(s.ent[rerun[i]].req.nr_segments, 3); /* what the ring lost */
        assert_int_equal(s.ent[rerun[i]].state, SHADOW_INFLIGHT);
    }
    assert_int_equal(req_cons, 6); /* request 6 is read from the ring again */
    assert_int_equal(rsp_pvt, 2);
    /* the free list holds every other entry */
    assert_int_equal(s.nr_free, 32 - 4);
    shadow_close(&s, path);
    assert_int_equal(access(path, F_OK), -1);
}

static void an_answer_pushed_just_before_death_is_not_repeated(void **state)
{
    (void)state;
    struct shadow s;
    bool resumable;
    assert_int_equal(shadow_open(&s, path, &id, false, &resumable), 0);
    int e0 = take(&s, 0), e1 = take(&s, 1);
    s.hdr->req_cons = 2;
    uint32_t rsp = 0;
    answer(&s, e1, &rsp);
    answer(&s, e0, &rsp);
    /* rsp_prod = 2 reached the ring, rsp_pushed was not stored: kill -9 */
    restart(&s, &resumable);
    uint32_t rerun[32], req_cons, rsp_pvt;
    assert_int_equal(shadow_resume(&s, 2, rerun, &req_cons, &rsp_pvt), 0);
    assert_int_equal(rsp_pvt, 2);
    assert_int_equal(s.nr_free, 32);
    shadow_close(&s, path);
    /* the same death, but only the first answer reached the ring */
    assert_int_equal(shadow_open(&s, path, &id, false, &resumable), 0);
    e0 = take(&s, 0);
    e1 = take(&s, 1);
    s.hdr->req_cons = 2;
    rsp = 0;
    answer(&s, e1, &rsp);
    answer(&s, e0, &rsp);
    restart(&s, &resumable);
    assert_int_equal(shadow_resume(&s, 1, rerun, &req_cons, &rsp_pvt), 1);
    assert_int_equal(s.ent[rerun[0]].req.id, 1000); /* request 0, answered second */
    assert_int_equal(rsp_pvt, 1);
    shadow_close(&s, path);
}

static void a_scribbled_rsp_prod_is_refused(void **state)
{
    (void)state;
    struct shadow s;
    bool resumable;
    assert_int_equal(shadow_open(&s, path, &id, false, &resumable), 0);
    int e0 = take(&s, 0);
    take(&s, 1);
    s.hdr->req_cons = 2;
    uint32_t rsp = 0;
    answer(&s, e0, &rsp);
    push(&s, rsp, &e0, 1);
    restart(&s, &resumable);
    uint32_t rerun[32], req_cons, rsp_pvt;
    assert_int_equal(shadow_resume(&s, 0, rerun, &req_cons, &rsp_pvt), -EPROTO); /* below pushed */
    assert_int_equal(shadow_resume(&s, 2, rerun, &req_cons, &rsp_pvt), -EPROTO); /* never written */
    assert_int_equal(shadow_resume(&s, 0x80000000u, rerun, &req_cons, &rsp_pvt), -EPROTO);
    assert_int_equal(shadow_resume(&s, 1, rerun, &req_cons, &rsp_pvt), 1);
    shadow_close(&s, path);
}

static void another_connection_starts_afresh(void **state)
{
    (void)state;
    struct shadow s;
    bool resumable;
    assert_int_equal(shadow_open(&s, path, &id, false, &resumable), 0);
    take(&s, 0);
    s.hdr->req_cons = 1;
    shadow_close(&s, NULL);
    struct shadow_id other = id;
    other.ring_refs[0] = 77; /* the frontend reconnected with a new ring */
    assert_int_equal(shadow_open(&s, path, &other, true, &resumable), 0);
    assert_false(resumable);
    assert_int_equal(s.nr_free, 32);
    assert_int_equal(s.hdr->req_cons, 0);
    shadow_close(&s, NULL);
    /* not a resume (a fresh connect) also starts afresh */
    assert_int_equal(shadow_open(&s, path, &other, false, &resumable), 0);
    assert_false(resumable);
    shadow_close(&s, path);
}

static void wrapped_ring_indexes(void **state)
{
    (void)state;
    struct shadow s;
    bool resumable;
    assert_int_equal(shadow_open(&s, path, &id, false, &resumable), 0);
    uint32_t base = 0xfffffffeu; /* indexes wrap during this batch */
    s.hdr->req_cons = s.hdr->rsp_prod_pvt = s.hdr->rsp_pushed = base;
    int e[4];
    for (uint32_t i = 0; i < 4; i++)
        e[i] = take(&s, base + i);
    s.hdr->req_cons = base + 4;
    uint32_t rsp = base;
    answer(&s, e[3], &rsp);
    answer(&s, e[1], &rsp);
    push(&s, rsp, (int[]){e[3]}, 1); /* pretend only the first was pushed */
    s.hdr->rsp_pushed = base + 1;
    restart(&s, &resumable);
    uint32_t rerun[32], req_cons, rsp_pvt;
    int n = shadow_resume(&s, base + 1, rerun, &req_cons, &rsp_pvt);
    assert_int_equal(n, 3);
    assert_int_equal(s.ent[rerun[0]].req_idx, base);      /* in ring order across the wrap */
    assert_int_equal(s.ent[rerun[1]].req_idx, base + 1);
    assert_int_equal(s.ent[rerun[2]].req_idx, base + 2);
    assert_int_equal(req_cons, base + 4);
    shadow_close(&s, path);
}

static void no_more_entries_than_slots(void **state)
{
    (void)state;
    struct shadow s;
    bool resumable;
    assert_int_equal(shadow_open(&s, NULL, &id, false, &resumable), 0);
    blkif_request_t r = req(1);
    for (uint32_t i = 0; i < 32; i++)
        assert_true(shadow_take(&s, &r, i) >= 0);
    assert_int_equal(shadow_take(&s, &r, 32), -1);
    shadow_close(&s, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_restart_reruns_exactly_the_unanswered),
        cmocka_unit_test(an_answer_pushed_just_before_death_is_not_repeated),
        cmocka_unit_test(a_scribbled_rsp_prod_is_refused),
        cmocka_unit_test(another_connection_starts_afresh),
        cmocka_unit_test(wrapped_ring_indexes),
        cmocka_unit_test(no_more_entries_than_slots),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
