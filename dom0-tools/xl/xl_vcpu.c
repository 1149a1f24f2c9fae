/*
 * xl_vcpu.c - vcpu-list, vcpu-pin and vcpu-set, in xl's formats. A vCPU
 * is a thread of the hypervisor daemon (d<ID>-vcpu<N>): its state, host
 * CPU, CPU time and affinity are the thread's; pinning sets its host
 * affinity; vcpu-set asks the guest, through xenstore, to bring vCPUs up
 * or down (guest/kernel/cpu_hotplug.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxl/cpumap.h"
#include "libxl/xs_domain.h"
#include "xl.h"

unsigned xl_host_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static void print_domain_vcpus(struct xc *xc, struct xs_handle *xs, const struct xlctl_dominfo *d,
                               unsigned nr_cpus)
{
    static struct xlctl_vcpuinfo v[XLCTL_MAX_VCPUS];
    unsigned n;
    if (xc_vcpu_list(xc, d->domid, v, &n) < 0)
        return; /* gone meanwhile */
    char name[XLCTL_NAME_MAX];
    xl_domain_name(xs, d, name, sizeof(name));
    for (unsigned i = 0; i < n; i++) {
        printf("%-32s %5u %5u", name, d->domid, v[i].vcpu);
        if (!v[i].online)
            printf("%5c %3c%cp ", '-', '-', '-');
        else if (v[i].cpu >= 0)
            printf("%5d %3c%c- ", v[i].cpu, v[i].running ? 'r' : '-', v[i].blocked ? 'b' : '-');
        else
            printf("%5c %3c%c- ", '-', v[i].running ? 'r' : '-', v[i].blocked ? 'b' : '-');
        char hard[512];
        xl_cpumap_format(v[i].affinity, nr_cpus, hard, sizeof(hard));
        printf("%9.1f  %s / all\n", (double)v[i].cpu_time_ns / 1e9, hard);
    }
}

int main_vcpu_list(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return xl_usage("vcpu-list");
    struct xc *xc = xl_connect("vcpu-list");
    if (!xc)
        return 1;
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, "vcpu-list", &list, &n);
    if (rc < 0) {
        xc_close(xc);
        return 1;
    }
    /* Every name first: a wrong one prints nothing at all. */
    uint32_t *ids = calloc((size_t)argc + 1, sizeof(uint32_t));
    for (int i = 1; ids && i < argc; i++) {
        if (xl_find_domain(xc, "vcpu-list", argv[i], false, &ids[i]) < 0) {
            free(ids);
            free(list);
            xc_close(xc);
            return 1;
        }
    }
    unsigned nr_cpus = xl_host_cpus();
    struct xs_handle *xs = xs_open(0);
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
           "Affinity (Hard / Soft)");
    for (unsigned k = 0; k < n; k++) {
        bool want = argc == 1;
        for (int i = 1; i < argc && !want; i++)
            want = ids[i] == list[k].domid;
        if (want)
            print_domain_vcpus(xc, xs, &list[k], nr_cpus);
    }
    if (xs)
        xs_close(xs);
    free(ids);
    free(list);
    xc_close(xc);
    return 0;
}

