/*
 * tests/fuzz/device_spec - the disk and vif spec parsers
 * (dom0-tools/libxl/device_spec.c), which read config list items and `xl
 * block-attach` / `xl network-attach` arguments.
 *
 * Input: byte 0 picks the parser (even: disk, odd: vif); the rest, cut at
 * the first NUL, is the spec. xl_vdev_to_devid() gets the same text.
 * Invariants (abort() = a finding): 0 or -1 only; -1 leaves a one-line,
 * non-empty message; 0 leaves every string terminated, a disk's devid
 * equal to xl_vdev_to_devid(vdev), and a vif's ip no longer than its field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/device_spec.h"

static void check_terminated(const char *s, size_t size)
{
    if (!memchr(s, '\0', size))
        abort();
}

static void check_error(int rc, const char *why, size_t size)
{
    if (rc == 0)
        return;
    if (rc != -1)
        abort();
    check_terminated(why, size);
    if (why[0] == '\0' || strchr(why, '\n'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *spec = malloc(size); /* exactly the spec and its NUL */
    if (!spec)
        abort();
    memcpy(spec, data + 1, size - 1);
    spec[size - 1] = '\0';
    char why[200];
    memset(why, 0x5a, sizeof(why));
    if (data[0] & 1) {
        static struct xl_vif vif;
        memset(&vif, 0x5a, sizeof(vif));
        int rc = xl_vif_parse(spec, &vif, why, sizeof(why));
        check_error(rc, why, sizeof(why));
        if (rc == 0) {
            check_terminated(vif.bridge, sizeof(vif.bridge));
            check_terminated(vif.ip, sizeof(vif.ip));
            check_terminated(vif.vifname, sizeof(vif.vifname));
        }
    } else {
        static struct xl_disk disk;
        memset(&disk, 0x5a, sizeof(disk));
        int rc = xl_disk_parse(spec, &disk, why, sizeof(why));
        check_error(rc, why, sizeof(why));
        if (rc == 0) {
            check_terminated(disk.target, sizeof(disk.target));
            check_terminated(disk.vdev, sizeof(disk.vdev));
            if (xl_vdev_to_devid(disk.vdev) != (int64_t)disk.devid)
                abort();
        }
    }
    int64_t id = xl_vdev_to_devid(spec);
    if (id < -1)
        abort();
    free(spec);
    return 0;
}
