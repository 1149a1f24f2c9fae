/*
 * hcall_console.c - __HYPERVISOR_console_io (xen-abi.md 3.3): the early
 * console every guest writes before its console ring is up.
 */
#include <errno.h>

#include "domain.h"
#include "hypercall.h"

/* A single write is bounded so one hypercall cannot hold a vCPU thread for
 * long; Xen splits big writes with continuations, guests never notice. */
#define CONSOLE_WRITE_MAX (1u << 20)

static long console_write(struct hcall_ctx *c, uint64_t count, uint64_t buf)
{
    if (count > CONSOLE_WRITE_MAX)
        return -EINVAL;
    char chunk[256];
    while (count) {
        size_t n = count < sizeof(chunk) ? count : sizeof(chunk);
        if (hcall_copy_from(c, chunk, buf, n) < 0)
            return -EFAULT;
        domain_console_write(c->d, chunk, n);
        buf += n;
        count -= n;
    }
    return 0;
}

long hcall_console_io(struct hcall_ctx *c, const uint64_t *args)
{
    switch (args[0]) {
    case CONSOLEIO_write:
        return console_write(c, args[1], args[2]);
    case CONSOLEIO_read:
        return 0; /* no hypervisor-console input for a domU */
    default:
        return hcall_unimplemented(c, "console_io cmd", args[0]);
    }
}
