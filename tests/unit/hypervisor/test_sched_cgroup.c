/*
 * test_sched_cgroup.c - sched-credit's mapping onto CPU cgroups
 * (hypervisor/sched_cgroup.h): the weight and cap arithmetic, finding the
 * controller from /proc/self/mounts and /proc/self/cgroup as this host
 * and others present them, and the files written for each version, in a
 * directory standing in for cgroupfs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>

#include "fake_domain.h"
#include "../../../hypervisor/sched_cgroup.h"

static char root[256];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/xl-cgroup-test.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    return log_open("/dev/null");
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[700];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    (void)state;
    rm_tree(root);
    log_close();
    return 0;
}

static void weights_and_caps(void **state)
{
    (void)state;
    assert_int_equal(sched_weight_to_shares(256), 1024);
    assert_int_equal(sched_weight_to_shares(512), 2048);
    assert_int_equal(sched_weight_to_shares(1), 4);
    assert_int_equal(sched_weight_to_shares(65535), 262140);
    assert_int_equal(sched_weight_to_v2(256), 100);
    assert_int_equal(sched_weight_to_v2(1), 1);
    assert_int_equal(sched_weight_to_v2(512), 200);
    assert_int_equal(sched_weight_to_v2(65535), 10000);
    assert_int_equal(sched_cap_to_quota_us(0), -1);
    assert_int_equal(sched_cap_to_quota_us(25), 25000);
    assert_int_equal(sched_cap_to_quota_us(200), 200000);
}

static void probe_v1_as_on_this_projects_machines(void **state)
{
    (void)state;
    const char *mounts =
        "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
        "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
        "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
        "cgroup2 /nonexistent/unified cgroup2 rw,relatime 0 0\n";
    const char *self = "4:memory:/x/y\n1:cpu:/\n0::/\n";
    int version;
    char dir[512];
    assert_int_equal(sched_cgroup_probe(mounts, self, &version, dir, sizeof(dir)), 0);
    assert_int_equal(version, 1);
    assert_string_equal(dir, "/sys/fs/cgroup/cpu");
    /* cpu,cpuacct mounted together, the daemon in a sub-cgroup. */
    const char *mounts2 = "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n";
    const char *self2 = "3:cpu,cpuacct:/services/xen\n";
    assert_int_equal(sched_cgroup_probe(mounts2, self2, &version, dir, sizeof(dir)), 0);
    assert_int_equal(version, 1);
    assert_string_equal(dir, "/sys/fs/cgroup/cpu,cpuacct/services/xen");
    /* "cpuset" is not "cpu". */
    const char *mounts3 = "cgroup /sys/fs/cgroup/cpuset cgroup rw,cpuset 0 0\n";
    assert_int_equal(sched_cgroup_probe(mounts3, "2:cpuset:/\n", &version, dir, sizeof(dir)), 0);
    assert_int_equal(version, 0);
    assert_non_null(strstr(dir, "no cgroup CPU controller"));
}

static void probe_v2_when_it_offers_cpu(void **state)
{
    (void)state;
    char mnt[300], daemon[400], path[500];
    snprintf(mnt, sizeof(mnt), "%s/unified", root);
    snprintf(daemon, sizeof(daemon), "%s/system.slice", mnt);
    mkdir(mnt, 0755);
    mkdir(daemon, 0755);
    snprintf(path, sizeof(path), "%s/cgroup.controllers", daemon);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("cpuset cpu io memory pids\n", f);
    fclose(f);
    char mounts[700];
    snprintf(mounts, sizeof(mounts), "cgroup2 %s cgroup2 rw,nosuid 0 0\n", mnt);
    int version;
    char dir[512];
    assert_int_equal(sched_cgroup_probe(mounts, "0::/system.slice\n", &version, dir, sizeof(dir)), 0);
    assert_int_equal(version, 2);
    assert_string_equal(dir, daemon);
    /* Without cpu there, and no v1 hierarchy: none, and why. */
    f = fopen(path, "w");
    fputs("memory pids\n", f);
    fclose(f);
    assert_int_equal(sched_cgroup_probe(mounts, "0::/system.slice\n", &version, dir, sizeof(dir)), 0);
    assert_int_equal(version, 0);
    assert_non_null(strstr(dir, "does not offer 'cpu'"));
}

