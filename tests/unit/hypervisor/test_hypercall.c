/*
 * test_hypercall.c - hypercalls as a PVH guest makes them: every pointer
 * argument is a guest-virtual address resolved through long-mode page
 * tables built inside the fake domain's memory, results are read back from
 * guest memory, and side effects are checked where a guest or the toolstack
 * would see them (domain state, console log, hypervisor log).
 *
 * Guest layout (16 MiB, domid 7):
 *   GPA 0x100000..  page-table pool
 *   ARG_VA          8 writable 4 KiB pages, frames in reverse order
 *                   (0x807000, 0x806000, ... 0x800000), so any argument
 *                   that crosses a page crosses into a different frame
 *   RO_VA           one read-only page (frame 0x880000), right after them
 *   NOMAP_VA        not mapped, right after RO_VA
 *   BIG_VA          one 2 MiB page at GPA 0xc00000 (for 1 MiB writes)
 * CR0.WP is set, as Linux and Mini-OS run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/eventfd.h>

#include "fake_domain.h"
#include "../../../hypervisor/hypercall.h"
#include "../../../hypervisor/vcpu.h"

#define DOMID      7u
#define RAM        (16 * MiB)
#define RAM_HIGH   (XL_LOWMEM_LIMIT + 64 * MiB)
#define POOL       0x100000ull
#define POOL_END   0x180000ull

#define ARG_VA     0xffffc90000000000ull
#define ARG_PAGES  8u
#define ARG_FRAME  0x800000ull
#define RO_VA      (ARG_VA + ARG_PAGES * 4096ull)
#define RO_FRAME   0x880000ull
#define NOMAP_VA   (RO_VA + 4096)
#define BIG_VA     0xffffc90040000000ull
#define BIG_FRAME  0xc00000ull

/* A guest address whose argument straddles two frames. */
#define CROSS_VA(n) (ARG_VA + 4096 - (n))

struct guest {
    struct domain *d;
    struct pt pt;
    struct hcall_ctx c;
};

static struct guest *guest_new(uint64_t ram, uint32_t domid)
{
    struct guest *g = calloc(1, sizeof(*g));
    assert_non_null(g);
    g->d = fake_domain_new(ram, domid, true);
    pt_init(&g->pt, &g->d->mem, PT_LONG, POOL, POOL_END);
    for (unsigned i = 0; i < ARG_PAGES; i++)
        pt_map(&g->pt, ARG_VA + i * 4096ull, ARG_FRAME + (ARG_PAGES - 1 - i) * 4096ull, 4096,
               PTE_RW);
    pt_map(&g->pt, RO_VA, RO_FRAME, 4096, 0);
    pt_map(&g->pt, BIG_VA, BIG_FRAME, 2 * MiB, PTE_RW);
    g->c = (struct hcall_ctx){.d = g->d, .v = NULL, .vcpu_id = 0, .cpl = 0,
                              .pg = pt_paging(&g->pt, true)};
    return g;
}

static void guest_free(struct guest *g)
{
    fake_domain_free(g->d);
    free(g);
}

static int setup(void **state)
{
    *state = guest_new(RAM, DOMID);
    return 0;
}

static int teardown(void **state)
{
    guest_free(*state);
    return 0;
}

/* Console lines also go to the hypervisor log; keep them off stderr (the
 * dmesg ring still gets them). */
static int group_setup(void **state)
{
    (void)state;
    return log_open("/dev/null");
}

static int group_teardown(void **state)
{
    (void)state;
    log_close();
    return 0;
}

/* Host pointer to the byte at guest-virtual va, from the layout above
 * (independent of the code under test). */
static uint8_t *host_at(struct guest *g, uint64_t va)
{
    uint64_t gpa = 0;
    if (va >= ARG_VA && va < RO_VA)
        gpa = ARG_FRAME + (ARG_PAGES - 1 - (va - ARG_VA) / 4096) * 4096 + (va & 0xfff);
    else if (va >= RO_VA && va < NOMAP_VA)
        gpa = RO_FRAME + (va & 0xfff);
    else if (va >= BIG_VA && va < BIG_VA + 2 * MiB)
        gpa = BIG_FRAME + (va - BIG_VA);
    else
        fail_msg("0x%llx is not in the test guest's map", (unsigned long long)va);
    return gm_ptr(&g->d->mem, gpa, 1);
}

static void gput(struct guest *g, uint64_t va, const void *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        *host_at(g, va + i) = ((const uint8_t *)src)[i];
}

static void gget(struct guest *g, uint64_t va, void *dst, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)dst)[i] = *host_at(g, va + i);
}

static void gfill(struct guest *g, uint64_t va, uint8_t v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        *host_at(g, va + i) = v;
}

static bool gall(struct guest *g, uint64_t va, uint8_t v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (*host_at(g, va + i) != v)
            return false;
    return true;
}

static long hcall(struct guest *g, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    const uint64_t args[5] = {a0, a1, a2, 0xdead0003, 0xdead0004};
    return hypercall_dispatch(&g->c, nr, args);
}

static char *console(struct guest *g, size_t *len)
{
    return fake_console_read(g->d, len);
}

static void assert_console_empty(struct guest *g)
{
    size_t len;
    free(console(g, &len));
    assert_int_equal(len, 0);
}

/* ---- xen_version ------------------------------------------------------- */

static void xen_version_is_4_17(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_version, 0, 0), 0x40011);
}

