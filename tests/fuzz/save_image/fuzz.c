/*
 * tests/fuzz/save_image - the save image / migration stream reader
 * (dom0-tools/libxl/save_image.c: xl_sr_read_header, xl_sr_read_record,
 * xl_sr_parse_pages, xl_sr_parse_xenstore; save_devices.c:
 * xl_sr_devices_parse for DEVICES bodies), which `xl restore` and
 * `xl migrate-receive` run on a file or socket anyone may hand them.
 *
 * CRCs guard every byte, so random bytes stop at the first checksum. Most
 * inputs therefore describe a stream that the harness writes with the
 * real writer (valid CRCs), then damages in one controlled way, and the
 * reader is held to what that damage must do.
 *
 * Input: byte 0 = bits 0-1 mode, bits 2-4 fd_size = 4096 << n, bit 5 the
 * xenstore callback fails at its second call.
 *   mode 0  the rest is the stream, as is;
 *   mode 1  the rest is a list of records for the writer (below), then END;
 *   mode 2  as 1, then one byte of the stream XORed: u32 position (mod
 *           length) and a nonzero byte, read before the records;
 *   mode 3  as 1, but END's 24 bytes are XORed with the 24 input bytes
 *           read before the records.
 * A record: a byte b, then
 *   b & 0x40, b & 1:  PAGES through xl_sr_write_pages: count byte
 *                     (1 + n % 8), u64 entries; every data page 0xa5;
 *   b & 0x40, else:   XENSTORE through xl_sr_xenstore_add: count byte
 *                     (n % 8), then per entry a length byte and that many
 *                     path bytes (to their first NUL), a length byte and
 *                     the value bytes;
 *   else:             type (b & 0x80 ? b & 7 : 1 + b % 4), u16 length,
 *                     that many body bytes, through xl_sr_write_record.
 *
 * Invariants (abort() = a finding):
 *   - every refusal is a negative errno with a message; after END a
 *     further read is refused; the reader's byte count is the stream
 *     offset it has reached;
 *   - an accepted record is 1..5 with a body of at most XL_SR_MAX_BODY;
 *     accepted PAGES have 1..512 entries, each a whole page inside
 *     fd_size, and exactly the data pages the entries call for; a
 *     malformed XENSTORE body calls the callback never, a good one once
 *     per entry, with NUL-terminated path and value of the stated length;
 *   - mode 1: the reader gives back every record exactly as written and
 *     accepts END, or refuses at the first record of a type it does not
 *     know (0, 6, 7, or an END written in the middle); pages and xenstore
 *     entries built by the writer parse back to the same entries exactly
 *     when every entry is valid (offset inside fd_size, non-empty path);
 *   - mode 2: a flipped byte in a header or body is refused at exactly
 *     the record holding it (the file header: at the header); a flipped
 *     padding byte changes nothing;
 *   - mode 3: END is accepted exactly when its records, pages and chain
 *     CRC are left as written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libxl/save_devices.h"
#include "libxl/save_image.h"
#include "../fuzz_input.h"

#define MAX_RECS 64            /* records one input may describe */
#define MAX_XS   8             /* xenstore entries in one built record */
#define MAX_PAGE_ENTRIES 8     /* page entries in one built record */

/* What the harness wrote, to hold the reader to. */
struct written_xs {
    char path[256];
    uint8_t value[256];
    uint32_t value_len;
};

struct written {
    uint32_t type;
    uint32_t len;
    uint8_t *body;             /* raw records: the body as written */
    uint64_t start, body_at, pad_at, end; /* stream offsets: header, body, padding, next */
    bool built_pages, built_xs, valid;    /* built: every entry valid? */
    unsigned n;                /* built entries */
    uint64_t entry[MAX_PAGE_ENTRIES];
    struct written_xs xs[MAX_XS];
};

struct plan {
    uint64_t fd_size;
    bool fail_callback;
    unsigned nrec;
    struct written rec[MAX_RECS];
    uint64_t end_at;           /* offset of END's header */
    uint64_t length;           /* whole stream */
};

static uint8_t pattern_page[XL_SR_PAGE];

static bool entry_valid(uint64_t e, uint64_t fd_size)
{
    uint64_t off = e & ~XL_SR_PAGE_ZERO;
    return off % XL_SR_PAGE == 0 && off < fd_size;
}

/* ---- writing ------------------------------------------------------------------ */

