/*
 * test_control.c - the daemon's control protocol as a client sees it: a
 * request packet goes in, a reply header (and payload, and maybe an fd)
 * comes out. Malformed packets must each get their own status and never a
 * payload; ops on domains that do not exist get -ESRCH. No KVM here:
 * kvm_init() is never called and no domain exists, so only paths that stop
 * before creating a VM are reached (PHYSINFO's tsc_khz is then 0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../hypervisor/control.h"
#include "../../../hypervisor/domain.h"
#include "../../../hypervisor/log.h"

#define HDR sizeof(struct xlctl_hdr)

static uint8_t *payload; /* XLCTL_MAX_PAYLOAD bytes, as daemon.c provides */
static uint8_t *packet;  /* room for a header and one byte over the limit */

static int group_setup(void **state)
{
    (void)state;
    payload = malloc(XLCTL_MAX_PAYLOAD);
    packet = malloc(HDR + XLCTL_MAX_PAYLOAD + 64);
    if (!payload || !packet)
        return -1;
    return log_open("/dev/null"); /* refusals are logged */
}

static int group_teardown(void **state)
{
    (void)state;
    log_close();
    free(payload);
    free(packet);
    return 0;
}

/* A reply whose every field holds garbage, so a test sees what
 * control_handle() set. */
static struct control_reply fresh_reply(void)
{
    struct control_reply r;
    memset(&r, 0x5a, sizeof(r));
    memset(payload, 0x5a, XLCTL_MAX_PAYLOAD);
    r.payload = payload;
    r.client = 1;
    r.fd = 1234;
    r.wait_pending = 1;
    r.stop_daemon = 1;
    return r;
}

/* Sends header (magic, version, op, len = hdr_len) + n payload bytes. */
static struct control_reply send_raw(uint32_t magic, uint16_t version, uint16_t op,
                                     uint32_t hdr_len, const void *in, size_t n)
{
    struct xlctl_hdr h = {.magic = magic, .version = version, .op = op, .len = hdr_len};
    memcpy(packet, &h, HDR);
    if (n)
        memcpy(packet + HDR, in, n);
    struct control_reply r = fresh_reply();
    control_handle(packet, HDR + n, &r);
    return r;
}

static struct control_reply send_op(uint16_t op, const void *in, size_t n)
{
    return send_raw(XLCTL_MAGIC, XLCTL_VERSION, op, (uint32_t)n, in, n);
}

/* A refused request: status, no payload, no fd, nothing pending. */
static void assert_refused(const struct control_reply *r, int status)
{
    assert_int_equal(r->hdr.status, status);
    assert_int_equal(r->hdr.magic, XLCTL_MAGIC);
    assert_int_equal(r->hdr.version, XLCTL_VERSION);
    assert_int_equal(r->hdr.len, 0);
    assert_int_equal(r->len, 0);
    assert_int_equal(r->fd, -1);
    assert_int_equal(r->wait_pending, 0);
    assert_int_equal(r->stop_daemon, 0);
}

/* ---- framing ----------------------------------------------------------- */

static void request_shorter_than_the_header_is_ebadmsg(void **state)
{
    (void)state;
    struct xlctl_hdr h = {.magic = XLCTL_MAGIC, .version = XLCTL_VERSION, .op = XLCTL_OP_PING};
    memcpy(packet, &h, HDR);
    for (size_t len = 0; len < HDR; len++) {
        struct control_reply r = fresh_reply();
        control_handle(packet, len, &r);
        assert_refused(&r, -EBADMSG);
    }
}

static void bad_magic_is_ebadmsg(void **state)
{
    (void)state;
    const uint32_t magics[] = {0, XLCTL_MAGIC ^ 1, 0x584c4354 /* byte-swapped */, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        struct control_reply r = send_raw(magics[i], XLCTL_VERSION, XLCTL_OP_PING, 0, NULL, 0);
        assert_refused(&r, -EBADMSG);
        assert_int_equal(r.hdr.op, XLCTL_OP_PING); /* the client can match it */
    }
}