static void xen_version_extraversion_lands_in_the_guest_buffer(void **state)
{
    struct guest *g = *state;
    const uint64_t va = CROSS_VA(5);
    gfill(g, va - 8, 0xaa, 32);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_extraversion, va, 0), 0);

    char got[16];
    gget(g, va, got, sizeof(got));
    static const char want[16] = "-xenolith";
    assert_memory_equal(got, want, sizeof(want)); /* NUL-padded to 16 */
    assert_true(gall(g, va - 8, 0xaa, 8));        /* nothing before it */
    assert_true(gall(g, va + 16, 0xaa, 8));       /* nor after */
}

static void xen_version_to_a_read_only_or_unmapped_buffer_faults(void **state)
{
    struct guest *g = *state;
    gfill(g, RO_VA, 0x5c, 4096);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_extraversion, RO_VA, 0), -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_extraversion, NOMAP_VA, 0),
                     -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_extraversion, RO_VA - 8, 0),
                     -EFAULT); /* straddles writable -> read-only */
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_extraversion, 0, 0), -EFAULT);
    assert_true(gall(g, RO_VA, 0x5c, 4096));
}

static void xen_version_get_features_submap_0(void **state)
{
    struct guest *g = *state;
    const uint64_t va = CROSS_VA(4); /* submap_idx in one frame, submap in the next */
    xen_feature_info_t fi = {.submap_idx = 0, .submap = 0xdeadbeef};
    gput(g, va, &fi, sizeof(fi));
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_get_features, va, 0), 0);

    gget(g, va, &fi, sizeof(fi));
    assert_int_equal(fi.submap_idx, 0);
    assert_true(fi.submap & (1u << XENFEAT_writable_page_tables));
    assert_true(fi.submap & (1u << XENFEAT_auto_translated_physmap));
    /* Event upcalls on a vector and pvclock exist: Linux uses vector
     * callbacks only when it sees this bit (xen-abi.md 3.2). */
    assert_true(fi.submap & (1u << XENFEAT_hvm_callback_vector));
    assert_true(fi.submap & (1u << XENFEAT_hvm_safe_pvclock));
    assert_true(fi.submap != 0xdeadbeef);
}

static void xen_version_get_features_other_submaps_are_einval(void **state)
{
    struct guest *g = *state;
    const uint32_t idx[] = {1, 2, 0xffffffff};
    for (size_t i = 0; i < 3; i++) {
        xen_feature_info_t fi = {.submap_idx = idx[i], .submap = 0x12345678};
        gput(g, ARG_VA, &fi, sizeof(fi));
        assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_get_features, ARG_VA, 0),
                         -EINVAL);
        xen_feature_info_t back;
        gget(g, ARG_VA, &back, sizeof(back));
        assert_memory_equal(&back, &fi, sizeof(fi));
    }
}

static void xen_version_get_features_bad_pointer_faults(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_get_features, NOMAP_VA, 0),
                     -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_get_features, NOMAP_VA - 4, 0),
                     -EFAULT);
    /* Readable but not writable: the request is read, the answer cannot be
     * written back. */
    gfill(g, RO_VA, 0, 8);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_get_features, RO_VA, 0), -EFAULT);
    assert_true(gall(g, RO_VA, 0, 8));
}

static void xen_version_unknown_command_is_enosys(void **state)
{
    struct guest *g = *state;
    const uint64_t cmds[] = {11, 99, 0x100000000ull, UINT64_MAX};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(hcall(g, __HYPERVISOR_xen_version, cmds[i], ARG_VA, 0), -ENOSYS);
}

static void xen_version_other_queries(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0), 4096);

    /* guest_handle is the domain's UUID. */
    fill_pattern(g->d->uuid, sizeof(g->d->uuid), 50);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_guest_handle, CROSS_VA(7), 0), 0);
    uint8_t uuid[16];
    gget(g, CROSS_VA(7), uuid, sizeof(uuid));
    assert_memory_equal(uuid, g->d->uuid, sizeof(uuid));

    /* capabilities: a 1 KiB string across two frames. */
    gfill(g, CROSS_VA(100), 0xff, 1024);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_capabilities, CROSS_VA(100), 0), 0);
    char caps[1024];
    gget(g, CROSS_VA(100), caps, sizeof(caps));
    assert_non_null(memchr(caps, '\0', sizeof(caps)));
    assert_non_null(strstr(caps, "hvm-3.0-x86_64"));

    /* Privileged on Xen, so refused to a domU. */
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_commandline, ARG_VA, 0), -EPERM);
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_build_id, ARG_VA, 0), -EPERM);
}

/* ---- console_io -------------------------------------------------------- */

static void console_write_appears_in_the_console_log(void **state)
{
    struct guest *g = *state;
    static const char text[] = "hello, xen\n";
    gput(g, CROSS_VA(4), text, strlen(text));
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, strlen(text), CROSS_VA(4)),
                     0);
    size_t len;
    char *got = console(g, &len);
    assert_string_equal(got, text);
    free(got);
}

static void console_write_turns_non_printable_bytes_into_question_marks(void **state)
{
    struct guest *g = *state;
    static const uint8_t in[] = {'a', 0x07, '\t', 0x1b, 'z', 0x7f, 0x80, 0xff, '\r', 0, ' ', '~', '\n'};
    static const char want[] = "a?\t?z????? ~\n";
    gput(g, ARG_VA + 100, in, sizeof(in));
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(in), ARG_VA + 100),
                     0);
    size_t len;
    char *got = console(g, &len);
    assert_int_equal(len, sizeof(in));
    assert_memory_equal(got, want, sizeof(in));
    free(got);
}

static void console_write_of_many_pages_arrives_in_order(void **state)
{
    struct guest *g = *state;
    enum { N = 6 * 4096 + 123 };
    static char text[N];
    for (size_t i = 0; i < N; i++)
        text[i] = (i % 97 == 96) ? '\n' : (char)(' ' + (i * 7) % 95);
    gput(g, ARG_VA + 1000, text, N);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, N, ARG_VA + 1000), 0);
    size_t len;
    char *got = console(g, &len);
    assert_int_equal(len, N);
    assert_memory_equal(got, text, N);
    free(got);
}

