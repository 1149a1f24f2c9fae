/*
 * xl_list.c - list (and list -l, the JSON of domain_json.h), domid,
 * domname and uptime, in xl's formats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "libxl/device_spec.h"
#include "libxl/domain_json.h"
#include "libxl/units.h"
#include "libxl/xs_device.h"
#include "libxl/xs_domain.h"
#include "xl.h"

void xl_state_letters(const struct xlctl_dominfo *d, char out[7])
{
    memcpy(out, "------", 7);
    bool shut = d->state == XLCTL_STATE_SHUTDOWN;
    bool crashed = shut && d->shutdown_reason == 3; /* SHUTDOWN_crash */
    if (d->state == XLCTL_STATE_RUNNING && d->vcpus_blocked < d->vcpus_online)
        out[0] = 'r';
    if (d->state == XLCTL_STATE_RUNNING && d->vcpus_blocked >= d->vcpus_online)
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

void xl_domain_name(struct xs_handle *xs, const struct xlctl_dominfo *d, char *out, size_t len)
{
    char *v = xs ? xs_domain_read(xs, d->domid, "name") : NULL;
    if (v && *v && strlen(v) < len)
        snprintf(out, len, "%s", v);
    else
        snprintf(out, len, "%.*s", (int)sizeof(d->name), d->name);
    free(v);
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

static bool is_dom0_spec(const char *s)
{
    return strcmp(s, "Domain-0") == 0 || strcmp(s, "0") == 0;
}

static bool matches(const struct xlctl_dominfo *d, const char *spec)
{
    char id[16];
    snprintf(id, sizeof(id), "%u", d->domid);
    return strncmp(spec, d->name, sizeof(d->name)) == 0 || strcmp(spec, id) == 0;
}

/* The guests named (all when none), in domid order; every name must
 * exist, as xl checks. *want_dom0 when Domain-0 is asked for. */
static int select_domains(const char *cmd, struct xlctl_dominfo *list, unsigned n, char **names,
                          int nnames, bool *keep, bool *want_dom0)
{
    *want_dom0 = nnames == 0;
    for (unsigned j = 0; j < n; j++)
        keep[j] = nnames == 0;
    for (int i = 0; i < nnames; i++) {
        bool found = is_dom0_spec(names[i]);
        *want_dom0 |= found;
        for (unsigned j = 0; j < n; j++) {
            if (matches(&list[j], names[i])) {
                keep[j] = found = true;
            }
        }
        if (!found) {
            xl_fail(cmd, "no domain '%s' (see 'xl list')", names[i]);
            return -1;
        }
    }
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Strings a view points at, freed together. */
struct view_strings {
    char *s[8 + 8 * XL_JSON_MAX_DEVS];
    unsigned n;
};

static char *keep_str(struct view_strings *vs, char *s)
{
    if (s && vs->n < sizeof(vs->s) / sizeof(vs->s[0]))
        vs->s[vs->n++] = s;
    else if (s) {
        free(s);
        s = NULL;
    }
    return s;
}

static char *be_read(struct xs_handle *xs, const char *be, const char *key)
{
    char path[256];
    unsigned len;
    snprintf(path, sizeof(path), "%s/%s", be, key);
    return xs_read(xs, XBT_NULL, path, &len);
}

/* What xenstore says of the domain: its name, image, memory, vCPUs and
 * devices (a stack without xenstored leaves the hypervisor's name). */
static void fill_view(struct xs_handle *xs, struct xc *xc, const struct xlctl_dominfo *d,
                      struct xl_domain_view *v, struct view_strings *vs, char *name, size_t nlen)
{
    memset(v, 0, sizeof(*v));
    v->info = d;
    xl_domain_name(xs, d, name, nlen);
    v->name = name;
    v->static_max_kib = d->built_memory_kib;
    v->target_kib = d->max_memory_kib;
    v->avail_vcpus = 0;
    for (uint32_t i = 0; i < d->vcpus && i < 32; i++)
        v->avail_vcpus |= 1u << i; /* without xenstore: all of them */
    uint64_t now = now_ns();
    v->uptime_s = now > d->create_time_ns ? (now - d->create_time_ns) / 1000000000ull : 0;
    struct xlctl_sched_credit sc = {.domid = d->domid};
    v->weight = XLCTL_SCHED_WEIGHT_DEFAULT;
    if (xc_sched_credit(xc, &sc, NULL, 0) == 0) {
        v->weight = sc.weight;
        v->cap = sc.cap;
    }
    if (!xs)
        return;
    v->type = keep_str(vs, xs_domain_read_vm(xs, d->domid, "image/type"));
    v->kernel = keep_str(vs, xs_domain_read_vm(xs, d->domid, "image/kernel"));
    v->cmdline = keep_str(vs, xs_domain_read_vm(xs, d->domid, "image/cmdline"));
    v->static_max_kib = xs_domain_read_u64(xs, d->domid, "memory/static-max", v->static_max_kib);
    v->target_kib = xs_domain_read_u64(xs, d->domid, "memory/target", v->target_kib);
    uint32_t avail = 0;
    bool any = false;
    for (uint32_t i = 0; i < d->vcpus && i < 32; i++) {
        char rel[48];
        snprintf(rel, sizeof(rel), "cpu/%u/availability", i);
        char *a = xs_domain_read(xs, d->domid, rel);
        any |= a != NULL;
        if (a && strcmp(a, "online") == 0)
            avail |= 1u << i;
        free(a);
    }
    if (any)
        v->avail_vcpus = avail;
    uint32_t *ids;
    unsigned n;
    if (xs_device_list(xs, d->domid, "vbd", &ids, &n) == 0) {
        for (unsigned k = 0; k < n && v->n_disks < XL_JSON_MAX_DEVS; k++) {
            char be[128];
            snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", d->domid, ids[k]);
            struct xl_json_disk *disk = &v->disks[v->n_disks++];
            disk->pdev_path = keep_str(vs, be_read(xs, be, "params"));
            disk->vdev = keep_str(vs, be_read(xs, be, "dev"));
            disk->backend = keep_str(vs, be_read(xs, be, "type"));
            char *mode = be_read(xs, be, "mode"), *dt = be_read(xs, be, "device-type");
            disk->readwrite = mode && strcmp(mode, "w") == 0;
            disk->cdrom = dt && strcmp(dt, "cdrom") == 0;
            free(mode);
            free(dt);
        }
        free(ids);
    }
    if (xs_device_list(xs, d->domid, "vif", &ids, &n) == 0) {
        for (unsigned k = 0; k < n && v->n_nics < XL_JSON_MAX_DEVS; k++) {
            char be[128];
            snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", d->domid, ids[k]);
            struct xl_json_nic *nic = &v->nics[v->n_nics++];
            nic->devid = ids[k];
            nic->mac = keep_str(vs, be_read(xs, be, "mac"));
            nic->bridge = keep_str(vs, be_read(xs, be, "bridge"));
            nic->ip = keep_str(vs, be_read(xs, be, "ip"));
        }
        free(ids);
    }
}

static int list_long(struct xc *xc, struct xlctl_dominfo *list, unsigned n, const bool *keep)
{
    struct xs_handle *xs = xs_open(0);
    struct xl_domain_view *views = calloc(n ? n : 1, sizeof(*views));
    struct view_strings *vs = calloc(n ? n : 1, sizeof(*vs));
    char (*names)[XLCTL_NAME_MAX] = calloc(n ? n : 1, XLCTL_NAME_MAX);
    int rc = 0;
    if (!views || !vs || !names) {
        rc = xl_fail("list", "out of memory");
        goto out;
    }
    unsigned m = 0;
    for (unsigned i = 0; i < n; i++)
        if (keep[i])
            fill_view(xs, xc, &list[i], &views[m], &vs[m], names[m], XLCTL_NAME_MAX), m++;
    char *json = xl_domains_json(views, m);
    if (!json) {
        rc = xl_fail("list", "building the JSON: out of memory");
        goto out;
    }
    fputs(json, stdout);
    free(json);
out:
    for (unsigned i = 0; vs && i < n; i++)
        for (unsigned k = 0; k < vs[i].n; k++)
            free(vs[i].s[k]);
    free(vs);
    free(views);
    free(names);
    if (xs)
        xs_close(xs);
    return rc;
}

int main_list(int argc, char **argv)
{
    bool details = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "-l") || !strcmp(argv[first], "--long"))
            details = true;
        else
            return xl_usage("list");
    }
    struct xc *xc = xl_connect("list");
    if (!xc)
        return 1;
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, "list", &list, &n);
    if (rc < 0) {
        xc_close(xc);
        return 1;
    }
    bool *keep = calloc(n ? n : 1, sizeof(bool)), want_dom0;
    if (!keep || select_domains("list", list, n, argv + first, argc - first, keep, &want_dom0) < 0) {
        free(keep);
        free(list);
        xc_close(xc);
        return 1;
    }
    if (details) {
        /* Dom0 is the host: it has no configuration to show. */
        rc = list_long(xc, list, n, keep);
    } else {
        printf("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
        if (want_dom0)
            print_dom0(xc);
        struct xs_handle *xs = xs_open(0);
        for (unsigned i = 0; i < n; i++) {
            if (!keep[i])
                continue;
            char st[7], name[XLCTL_NAME_MAX];
            xl_state_letters(&list[i], st);
            xl_domain_name(xs, &list[i], name, sizeof(name));
            print_row(name, list[i].domid, list[i].memory_kib >> 10, list[i].vcpus_online, st,
                      (double)list[i].cpu_time_ns / 1e9);
        }
        if (xs)
            xs_close(xs);
    }
    free(keep);
    free(list);
    xc_close(xc);
    return rc;
}

