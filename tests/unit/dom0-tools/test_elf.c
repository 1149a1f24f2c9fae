/*
 * test_elf.c - the kernel loader as the domain builder sees it: good
 * ELF64/ELF32 Xen guests parse to the right entry points and segments and
 * load byte for byte; each kind of broken or hostile file is refused with
 * its own message. Images are built in memory, field by field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../dom0-tools/builder/elf.h"
#include "xenolith/xen.h"

/*
 * Layout of every test image:
 *   0x0000  ELF header
 *   0x0040  program headers: PT_LOAD, then PT_NOTE (unless notes are in a section)
 *   0x0200  notes: a GNU build-id, then Xen's GUEST_OS, VIRT_BASE, ENTRY, PHYS32_ENTRY
 *   0x1000  segment data, LOAD_FILESZ bytes; LOAD_MEMSZ in memory (the rest bss)
 *   0x1800  section headers (null, SHT_NOTE) when notes are in a section
 */
#define PH_OFF       0x40
#define NOTE_OFF     0x200
#define LOAD_OFF     0x1000
#define SH_OFF       0x1800
#define IMG_SIZE     (SH_OFF + 2 * sizeof(Elf64_Shdr))
#define LOAD_FILESZ  0x100
#define LOAD_MEMSZ   0x300
#define LOAD_PADDR   0x100000
#define VIRT_BASE64  0xffffffff80000000ull
#define VIRT_BASE32  0xc0000000u
#define ENTRY_OFF    0x10  /* ENTRY = vaddr + this */
#define PHYS32_OFF   0x20  /* PHYS32_ENTRY = paddr + this */
#define RAM_SIZE     (2u << 20)

enum notes_at { NOTES_IN_SEGMENT, NOTES_IN_SECTION, NO_XEN_NOTES };

struct image {
    uint8_t b[IMG_SIZE];
    size_t size;
    bool is64;
    uint64_t notes_len;
};

static char err[256];

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + 1);
}

static uint64_t vaddr_of(bool is64)
{
    return (is64 ? VIRT_BASE64 : VIRT_BASE32) + LOAD_PADDR;
}

/* One note at `at`; returns its padded size. */
static size_t put_note(uint8_t *at, const char *name, uint32_t type, const void *desc, uint32_t descsz)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;
    size_t off = 12 + ((namesz + 3) & ~3u);

    memcpy(at, &namesz, 4);
    memcpy(at + 4, &descsz, 4);
    memcpy(at + 8, &type, 4);
    memcpy(at + 12, name, namesz);
    memcpy(at + off, desc, descsz);
    return off + ((descsz + 3) & ~3u);
}

static size_t put_notes(const struct image *im, uint8_t *at, bool xen)
{
    static const uint8_t build_id[16] = { 1, 2, 3, 4 };
    uint64_t entry = vaddr_of(im->is64) + ENTRY_OFF, base = im->is64 ? VIRT_BASE64 : VIRT_BASE32;
    uint32_t entry32 = (uint32_t)entry, base32 = (uint32_t)base, phys32 = LOAD_PADDR + PHYS32_OFF;
    size_t n = 0;

    n += put_note(at + n, "GNU", NT_GNU_BUILD_ID, build_id, sizeof(build_id));
    if (!xen)
        return n;
    n += put_note(at + n, "Xen", XEN_ELFNOTE_GUEST_OS, "Xenolith", 9);
    /* Numeric notes are 8 bytes in the ELF64 image, 4 in the ELF32 one. */
    if (im->is64) {
        n += put_note(at + n, "Xen", XEN_ELFNOTE_VIRT_BASE, &base, 8);
        n += put_note(at + n, "Xen", XEN_ELFNOTE_ENTRY, &entry, 8);
    } else {
        n += put_note(at + n, "Xen", XEN_ELFNOTE_VIRT_BASE, &base32, 4);
        n += put_note(at + n, "Xen", XEN_ELFNOTE_ENTRY, &entry32, 4);
    }
    n += put_note(at + n, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &phys32, 4);
    return n;
}

