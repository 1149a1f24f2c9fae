/*
 * build.c - the domain builder for both of Xen's boot paths.
 *
 * After the kernel's highest address (page-aligned) the builder places:
 *   PV64:  start_info page | page tables (PML4, PDPT, PDs) | boot stack page
 *   PVH32: one start-info segment: hvm_start_info, command line, memory map
 * all inside low RAM, as Xen's builder does.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libxc/xc.h"
#include "xenolith/boot.h"
#include "xenolith/xen.h"

#define PAGE 4096ull
#define MB2 (2ull << 20)
#define GB1 (1ull << 30)
#define PTE_P 1ull
#define PTE_RW 2ull
#define PTE_US 4ull   /* U=1 at every level: kvm_pvm livelocks otherwise */
#define PTE_PS 0x80ull
#define PT_FLAGS (PTE_P | PTE_RW | PTE_US)

struct layout {
    uint64_t cursor;          /* next free page-aligned GPA */
    uint64_t limit;           /* end of low RAM */
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static int take_pages(struct layout *l, unsigned pages, uint64_t *gpa, char *err, size_t errlen)
{
    uint64_t need = pages * PAGE;
    if (l->cursor > l->limit || need > l->limit - l->cursor) {
        snprintf(err, errlen, "the domain's memory is too small for its kernel and boot data "
                 "(needs more than %llu KiB)", (unsigned long long)((l->cursor + need) >> 10));
        return -ENOMEM;
    }
    *gpa = l->cursor;
    l->cursor += need;
    return 0;
}

/* ---- PV64 page tables: RAM, the special pages and high RAM, 1:1 ------- */

struct pt_builder {
    const struct xc_foreign_map *map;
    struct layout *lay;
    uint64_t pml4, pdpt;
    uint64_t pd[512];         /* GPA of the PD for each GiB, 0 if none */
    unsigned pages;
};

static uint64_t *pt_page(const struct pt_builder *b, uint64_t gpa)
{
    return xc_foreign_gpa(b->map, gpa, PAGE);
}

static int map_2m(struct pt_builder *b, uint64_t addr, char *err, size_t errlen)
{
    unsigned gib = (unsigned)(addr / GB1);
    if (gib >= 512) {
        snprintf(err, errlen, "guest memory above 512 GiB is not supported");
        return -EINVAL;
    }
    if (!b->pd[gib]) {
        int rc = take_pages(b->lay, 1, &b->pd[gib], err, errlen);
        if (rc < 0)
            return rc;
        b->pages++;
        pt_page(b, b->pdpt)[gib] = b->pd[gib] | PT_FLAGS;
    }
    pt_page(b, b->pd[gib])[(addr / MB2) % 512] = (addr & ~(MB2 - 1)) | PT_FLAGS | PTE_PS;
    return 0;
}

static int map_range(struct pt_builder *b, uint64_t start, uint64_t len, char *err, size_t errlen)
{
    for (uint64_t a = start & ~(MB2 - 1); a < start + len; a += MB2) {
        int rc = map_2m(b, a, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int build_page_tables(const struct xc_foreign_map *map, struct layout *lay,
                             uint64_t *cr3, unsigned *nr_pages, char *err, size_t errlen)
{
    struct pt_builder b = {.map = map, .lay = lay};
    int rc = take_pages(lay, 2, &b.pml4, err, errlen);
    if (rc < 0)
        return rc;
    b.pdpt = b.pml4 + PAGE;
    b.pages = 2;
    pt_page(&b, b.pml4)[0] = b.pdpt | PT_FLAGS;
    const struct xlctl_memory_layout *m = &map->layout;
    rc = map_range(&b, 0, m->low_bytes, err, errlen);
    if (rc == 0)
        rc = map_range(&b, XL_SPECIAL_PFN_BASE << 12, XL_SPECIAL_PAGES * PAGE, err, errlen);
    if (rc == 0 && m->high_bytes)
        rc = map_range(&b, XL_HIGHMEM_BASE, m->high_bytes, err, errlen);
    *cr3 = b.pml4;
    *nr_pages = b.pages;
    return rc;
}

static int build_pv64(struct xc *xc, const struct xl_build_args *a, const struct xc_foreign_map *map,
                      struct layout *lay, char *err, size_t errlen)
{
    uint64_t si_gpa = 0, stack_gpa = 0, cr3 = 0;
    unsigned pt_pages = 0;
    int rc = take_pages(lay, 1, &si_gpa, err, errlen);
    if (rc == 0)
        rc = build_page_tables(map, lay, &cr3, &pt_pages, err, errlen);
    if (rc == 0)
        rc = take_pages(lay, 1, &stack_gpa, err, errlen);
    if (rc < 0)
        return rc;

    struct start_info *si = xc_foreign_gpa(map, si_gpa, sizeof(*si));
    memset(si, 0, sizeof(*si));
    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
    si->nr_pages = (map->layout.low_bytes + map->layout.high_bytes) / PAGE;
    si->store_mfn = XL_SPECIAL_PFN_BASE + XL_SPECIAL_XENSTORE;
    si->store_evtchn = a->store_evtchn;
    si->console.domU.mfn = XL_SPECIAL_PFN_BASE + XL_SPECIAL_CONSOLE;
    si->console.domU.evtchn = a->console_evtchn;
    si->pt_base = cr3;
    si->nr_pt_frames = pt_pages;
    if (a->cmdline)
        snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", a->cmdline);

    struct xlctl_boot boot = {
        .domid = a->domid,
        .mode = XLCTL_BOOT_PV64,
        .entry = a->kernel->entry64,
        .stack = stack_gpa + PAGE,
        .cr3 = cr3,
        .start_info = si_gpa,
    };
    rc = xc_domain_set_boot(xc, &boot);
    if (rc < 0)
        snprintf(err, errlen, "setting the boot vCPU: %s", strerror(-rc));
    return rc;
}

/* ---- PVH32: Xen's start-info segment ------------------------------------ */

static int build_pvh32(struct xc *xc, const struct xl_build_args *a, const struct xc_foreign_map *map,
                       struct layout *lay, char *err, size_t errlen)
{
    const struct xlctl_memory_layout *m = &map->layout;
    size_t cmd_len = a->cmdline ? strlen(a->cmdline) + 1 : 0;
    size_t cmd_space = align_up(cmd_len, 8);
    unsigned nmap = m->high_bytes ? 3 : 2;
    size_t total = sizeof(struct hvm_start_info) + cmd_space + nmap * sizeof(struct hvm_memmap_table_entry);
    uint64_t gpa;
    int rc = take_pages(lay, (unsigned)(align_up(total, PAGE) / PAGE), &gpa, err, errlen);
    if (rc < 0)
        return rc;
    uint8_t *seg = xc_foreign_gpa(map, gpa, total);
    memset(seg, 0, total);
    struct hvm_start_info *si = (struct hvm_start_info *)seg;
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    uint64_t off = sizeof(*si);
    if (cmd_len) {
        memcpy(seg + off, a->cmdline, cmd_len);
        si->cmdline_paddr = gpa + off;
        off += cmd_space;
    }
    struct hvm_memmap_table_entry *e = (struct hvm_memmap_table_entry *)(seg + off);
    e[0] = (struct hvm_memmap_table_entry){.addr = 0, .size = m->low_bytes, .type = XEN_HVM_MEMMAP_TYPE_RAM};
    e[1] = (struct hvm_memmap_table_entry){.addr = XL_SPECIAL_PFN_BASE << 12,
                                           .size = XL_SPECIAL_PAGES * PAGE,
                                           .type = XEN_HVM_MEMMAP_TYPE_RESERVED};
    if (m->high_bytes)
        e[2] = (struct hvm_memmap_table_entry){.addr = XL_HIGHMEM_BASE, .size = m->high_bytes,
                                               .type = XEN_HVM_MEMMAP_TYPE_RAM};
    si->memmap_paddr = gpa + off;
    si->memmap_entries = nmap;

    struct xlctl_boot boot = {
        .domid = a->domid,
        .mode = XLCTL_BOOT_PVH32,
        .entry = a->kernel->phys32_entry,
        .start_info = gpa,
    };
    rc = xc_domain_set_boot(xc, &boot);
    if (rc < 0)
        snprintf(err, errlen, "setting the boot vCPU: %s", strerror(-rc));
    return rc;
}

static void *load_map(void *ctx, uint64_t gpa, uint64_t len)
{
    return xc_foreign_gpa(ctx, gpa, len);
}

int xl_build_domain(struct xc *xc, const struct xl_build_args *a, char *err, size_t errlen)
{
    struct xc_foreign_map map;
    int rc = xc_map_foreign(xc, a->domid, &map);
    if (rc < 0) {
        snprintf(err, errlen, "mapping the domain's memory: %s", strerror(-rc));
        return rc;
    }
    rc = xl_elf_load(a->kernel, load_map, &map, err, errlen);
    if (rc == 0) {
        struct layout lay = {.cursor = align_up(a->kernel->paddr_hi, PAGE),
                             .limit = map.layout.low_bytes};
        if (a->path == XL_BOOT_PATH_PV64)
            rc = build_pv64(xc, a, &map, &lay, err, errlen);
        else
            rc = build_pvh32(xc, a, &map, &lay, err, errlen);
    }
    xc_unmap_foreign(&map);
    return rc;
}
