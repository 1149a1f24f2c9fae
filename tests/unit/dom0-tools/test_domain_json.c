/*
 * test_domain_json.c - xl list -l's JSON (dom0-tools/libxl/domain_json.h)
 * parsed back with yajl's tree parser, as a script would read it: the
 * shape Xen's xl prints (domid, config with c_info / b_info / disks /
 * nics / on_*), our state object, and text that needs escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "libxl/domain_json.h"

static yajl_val parse(const char *text)
{
    char err[256];
    yajl_val v = yajl_tree_parse(text, err, sizeof(err));
    if (!v)
        fail_msg("not JSON: %s\n%s", err, text);
    return v;
}

static yajl_val at(yajl_val v, const char **path)
{
    yajl_val r = yajl_tree_get(v, path, yajl_t_any);
    if (!r)
        fail_msg("no %s", path[0]);
    return r;
}

#define GET(v, ...) at((v), (const char *[]){__VA_ARGS__, NULL})

static struct xlctl_dominfo info_running(void)
{
    struct xlctl_dominfo d;
    memset(&d, 0, sizeof(d));
    d.domid = 5;
    d.state = XLCTL_STATE_RUNNING;
    d.vcpus = 4;
    d.vcpus_online = 2;
    d.vcpus_blocked = 2;
    d.memory_kib = 32768;
    d.max_memory_kib = 32768;
    d.built_memory_kib = 65536;
    d.cpu_time_ns = 1234567890123ull;
    d.on_poweroff = XLCTL_ACTION_DESTROY;
    d.on_reboot = XLCTL_ACTION_RESTART;
    d.on_crash = XLCTL_ACTION_PRESERVE;
    for (int i = 0; i < 16; i++)
        d.uuid[i] = (uint8_t)(0x10 + i);
    return d;
}

static void one_domain_in_xls_shape(void **state)
{
    (void)state;
    struct xlctl_dominfo d = info_running();
    struct xl_domain_view v = {
        .info = &d, .name = "web", .type = "pvh", .kernel = "/boot/k", .cmdline = "app=idle",
        .avail_vcpus = 0x3, .static_max_kib = 65536, .target_kib = 32768, .weight = 512, .cap = 50,
        .uptime_s = 42, .n_disks = 1, .n_nics = 1,
    };
    v.disks[0] = (struct xl_json_disk){"/img/a.img", "xvda", "phy", true, false};
    v.nics[0] = (struct xl_json_nic){0, "00:16:3e:00:00:01", "xenbr0", "10.0.0.2"};
    char *text = xl_domains_json(&v, 1);
    assert_non_null(text);
    assert_true(text[strlen(text) - 1] == '\n');
    yajl_val root = parse(text);
    assert_true(YAJL_IS_ARRAY(root));
    assert_int_equal(YAJL_GET_ARRAY(root)->len, 1);
    yajl_val dom = YAJL_GET_ARRAY(root)->values[0];
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "domid")), 5);
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "c_info", "name")), "web");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "c_info", "type")), "pvh");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "c_info", "uuid")),
                        "10111213-1415-1617-1819-1a1b1c1d1e1f");
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "config", "b_info", "max_vcpus")), 4);
    yajl_val avail = GET(dom, "config", "b_info", "avail_vcpus");
    assert_int_equal(YAJL_GET_ARRAY(avail)->len, 2);
    assert_int_equal(YAJL_GET_INTEGER(YAJL_GET_ARRAY(avail)->values[1]), 1);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "config", "b_info", "max_memkb")), 65536);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "config", "b_info", "target_memkb")), 32768);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "config", "b_info", "sched_params", "weight")), 512);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "config", "b_info", "sched_params", "cap")), 50);
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "b_info", "kernel")), "/boot/k");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "b_info", "cmdline")), "app=idle");
    yajl_val disk = YAJL_GET_ARRAY(GET(dom, "config", "disks"))->values[0];
    assert_string_equal(YAJL_GET_STRING(GET(disk, "pdev_path")), "/img/a.img");
    assert_string_equal(YAJL_GET_STRING(GET(disk, "vdev")), "xvda");
    assert_int_equal(YAJL_GET_INTEGER(GET(disk, "readwrite")), 1);
    assert_int_equal(YAJL_GET_INTEGER(GET(disk, "is_cdrom")), 0);
    yajl_val nic = YAJL_GET_ARRAY(GET(dom, "config", "nics"))->values[0];
    assert_string_equal(YAJL_GET_STRING(GET(nic, "mac")), "00:16:3e:00:00:01");
    assert_string_equal(YAJL_GET_STRING(GET(nic, "ip")), "10.0.0.2");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "on_poweroff")), "destroy");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "on_reboot")), "restart");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "on_crash")), "preserve");
    assert_true(YAJL_IS_FALSE(GET(dom, "state", "running")));
    assert_true(YAJL_IS_TRUE(GET(dom, "state", "blocked")));
    assert_true(YAJL_IS_FALSE(GET(dom, "state", "shutdown")));
    assert_true(YAJL_IS_NULL(GET(dom, "state", "shutdown_reason")));
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "state", "cpu_time")), 1234567890123ll);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "state", "vcpu_max_id")), 3);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "state", "vcpu_online")), 2);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "state", "current_memkb")), 32768);
    assert_int_equal(YAJL_GET_INTEGER(GET(dom, "state", "uptime")), 42);
    yajl_tree_free(root);
    free(text);
}

static void shut_down_domains_and_missing_values(void **state)
{
    (void)state;
    struct xlctl_dominfo a = info_running(), b = info_running();
    a.state = XLCTL_STATE_SHUTDOWN;
    a.shutdown_reason = 3;
    b.domid = 6;
    b.state = XLCTL_STATE_RUNNING;
    b.vcpus_blocked = 0;
    /* Without xenstore: no type, kernel or cmdline; no devices. */
    struct xl_domain_view v[2] = {{.info = &a, .name = "crashed"}, {.info = &b, .name = "busy"}};
    char *text = xl_domains_json(v, 2);
    yajl_val root = parse(text);
    assert_int_equal(YAJL_GET_ARRAY(root)->len, 2);
    yajl_val d0 = YAJL_GET_ARRAY(root)->values[0], d1 = YAJL_GET_ARRAY(root)->values[1];
    assert_true(YAJL_IS_TRUE(GET(d0, "state", "shutdown")));
    assert_string_equal(YAJL_GET_STRING(GET(d0, "state", "shutdown_reason")), "crash");
    assert_null(yajl_tree_get(d0, (const char *[]){"config", "b_info", "kernel", NULL}, yajl_t_any));
    assert_null(yajl_tree_get(d0, (const char *[]){"config", "c_info", "type", NULL}, yajl_t_any));
    assert_int_equal(YAJL_GET_ARRAY(GET(d0, "config", "disks"))->len, 0);
    assert_true(YAJL_IS_TRUE(GET(d1, "state", "running")));
    assert_int_equal(YAJL_GET_INTEGER(GET(d1, "domid")), 6);
    yajl_tree_free(root);
    free(text);
    /* No domain at all: an empty array. */
    text = xl_domains_json(NULL, 0);
    root = parse(text);
    assert_true(YAJL_IS_ARRAY(root));
    assert_int_equal(YAJL_GET_ARRAY(root)->len, 0);
    yajl_tree_free(root);
    free(text);
}