static void build64(struct image *im, enum notes_at where)
{
    bool in_section = where == NOTES_IN_SECTION;
    Elf64_Ehdr eh = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
        .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
        .e_entry = vaddr_of(true), .e_phoff = PH_OFF, .e_shoff = in_section ? SH_OFF : 0,
        .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = in_section ? 1 : 2, .e_shentsize = sizeof(Elf64_Shdr),
        .e_shnum = in_section ? 2 : 0,
    };
    Elf64_Phdr ph[2] = {
        { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = LOAD_OFF,
          .p_vaddr = vaddr_of(true), .p_paddr = LOAD_PADDR, .p_filesz = LOAD_FILESZ,
          .p_memsz = LOAD_MEMSZ, .p_align = 0x1000 },
        { .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = NOTE_OFF, .p_filesz = im->notes_len,
          .p_memsz = im->notes_len, .p_align = 4 },
    };
    Elf64_Shdr sh[2] = {
        { 0 },
        { .sh_type = SHT_NOTE, .sh_offset = NOTE_OFF, .sh_size = im->notes_len, .sh_addralign = 4 },
    };

    memcpy(im->b, &eh, sizeof(eh));
    memcpy(im->b + PH_OFF, ph, eh.e_phnum * sizeof(ph[0]));
    if (in_section)
        memcpy(im->b + SH_OFF, sh, sizeof(sh));
}

static void build32(struct image *im, enum notes_at where)
{
    bool in_section = where == NOTES_IN_SECTION;
    Elf32_Ehdr eh = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB, EV_CURRENT },
        .e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
        .e_entry = (uint32_t)vaddr_of(false), .e_phoff = PH_OFF, .e_shoff = in_section ? SH_OFF : 0,
        .e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr),
        .e_phnum = in_section ? 1 : 2, .e_shentsize = sizeof(Elf32_Shdr),
        .e_shnum = in_section ? 2 : 0,
    };
    Elf32_Phdr ph[2] = {
        { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = LOAD_OFF,
          .p_vaddr = (uint32_t)vaddr_of(false), .p_paddr = LOAD_PADDR, .p_filesz = LOAD_FILESZ,
          .p_memsz = LOAD_MEMSZ, .p_align = 0x1000 },
        { .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = NOTE_OFF,
          .p_filesz = (uint32_t)im->notes_len, .p_memsz = (uint32_t)im->notes_len, .p_align = 4 },
    };
    Elf32_Shdr sh[2] = {
        { 0 },
        { .sh_type = SHT_NOTE, .sh_offset = NOTE_OFF, .sh_size = (uint32_t)im->notes_len,
          .sh_addralign = 4 },
    };

    memcpy(im->b, &eh, sizeof(eh));
    memcpy(im->b + PH_OFF, ph, eh.e_phnum * sizeof(ph[0]));
    if (in_section)
        memcpy(im->b + SH_OFF, sh, sizeof(sh));
}

static void build(struct image *im, bool is64, enum notes_at where)
{
    size_t i;

    memset(im, 0, sizeof(*im));
    im->is64 = is64;
    im->size = IMG_SIZE;
    im->notes_len = put_notes(im, im->b + NOTE_OFF, where != NO_XEN_NOTES);
    for (i = 0; i < LOAD_FILESZ; i++)
        im->b[LOAD_OFF + i] = pattern(i);
    if (is64)
        build64(im, where);
    else
        build32(im, where);
}

/* Read-modify-write of headers in the image (memcpy: the bytes are not a struct). */
static Elf64_Ehdr get_eh(const struct image *im)
{
    Elf64_Ehdr e;

    memcpy(&e, im->b, sizeof(e));
    return e;
}

static void put_eh(struct image *im, Elf64_Ehdr e)
{
    memcpy(im->b, &e, sizeof(e));
}

