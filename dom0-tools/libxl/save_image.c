/*
 * save_image.c - framing and checking of save images and migration
 * streams (see save_image.h, docs/save-format.md). Everything read is
 * hostile until checked: a length is capped before it is used, a CRC is
 * checked before the body is believed, and END proves nothing was lost.
 */
#include "save_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crc32c.h"

static const uint8_t zero_pad[8];

int xl_sr_read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -errno;
        if (got == 0)
            return -EPIPE;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int xl_sr_write_full(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t put = write(fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return -errno;
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

/* writev until every byte is out; iov is consumed. */
static int writev_full(int fd, struct iovec *iov, int cnt)
{
    while (cnt > 0) {
        ssize_t put = writev(fd, iov, cnt > 1024 ? 1024 : cnt);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return -errno;
        while (cnt > 0 && (size_t)put >= iov->iov_len) {
            put -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + put;
            iov->iov_len -= (size_t)put;
        }
    }
    return 0;
}

static uint32_t pad8(uint32_t len)
{
    return (8 - (len & 7)) & 7;
}

/* ---- writing ------------------------------------------------------------ */

int xl_sr_write_header(struct xl_sr_writer *w, int fd, uint32_t flags)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->flags = flags;
    struct xl_sr_file_hdr h = {.version = XL_SR_VERSION, .endian = XL_SR_ENDIAN,
                               .hdr_size = sizeof(h), .page_size = XL_SR_PAGE, .flags = flags};
    memcpy(h.magic, XL_SR_MAGIC, sizeof(h.magic));
    h.hdr_crc = crc32c(0, &h, offsetof(struct xl_sr_file_hdr, hdr_crc));
    w->bytes = sizeof(h);
    return xl_sr_write_full(fd, &h, sizeof(h));
}

static void fill_rec_hdr(struct xl_sr_rec_hdr *h, uint32_t type, uint32_t len, uint32_t crc)
{
    *h = (struct xl_sr_rec_hdr){.type = type, .body_len = len, .body_crc = crc};
    h->hdr_crc = crc32c(0, h, offsetof(struct xl_sr_rec_hdr, hdr_crc));
}

static int emit(struct xl_sr_writer *w, uint32_t type, struct iovec *iov, int cnt, uint32_t len,
                uint32_t crc)
{
    struct xl_sr_rec_hdr h;
    fill_rec_hdr(&h, type, len, crc);
    iov[0] = (struct iovec){&h, sizeof(h)};
    iov[cnt++] = (struct iovec){(void *)zero_pad, pad8(len)};
    int rc = writev_full(w->fd, iov, cnt);
    if (rc == 0 && type != XL_SR_END) {
        w->records++;
        w->chain_crc = crc32c(w->chain_crc, &crc, sizeof(crc));
    }
    w->bytes += sizeof(h) + len + pad8(len);
    return rc;
}

int xl_sr_write_record(struct xl_sr_writer *w, uint32_t type, const void *body, uint32_t len)
{
    if (len > XL_SR_MAX_BODY)
        return -E2BIG;
    /* END carries the page count as the reader counts it: from the first
     * word of every PAGES body, whichever call wrote the record. */
    if (type == XL_SR_PAGES && len >= sizeof(uint32_t)) {
        uint32_t n;
        memcpy(&n, body, sizeof(n));
        w->pages += n;
    }
    struct iovec iov[3] = {{0}, {(void *)body, len}};
    return emit(w, type, iov, 2, len, crc32c(0, body, len));
}

int xl_sr_write_pages(struct xl_sr_writer *w, const uint64_t *entry, const uint8_t *const *data,
                      unsigned n)
{
    if (n == 0 || n > XL_SR_BATCH)
        return -EINVAL;
    static struct iovec iov[XL_SR_BATCH + 4];
    uint32_t head[2] = {n, 0};
    uint32_t crc = crc32c(0, head, sizeof(head));
    crc = crc32c(crc, entry, n * sizeof(uint64_t));
    uint32_t len = sizeof(head) + n * (uint32_t)sizeof(uint64_t);
    int cnt = 1;
    iov[cnt++] = (struct iovec){head, sizeof(head)};
    iov[cnt++] = (struct iovec){(void *)entry, n * sizeof(uint64_t)};
    static uint8_t (*copy)[XL_SR_PAGE];
    bool live = w->flags & XL_SR_FLAG_LIVE;
    if (live && !copy && !(copy = malloc((size_t)XL_SR_BATCH * XL_SR_PAGE)))
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        if (entry[i] & XL_SR_PAGE_ZERO)
            continue;
        const uint8_t *page = data[i];
        if (live)
            page = memcpy(copy[i], data[i], XL_SR_PAGE); /* what the CRC covers is sent */
        crc = crc32c(crc, page, XL_SR_PAGE);
        iov[cnt++] = (struct iovec){(void *)page, XL_SR_PAGE};
        len += XL_SR_PAGE;
    }
    w->pages += n;
    return emit(w, XL_SR_PAGES, iov, cnt, len, crc);
}