static void text_is_escaped(void **state)
{
    (void)state;
    struct xlctl_dominfo d = info_running();
    struct xl_domain_view v = {.info = &d, .name = "n", .cmdline = "say \"hi\" \\ \t\n end",
                               .kernel = "/k\x01"};
    char *text = xl_domains_json(&v, 1);
    yajl_val root = parse(text);
    yajl_val dom = YAJL_GET_ARRAY(root)->values[0];
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "b_info", "cmdline")), "say \"hi\" \\ \t\n end");
    assert_string_equal(YAJL_GET_STRING(GET(dom, "config", "b_info", "kernel")), "/k\x01");
    yajl_tree_free(root);
    free(text);
}

static void names_of_actions_and_reasons(void **state)
{
    (void)state;
    assert_string_equal(xl_json_action(XLCTL_ACTION_RESTART), "restart");
    assert_string_equal(xl_json_action(9), "unknown");
    assert_string_equal(xl_shutdown_reason_name(0), "poweroff");
    assert_string_equal(xl_shutdown_reason_name(1), "reboot");
    assert_string_equal(xl_shutdown_reason_name(5), "soft_reset");
    assert_string_equal(xl_shutdown_reason_name(6), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_domain_in_xls_shape),
        cmocka_unit_test(shut_down_domains_and_missing_values),
        cmocka_unit_test(text_is_escaped),
        cmocka_unit_test(names_of_actions_and_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
