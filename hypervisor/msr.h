/*
 * msr.h - MSR exits: the only MSR that reaches the daemon is Xen's
 * hypercall-page MSR 0x40000000 (kvm.c's filter); writing a page's GPA to it
 * fills that page with hypercall stubs (xen-abi.md 2.2). Runs on the vCPU
 * thread.
 */
#ifndef HV_MSR_H
#define HV_MSR_H

#include <stdint.h>

struct domain;

/* Handles a guest wrmsr/rdmsr; returns 0, or 1 to inject #GP. */
int msr_write(struct domain *d, unsigned vcpu_id, uint32_t index, uint64_t value);
int msr_read(struct domain *d, uint32_t index, uint64_t *value);

#endif
