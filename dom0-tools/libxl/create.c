/*
 * create.c - domain creation from an xl config.
 */
#include "create.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/build.h"
#include "builder/elf.h"
#include "libxc/xc.h"
#include "xenolith/boot.h"
#include "xs_device.h"
#include "xs_domain.h"
#include <xenstore.h>
#include "xenolith/control.h"

#define KERNEL_MAX_BYTES (256u << 20)

struct kernel_file {
    uint8_t *data;
    size_t size;
};

static int read_kernel(const char *path, struct kernel_file *k, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "kernel '%s' %s: %s", path, e == ENOENT ? "not found" : "cannot be opened",
                 strerror(e));
        return -e;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "kernel '%s' is not a regular file", path);
        rc = -EINVAL;
    } else if (st.st_size > (off_t)KERNEL_MAX_BYTES) {
        snprintf(err, errlen, "kernel '%s' is larger than %u MiB", path, KERNEL_MAX_BYTES >> 20);
        rc = -EFBIG;
    }
    if (rc == 0) {
        k->size = (size_t)st.st_size;
        k->data = malloc(k->size ? k->size : 1);
        if (!k->data)
            rc = -ENOMEM;
        else if (pread(fd, k->data, k->size, 0) != (ssize_t)k->size) {
            snprintf(err, errlen, "kernel '%s' could not be read", path);
            rc = -EIO;
        }
    }
    close(fd);
    return rc;
}

static int pick_boot_path(const struct xl_domain_config *cfg, const struct xl_elf_image *img,
                          enum xl_boot_path *path, char *err, size_t errlen)
{
    bool pv_ok = img->is64 && img->has_entry64;
    if (cfg->type == XL_TYPE_PV || (cfg->type == XL_TYPE_AUTO && pv_ok)) {
        if (!pv_ok) {
            snprintf(err, errlen, "kernel '%s' has no 64-bit XEN_ELFNOTE_ENTRY for type=\"pv\"",
                     cfg->kernel);
            return -EINVAL;
        }
        if (img->virt_base != 0) {
            snprintf(err, errlen, "kernel '%s' wants virt_base 0x%llx; only 1:1-linked PV kernels "
                     "are supported (use type=\"pvh\")", cfg->kernel,
                     (unsigned long long)img->virt_base);
            return -EINVAL;
        }
        *path = XL_BOOT_PATH_PV64;
        return 0;
    }
    if (!img->has_phys32) {
        snprintf(err, errlen, "kernel '%s' has no XEN_ELFNOTE_PHYS32_ENTRY for type=\"pvh\"",
                 cfg->kernel);
        return -EINVAL;
    }
    *path = XL_BOOT_PATH_PVH32;
    return 0;
}

/* Room the builder needs after the kernel: start info, page tables, stack. */
#define BOOT_DATA_BYTES (64u << 10)

static int check_kernel_fits(const struct xl_domain_config *cfg, const struct xl_elf_image *img,
                             char *err, size_t errlen)
{
    uint64_t need = img->paddr_hi + BOOT_DATA_BYTES;
    uint64_t need_mib = (need + (1u << 20) - 1) >> 20;
    if (cfg->memory_mib >= need_mib)
        return 0;
    snprintf(err, errlen, "%s%smemory=%llu MiB is too small for kernel '%s' (it needs at least %llu MiB)",
             cfg->memory_origin, cfg->memory_origin[0] ? ": " : "",
             (unsigned long long)cfg->memory_mib, cfg->kernel, (unsigned long long)need_mib);
    return -EINVAL;
}

static void fill_request(const struct xl_domain_config *cfg, struct xlctl_domain_create *req)
{
    memset(req, 0, sizeof(*req));
    snprintf(req->name, sizeof(req->name), "%s", cfg->name);
    if (cfg->has_uuid)
        memcpy(req->uuid, cfg->uuid, sizeof(req->uuid));
    else {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (read(fd, req->uuid, sizeof(req->uuid)) != (ssize_t)sizeof(req->uuid))
                memset(req->uuid, 0, sizeof(req->uuid));
            close(fd);
        }
        req->uuid[6] = (uint8_t)((req->uuid[6] & 0x0f) | 0x40); /* version 4 */
        req->uuid[8] = (uint8_t)((req->uuid[8] & 0x3f) | 0x80);
    }
    req->memory_kib = cfg->memory_mib * 1024;
    req->vcpus = cfg->max_vcpus ? cfg->max_vcpus : cfg->vcpus;
    req->on_poweroff = cfg->on_poweroff;
    req->on_reboot = cfg->on_reboot;
    req->on_crash = cfg->on_crash;
    req->max_grant_frames = cfg->max_grant_frames;
}

/*
 * The domain's xenstore nodes and XS_INTRODUCE. A stack without xenstored
 * (it is a supervised service; it may be down) still boots guests that do
 * not need it, as with Xen's xenstored-less test setups: logged, not fatal.
 */
