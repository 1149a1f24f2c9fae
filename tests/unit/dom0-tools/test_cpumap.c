/*
 * test_cpumap.c - xl's CPU lists (dom0-tools/libxl/cpumap.h): what vcpu-pin
 * takes and vcpu-list prints, round trips included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "libxl/cpumap.h"

static char why[256];

static void parse_ok(const char *spec, unsigned nr, uint64_t w0, uint64_t w1)
{
    uint64_t map[XLCTL_CPUMAP_WORDS];
    if (xl_cpumap_parse(spec, nr, map, why, sizeof(why)))
        fail_msg("'%s' refused: %s", spec, why);
    if (map[0] != w0 || map[1] != w1 || map[2] || map[3])
        fail_msg("'%s': %#llx %#llx", spec, (unsigned long long)map[0], (unsigned long long)map[1]);
}

static void parse_bad(const char *spec, unsigned nr, const char *message)
{
    uint64_t map[XLCTL_CPUMAP_WORDS];
    if (xl_cpumap_parse(spec, nr, map, why, sizeof(why)) != -1 || strcmp(why, message))
        fail_msg("'%s'\n got: %s\nwant: %s", spec, why, message);
}

static void lists_ranges_and_exclusions(void **state)
{
    (void)state;
    parse_ok("0", 2, 0x1, 0);
    parse_ok("1", 2, 0x2, 0);
    parse_ok("all", 2, 0x3, 0);
    parse_ok("all", 70, ~0ull, 0x3f);
    parse_ok("0-1,3", 8, 0xb, 0);
    parse_ok("0-7,^3", 8, 0xf7, 0);
    parse_ok("2,2,2", 4, 0x4, 0);
    parse_ok("64-65", 128, 0, 0x3);
    parse_ok("^0", 4, 0, 0); /* empty: the daemon refuses it */
}

static void bad_lists_say_why(void **state)
{
    (void)state;
    parse_bad("", 2, "an empty CPU list");
    parse_bad("2", 2, "CPU 2 does not exist (the host has CPUs 0-1)");
    parse_bad("0-9", 4, "CPU 9 does not exist (the host has CPUs 0-3)");
    parse_bad("3-1", 4, "'3-1' is not a CPU range (the first CPU comes first)");
    parse_bad("abc", 4, "'abc' is not a CPU number or range (e.g. 0-3,5)");
    parse_bad("1,x", 4, "'x' is not a CPU number or range (e.g. 0-3,5)");
    parse_bad("1-", 4, "'1-' is not a CPU number or range (e.g. 0-3,5)");
    parse_bad("-1", 4, "'-1' is not a CPU number or range (e.g. 0-3,5)");
    parse_bad("0,", 4, "'0,' ends with a comma");
    parse_bad("1 2", 4, "'1 2' is not a CPU number or range (e.g. 0-3,5)");
    parse_bad("99999999999", 4, "'99999999999' is not a CPU number or range (e.g. 0-3,5)");
}

static const char *fmt(uint64_t w0, unsigned nr)
{
    static char out[128];
    uint64_t map[XLCTL_CPUMAP_WORDS] = {w0};
    xl_cpumap_format(map, nr, out, sizeof(out));
    return out;
}

static void formatted_as_xl_prints_it(void **state)
{
    (void)state;
    assert_string_equal(fmt(0x3, 2), "all");
    assert_string_equal(fmt(0x1, 2), "0");
    assert_string_equal(fmt(0x2, 2), "1");
    assert_string_equal(fmt(0x0, 2), "none");
    assert_string_equal(fmt(0xb, 8), "0-1,3");
    assert_string_equal(fmt(0xf7, 8), "0-2,4-7");
    assert_string_equal(fmt(0x55, 8), "0,2,4,6");
    /* CPUs past the host's are not shown. */
    assert_string_equal(fmt(0xff, 4), "all");
}

static void round_trip(void **state)
{
    (void)state;
    static const char *specs[] = {"0", "0-1,3", "2-5,7", "0,2,4,6", "1-7"};
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        uint64_t map[XLCTL_CPUMAP_WORDS];
        char out[128];
        assert_int_equal(xl_cpumap_parse(specs[i], 8, map, why, sizeof(why)), 0);
        xl_cpumap_format(map, 8, out, sizeof(out));
        assert_string_equal(out, specs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_ranges_and_exclusions),
        cmocka_unit_test(bad_lists_say_why),
        cmocka_unit_test(formatted_as_xl_prints_it),
        cmocka_unit_test(round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
