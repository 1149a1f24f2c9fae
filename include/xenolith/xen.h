/*
 * xen.h - the one way Xenolith includes Xen's public headers.
 *
 * Xen's headers (Debian libxen-dev, /usr/include/xen) are the guest ABI. They
 * silently switch to legacy hypercall numbers unless the interface version is
 * defined before the first include, so every file that needs the ABI includes
 * this header instead of <xen/...> directly. The static asserts below pin
 * every struct size and offset our code relies on; a header change that moves
 * one breaks the build, not a guest.
 */
#ifndef XENOLITH_XEN_H
#define XENOLITH_XEN_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/version.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/memory.h>
#include <xen/elfnote.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/grant_table.h>

/* The numbers the headers must give with the right interface version. */
_Static_assert(__HYPERVISOR_sched_op == 29, "sched_op number (interface version?)");
_Static_assert(__HYPERVISOR_event_channel_op == 32, "event_channel_op number");
_Static_assert(__HYPERVISOR_xen_version == 17, "xen_version number");
_Static_assert(__HYPERVISOR_console_io == 18, "console_io number");
_Static_assert(__HYPERVISOR_memory_op == 12, "memory_op number");
_Static_assert(__HYPERVISOR_vcpu_op == 24, "vcpu_op number");
_Static_assert(__HYPERVISOR_hvm_op == 34, "hvm_op number");

/* start_info (64-bit PV-style entry). */
_Static_assert(sizeof(struct start_info) == 1168, "start_info size");
_Static_assert(offsetof(struct start_info, nr_pages) == 32, "start_info.nr_pages");
_Static_assert(offsetof(struct start_info, shared_info) == 40, "start_info.shared_info");
_Static_assert(offsetof(struct start_info, flags) == 48, "start_info.flags");
_Static_assert(offsetof(struct start_info, store_mfn) == 56, "start_info.store_mfn");
_Static_assert(offsetof(struct start_info, store_evtchn) == 64, "start_info.store_evtchn");
_Static_assert(offsetof(struct start_info, console.domU.mfn) == 72, "start_info.console mfn");
_Static_assert(offsetof(struct start_info, console.domU.evtchn) == 80, "start_info.console evtchn");
_Static_assert(offsetof(struct start_info, pt_base) == 88, "start_info.pt_base");
_Static_assert(offsetof(struct start_info, nr_pt_frames) == 96, "start_info.nr_pt_frames");
_Static_assert(offsetof(struct start_info, mod_start) == 112, "start_info.mod_start");
_Static_assert(offsetof(struct start_info, cmd_line) == 128, "start_info.cmd_line");

/* hvm_start_info (PVH entry), xen-abi.md section 1.3. */
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "hvm_start_info.cmdline");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "hvm_start_info.memmap");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "hvm_start_info.memmap_entries");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry size");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");

/* shared_info and vcpu_info (xen-abi.md 4.1, 4.2, 5.1). */
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_pending) == 0, "vcpu_info.upcall_pending");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "vcpu_info.pending_sel");
_Static_assert(offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info size");
_Static_assert(offsetof(struct vcpu_time_info, tsc_timestamp) == 8, "time.tsc_timestamp");
_Static_assert(offsetof(struct vcpu_time_info, system_time) == 16, "time.system_time");
_Static_assert(offsetof(struct vcpu_time_info, tsc_to_system_mul) == 24, "time.mul");
_Static_assert(offsetof(struct vcpu_time_info, tsc_shift) == 28, "time.shift");
_Static_assert(offsetof(struct vcpu_time_info, flags) == 29, "time.flags");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "shared_info.evtchn_pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 2560, "shared_info.evtchn_mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 3072, "shared_info.wc_version");
_Static_assert(offsetof(struct shared_info, wc_sec) == 3076, "shared_info.wc_sec");
_Static_assert(offsetof(struct shared_info, wc_nsec) == 3080, "shared_info.wc_nsec");
_Static_assert(offsetof(struct shared_info, wc_sec_hi) == 3084, "shared_info.wc_sec_hi");
_Static_assert(sizeof(struct shared_info) <= 4096, "shared_info fits a page");

/* Event-channel ops (xen-abi.md 4.4). */
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound size");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain size");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "bind_virq size");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "bind_ipi size");
_Static_assert(sizeof(struct evtchn_close) == 4, "close size");
_Static_assert(sizeof(struct evtchn_send) == 4, "send size");
_Static_assert(sizeof(struct evtchn_status) == 24, "status size");
_Static_assert(offsetof(struct evtchn_status, u) == 16, "status.u");
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "bind_vcpu size");
_Static_assert(sizeof(struct evtchn_unmask) == 4, "unmask size");
_Static_assert(sizeof(struct evtchn_reset) == 2, "reset size");

