/*
 * xl_saverestore.c - xl save and xl restore (docs/save-format.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libxl/restore.h"
#include "libxl/save.h"
#include "xl.h"

/* Options first, as xl's getopt does; returns the first operand index or
 * -1 after printing usage. */
static int parse_flag_p(int argc, char **argv, bool *paused)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt(argc, argv, "+p")) != -1) {
        if (c != 'p') {
            fprintf(stderr, "xl %s: unknown option '%s'\n", argv[0], argv[optind - 1]);
            return -1;
        }
        *paused = true;
    }
    return optind;
}

int main_save(int argc, char **argv)
{
    const char *cmd = argv[0];
    bool paused = false;
    int i = parse_flag_p(argc, argv, &paused);
    if (i < 0 || argc - i != 2)
        return xl_usage(cmd);
    const char *file = argv[i + 1];
    struct xc *xc = xl_connect(cmd);
    if (!xc)
        return 1;
    uint32_t domid;
    if (xl_find_domain(xc, cmd, argv[i], false, &domid) < 0) {
        xc_close(xc);
        return 1;
    }
    /* A temporary beside the target, renamed at the end: a failed save
     * leaves no half image and keeps an older one intact. */
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.partial-%d", file, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        xc_close(xc);
        return xl_fail(cmd, "cannot write '%s': %s", file, strerror(e));
    }
    char err[512] = "";
    int rc = libxl_domain_save(xc, domid, fd, paused, false, err, sizeof(err));
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
        snprintf(err, sizeof(err), "closing the image: %s", strerror(errno));
    }
    if (rc == 0 && rename(tmp, file) < 0) {
        rc = -errno;
        snprintf(err, sizeof(err), "renaming the image to '%s': %s", file, strerror(errno));
    }
    xc_close(xc);
    if (rc < 0) {
        unlink(tmp);
        return xl_fail(cmd, "domain '%s' not saved: %s", argv[i], err);
    }
    return 0;
}

int main_restore(int argc, char **argv)
{
    const char *cmd = argv[0];
    bool paused = false;
    int i = parse_flag_p(argc, argv, &paused);
    if (i < 0 || argc - i != 1)
        return xl_usage(cmd);
    const char *file = argv[i];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xl_fail(cmd, "cannot open '%s': %s", file, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return xl_fail(cmd, "'%s' is not a regular file", file);
    }
    struct xc *xc = xl_connect(cmd);
    if (!xc) {
        close(fd);
        return 1;
    }
    struct libxl_restore_args a = {.fd = fd, .paused = paused, .total_bytes = (uint64_t)st.st_size,
                                   .label = "Restoring"};
    uint32_t domid = 0;
    char name[XLCTL_NAME_MAX] = "", err[512] = "";
    int rc = libxl_domain_restore(xc, &a, &domid, name, err, sizeof(err));
    close(fd);
    xc_close(xc);
    if (rc < 0)
        return xl_fail(cmd, "'%s' not restored: %s", file, err);
    printf("Domain '%s' restored as domain %u\n", name, domid);
    return 0;
}
