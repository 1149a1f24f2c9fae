/*
 * domstate.h - the hypervisor's state of one domain as a byte blob, the
 * payload of XLCTL_OP_DOMAIN_GET_STATE / SET_STATE and the HV_STATE record
 * of a save image (docs/save-format.md). Shared by the daemon, which writes
 * and applies it, and the toolstack, which only stores and forwards it.
 *
 * Layout, all little-endian (x86 only), every struct padded to 8 bytes:
 *   struct xl_ds_header
 *   struct xl_ds_vcpu        x header.nr_vcpus
 *   struct xl_ds_port        x header.nr_ports   (ports not closed)
 * The KVM structs inside xl_ds_vcpu are Linux's x86 KVM ABI (stable: the
 * sizes below are asserted). Guest memory is not here: it travels as page
 * records, and with it shared_info, the grant frames and the special pages
 * (they are pages of the domain's memory fd).
 *
 * What is deliberately not here: grant mappings held by Dom0 processes
 * (backends remap after the guest reconnects, as on Xen) and Dom0's side
 * of interdomain channels (a channel to a Dom0 process comes back as an
 * unbound port reserved for Dom0 under the same number, which the
 * restored backends bind again).
 */
#ifndef XENOLITH_DOMSTATE_H
#define XENOLITH_DOMSTATE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#define XL_DS_MAGIC     0x54534458u  /* "XDST" */
#define XL_DS_VERSION   1u
#define XL_DS_HVM_PARAMS 39u         /* Xen's HVM_NR_PARAMS (hvm/params.h) */
#define XL_DS_XEN_PAGES 65u          /* shared_info + 64 grant frames */
#define XL_DS_MAX_MSRS  32u
#define XL_DS_NO_GFN    UINT64_MAX

struct xl_ds_header {
    uint32_t magic;            /* XL_DS_MAGIC */
    uint32_t version;          /* XL_DS_VERSION */
    uint32_t nr_vcpus;         /* records that follow: the domain's vCPU count */
    uint32_t nr_ports;         /* xl_ds_port records after the vCPUs */
    uint32_t gnttab_frames;    /* grant frames in use (the table grows to this) */
    uint32_t pad;
    uint64_t hvm_params[XL_DS_HVM_PARAMS];
    uint64_t physmap_gfn[XL_DS_XEN_PAGES]; /* where each xen page sits, or XL_DS_NO_GFN */
};

struct xl_ds_msr {
    uint32_t index;
    uint32_t pad;
    uint64_t data;
};

#define XL_DS_VCPU_ONLINE       (1u << 0)  /* VCPUOP_is_up */
#define XL_DS_VCPU_INITIALISED  (1u << 1)  /* has registers to run */
#define XL_DS_VCPU_INFO_MOVED   (1u << 2)  /* VCPUOP_register_vcpu_info done */

struct xl_ds_vcpu {
    uint32_t id;
    uint32_t flags;            /* XL_DS_VCPU_* */
    uint64_t vcpu_info_gpa;    /* where vcpu_info lives if moved, else 0 */
    uint64_t pvcs_gpa;         /* kvm_pvm: the PVCS page the guest registered, else 0;
                                  the guest must register it again after restore */
    uint64_t singleshot_ns;    /* armed single-shot timer's deadline (system time), 0 none */
    uint64_t periodic_ns;      /* periodic timer's period, 0 none */
    uint8_t  upcall_vector;    /* HVMOP_set_evtchn_upcall_vector, 0 none */
    uint8_t  pad[3];
    uint32_t nr_msrs;          /* entries used in msrs[] */
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_xsave xsave;    /* includes the legacy FPU/SSE area */
    struct kvm_xcrs xcrs;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    struct kvm_mp_state mp_state;
    uint32_t pad2;
    struct xl_ds_msr msrs[XL_DS_MAX_MSRS];
};

struct xl_ds_port {
    uint32_t port;
    uint8_t  state;            /* EVTCHNSTAT_* as saved (interdomain included) */
    uint8_t  pad;
    uint16_t notify_vcpu;
    uint32_t remote_dom;       /* unbound: who may bind; interdomain: the peer */
    uint32_t remote_port;      /* interdomain: the peer's port */
    uint32_t virq;             /* virq: which */
    uint32_t pad2;
};

_Static_assert(sizeof(struct kvm_regs) == 144, "kvm_regs");
_Static_assert(sizeof(struct kvm_sregs) == 312, "kvm_sregs");
_Static_assert(sizeof(struct kvm_xsave) == 4096, "kvm_xsave");
_Static_assert(sizeof(struct kvm_xcrs) == 392, "kvm_xcrs");
_Static_assert(sizeof(struct kvm_lapic_state) == 1024, "kvm_lapic_state");
_Static_assert(sizeof(struct kvm_vcpu_events) == 64, "kvm_vcpu_events");
_Static_assert(sizeof(struct kvm_mp_state) == 4, "kvm_mp_state");
_Static_assert(sizeof(struct xl_ds_header) == 24 + 8 * (XL_DS_HVM_PARAMS + XL_DS_XEN_PAGES),
               "xl_ds_header");
_Static_assert(sizeof(struct xl_ds_header) % 8 == 0, "xl_ds_header padding");
_Static_assert(offsetof(struct xl_ds_vcpu, regs) == 48, "xl_ds_vcpu.regs");
_Static_assert(sizeof(struct xl_ds_vcpu) % 8 == 0, "xl_ds_vcpu padding");
_Static_assert(sizeof(struct xl_ds_port) == 24, "xl_ds_port");

/* Bytes of a blob with n vCPUs and p ports. */
static inline size_t xl_ds_size(uint32_t n, uint32_t p)
{
    return sizeof(struct xl_ds_header) + (size_t)n * sizeof(struct xl_ds_vcpu) +
           (size_t)p * sizeof(struct xl_ds_port);
}

#endif
