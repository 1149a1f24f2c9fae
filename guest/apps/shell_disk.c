/*
 * shell_disk.c - the shell's disk commands (see shell_disk.h).
 */
#include "shell_disk.h"

#include <xenbus_device.h>

#include "blkfront.h"
#include "kernel/lib.h"

#define SECTOR 512u

static struct blk_dev *disk;
static void *sector_buf;

void shell_disk_init(void)
{
    uint32_t devid;
    if (blk_first_devid(&devid) < 0 || blk_open(devid, &disk) < 0) {
        disk = 0;
        return;
    }
    sector_buf = blk_alloc_buffer(disk, SECTOR);
    if (!sector_buf) {
        blk_close(disk);
        disk = 0;
    }
}

static void describe(const struct blk_info *i)
{
    printf("vbd %u: %llu sectors (%llu MiB), %s%s%s\n", i->devid, (unsigned long long)i->sectors,
           (unsigned long long)(i->sectors * SECTOR >> 20), i->readonly ? "read-only" : "read-write",
           i->flush ? ", flush" : "", i->discard ? ", discard" : "");
}

void shell_disk_info(void)
{
    if (disk)
        describe(blk_get_info(disk));
    else
        printf("disk: none\n");
}

/* Disks attached after boot (xl block-attach) are opened when `disk`
 * first sees them: the frontend half of a hot-plugged device. */
#define MAX_DISKS 8
static struct blk_dev *others[MAX_DISKS];

static struct blk_dev *opened(uint32_t devid)
{
    if (disk && blk_get_info(disk)->devid == devid)
        return disk;
    for (unsigned i = 0; i < MAX_DISKS; i++)
        if (others[i] && blk_get_info(others[i])->devid == devid)
            return others[i];
    return 0;
}

static struct blk_dev *open_new(uint32_t devid)
{
    for (unsigned i = 0; i < MAX_DISKS; i++) {
        if (others[i])
            continue;
        int rc = blk_open(devid, &others[i]);
        if (rc < 0) {
            others[i] = 0;
            printf("vbd %u: cannot connect: %d\n", devid, rc);
        }
        return others[i];
    }
    return 0;
}

void shell_disk_list(void)
{
    uint32_t ids[MAX_DISKS];
    int n = xenbus_device_list("vbd", ids, MAX_DISKS);
    if (n <= 0) {
        printf("disk: this domain has no block device\n");
        return;
    }
    for (int i = 0; i < n; i++) {
        struct blk_dev *d = opened(ids[i]);
        if (!d)
            d = open_new(ids[i]);
        if (d)
            describe(blk_get_info(d));
    }
}

/* SECTOR within the disk, or prints why not. */
static bool sector_arg(const char *cmd, char **w, unsigned n, unsigned need, uint64_t *sector)
{
    if (!disk) {
        printf("%s: this domain has no block device\n", cmd);
        return false;
    }
    if (n < need || parse_u64(w[1], sector) < 0) {
        printf("%s: usage: %s\n", cmd, need == 2 ? "read SECTOR" : "write SECTOR TEXT");
        return false;
    }
    if (*sector >= blk_get_info(disk)->sectors) {
        printf("%s: sector %llu is past the end (%llu sectors)\n", cmd,
               (unsigned long long)*sector, (unsigned long long)blk_get_info(disk)->sectors);
        return false;
    }
    return true;
}

void shell_disk_read(char **w, unsigned n)
{
    uint64_t sector;
    if (!sector_arg("read", w, n, 2, &sector))
        return;
    int rc = blk_read(disk, sector, sector_buf, 1);
    if (rc < 0) {
        printf("read: sector %llu: error %d\n", (unsigned long long)sector, rc);
        return;
    }
    const uint8_t *b = sector_buf;
    for (unsigned row = 0; row < SECTOR; row += 32) {
        printf("%03x:", row);
        for (unsigned i = 0; i < 32; i++)
            printf("%s%02x", i % 4 ? "" : " ", b[row + i]);
        printf("\n");
    }
}

void shell_disk_write(const char *line, char **w, unsigned n)
{
    uint64_t sector;
    if (!sector_arg("write", w, n, 3, &sector))
        return;
    if (blk_get_info(disk)->readonly) {
        printf("write: the disk is read-only\n");
        return;
    }
    /* The text is the rest of the line after SECTOR, spaces included:
     * split() put NULs between the words, so rebuild it from w[2] on. */
    (void)line;
    memset(sector_buf, 0, SECTOR);
    char *out = sector_buf;
    size_t len = 0;
    for (unsigned i = 2; i < n && len < SECTOR - 1; i++) {
        size_t wl = strlen(w[i]);
        if (len + wl + (i > 2) >= SECTOR)
            break;
        if (i > 2)
            out[len++] = ' ';
        memcpy(out + len, w[i], wl);
        len += wl;
    }
    int rc = blk_write(disk, sector, sector_buf, 1);
    if (rc == 0 && blk_get_info(disk)->flush)
        rc = blk_flush(disk);
    if (rc < 0)
        printf("write: sector %llu: error %d\n", (unsigned long long)sector, rc);
    else
        printf("write: %zu bytes to sector %llu%s\n", len, (unsigned long long)sector,
               blk_get_info(disk)->flush ? ", flushed" : "");
}