static void bad_version_is_eproto(void **state)
{
    (void)state;
    const uint16_t versions[] = {0, XLCTL_VERSION + 1, 0xffff};
    for (size_t i = 0; i < 3; i++) {
        struct control_reply r = send_raw(XLCTL_MAGIC, versions[i], XLCTL_OP_PING, 0, NULL, 0);
        assert_refused(&r, -EPROTO);
    }
}

static void header_length_not_matching_the_packet_is_einval(void **state)
{
    (void)state;
    uint8_t in[16] = {0};
    struct control_reply r = send_raw(XLCTL_MAGIC, XLCTL_VERSION, XLCTL_OP_PING, 8, NULL, 0);
    assert_refused(&r, -EINVAL);
    r = send_raw(XLCTL_MAGIC, XLCTL_VERSION, XLCTL_OP_PING, 0, in, 8);
    assert_refused(&r, -EINVAL);
    r = send_raw(XLCTL_MAGIC, XLCTL_VERSION, XLCTL_OP_DOMAIN_DESTROY, 8, in, 16);
    assert_refused(&r, -EINVAL);
    r = send_raw(XLCTL_MAGIC, XLCTL_VERSION, XLCTL_OP_DOMAIN_DESTROY, 16, in, 8);
    assert_refused(&r, -EINVAL);
    r = send_raw(XLCTL_MAGIC, XLCTL_VERSION, XLCTL_OP_DOMAIN_LIST, UINT32_MAX, in, 8);
    assert_refused(&r, -EINVAL);
}

static void payload_over_the_limit_is_einval(void **state)
{
    (void)state;
    static uint8_t big[XLCTL_MAX_PAYLOAD + 8];
    struct control_reply r = send_op(XLCTL_OP_DOMAIN_LIST, big, sizeof(big));
    assert_refused(&r, -EINVAL);
    r = send_op(XLCTL_OP_DOMAIN_LIST, big, XLCTL_MAX_PAYLOAD + 1);
    assert_refused(&r, -EINVAL);
    /* At the limit the framing is fine; DOMAIN_LIST then wants 0 or 8. */
    r = send_op(XLCTL_OP_DOMAIN_LIST, big, XLCTL_MAX_PAYLOAD);
    assert_refused(&r, -EINVAL);
}

static void unknown_op_is_enosys(void **state)
{
    (void)state;
    const uint16_t ops[] = {0, XLCTL_OP_COUNT, 200, 0xffff};
    for (size_t i = 0; i < 4; i++) {
        struct control_reply r = send_op(ops[i], NULL, 0);
        assert_refused(&r, -ENOSYS);
        assert_int_equal(r.hdr.op, ops[i]);
    }
}