static void console_write_is_limited_to_1_mib(void **state)
{
    struct guest *g = *state;
    uint8_t *big = host_at(g, BIG_VA);
    for (size_t i = 0; i < 2 * MiB; i++)
        big[i] = (uint8_t)('A' + i % 26);

    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, MiB + 1, BIG_VA), -EINVAL);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, UINT64_MAX, BIG_VA),
                     -EINVAL);
    assert_console_empty(g);

    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, MiB, BIG_VA), 0);
    size_t len;
    char *got = console(g, &len);
    assert_int_equal(len, MiB);
    assert_memory_equal(got, big, MiB);
    free(got);
}

static void console_write_from_an_unmapped_buffer_faults(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, 10, NOMAP_VA), -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, 10, 0), -EFAULT);
    assert_console_empty(g);

    /* Running off the mapped pages: whatever got out is a prefix. */
    static const char text[] = "0123456789abcdefghij";
    gput(g, NOMAP_VA - 10, text, 10);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, 20, NOMAP_VA - 10),
                     -EFAULT);
    size_t len;
    char *got = console(g, &len);
    assert_true(len <= 10);
    assert_memory_equal(got, text, len);
    free(got);
}

static void console_write_of_nothing_writes_nothing(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, 0, NOMAP_VA), 0);
    assert_console_empty(g);
}

static void console_read_and_unknown_commands(void **state)
{
    struct guest *g = *state;
    gfill(g, ARG_VA, 0x11, 64);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_read, 64, ARG_VA), 0);
    assert_true(gall(g, ARG_VA, 0x11, 64));
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, 2, 5, ARG_VA), -ENOSYS);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, UINT64_MAX, 5, ARG_VA), -ENOSYS);
}

static void console_lines_reach_the_hypervisor_log_once_complete(void **state)
{
    struct guest *g = *state;
    static const char a[] = "console-test part one, ", b[] = "part two\n";
    gput(g, ARG_VA, a, strlen(a));
    gput(g, ARG_VA + 512, b, strlen(b));
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, strlen(a), ARG_VA), 0);
    assert_int_equal(log_ring_count("d7: console-test part one"), 0);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, strlen(b), ARG_VA + 512),
                     0);
    assert_int_equal(log_ring_count("d7: console-test part one, part two\n"), 1);
}

static void console_write_without_a_console_log_still_succeeds(void **state)
{
    struct guest *g = *state;
    close(g->d->console_fd);
    g->d->console_fd = -1;
    gput(g, ARG_VA, "no log file\n", 12);
    assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, 12, ARG_VA), 0);
}

/* ---- sched_op ---------------------------------------------------------- */

static long sched(struct guest *g, uint64_t cmd, uint32_t reason)
{
    struct sched_shutdown s = {.reason = reason};
    gput(g, CROSS_VA(2), &s, sizeof(s));
    return hcall(g, __HYPERVISOR_sched_op, cmd, CROSS_VA(2), 0);
}

static void shutdown_stops_the_domain_with_its_reason(void **state)
{
    struct guest *g = *state;
    for (uint32_t reason = 0; reason <= SHUTDOWN_MAX; reason++) {
        g->d->state = XLCTL_STATE_RUNNING;
        g->d->shutdown_code = SHUTDOWN_CODE_NONE;
        g->d->shutdown_reason = 0xeeee;
        assert_int_equal(sched(g, SCHEDOP_shutdown, reason), 0);
        assert_int_equal(g->d->state, XLCTL_STATE_SHUTDOWN);
        assert_int_equal(g->d->shutdown_reason, reason);
        assert_int_equal(g->d->shutdown_code, reason);
    }
}

static void shutdown_code_latched_first_wins(void **state)
{
    struct guest *g = *state;
    assert_int_equal(sched(g, SCHEDOP_shutdown_code, SHUTDOWN_crash), 0);
    assert_int_equal(g->d->state, XLCTL_STATE_RUNNING); /* latching only */
    assert_int_equal(g->d->shutdown_code, SHUTDOWN_crash);
    assert_int_equal(sched(g, SCHEDOP_shutdown_code, SHUTDOWN_reboot), 0);
    assert_int_equal(g->d->shutdown_code, SHUTDOWN_crash);

    assert_int_equal(sched(g, SCHEDOP_shutdown, SHUTDOWN_poweroff), 0);
    assert_int_equal(g->d->state, XLCTL_STATE_SHUTDOWN);
    assert_int_equal(g->d->shutdown_reason, SHUTDOWN_crash);
}

static void a_second_shutdown_keeps_the_first_reason(void **state)
{
    struct guest *g = *state;
    assert_int_equal(sched(g, SCHEDOP_shutdown, SHUTDOWN_reboot), 0);
    assert_int_equal(sched(g, SCHEDOP_shutdown, SHUTDOWN_crash), 0);
    assert_int_equal(g->d->state, XLCTL_STATE_SHUTDOWN);
    assert_int_equal(g->d->shutdown_reason, SHUTDOWN_reboot);
}

static void shutdown_reason_above_max_is_einval(void **state)
{
    struct guest *g = *state;
    const uint32_t bad[] = {SHUTDOWN_MAX + 1, 0x100, 0xffffffff};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sched(g, SCHEDOP_shutdown, bad[i]), -EINVAL);
        assert_int_equal(sched(g, SCHEDOP_shutdown_code, bad[i]), -EINVAL);
    }
    assert_int_equal(g->d->state, XLCTL_STATE_RUNNING);
    assert_int_equal(g->d->shutdown_code, SHUTDOWN_CODE_NONE);
}

