/*
 * test_client.c - our libxenstore against the real daemon: xenstored's
 * loop and socket transport run in a thread of this process on a socket in
 * a temporary directory; the test talks to it only through xenstore.h, as
 * a program written for Xen's libxenstore would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenstore.h>

#include "core.h"
#include "domain.h"
#include "log.h"
#include "loop.h"
#include "quota.h"
#include "socket.h"
#include "store.h"

static char dir[64], sock[128];
static pthread_t daemon_thread;
static int ready_pipe[2];

static void *daemon_main(void *arg)
{
    (void)arg;
    char ok = 0;
    if (store_init() == 0 && domain_init() == 0 && core_init() == 0 && loop_init() == 0 &&
        socket_listen(sock) == 0)
        ok = 1;
    if (write(ready_pipe[1], &ok, 1) != 1 || !ok)
        return NULL;
    loop_run();
    socket_fini();
    core_fini();
    loop_fini();
    domain_fini();
    store_fini();
    return NULL;
}

static int start_daemon(void **state)
{
    (void)state;
    if (!getenv("XS_TEST_LOG"))
        log_open("/dev/null");
    snprintf(dir, sizeof(dir), "/tmp/xs-client-test.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(sock, sizeof(sock), "%s/socket", dir);
    setenv("XENSTORED_PATH", sock, 1);
    assert_int_equal(pipe(ready_pipe), 0);
    assert_int_equal(pthread_create(&daemon_thread, NULL, daemon_main, NULL), 0);
    char ok = 0;
    assert_int_equal(read(ready_pipe[0], &ok, 1), 1);
    assert_int_equal(ok, 1);
    return 0;
}

static int stop_daemon(void **state)
{
    (void)state;
    loop_stop();
    pthread_join(daemon_thread, NULL);
    close(ready_pipe[0]);
    close(ready_pipe[1]);
    rmdir(dir);
    return 0;
}

static struct xs_handle *open_h(void)
{
    struct xs_handle *h = xs_open(0);
    assert_non_null(h);
    return h;
}

static void socket_path_comes_from_the_environment(void **state)
{
    (void)state;
    assert_string_equal(xs_daemon_socket(), sock);
    assert_string_equal(xs_daemon_socket_ro(), sock);
    unsetenv("XENSTORED_PATH");
    setenv("XENSTORED_RUNDIR", "/somewhere", 1);
    assert_string_equal(xs_daemon_rundir(), "/somewhere");
    assert_string_equal(xs_daemon_socket(), "/somewhere/socket");
    unsetenv("XENSTORED_RUNDIR");
    assert_string_equal(xs_daemon_socket(), "/var/run/xenstored/socket");
    setenv("XENSTORED_PATH", sock, 1);
}

static void read_write_directory_rm(void **state)
{
    (void)state;
    struct xs_handle *h = open_h();
    unsigned int len, num;
    assert_true(xs_write(h, XBT_NULL, "/lib/a/b", "hello", 5));
    char *v = xs_read(h, XBT_NULL, "/lib/a/b", &len);
    assert_non_null(v);
    assert_int_equal(len, 5);
    assert_string_equal(v, "hello"); /* the library adds the NUL */
    free(v);
    assert_true(xs_mkdir(h, XBT_NULL, "/lib/a/c"));
    char **d = xs_directory(h, XBT_NULL, "/lib/a", &num);
    assert_non_null(d);
    assert_int_equal(num, 2);
    assert_string_equal(d[0], "b");
    assert_string_equal(d[1], "c");
    free(d);
    assert_true(xs_rm(h, XBT_NULL, "/lib"));
    assert_null(xs_read(h, XBT_NULL, "/lib/a/b", &len));
    assert_int_equal(errno, ENOENT);
    assert_false(xs_rm(h, XBT_NULL, "/lib/x/y"));
    assert_int_equal(errno, ENOENT);
    assert_null(xs_read(h, XBT_NULL, "/bad//path", NULL));
    assert_int_equal(errno, EINVAL);
    xs_close(h);
}

static void long_directories_come_in_parts(void **state)
{
    (void)state;
    struct xs_handle *h = open_h();
    char path[64];
    for (int i = 0; i < 900; i++) {
        snprintf(path, sizeof(path), "/long/entry%04d", i);
        assert_true(xs_mkdir(h, XBT_NULL, path));
    }
    unsigned int num;
    char **d = xs_directory(h, XBT_NULL, "/long", &num);
    assert_non_null(d);
    assert_int_equal(num, 900);
    assert_string_equal(d[0], "entry0000");
    assert_string_equal(d[899], "entry0899");
    free(d);
    assert_true(xs_rm(h, XBT_NULL, "/long"));
    /* A request over the payload limit is refused before it is sent. */
    char *big = calloc(1, 5000);
    assert_false(xs_write(h, XBT_NULL, "/big", big, 5000));
    assert_int_equal(errno, E2BIG);
    free(big);
    assert_true(xs_write(h, XBT_NULL, "/still", "ok", 2));
    xs_close(h);
}

