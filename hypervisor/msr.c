/*
 * msr.c - the Xen hypercall-page MSR.
 */
#include "msr.h"

#include "cpuid.h"
#include "domain.h"
#include "hypercall.h"
#include "log.h"

int msr_write(struct domain *d, unsigned vcpu_id, uint32_t index, uint64_t value)
{
    if (index != XEN_HYPERCALL_MSR)
        return 1;
    uint64_t gpa = value & ~0xfffull;
    uint64_t page_index = value & 0xfff;
    /* Only page 0 exists, and it must be ordinary guest RAM (Xen: #GP). */
    if (page_index != 0 || !guest_mem_is_ram(&d->mem, gpa)) {
        log_info("d%u vcpu%u: hypercall page at 0x%llx refused (#GP)", d->domid, vcpu_id,
                 (unsigned long long)value);
        return 1;
    }
    uint8_t *page = guest_mem_gpa(&d->mem, gpa, 4096);
    if (!page)
        return 1;
    hypercall_page_fill(page);
    return 0;
}

int msr_read(struct domain *d, uint32_t index, uint64_t *value)
{
    (void)d;
    if (index != XEN_HYPERCALL_MSR)
        return 1;
    *value = 0; /* Xen's hypercall MSR reads back as 0 */
    return 0;
}