static void shutdown_with_a_bad_pointer_faults(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_sched_op, SCHEDOP_shutdown, NOMAP_VA, 0), -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_sched_op, SCHEDOP_shutdown, NOMAP_VA - 2, 0), -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_sched_op, SCHEDOP_shutdown_code, 0, 0), -EFAULT);
    assert_int_equal(g->d->state, XLCTL_STATE_RUNNING);
    assert_int_equal(g->d->shutdown_code, SHUTDOWN_CODE_NONE);
}

static void shutdown_tells_the_main_loop(void **state)
{
    struct guest *g = *state;
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(efd >= 0);
    domain_set_notify_fd(efd);
    assert_int_equal(sched(g, SCHEDOP_shutdown, SHUTDOWN_poweroff), 0);
    domain_set_notify_fd(-1);
    uint64_t n = 0;
    assert_int_equal(read(efd, &n, sizeof(n)), (ssize_t)sizeof(n));
    assert_int_equal(n, 1);
    close(efd);
}

static void sched_op_other_commands(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
    /* remote_shutdown is for privileged callers; the target is untouched. */
    uint8_t rs[8] = {DOMID, 0, 0, 0, SHUTDOWN_poweroff, 0, 0, 0};
    gput(g, ARG_VA, rs, sizeof(rs));
    assert_int_equal(hcall(g, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, ARG_VA, 0), -EPERM);
    assert_int_equal(g->d->state, XLCTL_STATE_RUNNING);
    assert_int_equal(hcall(g, __HYPERVISOR_sched_op, 99, ARG_VA, 0), -ENOSYS);
}

/* ---- memory_op --------------------------------------------------------- */

struct e820 {
    uint64_t addr, size;
    uint32_t type;
};

/* Entry i of a guest buffer of packed 20-byte E820 entries. */
static struct e820 e820_at(struct guest *g, uint64_t buf, unsigned i)
{
    uint8_t raw[20];
    struct e820 e;
    gget(g, buf + 20ull * i, raw, sizeof(raw));
    memcpy(&e.addr, raw, 8);
    memcpy(&e.size, raw + 8, 8);
    memcpy(&e.type, raw + 16, 4);
    return e;
}

/* struct xen_memory_map {u32 nr_entries; u32 pad; u64 buffer} at va. */
static long memory_map(struct guest *g, uint64_t va, uint32_t cap, uint64_t buf)
{
    uint8_t raw[16] = {0};
    memcpy(raw, &cap, 4);
    memcpy(raw + 8, &buf, 8);
    gput(g, va, raw, sizeof(raw));
    return hcall(g, __HYPERVISOR_memory_op, XENMEM_memory_map, va, 0);
}

static uint32_t memory_map_count(struct guest *g, uint64_t va)
{
    uint32_t n;
    gget(g, va, &n, 4);
    return n;
}

static void memory_map_lists_ram_and_the_special_pages(void **state)
{
    struct guest *g = *state;
    const uint64_t map = ARG_VA + 3 * 4096 - 8, buf = CROSS_VA(30);
    gfill(g, buf, 0xcc, 8 * 20);
    assert_int_equal(memory_map(g, map, 8, buf), 0);
    assert_int_equal(memory_map_count(g, map), 2);

    struct e820 ram = e820_at(g, buf, 0), special = e820_at(g, buf, 1);
    assert_int_equal(ram.addr, 0);
    assert_int_equal(ram.size, RAM);
    assert_int_equal(ram.type, 1);
    assert_int_equal(special.addr, SPECIAL_GPA);
    assert_int_equal(special.size, SPECIAL_BYTES);
    assert_int_equal(special.type, 2);
    assert_true(gall(g, buf + 40, 0xcc, 6 * 20)); /* 20-byte entries: nothing past 40 */
}

static void memory_map_with_high_ram_adds_ram_above_4g(void **state)
{
    (void)state;
    struct guest *g = guest_new(RAM_HIGH, DOMID);
    const uint64_t map = ARG_VA, buf = ARG_VA + 64;
    assert_int_equal(memory_map(g, map, 3, buf), 0);
    assert_int_equal(memory_map_count(g, map), 3);
    struct e820 low = e820_at(g, buf, 0), sp = e820_at(g, buf, 1), high = e820_at(g, buf, 2);
    assert_int_equal(low.addr, 0);
    assert_int_equal(low.size, XL_LOWMEM_LIMIT);
    assert_int_equal(low.type, 1);
    assert_int_equal(sp.addr, SPECIAL_GPA);
    assert_int_equal(sp.type, 2);
    assert_int_equal(high.addr, XL_HIGHMEM_BASE);
    assert_int_equal(high.size, 64 * MiB);
    assert_int_equal(high.type, 1);

    uint16_t self = DOMID_SELF;
    gput(g, ARG_VA + 2048, &self, 2);
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_current_reservation, ARG_VA + 2048, 0),
                     (long)((XL_LOWMEM_LIMIT + 64 * MiB) / 4096));
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_maximum_gpfn, ARG_VA + 2048, 0),
                     (long)((XL_HIGHMEM_BASE + 64 * MiB) / 4096 - 1));
    guest_free(g);
}