int main_domid(int argc, char **argv)
{
    if (argc != 2)
        return xl_usage("domid");
    if (strcmp(argv[1], "Domain-0") == 0) {
        printf("0\n");
        return 0;
    }
    struct xc *xc = xl_connect("domid");
    if (!xc)
        return 1;
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, "domid", &list, &n);
    xc_close(xc);
    if (rc < 0)
        return 1;
    for (unsigned i = 0; i < n; i++) {
        if (strncmp(argv[1], list[i].name, sizeof(list[i].name)) == 0) {
            printf("%u\n", list[i].domid);
            free(list);
            return 0;
        }
    }
    free(list);
    return xl_fail("domid", "no domain named '%s' (see 'xl list')", argv[1]);
}

int main_domname(int argc, char **argv)
{
    if (argc != 2)
        return xl_usage("domname");
    char *end;
    errno = 0;
    unsigned long id = strtoul(argv[1], &end, 10);
    if (!argv[1][0] || *end || errno || argv[1][0] == '-' || id > 0x7fef)
        return xl_fail("domname", "'%s' is not a domain id (a number such as 3)", argv[1]);
    if (id == 0) {
        printf("Domain-0\n");
        return 0;
    }
    struct xc *xc = xl_connect("domname");
    if (!xc)
        return 1;
    struct xlctl_dominfo d;
    int rc = xc_domain_info(xc, (uint32_t)id, &d);
    xc_close(xc);
    if (rc == -ESRCH)
        return xl_fail("domname", "no domain with id %lu (see 'xl list')", id);
    if (rc < 0)
        return xl_fail("domname", "asking the hypervisor: %s", strerror(-rc));
    struct xs_handle *xs = xs_open(0);
    char name[XLCTL_NAME_MAX];
    xl_domain_name(xs, &d, name, sizeof(name));
    if (xs)
        xs_close(xs);
    printf("%s\n", name);
    return 0;
}