int xl_sr_write_end(struct xl_sr_writer *w)
{
    struct xl_sr_end e = {.records = w->records, .pages = w->pages, .chain_crc = w->chain_crc};
    return xl_sr_write_record(w, XL_SR_END, &e, sizeof(e));
}

int xl_sr_xenstore_add(uint8_t *buf, size_t cap, size_t *used, const char *path,
                       const char *value, uint32_t value_len)
{
    uint32_t lens[2] = {(uint32_t)strlen(path), value_len};
    size_t need = sizeof(lens) + lens[0] + lens[1];
    if (*used + need > cap)
        return -ENOSPC;
    memcpy(buf + *used, lens, sizeof(lens));
    memcpy(buf + *used + sizeof(lens), path, lens[0]);
    memcpy(buf + *used + sizeof(lens) + lens[0], value, lens[1]);
    *used += need;
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

static int io_error(int rc, char *err, size_t errlen, const char *what)
{
    if (rc == -EPIPE)
        snprintf(err, errlen, "image is truncated (ends inside %s)", what);
    else
        snprintf(err, errlen, "reading %s: %s", what, strerror(-rc));
    return rc == -EPIPE ? -EINVAL : rc;
}

int xl_sr_read_header(struct xl_sr_reader *r, int fd, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    struct xl_sr_file_hdr h;
    int rc = xl_sr_read_full(fd, &h, sizeof(h));
    if (rc < 0)
        return io_error(rc, err, errlen, "the file header");
    if (memcmp(h.magic, XL_SR_MAGIC, sizeof(h.magic)) != 0) {
        snprintf(err, errlen, "not a Xenolith save image (bad magic)");
        return -EINVAL;
    }
    if (h.hdr_crc != crc32c(0, &h, offsetof(struct xl_sr_file_hdr, hdr_crc))) {
        snprintf(err, errlen, "file header checksum mismatch (corrupted image)");
        return -EINVAL;
    }
    if (h.endian != XL_SR_ENDIAN) {
        snprintf(err, errlen, "image has the other byte order (0x%08x)", h.endian);
        return -EINVAL;
    }
    if (h.version != XL_SR_VERSION) {
        snprintf(err, errlen, "image format version %u (this xl reads version %u)", h.version,
                 XL_SR_VERSION);
        return -EINVAL;
    }
    if (h.hdr_size != sizeof(h) || h.page_size != XL_SR_PAGE) {
        snprintf(err, errlen, "image header size %u / page size %u not supported", h.hdr_size,
                 h.page_size);
        return -EINVAL;
    }
    r->buf = malloc(XL_SR_MAX_BODY + 8);
    if (!r->buf)
        return -ENOMEM;
    r->flags = h.flags;
    r->bytes = sizeof(h);
    return 0;
}

static int check_end(struct xl_sr_reader *r, const struct xl_sr_record *rec, char *err,
                     size_t errlen)
{
    struct xl_sr_end e;
    if (rec->len != sizeof(e)) {
        snprintf(err, errlen, "END record of %u bytes (corrupted image)", rec->len);
        return -EINVAL;
    }
    memcpy(&e, rec->body, sizeof(e));
    if (e.records != r->records || e.pages != r->pages || e.chain_crc != r->chain_crc) {
        snprintf(err, errlen, "END record does not match the %llu records read (records lost "
                 "or reordered)", (unsigned long long)r->records);
        return -EINVAL;
    }
    r->ended = true;
    return 0;
}

int xl_sr_read_record(struct xl_sr_reader *r, struct xl_sr_record *rec, char *err, size_t errlen)
{
    if (r->ended) {
        snprintf(err, errlen, "read past END");
        return -EINVAL;
    }
    char what[64];
    snprintf(what, sizeof(what), "record %llu", (unsigned long long)r->records + 1);
    struct xl_sr_rec_hdr h;
    int rc = xl_sr_read_full(r->fd, &h, sizeof(h));
    if (rc < 0)
        return io_error(rc, err, errlen, what);
    if (h.hdr_crc != crc32c(0, &h, offsetof(struct xl_sr_rec_hdr, hdr_crc))) {
        snprintf(err, errlen, "%s: header checksum mismatch (corrupted image)", what);
        return -EINVAL;
    }
    if (h.type == 0 || h.type > XL_SR_TYPE_MAX || h.body_len > XL_SR_MAX_BODY) {
        snprintf(err, errlen, "%s: unknown type %u or length %u (corrupted image)", what, h.type,
                 h.body_len);
        return -EINVAL;
    }
    uint32_t padded = h.body_len + pad8(h.body_len);
    rc = xl_sr_read_full(r->fd, r->buf, padded);
    if (rc < 0)
        return io_error(rc, err, errlen, what);
    if (crc32c(0, r->buf, h.body_len) != h.body_crc) {
        snprintf(err, errlen, "%s (type %u): checksum mismatch (corrupted image)", what, h.type);
        return -EINVAL;
    }
    r->bytes += sizeof(h) + padded;
    *rec = (struct xl_sr_record){.type = h.type, .len = h.body_len, .body = r->buf};
    if (h.type == XL_SR_END)
        return check_end(r, rec, err, errlen);
    r->records++;
    r->chain_crc = crc32c(r->chain_crc, &h.body_crc, sizeof(h.body_crc));
    if (h.type == XL_SR_PAGES && h.body_len >= 4) {
        uint32_t n;
        memcpy(&n, r->buf, sizeof(n));
        r->pages += n;
    }
    return 0;
}

void xl_sr_reader_free(struct xl_sr_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

int xl_sr_parse_pages(const struct xl_sr_record *rec, uint64_t fd_size, unsigned *count,
                      const uint64_t **entry, const uint8_t **data, char *err, size_t errlen)
{
    uint32_t head[2];
    if (rec->len < sizeof(head)) {
        snprintf(err, errlen, "PAGES record of %u bytes", rec->len);
        return -EINVAL;
    }
    memcpy(head, rec->body, sizeof(head));
    uint32_t n = head[0];
    if (n == 0 || n > XL_SR_BATCH || head[1] != 0) {
        snprintf(err, errlen, "PAGES record of %u pages (at most %u)", n, XL_SR_BATCH);
        return -EINVAL;
    }
    size_t need = sizeof(head) + (size_t)n * 8;
    if (rec->len < need) {
        snprintf(err, errlen, "PAGES record too short for its %u entries", n);
        return -EINVAL;
    }
    const uint64_t *e = (const uint64_t *)(const void *)(rec->body + sizeof(head));
    for (uint32_t i = 0; i < n; i++) {
        uint64_t off = e[i] & ~XL_SR_PAGE_ZERO;
        if (off % XL_SR_PAGE || off >= fd_size) {
            snprintf(err, errlen, "page entry %u: offset 0x%llx outside the domain's memory", i,
                     (unsigned long long)off);
            return -EINVAL;
        }
        if (!(e[i] & XL_SR_PAGE_ZERO))
            need += XL_SR_PAGE;
    }
    if (rec->len != need) {
        snprintf(err, errlen, "PAGES record is %u bytes, its entries need %zu", rec->len, need);
        return -EINVAL;
    }
    *count = n;
    *entry = e;
    *data = rec->body + sizeof(head) + (size_t)n * 8;
    return 0;
}

int xl_sr_parse_xenstore(const struct xl_sr_record *rec,
                         int (*fn)(const char *path, const char *value, uint32_t len, void *arg),
                         void *arg, char *err, size_t errlen)
{
    /* Two passes: check every length, then call; a bad body calls nothing. */
    for (int pass = 0; pass < 2; pass++) {
        size_t at = 0;
        unsigned i = 0;
        while (at < rec->len) {
            uint32_t lens[2];
            if (rec->len - at < sizeof(lens)) {
                snprintf(err, errlen, "xenstore entry %u: truncated", i);
                return -EINVAL;
            }
            memcpy(lens, rec->body + at, sizeof(lens));
            at += sizeof(lens);
            if (lens[0] == 0 || lens[0] > 3072 || lens[1] > 4096 ||
                rec->len - at < (size_t)lens[0] + lens[1]) {
                snprintf(err, errlen, "xenstore entry %u: bad lengths %u/%u", i, lens[0], lens[1]);
                return -EINVAL;
            }
            if (memchr(rec->body + at, 0, lens[0])) {
                snprintf(err, errlen, "xenstore entry %u: NUL in path", i);
                return -EINVAL;
            }
            if (pass == 1) {
                char path[3073], value[4097];
                memcpy(path, rec->body + at, lens[0]);
                path[lens[0]] = '\0';
                memcpy(value, rec->body + at + lens[0], lens[1]);
                value[lens[1]] = '\0';
                int rc = fn(path, value, lens[1], arg);
                if (rc < 0)
                    return rc;
            }
            at += (size_t)lens[0] + lens[1];
            i++;
        }
    }
    return 0;
}