static void permissions(void **state)
{
    (void)state;
    struct xs_handle *h = open_h();
    struct xs_permissions set[2] = {{.id = 0, .perms = XS_PERM_NONE},
                                    {.id = 5, .perms = XS_PERM_READ | XS_PERM_WRITE}};
    assert_true(xs_write(h, XBT_NULL, "/perm", "", 0));
    assert_true(xs_set_permissions(h, XBT_NULL, "/perm", set, 2));
    unsigned int num;
    struct xs_permissions *got = xs_get_permissions(h, XBT_NULL, "/perm", &num);
    assert_non_null(got);
    assert_int_equal(num, 2);
    assert_int_equal(got[1].id, 5);
    assert_int_equal(got[1].perms, XS_PERM_READ | XS_PERM_WRITE);
    free(got);
    struct xs_permissions p[2];
    assert_true(xs_strings_to_perms(p, 2, "r1\0w0x20"));
    assert_int_equal(p[1].id, 32);
    assert_false(xs_strings_to_perms(p, 1, "q1"));
    assert_int_equal(errno, EINVAL);
    xs_close(h);
}

static void transactions_and_conflicts(void **state)
{
    (void)state;
    struct xs_handle *a = open_h(), *b = open_h();
    unsigned int len;
    assert_true(xs_write(a, XBT_NULL, "/tx/v", "0", 1));
    xs_transaction_t t = xs_transaction_start(a);
    assert_int_not_equal(t, XBT_NULL);
    char *v = xs_read(a, t, "/tx/v", &len);
    free(v);
    assert_true(xs_write(a, t, "/tx/v", "1", 1));
    assert_true(xs_write(b, XBT_NULL, "/tx/v", "2", 1));
    assert_false(xs_transaction_end(a, t, false));
    assert_int_equal(errno, EAGAIN);
    /* Retry, as clients do on EAGAIN. */
    t = xs_transaction_start(a);
    v = xs_read(a, t, "/tx/v", &len);
    assert_string_equal(v, "2");
    free(v);
    assert_true(xs_write(a, t, "/tx/v", "3", 1));
    assert_true(xs_transaction_end(a, t, false));
    v = xs_read(b, XBT_NULL, "/tx/v", &len);
    assert_string_equal(v, "3");
    free(v);
    t = xs_transaction_start(a);
    assert_true(xs_write(a, t, "/tx/v", "4", 1));
    assert_true(xs_transaction_end(a, t, true)); /* abort */
    v = xs_read(b, XBT_NULL, "/tx/v", &len);
    assert_string_equal(v, "3");
    free(v);
    xs_close(a);
    xs_close(b);
}

static void watches_through_the_reader_thread(void **state)
{
    (void)state;
    struct xs_handle *w = xs_open(XS_UNWATCH_FILTER), *a = open_h();
    assert_non_null(w);
    unsigned int num;
    int fd = xs_fileno(w);
    assert_true(fd >= 0);
    assert_true(xs_watch(w, "/wl", "tok"));
    char **e = xs_read_watch(w, &num);
    assert_non_null(e);
    assert_int_equal(num, 2);
    assert_string_equal(e[XS_WATCH_PATH], "/wl");
    assert_string_equal(e[XS_WATCH_TOKEN], "tok");
    free(e);
    /* Nothing queued now. */
    assert_null(xs_check_watch(w));
    assert_int_equal(errno, EAGAIN);
    /* Requests still work while the reader thread owns the socket. */
    assert_true(xs_write(w, XBT_NULL, "/wl/x", "1", 1));
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    e = xs_check_watch(w);
    assert_non_null(e);
    assert_string_equal(e[XS_WATCH_PATH], "/wl/x");
    free(e);
    /* After an unwatch with the filter, queued events of it are gone. */
    assert_true(xs_write(a, XBT_NULL, "/wl/y", "1", 1));
    assert_true(xs_write(a, XBT_NULL, "/wl/z", "1", 1));
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    usleep(50 * 1000);
    assert_true(xs_unwatch(w, "/wl", "tok"));
    assert_null(xs_check_watch(w));
    assert_false(xs_unwatch(w, "/wl", "tok"));
    assert_int_equal(errno, ENOENT);
    /* Special watches. */
    assert_true(xs_watch(w, "@introduceDomain", "in"));
    e = xs_read_watch(w, &num);
    assert_string_equal(e[0], "@introduceDomain");
    free(e);
    assert_true(xs_introduce_domain(a, 9, 0xfeffcUL, 3));
    e = xs_read_watch(w, &num);
    assert_string_equal(e[0], "@introduceDomain");
    assert_string_equal(e[1], "in");
    free(e);
    xs_close(w); /* with the reader thread blocked in read() */
    xs_close(a);
}

