/*
 * test_log.c - the guest console logs of xenconsoled
 * (pv-backends/xenconsoled/log.c) as a session sees them: the backlog is
 * the log's tail from a line start, the file is shared with another
 * appender (the hypervisor's console_io path), and a name that could
 * leave the log directory never names a file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static char dir[] = "/tmp/xcd-test-log.XXXXXX";

static int group_setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void names_that_leave_the_directory_are_refused(void **state)
{
    (void)state;
    assert_true(guestlog_name_ok("web-01_a.b"));
    assert_false(guestlog_name_ok(""));
    assert_false(guestlog_name_ok(".."));
    assert_false(guestlog_name_ok(".hidden"));
    assert_false(guestlog_name_ok("a/b"));
    assert_false(guestlog_name_ok("a b"));
    assert_int_equal(guestlog_open(dir, "../escape"), -EINVAL);
}

static void appends_interleave_with_another_writer(void **state)
{
    (void)state;
    int fd = guestlog_open(dir, "shared");
    assert_true(fd >= 0);
    char path[128];
    snprintf(path, sizeof(path), "%s/guest-shared.log", dir);
    int other = open(path, O_WRONLY | O_APPEND); /* the hypervisor's */
    assert_true(other >= 0);
    guestlog_write(fd, "ring 1\n", 7);
    assert_int_equal(write(other, "console_io 1\n", 13), 13);
    guestlog_write(fd, "ring 2\n", 7);
    char buf[64];
    size_t n = guestlog_tail(fd, buf, sizeof(buf));
    assert_int_equal(n, 27);
    assert_memory_equal(buf, "ring 1\nconsole_io 1\nring 2\n", 27);
    close(other);
    close(fd);
}

static void the_tail_starts_at_a_line(void **state)
{
    (void)state;
    int fd = guestlog_open(dir, "tail");
    assert_true(fd >= 0);
    for (int i = 0; i < 100; i++) {
        char line[32];
        int len = snprintf(line, sizeof(line), "line %02d\n", i); /* 8 bytes */
        guestlog_write(fd, line, (size_t)len);
    }
    char buf[30];
    /* The last 30 bytes start in the middle of "line 96": skip to 97. */
    size_t n = guestlog_tail(fd, buf, sizeof(buf));
    assert_int_equal(n, 24);
    assert_memory_equal(buf, "line 97\nline 98\nline 99\n", 24);
    close(fd);
}

static void a_tail_without_line_breaks_is_kept_whole(void **state)
{
    (void)state;
    int fd = guestlog_open(dir, "noline");
    assert_true(fd >= 0);
    guestlog_write(fd, "0123456789abcdef", 16);
    char buf[8];
    assert_int_equal(guestlog_tail(fd, buf, sizeof(buf)), 8);
    assert_memory_equal(buf, "89abcdef", 8);
    close(fd);
}

static void an_empty_log_has_no_tail(void **state)
{
    (void)state;
    int fd = guestlog_open(dir, "empty");
    assert_true(fd >= 0);
    char buf[8];
    assert_int_equal(guestlog_tail(fd, buf, sizeof(buf)), 0);
    assert_int_equal(guestlog_tail(-1, buf, sizeof(buf)), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_that_leave_the_directory_are_refused),
        cmocka_unit_test(appends_interleave_with_another_writer),
        cmocka_unit_test(the_tail_starts_at_a_line),
        cmocka_unit_test(a_tail_without_line_breaks_is_kept_whole),
        cmocka_unit_test(an_empty_log_has_no_tail),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
