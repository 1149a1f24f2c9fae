/*
 * evil.c - app=evil: runs every attack family (evil.h), keeps the count,
 * and owns the checks that "nothing else changed": a canary page of our
 * own memory that no refused hypercall may write, and a sentinel event
 * channel (unbound, offered to Dom0) that no refused call may close or
 * rebind.
 */
#include <stdarg.h>

#include "apps/evil.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "xenolith/boot.h"

struct evil_world evil;

static const struct {
    const char *name;
    void (*run)(void);
} evil_families[] = {
    {"hcall", evil_hcall},
    {"evtchn", evil_evtchn},
    {"grant", evil_grant},
    {"blkif", evil_blkif},       /* before xenstore: the devices connect through it */
    {"netif", evil_netif},
    {"xenstore", evil_xenstore}, /* last: ends our store connection */
};

static const char *family = "?";
static unsigned attacks, passed, failed, skipped;
static uint8_t canary[4096] __attribute__((aligned(4096)));
static evtchn_port_t sentinel;

static uint8_t canary_byte(unsigned i)
{
    return (uint8_t)(i * 7 + 13);
}

void evil_family(const char *name)
{
    family = name;
}

bool evil_intact(const char **why)
{
    for (unsigned i = 0; i < sizeof(canary); i++) {
        if (canary[i] != canary_byte(i)) {
            *why = "our canary page changed";
            return false;
        }
    }
    struct evtchn_status st = {.dom = DOMID_SELF, .port = sentinel};
    long rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, (unsigned long)&st);
    if (rc != 0 || st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != 0) {
        *why = "our sentinel port changed";
        return false;
    }
    return true;
}

void evil_skip(const char *why)
{
    skipped++;
    printf("SKIP evil/%s: %s\n", family, why);
}

bool evil_expect(long got, long want, const char *what, ...)
{
    char text[160];
    va_list ap;
    va_start(ap, what);
    vsnprintf(text, sizeof(text), what, ap);
    va_end(ap);
    const char *why = 0;
    bool ok = got == want && evil_intact(&why);
    attacks++;
    if (ok) {
        passed++;
        printf("PASS evil/%s: %s = %ld\n", family, text, got);
    } else {
        failed++;
        printf("FAIL evil/%s: %s: got %ld, want %ld%s%s\n", family, text, got, want,
               why ? ", and " : "", why ? why : "");
    }
    return ok;
}

unsigned evil_bad_ptrs(struct evil_ptr *out, unsigned struct_size)
{
    unsigned n = 0;
    out[n++] = (struct evil_ptr){"above RAM", evil.map_end + (4ull << 20)};
    out[n++] = (struct evil_ptr){"unmapped user-half", 0x00007fff00000000ull};
    out[n++] = (struct evil_ptr){"non-canonical", 0x0000800000000000ull};
    out[n++] = (struct evil_ptr){"non-canonical high", 0x8000000000000000ull};
    out[n++] = (struct evil_ptr){"top page", 0xfffffffffffff000ull};
    out[n++] = (struct evil_ptr){"wrapping past 2^64", 0ull - (struct_size > 1 ? struct_size / 2 : 1)};
    if (evil.map_end_exact && struct_size > 1)
        out[n++] = (struct evil_ptr){"crossing out of RAM", evil.map_end - struct_size / 2};
    return n;
}

long evil_hypercall5(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    long ret;
    register uint64_t rdi __asm__("rdi") = a1;
    register uint64_t rsi __asm__("rsi") = a2;
    register uint64_t rdx __asm__("rdx") = a3;
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8)
                     : [stub] "r"(hypercall_page + nr * 32)
                     : "memory", "rcx", "r9", "r11");
    return ret;
}

static void world_init(void)
{
    evil.self = (domid_t)boot.domid;
    evil.victim = (domid_t)cmdline_u64("victim", DOMID_INVALID);
    uint64_t ram = boot.nr_pages * 4096;
    /* The builder maps RAM with 2 MiB pages (boot.h): a RAM size that is
     * a multiple of 2 MiB ends the mapping exactly there. */
    evil.map_end = (ram + (2ull << 20) - 1) & ~((2ull << 20) - 1);
    evil.map_end_exact = ram == evil.map_end && ram < XL_LOWMEM_LIMIT;
    for (unsigned i = 0; i < sizeof(canary); i++)
        canary[i] = canary_byte(i);
}

int app_evil(void)
{
    world_init();
    if (evtchn_alloc_unbound(0, &sentinel) < 0) {
        printf("evil: cannot allocate the sentinel port\n");
        return 1;
    }
    char only[32] = "";
    cmdline_get("only", only, sizeof(only));
    printf("evil: domain %u attacking%s%u, RAM mapped up to 0x%lx\n", evil.self,
           evil.victim == DOMID_INVALID ? " (no victim) " : " victim d",
           evil.victim == DOMID_INVALID ? 0 : evil.victim, (unsigned long)evil.map_end);
    for (unsigned i = 0; i < sizeof(evil_families) / sizeof(evil_families[0]); i++) {
        if (only[0] && strcmp(only, evil_families[i].name) != 0)
            continue;
        evil_family(evil_families[i].name);
        evil_families[i].run();
    }
    printf("evil: %u attacks, %u passed, %u failed, %u families skipped\n", attacks, passed, failed,
           skipped);
    return failed ? 1 : 0;
}