static int write_built_pages(struct xl_sr_writer *w, struct written *rec, struct input *in,
                             uint64_t fd_size)
{
    rec->built_pages = true;
    rec->type = XL_SR_PAGES;
    rec->n = 1 + take_u8(in) % MAX_PAGE_ENTRIES;
    rec->valid = true;
    const uint8_t *data[MAX_PAGE_ENTRIES];
    for (unsigned i = 0; i < rec->n; i++) {
        rec->entry[i] = 0;
        take_bytes(in, &rec->entry[i], sizeof(rec->entry[i]));
        rec->valid = rec->valid && entry_valid(rec->entry[i], fd_size);
        data[i] = pattern_page;
        if (!(rec->entry[i] & XL_SR_PAGE_ZERO))
            rec->len += XL_SR_PAGE;
    }
    rec->len += 8 + rec->n * 8;
    return xl_sr_write_pages(w, rec->entry, data, rec->n);
}

static int write_built_xenstore(struct xl_sr_writer *w, struct written *rec, struct input *in)
{
    static uint8_t body[MAX_XS * (8 + 256 + 256)];
    size_t used = 0;
    rec->built_xs = true;
    rec->type = XL_SR_XENSTORE;
    rec->n = take_u8(in) % (MAX_XS + 1);
    rec->valid = true;
    for (unsigned i = 0; i < rec->n; i++) {
        struct written_xs *x = &rec->xs[i];
        memset(x, 0, sizeof(*x));
        uint8_t plen = take_u8(in);
        take_bytes(in, x->path, plen < in->left ? plen : in->left);
        x->path[sizeof(x->path) - 1] = '\0';
        x->value_len = take_u8(in);
        x->value_len = x->value_len < in->left ? x->value_len : (uint32_t)in->left;
        take_bytes(in, x->value, x->value_len);
        rec->valid = rec->valid && x->path[0] != '\0';
        if (xl_sr_xenstore_add(body, sizeof(body), &used, x->path, (const char *)x->value,
                               x->value_len) < 0)
            abort(); /* sized for the worst case */
    }
    rec->len = (uint32_t)used;
    return xl_sr_write_record(w, XL_SR_XENSTORE, body, (uint32_t)used);
}

static int write_raw(struct xl_sr_writer *w, struct written *rec, struct input *in, uint8_t b)
{
    rec->type = (b & 0x80) ? (b & 7u) : 1u + b % 4u;
    uint16_t len = 0;
    take_bytes(in, &len, sizeof(len));
    rec->len = len < in->left ? len : (uint32_t)in->left;
    rec->body = malloc(rec->len ? rec->len : 1);
    if (!rec->body)
        abort();
    take_bytes(in, rec->body, rec->len);
    return xl_sr_write_record(w, rec->type, rec->body, rec->len);
}

/* Writes header, the input's records and END (END's body XORed with
 * end_xor) to fd; fills the plan. */
static void write_stream(int fd, struct input *in, struct plan *pl, const uint8_t *end_xor)
{
    struct xl_sr_writer w;
    if (xl_sr_write_header(&w, fd, 0) < 0)
        abort();
    while (in->left && pl->nrec < MAX_RECS) {
        struct written *rec = &pl->rec[pl->nrec++];
        memset(rec, 0, sizeof(*rec));
        rec->start = w.bytes;
        uint8_t b = take_u8(in);
        int rc = (b & 0x40) ? ((b & 1) ? write_built_pages(&w, rec, in, pl->fd_size)
                                       : write_built_xenstore(&w, rec, in))
                            : write_raw(&w, rec, in, b);
        if (rc < 0)
            abort();
        rec->body_at = rec->start + sizeof(struct xl_sr_rec_hdr);
        rec->pad_at = rec->body_at + rec->len;
        rec->end = w.bytes;
    }
    struct xl_sr_end e = {.records = w.records, .pages = w.pages, .chain_crc = w.chain_crc};
    uint8_t *eb = (uint8_t *)&e;
    for (size_t i = 0; i < sizeof(e); i++)
        eb[i] ^= end_xor[i];
    pl->end_at = w.bytes;
    if (xl_sr_write_record(&w, XL_SR_END, &e, sizeof(e)) < 0)
        abort();
    pl->length = w.bytes;
}

/* ---- reading ------------------------------------------------------------------ */

struct xs_seen {
    const struct written *rec; /* built record to compare with, or NULL */
    unsigned calls;
    bool fail_second;
};

static int xs_entry(const char *path, const char *value, uint32_t len, void *arg)
{
    struct xs_seen *seen = arg;
    if (path[0] == '\0' || strlen(path) > 3072 || len > 4096 || value[len] != '\0')
        abort();
    if (seen->rec) {
        const struct written_xs *x = &seen->rec->xs[seen->calls];
        if (seen->calls >= seen->rec->n || strcmp(path, x->path) != 0 || len != x->value_len ||
            memcmp(value, x->value, len) != 0)
            abort();
    }
    seen->calls++;
    if (seen->fail_second && seen->calls == 2)
        return -EIO;
    return 0;
}

