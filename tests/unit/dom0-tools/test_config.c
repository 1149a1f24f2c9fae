/*
 * test_config.c - the xl.cfg parser as `xl create` users see it: what a
 * file turns into, and the exact message each mistake gets.
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

#include "../../../dom0-tools/libxl/config.h"
#include "xenolith/control.h"

#define BASE_DIR "/srv/xen"
/* Lines 1-2 of most test files: the two required keys. */
#define HEAD "name = \"hello\"\nkernel = \"vmlinuz\"\n"

static char err[512];

static int parse(const char *text, struct xl_domain_config *cfg)
{
    return xl_config_parse_text(text, strlen(text), "hello.cfg", BASE_DIR, cfg, err, sizeof(err));
}

static void expect_ok(const char *text, struct xl_domain_config *cfg)
{
    if (parse(text, cfg) != 0)
        fail_msg("rejected:\n%s\nerror: %s", text, err);
}

/* The whole message, so a change of wording is a conscious one. */
static void expect_error(const char *text, const char *message)
{
    struct xl_domain_config cfg;
    int rc = parse(text, &cfg);

    if (rc != -1 || strcmp(err, message))
        fail_msg("text:\n%s\nrc %d\n got: %s\nwant: %s", text, rc, err, message);
}

/* ---- What a good file means ---- */

static void good_file_gives_exact_values(void **state)
{
    struct xl_domain_config cfg;
    static const uint8_t uuid[16] = { 0x6b, 0x1f, 0x3c, 0x2a, 0x90, 0x1d, 0x4e, 0x0b,
                                      0xa1, 0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17, 0x28 };
    (void)state;

    expect_ok("# A guest\n"
              "name = \"web-1.test_a\"\n"
              "type = 'pvh'\n"
              "memory = 0x200   # hex works\n"
              "vcpus = 4\n"
              "kernel = \"/boot/guest\"\n"
              "cmdline = \"console=hvc0 quiet\"\n"
              "on_poweroff = \"preserve\"; on_reboot = \"destroy\"; on_crash = \"restart\"\n"
              "uuid = \"6b1f3c2a-901d-4e0b-A1C2-d3e4f5061728\"\n", &cfg);

    assert_string_equal(cfg.name, "web-1.test_a");
    assert_int_equal(cfg.type, XL_TYPE_PVH);
    assert_int_equal(cfg.memory_mib, 512);
    assert_int_equal(cfg.vcpus, 4);
    assert_string_equal(cfg.kernel, "/boot/guest");
    assert_string_equal(cfg.cmdline, "console=hvc0 quiet");
    assert_int_equal(cfg.on_poweroff, XLCTL_ACTION_PRESERVE);
    assert_int_equal(cfg.on_reboot, XLCTL_ACTION_DESTROY);
    assert_int_equal(cfg.on_crash, XLCTL_ACTION_RESTART);
    assert_true(cfg.has_uuid);
    assert_memory_equal(cfg.uuid, uuid, 16);
}

static void absent_keys_take_xl_defaults(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD, &cfg);
    assert_int_equal(cfg.memory_mib, 128);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.type, XL_TYPE_AUTO);
    assert_int_equal(cfg.on_poweroff, XLCTL_ACTION_DESTROY);
    assert_int_equal(cfg.on_reboot, XLCTL_ACTION_RESTART);
    assert_int_equal(cfg.on_crash, XLCTL_ACTION_DESTROY);
    assert_false(cfg.has_uuid);
    assert_string_equal(cfg.cmdline, "");
}

static void init_sets_the_same_defaults(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    memset(&cfg, 0xff, sizeof(cfg));
    xl_config_init(&cfg);
    assert_int_equal(cfg.memory_mib, 128);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.on_reboot, XLCTL_ACTION_RESTART);
    assert_string_equal(cfg.name, "");
    assert_string_equal(cfg.kernel, "");
    assert_false(cfg.has_uuid);
}

static void statements_split_by_semicolons_on_one_line(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok("name=\"a\";kernel=\"/k\";memory=64;;vcpus=2", &cfg);
    assert_string_equal(cfg.name, "a");
    assert_int_equal(cfg.memory_mib, 64);
    assert_int_equal(cfg.vcpus, 2);
}

static void windows_line_endings_are_accepted(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok("name = \"a\"\r\nkernel = \"/k\"\r\nmemory = 256\r\n", &cfg);
    assert_int_equal(cfg.memory_mib, 256);
}

