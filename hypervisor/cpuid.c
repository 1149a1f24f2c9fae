/*
 * cpuid.c - Xen's CPUID leaves for a PVH guest (xen-abi.md 2.1).
 */
#include "cpuid.h"

#include <errno.h>
#include <string.h>

#include "xenolith/boot.h"

/* Leaf base+4 EAX bits (arch-x86/cpuid.h); we claim only what we provide. */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT   (1u << 4)
#define XEN_HVM_CPUID_UPCALL_VECTOR   (1u << 6)

#define CPUID_1_ECX_HYPERVISOR        (1u << 31)

static int put(struct kvm_cpuid_entry2 *out, unsigned cap, unsigned *n,
               uint32_t function, uint32_t index, uint32_t flags,
               uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    if (*n >= cap)
        return -E2BIG;
    out[*n] = (struct kvm_cpuid_entry2){
        .function = function, .index = index, .flags = flags,
        .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
    };
    (*n)++;
    return 0;
}

static int put_xen_leaves(struct kvm_cpuid_entry2 *out, unsigned cap, unsigned *n,
                          const struct cpuid_identity *id)
{
    const uint32_t b = XEN_CPUID_BASE;
    const uint32_t idx = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    /* tsc_to_system_mul/shift for base+3 sub 1: ns = (tsc << shift) * mul >> 32. */
    uint64_t khz = id->tsc_khz ? id->tsc_khz : 1;
    int shift = 0;
    uint64_t mul = (1000000ull << 32) / khz;
    while (mul >= (1ull << 32)) {
        mul >>= 1;
        shift++;
    }
    int rc = 0;
    rc |= put(out, cap, n, b + 0, 0, 0, b + 5, 0x566e6558, 0x65584d4d, 0x4d4d566e);
    rc |= put(out, cap, n, b + 1, 0, 0, XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR, 0, 0, 0);
    rc |= put(out, cap, n, b + 2, 0, 0, 1, XEN_HYPERCALL_MSR, 0, 0);
    /* base+3: TSC is native (mode 2), not emulated; guest TSC kHz in ECX. */
    rc |= put(out, cap, n, b + 3, 0, idx, 0, 2, id->tsc_khz, 0);
    rc |= put(out, cap, n, b + 3, 1, idx, 0, 0, (uint32_t)mul, (uint32_t)shift);
    rc |= put(out, cap, n, b + 3, 2, idx, id->tsc_khz, 0, 0, 0);
    rc |= put(out, cap, n, b + 4, 0, idx,
              XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                  XEN_HVM_CPUID_UPCALL_VECTOR,
              id->vcpu_id, id->domid, 0);
    rc |= put(out, cap, n, b + 5, 0, 0, 0, 0, 0, 0);
    rc |= put(out, cap, n, XL_CPUID_XENOLITH, 0, 0, XL_CPUID_XENOLITH + 1, XL_CPUID_SIG_EBX,
              XL_CPUID_SIG_ECX, XL_CPUID_SIG_EDX);
    rc |= put(out, cap, n, XL_CPUID_XENOLITH + 1, 0, 0, XL_EVTCHN_NOTIFY_PORT, 0, 0, 0);
    return rc ? -E2BIG : 0;
}

int cpuid_build(const struct kvm_cpuid2 *host, const struct cpuid_identity *id,
                struct kvm_cpuid_entry2 *out, unsigned cap)
{
    unsigned n = 0;
    for (unsigned i = 0; i < host->nent; i++) {
        struct kvm_cpuid_entry2 e = host->entries[i];
        if (e.function >= XEN_CPUID_BASE && e.function < XEN_CPUID_BASE + 0x10000)
            continue; /* KVM's signature leaves: a Xen guest must see Xen's */
        if (e.function == 1) {
            e.ecx |= CPUID_1_ECX_HYPERVISOR;
            e.ebx = (e.ebx & 0x00ffffffu) | (id->vcpu_id << 24); /* initial APIC id */
        }
        if (e.function == 0xb || e.function == 0x1f)
            e.edx = id->vcpu_id; /* x2APIC id */
        if (n >= cap)
            return -E2BIG;
        out[n++] = e;
    }
    int rc = put_xen_leaves(out, cap, &n, id);
    return rc < 0 ? rc : (int)n;
}

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid_entry2 *t, unsigned n,
                                          uint32_t function, uint32_t index)
{
    for (unsigned i = 0; i < n; i++) {
        if (t[i].function != function)
            continue;
        if ((t[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && t[i].index != index)
            continue;
        return &t[i];
    }
    return NULL;
}
