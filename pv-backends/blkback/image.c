/*
 * image.c - opening a vbd's backing store (see image.h).
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int (*blk_image_open_fn)(const char *path, int flags, ...) = open;

int blk_image_open(const char *path, bool readonly, struct blk_image *img, char *why,
                   size_t whylen)
{
    int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    memset(img, 0, sizeof(*img));
    img->fd = img->buf_fd = -1;
    img->readonly = readonly;
    int buf_fd = blk_image_open_fn(path, flags);
    if (buf_fd < 0) {
        int e = errno;
        snprintf(why, whylen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(buf_fd, &st) < 0) {
        int e = errno;
        snprintf(why, whylen, "%s: %s", path, strerror(e));
        close(buf_fd);
        return -e;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(why, whylen, "%s: neither a regular file nor a block device", path);
        close(buf_fd);
        return -EINVAL;
    }
    img->blockdev = S_ISBLK(st.st_mode);
    if (img->blockdev) {
        uint64_t bytes = 0;
        if (ioctl(buf_fd, BLKGETSIZE64, &bytes) < 0) {
            int e = errno;
            snprintf(why, whylen, "%s: BLKGETSIZE64: %s", path, strerror(e));
            close(buf_fd);
            return -e;
        }
        img->size = bytes;
        int lbs = 512, pbs = 512;
        ioctl(buf_fd, BLKSSZGET, &lbs);
        ioctl(buf_fd, BLKPBSZGET, &pbs);
        img->dio_mem_align = img->dio_off_align = (uint32_t)lbs;
        img->phys_sector = (uint32_t)pbs;
        img->discard_gran = (uint32_t)pbs;
    } else {
        img->size = (uint64_t)st.st_size;
        img->dio_mem_align = img->dio_off_align = 512;
        img->phys_sector = 512;
        img->discard_gran = st.st_blksize > 0 ? (uint32_t)st.st_blksize : 4096;
#ifdef STATX_DIOALIGN
        struct statx sx;
        if (statx(buf_fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
            (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align) {
            img->dio_mem_align = sx.stx_dio_mem_align;
            img->dio_off_align = sx.stx_dio_offset_align;
        }
#endif
    }
    img->size &= ~511ull; /* whole sectors only */
    int dfd = blk_image_open_fn(path, flags | O_DIRECT);
    if (dfd >= 0) {
        img->fd = dfd;
        img->buf_fd = buf_fd;
        img->direct = true;
    } else {
        img->fd = img->buf_fd = buf_fd; /* e.g. tmpfs: EINVAL */
        img->direct = false;
    }
    return 0;
}

void blk_image_close(struct blk_image *img)
{
    if (img->fd >= 0)
        close(img->fd);
    if (img->buf_fd >= 0 && img->buf_fd != img->fd)
        close(img->buf_fd);
    img->fd = img->buf_fd = -1;
}

int blk_image_fd_for(const struct blk_image *img, bool aligned)
{
    return (img->direct && aligned) ? img->fd : img->buf_fd;
}
