/*
 * test_save_devices.c - a domain's devices in a save image: the spec text
 * written for each (device_spec.h's formatters) parses back to the same
 * device, and the DEVICES record parser (save_devices.h) refuses every
 * malformed line by number, the way restore will show it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libxl/save_devices.h"

static char why[512];

static struct xl_disk parse_disk(const char *spec)
{
    struct xl_disk d;
    if (xl_disk_parse(spec, &d, why, sizeof(why)))
        fail_msg("'%s' refused: %s", spec, why);
    return d;
}

static void disk_round_trip(const char *spec)
{
    struct xl_disk a = parse_disk(spec), b;
    char text[PATH_MAX + 128];
    assert_int_equal(xl_disk_format(&a, text, sizeof(text)), 0);
    if (xl_disk_parse(text, &b, why, sizeof(why)))
        fail_msg("'%s' (from '%s') refused: %s", text, spec, why);
    assert_string_equal(a.target, b.target);
    assert_string_equal(a.vdev, b.vdev);
    assert_int_equal(a.devid, b.devid);
    assert_int_equal(a.readonly, b.readonly);
    assert_int_equal(a.cdrom, b.cdrom);
    assert_int_equal(a.discard, b.discard);
}

static void a_formatted_disk_parses_back_to_itself(void **state)
{
    (void)state;
    disk_round_trip("/var/img/a.img,raw,xvda,rw");
    disk_round_trip("format=raw,vdev=xvdb1,access=ro,target=/img/with,commas,in.img");
    disk_round_trip("vdev=xvdc,devtype=cdrom,target=/iso/x.iso");
    disk_round_trip("vdev=xvdq,no-discard,target=/dev/vg/lv");
    struct xl_disk d = parse_disk("/a.img,xvda,w");
    char small[20];
    assert_int_equal(xl_disk_format(&d, small, sizeof(small)), -1);
}

static void a_formatted_vif_parses_back_to_itself(void **state)
{
    (void)state;
    const char *specs[] = {"mac=00:16:3e:0a:0b:0c,bridge=tap:xen0,ip=10.1.2.3/24,vifname=v1",
                           "bridge=br1", ""};
    for (unsigned i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct xl_vif a, b;
        char text[256];
        assert_int_equal(xl_vif_parse(specs[i], &a, why, sizeof(why)), 0);
        assert_int_equal(xl_vif_format(&a, text, sizeof(text)), 0);
        if (xl_vif_parse(text, &b, why, sizeof(why)))
            fail_msg("'%s' refused: %s", text, why);
        assert_int_equal(a.has_mac, b.has_mac);
        assert_memory_equal(a.mac, b.mac, 6);
        assert_string_equal(a.bridge, b.bridge);
        assert_string_equal(a.ip, b.ip);
        assert_string_equal(a.vifname, b.vifname);
    }
}

static struct xl_sr_devices devs;

static int parse(const char *body)
{
    return xl_sr_devices_parse(body, strlen(body), &devs, why, sizeof(why));
}

static void a_record_gives_back_every_device(void **state)
{
    (void)state;
    const char *body =
        "vbd 51712 vdev=xvda,access=rw,devtype=disk,discard,target=/img/a,b.img\n"
        "vbd 51728 vdev=xvdb,access=r,devtype=disk,no-discard,target=/img/ro.img\n"
        "vif 0 mac=00:16:3e:00:00:01,bridge=xenbr0,ip=10.0.0.2\n"
        "vif 3 mac=00:16:3e:00:00:02,bridge=tap:t0\n";
    assert_int_equal(parse(body), 0);
    assert_int_equal(devs.nr_disks, 2);
    assert_string_equal(devs.disks[0].target, "/img/a,b.img");
    assert_int_equal(devs.disks[0].devid, 51712);
    assert_true(devs.disks[1].readonly);
    assert_false(devs.disks[1].discard);
    assert_int_equal(devs.nr_vifs, 2);
    assert_int_equal(devs.vifs[1].devid, 3);
    assert_int_equal(devs.vifs[1].mac[5], 2);
    assert_string_equal(devs.vifs[0].ip, "10.0.0.2");
    assert_string_equal(devs.vifs[1].bridge, "tap:t0");
    assert_int_equal(parse(""), 0);
    assert_int_equal(devs.nr_disks + devs.nr_vifs, 0);
}

static void bad(const char *body, size_t len, const char *message)
{
    int rc = xl_sr_devices_parse(body, len, &devs, why, sizeof(why));
    if (rc != -EINVAL || strcmp(why, message))
        fail_msg("rc %d\n got: %s\nwant: %s", rc, why, message);
}

#define BAD(body, message) bad(body, sizeof(body) - 1, message)

static void a_damaged_record_is_refused_by_line(void **state)
{
    (void)state;
    BAD("vif 0 bridge=x", "devices record, line 1: does not end with a newline");
    BAD("vif 0 bridge=x\nnet 1 bridge=y\n", "devices record, line 2: device type is not vbd or vif");
    BAD("vif x bridge=x\n", "devices record, line 1: devid is not a number");
    BAD("vif -1 bridge=x\n", "devices record, line 1: devid is not a number");
    BAD("vif 99999999999 bridge=x\n", "devices record, line 1: devid is not a number");
    BAD("vif\n", "devices record, line 1: not 'TYPE DEVID SPEC'");
    BAD("vbd 51728 vdev=xvda,target=/a\n", "devices record, line 1: vdev xvda is device 51712, "
                                           "not 51728");
    BAD("vbd 51712 vdev=xvda,target=/a\nvbd 51712 vdev=xvda,target=/b\n",
        "devices record, line 2: device 51712 appears twice");
    BAD("vif 1 bridge=a\nvif 1 bridge=b\n", "devices record, line 2: vif 1 appears twice");
    BAD("vbd 51712 vdev=xvda,format=qcow2,target=/a\n",
        "devices record, line 1: disk: format 'qcow2' is not supported (raw only)");
    BAD("vif 0 mac=01:00:00:00:00:00\n",
        "devices record, line 1: vif: mac '01:00:00:00:00:00' is not a unicast "
        "xx:xx:xx:xx:xx:xx address");
    BAD("vif 0 bridge=a\0b\n", "devices record, line 1: holds a NUL byte");
    char many[1024] = "";
    for (unsigned i = 0; i <= XL_MAX_VIFS; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "vif %u bridge=b\n", i);
    bad(many, strlen(many), "devices record, line 9: more than 8 vifs");
    char *huge = malloc(PATH_MAX + 512);
    assert_non_null(huge);
    memset(huge, 'a', PATH_MAX + 400);
    memcpy(huge, "vbd 51712 ", 10);
    huge[PATH_MAX + 400] = '\n';
    bad(huge, PATH_MAX + 401, "devices record, line 1: too long");
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_formatted_disk_parses_back_to_itself),
        cmocka_unit_test(a_formatted_vif_parses_back_to_itself),
        cmocka_unit_test(a_record_gives_back_every_device),
        cmocka_unit_test(a_damaged_record_is_refused_by_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
