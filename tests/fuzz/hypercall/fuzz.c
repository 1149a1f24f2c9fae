/*
 * tests/fuzz/hypercall - the hypercall dispatcher and every family's
 * argument decoding, driven as a guest drives them: the fuzz input is both
 * the register arguments and the guest's memory those arguments point at.
 *
 * World per input (fresh each time, so a crash replays alone): guest G
 * (d7, 2 vCPUs with timers, an event-channel and a grant table, long-mode
 * page tables from fake_domain.h with FAKE_GUEST_ARG_PAGES writable pages
 * at FAKE_GUEST_ARG_VA), bystander B (d2, same tables) and Dom0's
 * pseudo-domain. B offers one unbound port to G (which G may bind) and one
 * to d3 (which G must not), and has a patterned page of RAM.
 *
 * Input layout:
 *   byte 0        number of calls (1..8) and, bit 7, CPL 3 instead of 0
 *   per call      1 byte hypercall number (mod 64), 5 x (1 byte kind + 8
 *                 bytes value) for the argument registers
 *   the rest      copied over the argument pages before the calls
 * An argument's kind picks what the value becomes: the raw value, an
 * address inside the argument pages (value mod their size), the last bytes
 * of a page (so a struct straddles two frames), the unmapped page after
 * them, a non-canonical address, or a small number.
 *
 * SCHEDOP_block and SCHEDOP_poll are skipped: they sleep until an event,
 * which is their job, and would only stall the fuzzer.
 *
 * Invariants (abort() = a finding): every result is >= 0 or a Xen errno
 * (-1..-4095); B's patterned page is unchanged; B's port offered to d3 is
 * still unbound and still offered to d3; nothing leaks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../fake_domain_fuzz.h"
#include "../../../hypervisor/gnttab.h"
#include "../../../hypervisor/gnttab_dom0.h"

#define RAM         (16 * MiB)
#define G_DOMID     7u
#define B_DOMID     2u
#define OTHER_DOMID 3u
#define B_PATTERN   0x600000ull
#define ARG_BYTES   (FAKE_GUEST_ARG_PAGES * 4096ull)
#define CALL_BYTES  (1 + 5 * 9)

static bool started;

static void start_once(void)
{
    if (started)
        return;
    started = true;
    if (log_open("/dev/null") != 0 || vtime_init() != 0)
        abort();
    fake_dom0_init();
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t make_arg(uint8_t kind, uint64_t v)
{
    switch (kind % 8) {
    case 0: return v;
    case 1:
    case 2: return FAKE_GUEST_ARG_VA + v % ARG_BYTES;
    case 3: return FAKE_GUEST_ARG_VA + 4096 * (v % FAKE_GUEST_ARG_PAGES) + 4096 - 1 - v % 64;
    case 4: return FAKE_GUEST_NOMAP_VA + v % 4096;
    case 5: return 0x0000800000000000ull + v % 0x100000; /* non-canonical */
    default: return v & 0xff;
    }
}

static bool sleeps(uint64_t nr, uint64_t cmd)
{
    return nr == __HYPERVISOR_sched_op && (cmd == SCHEDOP_block || cmd == SCHEDOP_poll);
}

static void add_tables(struct domain *d)
{
    if (gnttab_init(d, 4) != 0)
        abort();
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (vtime_vcpu_init(d->vcpus[i]) != 0)
            abort();
}

static void drop_tables(struct domain *d)
{
    gnttab_dom0_domain_gone(d);
    gnttab_destroy(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 + CALL_BYTES)
        return 0;
    start_once();
    unsigned ncalls = 1 + (data[0] & 7);
    if (size < 1 + ncalls * (size_t)CALL_BYTES)
        ncalls = (unsigned)((size - 1) / CALL_BYTES);

    struct fake_guest *g = fake_guest_new(RAM, G_DOMID, 2);
    struct fake_guest *b = fake_guest_new(RAM, B_DOMID, 1);
    add_tables(g->d);
    add_tables(b->d);
    g->c.cpl = (data[0] & 0x80) ? 3 : 0;
    uint32_t offered_to_g, offered_to_other;
    if (evtchn_alloc_unbound(b->d, G_DOMID, &offered_to_g) ||
        evtchn_alloc_unbound(b->d, OTHER_DOMID, &offered_to_other))
        abort();
    fill_pattern(gm_ptr(&b->d->mem, B_PATTERN, 4096), 4096, 9);

    const uint8_t *calls = data + 1;
    size_t used = 1 + ncalls * (size_t)CALL_BYTES;
    size_t rest = size - used;
    if (rest > ARG_BYTES)
        rest = ARG_BYTES;
    memcpy(fake_guest_arg(g, 0, rest), data + used, rest);

    for (unsigned i = 0; i < ncalls; i++) {
        const uint8_t *p = calls + i * (size_t)CALL_BYTES;
        uint64_t nr = p[0] % 64, args[5];
        for (unsigned a = 0; a < 5; a++)
            args[a] = make_arg(p[1 + a * 9], get64(p + 2 + a * 9));
        if (sleeps(nr, args[0]))
            continue;
        long rc = hypercall_dispatch(&g->c, nr, args);
        if (rc < -4095)
            abort();
    }

    uint8_t expect[4096];
    fill_pattern(expect, sizeof(expect), 9);
    if (memcmp(gm_ptr(&b->d->mem, B_PATTERN, 4096), expect, 4096) != 0)
        abort();
    struct evtchn_status st = {.port = offered_to_other};
    if (evtchn_status(b->d, offered_to_other, &st) != 0 || st.status != EVTCHNSTAT_unbound ||
        st.u.unbound.dom != OTHER_DOMID)
        abort();

    drop_tables(g->d);
    drop_tables(b->d);
    fake_guest_free(g);
    fake_guest_free(b);
    return 0;
}
