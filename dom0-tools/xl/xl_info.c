/*
 * xl_info.c - info and dmesg, in xl's formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xenstore.h>

#include "xl.h"

int main_info(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return xl_usage("info");
    struct xc *xc = xl_connect("info");
    if (!xc)
        return 1;
    struct xlctl_physinfo p;
    struct xlctl_ping_out ping;
    int rc = xc_physinfo(xc, &p);
    if (rc == 0)
        rc = xc_ping(xc, &ping);
    xc_close(xc);
    if (rc < 0)
        return xl_fail("info", "asking the hypervisor: %s", strerror(-rc));
    struct utsname u;
    uname(&u);
    printf("host                   : %s\n", u.nodename);
    printf("release                : %s\n", u.release);
    printf("version                : %s\n", u.version);
    printf("machine                : %s\n", u.machine);
    printf("nr_cpus                : %u\n", p.nr_cpus);
    printf("threads_per_core       : %u\n", p.threads_per_core);
    printf("cpu_mhz                : %.3f\n", (double)p.tsc_khz / 1000.0);
    printf("virt_caps              : %s\n", p.kvm_pvm ? "pvm" : "hvm");
    printf("total_memory           : %llu\n", (unsigned long long)(p.total_kib >> 10));
    printf("free_memory            : %llu\n", (unsigned long long)(p.free_kib >> 10));
    printf("nr_domains             : %u\n", ping.nr_domains + 1);
    printf("xen_major              : %u\n", p.xen_major);
    printf("xen_minor              : %u\n", p.xen_minor);
    printf("xen_extra              : %s\n", p.extraversion);
    printf("xen_version            : %u.%u%s\n", p.xen_major, p.xen_minor, p.extraversion);
    printf("xen_caps               : %s\n", p.capabilities);
    printf("xen_scheduler          : linux (vCPUs are host threads)\n");
    printf("xen_pagesize           : 4096\n");
    printf("xenolith_pid           : %u\n", ping.pid);
    printf("xenolith_rundir        : %s\n", xc_default_rundir());
    return 0;
}

int main_dmesg(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "-c") != 0))
        return xl_usage("dmesg");
    struct xc *xc = xl_connect("dmesg");
    if (!xc)
        return 1;
    char *text;
    int rc = xc_dmesg(xc, &text);
    xc_close(xc);
    if (rc < 0)
        return xl_fail("dmesg", "reading the hypervisor log: %s", strerror(-rc));
    fputs(text, stdout);
    free(text);
    return 0;
}