static Elf64_Phdr get_ph(const struct image *im, unsigned i)
{
    Elf64_Phdr p;

    memcpy(&p, im->b + PH_OFF + i * sizeof(p), sizeof(p));
    return p;
}

static void put_ph(struct image *im, unsigned i, Elf64_Phdr p)
{
    memcpy(im->b + PH_OFF + i * sizeof(p), &p, sizeof(p));
}

static void put_u32(struct image *im, size_t off, uint32_t v)
{
    memcpy(im->b + off, &v, 4);
}

static int parse(const struct image *im, struct xl_elf_image *img)
{
    return xl_elf_parse(im->b, im->size, img, err, sizeof(err));
}

static void expect_error(const struct image *im, const char *message)
{
    struct xl_elf_image img;
    int rc = parse(im, &img);

    if (rc != -EINVAL || strcmp(err, message))
        fail_msg("rc %d\n got: %s\nwant: %s", rc, err, message);
}

struct ram {
    uint8_t *mem;
    uint64_t size;
};

static void *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
    struct ram *r = ctx;

    if (gpa > r->size || len > r->size - gpa)
        return NULL;
    return r->mem + gpa;
}

static void ram_init(struct ram *r, uint64_t size)
{
    r->size = size;
    r->mem = malloc(size);
    assert_non_null(r->mem);
    memset(r->mem, 0xaa, size);
}

/* ---- Good images ---- */

static void elf64_notes_in_segment_parse(void **state)
{
    struct image im;
    struct xl_elf_image img;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    assert_int_equal(parse(&im, &img), 0);
    assert_true(img.is64);
    assert_true(img.has_entry64);
    assert_int_equal(img.entry64, vaddr_of(true) + ENTRY_OFF);
    assert_true(img.has_phys32);
    assert_int_equal(img.phys32_entry, LOAD_PADDR + PHYS32_OFF);
    assert_int_equal(img.virt_base, VIRT_BASE64);
    assert_string_equal(img.guest_os, "Xenolith");
    assert_int_equal(img.nsegs, 1);
    assert_int_equal(img.segs[0].paddr, LOAD_PADDR);
    assert_int_equal(img.segs[0].vaddr, vaddr_of(true));
    assert_int_equal(img.segs[0].offset, LOAD_OFF);
    assert_int_equal(img.segs[0].filesz, LOAD_FILESZ);
    assert_int_equal(img.segs[0].memsz, LOAD_MEMSZ);
    assert_int_equal(img.segs[0].flags, PF_R | PF_W | PF_X);
    assert_int_equal(img.paddr_lo, LOAD_PADDR);
    assert_int_equal(img.paddr_hi, LOAD_PADDR + LOAD_MEMSZ);
}

static void elf32_notes_in_segment_parse(void **state)
{
    struct image im;
    struct xl_elf_image img;
    (void)state;

    build(&im, false, NOTES_IN_SEGMENT);
    assert_int_equal(parse(&im, &img), 0);
    assert_false(img.is64);
    assert_true(img.has_entry64);
    assert_int_equal(img.entry64, vaddr_of(false) + ENTRY_OFF);
    assert_int_equal(img.phys32_entry, LOAD_PADDR + PHYS32_OFF);
    assert_int_equal(img.virt_base, VIRT_BASE32);
    assert_string_equal(img.guest_os, "Xenolith");
    assert_int_equal(img.nsegs, 1);
    assert_int_equal(img.segs[0].memsz, LOAD_MEMSZ);
}

static void notes_only_in_a_section_are_found(void **state)
{
    struct image im;
    struct xl_elf_image img;
    bool is64;
    (void)state;

    for (is64 = false; ; is64 = true) {
        build(&im, is64, NOTES_IN_SECTION);
        assert_int_equal(parse(&im, &img), 0);
        assert_true(img.has_phys32);
        assert_int_equal(img.phys32_entry, LOAD_PADDR + PHYS32_OFF);
        assert_string_equal(img.guest_os, "Xenolith");
        if (is64)
            break;
    }
}

