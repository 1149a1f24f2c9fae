/*
 * kvm.c - /dev/kvm for the whole daemon. Checked once at start: a host
 * without SYNC_REGS or the user-space MSR filter cannot run Xen guests the
 * way we do, and it is better to refuse to start than to fail per domain.
 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenolith/boot.h"

#define XEN_HYPERCALL_MSR 0x40000000u
#define MAX_CPUID_ENTRIES 256

static int kvm_fd = -1;
static int run_size;
static bool host_is_pvm;
static uint32_t tsc_khz;
static struct kvm_cpuid2 *supported;

static bool has_cap(long cap)
{
    return ioctl(kvm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

/* The recommended detection (pvm-guest.md 3.1): a host read of the PVM
 * magic MSR on a scratch vCPU processes one entry only on kvm_pvm. */
static void detect_pvm_and_tsc(void)
{
    int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (vm < 0)
        return;
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu >= 0) {
        struct {
            struct kvm_msrs hdr;
            struct kvm_msr_entry e;
        } msrs = {.hdr.nmsrs = 1, .e.index = XL_MSR_PVM_MAGIC};
        if (ioctl(vcpu, KVM_GET_MSRS, &msrs) == 1 && msrs.e.data == XL_PVM_MAGIC)
            host_is_pvm = true;
        int khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
        if (khz > 0)
            tsc_khz = (uint32_t)khz;
        close(vcpu);
    }
    close(vm);
}

int kvm_init(char *why, size_t whylen)
{
    kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm_fd < 0) {
        int err = -errno;
        snprintf(why, whylen, "cannot open /dev/kvm: %s", strerror(errno));
        return err;
    }
    static const struct { long cap; const char *name; } needed[] = {
        {KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS"},
        {KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR"},
        {KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER"},
        {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
        {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},
    };
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        if (!has_cap(needed[i].cap)) {
            snprintf(why, whylen, "/dev/kvm lacks %s", needed[i].name);
            return -ENOTSUP;
        }
    }
    run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0) {
        snprintf(why, whylen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -errno;
    }
    supported = calloc(1, sizeof(*supported) + MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
    if (!supported)
        return -ENOMEM;
    supported->nent = MAX_CPUID_ENTRIES;
    if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, supported) < 0) {
        snprintf(why, whylen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        return -errno;
    }
    detect_pvm_and_tsc();
    if (tsc_khz == 0) {
        snprintf(why, whylen, "KVM_GET_TSC_KHZ gave no TSC frequency");
        return -ENOTSUP;
    }
    return 0;
}

bool kvm_is_pvm(void) { return host_is_pvm; }
uint32_t kvm_tsc_khz(void) { return tsc_khz; }
int kvm_run_mmap_size(void) { return run_size; }
const struct kvm_cpuid2 *kvm_supported_cpuid(void) { return supported; }

/* Xen's hypercall-page MSR must reach us; every other MSR stays in KVM. */
static int set_msr_filter(int vm_fd)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args[0] = KVM_MSR_EXIT_REASON_FILTER,
    };
    if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
        return -errno;
    static uint8_t deny_one; /* bit 0 clear: MSR denied, i.e. exits */
    struct kvm_msr_filter filter = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges[0] = {
            .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
            .nmsrs = 1,
            .base = XEN_HYPERCALL_MSR,
            .bitmap = &deny_one,
        },
    };
    return ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0 ? -errno : 0;
}

/*
 * The interrupt-controller model. Split irqchip: the local APIC (x2APIC,
 * TSC-deadline timer, MSI and irqfd injection) lives in the kernel, and
 * there is no PIC or IOAPIC, as a PVH guest sees on Xen.
 */
static int setup_irqchip(int vm_fd)
{
    struct kvm_enable_cap cap = {.cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24};
    return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
}

int kvm_create_vm(void)
{
    int vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (vm_fd < 0)
        return -errno;
    int rc = set_msr_filter(vm_fd);
    if (rc == 0)
        rc = setup_irqchip(vm_fd);
    if (rc < 0) {
        close(vm_fd);
        return rc;
    }
    return vm_fd;
}

int kvm_create_vcpu(int vm_fd, unsigned id, int *vcpu_fd, struct kvm_run **run)
{
    int fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
    if (fd < 0)
        return -errno;
    void *p = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        int err = -errno;
        close(fd);
        return err;
    }
    *vcpu_fd = fd;
    *run = p;
    return 0;
}
