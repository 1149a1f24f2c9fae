/*
 * boot.h - how the domain builder hands a guest to its first instruction,
 * and how a guest reaches the hypervisor. Shared by the hypervisor, the
 * builder in dom0-tools and the guest kernel; plain C with no Xen includes so
 * the freestanding guest can use it.
 *
 * Guest-physical layout built by the domain builder (both boot paths):
 *
 *   [0, low_end)                 RAM, low_end = min(memory, XL_LOWMEM_LIMIT)
 *   [4 GiB, 4 GiB + rest)        RAM above the hole, if memory > low_end
 *   XL_SPECIAL_PFN_BASE .. +8    Xen's special pages (xen-abi.md 1.4):
 *                                index 4 xenstore ring, 7 console ring
 *
 * The 64-bit PV-style entry (ELF note XEN_ELFNOTE_ENTRY), used by our guest:
 *   - long mode, paging on, CPL 0; CS 0x10, SS/DS/ES 0x18 (flat), RFLAGS 0x2;
 *   - CR3 = builder page tables mapping all RAM and the special pages 1:1
 *     (virtual == physical) with 2 MiB pages, U=1 and W=1 at every level,
 *     as kvm_pvm requires (shared/docs/pvm-guest.md 4);
 *   - RSI = guest-virtual (== physical) address of Xen's struct start_info;
 *   - RSP = top of a builder-allocated boot stack page;
 *   - RDX = XL_BOOT_FLAG_* bits below (Xen's PV ABI leaves RDX undefined).
 *
 * The PVH entry (ELF note XEN_ELFNOTE_PHYS32_ENTRY): exactly Xen's
 * (xen-abi.md 1.2): 32-bit protected mode, paging off, EBX = address of
 * struct hvm_start_info.
 */
#ifndef XENOLITH_BOOT_H
#define XENOLITH_BOOT_H

/* RDX at the 64-bit entry. */
#define XL_BOOT_FLAG_KVM_PVM   (1u << 0) /* host is kvm_pvm: register PVCS first */

/* kvm_pvm's guest MSRs (pvm-guest.md 3.2). */
#define XL_MSR_PVM_PVCS        0x4b564d10u /* write: PVCS GPA enters PVM mode */
#define XL_MSR_PVM_MAGIC       0x4b564d11u /* read: 0x4d5650 ("PVM") */
#define XL_PVM_MAGIC           0x4d5650u

/*
 * Hypercall stubs in the hypercall page are "mov $nr,%eax; out %al,$PORT;
 * ret": the port write exits to the hypervisor, which dispatches on RAX.
 * (vmcall/vmmcall livelock on kvm_pvm, pvm-guest.md 8.)
 */
#define XL_HYPERCALL_PORT      0x5au

/*
 * Event-channel notify port: a guest that writes an event-channel port
 * number (32-bit `out %eax`) here has done EVTCHNOP_send on it. When the
 * peer is a Dom0 process, KVM signals that process's eventfd directly
 * (ioeventfd with datamatch) and the daemon never runs: 2.3 us instead of
 * a 25 us exit on kvm_pvm. Advertised in CPUID leaf XL_CPUID_XENOLITH+1.
 */
#define XL_EVTCHN_NOTIFY_PORT  0x5bu

/*
 * Xenolith's own CPUID leaves, after Xen's (a Xen guest stops at Xen's
 * signature at 0x40000000 and never looks here):
 *   0x40000100: EAX = max leaf (0x40000101), EBX ECX EDX = "Xenolith\0\0\0\0"
 *   0x40000101: EAX = XL_EVTCHN_NOTIFY_PORT
 */
#define XL_CPUID_XENOLITH      0x40000100u
#define XL_CPUID_SIG_EBX       0x6f6e6558u /* "Xeno" */
#define XL_CPUID_SIG_ECX       0x6874696cu /* "lith" */
#define XL_CPUID_SIG_EDX       0x00000000u
#define XL_HYPERCALL_STUB_SIZE 32u

/* Guest-physical layout. */
#define XL_LOWMEM_LIMIT        0xfc000000ull
#define XL_HIGHMEM_BASE        0x100000000ull
#define XL_SPECIAL_PFN_BASE    0xfeff8ull
#define XL_SPECIAL_PAGES       8u
#define XL_SPECIAL_XENSTORE    4u
#define XL_SPECIAL_CONSOLE     7u

/* Selectors the builder loads at the 64-bit entry (Linux-like GDT layout). */
#define XL_BOOT_CS             0x10u
#define XL_BOOT_DS             0x18u



/*
 * Where guest-physical [gpa, gpa+len) lives in the domain's memory fd
 * (layout above; low/high = RAM bytes below and above the hole). Returns
 * the fd offset, or -1 if the range is not wholly inside one region. The
 * one translation both the hypervisor and a foreign mapping use.
 */
#ifndef __ASSEMBLER__
static inline long long xl_gpa_to_offset(unsigned long long low, unsigned long long high,
                                         unsigned long long gpa, unsigned long long len)
{
    const unsigned long long special = XL_SPECIAL_PFN_BASE << 12;
    const unsigned long long special_len = XL_SPECIAL_PAGES * 4096ull;
    if (gpa < low && len <= low - gpa)
        return (long long)gpa;
    if (gpa >= XL_HIGHMEM_BASE && gpa - XL_HIGHMEM_BASE < high &&
        len <= high - (gpa - XL_HIGHMEM_BASE))
        return (long long)(low + (gpa - XL_HIGHMEM_BASE));
    if (gpa >= special && gpa - special < special_len && len <= special_len - (gpa - special))
        return (long long)(low + high + (gpa - special));
    return -1;
}
#endif /* __ASSEMBLER__ */

#endif /* XENOLITH_BOOT_H */
