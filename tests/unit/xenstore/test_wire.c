/*
 * test_wire.c - the framing layer against malformed and hostile input:
 * oversized headers, unknown types, payloads without their NULs, bytes
 * arriving one at a time, replies leaving one byte at a time, pipelining,
 * the outstanding-requests quota, and a long run of random messages after
 * which every request has had exactly one reply and the tree is intact.
 */
#include "harness.h"

static void oversized_header_drops_only_that_connection(void **state)
{
    (void)state;
    struct fake *bad = fake_conn(0), *good = fake_conn(0);
    char buf[64];
    assert_int_equal(xs_write1(good, "/keep", "1"), 0);
    /* The header alone is enough: no payload byte is waited for. */
    struct xsd_sockmsg h = {.type = XS_WRITE, .len = XENSTORE_PAYLOAD_MAX + 1};
    send_raw(bad, &h, sizeof(h));
    assert_true(bad->closed);
    assert_int_equal(bad->close_error, XENSTORE_ERROR_PROTO);
    struct msg m;
    assert_false(recv_msg(bad, &m));
    assert_int_equal(xs_read1(good, "/keep", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1");
    /* Exactly the limit is fine. */
    char big[XENSTORE_PAYLOAD_MAX];
    memset(big, 'v', sizeof(big));
    memcpy(big, "/big", 5);
    assert_int_equal(req(good, XS_WRITE, 0, big, sizeof(big), &m), 0);
}

static void unknown_types_get_enosys_and_the_connection_lives(void **state)
{
    (void)state;
    struct fake *f = fake_conn(0);
    struct msg m;
    uint32_t types[] = {20, 23, 24, 26, 100, XS_INVALID, 0xffffffffu, XS_WATCH_EVENT, XS_ERROR};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        send_msg(f, types[i], 9, 0, "x\0", 2);
        assert_true(take_reply(f, &m));
        assert_int_equal(m.hdr.type, XS_ERROR);
        assert_string_equal(m.body, "ENOSYS");
        assert_int_equal(m.hdr.req_id, 9);
    }
    assert_false(f->closed);
    assert_int_equal(xs_write1(f, "/alive", "yes"), 0);
}

static void malformed_payloads_get_einval(void **state)
{
    (void)state;
    struct fake *f = fake_conn(0);
    struct msg m;
    assert_int_equal(xs_write1(f, "/x", "1"), 0);
    /* One-string requests: no NUL, two NULs, empty. */
    assert_int_equal(req(f, XS_READ, 0, "/x", 2, &m), EINVAL);
    assert_int_equal(req(f, XS_READ, 0, "/x\0/x\0", 6, &m), EINVAL);
    assert_int_equal(req(f, XS_READ, 0, "", 0, &m), EINVAL);
    assert_int_equal(req(f, XS_RM, 0, "/x", 2, &m), EINVAL);
    assert_int_equal(req(f, XS_MKDIR, 0, "", 0, &m), EINVAL);
    assert_int_equal(req(f, XS_DIRECTORY, 0, "/\0\0", 3, &m), EINVAL);
    assert_int_equal(req(f, XS_GET_PERMS, 0, "/x", 2, &m), EINVAL);
    assert_int_equal(req(f, XS_GET_DOMAIN_PATH, 0, "1", 1, &m), EINVAL);
    assert_int_equal(req(f, XS_IS_DOMAIN_INTRODUCED, 0, "", 0, &m), EINVAL);
    /* WRITE needs the path's NUL; the value may be anything. */
    assert_int_equal(req(f, XS_WRITE, 0, "/x", 2, &m), EINVAL);
    assert_int_equal(req(f, XS_WRITE, 0, "", 0, &m), EINVAL);
    assert_int_equal(req(f, XS_WRITE, 0, "/x\0\0\0", 5, &m), 0);
    assert_int_equal(req_strs(f, XS_DIRECTORY_PART, 0, "/x|", &m), EINVAL);
    assert_int_equal(req_strs(f, XS_DIRECTORY_PART, 0, "/x|0|1|", &m), EINVAL);
    assert_int_equal(req_strs(f, XS_INTRODUCE, 0, "1|2|", &m), EINVAL);
    assert_int_equal(req_strs(f, XS_INTRODUCE, 0, "1|2|0|", &m), EINVAL); /* port 0 */
    assert_int_equal(req_strs(f, XS_CONTROL, 0, "", &m), EINVAL);
    assert_int_equal(req_strs(f, XS_CONTROL, 0, "frobnicate|", &m), EINVAL);
    /* Errors echo req_id and tx_id (req() checks) and are "Exxx\0". */
    assert_int_equal(m.hdr.len, 7);
    assert_false(f->closed);
}

static void bytes_one_at_a_time_both_ways(void **state)
{
    (void)state;
    struct fake *f = fake_conn(0);
    char buf[64];
    f->read_chunk = 1;
    f->write_chunk = 1;
    assert_int_equal(xs_write1(f, "/slow/x", "abc"), 0);
    assert_int_equal(xs_read1(f, "/slow/x", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "abc");
    assert_int_equal(xs_watch1(f, "/slow", "t"), 0);
    expect_event(f, "/slow", "t");
}

static void pipelined_requests_are_answered_in_order(void **state)
{
    (void)state;
    struct fake *f = fake_conn(0);
    unsigned char stream[200 * 48];
    size_t len = 0;
    for (uint32_t i = 0; i < 200; i++) {
        char payload[32];
        int n = snprintf(payload, sizeof(payload), "/pipe/%u", i) + 1;
        payload[n++] = 'v';
        struct xsd_sockmsg h = {.type = XS_WRITE, .req_id = i, .len = (uint32_t)n};
        memcpy(stream + len, &h, sizeof(h));
        memcpy(stream + len + sizeof(h), payload, (size_t)n);
        len += sizeof(h) + (size_t)n;
    }
    send_raw(f, stream, len);
    struct msg m;
    for (uint32_t i = 0; i < 200; i++) {
        assert_true(take_reply(f, &m));
        assert_int_equal(m.hdr.type, XS_WRITE);
        assert_int_equal(m.hdr.req_id, i);
    }
    assert_false(take_reply(f, &m));
}

static void outstanding_quota_holds_a_guest_back(void **state)
{
    (void)state;
    struct fake *d0 = fake_conn(0);
    introduce(d0, 5, 1);
    struct fake *g = fake_conn(5);
    unsigned char stream[40 * 32];
    size_t len = 0;
    for (uint32_t i = 0; i < 40; i++) {
        struct xsd_sockmsg h = {.type = XS_GET_DOMAIN_PATH, .req_id = i, .len = 2};
        memcpy(stream + len, &h, sizeof(h));
        memcpy(stream + len + sizeof(h), "5", 2);
        len += sizeof(h) + 2;
    }
    /* The guest does not take its replies: after 20 queued the daemon
     * stops reading its requests; nothing fails. */
    g->blocked = true;
    send_raw(g, stream, len);
    assert_int_equal(g->c->outstanding, quota_get(QUOTA_OUTSTANDING));
    assert_false(conn_wants_input(g->c));
    assert_false(g->closed);
    /* As soon as it reads, the rest is served. */
    g->blocked = false;
    conn_output(g->c);
    send_raw(g, NULL, 0);
    struct msg m;
    for (uint32_t i = 0; i < 40; i++) {
        conn_output(g->c);
        send_raw(g, NULL, 0);
        assert_true(take_reply(g, &m));
        assert_int_equal(m.hdr.req_id, i);
        assert_string_equal(m.body, "/local/domain/5");
    }
}

static void client_that_never_reads_is_dropped_not_obeyed(void **state)
{
    (void)state;
    struct fake *a = fake_conn(0), *w = fake_conn(0);
    char token[3000];
    memset(token, 't', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    assert_int_equal(xs_watch1(w, "/flood", token), 0);
    w->blocked = true;
    /* Events pile up for a watcher that never reads; past the cap (16
     * MiB) it is dropped instead of holding the daemon's memory. */
    int i;
    for (i = 0; i < 20000 && !w->closed; i++)
        assert_int_equal(xs_write1(a, "/flood/x", i % 2 ? "a" : "b"), 0);
    assert_true(w->closed);
    assert_true(i > 5000);
    assert_int_equal(xs_write1(a, "/flood/y", "fine"), 0);
}

/* Random messages: random types (mostly valid), random tx_ids, payloads
 * of random strings made of path characters, NULs and junk. Every complete
 * request must get exactly one reply, and the tree must stay consistent. */
static void random_messages_each_get_one_reply(void **state)
{
    (void)state;
    static const char alphabet[] = "/ab_-@\0\0/c1x\xff ";
    struct fake *d0 = fake_conn(0);
    introduce(d0, 5, 1);
    struct fake *fs[2] = {d0, fake_conn(5)};
    srand(12345);
    unsigned int sent[2] = {0, 0}, got[2] = {0, 0};
    for (int round = 0; round < 20000; round++) {
        int who = rand() % 2;
        struct fake *f = fs[who];
        uint32_t type = (uint32_t)(rand() % 26);
        uint32_t tx = rand() % 4 ? 0 : (uint32_t)(rand() % 4);
        size_t len = (size_t)(rand() % 64);
        char payload[64];
        for (size_t i = 0; i < len; i++)
            payload[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
        if (type == XS_RELEASE || type == XS_INTRODUCE)
            continue; /* keep domain 5 alive */
        send_msg(f, type, (uint32_t)round, tx, payload, len);
        sent[who]++;
        struct msg m;
        while (recv_msg(f, &m)) {
            if (m.hdr.type == XS_WATCH_EVENT)
                continue;
            assert_int_equal(m.hdr.req_id, (uint32_t)round);
            got[who]++;
        }
        assert_int_equal(got[who], sent[who]);
        assert_false(f->closed);
    }
    assert_int_equal(control_check_store(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(oversized_header_drops_only_that_connection, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(unknown_types_get_enosys_and_the_connection_lives,
                                        xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(malformed_payloads_get_einval, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(bytes_one_at_a_time_both_ways, xs_setup, xs_teardown),
        cmocka_unit_test_setup_teardown(pipelined_requests_are_answered_in_order, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(outstanding_quota_holds_a_guest_back, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(client_that_never_reads_is_dropped_not_obeyed, xs_setup,
                                        xs_teardown),
        cmocka_unit_test_setup_teardown(random_messages_each_get_one_reply, xs_setup,
                                        xs_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
