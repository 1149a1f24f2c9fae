/*
 * elf.c - parse and load Xen guest kernels (ELF32/ELF64, x86).
 *
 * Workload: one kernel per domain build, from a few hundred KiB (Mini-OS,
 * our guest) to tens of MiB (a Linux vmlinux), read whole into memory by
 * the builder. A file is parsed once and loaded once, so the code checks
 * everything and optimises nothing.
 *
 * The file is untrusted: it may come from a guest image or a download.
 * Every field is copied out of the buffer with memcpy (the buffer need not
 * be aligned) and every offset/size pair is checked with in_file(), which
 * cannot overflow, before the bytes it names are touched.
 *
 * The order of the checks is the order a reader of the file would meet
 * the problems: identity, header, program headers and segments, notes
 * (program headers first, sections only if there are no PT_NOTE), and
 * last whether the notes make it a Xen guest.
 */
#include <elf.h>        /* glibc's: the ELF structs */
#include "elf.h"        /* ours */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xenolith/xen.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "fields of a little-endian ELF file are read in host order");

/* The header fields we use, from either class. */
struct ehdr {
    uint16_t type, machine;
    uint64_t phoff, shoff;
    uint16_t phentsize, phnum, shentsize, shnum;
};

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct shdr {
    uint32_t type;
    uint64_t offset, size, align;
};

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* [off, off + len) lies inside the file. Written so that it cannot overflow. */
static bool in_file(const struct xl_elf_image *img, uint64_t off, uint64_t len)
{
    return off <= img->size && len <= img->size - off;
}

/* Caller checked that the header is inside the file. */
static void read_ehdr(const struct xl_elf_image *img, struct ehdr *h)
{
    if (img->is64) {
        Elf64_Ehdr e;

        memcpy(&e, img->data, sizeof(e));
        *h = (struct ehdr){ e.e_type, e.e_machine, e.e_phoff, e.e_shoff,
                            e.e_phentsize, e.e_phnum, e.e_shentsize, e.e_shnum };
    } else {
        Elf32_Ehdr e;

        memcpy(&e, img->data, sizeof(e));
        *h = (struct ehdr){ e.e_type, e.e_machine, e.e_phoff, e.e_shoff,
                            e.e_phentsize, e.e_phnum, e.e_shentsize, e.e_shnum };
    }
}

/* Program header i; caller checked that it is inside the file. */
static void read_phdr(const struct xl_elf_image *img, const struct ehdr *h, unsigned i,
                      struct phdr *p)
{
    const uint8_t *src = img->data + h->phoff + (uint64_t)i * h->phentsize;

    if (img->is64) {
        Elf64_Phdr e;

        memcpy(&e, src, sizeof(e));
        *p = (struct phdr){ e.p_type, e.p_flags, e.p_offset, e.p_vaddr, e.p_paddr,
                            e.p_filesz, e.p_memsz, e.p_align };
    } else {
        Elf32_Phdr e;

        memcpy(&e, src, sizeof(e));
        *p = (struct phdr){ e.p_type, e.p_flags, e.p_offset, e.p_vaddr, e.p_paddr,
                            e.p_filesz, e.p_memsz, e.p_align };
    }
}

/* Section header i; caller checked that it is inside the file. */
static void read_shdr(const struct xl_elf_image *img, const struct ehdr *h, unsigned i,
                      struct shdr *s)
{
    const uint8_t *src = img->data + h->shoff + (uint64_t)i * h->shentsize;

    if (img->is64) {
        Elf64_Shdr e;

        memcpy(&e, src, sizeof(e));
        *s = (struct shdr){ e.sh_type, e.sh_offset, e.sh_size, e.sh_addralign };
    } else {
        Elf32_Shdr e;

        memcpy(&e, src, sizeof(e));
        *s = (struct shdr){ e.sh_type, e.sh_offset, e.sh_size, e.sh_addralign };
    }
}

