/*
 * console_evil.c - app=console-evil [half=out|in] [hold_s=S]: a hostile
 * guest for xenconsoled. It breaks its own console ring behind its
 * driver's back, making prod - cons impossible in the output half (or the
 * input half), and kicks the backend, which must drop this console with
 * one log line and serve every other guest as before. Then it keeps
 * printing for S seconds (its driver notices the corrupt ring and falls
 * back to console_io, so these lines still reach the console log).
 */
#include "kernel/console.h"
#include "kernel/events.h"
#include "kernel/hypercall.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "xenolith/xen_console.h"

#include <console.h> /* pv-frontends/console.h */

static uint64_t param(uint32_t index)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    return HYPERVISOR_hvm_op(HVMOP_get_param, &p) == 0 ? p.value : 0;
}

int app_console_evil(void)
{
    char half[8] = "out";
    cmdline_get("half", half, sizeof(half));
    uint64_t hold_s = cmdline_u64("hold_s", 30);
    uint64_t pfn = param(HVM_PARAM_CONSOLE_PFN);
    uint64_t port = param(HVM_PARAM_CONSOLE_EVTCHN);
    if (!pfn || !port) {
        printf("console-evil: no console ring\n");
        return 1;
    }
    /* Break it under xenconsoled's eyes, not before it looked. */
    uint64_t deadline = time_now_ns() + 5000000000ull;
    while (!xencons_backend_seen() && time_now_ns() < deadline)
        sleep_ns(10000000ull);
    printf("console-evil: ready\n");
    console_flush();
    struct xencons_interface *intf = (struct xencons_interface *)(uintptr_t)(pfn << 12);
    if (strcmp(half, "in") == 0) {
        uint32_t prod = __atomic_load_n(&intf->in_prod, __ATOMIC_ACQUIRE);
        __atomic_store_n(&intf->in_cons, prod + 0x10000u, __ATOMIC_RELEASE);
    } else {
        uint32_t cons = __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE);
        __atomic_store_n(&intf->out_prod, cons + 0x10000u, __ATOMIC_RELEASE);
    }
    evtchn_notify((evtchn_port_t)port);
    printf("console-evil: corrupted the %s ring's indexes\n", half);
    console_flush();
    for (uint64_t i = 1; i <= hold_s * 2; i++) {
        sleep_ns(500000000ull);
        printf("console-evil: still running (%llu)\n", (unsigned long long)i);
        console_flush();
    }
    return 0;
}