static void wrong_payload_size_for_an_op_is_einval(void **state)
{
    (void)state;
    static const struct {
        uint16_t op;
        uint32_t size;
    } ops[] = {
        {XLCTL_OP_PING, 0},
        {XLCTL_OP_PHYSINFO, 0},
        {XLCTL_OP_DOMAIN_CREATE, sizeof(struct xlctl_domain_create)},
        {XLCTL_OP_DOMAIN_MAP_MEMORY, sizeof(struct xlctl_domid)},
        {XLCTL_OP_DOMAIN_SET_BOOT, sizeof(struct xlctl_boot)},
        {XLCTL_OP_DOMAIN_UNPAUSE, sizeof(struct xlctl_domid)},
        {XLCTL_OP_DOMAIN_PAUSE, sizeof(struct xlctl_domid)},
        {XLCTL_OP_DOMAIN_DESTROY, sizeof(struct xlctl_domid)},
        {XLCTL_OP_DOMAIN_WAIT, sizeof(struct xlctl_domain_wait)},
        {XLCTL_OP_DMESG, 0},
        {XLCTL_OP_SET_HVM_PARAM, sizeof(struct xlctl_hvm_param)},
        {XLCTL_OP_DAEMON_STOP, 0},
        {XLCTL_OP_EVTCHN_ALLOC_UNBOUND, sizeof(struct xlctl_evtchn)},
        {XLCTL_OP_EVTCHN_BIND_INTERDOMAIN, sizeof(struct xlctl_evtchn)},
        {XLCTL_OP_EVTCHN_NOTIFY, sizeof(struct xlctl_evtchn)},
        {XLCTL_OP_EVTCHN_CLOSE, sizeof(struct xlctl_evtchn)},
        {XLCTL_OP_GNTTAB_MAP, sizeof(struct xlctl_gnttab_map)},
        {XLCTL_OP_GNTTAB_UNMAP, sizeof(struct xlctl_gnttab_unmap)},
        {XLCTL_OP_DOMAIN_RENAME, sizeof(struct xlctl_domain_rename)},
        {XLCTL_OP_VCPU_LIST, sizeof(struct xlctl_domid)},
        {XLCTL_OP_VCPU_SET_AFFINITY, sizeof(struct xlctl_vcpu_affinity)},
        {XLCTL_OP_DOMAIN_SET_MAXMEM, sizeof(struct xlctl_domain_maxmem)},
        {XLCTL_OP_SCHED_CREDIT, sizeof(struct xlctl_sched_credit)},
        {XLCTL_OP_DOMAIN_SHUTDOWN, sizeof(struct xlctl_domain_shutdown)},
    };
    static uint8_t in[512];
    memset(in, 0, sizeof(in));
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        const uint32_t sizes[] = {ops[i].size ? ops[i].size - 1 : 8, ops[i].size + 1,
                                  ops[i].size ? 0 : 4, ops[i].size + 8};
        for (size_t j = 0; j < 4; j++) {
            struct control_reply r = send_op(ops[i].op, in, sizes[j]);
            if (r.hdr.status != -EINVAL)
                fail_msg("op %u with %u bytes: status %d", ops[i].op, sizes[j], r.hdr.status);
            assert_refused(&r, -EINVAL);
        }
    }
    /* DOMAIN_LIST takes nothing or a domid, nothing else. */
    const uint32_t list_sizes[] = {1, 4, 7, 9, 16};
    for (size_t j = 0; j < 5; j++) {
        struct control_reply r = send_op(XLCTL_OP_DOMAIN_LIST, in, list_sizes[j]);
        assert_refused(&r, -EINVAL);
    }
}

/* ---- working ops ------------------------------------------------------- */

/* xl's lifecycle ops on domains that do not exist, 0 (the host) among
 * them: -ESRCH (or -EPERM for what Dom0 cannot have), and no payload. */
static void lifecycle_ops_without_the_domain(void **state)
{
    (void)state;
    const uint32_t ids[] = {0, 1, 77, DOMAIN_MAX_DOMID, 0xffffffffu};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        struct xlctl_domain_rename rn = {.domid = ids[i], .name = "x"};
        struct control_reply r = send_op(XLCTL_OP_DOMAIN_RENAME, &rn, sizeof(rn));
        assert_refused(&r, -ESRCH);
        struct xlctl_domid id = {.domid = ids[i]};
        r = send_op(XLCTL_OP_VCPU_LIST, &id, sizeof(id));
        assert_refused(&r, ids[i] == 0 ? -EPERM : -ESRCH);
        struct xlctl_vcpu_affinity a = {.domid = ids[i], .vcpu = 0, .cpumap = {1}};
        r = send_op(XLCTL_OP_VCPU_SET_AFFINITY, &a, sizeof(a));
        assert_refused(&r, -ESRCH);
        struct xlctl_domain_maxmem m = {.domid = ids[i], .max_kib = 4096};
        r = send_op(XLCTL_OP_DOMAIN_SET_MAXMEM, &m, sizeof(m));
        assert_refused(&r, -ESRCH);
        struct xlctl_sched_credit sc = {.domid = ids[i], .flags = XLCTL_SCHED_SET_WEIGHT, .weight = 5};
        r = send_op(XLCTL_OP_SCHED_CREDIT, &sc, sizeof(sc));
        assert_refused(&r, -ESRCH);
        struct xlctl_domain_shutdown sd = {.domid = ids[i], .reason = 0};
        r = send_op(XLCTL_OP_DOMAIN_SHUTDOWN, &sd, sizeof(sd));
        assert_refused(&r, -ESRCH);
    }
}