static void double_quoted_escapes_are_decoded(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "cmdline = \"a\\tb\\n\\\"q\\\" \\\\ \\x41\\'\"\n", &cfg);
    assert_string_equal(cfg.cmdline, "a\tb\n\"q\" \\ A'");
}

static void single_quoted_escapes_are_decoded_as_libxlu_does(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "cmdline = 'it\\'s \"x\"\\n'\n", &cfg);
    assert_string_equal(cfg.cmdline, "it's \"x\"\n");
}

static void duplicate_key_last_one_wins(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "memory = 256\nmemory = 1024\n", &cfg);
    assert_int_equal(cfg.memory_mib, 1024);
}

static void cmdline_built_from_root_and_extra(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "root = \"/dev/xvda1 ro\"\nextra = \"console=hvc0\"\n", &cfg);
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro console=hvc0");
    expect_ok(HEAD "root = \"/dev/xvda1\"\n", &cfg);
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1");
    expect_ok(HEAD "extra = \"quiet\"\n", &cfg);
    assert_string_equal(cfg.cmdline, "quiet");
}

static void cmdline_wins_over_root_and_extra(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "root = \"/dev/xvda1\"\ncmdline = \"x=1\"\nextra = \"quiet\"\n", &cfg);
    assert_string_equal(cfg.cmdline, "x=1");
}

static void relative_kernel_resolved_against_base_dir(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok("name = \"a\"\nkernel = \"vmlinuz\"\n", &cfg);
    assert_string_equal(cfg.kernel, BASE_DIR "/vmlinuz");
    expect_ok("name = \"a\"\nkernel = \"./boot/vmlinuz\"\n", &cfg);
    assert_string_equal(cfg.kernel, BASE_DIR "/boot/vmlinuz");
    expect_ok("name = \"a\"\nkernel = \"/abs/vmlinuz\"\n", &cfg);
    assert_string_equal(cfg.kernel, "/abs/vmlinuz");
}