static char *slurp(const char *dir, const char *name)
{
    static char buf[256];
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s was not written", path);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* A domain whose vCPU "threads" have these ids (no threads run). */
static struct domain *domain_with_tids(uint32_t domid, unsigned n)
{
    struct domain *d = fake_domain_new(1 * MiB, domid, false);
    d->nr_vcpus = n;
    for (unsigned i = 0; i < n; i++) {
        d->vcpus[i] = calloc(1, sizeof(struct vcpu));
        d->vcpus[i]->thread_started = true;
        d->vcpus[i]->tid = 1000 + i;
    }
    return d;
}

static void domain_free_tids(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        free(d->vcpus[i]);
    fake_domain_free(d);
}

static void v1_files(void **state)
{
    (void)state;
    sched_cgroup_use_for_test(1, root);
    struct domain *d = domain_with_tids(3, 2);
    char why[256], dir[600];
    assert_int_equal(sched_cgroup_apply(d, XLCTL_SCHED_SET_WEIGHT | XLCTL_SCHED_SET_CAP, 512, 50,
                                        why, sizeof(why)), 0);
    snprintf(dir, sizeof(dir), "%s/xenolith-%d/d3", root, (int)getpid());
    assert_string_equal(slurp(dir, "cpu.shares"), "2048");
    assert_string_equal(slurp(dir, "cpu.cfs_period_us"), "100000");
    assert_string_equal(slurp(dir, "cpu.cfs_quota_us"), "50000");
    /* Each thread written once (a plain file keeps only the last). */
    assert_string_equal(slurp(dir, "tasks"), "1001");
    assert_true(d->sched_cgroup);
    char desc[700];
    sched_cgroup_describe(d, desc, sizeof(desc));
    assert_non_null(strstr(desc, "cgroup1 "));
    assert_non_null(strstr(desc, "/d3"));
    /* Cap off again: -1. */
    assert_int_equal(sched_cgroup_apply(d, XLCTL_SCHED_SET_CAP, 0, 0, why, sizeof(why)), 0);
    assert_string_equal(slurp(dir, "cpu.cfs_quota_us"), "-1");
    domain_free_tids(d);
}

static void v2_files(void **state)
{
    (void)state;
    sched_cgroup_use_for_test(2, root);
    struct domain *d = domain_with_tids(4, 1);
    char why[256], dir[700], base[600];
    assert_int_equal(sched_cgroup_apply(d, XLCTL_SCHED_SET_WEIGHT | XLCTL_SCHED_SET_CAP, 1024, 150,
                                        why, sizeof(why)), 0);
    snprintf(base, sizeof(base), "%s/xenolith-%d", root, (int)getpid());
    snprintf(dir, sizeof(dir), "%s/d4", base);
    assert_string_equal(slurp(base, "cgroup.type"), "threaded");
    assert_string_equal(slurp(root, "cgroup.subtree_control"), "+cpu");
    assert_string_equal(slurp(base, "cgroup.subtree_control"), "+cpu");
    assert_string_equal(slurp(dir, "cgroup.type"), "threaded");
    assert_string_equal(slurp(dir, "cpu.weight"), "400");
    assert_string_equal(slurp(dir, "cpu.max"), "150000 100000");
    assert_string_equal(slurp(dir, "cgroup.threads"), "1000");
    assert_int_equal(sched_cgroup_apply(d, XLCTL_SCHED_SET_CAP, 0, 0, why, sizeof(why)), 0);
    assert_string_equal(slurp(dir, "cpu.max"), "max 100000");
    domain_free_tids(d);
}

static void unusable_says_why(void **state)
{
    (void)state;
    /* No controller at all. */
    sched_cgroup_use_for_test(0, "no cgroup CPU controller: none here");
    struct domain *d = domain_with_tids(5, 1);
    char why[256];
    assert_int_equal(sched_cgroup_apply(d, XLCTL_SCHED_SET_WEIGHT, 300, 0, why, sizeof(why)),
                     -EOPNOTSUPP);
    assert_string_equal(why, "no cgroup CPU controller: none here");
    assert_false(d->sched_cgroup);
    /* A parent we may not create in. */
    sched_cgroup_use_for_test(1, "/proc/no-such-dir");
    assert_int_equal(sched_cgroup_apply(d, XLCTL_SCHED_SET_WEIGHT, 300, 0, why, sizeof(why)),
                     -EOPNOTSUPP);
    assert_non_null(strstr(why, "cannot create cgroup /proc/no-such-dir/xenolith-"));
    domain_free_tids(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weights_and_caps),
        cmocka_unit_test(probe_v1_as_on_this_projects_machines),
        cmocka_unit_test(probe_v2_when_it_offers_cpu),
        cmocka_unit_test(v1_files),
        cmocka_unit_test(v2_files),
        cmocka_unit_test(unusable_says_why),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
