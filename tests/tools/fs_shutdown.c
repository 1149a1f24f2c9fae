/*
 * fs_shutdown.c - make a mounted filesystem fail like a dead disk.
 *
 * Usage: fs_shutdown PATH   (any file or directory on the filesystem)
 *
 * Issues the shutdown ioctl that ext4 (EXT4_IOC_SHUTDOWN) and XFS
 * (XFS_IOC_GOINGDOWN) share, with "no log flush": from then on every
 * read, write, fsync and open on that filesystem fails with EIO, even
 * through descriptors opened before, until it is unmounted. This is what
 * the fault tests use for "the storage under an image went away": the
 * kernel here has no device-mapper (no dm 'error' target), and a
 * shutdown is the same thing seen from a process holding the image open.
 * xfs_io -x -c shutdown does the same, but xfsprogs is not installed.
 *
 * Exit status 0 when the filesystem was shut down, 1 with a message
 * naming the path and the reason otherwise (not root, not ext4/XFS).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* _IOR('X', 125, __u32) in both filesystems' headers; not in the uapi. */
#define FS_SHUTDOWN_IOCTL _IOR('X', 125, uint32_t)
#define FS_SHUTDOWN_NOLOGFLUSH 2u /* as a power cut: no journal flush */

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fs_shutdown PATH\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "fs_shutdown: cannot open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    uint32_t flags = FS_SHUTDOWN_NOLOGFLUSH;
    if (ioctl(fd, FS_SHUTDOWN_IOCTL, &flags) < 0) {
        fprintf(stderr, "fs_shutdown: cannot shut down the filesystem of %s: %s\n", argv[1],
                strerror(errno));
        close(fd);
        return 1;
    }
    close(fd);
    return 0;
}
