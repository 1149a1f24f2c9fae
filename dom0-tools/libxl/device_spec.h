/*
 * device_spec.h - the text of one disk or vif, as xl.cfg(5)'s `disk = [...]`
 * and `vif = [...]` items and `xl block-attach` / `xl network-attach`
 * arguments write it (Xen's xl-disk-configuration.txt and
 * xl-network-configuration.txt), turned into a struct. Both the config
 * parser and xl's attach commands use it. Pure: touches no file.
 *
 * Disk: comma-separated; KEY=VALUE items
 *     target=PATH (must come last: the rest of the text is the path),
 *     format=raw, vdev=xvdX[N], access=r|ro|w|rw, devtype=disk|cdrom,
 *     backendtype=phy|qdisk, discard|no-discard, script=..(refused)
 *   or positional items in xl's order [target],[format],[vdev],[access],
 *   where a positional item after the target is recognised by its form
 *   (a format name, an access mode, else a vdev), so the legacy
 *   "phy:/dev/vg/lv,xvda,w" reads as xl reads it. Target prefixes phy:,
 *   file:, aio:, tap:aio: are dropped. Defaults: raw, rw, disk.
 *   Only format raw is served (qcow2 etc. are refused by name).
 * Vif: comma-separated KEY=VALUE: mac=xx:xx:xx:xx:xx:xx, bridge=NAME
 *   (default "xenbr0"; "tap:NAME" also joins host TAP device NAME), ip=A.B.C.D[/N],
 *   vifname=NAME, type=vif, model=..., script=... (accepted, unused).
 *
 * Errors: one line naming the item ("disk: vdev 'xvd0' is not a Xen virtual
 * device name (xvda, xvdb1 ...)"), no trailing newline.
 */
#ifndef XL_DEVICE_SPEC_H
#define XL_DEVICE_SPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XL_MAX_DISKS 16
#define XL_MAX_VIFS  8

struct xl_disk {
    char target[PATH_MAX];    /* the image file or block device, as given */
    char vdev[16];            /* "xvda" */
    uint32_t devid;           /* Xen's virtual-device number for vdev (51712 for xvda) */
    bool readonly;            /* access=r */
    bool cdrom;               /* devtype=cdrom (implies read-only) */
    bool discard;             /* discard-enable; default on */
};

struct xl_vif {
    uint8_t mac[6];
    bool has_mac;             /* else the toolstack picks 00:16:3e:xx:xx:xx */
    char bridge[64];          /* "xenbr0" by default */
    char ip[20];              /* "10.0.0.2" or "10.0.0.2/24", "" if none */
    char vifname[32];
    uint32_t devid;           /* assigned by position: 0, 1, ... */
};

/* 0, or -1 with why (one line). */
int xl_disk_parse(const char *spec, struct xl_disk *out, char *why, size_t whylen);
int xl_vif_parse(const char *spec, struct xl_vif *out, char *why, size_t whylen);

/*
 * The spec text that parses back to the same struct: for a disk
 * "vdev=xvda,access=rw,devtype=disk,discard,target=PATH" (target last, as
 * the parser wants); for a vif "mac=..,bridge=..[,ip=..][,vifname=..]".
 * Save images and migration streams carry a domain's devices this way.
 * 0, or -1 when out[cap] is too small.
 */
int xl_disk_format(const struct xl_disk *d, char *out, size_t cap);
int xl_vif_format(const struct xl_vif *v, char *out, size_t cap);

/* Xen's virtual-device number for a vdev name (xvda=51712, xvdb1=51729,
 * xvdq=268439552 ...), or -1 when the name is not one. Also takes a bare number. */
int64_t xl_vdev_to_devid(const char *vdev);

/* "aa:bb:cc:dd:ee:ff" into out[18]. */
void xl_mac_text(const uint8_t mac[6], char out[18]);

#endif