static int xenstore_entries(const struct xl_domain_config *cfg, const struct xlctl_domain_create *req,
                            const struct xlctl_domain_created *created, enum xl_boot_path path,
                            char *why, size_t whylen)
{
    struct xs_domain_info info = {
        .domid = created->domid,
        .type = path == XL_BOOT_PATH_PVH32 ? "pvh" : "pv",
        .uuid = req->uuid,
        .store_evtchn = created->store_evtchn,
        .console_evtchn = created->console_evtchn,
        .store_gfn = XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE,
        .console_gfn = XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE,
    };
    int rc = xs_domain_create(cfg, &info, why, whylen);
    if (rc == -ENOENT) {
        fprintf(stderr, "xl: warning: domain %u has no xenstore entries: %s\n", created->domid, why);
        return 0;
    }
    return rc;
}

int libxl_check_disk(const struct xl_disk *d, char *err, size_t errlen)
{
    if (access(d->target, F_OK) < 0) {
        snprintf(err, errlen, "disk '%s' not found: %s", d->target, strerror(errno));
        return -errno;
    }
    if (access(d->target, d->readonly ? R_OK : R_OK | W_OK) < 0) {
        snprintf(err, errlen, "disk '%s' cannot be opened %s: %s", d->target,
                 d->readonly ? "for reading" : "for reading and writing", strerror(errno));
        return -errno;
    }
    return 0;
}

int libxl_check_disks(const struct xl_disk *disks, unsigned n, char *err, size_t errlen)
{
    for (unsigned i = 0; i < n; i++) {
        int rc = libxl_check_disk(&disks[i], err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int libxl_devices_add(uint32_t domid, const struct xl_disk *disks, unsigned n_disks,
                      const struct xl_vif *vifs, unsigned n_vifs, char *err, size_t errlen)
{
    if (!n_disks && !n_vifs)
        return 0;
    struct xs_handle *xs = xs_open(0);
    if (!xs) {
        snprintf(err, errlen, "devices need xenstored, which does not answer: %s", strerror(errno));
        return -ENOENT;
    }
    int rc = 0;
    for (unsigned i = 0; i < n_disks && rc == 0; i++)
        rc = xs_device_add_disk(xs, domid, &disks[i], err, errlen);
    for (unsigned i = 0; i < n_vifs && rc == 0; i++)
        rc = xs_device_add_vif(xs, domid, &vifs[i], err, errlen);
    xs_close(xs);
    return rc;
}

int libxl_domain_create(struct xc *xc, const struct xl_domain_config *cfg, bool paused,
                        uint32_t *domid, char *err, size_t errlen)
{
    struct kernel_file k = {0};
    struct xl_elf_image img;
    char why[512];
    enum xl_boot_path path;
    int rc = read_kernel(cfg->kernel, &k, err, errlen);
    if (rc < 0)
        goto out;
    rc = xl_elf_parse(k.data, k.size, &img, why, sizeof(why));
    if (rc < 0) {
        snprintf(err, errlen, "kernel '%s' is not a Xen guest ELF: %s", cfg->kernel, why);
        goto out;
    }
    rc = pick_boot_path(cfg, &img, &path, err, errlen);
    if (rc == 0)
        rc = check_kernel_fits(cfg, &img, err, errlen);
    if (rc == 0)
        rc = libxl_check_disks(cfg->disks, cfg->n_disks, err, errlen);
    if (rc < 0)
        goto out;

    struct xlctl_domain_create req;
    fill_request(cfg, &req);
    why[0] = '\0';
    struct xlctl_domain_created created;
    rc = xc_domain_create(xc, &req, &created, why, sizeof(why));
    if (rc == 0)
        *domid = created.domid;
    if (rc == -ENOMEM && cfg->memory_origin[0]) {
        snprintf(err, errlen, "%s: memory=%llu: %s", cfg->memory_origin,
                 (unsigned long long)cfg->memory_mib, why);
        goto out;
    }
    if (rc < 0) {
        snprintf(err, errlen, "domain '%s' not created: %s", cfg->name, why[0] ? why : strerror(-rc));
        goto out;
    }
    struct xl_build_args args = {.domid = *domid, .kernel = &img, .path = path, .cmdline = cfg->cmdline,
                                 .store_evtchn = created.store_evtchn,
                                 .console_evtchn = created.console_evtchn};
    rc = xl_build_domain(xc, &args, why, sizeof(why));
    if (rc == 0)
        rc = xenstore_entries(cfg, &req, &created, path, why, sizeof(why));
    if (rc == 0)
        rc = libxl_devices_add(*domid, cfg->disks, cfg->n_disks, cfg->vifs, cfg->n_vifs, why,
                               sizeof(why));
    if (rc == 0 && !paused) {
        rc = xc_domain_unpause(xc, *domid);
        if (rc < 0)
            snprintf(why, sizeof(why), "unpausing: %s", strerror(-rc));
    }
    if (rc < 0) {
        snprintf(err, errlen, "domain '%s' not built: %s", cfg->name, why);
        xc_domain_destroy(xc, *domid); /* the daemon removes its xenstore nodes */
    }
out:
    free(k.data);
    return rc;
}
