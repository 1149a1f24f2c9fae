/*
 * elf.h - reading a Xen guest kernel (ELF) for the domain builder.
 *
 * The builder reads the kernel file named by the config into memory, calls
 * xl_elf_parse() to learn where it goes and how it boots, maps the guest's
 * RAM, and calls xl_elf_load() to copy it in. The file is hostile until
 * parsed: every offset, size and count in it is checked against the file
 * and for overflow before use, and a bad one is an error naming it.
 *
 * What makes a Xen guest (shared/docs/xen-abi.md 1.1): ELF notes named
 * "Xen" in PT_NOTE segments, or in SHT_NOTE sections when the file has no
 * PT_NOTE. XEN_ELFNOTE_PHYS32_ENTRY makes it PVH-bootable;
 * XEN_ELFNOTE_ENTRY gives the 64-bit entry (include/xenolith/boot.h). Each
 * PT_LOAD segment is loaded at its p_paddr (0 is fine: Mini-OS is linked
 * there), its bss zeroed.
 *
 * Neither function keeps state; both may be called from any thread.
 */
#ifndef XENOLITH_DOM0_ELF_H
#define XENOLITH_DOM0_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XL_ELF_MAX_SEGMENTS 16

struct xl_elf_segment {
    uint64_t paddr, vaddr;  /* p_paddr, p_vaddr */
    uint64_t offset;        /* p_offset: data at image->data + offset */
    uint64_t filesz;        /* bytes copied from the file */
    uint64_t memsz;         /* >= filesz, > 0; the rest is bss, zeroed */
    uint32_t flags;         /* PF_R | PF_W | PF_X */
};

struct xl_elf_image {
    const uint8_t *data; size_t size;   /* the file, not owned */
    bool is64;                          /* ELFCLASS64 (EM_X86_64) or ELFCLASS32 (EM_386) */
    bool has_entry64; uint64_t entry64; /* XEN_ELFNOTE_ENTRY (virtual address) */
    bool has_phys32;  uint32_t phys32_entry; /* XEN_ELFNOTE_PHYS32_ENTRY */
    uint64_t virt_base;                 /* XEN_ELFNOTE_VIRT_BASE or 0 */
    char guest_os[32];                  /* XEN_ELFNOTE_GUEST_OS, "" if none; cut at 31 bytes */
    unsigned nsegs;                     /* PT_LOAD segments with p_memsz > 0, file order */
    struct xl_elf_segment segs[XL_ELF_MAX_SEGMENTS];
    uint64_t paddr_lo, paddr_hi;        /* lowest paddr, highest paddr + memsz */
};

/*
 * Parse and check the ELF file at data[0, size) (which must stay valid
 * while img is used) into img.
 *
 * Accepted: little-endian ET_EXEC, ELFCLASS64 with EM_X86_64 or ELFCLASS32
 * with EM_386, 1..XL_ELF_MAX_SEGMENTS non-empty PT_LOAD segments each
 * inside the file with p_filesz <= p_memsz and no address wrap-around, and
 * a "Xen" note giving XEN_ELFNOTE_ENTRY or XEN_ELFNOTE_PHYS32_ENTRY (4- or
 * 8-byte value) that points into a loadable segment (by p_vaddr for ENTRY,
 * p_paddr for PHYS32_ENTRY). Notes of other owners are skipped.
 *
 * Return values:
 *   0        img is filled in.
 *   -EINVAL  err holds why, e.g. "not an ELF file", "ELF program header 3
 *            outside the file", "segment 1 file size exceeds memory size",
 *            "not a Xen guest: no XEN_ELFNOTE_ENTRY or
 *            XEN_ELFNOTE_PHYS32_ENTRY note". "segment N" counts PT_LOAD
 *            segments from 0; "program header N" and "section N" are
 *            indexes in the file's tables.
 */
int xl_elf_parse(const void *data, size_t size, struct xl_elf_image *img, char *err, size_t errlen);

/*
 * Copy each segment of a parsed image into guest RAM at its paddr and zero
 * its bss. map(ctx, gpa, len) returns a host pointer to the len bytes of
 * guest memory at gpa, or NULL if [gpa, gpa + len) is not all RAM.
 *
 * Return values:
 *   0        every segment is loaded.
 *   -EFAULT  map() refused a segment: err is "segment N at 0x... (size
 *            0x...) is outside guest RAM". Segments before it are loaded.
 *   -EINVAL  img was not filled by xl_elf_parse().
 */
int xl_elf_load(const struct xl_elf_image *img, void *(*map)(void *ctx, uint64_t gpa, uint64_t len),
                void *ctx, char *err, size_t errlen);

#endif /* XENOLITH_DOM0_ELF_H */