static void ping_answers_with_version_pid_and_no_domains(void **state)
{
    (void)state;
    struct control_reply r = send_op(XLCTL_OP_PING, NULL, 0);
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(r.hdr.op, XLCTL_OP_PING);
    assert_int_equal(r.hdr.len, sizeof(struct xlctl_ping_out));
    assert_int_equal(r.len, sizeof(struct xlctl_ping_out));
    assert_int_equal(r.fd, -1);
    struct xlctl_ping_out out;
    memcpy(&out, payload, sizeof(out));
    assert_int_equal(out.protocol_version, XLCTL_VERSION);
    assert_int_equal(out.pid, (uint32_t)getpid());
    assert_int_equal(out.nr_domains, 0);
    assert_int_equal(out.kvm_pvm, 0);
}

static void physinfo_describes_the_host(void **state)
{
    (void)state;
    struct control_reply r = send_op(XLCTL_OP_PHYSINFO, NULL, 0);
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(r.hdr.len, sizeof(struct xlctl_physinfo));
    struct xlctl_physinfo p;
    memcpy(&p, payload, sizeof(p));
    assert_int_equal(p.xen_major, 4);
    assert_int_equal(p.xen_minor, 17);
    assert_true(p.nr_cpus >= 1);
    assert_int_equal(p.threads_per_core, 1);
    assert_true(p.total_kib > 0);
    assert_true(p.free_kib <= p.total_kib);
    assert_int_equal(p.tsc_khz, 0); /* kvm_init() never ran */
    assert_non_null(memchr(p.capabilities, '\0', sizeof(p.capabilities)));
    assert_non_null(strstr(p.capabilities, "hvm-3.0-x86_64"));
    assert_string_equal(p.extraversion, "-xenolith");
}

static void domain_list_without_domains_is_empty(void **state)
{
    (void)state;
    struct control_reply r = send_op(XLCTL_OP_DOMAIN_LIST, NULL, 0);
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(r.hdr.len, 0);
    assert_int_equal(r.len, 0);
}

static const uint32_t no_such_domids[] = {1, 2, 77, DOMAIN_MAX_DOMID, DOMAIN_MAX_DOMID + 1,
                                          0x7ff0 /* DOMID_SELF */, 0x10000, UINT32_MAX};
#define NO_SUCH (sizeof(no_such_domids) / sizeof(no_such_domids[0]))

static void domain_list_of_an_unknown_domid_is_esrch(void **state)
{
    (void)state;
    for (size_t i = 0; i < NO_SUCH; i++) {
        struct xlctl_domid id = {.domid = no_such_domids[i]};
        struct control_reply r = send_op(XLCTL_OP_DOMAIN_LIST, &id, sizeof(id));
        assert_refused(&r, -ESRCH);
    }
    /* Dom0 is not in the daemon's table either. */
    struct xlctl_domid id = {.domid = 0};
    struct control_reply r = send_op(XLCTL_OP_DOMAIN_LIST, &id, sizeof(id));
    assert_refused(&r, -ESRCH);
}

static void ops_on_a_domain_that_does_not_exist_are_esrch(void **state)
{
    (void)state;
    const uint16_t domid_ops[] = {XLCTL_OP_DOMAIN_DESTROY, XLCTL_OP_DOMAIN_PAUSE,
                                  XLCTL_OP_DOMAIN_UNPAUSE, XLCTL_OP_DOMAIN_MAP_MEMORY};
    for (size_t i = 0; i < NO_SUCH; i++) {
        for (size_t j = 0; j < 4; j++) {
            struct xlctl_domid id = {.domid = no_such_domids[i]};
            struct control_reply r = send_op(domid_ops[j], &id, sizeof(id));
            assert_refused(&r, -ESRCH);
            assert_int_equal(r.hdr.op, domid_ops[j]);
        }
        struct xlctl_boot b = {.domid = no_such_domids[i], .mode = XLCTL_BOOT_PV64};
        struct control_reply r = send_op(XLCTL_OP_DOMAIN_SET_BOOT, &b, sizeof(b));
        assert_refused(&r, -ESRCH);

        struct xlctl_hvm_param p = {.domid = no_such_domids[i], .index = 1, .value = 2};
        r = send_op(XLCTL_OP_SET_HVM_PARAM, &p, sizeof(p));
        assert_refused(&r, -ESRCH);

        /* A wait for a domain that is gone answers at once. */
        struct xlctl_domain_wait w = {.domid = no_such_domids[i]};
        r = send_op(XLCTL_OP_DOMAIN_WAIT, &w, sizeof(w));
        assert_refused(&r, -ESRCH);
    }
}