/* e_ident, then the rest of the ELF header. */
static int parse_header(struct xl_elf_image *img, struct ehdr *h, char *err, size_t errlen)
{
    const uint8_t *id = img->data;
    size_t want;

    if (img->size < SELFMAG || memcmp(id, ELFMAG, SELFMAG))
        return fail(err, errlen, "not an ELF file");
    if (img->size < EI_NIDENT)
        return fail(err, errlen, "ELF header truncated");
    if (id[EI_CLASS] != ELFCLASS64 && id[EI_CLASS] != ELFCLASS32)
        return fail(err, errlen, "unsupported ELF class %u", id[EI_CLASS]);
    if (id[EI_DATA] != ELFDATA2LSB)
        return fail(err, errlen, "not a little-endian ELF file");
    if (id[EI_VERSION] != EV_CURRENT)
        return fail(err, errlen, "unsupported ELF version %u", id[EI_VERSION]);

    img->is64 = id[EI_CLASS] == ELFCLASS64;
    want = img->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (img->size < want)
        return fail(err, errlen, "ELF header truncated");
    read_ehdr(img, h);

    if (h->type != ET_EXEC)
        return fail(err, errlen, "not an executable ELF file (e_type %u)", h->type);
    if (img->is64 && h->machine != EM_X86_64)
        return fail(err, errlen, "ELF machine %u is not x86-64", h->machine);
    if (!img->is64 && h->machine != EM_386)
        return fail(err, errlen, "ELF machine %u is not i386", h->machine);
    return 0;
}

/* Program header i is inside the file, or an error naming it. */
static int check_phdr(const struct xl_elf_image *img, const struct ehdr *h, unsigned i,
                      char *err, size_t errlen)
{
    if (!in_file(img, h->phoff, (uint64_t)(i + 1) * h->phentsize))
        return fail(err, errlen, "ELF program header %u outside the file", i);
    return 0;
}

/* The PT_LOAD segments into img->segs. */
static int parse_segments(struct xl_elf_image *img, const struct ehdr *h, char *err, size_t errlen)
{
    size_t want = img->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    struct xl_elf_segment *s;
    struct phdr p;
    unsigned i, n;

    if (h->phnum == 0)
        return fail(err, errlen, "no program headers");
    if (h->phnum == PN_XNUM)
        return fail(err, errlen, "extended program header count (PN_XNUM) is not supported");
    if (h->phentsize != want)
        return fail(err, errlen, "ELF program header size %u (expected %zu)", h->phentsize, want);

    img->paddr_lo = UINT64_MAX;
    for (i = 0; i < h->phnum; i++) {
        if (check_phdr(img, h, i, err, errlen))
            return -EINVAL;
        read_phdr(img, h, i, &p);
        if (p.type != PT_LOAD)
            continue;

        n = img->nsegs;
        if (p.filesz > p.memsz)
            return fail(err, errlen, "segment %u file size exceeds memory size", n);
        if (!in_file(img, p.offset, p.filesz))
            return fail(err, errlen, "segment %u data outside the file", n);
        if (p.memsz > UINT64_MAX - p.paddr)
            return fail(err, errlen, "segment %u at paddr 0x%" PRIx64 " wraps around the address space",
                        n, p.paddr);
        if (p.memsz > UINT64_MAX - p.vaddr)
            return fail(err, errlen, "segment %u at vaddr 0x%" PRIx64 " wraps around the address space",
                        n, p.vaddr);
        if (p.memsz == 0)
            continue;       /* nothing to load */
        if (n == XL_ELF_MAX_SEGMENTS)
            return fail(err, errlen, "more than %d loadable segments", XL_ELF_MAX_SEGMENTS);

        s = &img->segs[img->nsegs++];
        *s = (struct xl_elf_segment){ p.paddr, p.vaddr, p.offset, p.filesz, p.memsz, p.flags };
        if (s->paddr < img->paddr_lo)
            img->paddr_lo = s->paddr;
        if (s->paddr + s->memsz > img->paddr_hi)
            img->paddr_hi = s->paddr + s->memsz;
    }
    if (img->nsegs == 0)
        return fail(err, errlen, "no loadable segments");
    return 0;
}

/* A numeric note: 4 or 8 bytes (Xen's libelf accepts both). */
static bool note_number(const uint8_t *desc, uint32_t descsz, uint64_t *v)
{
    uint32_t v32;

    if (descsz == 4) {
        memcpy(&v32, desc, 4);
        *v = v32;
        return true;
    }
    if (descsz == 8) {
        memcpy(v, desc, 8);
        return true;
    }
    return false;
}