int main_vcpu_pin(int argc, char **argv)
{
    if (argc != 4 && argc != 5)
        return xl_usage("vcpu-pin");
    const char *dom = argv[1], *vcpu_s = argv[2], *hard_s = argv[3];
    if (argc == 5 && strcmp(argv[4], "-") != 0)
        return xl_fail("vcpu-pin", "soft affinity '%s' is not supported: the host scheduler has "
                       "only hard affinity (give '-' or nothing)", argv[4]);
    uint32_t vcpu = XLCTL_VCPU_ALL;
    if (strcmp(vcpu_s, "all") != 0) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(vcpu_s, &end, 10);
        if (!*vcpu_s || *end || errno || vcpu_s[0] == '-' || v >= XLCTL_MAX_VCPUS)
            return xl_fail("vcpu-pin", "'%s' is not a vCPU number or 'all'", vcpu_s);
        vcpu = (uint32_t)v;
    }
    uint64_t map[XLCTL_CPUMAP_WORDS];
    char why[256];
    if (strcmp(hard_s, "-") == 0)
        return 0; /* '-': leave the hard affinity alone, as xl */
    if (xl_cpumap_parse(hard_s, xl_host_cpus(), map, why, sizeof(why)) < 0)
        return xl_fail("vcpu-pin", "%s", why);
    struct xc *xc = xl_connect("vcpu-pin");
    if (!xc)
        return 1;
    uint32_t domid;
    int rc = xl_find_domain(xc, "vcpu-pin", dom, false, &domid);
    if (rc == 0)
        rc = xc_vcpu_set_affinity(xc, domid, vcpu, map);
    else
        rc = -1;
    struct xlctl_dominfo d;
    unsigned nv = rc == -ENOENT && xc_domain_info(xc, domid, &d) == 0 ? d.vcpus : 0;
    xc_close(xc);
    if (rc == -1)
        return 1;
    if (rc == -ENOENT)
        return xl_fail("vcpu-pin", "domain '%s' has no vCPU %s (it has %u: 0-%u)", dom, vcpu_s, nv,
                       nv ? nv - 1 : 0);
    if (rc == -EINVAL)
        return xl_fail("vcpu-pin", "the host refuses CPUs '%s' for this daemon's threads", hard_s);
    if (rc < 0)
        return xl_fail("vcpu-pin", "cannot set the affinity of vCPU %s of '%s': %s", vcpu_s, dom,
                       strerror(-rc));
    return 0;
}

int main_vcpu_set(int argc, char **argv)
{
    bool check_host = true;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--ignore-host"))
            check_host = false;
        else
            return xl_usage("vcpu-set");
    }
    if (argc - i != 2)
        return xl_usage("vcpu-set");
    const char *dom = argv[i], *count_s = argv[i + 1];
    char *end;
    errno = 0;
    unsigned long want = strtoul(count_s, &end, 10);
    if (!*count_s || *end || errno || count_s[0] == '-' || want == 0)
        return xl_fail("vcpu-set", "'%s' is not a number of vCPUs (1 or more)", count_s);
    struct xc *xc = xl_connect("vcpu-set");
    if (!xc)
        return 1;
    uint32_t domid;
    struct xlctl_dominfo d;
    int rc = xl_find_domain(xc, "vcpu-set", dom, false, &domid);
    if (rc == 0)
        rc = xc_domain_info(xc, domid, &d);
    xc_close(xc);
    if (rc == -1)
        return 1;
    if (rc < 0)
        return xl_fail("vcpu-set", "asking the hypervisor: %s", strerror(-rc));
    if (want > d.vcpus)
        return xl_fail("vcpu-set", "domain '%s' has %u vCPUs at most (its maxvcpus); %lu asked",
                       dom, d.vcpus, want);
    unsigned host = xl_host_cpus();
    if (check_host && want > d.vcpus_online && want > host)
        return xl_fail("vcpu-set", "you are overcommitting: the host has %u CPUs and you want %lu "
                       "vCPUs; use --ignore-host to go on", host, want);
    if (d.state == XLCTL_STATE_SHUTDOWN || d.state == XLCTL_STATE_DYING)
        return xl_fail("vcpu-set", "domain '%s' is shut down", dom);
    struct xs_handle *xs = xs_open(0);
    if (!xs)
        return xl_fail("vcpu-set", "cannot reach xenstored, which carries the request: %s",
                       strerror(errno));
    rc = xs_domain_set_vcpus(xs, domid, (uint32_t)want, d.vcpus);
    xs_close(xs);
    if (rc < 0)
        return xl_fail("vcpu-set", "writing cpu/N/availability of '%s': %s", dom, strerror(-rc));
    return 0;
}