static void sections_are_ignored_when_there_is_a_pt_note(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    (void)state;

    /* Section variant, plus a PT_NOTE over only the GNU note. */
    build(&im, true, NOTES_IN_SECTION);
    ph = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFF, .p_filesz = 32, .p_align = 4 };
    put_ph(&im, 1, ph);
    eh = get_eh(&im);
    eh.e_phnum = 2;
    put_eh(&im, eh);
    expect_error(&im, "not a Xen guest: no XEN_ELFNOTE_ENTRY or XEN_ELFNOTE_PHYS32_ENTRY note");
}

static void paddr_zero_is_accepted(void **state)
{
    struct image im;
    struct xl_elf_image img;
    Elf64_Phdr ph;
    uint32_t phys32 = PHYS32_OFF;
    (void)state;

    /* Mini-OS is linked at 0. Note 4 is PHYS32_ENTRY; its value is at +20. */
    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 0);
    ph.p_paddr = 0;
    put_ph(&im, 0, ph);
    memcpy(im.b + NOTE_OFF + im.notes_len - 4, &phys32, 4);
    assert_int_equal(parse(&im, &img), 0);
    assert_int_equal(img.paddr_lo, 0);
    assert_int_equal(img.phys32_entry, PHYS32_OFF);
}

/* ---- Loading ---- */

static void load_copies_data_and_zeroes_bss(bool is64)
{
    struct image im;
    struct xl_elf_image img;
    struct ram ram;
    size_t i;

    build(&im, is64, NOTES_IN_SEGMENT);
    assert_int_equal(parse(&im, &img), 0);
    ram_init(&ram, RAM_SIZE);
    assert_int_equal(xl_elf_load(&img, ram_map, &ram, err, sizeof(err)), 0);
    for (i = 0; i < LOAD_FILESZ; i++)
        assert_int_equal(ram.mem[LOAD_PADDR + i], pattern(i));
    for (; i < LOAD_MEMSZ; i++)
        assert_int_equal(ram.mem[LOAD_PADDR + i], 0);
    assert_int_equal(ram.mem[LOAD_PADDR - 1], 0xaa);
    assert_int_equal(ram.mem[LOAD_PADDR + LOAD_MEMSZ], 0xaa);
    free(ram.mem);
}

static void elf64_loads_data_and_zeroed_bss(void **state)
{
    (void)state;
    load_copies_data_and_zeroes_bss(true);
}

static void elf32_loads_data_and_zeroed_bss(void **state)
{
    (void)state;
    load_copies_data_and_zeroes_bss(false);
}

static void segment_outside_ram_fails_to_load(void **state)
{
    struct image im;
    struct xl_elf_image img;
    struct ram ram;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    assert_int_equal(parse(&im, &img), 0);
    ram_init(&ram, LOAD_PADDR + LOAD_MEMSZ - 1);
    assert_int_equal(xl_elf_load(&img, ram_map, &ram, err, sizeof(err)), -EFAULT);
    assert_string_equal(err, "segment 0 at 0x100000 (size 0x300) is outside guest RAM");
    free(ram.mem);
}

/* ---- Malformed files ---- */