/* One note named "Xen". Notes we have no use for are skipped, as Xen does. */
static int xen_note(struct xl_elf_image *img, uint32_t type, const uint8_t *desc, uint32_t descsz,
                    char *err, size_t errlen)
{
    uint64_t v;
    size_t n;

    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        if (!note_number(desc, descsz, &v))
            return fail(err, errlen, "XEN_ELFNOTE_ENTRY has a %u-byte value (expected 4 or 8)", descsz);
        img->has_entry64 = true;
        img->entry64 = v;
        break;
    case XEN_ELFNOTE_PHYS32_ENTRY:
        if (!note_number(desc, descsz, &v))
            return fail(err, errlen, "XEN_ELFNOTE_PHYS32_ENTRY has a %u-byte value (expected 4 or 8)",
                        descsz);
        if (v > UINT32_MAX)
            return fail(err, errlen, "XEN_ELFNOTE_PHYS32_ENTRY 0x%" PRIx64 " is above 4 GiB", v);
        img->has_phys32 = true;
        img->phys32_entry = (uint32_t)v;
        break;
    case XEN_ELFNOTE_VIRT_BASE:
        if (!note_number(desc, descsz, &v))
            return fail(err, errlen, "XEN_ELFNOTE_VIRT_BASE has a %u-byte value (expected 4 or 8)",
                        descsz);
        img->virt_base = v;
        break;
    case XEN_ELFNOTE_GUEST_OS:
        n = descsz < sizeof(img->guest_os) - 1 ? descsz : sizeof(img->guest_os) - 1;
        memcpy(img->guest_os, desc, n);
        img->guest_os[n] = '\0';
        break;
    default:
        break;
    }
    return 0;
}

/*
 * The notes in base[0, len), which is inside the file. Each is a 12-byte
 * header (namesz, descsz, type), the name and the descriptor, each padded
 * to 4 bytes (8 in a note area aligned to 8, as GNU property notes are).
 * `where` names the area in messages: "program header 3", "section 5".
 */
static int parse_note_area(struct xl_elf_image *img, const uint8_t *base, uint64_t len,
                           uint64_t align, const char *where, char *err, size_t errlen)
{
    uint64_t a = align == 8 ? 8 : 4;
    uint64_t off = 0, name_off, desc_off, padded;
    uint32_t namesz, descsz, type;
    unsigned n;
    int rc;

    for (n = 0; off < len; n++) {
        if (len - off < 12)
            return fail(err, errlen, "ELF note %u in %s is truncated", n, where);
        memcpy(&namesz, base + off, 4);
        memcpy(&descsz, base + off + 4, 4);
        memcpy(&type, base + off + 8, 4);

        name_off = off + 12;
        padded = ((uint64_t)namesz + a - 1) & ~(a - 1);
        if (padded > len - name_off)
            return fail(err, errlen, "ELF note %u in %s: name runs past the end of its area", n, where);
        desc_off = name_off + padded;
        if (descsz > len - desc_off)
            return fail(err, errlen, "ELF note %u in %s: descriptor runs past the end of its area",
                        n, where);

        if (namesz == 4 && !memcmp(base + name_off, "Xen", 4)) {
            rc = xen_note(img, type, base + desc_off, descsz, err, errlen);
            if (rc)
                return rc;
        }

        padded = ((uint64_t)descsz + a - 1) & ~(a - 1);
        if (padded >= len - desc_off)
            break;          /* last note; its padding may be cut off */
        off = desc_off + padded;
    }
    return 0;
}

