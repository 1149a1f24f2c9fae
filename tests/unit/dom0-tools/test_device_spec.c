/*
 * test_device_spec.c - disk and vif specifications as xl reads them
 * (dom0-tools/libxl/device_spec.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "libxl/device_spec.h"

static char why[256];

static struct xl_disk disk_ok(const char *spec)
{
    struct xl_disk d;
    if (xl_disk_parse(spec, &d, why, sizeof(why)))
        fail_msg("'%s' refused: %s", spec, why);
    return d;
}

static void disk_bad(const char *spec, const char *message)
{
    struct xl_disk d;
    if (xl_disk_parse(spec, &d, why, sizeof(why)) != -1 || strcmp(why, message))
        fail_msg("'%s'\n got: %s\nwant: %s", spec, why, message);
}

static void vdev_numbers_are_xens(void **state)
{
    (void)state;
    assert_int_equal(xl_vdev_to_devid("xvda"), 51712);
    assert_int_equal(xl_vdev_to_devid("xvdb"), 51728);
    assert_int_equal(xl_vdev_to_devid("xvdb1"), 51729);
    assert_int_equal(xl_vdev_to_devid("xvdp15"), 202 << 8 | 15 << 4 | 15);
    assert_int_equal(xl_vdev_to_devid("xvdq"), 1 << 28 | 16 << 8);
    assert_int_equal(xl_vdev_to_devid("xvdaa"), 1 << 28 | 26 << 8);
    assert_int_equal(xl_vdev_to_devid("xvda16"), 1 << 28 | 0 << 8 | 16);
    assert_int_equal(xl_vdev_to_devid("51712"), 51712);
    assert_int_equal(xl_vdev_to_devid("xvd"), -1);
    assert_int_equal(xl_vdev_to_devid("xvda0"), -1);
    assert_int_equal(xl_vdev_to_devid("sda"), -1);
    assert_int_equal(xl_vdev_to_devid("xvdA"), -1);
    assert_int_equal(xl_vdev_to_devid("xvda1x"), -1);
}

static void key_value_form(void **state)
{
    (void)state;
    struct xl_disk d = disk_ok("format=raw,vdev=xvdb,access=ro,target=/img/with,comma.img");
    assert_string_equal(d.target, "/img/with,comma.img");
    assert_string_equal(d.vdev, "xvdb");
    assert_int_equal(d.devid, 51728);
    assert_true(d.readonly);
    assert_true(d.discard);
    d = disk_ok("vdev=xvdc,devtype=cdrom,no-discard,target=/iso");
    assert_true(d.cdrom);
    assert_true(d.readonly);
    assert_false(d.discard);
}

static void positional_and_legacy_forms(void **state)
{
    (void)state;
    struct xl_disk d = disk_ok("/img/a.img,raw,xvda,rw");
    assert_string_equal(d.target, "/img/a.img");
    assert_int_equal(d.devid, 51712);
    assert_false(d.readonly);
    d = disk_ok("phy:/dev/vg/guest,xvda,w");
    assert_string_equal(d.target, "/dev/vg/guest");
    d = disk_ok("file:/img/b.img,xvdb,r");
    assert_string_equal(d.target, "/img/b.img");
    assert_true(d.readonly);
    d = disk_ok("tap:aio:/img/c.img,,xvdc,");
    assert_string_equal(d.target, "/img/c.img");
    assert_int_equal(d.devid, 51744);
}

static void bad_disks(void **state)
{
    (void)state;
    disk_bad("", "disk: no target (the image file or device)");
    disk_bad("/a.img", "disk: no vdev (e.g. vdev=xvda) for '/a.img'");
    disk_bad("/a.img,raw,hda,rw", "disk: vdev 'hda' is not a Xen virtual device name (xvda, xvdb1 ...)");
    disk_bad("/a.img,vhd,xvda", "disk: format 'vhd' is not supported (raw only)");
    disk_bad("vdev=xvda,access=x,target=/a", "disk: access 'x' is not r, ro, w or rw");
    disk_bad("vdev=xvda,colour=red,target=/a", "disk: unknown key 'colour'");
    disk_bad("vdev=xvda,script=block,target=/a", "disk: hotplug scripts are not supported");
    disk_bad("vdev=xvda,target=phy:", "disk: empty target");
}

/* Found by tests/fuzz/device_spec: a spec quoted in the message put its
 * newline into what must be one line. */
static void control_bytes_do_not_break_the_message_line(void **state)
{
    (void)state;
    disk_bad("\x01\n\x99,xv]b1vd,ro", "disk: vdev 'xv]b1vd' is not a Xen virtual device name (xvda, xvdb1 ...)");
    disk_bad("/a\nb.img", "disk: no vdev (e.g. vdev=xvda) for '/a?b.img'");
    struct xl_vif v;
    assert_int_equal(xl_vif_parse("bridge=a\tb\x1b[2J,mac=zz", &v, why, sizeof(why)), -1);
    assert_null(strchr(why, '\n'));
    assert_null(strchr(why, '\x1b'));
}

static void vifs(void **state)
{
    (void)state;
    struct xl_vif v;
    assert_int_equal(xl_vif_parse("mac=00:16:3e:0a:0b:0c,bridge=tap:xen0,ip=10.1.2.3/24", &v, why,
                                  sizeof(why)), 0);
    assert_true(v.has_mac);
    char mac[18];
    xl_mac_text(v.mac, mac);
    assert_string_equal(mac, "00:16:3e:0a:0b:0c");
    assert_string_equal(v.bridge, "tap:xen0");
    assert_string_equal(v.ip, "10.1.2.3/24");
    assert_int_equal(xl_vif_parse("", &v, why, sizeof(why)), 0);
    assert_false(v.has_mac);
    assert_string_equal(v.bridge, "xenbr0");
    assert_string_equal(v.ip, "");

    static const char *const bad[][2] = {
        {"mac=00:16:3e:0a:0b", "vif: mac '00:16:3e:0a:0b' is not a unicast xx:xx:xx:xx:xx:xx address"},
        {"ip=10.0.0.256", "vif: ip '10.0.0.256' is not an IPv4 address (a.b.c.d[/n])"},
        {"ip=10.0.0.1/33", "vif: ip '10.0.0.1/33' is not an IPv4 address (a.b.c.d[/n])"},
        {"bridge=", "vif: bridge '' is empty or too long"},
        {"speed=10", "vif: unknown key 'speed'"},
        {"xenbr0", "vif: 'xenbr0' is not KEY=VALUE"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (xl_vif_parse(bad[i][0], &v, why, sizeof(why)) != -1 || strcmp(why, bad[i][1]))
            fail_msg("'%s'\n got: %s\nwant: %s", bad[i][0], why, bad[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vdev_numbers_are_xens),
        cmocka_unit_test(key_value_form),
        cmocka_unit_test(positional_and_legacy_forms),
        cmocka_unit_test(bad_disks),
        cmocka_unit_test(control_bytes_do_not_break_the_message_line),
        cmocka_unit_test(vifs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