static void memory_map_capacity_smaller_than_the_map(void **state)
{
    struct guest *g = *state;
    const uint64_t map = ARG_VA, buf = ARG_VA + 64;
    gfill(g, buf, 0xcc, 60);
    assert_int_equal(memory_map(g, map, 1, buf), 0);
    assert_int_equal(memory_map_count(g, map), 1);
    struct e820 ram = e820_at(g, buf, 0);
    assert_int_equal(ram.addr, 0);
    assert_int_equal(ram.size, RAM);
    assert_true(gall(g, buf + 20, 0xcc, 40));

    /* Capacity 0: nothing written, so even a bad buffer is fine. */
    assert_int_equal(memory_map(g, map, 0, NOMAP_VA), 0);
    assert_int_equal(memory_map_count(g, map), 0);
}

static void memory_map_bad_pointers_fault(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_memory_map, NOMAP_VA, 0), -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_memory_map, NOMAP_VA - 8, 0), -EFAULT);
    /* The buffer unmapped, read-only, or running off the mapping. */
    const uint64_t bufs[] = {NOMAP_VA, RO_VA, RO_VA - 20, 0};
    gfill(g, RO_VA, 0x77, 4096);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(memory_map(g, ARG_VA, 8, bufs[i]), -EFAULT);
        assert_int_equal(memory_map_count(g, ARG_VA), 8); /* not updated */
    }
    assert_true(gall(g, RO_VA, 0x77, 4096));
    /* The map itself in read-only memory: the entries go out, the count
     * cannot come back. */
    uint8_t raw[16] = {8};
    uint64_t buf = ARG_VA + 256;
    memcpy(raw + 8, &buf, 8);
    memcpy(host_at(g, RO_VA), raw, sizeof(raw));
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_memory_map, RO_VA, 0), -EFAULT);
}

static long reservation(struct guest *g, uint64_t cmd, uint16_t domid)
{
    gput(g, CROSS_VA(1), &domid, 2);
    return hcall(g, __HYPERVISOR_memory_op, cmd, CROSS_VA(1), 0);
}

static void reservation_queries_about_itself(void **state)
{
    struct guest *g = *state;
    const long pages = RAM / 4096;
    assert_int_equal(reservation(g, XENMEM_current_reservation, DOMID_SELF), pages);
    assert_int_equal(reservation(g, XENMEM_current_reservation, DOMID), pages);
    assert_int_equal(reservation(g, XENMEM_maximum_reservation, DOMID_SELF), pages);
    /* No RAM above the hole: the highest GFN is the last special page. */
    assert_int_equal(reservation(g, XENMEM_maximum_gpfn, DOMID_SELF),
                     (long)(XL_SPECIAL_PFN_BASE + XL_SPECIAL_PAGES - 1));
    assert_true(hcall(g, __HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0) > 0);
}

static void reservation_of_another_domain_is_eperm(void **state)
{
    struct guest *g = *state;
    const uint16_t others[] = {0, 3, DOMID + 1, 0x7ff1 /* DOMID_IO */};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(reservation(g, XENMEM_current_reservation, others[i]), -EPERM);
        assert_int_equal(reservation(g, XENMEM_maximum_reservation, others[i]), -EPERM);
        assert_int_equal(reservation(g, XENMEM_maximum_gpfn, others[i]), -EPERM);
    }
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_current_reservation, NOMAP_VA, 0),
                     -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_current_reservation, NOMAP_VA - 1, 0),
                     -EFAULT);
}

static void memory_op_ignores_the_continuation_bits_of_cmd(void **state)
{
    struct guest *g = *state;
    uint16_t self = DOMID_SELF;
    gput(g, ARG_VA, &self, 2);
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_current_reservation | (5u << 6),
                           ARG_VA, 0),
                     RAM / 4096);
}

static void memory_op_unknown_command_is_enosys(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, 63, ARG_VA, 0), -ENOSYS);
}

/* struct xen_add_to_physmap at va. */
static long add_to_physmap(struct guest *g, uint64_t va, uint16_t domid, uint32_t space,
                           uint64_t idx, uint64_t gpfn)
{
    struct xen_add_to_physmap x;
    memset(&x, 0, sizeof(x));
    x.domid = domid;
    x.space = space;
    x.idx = idx;
    x.gpfn = gpfn;
    gput(g, va, &x, sizeof(x));
    return hcall(g, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, va, 0);
}