static void domains_and_control(void **state)
{
    (void)state;
    struct xs_handle *h = open_h();
    assert_true(xs_introduce_domain(h, 11, 4096, 2));
    assert_true(xs_is_domain_introduced(h, 11));
    assert_false(xs_is_domain_introduced(h, 12));
    assert_true(xs_is_domain_introduced(h, 0));
    char *p = xs_get_domain_path(h, 11);
    assert_string_equal(p, "/local/domain/11");
    free(p);
    assert_true(xs_resume_domain(h, 11));
    assert_true(xs_introduce_domain(h, 12, 4096, 2));
    assert_true(xs_set_target(h, 12, 11));
    assert_true(xs_release_domain(h, 11));
    assert_false(xs_is_domain_introduced(h, 11));
    assert_false(xs_release_domain(h, 11));
    assert_int_equal(errno, ENOENT);
    assert_false(xs_restrict(h, 1));
    char *r = xs_control_command(h, "help", NULL, 0);
    assert_non_null(r);
    assert_non_null(strstr(r, "quota"));
    free(r);
    r = xs_control_command(h, "check", NULL, 0);
    assert_string_equal(r, "OK");
    free(r);
    assert_null(xs_debug_command(h, "nonsense", NULL, 0));
    assert_int_equal(errno, EINVAL);
    assert_true(xs_path_is_subpath("/a", "/a/b"));
    assert_true(xs_path_is_subpath("/a", "/a"));
    assert_false(xs_path_is_subpath("/a", "/ab"));
    assert_false(xs_path_is_subpath("/a/b", "/a"));
    xs_daemon_close(h);
}

static int raw_connect(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    assert_true(strlen(sock) < sizeof(a.sun_path));
    memcpy(a.sun_path, sock, strlen(sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void raw_read_all(int fd, void *buf, size_t len)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
}

/* The socket transport reads ahead: many requests in one send (more than
 * a turn's share and than its buffer) are all answered, in order, with
 * nothing more arriving to announce the rest; and a request sent in
 * pieces with pauses between them (header, then payload, as Xen's
 * libxenstore writes it) is answered once it is whole. */
static void pipelined_and_split_requests_on_the_socket(void **state)
{
    (void)state;
    enum { N = 300 };
    static char out[N * 64];
    size_t len = 0;
    for (uint32_t i = 0; i < N; i++) {
        char body[48];
        int blen = i % 2 ? snprintf(body, sizeof(body), "/raw/k%u", i / 2) + 1
                         : snprintf(body, sizeof(body), "/raw/k%u%cv%u", i / 2, 0, i);
        struct xsd_sockmsg h = {.type = i % 2 ? XS_READ : XS_WRITE, .req_id = i,
                                .len = (uint32_t)blen};
        memcpy(out + len, &h, sizeof(h));
        memcpy(out + len + sizeof(h), body, (size_t)blen);
        len += sizeof(h) + (size_t)blen;
    }
    int fd = raw_connect();
    assert_int_equal(write(fd, out, len), (ssize_t)len);
    for (uint32_t i = 0; i < N; i++) {
        struct xsd_sockmsg h;
        char body[64];
        raw_read_all(fd, &h, sizeof(h));
        assert_int_equal(h.req_id, i);
        assert_true(h.len < sizeof(body));
        raw_read_all(fd, body, h.len);
        if (i % 2) {
            char want[16];
            snprintf(want, sizeof(want), "v%u", i - 1);
            assert_int_equal(h.type, XS_READ);
            assert_int_equal(h.len, strlen(want));
            assert_memory_equal(body, want, strlen(want));
        } else {
            assert_int_equal(h.type, XS_WRITE);
        }
    }

    struct xsd_sockmsg h = {.type = XS_READ, .req_id = 7, .len = sizeof("/raw/k0")};
    assert_int_equal(write(fd, &h, 5), 5);
    usleep(20000);
    assert_int_equal(write(fd, (char *)&h + 5, sizeof(h) - 5), (ssize_t)(sizeof(h) - 5));
    usleep(20000);
    assert_int_equal(write(fd, "/raw/k0", 3), 3);
    usleep(20000);
    assert_int_equal(write(fd, "/raw/k0" + 3, h.len - 3), (ssize_t)(h.len - 3));
    struct xsd_sockmsg r;
    char body[8];
    raw_read_all(fd, &r, sizeof(r));
    assert_int_equal(r.type, XS_READ);
    assert_int_equal(r.req_id, 7);
    assert_int_equal(r.len, 2);
    raw_read_all(fd, body, r.len);
    assert_memory_equal(body, "v0", 2);
    close(fd);
}

static void open_fails_cleanly_without_a_daemon(void **state)
{
    (void)state;
    setenv("XENSTORED_PATH", "/nonexistent/xenstored.sock", 1);
    assert_null(xs_open(0));
    assert_int_equal(errno, ENOENT);
    setenv("XENSTORED_PATH", sock, 1);
    xs_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(socket_path_comes_from_the_environment),
        cmocka_unit_test(read_write_directory_rm),
        cmocka_unit_test(long_directories_come_in_parts),
        cmocka_unit_test(permissions),
        cmocka_unit_test(transactions_and_conflicts),
        cmocka_unit_test(watches_through_the_reader_thread),
        cmocka_unit_test(domains_and_control),
        cmocka_unit_test(pipelined_and_split_requests_on_the_socket),
        cmocka_unit_test(open_fails_cleanly_without_a_daemon),
    };
    return cmocka_run_group_tests(tests, start_daemon, stop_daemon);
}
