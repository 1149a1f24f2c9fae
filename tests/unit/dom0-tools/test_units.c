/*
 * test_units.c - memory sizes as xl mem-set / mem-max read them, uptimes
 * as xl uptime prints them, and the backends' statistics lines
 * (dom0-tools/libxl/units.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "libxl/units.h"

static void memory_sizes_with_xls_suffixes(void **state)
{
    (void)state;
    assert_int_equal(xl_parse_mem_size_kb("256"), 256 * 1024);
    assert_int_equal(xl_parse_mem_size_kb("256m"), 256 * 1024);
    assert_int_equal(xl_parse_mem_size_kb("256M"), 256 * 1024);
    assert_int_equal(xl_parse_mem_size_kb("4096k"), 4096);
    assert_int_equal(xl_parse_mem_size_kb("2g"), 2 * 1024 * 1024);
    assert_int_equal(xl_parse_mem_size_kb("1t"), 1ll << 30);
    assert_int_equal(xl_parse_mem_size_kb("1048576b"), 1024);
    assert_int_equal(xl_parse_mem_size_kb("1000b"), 0);
    assert_int_equal(xl_parse_mem_size_kb("0"), 0);
}

static void bad_memory_sizes(void **state)
{
    (void)state;
    static const char *bad[] = {"", "m", "abc", "12q", "12mb", "-5", "+5", " 5", "5 ",
                                "99999999999999999999", "9999999999999t"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (xl_parse_mem_size_kb(bad[i]) != -1)
            fail_msg("'%s' accepted", bad[i]);
    assert_int_equal(xl_parse_mem_size_kb(NULL), -1);
}

static const char *up(uint64_t s, bool short_mode)
{
    static char out[64];
    xl_uptime_text(s, short_mode, out, sizeof(out));
    return out;
}

static void uptimes_as_xl_prints_them(void **state)
{
    (void)state;
    assert_string_equal(up(7, false), " 0:00:07");
    assert_string_equal(up(3723, false), " 1:02:03");
    assert_string_equal(up(86400 + 7384, false), "1 day,  2:03:04");
    assert_string_equal(up(3 * 86400 + 36000, false), "3 days, 10:00:00");
    assert_string_equal(up(7, true), " 0:00");
    assert_string_equal(up(2 * 86400 + 3900, true), "2 days,  1:05");
}

static void statistics_lines(void **state)
{
    (void)state;
    const char *line = "tx_packets=10 tx_bytes=980 tx_errors=2 rx_bytes=4096\n";
    uint64_t v = 0;
    assert_int_equal(xl_stats_lookup(line, "tx_bytes", &v), 0);
    assert_int_equal(v, 980);
    assert_int_equal(xl_stats_lookup(line, "rx_bytes", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(xl_stats_lookup(line, "tx_packets", &v), 0);
    assert_int_equal(v, 10);
    /* Whole keys only, numbers only. */
    assert_int_equal(xl_stats_lookup(line, "bytes", &v), -1);
    assert_int_equal(xl_stats_lookup(line, "tx", &v), -1);
    assert_int_equal(xl_stats_lookup("rd_req=abc", "rd_req", &v), -1);
    assert_int_equal(xl_stats_lookup("rd_req=12x", "rd_req", &v), -1);
    assert_int_equal(xl_stats_lookup("", "rd_req", &v), -1);
    assert_int_equal(xl_stats_lookup(NULL, "rd_req", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_sizes_with_xls_suffixes),
        cmocka_unit_test(bad_memory_sizes),
        cmocka_unit_test(uptimes_as_xl_prints_them),
        cmocka_unit_test(statistics_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
