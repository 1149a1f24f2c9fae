/*
 * config.h - xl.cfg(5) domain configuration files.
 *
 * `xl create FILE KEY=VALUE...` reads FILE, then applies each KEY=VALUE as
 * one more line of configuration, and hands the result to the domain
 * builder. This module turns that text into a struct xl_domain_config and
 * nothing else: it does not touch the hypervisor and opens only FILE.
 *
 * Syntax (libxlu's): `KEY = VALUE` statements separated by newlines or
 * ';', '#' comments to the end of the line. VALUE is a "double" or
 * 'single' quoted string (escapes \" \' \\ \n \t \r \a \b \f \v \xHH, as
 * libxlu, in both quote styles), a number (decimal or 0x hex), or a list
 * [ v, v, ... ] that may span lines, nest (8 deep at most), and end with a
 * comma (1024 items at most). A key given twice: the last one wins, as in
 * xl, but every assignment must be valid on its own.
 *
 * Stricter than xl where xl would guess: a number key takes an unquoted
 * number ("memory = \"256\"" is an error), a string key a quoted string,
 * and a number with a leading 0 is refused because xl reads it as octal.
 * "type" is matched without case, as libxl does; action keywords exactly.
 *
 * Unlike xl, a key this module does not know is an error, and so is a key
 * that Xen knows but Xenolith does not implement yet ("key 'vtpm' is not
 * supported yet"): a guest never boots silently without something its file
 * asked for.
 *
 * Errors are one line, no trailing newline, naming where and what:
 *   "hello.cfg:3: unknown key 'foo'"
 *   "hello.cfg:4: memory: 'abc' is not a number of MiB"
 *   "hello.cfg: missing required key 'kernel'"
 *   "hello.cfg: cannot read: No such file or directory"
 *   "command line:2: vcpus: 64 is out of range (1..32)"
 * Command-line overrides are named "command line", and their "line" is the
 * override's position (1 = first KEY=VALUE). Quoted values in messages are
 * escaped (\n, \xNN) and cut at 48 bytes, so a message stays one line.
 *
 * All functions are reentrant; they keep no state between calls.
 */
#ifndef XENOLITH_DOM0_CONFIG_H
#define XENOLITH_DOM0_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device_spec.h"

enum xl_guest_type {
    XL_TYPE_AUTO = 0,   /* no "type": the builder picks from the kernel's notes */
    XL_TYPE_PV,
    XL_TYPE_PVH,
};

#define XL_CONFIG_MEMORY_MAX_MIB (1024u * 1024u) /* 1 TiB */
#define XL_CONFIG_FILE_MAX       (1024u * 1024u) /* bytes; larger files are refused */

struct xl_domain_config {
    char name[64];            /* required; [A-Za-z0-9_.-]{1,63}, not all digits, not "Domain-0" */
    uint64_t memory_mib;      /* "memory", default 128, 1..XL_CONFIG_MEMORY_MAX_MIB */
    uint32_t vcpus;           /* "vcpus", default 1, 1..XLCTL_MAX_VCPUS: online at boot */
    uint32_t max_vcpus;       /* "maxvcpus", 0 (not given: vcpus) or vcpus..XLCTL_MAX_VCPUS:
                                 the domain has this many, xl vcpu-set brings them up */
    char kernel[PATH_MAX];    /* "kernel", required; absolute (see below) */
    char cmdline[1024];       /* "cmdline", else "root=<root> <extra>" as xl builds it */
    enum xl_guest_type type;  /* "type" = "pv" | "pvh" */
    uint8_t on_poweroff, on_reboot, on_crash; /* enum xlctl_action; defaults destroy, restart, destroy */
    uint8_t uuid[16];         /* "uuid" = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
    bool has_uuid;
    uint32_t max_grant_frames; /* "max_grant_frames", 1..XLCTL_GNTTAB_MAX_FRAMES;
                                  0 (not given): the hypervisor's default, 64 */
    struct xl_disk disks[XL_MAX_DISKS]; /* "disk" = [ 'spec', ... ] (device_spec.h); a relative
                                            target is resolved as the kernel is */
    unsigned n_disks;
    struct xl_vif vifs[XL_MAX_VIFS];    /* "vif" = [ 'spec', ... ]; devids 0, 1, ... */
    unsigned n_vifs;
    char memory_origin[160];  /* "<source>:<line>" where memory was set, "" if defaulted:
                                 lets a later refusal (host too small) point at the line */
};

/* Fill cfg with xl's defaults: nothing named, 128 MiB, 1 vCPU, no kernel. */
void xl_config_init(struct xl_domain_config *cfg);

/*
 * Parse the file `path`, then apply the `n_overrides` strings "KEY=VALUE"
 * in `overrides` (each is parsed as one more config line, source "command
 * line"), then check that the required keys are there.
 *
 * A relative kernel path from the file is resolved against the file's
 * directory; one from an override against the current directory. Either
 * way cfg->kernel ends up absolute. The file may be at most
 * XL_CONFIG_FILE_MAX bytes.
 *
 * Return values:
 *   0    cfg holds the configuration (xl_config_init() defaults for keys
 *        not given).
 *   -1   err holds a one-line message (see the top of this file); cfg is
 *        untouched.
 * err may be NULL or errlen 0 if the caller does not want the message.
 */
int xl_config_parse_file(const char *path, char *const *overrides, int n_overrides,
                         struct xl_domain_config *cfg, char *err, size_t errlen);

/*
 * Same as xl_config_parse_file() on the `len` bytes at `text` (which need
 * not be NUL-terminated and may contain NUL bytes, which are errors).
 * `source` names the text in messages; `base_dir` resolves relative kernel
 * paths (NULL: the current directory). No overrides.
 */
int xl_config_parse_text(const char *text, size_t len, const char *source, const char *base_dir,
                         struct xl_domain_config *cfg, char *err, size_t errlen);

/* "destroy", "restart" or "preserve" for an enum xlctl_action; "unknown" otherwise. */
const char *xl_action_name(uint8_t action);

/* Every key xl.cfg(5) documents, in table order: doc is NULL for a key
 * Xenolith refuses as not supported yet; what names the value it takes.
 * The man page xl.cfg(5) is generated from this (xl help --man xl.cfg.5). */
void xl_config_each_key(void (*fn)(const char *name, const char *what, const char *doc, void *arg),
                        void *arg);

#endif /* XENOLITH_DOM0_CONFIG_H */
