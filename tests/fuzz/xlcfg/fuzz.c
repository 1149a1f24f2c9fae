/*
 * tests/fuzz/xlcfg - the xl.cfg parser (dom0-tools/libxl/config.c): a
 * config file is user input, and a file handed around (an example, a
 * generated config) must never crash xl.
 *
 * One input is one file's text. Invariants (abort() = a finding):
 *   - the result is 0 or -1, nothing else;
 *   - on -1 the message is one line: NUL-terminated inside the buffer,
 *     no newline, not empty;
 *   - on 0 the configuration keeps its documented ranges: a valid name,
 *     memory 1..XL_CONFIG_MEMORY_MAX_MIB, vcpus 1..XLCTL_MAX_VCPUS, an
 *     absolute kernel path, disk and vif counts within their arrays, every
 *     string terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/config.h"
#include "xenolith/control.h"

static void check_terminated(const char *s, size_t size)
{
    if (!memchr(s, '\0', size))
        abort();
}

static void check_config(const struct xl_domain_config *cfg)
{
    check_terminated(cfg->name, sizeof(cfg->name));
    check_terminated(cfg->kernel, sizeof(cfg->kernel));
    check_terminated(cfg->cmdline, sizeof(cfg->cmdline));
    if (cfg->name[0] == '\0' || strcmp(cfg->name, "Domain-0") == 0)
        abort();
    if (cfg->memory_mib < 1 || cfg->memory_mib > XL_CONFIG_MEMORY_MAX_MIB)
        abort();
    if (cfg->vcpus < 1 || cfg->vcpus > XLCTL_MAX_VCPUS)
        abort();
    if (cfg->kernel[0] != '/')
        abort();
    if (cfg->n_disks > XL_MAX_DISKS || cfg->n_vifs > XL_MAX_VIFS)
        abort();
    for (unsigned i = 0; i < cfg->n_disks; i++) {
        check_terminated(cfg->disks[i].target, sizeof(cfg->disks[i].target));
        check_terminated(cfg->disks[i].vdev, sizeof(cfg->disks[i].vdev));
    }
    for (unsigned i = 0; i < cfg->n_vifs; i++) {
        check_terminated(cfg->vifs[i].bridge, sizeof(cfg->vifs[i].bridge));
        check_terminated(cfg->vifs[i].ip, sizeof(cfg->vifs[i].ip));
        check_terminated(cfg->vifs[i].vifname, sizeof(cfg->vifs[i].vifname));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xl_domain_config cfg;
    char err[256];
    memset(err, 0x5a, sizeof(err));
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    char *text = malloc(size ? size : 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    xl_config_init(&cfg);
    int rc = xl_config_parse_text(text, size, "fuzz.cfg", "/fuzz", &cfg, err, sizeof(err));
    free(text);
    if (rc == 0) {
        check_config(&cfg);
    } else if (rc == -1) {
        check_terminated(err, sizeof(err));
        if (err[0] == '\0' || strchr(err, '\n'))
            abort();
    } else {
        abort();
    }
    return 0;
}
