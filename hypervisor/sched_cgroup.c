/*
 * sched_cgroup.c - credit weight and cap through a CPU cgroup (see
 * sched_cgroup.h).
 */
#include "sched_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"
#include "vcpu.h"

static struct {
    bool probed;
    int version;          /* 0 none, 1, 2 */
    char parent[512];     /* the daemon's cgroup directory, or the reason */
    char base[600];       /* parent/xenolith-<pid> */
    bool base_made;
} cg;

uint32_t sched_weight_to_v2(uint32_t weight)
{
    uint64_t w = (uint64_t)weight * 100 / 256;
    return w < 1 ? 1 : w > 10000 ? 10000 : (uint32_t)w;
}

uint32_t sched_weight_to_shares(uint32_t weight)
{
    uint64_t s = (uint64_t)weight * 4;
    return s < 2 ? 2 : (uint32_t)s;
}

long sched_cap_to_quota_us(uint32_t cap)
{
    return cap ? (long)cap * (SCHED_PERIOD_US / 100) : -1;
}

/* Is `word` one of the separated tokens of list (separators in seps)? */
static bool has_token(const char *list, size_t len, const char *word, const char *seps)
{
    size_t wl = strlen(word);
    const char *p = list, *end = list + len;
    while (p < end) {
        size_t n = strcspn(p, seps);
        if (p + n > end)
            n = (size_t)(end - p);
        if (n == wl && memcmp(p, word, wl) == 0)
            return true;
        p += n + 1;
    }
    return false;
}

/* The mount point of the first mount of fstype whose options hold opt
 * (opt NULL: any), into out. */
static bool find_mount(const char *mounts, const char *fstype, const char *opt, char *out, size_t len)
{
    const char *line = mounts;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        char dev[256], mnt[512], type[64], opts[512];
        char copy[1400];
        if (ll < sizeof(copy)) {
            memcpy(copy, line, ll);
            copy[ll] = '\0';
            if (sscanf(copy, "%255s %511s %63s %511s", dev, mnt, type, opts) == 4 &&
                strcmp(type, fstype) == 0 && (!opt || has_token(opts, strlen(opts), opt, ","))) {
                snprintf(out, len, "%s", mnt);
                return true;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return false;
}

/* The path in /proc/self/cgroup's line for v2 ("0::") or for the v1
 * hierarchy whose controllers hold ctrl. */
static bool find_self_path(const char *self, const char *ctrl, char *out, size_t len)
{
    const char *line = self;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        const char *c1 = memchr(line, ':', ll);
        const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line)) : NULL;
        if (c2) {
            size_t cl = (size_t)(c2 - c1 - 1);
            bool match = ctrl ? has_token(c1 + 1, cl, ctrl, ",") : (cl == 0 && line[0] == '0');
            if (match) {
                size_t pl = ll - (size_t)(c2 + 1 - line);
                snprintf(out, len, "%.*s", (int)pl, c2 + 1);
                return true;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return false;
}

static bool file_has_word(const char *path, const char *word)
{
    char buf[512];
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return has_token(buf, n, word, " \n");
}

int sched_cgroup_probe(const char *mounts, const char *self_cgroup, int *version, char *dir,
                       size_t dirlen)
{
    char mnt[512], path[512], controllers[1100];
    *version = 0;
    bool v2 = find_mount(mounts, "cgroup2", NULL, mnt, sizeof(mnt)) &&
              find_self_path(self_cgroup, NULL, path, sizeof(path));
    if (v2) {
        snprintf(dir, dirlen, "%s%s", mnt, strcmp(path, "/") ? path : "");
        snprintf(controllers, sizeof(controllers), "%s/cgroup.controllers", dir);
        if (file_has_word(controllers, "cpu")) {
            *version = 2;
            return 0;
        }
    }
    if (find_mount(mounts, "cgroup", "cpu", mnt, sizeof(mnt)) &&
        find_self_path(self_cgroup, "cpu", path, sizeof(path))) {
        snprintf(dir, dirlen, "%s%s", mnt, strcmp(path, "/") ? path : "");
        *version = 1;
        return 0;
    }
    snprintf(dir, dirlen, "no cgroup CPU controller: %s, and no cgroup v1 hierarchy with 'cpu'",
             v2 ? "the cgroup2 hierarchy does not offer 'cpu' here" : "no cgroup2 hierarchy");
    return 0;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (buf) {
        n = fread(buf, 1, cap - 1, f);
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

static void probe(void)
{
    if (cg.probed)
        return;
    cg.probed = true;
    char *mounts = read_text("/proc/self/mounts");
    char *self = read_text("/proc/self/cgroup");
    if (mounts && self)
        sched_cgroup_probe(mounts, self, &cg.version, cg.parent, sizeof(cg.parent));
    else
        snprintf(cg.parent, sizeof(cg.parent), "cannot read /proc/self/mounts or /proc/self/cgroup");
    free(mounts);
    free(self);
    if (cg.version)
        snprintf(cg.base, sizeof(cg.base), "%s/xenolith-%d", cg.parent, (int)getpid());
    log_info("sched-credit: %s%s", cg.version == 2 ? "cgroup2 " : cg.version == 1 ? "cgroup1 " : "",
             cg.version ? cg.base : cg.parent);
}

void sched_cgroup_use_for_test(int version, const char *parent_dir)
{
    memset(&cg, 0, sizeof(cg));
    cg.probed = true;
    cg.version = version;
    snprintf(cg.parent, sizeof(cg.parent), "%s", parent_dir);
    snprintf(cg.base, sizeof(cg.base), "%s/xenolith-%d", cg.parent, (int)getpid());
}

static int write_file(const char *dir, const char *name, const char *value, char *why, size_t whylen)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    /* O_CREAT only matters for unit tests' plain directories: cgroupfs
     * has every file already. */
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0644);
    int err = 0;
    if (fd < 0)
        err = errno;
    else if (write(fd, value, strlen(value)) < 0)
        err = errno;
    if (fd >= 0)
        close(fd);
    if (err) {
        snprintf(why, whylen, "writing '%s' to %s: %s", value, path, strerror(err));
        return -EOPNOTSUPP;
    }
    return 0;
}

static int make_dir(const char *dir, char *why, size_t whylen)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(why, whylen, "cannot create cgroup %s: %s", dir, strerror(errno));
        return -EOPNOTSUPP;
    }
    return 0;
}

