/*
 * test_save_image.c - the save image / migration stream format
 * (dom0-tools/libxl/save_image.h): what a reader accepts from a writer,
 * and the exact refusal for each kind of damage.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "libxl/crc32c.h"
#include "libxl/save_image.h"

#define FD_SIZE (64 * 4096ull)

static char err[512];
static uint8_t pages[3][4096];

/* A small valid image in a memfd: DOMAIN, PAGES (2 data + 1 zero),
 * XENSTORE, END. Returns the fd, positioned at 0. */
static int make_image(size_t *len)
{
    int fd = memfd_create("img", 0);
    assert_true(fd >= 0);
    struct xl_sr_writer w;
    assert_int_equal(xl_sr_write_header(&w, fd, 0), 0);
    struct xl_sr_domain d = {.fd_size = FD_SIZE};
    snprintf(d.create.name, sizeof(d.create.name), "t");
    assert_int_equal(xl_sr_write_record(&w, XL_SR_DOMAIN, &d, sizeof(d)), 0);
    memset(pages[0], 0xab, 4096);
    memset(pages[1], 0xcd, 4096);
    uint64_t entry[3] = {0, 5 * 4096, 7 * 4096 | XL_SR_PAGE_ZERO};
    const uint8_t *data[3] = {pages[0], pages[1], NULL};
    assert_int_equal(xl_sr_write_pages(&w, entry, data, 3), 0);
    uint8_t xs[256];
    size_t used = 0;
    assert_int_equal(xl_sr_xenstore_add(xs, sizeof(xs), &used, "name", "t", 1), 0);
    assert_int_equal(xl_sr_xenstore_add(xs, sizeof(xs), &used, "data/k", "v2", 2), 0);
    assert_int_equal(xl_sr_write_record(&w, XL_SR_XENSTORE, xs, (uint32_t)used), 0);
    assert_int_equal(xl_sr_write_end(&w), 0);
    *len = (size_t)w.bytes;
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* Reads the whole image; 0 or the first error (err set). */
static int read_all(int fd, unsigned *nrec)
{
    struct xl_sr_reader r;
    int rc = xl_sr_read_header(&r, fd, err, sizeof(err));
    *nrec = 0;
    while (rc == 0 && !r.ended) {
        struct xl_sr_record rec;
        rc = xl_sr_read_record(&r, &rec, err, sizeof(err));
        if (rc == 0 && !r.ended)
            (*nrec)++;
    }
    xl_sr_reader_free(&r);
    return rc;
}

static void poke(int fd, off_t at, uint8_t v)
{
    assert_int_equal(pwrite(fd, &v, 1, at), 1);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

static void test_crc32c_known_value(void **s)
{
    (void)s;
    assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(crc32c_sw(0, "123456789", 9), 0xe3069283u);
    uint8_t big[1000];
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    assert_int_equal(crc32c(0, big, sizeof(big)), crc32c_sw(0, big, sizeof(big)));
    /* Continuation equals one pass. */
    assert_int_equal(crc32c(crc32c(0, big, 333), big + 333, 667), crc32c(0, big, sizeof(big)));
}

static void test_writer_output_reads_back(void **s)
{
    (void)s;
    size_t len;
    unsigned n;
    int fd = make_image(&len);
    assert_int_equal(read_all(fd, &n), 0);
    assert_int_equal(n, 3);
    close(fd);
}

/* Found by tests/fuzz/save_image (corpus: regress-pages-by-write-record):
 * a PAGES record written whole through xl_sr_write_record was not counted
 * by the writer, so its own END said 0 pages where the reader counted 2,
 * and the image it had just written was refused as "records lost". */
static void test_pages_written_as_a_plain_record_read_back(void **s)
{
    (void)s;
    int fd = memfd_create("img", 0);
    assert_true(fd >= 0);
    struct xl_sr_writer w;
    assert_int_equal(xl_sr_write_header(&w, fd, 0), 0);
    uint32_t body[6] = {2, 0, 4096 | 1, 0, 8192 | 1, 0}; /* two zero pages */
    assert_int_equal(xl_sr_write_record(&w, XL_SR_PAGES, body, sizeof(body)), 0);
    assert_int_equal(w.pages, 2);
    assert_int_equal(xl_sr_write_end(&w), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    unsigned n;
    assert_int_equal(read_all(fd, &n), 0);
    assert_int_equal(n, 1);
    close(fd);
}

static int collect(const char *path, const char *value, uint32_t len, void *arg)
{
    char *out = arg;
    char line[128];
    snprintf(line, sizeof(line), "%s=%.*s;", path, (int)len, value);
    strcat(out, line);
    return 0;
}

static void test_pages_and_xenstore_parse(void **s)
{
    (void)s;
    size_t len;
    int fd = make_image(&len);
    struct xl_sr_reader r;
    struct xl_sr_record rec;
    assert_int_equal(xl_sr_read_header(&r, fd, err, sizeof(err)), 0);
    assert_int_equal(xl_sr_read_record(&r, &rec, err, sizeof(err)), 0); /* DOMAIN */
    assert_int_equal(xl_sr_read_record(&r, &rec, err, sizeof(err)), 0);
    assert_int_equal(rec.type, XL_SR_PAGES);
    unsigned count;
    const uint64_t *entry;
    const uint8_t *data;
    assert_int_equal(xl_sr_parse_pages(&rec, FD_SIZE, &count, &entry, &data, err, sizeof(err)), 0);
    assert_int_equal(count, 3);
    assert_int_equal(entry[1], 5 * 4096);
    assert_true(entry[2] & XL_SR_PAGE_ZERO);
    assert_memory_equal(data, pages[0], 4096);
    assert_memory_equal(data + 4096, pages[1], 4096);
    /* An offset past the domain's memory is refused. */
    assert_int_equal(xl_sr_parse_pages(&rec, 5 * 4096, &count, &entry, &data, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "page entry 1: offset 0x5000 outside the domain's memory");
    assert_int_equal(xl_sr_read_record(&r, &rec, err, sizeof(err)), 0);
    char seen[256] = "";
    assert_int_equal(xl_sr_parse_xenstore(&rec, collect, seen, err, sizeof(err)), 0);
    assert_string_equal(seen, "name=t;data/k=v2;");
    xl_sr_reader_free(&r);
    close(fd);
}

static void expect_refusal(void (*damage)(int fd, size_t len), const char *want)
{
    size_t len;
    unsigned n;
    int fd = make_image(&len);
    damage(fd, len);
    assert_int_equal(read_all(fd, &n), -EINVAL);
    if (!strstr(err, want))
        fail_msg("got: %s\nwant: %s", err, want);
    close(fd);
}

static void bad_magic(int fd, size_t len) { (void)len; poke(fd, 0, 'Y'); }
static void bad_header_crc(int fd, size_t len) { (void)len; poke(fd, 8, 9); }
static void flip_page_byte(int fd, size_t len)
{
    (void)len;
    poke(fd, (off_t)(32 + 16 + sizeof(struct xl_sr_domain) + 16 + 8 + 3 * 8 + 40), 0);
}
static void truncate_half(int fd, size_t len) { assert_int_equal(ftruncate(fd, (off_t)len / 2), 0); }
static void truncate_end(int fd, size_t len) { assert_int_equal(ftruncate(fd, (off_t)len - 40), 0); }
static void empty(int fd, size_t len) { (void)len; assert_int_equal(ftruncate(fd, 0), 0); }

/* A whole record removed: every CRC still holds, END does not. */
static void drop_record(int fd, size_t len)
{
    static uint8_t buf[1 << 16];
    assert_true(len < sizeof(buf));
    assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
    struct xl_sr_rec_hdr h;
    size_t first = 32;
    memcpy(&h, buf + first, sizeof(h));
    size_t rec_len = sizeof(h) + h.body_len + ((8 - h.body_len % 8) % 8);
    memmove(buf + first, buf + first + rec_len, len - first - rec_len);
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(pwrite(fd, buf, len - rec_len, 0), (ssize_t)(len - rec_len));
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

/* A record with a valid header CRC but an impossible length. */
static void huge_length(int fd, size_t len)
{
    (void)len;
    struct xl_sr_rec_hdr h = {.type = XL_SR_PAGES, .body_len = XL_SR_MAX_BODY + 1};
    h.hdr_crc = crc32c(0, &h, 12);
    assert_int_equal(pwrite(fd, &h, sizeof(h), 32), (ssize_t)sizeof(h));
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

static void bad_version(int fd, size_t len)
{
    (void)len;
    struct xl_sr_file_hdr h;
    assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    h.version = 7;
    h.hdr_crc = crc32c(0, &h, 28);
    assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
}

static void test_damage_is_refused_with_a_reason(void **s)
{
    (void)s;
    expect_refusal(bad_magic, "not a Xenolith save image (bad magic)");
    expect_refusal(bad_header_crc, "file header checksum mismatch");
    expect_refusal(bad_version, "image format version 7 (this xl reads version 1)");
    expect_refusal(flip_page_byte, "record 2 (type 2): checksum mismatch (corrupted image)");
    expect_refusal(truncate_half, "image is truncated");
    expect_refusal(truncate_end, "image is truncated (ends inside record 4)");
    expect_refusal(empty, "image is truncated (ends inside the file header)");
    expect_refusal(drop_record, "END record does not match");
    expect_refusal(huge_length, "record 1: unknown type 2 or length");
}

static void test_malformed_bodies(void **s)
{
    (void)s;
    uint8_t body[64] = {0};
    struct xl_sr_record rec = {.type = XL_SR_PAGES, .len = 8, .body = body};
    unsigned count;
    const uint64_t *entry;
    const uint8_t *data;
    assert_int_equal(xl_sr_parse_pages(&rec, FD_SIZE, &count, &entry, &data, err, sizeof(err)),
                     -EINVAL); /* zero pages */
    uint32_t head[2] = {1, 0};
    memcpy(body, head, 8);
    uint64_t e = 4096 + 8; /* not page-aligned */
    memcpy(body + 8, &e, 8);
    rec.len = 16;
    assert_int_equal(xl_sr_parse_pages(&rec, FD_SIZE, &count, &entry, &data, err, sizeof(err)),
                     -EINVAL);
    e = 4096; /* data missing */
    memcpy(body + 8, &e, 8);
    assert_int_equal(xl_sr_parse_pages(&rec, FD_SIZE, &count, &entry, &data, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "PAGES record is 16 bytes, its entries need 4112");
    /* xenstore: a length past the body, and a NUL in a path. */
    uint32_t lens[2] = {40, 0};
    memcpy(body, lens, 8);
    struct xl_sr_record xs = {.type = XL_SR_XENSTORE, .len = 16, .body = body};
    char seen[64] = "";
    assert_int_equal(xl_sr_parse_xenstore(&xs, collect, seen, err, sizeof(err)), -EINVAL);
    lens[0] = 3;
    memcpy(body, lens, 8);
    memcpy(body + 8, "a\0b", 3);
    xs.len = 11;
    assert_int_equal(xl_sr_parse_xenstore(&xs, collect, seen, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "xenstore entry 0: NUL in path");
    assert_string_equal(seen, ""); /* nothing was applied */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_known_value),
        cmocka_unit_test(test_writer_output_reads_back),
        cmocka_unit_test(test_pages_written_as_a_plain_record_read_back),
        cmocka_unit_test(test_pages_and_xenstore_parse),
        cmocka_unit_test(test_damage_is_refused_with_a_reason),
        cmocka_unit_test(test_malformed_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