static void uptime_line(bool short_mode, const char *name, uint32_t domid, uint64_t secs, time_t now)
{
    char up[64];
    xl_uptime_text(secs, short_mode, up, sizeof(up));
    if (short_mode) {
        char clock[16];
        strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
        printf(" %s up %s, %s (%u)\n", clock, up, name, domid);
    } else {
        printf("%-33s %4u %s\n", name, domid, up);
    }
}

int main_uptime(int argc, char **argv)
{
    bool short_mode = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "-s"))
            short_mode = true;
        else
            return xl_usage("uptime");
    }
    struct xc *xc = xl_connect("uptime");
    if (!xc)
        return 1;
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xl_list_domains(xc, "uptime", &list, &n);
    xc_close(xc);
    if (rc < 0)
        return 1;
    bool *keep = calloc(n ? n : 1, sizeof(bool)), want_dom0;
    if (!keep || select_domains("uptime", list, n, argv + first, argc - first, keep, &want_dom0) < 0) {
        free(keep);
        free(list);
        return 1;
    }
    time_t now = time(NULL);
    if (!short_mode)
        printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
    if (want_dom0) {
        double host_up = 0;
        FILE *f = fopen("/proc/uptime", "re");
        if (!f || fscanf(f, "%lf", &host_up) != 1)
            host_up = 0;
        if (f)
            fclose(f);
        uptime_line(short_mode, "Domain-0", 0, (uint64_t)host_up, now);
    }
    struct xs_handle *xs = xs_open(0);
    uint64_t t = now_ns();
    for (unsigned i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        char name[XLCTL_NAME_MAX];
        xl_domain_name(xs, &list[i], name, sizeof(name));
        uint64_t up = t > list[i].create_time_ns ? (t - list[i].create_time_ns) / 1000000000ull : 0;
        uptime_line(short_mode, name, list[i].domid, up, now);
    }
    if (xs)
        xs_close(xs);
    free(keep);
    free(list);
    return 0;
}
