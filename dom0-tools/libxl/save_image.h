/*
 * save_image.h - the save image and migration stream format (version 1,
 * docs/save-format.md): a file header, then records, each with its own
 * header and CRC-32C, the last one END. The same bytes go to a file
 * (xl save) or a TCP socket (xl migrate).
 *
 * This module only frames and checks: it writes records to an fd and reads
 * them back, refusing anything malformed with a one-line reason. What the
 * records mean is save.c's and restore.c's business. Not thread-safe: one
 * writer or reader per stream.
 */
#ifndef XL_SAVE_IMAGE_H
#define XL_SAVE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenolith/control.h"

#define XL_SR_MAGIC       "XENOLSR\n"   /* 8 bytes, no NUL */
#define XL_SR_VERSION     1u
#define XL_SR_ENDIAN      0x01020304u   /* written little-endian: 04 03 02 01 */
#define XL_SR_PAGE        4096u
#define XL_SR_BATCH       512u          /* pages per PAGES record at most */
#define XL_SR_MAX_BODY    (XL_SR_BATCH * (XL_SR_PAGE + 8u) + 8u) /* largest record body */
#define XL_SR_FLAG_LIVE   1u            /* file header flags: a migration stream */
#define XL_SR_PAGE_ZERO   1ull          /* page entry bit 0: the page is zero, no data */

enum xl_sr_type {
    XL_SR_DOMAIN = 1,    /* struct xl_sr_domain; first record */
    XL_SR_PAGES = 2,     /* u32 count, u32 0, u64 entry[count], then the pages with data */
    XL_SR_HV_STATE = 3,  /* the hypervisor's blob (xenolith/domstate.h) */
    XL_SR_XENSTORE = 4,  /* {u32 path_len, u32 value_len, path, value} ... */
    XL_SR_END = 5,       /* struct xl_sr_end; last record */
    XL_SR_DEVICES = 6,   /* text, "TYPE DEVID SPEC" lines (save_devices.h); optional */
    XL_SR_TYPE_MAX = 6,
};

struct xl_sr_file_hdr {
    char magic[8];       /* XL_SR_MAGIC */
    uint32_t version;    /* XL_SR_VERSION */
    uint32_t endian;     /* XL_SR_ENDIAN */
    uint32_t hdr_size;   /* sizeof(struct xl_sr_file_hdr) */
    uint32_t page_size;  /* XL_SR_PAGE */
    uint32_t flags;      /* XL_SR_FLAG_* */
    uint32_t hdr_crc;    /* CRC-32C of the 28 bytes before it */
};

struct xl_sr_rec_hdr {
    uint32_t type;       /* enum xl_sr_type */
    uint32_t body_len;   /* bytes of body, <= XL_SR_MAX_BODY; zero padding to 8 follows */
    uint32_t body_crc;   /* CRC-32C of the body (padding excluded) */
    uint32_t hdr_crc;    /* CRC-32C of the 12 bytes before it */
};

/* The domain as the hypervisor created it: enough to create it again,
 * with no config file. */
struct xl_sr_domain {
    struct xlctl_domain_create create; /* name, uuid, memory, vCPUs, on_*, grant frames */
    uint64_t low_bytes, high_bytes;    /* its memory layout (xlctl_memory_layout) */
    uint64_t fd_size;                  /* page entries are offsets below this */
    uint32_t source_domid;             /* for the log only */
    uint32_t pad;
};

struct xl_sr_end {
    uint64_t records;    /* records before END */
    uint64_t pages;      /* page entries in all PAGES records */
    uint32_t chain_crc;  /* CRC-32C over every earlier record's body_crc, in order */
    uint32_t pad;
};

_Static_assert(sizeof(struct xl_sr_file_hdr) == 32, "file header");
_Static_assert(sizeof(struct xl_sr_rec_hdr) == 16, "record header");
_Static_assert(sizeof(struct xl_sr_domain) % 8 == 0, "domain record padding");
_Static_assert(sizeof(struct xl_sr_end) == 24, "end record");

/* ---- writing ------------------------------------------------------------ */

struct xl_sr_writer {
    int fd;
    uint32_t flags;            /* the file header's */
    uint64_t records, pages, bytes;
    uint32_t chain_crc;
};

/* All return 0 or -errno (the write's). A PAGES record may also be
 * written whole by xl_sr_write_record (its page count is taken from the
 * body's first word, as the reader takes it). */
int xl_sr_write_header(struct xl_sr_writer *w, int fd, uint32_t flags);
int xl_sr_write_record(struct xl_sr_writer *w, uint32_t type, const void *body, uint32_t len);
/* One PAGES record: entry[i] = fd offset | XL_SR_PAGE_ZERO flag; data[i]
 * is the page for entries without the flag (ignored for zero pages). In a
 * live stream (XL_SR_FLAG_LIVE) the guest and its backends write pages
 * while they are sent, so each is copied once and checksummed and sent
 * from the copy; a save sends a paused domain's pages as they are.
 * n <= XL_SR_BATCH. */
int xl_sr_write_pages(struct xl_sr_writer *w, const uint64_t *entry, const uint8_t *const *data,
                      unsigned n);
int xl_sr_write_end(struct xl_sr_writer *w);

/* XENSTORE record body: appends one entry to buf (cap bytes) at *used.
 * -ENOSPC when it does not fit. */
int xl_sr_xenstore_add(uint8_t *buf, size_t cap, size_t *used, const char *path,
                       const char *value, uint32_t value_len);

/* ---- reading ------------------------------------------------------------ */

struct xl_sr_reader {
    int fd;
    uint32_t flags;             /* from the file header */
    uint64_t records, pages, bytes;
    uint32_t chain_crc;
    bool ended;
    uint8_t *buf;               /* one record body, XL_SR_MAX_BODY bytes */
};

struct xl_sr_record {
    uint32_t type;
    uint32_t len;
    const uint8_t *body;        /* inside the reader's buffer until the next read */
};

/* Reads and checks the file header. 0, or -errno with err: "not a Xenolith
 * save image", "version 7 (this xl reads version 1)", "truncated" ... */
int xl_sr_read_header(struct xl_sr_reader *r, int fd, char *err, size_t errlen);
/* Reads the next record and checks its header, length and CRC; for END,
 * that the counts and the chain match (a dropped or reordered record is
 * refused there). 0, or -errno with err naming the record. */
int xl_sr_read_record(struct xl_sr_reader *r, struct xl_sr_record *rec, char *err, size_t errlen);
void xl_sr_reader_free(struct xl_sr_reader *r);

/* A PAGES body, checked: every entry page-aligned, below fd_size, with its
 * data present. *entry points into the body; data for the k-th entry that
 * has data is at *data + k * XL_SR_PAGE. 0, or -EINVAL with err. */
int xl_sr_parse_pages(const struct xl_sr_record *rec, uint64_t fd_size, unsigned *count,
                      const uint64_t **entry, const uint8_t **data, char *err, size_t errlen);

/* Walks a XENSTORE body: calls fn for each entry (path NUL-terminated,
 * value with its length, NUL-terminated too). Checks every length first:
 * -EINVAL with err for a malformed body, before any call. */
int xl_sr_parse_xenstore(const struct xl_sr_record *rec,
                         int (*fn)(const char *path, const char *value, uint32_t len, void *arg),
                         void *arg, char *err, size_t errlen);

/* Reads exactly n bytes (short read at EOF: -EPIPE); writes all of them. */
int xl_sr_read_full(int fd, void *buf, size_t n);
int xl_sr_write_full(int fd, const void *buf, size_t n);

#endif