static void add_to_physmap_puts_shared_info_over_a_ram_page(void **state)
{
    struct guest *g = *state;
    /* ARG page 2 is GFN 0x805; the guest then sees shared_info there. */
    const uint64_t va = ARG_VA + 2 * 4096, gfn = (ARG_FRAME >> 12) + ARG_PAGES - 1 - 2;
    uint8_t *shared = (uint8_t *)g->d->shared;
    fill_pattern(shared, 4096, 60);
    gfill(g, va, 0x99, 4096);

    assert_int_equal(add_to_physmap(g, ARG_VA, DOMID_SELF, XENMAPSPACE_shared_info, 0, gfn), 0);
    assert_int_equal(physmap_gfn(&g->d->physmap, GUEST_XEN_SHARED_INFO), gfn);
    static uint8_t seen[4096];
    assert_int_equal(guest_copy_from(&g->d->mem, &g->c.pg, seen, va, sizeof(seen)), 0);
    assert_memory_equal(seen, shared, sizeof(seen));
    /* And the guest's writes land in the hypervisor's shared_info. */
    const uint8_t word[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(guest_copy_to(&g->d->mem, &g->c.pg, va + 2048, word, sizeof(word)), 0);
    assert_memory_equal(shared + 2048, word, sizeof(word));
    /* Placing it again at its own domid is the same request. */
    assert_int_equal(add_to_physmap(g, ARG_VA, DOMID, XENMAPSPACE_shared_info, 0, gfn), 0);
    assert_int_equal(physmap_gfn(&g->d->physmap, GUEST_XEN_SHARED_INFO), gfn);
}

static void add_to_physmap_refusals(void **state)
{
    struct guest *g = *state;
    const uint64_t gfn = 0x805;
    assert_int_equal(add_to_physmap(g, ARG_VA, 3, XENMAPSPACE_shared_info, 0, gfn), -EPERM);
    assert_int_equal(add_to_physmap(g, ARG_VA, 0, XENMAPSPACE_shared_info, 0, gfn), -EPERM);
    assert_int_equal(add_to_physmap(g, ARG_VA, DOMID_SELF, XENMAPSPACE_shared_info, 1, gfn),
                     -EINVAL);
    assert_int_equal(add_to_physmap(g, ARG_VA, DOMID_SELF, 99, 0, gfn), -ENOSYS);
    assert_int_equal(add_to_physmap(g, ARG_VA, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0xfee00),
                     -EINVAL); /* the local APIC page */
    assert_int_equal(add_to_physmap(g, ARG_VA, DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                    UINT64_MAX),
                     -EINVAL);
    assert_int_equal(hcall(g, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, NOMAP_VA - 8, 0),
                     -EFAULT);
    assert_int_equal(physmap_gfn(&g->d->physmap, GUEST_XEN_SHARED_INFO), PHYSMAP_NO_GFN);
}

/* ---- hvm_op ------------------------------------------------------------ */

/* struct xen_hvm_param at va: domid@0 u16, index@4 u32, value@8 u64. */
static long hvm_param(struct guest *g, uint64_t op, uint64_t va, uint16_t domid, uint32_t index,
                      uint64_t value)
{
    struct xen_hvm_param p;
    memset(&p, 0, sizeof(p));
    p.domid = domid;
    p.index = index;
    p.value = value;
    gput(g, va, &p, sizeof(p));
    return hcall(g, __HYPERVISOR_hvm_op, op, va, 0);
}

static struct xen_hvm_param hvm_param_at(struct guest *g, uint64_t va)
{
    struct xen_hvm_param p;
    gget(g, va, &p, sizeof(p));
    return p;
}

static void get_param_finds_the_xenstore_and_console_rings(void **state)
{
    struct guest *g = *state;
    const uint64_t va = CROSS_VA(10); /* value straddles two frames */
    assert_int_equal(hvm_param(g, HVMOP_get_param, va, DOMID_SELF, HVM_PARAM_STORE_PFN, 0), 0);
    struct xen_hvm_param p = hvm_param_at(g, va);
    assert_int_equal(p.value, 0xfeffc);
    assert_int_equal(p.domid, DOMID_SELF);
    assert_int_equal(p.index, HVM_PARAM_STORE_PFN);

    assert_int_equal(hvm_param(g, HVMOP_get_param, va, DOMID, HVM_PARAM_CONSOLE_PFN, 0), 0);
    assert_int_equal(hvm_param_at(g, va).value, 0xfefff);
}

static void set_param_callback_irq_then_get_it_back(void **state)
{
    struct guest *g = *state;
    const uint64_t vector_cb = (2ull << 56) | 0xf3;
    assert_int_equal(hvm_param(g, HVMOP_set_param, ARG_VA, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
                               vector_cb),
                     0);
    assert_int_equal(g->d->hvm_params[HVM_PARAM_CALLBACK_IRQ], vector_cb);
    assert_int_equal(hvm_param(g, HVMOP_get_param, ARG_VA + 64, DOMID_SELF,
                               HVM_PARAM_CALLBACK_IRQ, 0),
                     0);
    assert_int_equal(hvm_param_at(g, ARG_VA + 64).value, vector_cb);
}

static void set_param_on_a_forbidden_index_is_eperm(void **state)
{
    struct guest *g = *state;
    const uint32_t forbidden[] = {HVM_PARAM_STORE_PFN, HVM_PARAM_CONSOLE_PFN, HVM_PARAM_IDENT_PT,
                                  HVM_PARAM_IOREQ_PFN, HVM_NR_PARAMS - 1};
    uint64_t before[HVM_NR_PARAMS];
    memcpy(before, g->d->hvm_params, sizeof(before));
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(hvm_param(g, HVMOP_set_param, ARG_VA, DOMID_SELF, forbidden[i], 0x1234),
                         -EPERM);
    assert_memory_equal(g->d->hvm_params, before, sizeof(before));

    /* Reading one it may not read leaves its buffer alone. */
    g->d->hvm_params[HVM_PARAM_IDENT_PT] = 0xabcdef;
    assert_int_equal(hvm_param(g, HVMOP_get_param, ARG_VA, DOMID_SELF, HVM_PARAM_IDENT_PT, 77),
                     -EPERM);
    assert_int_equal(hvm_param_at(g, ARG_VA).value, 77);
}

static void param_index_out_of_range_is_einval(void **state)
{
    struct guest *g = *state;
    const uint32_t bad[] = {HVM_NR_PARAMS, HVM_NR_PARAMS + 1, 0x10000, 0xffffffff};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(hvm_param(g, HVMOP_get_param, ARG_VA, DOMID_SELF, bad[i], 5), -EINVAL);
        assert_int_equal(hvm_param_at(g, ARG_VA).value, 5);
        assert_int_equal(hvm_param(g, HVMOP_set_param, ARG_VA, DOMID_SELF, bad[i], 5), -EINVAL);
    }
}

static void param_of_another_domain_is_eperm(void **state)
{
    struct guest *g = *state;
    const uint16_t others[] = {0, 3, DOMID + 1};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(hvm_param(g, HVMOP_get_param, ARG_VA, others[i], HVM_PARAM_STORE_PFN, 0),
                         -EPERM);
        assert_int_equal(hvm_param_at(g, ARG_VA).value, 0);
        assert_int_equal(hvm_param(g, HVMOP_set_param, ARG_VA, others[i], HVM_PARAM_CALLBACK_IRQ,
                                   0x99),
                         -EPERM);
    }
    assert_int_equal(g->d->hvm_params[HVM_PARAM_CALLBACK_IRQ], 0);
}

