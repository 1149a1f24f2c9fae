/*
 * xl_sched.c - sched-credit: Xen's credit weight and cap per domain, held
 * by the host's scheduler through a CPU cgroup per domain
 * (hypervisor/sched_cgroup.h). Output as Xen's xl: a pool line, then
 * Name ID Weight Cap; our pool line names the mechanism instead of the
 * credit scheduler's time slice.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xl.h"

static int parse_uint(const char *s, unsigned long max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static void print_row(const char *name, uint32_t domid, uint32_t weight, uint32_t cap)
{
    printf("%-33s %4u %6u %4u\n", name, domid, weight, cap);
}

int main_sched_credit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"domain", required_argument, 0, 'd'},
        {"weight", required_argument, 0, 'w'},
        {"cap", required_argument, 0, 'c'},
        {0, 0, 0, 0},
    };
    const char *dom = NULL;
    struct xlctl_sched_credit s = {0};
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "d:w:c:", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            dom = optarg;
            break;
        case 'w':
            if (parse_uint(optarg, 65535, &s.weight) < 0 || s.weight == 0)
                return xl_fail("sched-credit", "weight '%s' is not a number 1..65535", optarg);
            s.flags |= XLCTL_SCHED_SET_WEIGHT;
            break;
        case 'c':
            if (parse_uint(optarg, 100u * XLCTL_MAX_VCPUS, &s.cap) < 0)
                return xl_fail("sched-credit", "cap '%s' is not a percentage of one CPU (0 = none)",
                               optarg);
            s.flags |= XLCTL_SCHED_SET_CAP;
            break;
        default:
            return xl_usage("sched-credit");
        }
    }
    if (optind != argc)
        return xl_usage("sched-credit");
    if (s.flags && !dom)
        return xl_fail("sched-credit", "-w and -c need a domain (-d DOMAIN)");
    struct xc *xc = xl_connect("sched-credit");
    if (!xc)
        return 1;
    int status = 0;
    if (dom) {
        uint32_t domid;
        bool dom0 = strcmp(dom, "0") == 0 || strcmp(dom, "Domain-0") == 0;
        if (dom0 && s.flags) {
            xc_close(xc);
            return xl_fail("sched-credit", "domain 0 is the host itself: it has no weight or cap "
                           "to set");
        }
        if (!dom0 && xl_find_domain(xc, "sched-credit", dom, false, &domid) < 0) {
            xc_close(xc);
            return 1;
        }
        char why[512] = "";
        int rc = 0;
        uint32_t setting = s.flags;
        if (!dom0) {
            s.domid = domid;
            rc = xc_sched_credit(xc, &s, why, sizeof(why));
        }
        if (rc < 0) {
            xc_close(xc);
            if (rc == -EOPNOTSUPP)
                return xl_fail("sched-credit", "cannot set the weight or cap of '%s': %s", dom, why);
            return xl_fail("sched-credit", "domain '%s': %s", dom, why[0] ? why : strerror(-rc));
        }
        if (!setting) {
            printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
            if (dom0)
                print_row("Domain-0", 0, XLCTL_SCHED_WEIGHT_DEFAULT, 0);
            else {
                struct xlctl_dominfo d;
                char name[XLCTL_NAME_MAX];
                struct xs_handle *xs = xs_open(0);
                if (xc_domain_info(xc, domid, &d) == 0)
                    xl_domain_name(xs, &d, name, sizeof(name));
                else
                    snprintf(name, sizeof(name), "%s", dom);
                if (xs)
                    xs_close(xs);
                print_row(name, domid, s.weight, s.cap);
            }
        }
        xc_close(xc);
        return 0;
    }
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, "sched-credit", &list, &n);
    if (rc < 0) {
        xc_close(xc);
        return 1;
    }
    struct xs_handle *xs = xs_open(0);
    char mechanism[sizeof(s.mechanism)] = "";
    struct xlctl_sched_credit *vals = calloc(n ? n : 1, sizeof(*vals));
    for (unsigned i = 0; vals && i < n; i++) {
        vals[i].domid = list[i].domid;
        if (xc_sched_credit(xc, &vals[i], NULL, 0) == 0 && !mechanism[0])
            snprintf(mechanism, sizeof(mechanism), "%s", vals[i].mechanism);
    }
    printf("Cpupool Pool-0: mechanism=%s\n", mechanism[0] ? mechanism : "host scheduler");
    printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
    print_row("Domain-0", 0, XLCTL_SCHED_WEIGHT_DEFAULT, 0);
    for (unsigned i = 0; vals && i < n; i++) {
        char name[XLCTL_NAME_MAX];
        xl_domain_name(xs, &list[i], name, sizeof(name));
        print_row(name, list[i].domid, vals[i].weight ? vals[i].weight : XLCTL_SCHED_WEIGHT_DEFAULT,
                  vals[i].cap);
    }
    if (xs)
        xs_close(xs);
    free(vals);
    free(list);
    xc_close(xc);
    return status;
}
