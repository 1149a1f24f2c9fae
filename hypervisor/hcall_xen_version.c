/*
 * hcall_xen_version.c - __HYPERVISOR_xen_version (xen-abi.md 3.2).
 * We present ourselves as Xen 4.17 so guests that gate features on the
 * version (Linux's xs_reset_watches) behave as on Xen.
 */
#include <errno.h>
#include <string.h>

#include "cpuid.h"
#include "domain.h"
#include "hypercall.h"

/* Features a PVH guest may rely on: it writes its own page tables, its
 * physmap is its own, event upcalls can arrive on a vector, and pvclock
 * is safe to use. */
static uint32_t features_submap0(void)
{
    return (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
           (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock);
}

static long get_features(struct hcall_ctx *c, uint64_t arg)
{
    xen_feature_info_t fi;
    if (hcall_copy_from(c, &fi, arg, sizeof(fi)) < 0)
        return -EFAULT;
    if (fi.submap_idx != 0)
        return -EINVAL;
    fi.submap = features_submap0();
    return hcall_copy_to(c, arg, &fi, sizeof(fi));
}

long hcall_xen_version(struct hcall_ctx *c, const uint64_t *args)
{
    uint64_t cmd = args[0], arg = args[1];
    switch (cmd) {
    case XENVER_version:
        return (long)(XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR);
    case XENVER_extraversion: {
        xen_extraversion_t v = "-xenolith";
        return hcall_copy_to(c, arg, v, sizeof(v));
    }
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        strncpy(ci.compiler, "gcc " __VERSION__, sizeof(ci.compiler) - 1);
        strncpy(ci.compile_by, "xenolith", sizeof(ci.compile_by) - 1);
        strncpy(ci.compile_domain, "localdomain", sizeof(ci.compile_domain) - 1);
        strncpy(ci.compile_date, __DATE__, sizeof(ci.compile_date) - 1);
        return hcall_copy_to(c, arg, &ci, sizeof(ci));
    }
    case XENVER_capabilities: {
        xen_capabilities_info_t caps;
        memset(caps, 0, sizeof(caps));
        strcpy(caps, "xen-3.0-x86_64 hvm-3.0-x86_64");
        return hcall_copy_to(c, arg, caps, sizeof(caps));
    }
    case XENVER_changeset: {
        xen_changeset_info_t cs;
        memset(cs, 0, sizeof(cs));
        strcpy(cs, "xenolith");
        return hcall_copy_to(c, arg, cs, sizeof(cs));
    }
    case XENVER_platform_parameters: {
        xen_platform_parameters_t pp = {.virt_start = 0};
        return hcall_copy_to(c, arg, &pp, sizeof(pp));
    }
    case XENVER_get_features:
        return get_features(c, arg);
    case XENVER_pagesize:
        return 4096;
    case XENVER_guest_handle:
        return hcall_copy_to(c, arg, c->d->uuid, sizeof(c->d->uuid));
    case XENVER_commandline:
    case XENVER_build_id:
        return -EPERM; /* privileged on Xen; no guest is privileged here */
    default:
        return hcall_unimplemented(c, "xen_version cmd", cmd);
    }
}