static void bad_magic(void **state)
{
    struct image im;
    struct xl_elf_image img;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    im.b[1] = 'F';
    expect_error(&im, "not an ELF file");
    assert_int_equal(xl_elf_parse("\177EL", 3, &img, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "not an ELF file");
    assert_int_equal(xl_elf_parse(NULL, 100, &img, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "not an ELF file");
}

static void truncated_header(void **state)
{
    struct image im;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    im.size = sizeof(Elf64_Ehdr) - 1;
    expect_error(&im, "ELF header truncated");
}

static void wrong_class_endianness_or_machine(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    im.b[EI_CLASS] = 3;
    expect_error(&im, "unsupported ELF class 3");
    build(&im, true, NOTES_IN_SEGMENT);
    im.b[EI_DATA] = ELFDATA2MSB;
    expect_error(&im, "not a little-endian ELF file");
    build(&im, true, NOTES_IN_SEGMENT);
    eh = get_eh(&im);
    eh.e_machine = EM_AARCH64;
    put_eh(&im, eh);
    expect_error(&im, "ELF machine 183 is not x86-64");
    build(&im, true, NOTES_IN_SEGMENT);
    eh = get_eh(&im);
    eh.e_type = ET_DYN;
    put_eh(&im, eh);
    expect_error(&im, "not an executable ELF file (e_type 3)");
}

static void phoff_past_end_of_file(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    eh = get_eh(&im);
    eh.e_phoff = IMG_SIZE;
    put_eh(&im, eh);
    expect_error(&im, "ELF program header 0 outside the file");
}

static void phoff_that_overflows_when_added(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    eh = get_eh(&im);
    eh.e_phoff = UINT64_MAX - 8;
    put_eh(&im, eh);
    expect_error(&im, "ELF program header 0 outside the file");
}

static void phnum_larger_than_the_file(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    char want[64];
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    eh = get_eh(&im);
    eh.e_phnum = 0xfffe;
    put_eh(&im, eh);
    /* Headers 0 and 1 are real, the rest zero (PT_NULL) until the file ends. */
    snprintf(want, sizeof(want), "ELF program header %zu outside the file",
             (IMG_SIZE - PH_OFF) / sizeof(Elf64_Phdr));
    expect_error(&im, want);
}

static void program_header_size_must_match_class(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    eh = get_eh(&im);
    eh.e_phentsize = sizeof(Elf32_Phdr);
    put_eh(&im, eh);
    expect_error(&im, "ELF program header size 32 (expected 56)");
}

static void filesz_larger_than_memsz(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 0);
    ph.p_filesz = ph.p_memsz + 1;
    put_ph(&im, 0, ph);
    expect_error(&im, "segment 0 file size exceeds memory size");
}

static void segment_offset_that_overflows_when_added(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 0);
    ph.p_offset = UINT64_MAX - 0x10;
    put_ph(&im, 0, ph);
    expect_error(&im, "segment 0 data outside the file");
}

static void segment_data_past_end_of_file(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 0);
    ph.p_offset = IMG_SIZE - LOAD_FILESZ + 1;
    put_ph(&im, 0, ph);
    expect_error(&im, "segment 0 data outside the file");
}

static void segment_address_that_wraps(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 0);
    ph.p_paddr = UINT64_MAX - 0xff;
    put_ph(&im, 0, ph);
    expect_error(&im, "segment 0 at paddr 0xffffffffffffff00 wraps around the address space");
}

static void more_loadable_segments_than_supported(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    Elf64_Phdr load;
    unsigned i;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    load = get_ph(&im, 0);
    for (i = 0; i <= XL_ELF_MAX_SEGMENTS; i++)
        put_ph(&im, i, load);
    eh = get_eh(&im);
    eh.e_phnum = XL_ELF_MAX_SEGMENTS + 1;
    put_eh(&im, eh);
    expect_error(&im, "more than 16 loadable segments");
}

static void no_loadable_segment(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 0);
    ph.p_type = PT_NULL;
    put_ph(&im, 0, ph);
    expect_error(&im, "no loadable segments");
}

static void note_descsz_past_segment_end(void **state)
{
    struct image im;
    (void)state;

    /* Note 0 (GNU) takes 32 bytes; note 1's descsz is at 32 + 4. */
    build(&im, true, NOTES_IN_SEGMENT);
    put_u32(&im, NOTE_OFF + 32 + 4, 0x10000);
    expect_error(&im, "ELF note 1 in program header 1: descriptor runs past the end of its area");
}

static void note_descsz_that_overflows(void **state)
{
    struct image im;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    put_u32(&im, NOTE_OFF + 32 + 4, UINT32_MAX);
    expect_error(&im, "ELF note 1 in program header 1: descriptor runs past the end of its area");
}

