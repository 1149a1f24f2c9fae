/*
 * build.h - the domain builder: from a parsed kernel ELF to a paused domain
 * ready to run, through a foreign mapping of its memory (as Xen's
 * libxenguest does). Loads the kernel, lays out start info and the initial
 * page tables for the chosen boot path (include/xenolith/boot.h), and sets
 * the boot vCPU over the control socket.
 */
#ifndef XL_BUILD_H
#define XL_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "elf.h"

struct xc;

enum xl_boot_path { XL_BOOT_PATH_PV64 = 1, XL_BOOT_PATH_PVH32 = 2 };

struct xl_build_args {
    uint32_t domid;
    const struct xl_elf_image *kernel;
    enum xl_boot_path path;
    const char *cmdline;          /* may be NULL */
    uint32_t store_evtchn;        /* for start_info (PV64) */
    uint32_t console_evtchn;
};

/*
 * Builds the domain. 0, or -errno with err set to a user-facing reason,
 * e.g. "kernel needs 3 MiB but the domain has 2 MiB of low memory".
 */
int xl_build_domain(struct xc *xc, const struct xl_build_args *args, char *err, size_t errlen);

#endif