/*
 * include/xenolith/control.h documents "-EPERM domain 0" for
 * DOMAIN_MAP_MEMORY; control.c answers -ESRCH (domain 0 is never in the
 * table). Either way no memory fd may go out: that is what is checked.
 */
static void map_memory_of_domain_0_hands_out_nothing(void **state)
{
    (void)state;
    struct xlctl_domid id = {.domid = 0};
    struct control_reply r = send_op(XLCTL_OP_DOMAIN_MAP_MEMORY, &id, sizeof(id));
    assert_true(r.hdr.status == -EPERM || r.hdr.status == -ESRCH);
    assert_int_equal(r.fd, -1);
    assert_int_equal(r.hdr.len, 0);
}

static void domain_create_refusals_explain_themselves(void **state)
{
    (void)state;
    struct xlctl_domain_create ok = {.name = "guest", .memory_kib = 64 * 1024, .vcpus = 1};
    struct xlctl_domain_create bad[9];
    for (size_t i = 0; i < 9; i++)
        bad[i] = ok;
    strcpy(bad[0].name, "");
    strcpy(bad[1].name, "Domain-0");
    strcpy(bad[2].name, "bad name");
    strcpy(bad[3].name, "slash/name");
    bad[4].vcpus = 0;
    bad[5].vcpus = XLCTL_MAX_VCPUS + 1;
    bad[6].memory_kib = 0;
    bad[7].memory_kib = 6; /* not whole pages */
    bad[8].on_crash = XLCTL_ACTION_PRESERVE + 1;
    for (size_t i = 0; i < 9; i++) {
        struct control_reply r = send_op(XLCTL_OP_DOMAIN_CREATE, &bad[i], sizeof(bad[i]));
        assert_int_equal(r.hdr.status, -EINVAL);
        assert_int_equal(r.fd, -1);
        /* The reason travels as a NUL-terminated string for xl to print. */
        assert_true(r.hdr.len > 1);
        assert_int_equal(r.hdr.len, r.len);
        assert_int_equal(payload[r.len - 1], '\0');
        assert_int_equal(strlen((char *)payload) + 1, r.len);
    }
    /* Still nothing created. */
    struct control_reply r = send_op(XLCTL_OP_PING, NULL, 0);
    struct xlctl_ping_out out;
    memcpy(&out, payload, sizeof(out));
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(out.nr_domains, 0);
}

static void dmesg_returns_the_log_ring(void **state)
{
    (void)state;
    log_info("test_control: dmesg marker %d", 4242);
    struct control_reply r = send_op(XLCTL_OP_DMESG, NULL, 0);
    assert_int_equal(r.hdr.status, 0);
    assert_true(r.len > 0 && r.len < XLCTL_MAX_PAYLOAD);
    assert_int_equal(r.hdr.len, r.len);
    assert_int_equal(payload[r.len], '\0');
    assert_int_equal(strlen((char *)payload), r.len);
    assert_non_null(strstr((char *)payload, "test_control: dmesg marker 4242\n"));
}

static void daemon_stop_asks_the_daemon_to_exit(void **state)
{
    (void)state;
    struct control_reply r = send_op(XLCTL_OP_DAEMON_STOP, NULL, 0);
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(r.stop_daemon, 1);
    assert_int_equal(r.hdr.len, 0);
    /* A malformed stop stops nothing. */
    uint8_t junk[8] = {0};
    r = send_op(XLCTL_OP_DAEMON_STOP, junk, sizeof(junk));
    assert_refused(&r, -EINVAL);
}

