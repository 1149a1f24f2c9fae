/*
 * test_io.c - blkback's backing store and I/O engine
 * (pv-backends/blkback/image.c, io.c) on real files: O_DIRECT where the
 * filesystem has it and the buffered fallback where it does not (tmpfs),
 * vectored reads and writes that land where they should, fdatasync and
 * hole punching through io_uring, and the multishot poll that wakes a
 * queue for its event channel.
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
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "image.h"
#include "io.h"
#include "xenolith/blk_pattern.h"

#define TMPFS_MAGIC_ 0x01021994

static char path[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    /* A real filesystem: the build tree's, not /tmp if that is tmpfs. */
    snprintf(path, sizeof(path), "%s/blkback-io-test.%d.img",
             getenv("BUILD_TMP") ? getenv("BUILD_TMP") : "/var/tmp", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4 << 20) < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

struct done {
    int n;
    uint64_t tag[16];
    int32_t res[16];
    bool more[16];
};

static void on_done(void *arg, uint64_t tag, int32_t res, bool more)
{
    struct done *d = arg;
    if (d->n < 16) {
        d->tag[d->n] = tag;
        d->res[d->n] = res;
        d->more[d->n] = more;
    }
    d->n++;
}

/* Runs the engine until `want` completions arrived. */
static void run(struct blk_io *io, struct done *d, int want)
{
    while (d->n < want) {
        assert_int_equal(blk_io_submit(io, 1), 0);
        blk_io_reap(io, on_done, d);
    }
}

static void image_opens_direct_on_a_real_filesystem(void **state)
{
    (void)state;
    struct statfs sf;
    assert_int_equal(statfs(path, &sf), 0);
    struct blk_image img;
    char why[256];
    assert_int_equal(blk_image_open(path, false, &img, why, sizeof(why)), 0);
    assert_int_equal(img.size, 4 << 20);
    assert_false(img.blockdev);
    assert_false(img.readonly);
    if (sf.f_type != TMPFS_MAGIC_)
        assert_true(img.direct);
    assert_true(img.dio_off_align >= 1 && img.dio_off_align <= 4096);
    assert_int_equal(blk_image_fd_for(&img, false), img.buf_fd);
    assert_int_equal(blk_image_fd_for(&img, true), img.direct ? img.fd : img.buf_fd);
    blk_image_close(&img);
}

/* A filesystem without O_DIRECT answers EINVAL to the open. */
static int open_without_direct(const char *p, int flags, ...)
{
    if (flags & O_DIRECT) {
        errno = EINVAL;
        return -1;
    }
    return open(p, flags);
}

static void image_falls_back_to_buffered_without_o_direct(void **state)
{
    (void)state;
    blk_image_open_fn = open_without_direct;
    struct blk_image img;
    char why[256];
    int rc = blk_image_open(path, true, &img, why, sizeof(why));
    blk_image_open_fn = open;
    assert_int_equal(rc, 0);
    assert_false(img.direct);
    assert_true(img.readonly);
    assert_int_equal(img.fd, img.buf_fd);
    assert_int_equal(blk_image_fd_for(&img, true), img.buf_fd); /* aligned or not */
    /* and it still serves reads */
    struct blk_io io;
    assert_int_equal(blk_io_init(&io, 4), 0);
    assert_int_equal(blk_io_start(&io), 0);
    uint8_t buf[1024];
    struct iovec iov = {buf, sizeof(buf)};
    struct done d = {0};
    assert_int_equal(blk_io_rw(&io, img.fd, false, &iov, 1, 0, 1), 0);
    run(&io, &d, 1);
    assert_int_equal(d.res[0], 1024);
    blk_io_exit(&io);
    blk_image_close(&img);
}

static void image_errors_name_the_file(void **state)
{
    (void)state;
    struct blk_image img;
    char why[256];
    assert_int_equal(blk_image_open("/nonexistent/x.img", false, &img, why, sizeof(why)), -ENOENT);
    assert_non_null(strstr(why, "/nonexistent/x.img: No such file or directory"));
    assert_int_equal(blk_image_open("/dev/null", false, &img, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "neither a regular file nor a block device"));
}