static void param_bad_pointers_fault(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, HVMOP_get_param, NOMAP_VA, 0), -EFAULT);
    assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, HVMOP_set_param, NOMAP_VA - 8, 0), -EFAULT);
    /* get_param into read-only memory: the request is readable, the answer
     * cannot be written. */
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN, .value = 0};
    memcpy(host_at(g, RO_VA), &p, sizeof(p));
    assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, HVMOP_get_param, RO_VA, 0), -EFAULT);
    assert_true(gall(g, RO_VA + 8, 0, 8));
}

static void hvm_op_unknown_command_is_enosys(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, 9999, ARG_VA, 0), -ENOSYS);
}

static void upcall_vector_for_a_bad_vcpu_or_low_vector_is_refused(void **state)
{
    struct guest *g = *state;
    struct xen_hvm_evtchn_upcall_vector u = {.vcpu = 0, .vector = 0x0f};
    gput(g, CROSS_VA(4), &u, sizeof(u));
    assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, CROSS_VA(4), 0),
                     -EINVAL);
    const uint32_t vcpus[] = {0, 1, XLCTL_MAX_VCPUS, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        u = (struct xen_hvm_evtchn_upcall_vector){.vcpu = vcpus[i], .vector = 0xf3};
        gput(g, CROSS_VA(4), &u, sizeof(u));
        assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector,
                               CROSS_VA(4), 0),
                         -ENOENT);
    }
    assert_int_equal(hcall(g, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, NOMAP_VA, 0),
                     -EFAULT);
}

/*
 * xen-abi.md 3.8 and Xen (hvm_allow_set_param) let a guest set
 * STORE_EVTCHN and CONSOLE_EVTCHN about itself as well as CALLBACK_IRQ.
 */
static void guest_may_set_its_event_channel_params(void **state)
{
    struct guest *g = *state;
    assert_int_equal(hvm_param(g, HVMOP_set_param, ARG_VA, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, 5),
                     0);
    assert_int_equal(g->d->hvm_params[HVM_PARAM_STORE_EVTCHN], 5);
    assert_int_equal(hvm_param(g, HVMOP_set_param, ARG_VA, DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN,
                               6),
                     0);
    assert_int_equal(g->d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN], 6);
}

/* ---- vcpu_op ----------------------------------------------------------- */

static void vcpu_op_on_a_vcpu_that_does_not_exist_is_enoent(void **state)
{
    struct guest *g = *state;
    const uint64_t ids[] = {0, 1, XLCTL_MAX_VCPUS, 0x100000000ull, UINT64_MAX};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, VCPUOP_is_up, ids[i], 0), -ENOENT);
        assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, 99, ids[i], 0), -ENOENT);
    }
}

static void vcpu_op_is_up_reports_each_vcpu(void **state)
{
    struct guest *g = *state;
    struct vcpu v0, v1;
    memset(&v0, 0, sizeof(v0));
    memset(&v1, 0, sizeof(v1));
    v0.dom = v1.dom = g->d;
    v0.id = 0, v1.id = 1;
    v0.online = true;
    g->d->vcpus[0] = &v0;
    g->d->vcpus[1] = &v1;
    g->d->nr_vcpus = 2;

    assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
    assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
    v1.online = true;
    assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
    assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, 0), -ENOENT);
    assert_int_equal(hcall(g, __HYPERVISOR_vcpu_op, 99, 0, 0), -ENOSYS);

    g->d->nr_vcpus = 0;
    g->d->vcpus[0] = g->d->vcpus[1] = NULL;
}

/* ---- dispatch ---------------------------------------------------------- */

static void hypercalls_from_outside_ring_0_are_eperm(void **state)
{
    struct guest *g = *state;
    static const char text[] = "from user space\n";
    gput(g, ARG_VA, text, strlen(text));
    struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
    gput(g, ARG_VA + 100, &s, sizeof(s));
    for (unsigned cpl = 1; cpl <= 3; cpl++) {
        g->c.cpl = cpl;
        assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_version, 0, 0), -EPERM);
        assert_int_equal(hcall(g, __HYPERVISOR_console_io, CONSOLEIO_write, strlen(text), ARG_VA),
                         -EPERM);
        assert_int_equal(hcall(g, __HYPERVISOR_sched_op, SCHEDOP_shutdown, ARG_VA + 100, 0), -EPERM);
        assert_int_equal(hcall(g, 9999, 0, 0, 0), -EPERM);
    }
    assert_int_equal(g->d->state, XLCTL_STATE_RUNNING);
    assert_console_empty(g);
    g->c.cpl = 0;
    assert_int_equal(hcall(g, __HYPERVISOR_xen_version, XENVER_version, 0, 0), 0x40011);
}

static void unknown_hypercall_numbers_are_enosys(void **state)
{
    struct guest *g = *state;
    const uint64_t nrs[] = {
        __HYPERVISOR_set_trap_table, __HYPERVISOR_mmu_update, __HYPERVISOR_mmuext_op, /* PV only */
        __HYPERVISOR_hypfs_op + 1, /* first number past the table */
        48, 63, 1000, 0x100000000ull | __HYPERVISOR_xen_version, UINT64_MAX,
    };
    for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
        assert_int_equal(hcall(g, nrs[i], XENVER_version, 0, 0), -ENOSYS);
}