static void relative_kernel_without_base_dir_is_against_cwd(void **state)
{
    struct xl_domain_config cfg;
    char cwd[PATH_MAX], want[PATH_MAX + 16];
    const char *text = "name = \"a\"\nkernel = \"vmlinuz\"\n";
    (void)state;

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(want, sizeof(want), "%s/vmlinuz", strcmp(cwd, "/") ? cwd : "");
    assert_int_equal(xl_config_parse_text(text, strlen(text), "t", NULL, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.kernel, want);
}

/* ---- Files and command-line overrides ---- */

struct tmpdir {
    char dir[64];
    char file[128];
};

static void write_config(struct tmpdir *t, const char *text)
{
    FILE *f;

    strcpy(t->dir, "/tmp/test_config.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->file, sizeof(t->file), "%s/hello.cfg", t->dir);
    f = fopen(t->file, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void remove_config(struct tmpdir *t)
{
    unlink(t->file);
    rmdir(t->dir);
}

static void file_kernel_resolved_against_config_directory(void **state)
{
    struct xl_domain_config cfg;
    struct tmpdir t;
    char want[256];
    (void)state;

    write_config(&t, "name = \"a\"\nkernel = \"vmlinuz\"\n");
    snprintf(want, sizeof(want), "%s/vmlinuz", t.dir);
    assert_int_equal(xl_config_parse_file(t.file, NULL, 0, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.kernel, want);
    remove_config(&t);
}

static void overrides_win_over_the_file(void **state)
{
    struct xl_domain_config cfg;
    struct tmpdir t;
    char *overrides[] = { "memory=512", "vcpus = 3; name=\"b\"" };
    (void)state;

    write_config(&t, "name = \"a\"\nkernel = \"vmlinuz\"\nmemory = 256\n");
    assert_int_equal(xl_config_parse_file(t.file, overrides, 2, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.memory_mib, 512);
    assert_int_equal(cfg.vcpus, 3);
    assert_string_equal(cfg.name, "b");
    remove_config(&t);
}

static void override_kernel_resolved_against_cwd(void **state)
{
    struct xl_domain_config cfg;
    struct tmpdir t;
    char *overrides[] = { "kernel=\"k2\"" };
    char cwd[PATH_MAX], want[PATH_MAX + 16];
    (void)state;

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(want, sizeof(want), "%s/k2", strcmp(cwd, "/") ? cwd : "");
    write_config(&t, "name = \"a\"\nkernel = \"vmlinuz\"\n");
    assert_int_equal(xl_config_parse_file(t.file, overrides, 1, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.kernel, want);
    remove_config(&t);
}

static void override_error_names_command_line_and_position(void **state)
{
    struct xl_domain_config cfg;
    struct tmpdir t;
    char *overrides[] = { "memory=512", "vcpus=64" };
    (void)state;

    write_config(&t, "name = \"a\"\nkernel = \"vmlinuz\"\n");
    assert_int_equal(xl_config_parse_file(t.file, overrides, 2, &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "command line:2: vcpus: 64 is out of range (1..32)");
    remove_config(&t);
}

static void missing_key_error_names_the_file(void **state)
{
    struct xl_domain_config cfg;
    struct tmpdir t;
    char want[256];
    (void)state;

    write_config(&t, "name = \"a\"\n");
    snprintf(want, sizeof(want), "%s: missing required key 'kernel'", t.file);
    assert_int_equal(xl_config_parse_file(t.file, NULL, 0, &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, want);
    remove_config(&t);
}

static void missing_file_says_cannot_read(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    assert_int_equal(xl_config_parse_file("/nonexistent/hello.cfg", NULL, 0, &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "/nonexistent/hello.cfg: cannot read: No such file or directory");
}

static void directory_says_cannot_read(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    assert_int_equal(xl_config_parse_file("/tmp", NULL, 0, &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, "/tmp: cannot read: Is a directory");
}

static void oversized_file_is_refused(void **state)
{
    struct xl_domain_config cfg;
    struct tmpdir t;
    char *text = malloc(XL_CONFIG_FILE_MAX + 2), want[256];
    (void)state;

    assert_non_null(text);
    memset(text, '#', XL_CONFIG_FILE_MAX + 1);
    text[XL_CONFIG_FILE_MAX + 1] = '\0';
    write_config(&t, text);
    free(text);
    snprintf(want, sizeof(want), "%s: larger than %u bytes, not a config file", t.file,
             XL_CONFIG_FILE_MAX);
    assert_int_equal(xl_config_parse_file(t.file, NULL, 0, &cfg, err, sizeof(err)), -1);
    assert_string_equal(err, want);
    remove_config(&t);
}

static void config_untouched_on_error(void **state)
{
    struct xl_domain_config cfg, before;
    (void)state;

    memset(&cfg, 0x5a, sizeof(cfg));
    before = cfg;
    assert_int_equal(parse(HEAD "memory = 256\nfoo = 1\n", &cfg), -1);
    assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static void null_error_buffer_is_allowed(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    assert_int_equal(xl_config_parse_text("foo = 1", 7, "t", NULL, &cfg, NULL, 0), -1);
}

/* ---- Keys ---- */

static void unknown_key(void **state)
{
    (void)state;
    expect_error(HEAD "foo = 1\n", "hello.cfg:3: unknown key 'foo'");
    expect_error(HEAD "Memory = 1\n", "hello.cfg:3: unknown key 'Memory'");
}

/* ---- disk and vif lists (the items themselves: test_device_spec.c) ---- */

static void disks_and_vifs_in_a_file(void **state)
{
    (void)state;
    static struct xl_domain_config cfg;
    expect_ok(HEAD "disk = [ 'vdev=xvda,access=rw,target=img/a.img',\n"
                   "         'phy:/dev/vg/b,xvdb,r' ]\n"
                   "vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr1,ip=10.0.0.1', '' ]\n", &cfg);
    assert_int_equal(cfg.n_disks, 2);
    assert_string_equal(cfg.disks[0].target, BASE_DIR "/img/a.img");
    assert_int_equal(cfg.disks[0].devid, 51712);
    assert_false(cfg.disks[0].readonly);
    assert_string_equal(cfg.disks[1].target, "/dev/vg/b");
    assert_int_equal(cfg.disks[1].devid, 51728);
    assert_true(cfg.disks[1].readonly);
    assert_int_equal(cfg.n_vifs, 2);
    assert_string_equal(cfg.vifs[0].bridge, "xenbr1");
    assert_string_equal(cfg.vifs[0].ip, "10.0.0.1");
    assert_int_equal(cfg.vifs[0].mac[5], 1);
    assert_int_equal(cfg.vifs[1].devid, 1);
    assert_false(cfg.vifs[1].has_mac);
    assert_string_equal(cfg.vifs[1].bridge, "xenbr0");
}

static void bad_disks_and_vifs_name_the_line(void **state)
{
    (void)state;
    expect_error(HEAD "disk = 'x.img,xvda'\n", "hello.cfg:3: disk: expected a list of quoted disk specs");
    expect_error(HEAD "disk = [ 3 ]\n", "hello.cfg:3: disk: item 1 is not a quoted string");
    expect_error(HEAD "disk = [ 'a.img,raw,xvda,rw',\n 'b.img,raw,xvda,rw' ]\n",
                 "hello.cfg:4: disk: vdev 'xvda' is given twice");
    expect_error(HEAD "disk = [ 'a.img,qcow2,xvda' ]\n",
                 "hello.cfg:3: disk: format 'qcow2' is not supported (raw only)");
    expect_error(HEAD "vif = [ 'mac=01:00:00:00:00:01' ]\n",
                 "hello.cfg:3: vif: mac '01:00:00:00:00:01' is not a unicast xx:xx:xx:xx:xx:xx address");
}

static void key_xen_has_but_we_do_not_yet(void **state)
{
    (void)state;
    expect_error(HEAD "vtpm = []\n", "hello.cfg:3: key 'vtpm' is not supported yet");
    expect_error(HEAD "builder = \"generic\"\n", "hello.cfg:3: key 'builder' is not supported yet");
    expect_error(HEAD "maxmem = 512\n", "hello.cfg:3: key 'maxmem' is not supported yet");
    expect_error(HEAD "maxmem = 256\n", "hello.cfg:3: key 'maxmem' is not supported yet");
    expect_error(HEAD "device_model_version = \"qemu-xen\"\n",
                 "hello.cfg:3: key 'device_model_version' is not supported yet");
    expect_error(HEAD "ramdisk = \"initrd\"\n", "hello.cfg:3: key 'ramdisk' is not supported yet");
}

static void missing_required_keys(void **state)
{
    (void)state;
    expect_error("kernel = \"k\"\n", "hello.cfg: missing required key 'name'");
    expect_error("name = \"a\"\n", "hello.cfg: missing required key 'kernel'");
    expect_error("", "hello.cfg: missing required key 'name'");
}

static void memory_must_be_a_number(void **state)
{
    (void)state;
    expect_error(HEAD "memory = abc\n", "hello.cfg:3: memory: 'abc' is not a number of MiB");
    expect_error(HEAD "memory = 512M\n", "hello.cfg:3: memory: '512M' is not a number of MiB");
    expect_error(HEAD "memory = \"256\"\n",
                 "hello.cfg:3: memory: expected a number of MiB, not the string \"256\"");
    expect_error(HEAD "memory = [ 256 ]\n", "hello.cfg:3: memory: expected a number of MiB, not a list");
    expect_error(HEAD "memory = 0x\n", "hello.cfg:3: memory: '0x' is not a number of MiB");
}

static void memory_must_be_positive_and_whole(void **state)
{
    (void)state;
    expect_error(HEAD "memory = -5\n", "hello.cfg:3: memory: '-5' is not a positive number of MiB");
    expect_error(HEAD "memory = 0\n", "hello.cfg:3: memory: '0' is not a positive number of MiB");
    expect_error(HEAD "memory = 1.5\n", "hello.cfg:3: memory: '1.5' is not a whole number of MiB");
}

static void memory_with_leading_zero_is_refused_not_misread(void **state)
{
    (void)state;
    expect_error(HEAD "memory = 0128\n",
                 "hello.cfg:3: memory: '0128' has a leading zero, which xl reads as octal");
}

static void max_grant_frames_is_1_to_64_and_defaults_to_0(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD, &cfg);
    assert_int_equal(cfg.max_grant_frames, 0); /* the hypervisor's default */
    expect_ok(HEAD "max_grant_frames = 4\n", &cfg);
    assert_int_equal(cfg.max_grant_frames, 4);
    expect_ok(HEAD "max_grant_frames = 64\n", &cfg);
    assert_int_equal(cfg.max_grant_frames, 64);
    expect_error(HEAD "max_grant_frames = 0\n",
                 "hello.cfg:3: max_grant_frames: 0 is out of range (1..64)");
    expect_error(HEAD "max_grant_frames = 65\n",
                 "hello.cfg:3: max_grant_frames: 65 is out of range (1..64)");
    expect_error(HEAD "max_grant_frames = \"8\"\n",
                 "hello.cfg:3: max_grant_frames: expected a number of frames, not the string \"8\"");
}

static void memory_capped_at_one_tib(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "memory = 1048576\n", &cfg);
    assert_int_equal(cfg.memory_mib, 1048576);
    expect_error(HEAD "memory = 1048577\n", "hello.cfg:3: memory: 1048577 MiB is more than the 1 TiB limit");
    expect_error(HEAD "memory = 99999999999999999999999\n",
                 "hello.cfg:3: memory: 99999999999999999999999 MiB is more than the 1 TiB limit");
}

static void vcpus_range_is_1_to_32(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "vcpus = 32\n", &cfg);
    assert_int_equal(cfg.vcpus, 32);
    expect_error(HEAD "vcpus = 0\n", "hello.cfg:3: vcpus: 0 is out of range (1..32)");
    expect_error(HEAD "vcpus = 33\n", "hello.cfg:3: vcpus: 33 is out of range (1..32)");
    expect_error(HEAD "vcpus = -1\n", "hello.cfg:3: vcpus: '-1' is not a positive number of vCPUs");
    expect_error(HEAD "vcpus = two\n", "hello.cfg:3: vcpus: 'two' is not a number of vCPUs");
}

static void name_rules(void **state)
{
    (void)state;
    expect_error("name = \"\"\n", "hello.cfg:1: name: empty name");
    expect_error("name = \"my guest\"\n",
                 "hello.cfg:1: name: 'my guest' has a character other than A-Z a-z 0-9 _ . -");
    expect_error("name = \"a/b\"\n", "hello.cfg:1: name: 'a/b' has a character other than A-Z a-z 0-9 _ . -");
    expect_error("name = \"123\"\n", "hello.cfg:1: name: '123' is all digits, which reads as a domain id");
    expect_error("name = \"Domain-0\"\n", "hello.cfg:1: name: 'Domain-0' is reserved for Dom0");
    expect_error("name = 'a234567890123456789012345678901234567890123456789012345678901234'\n",
                 "hello.cfg:1: name: 'a23456789012345678901234567890123456789012345678...'"
                 " is longer than 63 characters");
}

static void name_of_63_characters_is_accepted(void **state)
{
    struct xl_domain_config cfg;
    const char *n63 = "a23456789012345678901234567890123456789012345678901234567890123";
    char text[256];
    (void)state;

    snprintf(text, sizeof(text), "name = \"%s\"\nkernel = \"/k\"\n", n63);
    expect_ok(text, &cfg);
    assert_string_equal(cfg.name, n63);
}

static void string_key_refuses_lists_and_bare_words(void **state)
{
    (void)state;
    expect_error("name = [ \"a\" ]\n", "hello.cfg:1: name: expected a quoted name, not a list");
    expect_error("name = web\n", "hello.cfg:1: name: expected a quoted name, not 'web'");
    expect_error(HEAD "kernel = [ \"a\", \"b\" ]\n", "hello.cfg:3: kernel: expected a quoted path, not a list");
    expect_error(HEAD "cmdline = 5\n", "hello.cfg:3: cmdline: expected a quoted string, not '5'");
}

static void kernel_must_not_be_empty(void **state)
{
    (void)state;
    expect_error("name = \"a\"\nkernel = \"\"\n", "hello.cfg:2: kernel: empty path");
}

static void kernel_path_too_long(void **state)
{
    char *text = malloc(PATH_MAX + 64);
    (void)state;

    assert_non_null(text);
    strcpy(text, "name = \"a\"\nkernel = \"/");
    memset(text + strlen(text), 'k', PATH_MAX);
    strcpy(text + strlen("name = \"a\"\nkernel = \"/") + PATH_MAX, "\"\n");
    expect_error(text, "hello.cfg:2: kernel: '/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'"
                 " makes a path longer than 4095 bytes");
    free(text);
}

static void cmdline_longer_than_buffer(void **state)
{
    char text[2048];
    (void)state;

    snprintf(text, sizeof(text), HEAD "cmdline = \"%01024d\"\n", 0);
    expect_error(text, "hello.cfg:3: cmdline: 1024 bytes is longer than the 1023-byte limit");
}

static void root_and_extra_together_too_long(void **state)
{
    char text[2400];
    (void)state;

    snprintf(text, sizeof(text), HEAD "root = \"%01000d\"\nextra = \"%01000d\"\n", 0, 0);
    expect_error(text, "hello.cfg: 'root' and 'extra' make a 2006-byte command line,"
                 " more than the 1023-byte limit");
}

static void guest_type_keywords(void **state)
{
    struct xl_domain_config cfg;
    (void)state;

    expect_ok(HEAD "type = \"pv\"\n", &cfg);
    assert_int_equal(cfg.type, XL_TYPE_PV);
    expect_ok(HEAD "type = \"PVH\"\n", &cfg);
    assert_int_equal(cfg.type, XL_TYPE_PVH);
    expect_error(HEAD "type = \"hvm\"\n", "hello.cfg:3: type: 'hvm' is not supported (pv or pvh)");
    expect_error(HEAD "type = \"xen\"\n", "hello.cfg:3: type: 'xen' is not a guest type (pv or pvh)");
}

static void action_keywords(void **state)
{
    (void)state;
    expect_error(HEAD "on_crash = \"explode\"\n",
                 "hello.cfg:3: on_crash: 'explode' is not an action (destroy, restart or preserve)");
    expect_error(HEAD "on_reboot = \"coredump-restart\"\n",
                 "hello.cfg:3: on_reboot: 'coredump-restart' is not supported yet (destroy, restart or preserve)");
    expect_error(HEAD "on_poweroff = \"Destroy\"\n",
                 "hello.cfg:3: on_poweroff: 'Destroy' is not an action (destroy, restart or preserve)");
}

static void action_names(void **state)
{
    (void)state;
    assert_string_equal(xl_action_name(XLCTL_ACTION_DESTROY), "destroy");
    assert_string_equal(xl_action_name(XLCTL_ACTION_RESTART), "restart");
    assert_string_equal(xl_action_name(XLCTL_ACTION_PRESERVE), "preserve");
    assert_string_equal(xl_action_name(200), "unknown");
}

static void uuid_format(void **state)
{
    (void)state;
    expect_error(HEAD "uuid = \"6b1f3c2a901d4e0ba1c2d3e4f5061728\"\n",
                 "hello.cfg:3: uuid: '6b1f3c2a901d4e0ba1c2d3e4f5061728' is not a UUID"
                 " (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    expect_error(HEAD "uuid = \"6b1f3c2a-901d-4e0b-a1c2-d3e4f506172g\"\n",
                 "hello.cfg:3: uuid: '6b1f3c2a-901d-4e0b-a1c2-d3e4f506172g' is not a UUID"
                 " (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
}

/* ---- Syntax ---- */

static void lists_span_lines_nest_and_take_a_trailing_comma(void **state)
{
    (void)state;
    /* The list parses; only its use for a string key is wrong. */
    expect_error("name = [\n  'a', # first\n  [ 1, 0x2 ],\n\n  [],\n]\n",
                 "hello.cfg:1: name: expected a quoted name, not a list");
}

static void newline_inside_string(void **state)
{
    (void)state;
    expect_error(HEAD "cmdline = \"abc\ndef\"\n",
                 "hello.cfg:3: newline inside a quoted string (missing closing \"?)");
}

static void unterminated_string_at_end_of_file(void **state)
{
    (void)state;
    expect_error(HEAD "cmdline = 'abc", "hello.cfg:3: unterminated string (missing closing ')");
    expect_error(HEAD "cmdline = \"abc\\", "hello.cfg:3: unterminated string (missing closing \")");
}

static void bad_escapes(void **state)
{
    (void)state;
    expect_error(HEAD "cmdline = \"a\\qb\"\n", "hello.cfg:3: unknown escape '\\q' in a quoted string");
    expect_error(HEAD "cmdline = \"\\x4\"\n", "hello.cfg:3: '\\x' must be followed by two hex digits");
    expect_error(HEAD "cmdline = \"\\x00\"\n", "hello.cfg:3: '\\x00' (NUL) is not allowed in a string");
    expect_error(HEAD "cmdline = \"\\101\"\n", "hello.cfg:3: unknown escape '\\1' in a quoted string");
}

static void nul_bytes_are_errors(void **state)
{
    struct xl_domain_config cfg;
    static const char in_string[] = "name = \"a\0b\"\n";
    static const char outside[] = "name = \"a\"\0\n";
    (void)state;

    assert_int_equal(xl_config_parse_text(in_string, sizeof(in_string) - 1, "t", NULL, &cfg,
                                          err, sizeof(err)), -1);
    assert_string_equal(err, "t:1: NUL byte inside a quoted string");
    assert_int_equal(xl_config_parse_text(outside, sizeof(outside) - 1, "t", NULL, &cfg,
                                          err, sizeof(err)), -1);
    assert_string_equal(err, "t:1: unexpected character '\\x00'");
}

static void statement_structure_errors(void **state)
{
    (void)state;
    expect_error(HEAD "memory 128\n", "hello.cfg:3: expected '=' after 'memory', found '128'");
    expect_error(HEAD "memory =\n", "hello.cfg:3: expected a value for 'memory', found end of line");
    expect_error(HEAD "memory = 128 256\n",
                 "hello.cfg:3: expected ';' or a new line after the value of 'memory', found '256'");
    expect_error(HEAD "= 5\n", "hello.cfg:3: expected a key, found '='");
    expect_error(HEAD "\"name\" = 5\n", "hello.cfg:3: expected a key, found '\"name\"'");
    expect_error(HEAD "9lives = 5\n", "hello.cfg:3: '9lives' is not a key (letters, digits and '_')");
    expect_error(HEAD "memory += 5\n", "hello.cfg:3: expected '=' after 'memory', found '+'");
}

static void list_errors(void **state)
{
    (void)state;
    expect_error("name = [ 'a'\n", "hello.cfg:1: name: '[' without a matching ']'");
    expect_error("name = [ 'a' 'b' ]\n", "hello.cfg:1: name: expected ',' or ']' in the list, found ''b''");
    expect_error("name = [ , ]\n", "hello.cfg:1: expected a value for 'name', found ','");
}

static void deeply_nested_lists_stop_at_a_limit(void **state)
{
    size_t depth = 100000, n = strlen("name = ");
    char *text = malloc(n + depth + 1);
    (void)state;

    assert_non_null(text);
    memcpy(text, "name = ", n);
    memset(text + n, '[', depth);
    text[n + depth] = '\0';
    expect_error(text, "hello.cfg:1: name: lists nested more than 8 deep");
    free(text);
}

static void long_lists_stop_at_a_limit(void **state)
{
    size_t items = 1025, n = strlen("name = [");
    char *text = malloc(n + 2 * items + 2);
    size_t i;
    (void)state;

    assert_non_null(text);
    memcpy(text, "name = [", n);
    for (i = 0; i < items; i++)
        memcpy(text + n + 2 * i, "1,", 2);
    strcpy(text + n + 2 * items, "]");
    expect_error(text, "hello.cfg:1: name: list longer than 1024 items");
    text[n + 2 * (items - 1)] = ']';       /* 1024 items: the list is fine */
    text[n + 2 * (items - 1) + 1] = '\0';
    expect_error(text, "hello.cfg:1: name: expected a quoted name, not a list");
    free(text);
}

static void unexpected_character(void **state)
{
    (void)state;
    expect_error(HEAD "\x01", "hello.cfg:3: unexpected character '\\x01'");
    expect_error(HEAD "name = \xc3\xa9\n", "hello.cfg:3: unexpected character '\\xc3'");
}

static void message_stays_on_one_line(void **state)
{
    (void)state;
    expect_error("name = \"a\\nb\"\n",
                 "hello.cfg:1: name: 'a\\nb' has a character other than A-Z a-z 0-9 _ . -");
}

static void line_numbers_count_comments_and_lists(void **state)
{
    (void)state;
    expect_error("# one\n\nname = \"a\" # three\nkernel = [\n 'x',\n]\nvcpus = 99\n",
                 "hello.cfg:4: kernel: expected a quoted path, not a list");
}

/* ---- Hostile input ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64: fixed seed, so a failure reproduces. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void expect_success_or_clean_error(const char *text, size_t len)
{
    struct xl_domain_config cfg;
    int rc;

    memset(err, 0, sizeof(err));
    rc = xl_config_parse_text(text, len, "fuzz.cfg", BASE_DIR, &cfg, err, sizeof(err));
    if (rc == 0)
        return;
    assert_int_equal(rc, -1);
    assert_true(err[0] != '\0');
    assert_null(strchr(err, '\n'));
}

static void random_bytes_never_crash(void **state)
{
    /* Half pure noise, half made of config syntax so the parser gets deep. */
    static const char syntax[] = "name=kernel\"'[],;#\n\\x0 41memory vcpus-.uuid type on_crash pv";
    char buf[400];
    int round;
    size_t i, len;
    (void)state;

    rng_state = 0x9e3779b97f4a7c15ull;
    for (round = 0; round < 10000; round++) {
        len = rng() % sizeof(buf);
        for (i = 0; i < len; i++)
            buf[i] = round & 1 ? (char)rng() : syntax[rng() % (sizeof(syntax) - 1)];
        expect_success_or_clean_error(buf, len);
    }
}

static void every_truncation_of_a_good_file_is_handled(void **state)
{
    static const char good[] =
        "# guest\nname = \"trunc\"\nkernel = '/boot/k'\nmemory = 0x100\nvcpus = 2\n"
        "cmdline = \"console=hvc0 \\\"x\\\"\\n\"\non_crash = 'preserve'; type = \"pvh\"\n"
        "uuid = \"00112233-4455-6677-8899-aabbccddeeff\"\n";
    struct xl_domain_config cfg;
    size_t len;
    char *copy;
    (void)state;

    for (len = 0; len <= sizeof(good) - 1; len++) {
        /* An exact-size heap copy, so ASan sees any read past the end. */
        copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, good, len);
        expect_success_or_clean_error(copy, len);
        free(copy);
    }
    assert_int_equal(xl_config_parse_text(good, sizeof(good) - 1, "t", NULL, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.cmdline, "console=hvc0 \"x\"\n");
}

static void huge_line_is_an_error_not_a_crash(void **state)
{
    size_t n = 4 << 20;
    char *text = malloc(n);
    (void)state;

    assert_non_null(text);
    memcpy(text, "name = \"", 8);
    memset(text + 8, 'a', n - 8);
    expect_success_or_clean_error(text, n);
    assert_string_equal(err, "fuzz.cfg:1: unterminated string (missing closing \")");
    memset(text, '9', n);
    expect_success_or_clean_error(text, n);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_file_gives_exact_values),
        cmocka_unit_test(absent_keys_take_xl_defaults),
        cmocka_unit_test(init_sets_the_same_defaults),
        cmocka_unit_test(statements_split_by_semicolons_on_one_line),
        cmocka_unit_test(windows_line_endings_are_accepted),
        cmocka_unit_test(double_quoted_escapes_are_decoded),
        cmocka_unit_test(single_quoted_escapes_are_decoded_as_libxlu_does),
        cmocka_unit_test(duplicate_key_last_one_wins),
        cmocka_unit_test(cmdline_built_from_root_and_extra),
        cmocka_unit_test(cmdline_wins_over_root_and_extra),
        cmocka_unit_test(relative_kernel_resolved_against_base_dir),
        cmocka_unit_test(relative_kernel_without_base_dir_is_against_cwd),
        cmocka_unit_test(file_kernel_resolved_against_config_directory),
        cmocka_unit_test(overrides_win_over_the_file),
        cmocka_unit_test(override_kernel_resolved_against_cwd),
        cmocka_unit_test(override_error_names_command_line_and_position),
        cmocka_unit_test(missing_key_error_names_the_file),
        cmocka_unit_test(missing_file_says_cannot_read),
        cmocka_unit_test(directory_says_cannot_read),
        cmocka_unit_test(oversized_file_is_refused),
        cmocka_unit_test(config_untouched_on_error),
        cmocka_unit_test(null_error_buffer_is_allowed),
        cmocka_unit_test(unknown_key),
        cmocka_unit_test(key_xen_has_but_we_do_not_yet),
        cmocka_unit_test(missing_required_keys),
        cmocka_unit_test(memory_must_be_a_number),
        cmocka_unit_test(memory_must_be_positive_and_whole),
        cmocka_unit_test(memory_with_leading_zero_is_refused_not_misread),
        cmocka_unit_test(max_grant_frames_is_1_to_64_and_defaults_to_0),
        cmocka_unit_test(memory_capped_at_one_tib),
        cmocka_unit_test(vcpus_range_is_1_to_32),
        cmocka_unit_test(name_rules),
        cmocka_unit_test(name_of_63_characters_is_accepted),
        cmocka_unit_test(string_key_refuses_lists_and_bare_words),
        cmocka_unit_test(kernel_must_not_be_empty),
        cmocka_unit_test(kernel_path_too_long),
        cmocka_unit_test(cmdline_longer_than_buffer),
        cmocka_unit_test(root_and_extra_together_too_long),
        cmocka_unit_test(guest_type_keywords),
        cmocka_unit_test(action_keywords),
        cmocka_unit_test(action_names),
        cmocka_unit_test(uuid_format),
        cmocka_unit_test(lists_span_lines_nest_and_take_a_trailing_comma),
        cmocka_unit_test(newline_inside_string),
        cmocka_unit_test(unterminated_string_at_end_of_file),
        cmocka_unit_test(bad_escapes),
        cmocka_unit_test(nul_bytes_are_errors),
        cmocka_unit_test(statement_structure_errors),
        cmocka_unit_test(list_errors),
        cmocka_unit_test(deeply_nested_lists_stop_at_a_limit),
        cmocka_unit_test(long_lists_stop_at_a_limit),
        cmocka_unit_test(unexpected_character),
        cmocka_unit_test(message_stays_on_one_line),
        cmocka_unit_test(line_numbers_count_comments_and_lists),
        cmocka_unit_test(disks_and_vifs_in_a_file),
        cmocka_unit_test(bad_disks_and_vifs_name_the_line),
        cmocka_unit_test(random_bytes_never_crash),
        cmocka_unit_test(every_truncation_of_a_good_file_is_handled),
        cmocka_unit_test(huge_line_is_an_error_not_a_crash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
