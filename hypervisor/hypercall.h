/*
 * hypercall.h - dispatch of Xen hypercalls from a vCPU's exit loop.
 *
 * One table row per hypercall number, one file per family
 * (hcall_<family>.c). A handler gets the calling context and the five
 * argument registers (already picked for 64- or 32-bit mode) and returns
 * Xen's long result: >= 0 or -XEN_E*. Unknown numbers and sub-ops return
 * -ENOSYS and log one line naming them (the first few per domain).
 * Handlers run on the calling vCPU's thread.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "guest_access.h"

struct domain;
struct vcpu;

struct hcall_ctx {
    struct domain *d;
    struct vcpu *v;              /* NULL in unit tests that need no vCPU */
    unsigned vcpu_id;
    unsigned cpl;                /* caller's privilege level */
    struct guest_paging pg;      /* to reach pointer arguments */
};

typedef long (*hcall_fn)(struct hcall_ctx *c, const uint64_t *args);

long hypercall_dispatch(struct hcall_ctx *c, uint64_t nr, const uint64_t args[5]);
const char *hypercall_name(uint64_t nr);

/* Logs "d<id> vcpu<n>: <what> not implemented" (rate-limited) and
 * returns -ENOSYS; handlers use it for unknown sub-ops. */
long hcall_unimplemented(struct hcall_ctx *c, const char *what, uint64_t sub);

/* Copies a guest pointer argument; -EFAULT on any bad address. */
int hcall_copy_from(struct hcall_ctx *c, void *dst, uint64_t gva, size_t len);
int hcall_copy_to(struct hcall_ctx *c, uint64_t gva, const void *src, size_t len);

/* A handler's struct argument: COPY_IN returns -EFAULT from the handler
 * when the guest pointer is bad; COPY_OUT and COPY_FIELD_OUT give 0 or
 * -EFAULT (the field form writes back only that member, as Xen does for
 * status fields). */
#define COPY_IN(c, arg, s) \
    do { if (hcall_copy_from(c, &(s), arg, sizeof(s)) < 0) return -EFAULT; } while (0)
#define COPY_OUT(c, arg, s) hcall_copy_to(c, arg, &(s), sizeof(s))
#define COPY_FIELD_OUT(c, arg, s, f) \
    hcall_copy_to(c, (arg) + offsetof(__typeof__(s), f), &(s).f, sizeof((s).f))

/* The families. */
long hcall_xen_version(struct hcall_ctx *c, const uint64_t *args);
long hcall_console_io(struct hcall_ctx *c, const uint64_t *args);
long hcall_sched_op(struct hcall_ctx *c, const uint64_t *args);
long hcall_vcpu_op(struct hcall_ctx *c, const uint64_t *args);
long hcall_memory_op(struct hcall_ctx *c, const uint64_t *args);
long hcall_hvm_op(struct hcall_ctx *c, const uint64_t *args);
long hcall_event_channel_op(struct hcall_ctx *c, const uint64_t *args);
long hcall_set_timer_op(struct hcall_ctx *c, const uint64_t *args);
long hcall_grant_table_op(struct hcall_ctx *c, const uint64_t *args);

/* Fills a hypercall page (4 KiB) with Xen-layout stubs that exit through
 * XL_HYPERCALL_PORT (include/xenolith/boot.h). */
void hypercall_page_fill(uint8_t *page);

#endif