static void note_namesz_past_segment_end(void **state)
{
    struct image im;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    put_u32(&im, NOTE_OFF, UINT32_MAX);
    expect_error(&im, "ELF note 0 in program header 1: name runs past the end of its area");
}

static void note_header_cut_short(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 1);
    ph.p_filesz = 32 + 5;
    put_ph(&im, 1, ph);
    expect_error(&im, "ELF note 1 in program header 1 is truncated");
}

static void note_segment_past_end_of_file(void **state)
{
    struct image im;
    Elf64_Phdr ph;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    ph = get_ph(&im, 1);
    ph.p_offset = UINT64_MAX;
    put_ph(&im, 1, ph);
    expect_error(&im, "note segment (program header 1) outside the file");
}

static void note_section_past_end_of_file(void **state)
{
    struct image im;
    (void)state;

    build(&im, true, NOTES_IN_SECTION);
    /* sh_size of section 1: section header at SH_OFF + 64, sh_size at +32. */
    memset(im.b + SH_OFF + 64 + 32, 0xff, 8);
    expect_error(&im, "note section 1 outside the file");
}

static void section_headers_past_end_of_file(void **state)
{
    struct image im;
    Elf64_Ehdr eh;
    (void)state;

    build(&im, true, NOTES_IN_SECTION);
    eh = get_eh(&im);
    eh.e_shnum = 3;
    put_eh(&im, eh);
    expect_error(&im, "ELF section header 2 outside the file");
}

static void missing_xen_notes(void **state)
{
    struct image im;
    (void)state;

    build(&im, true, NO_XEN_NOTES);
    expect_error(&im, "not a Xen guest: no XEN_ELFNOTE_ENTRY or XEN_ELFNOTE_PHYS32_ENTRY note");
    build(&im, false, NO_XEN_NOTES);
    expect_error(&im, "not a Xen guest: no XEN_ELFNOTE_ENTRY or XEN_ELFNOTE_PHYS32_ENTRY note");
}

static void note_named_xen_without_nul_is_not_xens(void **state)
{
    struct image im;
    (void)state;

    /* Rename every "Xen\0" note to "Xen!": now nobody's. */
    build(&im, true, NOTES_IN_SEGMENT);
    for (size_t off = 0; off + 4 <= im.notes_len; off++)
        if (!memcmp(im.b + NOTE_OFF + off, "Xen", 4))
            im.b[NOTE_OFF + off + 3] = '!';
    expect_error(&im, "not a Xen guest: no XEN_ELFNOTE_ENTRY or XEN_ELFNOTE_PHYS32_ENTRY note");
}

static void entry_outside_every_segment(void **state)
{
    struct image im;
    uint32_t phys32 = LOAD_PADDR + LOAD_MEMSZ;
    (void)state;

    build(&im, true, NOTES_IN_SEGMENT);
    memcpy(im.b + NOTE_OFF + im.notes_len - 4, &phys32, 4);
    expect_error(&im, "XEN_ELFNOTE_PHYS32_ENTRY 0x100300 is outside every loadable segment");
}

static void entry_note_of_odd_size(void **state)
{
    struct image im;
    (void)state;

    /* Notes: GNU 32 bytes, GUEST_OS 12+4+12 = 28, VIRT_BASE 24; ENTRY's descsz at +4. */
    build(&im, true, NOTES_IN_SEGMENT);
    put_u32(&im, NOTE_OFF + 32 + 28 + 24 + 4, 2);
    expect_error(&im, "XEN_ELFNOTE_ENTRY has a 2-byte value (expected 4 or 8)");
}