static void check_xenstore(const struct xl_sr_record *rec, const struct written *wr, bool fail_second)
{
    char err[256] = "";
    struct xs_seen seen = {.rec = (wr && wr->built_xs) ? wr : NULL, .fail_second = fail_second};
    int rc = xl_sr_parse_xenstore(rec, xs_entry, &seen, err, sizeof(err));
    if (rc == -EIO && fail_second && seen.calls == 2)
        return; /* the callback's own error, passed back at once */
    if (rc < 0 && (rc != -EINVAL || !err[0] || seen.calls != 0))
        abort(); /* a malformed body calls nothing */
    if (seen.rec && (rc == 0) != seen.rec->valid)
        abort();
    if (rc == 0 && seen.rec && seen.calls != seen.rec->n)
        abort();
}

/* A DEVICES body: refused with a reason, or every device in it as valid
 * as a config's (restore makes them without another look). */
static void check_devices(const struct xl_sr_record *rec)
{
    static struct xl_sr_devices devs;
    char err[512] = "";
    int rc = xl_sr_devices_parse((const char *)rec->body, rec->len, &devs, err, sizeof(err));
    if (rc < 0) {
        if (rc != -EINVAL || !err[0])
            abort();
        return;
    }
    if (devs.nr_disks > XL_MAX_DISKS || devs.nr_vifs > XL_MAX_VIFS)
        abort();
    for (unsigned i = 0; i < devs.nr_disks; i++) {
        const struct xl_disk *d = &devs.disks[i];
        if (!d->target[0] || xl_vdev_to_devid(d->vdev) != (int64_t)d->devid)
            abort();
        for (unsigned j = 0; j < i; j++)
            if (devs.disks[j].devid == d->devid)
                abort();
    }
    for (unsigned i = 0; i < devs.nr_vifs; i++)
        for (unsigned j = 0; j < i; j++)
            if (devs.vifs[j].devid == devs.vifs[i].devid || (devs.vifs[i].mac[0] & 1))
                abort();
}

static void check_pages(const struct xl_sr_record *rec, const struct written *wr, uint64_t fd_size)
{
    char err[256] = "";
    unsigned count = 0;
    const uint64_t *entry = NULL;
    const uint8_t *data = NULL;
    int rc = xl_sr_parse_pages(rec, fd_size, &count, &entry, &data, err, sizeof(err));
    if (wr && wr->built_pages && (rc == 0) != wr->valid)
        abort();
    if (rc < 0) {
        if (rc != -EINVAL || !err[0])
            abort();
        return;
    }
    if (count < 1 || count > XL_SR_BATCH)
        abort();
    unsigned with_data = 0;
    for (unsigned i = 0; i < count; i++) {
        uint64_t off = entry[i] & ~XL_SR_PAGE_ZERO;
        if (off % XL_SR_PAGE || off + XL_SR_PAGE > fd_size)
            abort();
        if (wr && wr->built_pages && entry[i] != wr->entry[i])
            abort();
        if (!(entry[i] & XL_SR_PAGE_ZERO))
            with_data++;
    }
    if (data != rec->body + 8 + (size_t)count * 8 || rec->len != 8 + (size_t)count * 8 + (size_t)with_data * XL_SR_PAGE)
        abort();
    for (unsigned k = 0; wr && wr->built_pages && k < with_data; k++)
        if (memcmp(data + (size_t)k * XL_SR_PAGE, pattern_page, XL_SR_PAGE) != 0)
            abort();
}

/* What the reader must do with the stream the plan wrote. */
enum expect { EXPECT_ANY, EXPECT_ALL, EXPECT_FAIL_AT };

struct outcome {
    bool header_ok, ended;
    unsigned records;          /* records read before END or the refusal */
};

/* Reads the whole stream, checking every record on the way. */
static struct outcome read_stream(int fd, const struct plan *pl, bool compare)
{
    struct outcome out = {0};
    char err[256] = "";
    struct xl_sr_reader r;
    int rc = xl_sr_read_header(&r, fd, err, sizeof(err));
    if (rc < 0) {
        if (!err[0])
            abort();
        xl_sr_reader_free(&r);
        return out;
    }
    out.header_ok = true;
    for (;;) {
        struct xl_sr_record rec;
        err[0] = '\0';
        rc = xl_sr_read_record(&r, &rec, err, sizeof(err));
        if (rc < 0) {
            if (!err[0])
                abort();
            break;
        }
        if (rec.type < 1 || rec.type > XL_SR_TYPE_MAX || rec.len > XL_SR_MAX_BODY ||
            (off_t)r.bytes != lseek(fd, 0, SEEK_CUR))
            abort();
        if (r.ended) {
            out.ended = true;
            if (xl_sr_read_record(&r, &rec, err, sizeof(err)) >= 0)
                abort(); /* nothing after END */
            break;
        }
        const struct written *wr = (compare && out.records < pl->nrec) ? &pl->rec[out.records] : NULL;
        if (wr && (rec.type != wr->type || rec.len != wr->len ||
                   (wr->body && memcmp(rec.body, wr->body, wr->len) != 0)))
            abort();
        if (rec.type == XL_SR_PAGES)
            check_pages(&rec, wr, pl->fd_size);
        else if (rec.type == XL_SR_XENSTORE)
            check_xenstore(&rec, wr, pl->fail_callback);
        else if (rec.type == XL_SR_DEVICES)
            check_devices(&rec);
        out.records++;
    }
    xl_sr_reader_free(&r);
    return out;
}

