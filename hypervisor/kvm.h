/*
 * kvm.h - what the hypervisor needs from /dev/kvm, opened once per process:
 * VM and vCPU creation with the capabilities every domain uses, the host's
 * PVM detection, and the interrupt-controller model (one function, so the
 * event-channel work can change it in one place).
 *
 * kvm_init() runs once at daemon start on the main thread; the rest may be
 * called from any thread afterwards.
 */
#ifndef HV_KVM_H
#define HV_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opens /dev/kvm and checks the capabilities we rely on. 0 or -errno;
 * on failure `why` names the missing piece. */
int kvm_init(char *why, size_t whylen);

/* True once kvm_init() found kvm_pvm (MSR 0x4b564d11 reads "PVM"). */
bool kvm_is_pvm(void);
uint32_t kvm_tsc_khz(void);
int kvm_run_mmap_size(void);

/* A new VM with the MSR filter that sends the Xen hypercall-page MSR to
 * userspace, and its interrupt controller. fd or -errno. */
int kvm_create_vm(void);

/* A new vCPU of vm_fd with its kvm_run mapped. 0 or -errno. */
int kvm_create_vcpu(int vm_fd, unsigned id, int *vcpu_fd, struct kvm_run **run);

/* The host's supported CPUID (cached at init); caller must not free. */
const struct kvm_cpuid2 *kvm_supported_cpuid(void);

#endif
