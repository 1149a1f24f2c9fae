/*
 * image.h - the backing store of one vbd: a raw image file or a host block
 * device (xenstore `params`), opened once per device at probe.
 *
 * O_DIRECT where the store allows it, so guest data moves between the
 * disk and the guest's granted pages with no copy in Dom0's page cache.
 * Where O_DIRECT cannot be opened (tmpfs, some network filesystems), the
 * image is opened buffered and every request goes through the page cache;
 * flush requests then really matter, and blkback still fdatasyncs.
 * A request whose memory or offset is not aligned to the store's direct-I/O
 * alignment (statx STATX_DIOALIGN, else the logical block size) uses a
 * second, buffered descriptor of the same file.
 *
 * Not thread-specific: the descriptors are shared read-only by every queue
 * thread of the device after probe.
 */
#ifndef BLKBACK_IMAGE_H
#define BLKBACK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blk_image {
    int fd;                 /* O_DIRECT if direct, else buffered */
    int buf_fd;             /* buffered; == fd when !direct */
    bool direct;
    bool readonly;
    bool blockdev;          /* S_ISBLK: "phy" */
    uint64_t size;          /* bytes */
    uint32_t dio_mem_align; /* direct I/O alignment of memory ... */
    uint32_t dio_off_align; /* ... and of offsets and lengths */
    uint32_t phys_sector;   /* physical-sector-size to report */
    uint32_t discard_gran;  /* discard-granularity: the filesystem block */
};

/* Opens path (read-only if readonly). 0, or -errno with why filled
 * ("/x.img: No such file or directory"). */
int blk_image_open(const char *path, bool readonly, struct blk_image *img, char *why,
                   size_t whylen);
void blk_image_close(struct blk_image *img);

/* The open(2) blk_image_open uses: a seam for the unit tests, which make
 * O_DIRECT fail as a filesystem without it does (tmpfs has O_DIRECT since
 * Linux 6.6, so there is no such filesystem at hand to test with). */
extern int (*blk_image_open_fn)(const char *path, int flags, ...);

/* The descriptor for a transfer: the direct one when every piece is aligned. */
int blk_image_fd_for(const struct blk_image *img, bool aligned);

#endif
