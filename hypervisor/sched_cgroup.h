/*
 * sched_cgroup.h - Xen's credit-scheduler weight and cap for a domain
 * (`xl sched-credit`), applied by the host scheduler to the domain's vCPU
 * threads through a CPU cgroup of their own.
 *
 * Where: beside the daemon, in the cgroup it runs in, a directory
 * xenolith-<pid>/ with one child d<domid>/ per domain that was given a
 * weight or a cap; the domain's vCPU threads (and only they) move there.
 *   cgroup v2 (the cpu controller enabled on the unified hierarchy):
 *     both directories are threaded cgroups; cpu.weight and cpu.max.
 *   cgroup v1 (a hierarchy with the cpu controller, as on this project's
 *     machines, where v2 has no cpu controller): cpu.shares,
 *     cpu.cfs_period_us and cpu.cfs_quota_us.
 *   neither, or no permission: -EOPNOTSUPP and a one-line reason.
 *
 * The mapping (Xen credit: weight 1..65535, default 256, relative between
 * domains; cap in % of one CPU for the whole domain, 0 = none):
 *   v2 cpu.weight = weight * 100 / 256, within 1..10000 (default 100)
 *   v1 cpu.shares = weight * 1024 / 256 = weight * 4 (default 1024)
 *   cap C > 0: a quota of C/100 CPU per 100 ms period (cpu.max
 *     "C*1000 100000", cfs_quota_us C*1000); cap 0: "max" / -1.
 * Weights compare between domains that have one set (siblings in
 * xenolith-<pid>/); a domain never set runs in the daemon's own cgroup.
 *
 * Main thread only (control ops, domain destroy, daemon stop).
 */
#ifndef HV_SCHED_CGROUP_H
#define HV_SCHED_CGROUP_H

#include <stddef.h>
#include <stdint.h>

struct domain;

#define SCHED_PERIOD_US 100000u

/* The pure mapping above (unit-tested). */
uint32_t sched_weight_to_v2(uint32_t weight);
uint32_t sched_weight_to_shares(uint32_t weight);
/* Quota in us per SCHED_PERIOD_US for a cap; -1 for none. */
long sched_cap_to_quota_us(uint32_t cap);

/*
 * Finds the CPU controller from the text of /proc/self/mounts and
 * /proc/self/cgroup: *version 2 or 1 and the daemon's cgroup directory
 * in `dir`, or 0 with the reason in `dir`. Pure but for reading
 * <dir>/cgroup.controllers for v2. Unit tests call it on fixtures.
 */
int sched_cgroup_probe(const char *mounts, const char *self_cgroup, int *version, char *dir,
                       size_t dirlen);

/* Unit tests: use this version and parent directory instead of probing. */
void sched_cgroup_use_for_test(int version, const char *parent_dir);

/*
 * Sets what flags say (XLCTL_SCHED_SET_WEIGHT / _CAP) for d and moves its
 * vCPU threads into its cgroup. The values must be valid already. 0, or
 * -EOPNOTSUPP with `why` (nothing usable, or a cgroup file refused).
 */
int sched_cgroup_apply(struct domain *d, uint32_t flags, uint32_t weight, uint32_t cap,
                       char *why, size_t whylen);

/* "cgroup2 <dir>", "cgroup1 <dir>" for d (its directory once it has one,
 * else the parent), or "none: <reason>". */
void sched_cgroup_describe(const struct domain *d, char *out, size_t len);

/* The domain's threads are gone: remove its directory. */
void sched_cgroup_domain_gone(struct domain *d);
/* Daemon stop: remove xenolith-<pid>/. */
void sched_cgroup_cleanup(void);

#endif
