/*
 * tests/fuzz/control - the daemon's control-protocol request decoding
 * (hypervisor/control.c control_handle) and the Dom0 event-channel and
 * grant operations behind it.
 *
 * The control socket is root-only, so its clients are trusted; the
 * decoding must still never crash the daemon that every guest lives in:
 * a buggy tool, a truncated packet or a client that dies mid-way costs
 * only its own request.
 *
 * World per input: guest domain d5 registered in the domain table without
 * KVM (fake_domain.h: memory, 1 fake vCPU, event channels, a grant table)
 * and Dom0's pseudo-domain. Without KVM, the ops that start or stop vCPUs
 * or create VMs (DOMAIN_CREATE, SET_BOOT, UNPAUSE, PAUSE, DESTROY) would
 * test the fake rather than the code; those packets are skipped (their
 * refusals are in test_control.c, their real paths in the integration
 * tests).
 *
 * Input layout: 64 bytes copied over grant entries 2..9 of d5 (so the
 * fuzzer can write valid grants for GNTTAB_MAP / COPY to follow), then
 * packets: 1 byte client id (0..3), 2 bytes length, that many bytes.
 *
 * Invariants (abort() = a finding): every reply carries the magic and
 * version, hdr.len == len <= XLCTL_MAX_PAYLOAD, a refusal has no payload
 * (DOMAIN_CREATE's reason aside); when every client is gone, no Dom0
 * grant mapping is left (gnttab_dom0_count() == 0) and d5's memory
 * outside the granted frames is untouched.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../fake_domain_fuzz.h"
#include "../../../hypervisor/control.h"
#include "../../../hypervisor/gnttab.h"
#include "../../../hypervisor/gnttab_dom0.h"

#define RAM      (16 * MiB)
#define DOMID    5u
#define CLIENTS  4u
#define CANARY   0xa00000ull /* a page no grant may name: frames < 0x400 only */

static uint8_t *payload;

static bool skipped(uint16_t op)
{
    return op == XLCTL_OP_DOMAIN_CREATE || op == XLCTL_OP_DOMAIN_SET_BOOT ||
           op == XLCTL_OP_DOMAIN_UNPAUSE || op == XLCTL_OP_DOMAIN_PAUSE ||
           op == XLCTL_OP_DOMAIN_DESTROY;
}

static void check_reply(const struct control_reply *r)
{
    if (r->hdr.magic != XLCTL_MAGIC || r->hdr.version != XLCTL_VERSION)
        abort();
    if (r->len > XLCTL_MAX_PAYLOAD || r->hdr.len != r->len)
        abort();
    if (r->hdr.status < 0 && r->hdr.op != XLCTL_OP_DOMAIN_CREATE && r->len != 0)
        abort();
    if (r->hdr.status > 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 64)
        return 0;
    if (!payload) {
        payload = malloc(XLCTL_MAX_PAYLOAD);
        if (!payload || log_open("/dev/null") != 0)
            abort();
        fake_dom0_init();
    }
    struct domain *d = fake_evtchn_domain_new(RAM, DOMID, 1);
    if (gnttab_init(d, 4) != 0)
        abort();
    grant_entry_v1_t *ents = d->gnttab->frame[0];
    for (unsigned i = 0; i < 8; i++) {
        memcpy(&ents[2 + i], data + 8 * i, 8);
        ents[2 + i].frame &= 0x3ff; /* keeps grants off the canary page */
    }
    fill_pattern(gm_ptr(&d->mem, CANARY, 4096), 4096, 3);

    size_t off = 64;
    while (size - off >= 3) {
        uint32_t client = 1 + data[off] % CLIENTS;
        size_t len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
        off += 3;
        if (len > size - off)
            len = size - off;
        uint8_t *pkt = malloc(len ? len : 1); /* exactly len bytes for ASan */
        if (!pkt)
            abort();
        memcpy(pkt, data + off, len);
        off += len;
        struct xlctl_hdr h = {0};
        if (len >= sizeof(h))
            memcpy(&h, pkt, sizeof(h));
        if (len >= sizeof(h) && skipped(h.op)) {
            free(pkt);
            continue;
        }
        struct control_reply r = {.client = client, .payload = payload, .fd2 = -1};
        control_handle(pkt, len, &r);
        free(pkt);
        if (!r.wait_pending)
            check_reply(&r);
    }

    for (uint32_t c = 1; c <= CLIENTS; c++)
        control_client_gone(c);
    if (gnttab_dom0_count() != 0)
        abort();
    uint8_t expect[4096];
    fill_pattern(expect, sizeof(expect), 3);
    if (memcmp(gm_ptr(&d->mem, CANARY, 4096), expect, 4096) != 0)
        abort();

    gnttab_dom0_domain_gone(d);
    gnttab_destroy(d);
    fake_evtchn_domain_free(d);
    return 0;
}
