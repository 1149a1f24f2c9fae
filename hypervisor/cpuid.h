/*
 * cpuid.h - the CPUID a Xenolith guest sees: the host's supported leaves
 * with the hypervisor bit set and KVM's own leaves replaced by Xen's at
 * 0x40000000 (xen-abi.md 2.1), so a guest finds "XenVMMXenVMM" exactly as
 * on Xen. Pure: builds a table; kvm.c's caller installs it.
 */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include <linux/kvm.h>
#include <stdint.h>

#define XEN_CPUID_BASE        0x40000000u
#define XEN_CPUID_LEAVES      6u          /* base .. base+5 */
#define XEN_VERSION_MAJOR     4u
#define XEN_VERSION_MINOR     17u
#define XEN_HYPERCALL_MSR     0x40000000u

struct cpuid_identity {
    uint32_t vcpu_id;
    uint32_t domid;
    uint32_t tsc_khz;
};

/*
 * Writes into out (capacity `cap` entries) the guest table built from
 * `host` for one vCPU. Returns the entry count, or -E2BIG if cap is short.
 */
int cpuid_build(const struct kvm_cpuid2 *host, const struct cpuid_identity *id,
                struct kvm_cpuid_entry2 *out, unsigned cap);

/* Looks up (function, index) in a table; NULL if absent. */
const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid_entry2 *t, unsigned n,
                                          uint32_t function, uint32_t index);

#endif
