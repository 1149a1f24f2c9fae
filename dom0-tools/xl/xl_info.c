/*
 * xl_info.c - list, info and dmesg, in xl's formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xenstore.h>

#include "xl.h"

/* xl's six state letters: r b p s c d. */
static void state_letters(const struct xlctl_dominfo *d, char out[7])
{
    memcpy(out, "------", 7);
    bool shut = d->state == XLCTL_STATE_SHUTDOWN;
    bool crashed = shut && d->shutdown_reason == 3; /* SHUTDOWN_crash */
    if (d->state == XLCTL_STATE_RUNNING && d->vcpus_blocked < d->vcpus)
        out[0] = 'r';
    if (d->state == XLCTL_STATE_RUNNING && d->vcpus_blocked == d->vcpus)
        out[1] = 'b';
    if (d->state == XLCTL_STATE_PAUSED)
        out[2] = 'p';
    if (shut && !crashed)
        out[3] = 's';
    if (crashed)
        out[4] = 'c';
    if (d->state == XLCTL_STATE_DYING)
        out[5] = 'd';
}

static void print_row(const char *name, uint32_t domid, uint64_t mem_mib, uint32_t vcpus,
                      const char *state, double secs)
{
    printf("%-40s %5u %5llu %5u     %s %8.1f\n", name, domid, (unsigned long long)mem_mib, vcpus,
           state, secs);
}

/* Dom0 is the host: its memory, its CPUs, the CPU time of the whole host. */
static void print_dom0(struct xc *xc)
{
    struct xlctl_physinfo p;
    if (xc_physinfo(xc, &p) < 0)
        memset(&p, 0, sizeof(p));
    double secs = 0;
    FILE *f = fopen("/proc/stat", "re");
    unsigned long long user, nice, sys;
    if (f && fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys) == 3)
        secs = (double)(user + nice + sys) / (double)sysconf(_SC_CLK_TCK);
    if (f)
        fclose(f);
    print_row("Domain-0", 0, p.total_kib >> 10, p.nr_cpus, "r-----", secs);
}

/*
 * A domain's name as xl shows it: /local/domain/<id>/name in xenstore, as
 * Xen's xl reads it, else the name the hypervisor keeps (a stack without
 * xenstored, or a domain between create and its xenstore entries).
 */
static void domain_name(struct xs_handle *xs, const struct xlctl_dominfo *d, char *out, size_t len)
{
    char path[64];
    unsigned n = 0;
    snprintf(path, sizeof(path), "/local/domain/%u/name", d->domid);
    char *v = xs ? xs_read(xs, XBT_NULL, path, &n) : NULL;
    if (v && n > 0 && n < len) {
        memcpy(out, v, n);
        out[n] = '\0';
    } else {
        snprintf(out, len, "%s", d->name);
    }
    free(v);
}

static bool selected(const struct xlctl_dominfo *d, int argc, char **argv)
{
    if (argc <= 1)
        return true;
    char id[16];
    snprintf(id, sizeof(id), "%u", d->domid);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], d->name) == 0 || strcmp(argv[i], id) == 0)
            return true;
    return false;
}

int main_list(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return xl_usage("list");
    struct xc *xc = xl_connect("list");
    if (!xc)
        return 1;
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xc_domain_list(xc, &list, &n);
    if (rc < 0) {
        xc_close(xc);
        return xl_fail("list", "listing domains: %s", strerror(-rc));
    }
    /* Every named domain must exist, as xl checks. */
    for (int i = 1; i < argc; i++) {
        bool found = strcmp(argv[i], "Domain-0") == 0 || strcmp(argv[i], "0") == 0;
        for (unsigned j = 0; j < n && !found; j++) {
            struct xlctl_dominfo one = list[j];
            char *args[2] = {argv[0], argv[i]};
            found = selected(&one, 2, args);
        }
        if (!found) {
            free(list);
            xc_close(xc);
            return xl_fail("list", "no domain '%s'", argv[i]);
        }
    }
    printf("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
    bool want_dom0 = argc <= 1;
    for (int i = 1; i < argc; i++)
        want_dom0 |= strcmp(argv[i], "Domain-0") == 0 || strcmp(argv[i], "0") == 0;
    if (want_dom0)
        print_dom0(xc);
    struct xs_handle *xs = xs_open(0);
    for (unsigned i = 0; i < n; i++) {
        if (!selected(&list[i], argc, argv))
            continue;
        char st[7], name[XLCTL_NAME_MAX];
        state_letters(&list[i], st);
        domain_name(xs, &list[i], name, sizeof(name));
        print_row(name, list[i].domid, list[i].memory_kib >> 10, list[i].vcpus, st,
                  (double)list[i].cpu_time_ns / 1e9);
    }
    if (xs)
        xs_close(xs);
    free(list);
    xc_close(xc);
    return 0;
}

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