/* ---- Hostile input ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Parse a heap copy of exactly len bytes (so ASan sees overreads); load if it parses. */
static void expect_parse_and_load_or_clean_error(const uint8_t *bytes, size_t len, struct ram *ram)
{
    struct xl_elf_image img;
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, bytes, len);
    err[0] = '\0';
    rc = xl_elf_parse(copy, len, &img, err, sizeof(err));
    if (rc) {
        assert_int_equal(rc, -EINVAL);
        assert_true(err[0] != '\0');
    } else {
        rc = xl_elf_load(&img, ram_map, ram, err, sizeof(err));
        assert_true(rc == 0 || (rc == -EFAULT && err[0]));
    }
    free(copy);
}

static void every_truncation_is_handled(void **state)
{
    struct image im;
    struct ram ram;
    size_t len;
    bool is64;
    (void)state;

    ram_init(&ram, RAM_SIZE);
    for (is64 = false; ; is64 = true) {
        build(&im, is64, NOTES_IN_SECTION);
        for (len = 0; len <= IMG_SIZE; len++)
            expect_parse_and_load_or_clean_error(im.b, len, &ram);
        if (is64)
            break;
    }
    free(ram.mem);
}

static void random_corruption_never_crashes(void **state)
{
    struct image im;
    struct ram ram;
    int round, flips;
    (void)state;

    ram_init(&ram, RAM_SIZE);
    rng_state = 0x2545f4914f6cdd1dull;
    for (round = 0; round < 10000; round++) {
        build(&im, round & 1, round & 2 ? NOTES_IN_SECTION : NOTES_IN_SEGMENT);
        /* Headers, notes and section table are where the parser looks. */
        for (flips = 1 + (int)(rng() % 8); flips; flips--) {
            size_t at = rng() % 3 ? rng() % (NOTE_OFF + im.notes_len) : SH_OFF + rng() % 128;

            im.b[at] = (uint8_t)rng();
        }
        expect_parse_and_load_or_clean_error(im.b, im.size, &ram);
    }
    free(ram.mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(elf64_notes_in_segment_parse),
        cmocka_unit_test(elf32_notes_in_segment_parse),
        cmocka_unit_test(notes_only_in_a_section_are_found),
        cmocka_unit_test(sections_are_ignored_when_there_is_a_pt_note),
        cmocka_unit_test(paddr_zero_is_accepted),
        cmocka_unit_test(elf64_loads_data_and_zeroed_bss),
        cmocka_unit_test(elf32_loads_data_and_zeroed_bss),
        cmocka_unit_test(segment_outside_ram_fails_to_load),
        cmocka_unit_test(bad_magic),
        cmocka_unit_test(truncated_header),
        cmocka_unit_test(wrong_class_endianness_or_machine),
        cmocka_unit_test(phoff_past_end_of_file),
        cmocka_unit_test(phoff_that_overflows_when_added),
        cmocka_unit_test(phnum_larger_than_the_file),
        cmocka_unit_test(program_header_size_must_match_class),
        cmocka_unit_test(filesz_larger_than_memsz),
        cmocka_unit_test(segment_offset_that_overflows_when_added),
        cmocka_unit_test(segment_data_past_end_of_file),
        cmocka_unit_test(segment_address_that_wraps),
        cmocka_unit_test(more_loadable_segments_than_supported),
        cmocka_unit_test(no_loadable_segment),
        cmocka_unit_test(note_descsz_past_segment_end),
        cmocka_unit_test(note_descsz_that_overflows),
        cmocka_unit_test(note_namesz_past_segment_end),
        cmocka_unit_test(note_header_cut_short),
        cmocka_unit_test(note_segment_past_end_of_file),
        cmocka_unit_test(note_section_past_end_of_file),
        cmocka_unit_test(section_headers_past_end_of_file),
        cmocka_unit_test(missing_xen_notes),
        cmocka_unit_test(note_named_xen_without_nul_is_not_xens),
        cmocka_unit_test(entry_outside_every_segment),
        cmocka_unit_test(entry_note_of_odd_size),
        cmocka_unit_test(every_truncation_is_handled),
        cmocka_unit_test(random_corruption_never_crashes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