/* Grant ops with no guest to grant anything: per-ref statuses, no fd;
 * counts and COPY byte totals checked before anything else. */
static void gnttab_ops_without_guests(void **state)
{
    (void)state;
    static struct xlctl_gnttab_map m = {.domid = 3, .count = 2, .refs = {8, 9}};
    struct control_reply r = send_op(XLCTL_OP_GNTTAB_MAP, &m, sizeof(m));
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(r.hdr.len, sizeof(struct xlctl_gnttab_map_out));
    assert_int_equal(r.fd, -1);
    static struct xlctl_gnttab_map_out out;
    memcpy(&out, payload, sizeof(out));
    assert_int_equal(out.slot[0].status, GNTST_bad_domain);
    assert_int_equal(out.slot[1].status, GNTST_bad_domain);
    m.count = 0;
    r = send_op(XLCTL_OP_GNTTAB_MAP, &m, sizeof(m));
    assert_refused(&r, -EINVAL);

    struct xlctl_gnttab_unmap u = {.count = 1, .handles = {0}};
    r = send_op(XLCTL_OP_GNTTAB_UNMAP, &u, sizeof(u));
    assert_int_equal(r.hdr.status, 0);
    struct xlctl_gnttab_unmap_out uo;
    memcpy(&uo, payload, sizeof(uo));
    assert_int_equal(uo.status[0], GNTST_bad_handle);
    u.count = XLCTL_GNTTAB_BATCH + 1;
    r = send_op(XLCTL_OP_GNTTAB_UNMAP, &u, sizeof(u));
    assert_refused(&r, -EINVAL);

    static uint8_t c[sizeof(struct xlctl_gnttab_copy) + 16];
    struct xlctl_gnttab_copy *cp = (struct xlctl_gnttab_copy *)c;
    memset(c, 0, sizeof(c));
    cp->count = 1;
    cp->seg[0] = (struct xlctl_gnttab_copy_seg){.domid = 3, .ref = 8, .len = 16,
                                                .flags = XLCTL_GNTCOPY_TO_GUEST};
    r = send_op(XLCTL_OP_GNTTAB_COPY, c, sizeof(c));
    assert_int_equal(r.hdr.status, 0);
    assert_int_equal(r.hdr.len, sizeof(struct xlctl_gnttab_copy));
    memcpy(c, payload, sizeof(struct xlctl_gnttab_copy));
    assert_int_equal(cp->seg[0].status, GNTST_bad_domain);
    r = send_op(XLCTL_OP_GNTTAB_COPY, c, sizeof(c) - 1); /* 15 bytes for 16 */
    assert_refused(&r, -EINVAL);
    r = send_op(XLCTL_OP_GNTTAB_COPY, c, 8); /* shorter than the segments */
    assert_refused(&r, -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_shorter_than_the_header_is_ebadmsg),
        cmocka_unit_test(bad_magic_is_ebadmsg),
        cmocka_unit_test(bad_version_is_eproto),
        cmocka_unit_test(header_length_not_matching_the_packet_is_einval),
        cmocka_unit_test(payload_over_the_limit_is_einval),
        cmocka_unit_test(unknown_op_is_enosys),
        cmocka_unit_test(wrong_payload_size_for_an_op_is_einval),
        cmocka_unit_test(ping_answers_with_version_pid_and_no_domains),
        cmocka_unit_test(physinfo_describes_the_host),
        cmocka_unit_test(domain_list_without_domains_is_empty),
        cmocka_unit_test(domain_list_of_an_unknown_domid_is_esrch),
        cmocka_unit_test(ops_on_a_domain_that_does_not_exist_are_esrch),
        cmocka_unit_test(map_memory_of_domain_0_hands_out_nothing),
        cmocka_unit_test(domain_create_refusals_explain_themselves),
        cmocka_unit_test(dmesg_returns_the_log_ring),
        cmocka_unit_test(gnttab_ops_without_guests),
        cmocka_unit_test(daemon_stop_asks_the_daemon_to_exit),
        cmocka_unit_test(lifecycle_ops_without_the_domain),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