/* The first record the reader must refuse in a clean stream: one of a type
 * it does not know, or END in the middle (its counts cannot match...
 * unless its body happens to be the right END, which then ends it). */
static unsigned first_unknown(const struct plan *pl)
{
    for (unsigned i = 0; i < pl->nrec; i++)
        if (pl->rec[i].type < 1 || pl->rec[i].type > XL_SR_TYPE_MAX || pl->rec[i].type == XL_SR_END)
            return i;
    return pl->nrec;
}

static void check_clean(const struct plan *pl, const struct outcome *o)
{
    unsigned bad = first_unknown(pl);
    if (!o->header_ok || o->records != bad)
        abort();
    if (bad == pl->nrec && !o->ended)
        abort();
    if (bad < pl->nrec && o->ended && pl->rec[bad].type != XL_SR_END)
        abort();
}

/* The index of the record holding stream offset pos; -1 for the file
 * header, nrec for END, -2 for padding. */
static int locate(const struct plan *pl, uint64_t pos)
{
    if (pos < sizeof(struct xl_sr_file_hdr))
        return -1;
    for (unsigned i = 0; i < pl->nrec; i++)
        if (pos >= pl->rec[i].start && pos < pl->rec[i].end)
            return pos >= pl->rec[i].pad_at ? -2 : (int)i;
    return (int)pl->nrec; /* END is 24 bytes: no padding */
}

static void check_flipped(const struct plan *pl, const struct outcome *o, uint64_t pos)
{
    int at = locate(pl, pos);
    if (at == -2)
        return; /* padding is not covered; the clean rules hold, checked by mode 1 */
    if (at == -1) {
        if (o->header_ok)
            abort();
        return;
    }
    unsigned bad = first_unknown(pl);
    if ((unsigned)at <= bad && (o->ended || o->records != (unsigned)at))
        abort();
}

/* One memfd for every run, emptied each time: creating one per input
 * costs more than the parsing. */
static int stream_fd(void)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("save-image-fuzz", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    return fd;
}

static void run_written(struct input *in, struct plan *pl, unsigned mode)
{
    uint8_t end_xor[sizeof(struct xl_sr_end)] = {0};
    uint32_t flip_pos = 0;
    uint8_t flip = 0;
    if (mode == 2) {
        take_bytes(in, &flip_pos, sizeof(flip_pos));
        flip = take_u8(in) | 1;
    } else if (mode == 3) {
        take_bytes(in, end_xor, sizeof(end_xor));
    }
    int fd = stream_fd();
    write_stream(fd, in, pl, end_xor);
    uint64_t pos = flip_pos % pl->length;
    if (mode == 2) {
        uint8_t b;
        if (pread(fd, &b, 1, (off_t)pos) != 1)
            abort();
        b ^= flip;
        if (pwrite(fd, &b, 1, (off_t)pos) != 1)
            abort();
    }
    lseek(fd, 0, SEEK_SET);
    struct outcome o = read_stream(fd, pl, mode != 2);
    if (mode == 1 || (mode == 2 && locate(pl, pos) == -2))
        check_clean(pl, &o);
    else if (mode == 2)
        check_flipped(pl, &o, pos);
    else if (first_unknown(pl) == pl->nrec) {
        static const uint8_t zero[20];
        bool untouched = memcmp(end_xor, zero, sizeof(zero)) == 0; /* pad is not checked */
        if (!o.header_ok || o.records != pl->nrec || o.ended != untouched)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    if (size < 1)
        return 0;
    uint8_t b = take_u8(&in);
    static struct plan pl;
    memset(&pl, 0, sizeof(pl));
    pl.fd_size = (uint64_t)XL_SR_PAGE << ((b >> 2) & 7);
    pl.fail_callback = b & 32;
    memset(pattern_page, 0xa5, sizeof(pattern_page));
    unsigned mode = b & 3;
    if (mode == 0) {
        int fd = stream_fd();
        if (xl_sr_write_full(fd, in.p, in.left) < 0)
            abort();
        lseek(fd, 0, SEEK_SET);
        read_stream(fd, &pl, false);
    } else {
        run_written(&in, &pl, mode);
    }
    for (unsigned i = 0; i < pl.nrec; i++)
        free(pl.rec[i].body);
    return 0;
}
