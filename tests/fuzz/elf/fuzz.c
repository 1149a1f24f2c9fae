/*
 * tests/fuzz/elf - the domain builder's ELF reader
 * (dom0-tools/builder/elf.c). A kernel file is whatever the config names:
 * the builder must refuse a bad one with a message, never crash or write
 * outside the guest's RAM.
 *
 * One input is one file. When it parses, it is loaded into a 16 MiB
 * "guest RAM" whose map callback refuses anything outside it, so every
 * write the loader makes is checked by ASan against that buffer.
 * Invariants (abort() = a finding): xl_elf_parse() returns 0 or -EINVAL;
 * on 0, 1..XL_ELF_MAX_SEGMENTS segments each inside the file with filesz
 * <= memsz, paddr_lo <= paddr_hi, an entry note, a terminated guest_os;
 * xl_elf_load() returns 0 or -EFAULT; every error message is terminated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder/elf.h"

#define RAM_BYTES (16u << 20)

struct ram {
    uint8_t *base;
    uint64_t size;
};

static void *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
    struct ram *r = ctx;
    if (gpa > r->size || len > r->size - gpa)
        return NULL;
    return r->base + gpa;
}

static void check_image(const struct xl_elf_image *img, size_t size)
{
    if (img->nsegs < 1 || img->nsegs > XL_ELF_MAX_SEGMENTS)
        abort();
    if (!img->has_entry64 && !img->has_phys32)
        abort();
    if (!memchr(img->guest_os, '\0', sizeof(img->guest_os)))
        abort();
    for (unsigned i = 0; i < img->nsegs; i++) {
        const struct xl_elf_segment *s = &img->segs[i];
        if (s->filesz > s->memsz || s->memsz == 0)
            abort();
        if (s->offset > size || s->filesz > size - s->offset)
            abort();
        if (s->paddr + s->memsz < s->paddr)
            abort();
    }
    if (img->paddr_lo > img->paddr_hi)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *ram_base;
    if (!ram_base && !(ram_base = malloc(RAM_BYTES)))
        abort();
    uint8_t *file = malloc(size ? size : 1); /* exactly size bytes for ASan */
    if (!file)
        abort();
    memcpy(file, data, size);
    struct xl_elf_image img;
    char err[160];
    memset(err, 0x5a, sizeof(err));
    int rc = xl_elf_parse(file, size, &img, err, sizeof(err));
    if (rc == 0) {
        check_image(&img, size);
        struct ram ram = {ram_base, RAM_BYTES};
        rc = xl_elf_load(&img, ram_map, &ram, err, sizeof(err));
        if (rc != 0 && rc != -EFAULT)
            abort();
    } else if (rc != -EINVAL) {
        abort();
    }
    if (rc != 0 && !memchr(err, '\0', sizeof(err)))
        abort();
    free(file);
    return 0;
}