/* Timer and vCPU ops. */
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context size (xen-abi.md 1.2)");
_Static_assert(offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "vcpu_hvm_context.cpu_regs");
_Static_assert(offsetof(struct vcpu_hvm_x86_64, rip) == 64, "vcpu_hvm_x86_64.rip");
_Static_assert(offsetof(struct vcpu_hvm_x86_64, cr3) == 88, "vcpu_hvm_x86_64.cr3");
_Static_assert(offsetof(struct vcpu_hvm_x86_64, efer) == 104, "vcpu_hvm_x86_64.efer");
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "singleshot size");
_Static_assert(sizeof(struct vcpu_set_periodic_timer) == 8, "periodic size");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "register_vcpu_info size");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap size");
_Static_assert(offsetof(struct xen_add_to_physmap, space) == 4, "add_to_physmap.space");
_Static_assert(offsetof(struct xen_add_to_physmap, idx) == 8, "add_to_physmap.idx");
_Static_assert(offsetof(struct xen_add_to_physmap, gpfn) == 16, "add_to_physmap.gpfn");
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector size");

/* Grant tables v1 (xen-abi.md 6): the entry and every op we decode. */
_Static_assert(__HYPERVISOR_grant_table_op == 20, "grant_table_op number");
_Static_assert(sizeof(grant_entry_v1_t) == 8, "grant_entry_v1 size");
_Static_assert(offsetof(grant_entry_v1_t, domid) == 2, "grant_entry_v1.domid");
_Static_assert(offsetof(grant_entry_v1_t, frame) == 4, "grant_entry_v1.frame");
_Static_assert(sizeof(grant_ref_t) == 4 && sizeof(grant_handle_t) == 4, "grant ref/handle size");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref size");
_Static_assert(offsetof(struct gnttab_map_grant_ref, flags) == 8, "map_grant_ref.flags");
_Static_assert(offsetof(struct gnttab_map_grant_ref, ref) == 12, "map_grant_ref.ref");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dom) == 16, "map_grant_ref.dom");
_Static_assert(offsetof(struct gnttab_map_grant_ref, status) == 18, "map_grant_ref.status");
_Static_assert(offsetof(struct gnttab_map_grant_ref, handle) == 20, "map_grant_ref.handle");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24, "map_grant_ref.dev_bus_addr");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref size");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, handle) == 16, "unmap_grant_ref.handle");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, status) == 20, "unmap_grant_ref.status");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table size");
_Static_assert(offsetof(struct gnttab_setup_table, nr_frames) == 4, "setup_table.nr_frames");
_Static_assert(offsetof(struct gnttab_setup_table, status) == 8, "setup_table.status");
_Static_assert(offsetof(struct gnttab_setup_table, frame_list) == 16, "setup_table.frame_list");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy size");
_Static_assert(offsetof(struct gnttab_copy, source.domid) == 8, "copy.source.domid");
_Static_assert(offsetof(struct gnttab_copy, source.offset) == 10, "copy.source.offset");
_Static_assert(offsetof(struct gnttab_copy, dest) == 16, "copy.dest");
_Static_assert(offsetof(struct gnttab_copy, len) == 32, "copy.len");
_Static_assert(offsetof(struct gnttab_copy, flags) == 34, "copy.flags");
_Static_assert(offsetof(struct gnttab_copy, status) == 36, "copy.status");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size size");
_Static_assert(offsetof(struct gnttab_query_size, nr_frames) == 4, "query_size.nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, max_nr_frames) == 8, "query_size.max_nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, status) == 12, "query_size.status");
_Static_assert(sizeof(struct gnttab_set_version) == 4, "set_version size");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "get_version size");
_Static_assert(offsetof(struct gnttab_get_version, version) == 4, "get_version.version");
_Static_assert(sizeof(struct gnttab_swap_grant_ref) == 12, "swap_grant_ref size");
_Static_assert(offsetof(struct gnttab_swap_grant_ref, status) == 8, "swap_grant_ref.status");
_Static_assert(XENMAPSPACE_grant_table == 1, "XENMAPSPACE_grant_table");

/* Hypercall argument structs we decode. */
_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown size");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll size");
_Static_assert(sizeof(xen_feature_info_t) == 8, "xen_feature_info size");
_Static_assert(sizeof(xen_extraversion_t) == 16, "xen_extraversion size");
_Static_assert(sizeof(xen_capabilities_info_t) == 1024, "xen_capabilities_info size");
_Static_assert(sizeof(struct xen_memory_reservation) == 32, "xen_memory_reservation size");
_Static_assert(offsetof(struct xen_memory_reservation, extent_start) == 0, "reservation.extent_start");
_Static_assert(offsetof(struct xen_memory_reservation, nr_extents) == 8, "reservation.nr_extents");
_Static_assert(offsetof(struct xen_memory_reservation, extent_order) == 16, "reservation.extent_order");
_Static_assert(offsetof(struct xen_memory_reservation, mem_flags) == 20, "reservation.mem_flags");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == 24, "reservation.domid");
_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map size");
_Static_assert(offsetof(struct xen_memory_map, buffer) == 8, "xen_memory_map.buffer");
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param size");
_Static_assert(offsetof(struct xen_hvm_param, index) == 4, "xen_hvm_param.index");
_Static_assert(offsetof(struct xen_hvm_param, value) == 8, "xen_hvm_param.value");
_Static_assert(sizeof(domid_t) == 2, "domid_t size");

/*
 * XENMEM_memory_map returns BIOS E820 entries: 20 bytes packed, not the
 * 24-byte start_info entries (xen-abi.md 3.7). Xen has no type for it.
 */
struct xen_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct xen_e820_entry) == 20, "e820 entry size");

#define XEN_PAGE_SIZE 4096UL

#endif /* XENOLITH_XEN_H */