static void hypercall_names(void **state)
{
    (void)state;
    assert_string_equal(hypercall_name(__HYPERVISOR_xen_version), "xen_version");
    assert_string_equal(hypercall_name(__HYPERVISOR_sched_op), "sched_op");
    assert_string_equal(hypercall_name(__HYPERVISOR_hypfs_op), "hypfs_op");
    assert_string_equal(hypercall_name(__HYPERVISOR_hypfs_op + 1), "unknown");
    assert_string_equal(hypercall_name(UINT64_MAX), "unknown");
}

static void unimplemented_calls_are_logged_a_bounded_number_of_times(void **state)
{
    (void)state;
    struct guest *g = guest_new(RAM, 31337);
    for (unsigned i = 0; i < 40; i++)
        assert_int_equal(hcall(g, __HYPERVISOR_mmu_update, 0, 0, 0), -ENOSYS);
    assert_int_equal(log_ring_count("d31337 vcpu0: hypercall mmu_update"), 16);
    assert_int_equal(log_ring_count("d31337: further unimplemented hypercalls not logged"), 1);
    guest_free(g);
}

/* A 32-bit PAE guest: the same calls through 3-level tables. */
static void pae_guest_reaches_its_arguments(void **state)
{
    (void)state;
    struct domain *d = fake_domain_new(RAM, DOMID, true);
    struct pt pt;
    pt_init(&pt, &d->mem, PT_PAE, POOL, POOL_END);
    pt_map(&pt, 0xc0000000, 0x900000, 4096, PTE_RW);
    pt_map(&pt, 0xc0001000, 0x700000, 4096, PTE_RW);
    struct hcall_ctx c = {.d = d, .pg = pt_paging(&pt, true)};
    const uint64_t va = 0xc0001000 - 6;

    const uint64_t ev[5] = {XENVER_extraversion, va};
    assert_int_equal(hypercall_dispatch(&c, __HYPERVISOR_xen_version, ev), 0);
    char got[16];
    memcpy(got, gm_ptr(&d->mem, 0x900000 + 4096 - 6, 6), 6);
    memcpy(got + 6, gm_ptr(&d->mem, 0x700000, 10), 10);
    static const char want[16] = "-xenolith";
    assert_memory_equal(got, want, sizeof(want));

    memcpy(gm_ptr(&d->mem, 0x900000 + 4096 - 6, 6), "pae gu", 6);
    memcpy(gm_ptr(&d->mem, 0x700000, 5), "est\n", 4);
    const uint64_t cw[5] = {CONSOLEIO_write, 10, va};
    assert_int_equal(hypercall_dispatch(&c, __HYPERVISOR_console_io, cw), 0);
    size_t len;
    char *text = fake_console_read(d, &len);
    assert_string_equal(text, "pae guest\n");
    free(text);
    fake_domain_free(d);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(xen_version_is_4_17),
        T(xen_version_extraversion_lands_in_the_guest_buffer),
        T(xen_version_to_a_read_only_or_unmapped_buffer_faults),
        T(xen_version_get_features_submap_0),
        T(xen_version_get_features_other_submaps_are_einval),
        T(xen_version_get_features_bad_pointer_faults),
        T(xen_version_unknown_command_is_enosys),
        T(xen_version_other_queries),
        T(console_write_appears_in_the_console_log),
        T(console_write_turns_non_printable_bytes_into_question_marks),
        T(console_write_of_many_pages_arrives_in_order),
        T(console_write_is_limited_to_1_mib),
        T(console_write_from_an_unmapped_buffer_faults),
        T(console_write_of_nothing_writes_nothing),
        T(console_read_and_unknown_commands),
        T(console_lines_reach_the_hypervisor_log_once_complete),
        T(console_write_without_a_console_log_still_succeeds),
        T(shutdown_stops_the_domain_with_its_reason),
        T(shutdown_code_latched_first_wins),
        T(a_second_shutdown_keeps_the_first_reason),
        T(shutdown_reason_above_max_is_einval),
        T(shutdown_with_a_bad_pointer_faults),
        T(shutdown_tells_the_main_loop),
        T(sched_op_other_commands),
        T(memory_map_lists_ram_and_the_special_pages),
        cmocka_unit_test(memory_map_with_high_ram_adds_ram_above_4g),
        T(memory_map_capacity_smaller_than_the_map),
        T(memory_map_bad_pointers_fault),
        T(reservation_queries_about_itself),
        T(reservation_of_another_domain_is_eperm),
        T(memory_op_ignores_the_continuation_bits_of_cmd),
        T(memory_op_unknown_command_is_enosys),
        T(add_to_physmap_puts_shared_info_over_a_ram_page),
        T(add_to_physmap_refusals),
        T(get_param_finds_the_xenstore_and_console_rings),
        T(set_param_callback_irq_then_get_it_back),
        T(set_param_on_a_forbidden_index_is_eperm),
        T(param_index_out_of_range_is_einval),
        T(param_of_another_domain_is_eperm),
        T(param_bad_pointers_fault),
        T(hvm_op_unknown_command_is_enosys),
        T(upcall_vector_for_a_bad_vcpu_or_low_vector_is_refused),
        T(guest_may_set_its_event_channel_params),
        T(vcpu_op_on_a_vcpu_that_does_not_exist_is_enoent),
        T(vcpu_op_is_up_reports_each_vcpu),
        T(hypercalls_from_outside_ring_0_are_eperm),
        T(unknown_hypercall_numbers_are_enosys),
        cmocka_unit_test(hypercall_names),
        cmocka_unit_test(unimplemented_calls_are_logged_a_bounded_number_of_times),
        cmocka_unit_test(pae_guest_reaches_its_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