/* xenolith-<pid>/ once; on v2 a threaded cgroup under a threaded root
 * (the daemon's own cgroup), with cpu enabled down to it. */
static int make_base(char *why, size_t whylen)
{
    if (cg.base_made)
        return 0;
    int rc = make_dir(cg.base, why, whylen);
    if (rc == 0 && cg.version == 2) {
        rc = write_file(cg.base, "cgroup.type", "threaded", why, whylen);
        if (rc == 0)
            rc = write_file(cg.parent, "cgroup.subtree_control", "+cpu", why, whylen);
        if (rc == 0)
            rc = write_file(cg.base, "cgroup.subtree_control", "+cpu", why, whylen);
    }
    if (rc < 0) {
        rmdir(cg.base);
        return rc;
    }
    cg.base_made = true;
    return 0;
}

static void domain_dir(const struct domain *d, char *out, size_t len)
{
    snprintf(out, len, "%s/d%u", cg.base, d->domid);
}

int sched_cgroup_apply(struct domain *d, uint32_t flags, uint32_t weight, uint32_t cap,
                       char *why, size_t whylen)
{
    probe();
    if (!cg.version) {
        snprintf(why, whylen, "%s", cg.parent);
        return -EOPNOTSUPP;
    }
    char dir[700], value[64];
    int rc = make_base(why, whylen);
    domain_dir(d, dir, sizeof(dir));
    if (rc == 0)
        rc = make_dir(dir, why, whylen);
    if (rc == 0 && cg.version == 2)
        rc = write_file(dir, "cgroup.type", "threaded", why, whylen);
    if (rc == 0 && (flags & XLCTL_SCHED_SET_WEIGHT)) {
        if (cg.version == 2) {
            snprintf(value, sizeof(value), "%u", sched_weight_to_v2(weight));
            rc = write_file(dir, "cpu.weight", value, why, whylen);
        } else {
            snprintf(value, sizeof(value), "%u", sched_weight_to_shares(weight));
            rc = write_file(dir, "cpu.shares", value, why, whylen);
        }
    }
    if (rc == 0 && (flags & XLCTL_SCHED_SET_CAP)) {
        long quota = sched_cap_to_quota_us(cap);
        if (cg.version == 2) {
            if (quota < 0)
                snprintf(value, sizeof(value), "max %u", SCHED_PERIOD_US);
            else
                snprintf(value, sizeof(value), "%ld %u", quota, SCHED_PERIOD_US);
            rc = write_file(dir, "cpu.max", value, why, whylen);
        } else {
            snprintf(value, sizeof(value), "%u", SCHED_PERIOD_US);
            rc = write_file(dir, "cpu.cfs_period_us", value, why, whylen);
            snprintf(value, sizeof(value), "%ld", quota);
            if (rc == 0)
                rc = write_file(dir, "cpu.cfs_quota_us", value, why, whylen);
        }
    }
    /* The threads last, so they never run under half-written limits. */
    for (unsigned i = 0; rc == 0 && !d->sched_cgroup && i < d->nr_vcpus; i++) {
        uint32_t tid = vcpu_tid(d->vcpus[i]);
        if (!tid)
            continue;
        snprintf(value, sizeof(value), "%u", tid);
        rc = write_file(dir, cg.version == 2 ? "cgroup.threads" : "tasks", value, why, whylen);
    }
    if (rc < 0) {
        log_info("d%u: sched-credit: %s", d->domid, why);
        return rc;
    }
    d->sched_cgroup = true;
    return 0;
}

void sched_cgroup_describe(const struct domain *d, char *out, size_t len)
{
    probe();
    if (!cg.version) {
        snprintf(out, len, "none: %s", cg.parent);
        return;
    }
    char dir[700];
    if (d && d->sched_cgroup)
        domain_dir(d, dir, sizeof(dir));
    else
        snprintf(dir, sizeof(dir), "%s", cg.base);
    snprintf(out, len, "cgroup%d %s", cg.version, dir);
}

void sched_cgroup_domain_gone(struct domain *d)
{
    if (!d->sched_cgroup)
        return;
    char dir[700];
    domain_dir(d, dir, sizeof(dir));
    if (rmdir(dir) < 0 && errno != ENOENT)
        log_warn("d%u: cannot remove cgroup %s", d->domid, dir);
    d->sched_cgroup = false;
}

void sched_cgroup_cleanup(void)
{
    if (cg.base_made && rmdir(cg.base) == 0)
        cg.base_made = false;
}
