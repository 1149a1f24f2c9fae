/*
 * hello.c - app=hello: the first sign of life, and the integration tests'
 * witness that a domain booted.
 */
#include "kernel/kernel.h"
#include "kernel/lib.h"

int app_hello(void)
{
    printf("Hello from Xenolith domain %u\n", boot.domid);
    printf("command line: %s\n", boot.cmdline);
    printf("xen %u.%u, %llu pages, vcpu %u, %s\n", boot.xen_version >> 16,
           boot.xen_version & 0xffff, (unsigned long long)boot.nr_pages, boot.vcpu_id,
           boot.kvm_pvm ? "PVM mode" : "hardware virtualization");
    return 0;
}