/* Notes from PT_NOTE segments, or from SHT_NOTE sections if there are none. */
static int parse_notes(struct xl_elf_image *img, const struct ehdr *h, char *err, size_t errlen)
{
    size_t want = img->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    bool have_pt_note = false;
    char where[48];
    struct phdr p;
    struct shdr s;
    unsigned i;
    int rc;

    for (i = 0; i < h->phnum; i++) {
        read_phdr(img, h, i, &p);   /* all checked by parse_segments() */
        if (p.type != PT_NOTE)
            continue;
        have_pt_note = true;
        if (!in_file(img, p.offset, p.filesz))
            return fail(err, errlen, "note segment (program header %u) outside the file", i);
        snprintf(where, sizeof(where), "program header %u", i);
        rc = parse_note_area(img, img->data + p.offset, p.filesz, p.align, where, err, errlen);
        if (rc)
            return rc;
    }
    if (have_pt_note)
        return 0;

    /* xen-abi.md 1.1: the PVH note may be in a section only. */
    if (h->shoff == 0 || h->shnum == 0)
        return 0;
    if (h->shentsize != want)
        return fail(err, errlen, "ELF section header size %u (expected %zu)", h->shentsize, want);
    for (i = 0; i < h->shnum; i++) {
        if (!in_file(img, h->shoff, (uint64_t)(i + 1) * h->shentsize))
            return fail(err, errlen, "ELF section header %u outside the file", i);
        read_shdr(img, h, i, &s);
        if (s.type != SHT_NOTE)
            continue;
        if (!in_file(img, s.offset, s.size))
            return fail(err, errlen, "note section %u outside the file", i);
        snprintf(where, sizeof(where), "section %u", i);
        rc = parse_note_area(img, img->data + s.offset, s.size, s.align, where, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* Whether addr is inside a segment, by paddr or by vaddr. */
static bool in_segment(const struct xl_elf_image *img, uint64_t addr, bool physical)
{
    unsigned i;

    for (i = 0; i < img->nsegs; i++) {
        uint64_t start = physical ? img->segs[i].paddr : img->segs[i].vaddr;

        if (addr >= start && addr - start < img->segs[i].memsz)
            return true;
    }
    return false;
}

/* The notes make it a bootable Xen guest: an entry point that lands in the image. */
static int check_entries(const struct xl_elf_image *img, char *err, size_t errlen)
{
    if (!img->has_entry64 && !img->has_phys32)
        return fail(err, errlen,
                    "not a Xen guest: no XEN_ELFNOTE_ENTRY or XEN_ELFNOTE_PHYS32_ENTRY note");
    if (img->has_phys32 && !in_segment(img, img->phys32_entry, true))
        return fail(err, errlen, "XEN_ELFNOTE_PHYS32_ENTRY 0x%" PRIx32 " is outside every loadable segment",
                    img->phys32_entry);
    if (img->has_entry64 && !in_segment(img, img->entry64, false))
        return fail(err, errlen, "XEN_ELFNOTE_ENTRY 0x%" PRIx64 " is outside every loadable segment",
                    img->entry64);
    return 0;
}

int xl_elf_parse(const void *data, size_t size, struct xl_elf_image *img, char *err, size_t errlen)
{
    struct ehdr h = { 0 };
    int rc;

    memset(img, 0, sizeof(*img));
    img->data = data;
    img->size = data ? size : 0;
    if (err && errlen)
        err[0] = '\0';

    rc = parse_header(img, &h, err, errlen);
    if (!rc)
        rc = parse_segments(img, &h, err, errlen);
    if (!rc)
        rc = parse_notes(img, &h, err, errlen);
    if (!rc)
        rc = check_entries(img, err, errlen);
    return rc;
}

int xl_elf_load(const struct xl_elf_image *img, void *(*map)(void *ctx, uint64_t gpa, uint64_t len),
                void *ctx, char *err, size_t errlen)
{
    const struct xl_elf_segment *s;
    uint8_t *dst;
    unsigned i;

    if (!img || !map || img->nsegs > XL_ELF_MAX_SEGMENTS)
        return fail(err, errlen, "not a parsed ELF image");
    for (i = 0; i < img->nsegs; i++) {
        s = &img->segs[i];
        /* Cheap, and keeps a hand-built image from reading past the file. */
        if (s->filesz > s->memsz || !in_file(img, s->offset, s->filesz))
            return fail(err, errlen, "segment %u is not a parsed segment", i);

        dst = map(ctx, s->paddr, s->memsz);
        if (!dst) {
            fail(err, errlen, "segment %u at 0x%" PRIx64 " (size 0x%" PRIx64 ") is outside guest RAM",
                 i, s->paddr, s->memsz);
            return -EFAULT;
        }
        memcpy(dst, img->data + s->offset, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    return 0;
}