static void vectored_writes_and_reads_land_in_place(void **state)
{
    (void)state;
    struct blk_image img;
    char why[256];
    assert_int_equal(blk_image_open(path, false, &img, why, sizeof(why)), 0);
    struct blk_io io;
    assert_int_equal(blk_io_init(&io, 16), 0);
    assert_int_equal(blk_io_start(&io), 0);
    uint8_t *a = NULL, *b = NULL, *back = NULL;
    assert_int_equal(posix_memalign((void **)&a, 4096, 8192), 0);
    assert_int_equal(posix_memalign((void **)&b, 4096, 4096), 0);
    assert_int_equal(posix_memalign((void **)&back, 4096, 12288), 0);
    /* sectors 64..87 from two separate buffers, as two grant mappings */
    blkpat_fill(a, 64, 16, 1, 1);
    blkpat_fill(b, 80, 8, 1, 1);
    struct iovec iov[2] = {{a, 8192}, {b, 4096}};
    struct done d = {0};
    assert_int_equal(blk_io_rw(&io, blk_image_fd_for(&img, true), true, iov, 2, 64 * 512, 7), 0);
    run(&io, &d, 1);
    assert_int_equal(d.tag[0], 7);
    assert_int_equal(d.res[0], 12288);
    memset(back, 0, 12288);
    struct iovec one = {back, 12288};
    assert_int_equal(blk_io_rw(&io, blk_image_fd_for(&img, true), false, &one, 1, 64 * 512, 8), 0);
    run(&io, &d, 2);
    assert_int_equal(d.res[1], 12288);
    assert_int_equal(blkpat_check(back, 64, 24, 1, 1), -1);
    /* and the host file holds it, at the right place */
    int fd = open(path, O_RDONLY);
    assert_int_equal(pread(fd, back, 512, 70 * 512), 512);
    assert_int_equal(blkpat_check(back, 70, 1, 1, 1), -1);
    close(fd);
    /* an unaligned buffer goes through the buffered descriptor */
    struct iovec odd = {back + 512, 1024};
    blkpat_fill(back + 512, 3, 2, 2, 9);
    assert_int_equal(blk_io_rw(&io, blk_image_fd_for(&img, false), true, &odd, 1, 3 * 512, 9), 0);
    run(&io, &d, 3);
    assert_int_equal(d.res[2], 1024);
    blk_io_exit(&io);
    blk_image_close(&img);
    free(a);
    free(b);
    free(back);
}

static void fsync_and_discard(void **state)
{
    (void)state;
    struct blk_image img;
    char why[256];
    assert_int_equal(blk_image_open(path, false, &img, why, sizeof(why)), 0);
    struct blk_io io;
    assert_int_equal(blk_io_init(&io, 8), 0);
    assert_int_equal(blk_io_start(&io), 0);
    uint8_t *buf = NULL;
    assert_int_equal(posix_memalign((void **)&buf, 4096, 65536), 0);
    blkpat_fill(buf, 1024, 128, 3, 3);
    struct iovec iov = {buf, 65536};
    struct done d = {0};
    assert_int_equal(blk_io_rw(&io, img.fd, true, &iov, 1, 1024 * 512, 1), 0);
    run(&io, &d, 1);
    assert_int_equal(blk_io_fsync(&io, img.buf_fd, 2), 0);
    run(&io, &d, 2);
    assert_int_equal(d.tag[1], 2);
    assert_int_equal(d.res[1], 0);
    /* punch the middle 16 KiB: zeros there, pattern around it */
    assert_int_equal(blk_io_discard(&io, img.buf_fd, 1024 * 512 + 16384, 16384, 3), 0);
    run(&io, &d, 3);
    if (d.res[2] == -EOPNOTSUPP)
        skip(); /* a filesystem without hole punching */
    assert_int_equal(d.res[2], 0);
    memset(buf, 0xee, 65536);
    assert_int_equal(blk_io_rw(&io, img.fd, false, &iov, 1, 1024 * 512, 4), 0);
    run(&io, &d, 4);
    assert_int_equal(d.res[3], 65536);
    assert_int_equal(blkpat_check(buf, 1024, 32, 3, 3), -1);
    for (unsigned i = 16384; i < 32768; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(blkpat_check(buf + 32768, 1088, 64, 3, 3), -1);
    blk_io_exit(&io);
    blk_image_close(&img);
    free(buf);
}

static void multishot_poll_fires_per_wakeup(void **state)
{
    (void)state;
    struct blk_io io;
    assert_int_equal(blk_io_init(&io, 8), 0);
    assert_int_equal(blk_io_start(&io), 0);
    int efd = eventfd(0, EFD_NONBLOCK);
    assert_true(efd >= 0);
    assert_int_equal(blk_io_poll(&io, efd, 42), 0);
    assert_int_equal(blk_io_submit(&io, 0), 0);
    struct done d = {0};
    uint64_t one = 1, v;
    for (int round = 1; round <= 3; round++) {
        assert_int_equal(write(efd, &one, 8), 8);
        run(&io, &d, round);
        assert_int_equal(d.tag[round - 1], 42);
        assert_true(d.more[round - 1]); /* still armed */
        assert_int_equal(read(efd, &v, 8), 8);
    }
    close(efd);
    blk_io_exit(&io);
}

static void a_full_submission_queue_says_busy(void **state)
{
    (void)state;
    struct blk_io io;
    assert_int_equal(blk_io_init(&io, 4), 0);
    assert_int_equal(blk_io_start(&io), 0);
    int efd = eventfd(0, EFD_NONBLOCK);
    int ok = 0, busy = 0;
    for (int i = 0; i < 10; i++) {
        int rc = blk_io_poll(&io, efd, (uint64_t)i);
        ok += rc == 0;
        busy += rc == -EBUSY;
    }
    assert_int_equal(ok, 4);
    assert_int_equal(busy, 6);
    assert_int_equal(blk_io_submit(&io, 0), 0);
    assert_int_equal(blk_io_poll(&io, efd, 99), 0); /* room again */
    close(efd);
    blk_io_exit(&io);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(image_opens_direct_on_a_real_filesystem),
        cmocka_unit_test(image_falls_back_to_buffered_without_o_direct),
        cmocka_unit_test(image_errors_name_the_file),
        cmocka_unit_test(vectored_writes_and_reads_land_in_place),
        cmocka_unit_test(fsync_and_discard),
        cmocka_unit_test(multishot_poll_fires_per_wakeup),
        cmocka_unit_test(a_full_submission_queue_says_busy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
