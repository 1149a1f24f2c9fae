/*
 * xl_mem.c - mem-set and mem-max, as libxl's set_memory_target (with
 * enforce) and setmaxmem: memory/target and memory/static-max in
 * xenstore, and the hypervisor's maximum reservation. The guest's balloon
 * driver follows memory/target (guest/kernel/balloon.c).
 *
 *   mem-max MEM: target <= MEM <= the RAM the domain was built with;
 *                the hypervisor's maximum and static-max become MEM.
 *   mem-set MEM: MEM <= static-max (and at least 1 MiB); the hypervisor's
 *                maximum becomes MEM first when it grows (so the guest
 *                may take pages back), after writing the target when it
 *                shrinks (libxl enforces the same way).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "libxl/units.h"
#include "libxl/xs_domain.h"
#include "xl.h"

#define MIN_TARGET_KIB 1024

struct mem_cmd {
    const char *name;
    uint32_t domid;
    struct xlctl_dominfo info;
    struct xc *xc;
    struct xs_handle *xs;
    int64_t kib;
    uint64_t static_max, target;
};

static int open_mem(struct mem_cmd *m, const char *name, int argc, char **argv)
{
    memset(m, 0, sizeof(*m));
    m->name = name;
    if (argc != 3)
        return xl_usage(name);
    m->kib = xl_parse_mem_size_kb(argv[2]);
    if (m->kib < 0)
        return xl_fail(name, "invalid memory size '%s' (MiB, or a number with b, k, m, g or t)",
                       argv[2]);
    m->kib &= ~(int64_t)3; /* whole pages */
    m->xc = xl_connect(name);
    if (!m->xc)
        return 1;
    int rc = xl_find_domain(m->xc, name, argv[1], false, &m->domid);
    if (rc == 0)
        rc = xc_domain_info(m->xc, m->domid, &m->info);
    if (rc == -1)
        return 1;
    if (rc < 0)
        return xl_fail(name, "asking the hypervisor: %s", strerror(-rc));
    if (m->info.state == XLCTL_STATE_SHUTDOWN || m->info.state == XLCTL_STATE_DYING)
        return xl_fail(name, "domain '%s' is shut down", argv[1]);
    m->xs = xs_open(0);
    if (!m->xs)
        return xl_fail(name, "cannot reach xenstored, which carries memory/target: %s",
                       strerror(errno));
    m->static_max = xs_domain_read_u64(m->xs, m->domid, "memory/static-max", m->info.built_memory_kib);
    m->target = xs_domain_read_u64(m->xs, m->domid, "memory/target", m->static_max);
    return 0;
}

static void close_mem(struct mem_cmd *m)
{
    if (m->xs)
        xs_close(m->xs);
    if (m->xc)
        xc_close(m->xc);
}

static int set_max(struct mem_cmd *m, uint64_t kib)
{
    int rc = xc_domain_set_maxmem(m->xc, m->domid, kib);
    if (rc < 0)
        return xl_fail(m->name, "cannot set the maximum reservation of domain %u to %" PRIu64
                       " KiB: %s", m->domid, kib, strerror(-rc));
    return 0;
}

static int write_kib(struct mem_cmd *m, const char *rel, uint64_t kib)
{
    char v[32];
    snprintf(v, sizeof(v), "%" PRIu64, kib);
    int rc = xs_domain_write(m->xs, m->domid, rel, v);
    if (rc < 0)
        return xl_fail(m->name, "writing %s of domain %u: %s", rel, m->domid, strerror(-rc));
    return 0;
}

int main_mem_set(int argc, char **argv)
{
    struct mem_cmd m;
    int rc = open_mem(&m, "mem-set", argc, argv);
    if (rc == 0) {
        uint64_t kib = (uint64_t)m.kib;
        if (kib < MIN_TARGET_KIB)
            rc = xl_fail("mem-set", "%s is too little: a domain keeps 1 MiB at least", argv[2]);
        else if (kib > m.static_max)
            rc = xl_fail("mem-set", "%s is more than the domain's maximum, %" PRIu64 " KiB "
                         "(raise it with mem-max, up to the %" PRIu64 " KiB it was built with)",
                         argv[2], m.static_max, m.info.built_memory_kib);
        else if (kib >= m.target) {
            rc = set_max(&m, kib);
            if (rc == 0)
                rc = write_kib(&m, "memory/target", kib);
        } else {
            rc = write_kib(&m, "memory/target", kib);
            if (rc == 0)
                rc = set_max(&m, kib);
        }
    }
    close_mem(&m);
    return rc;
}

int main_mem_max(int argc, char **argv)
{
    struct mem_cmd m;
    int rc = open_mem(&m, "mem-max", argc, argv);
    if (rc == 0) {
        uint64_t kib = (uint64_t)m.kib;
        if (kib < m.target)
            rc = xl_fail("mem-max", "%s is below the domain's current target, %" PRIu64 " KiB: "
                         "lower that first with mem-set", argv[2], m.target);
        else if (kib > m.info.built_memory_kib)
            rc = xl_fail("mem-max", "%s is more than the %" PRIu64 " KiB the domain was built "
                         "with: its memory cannot grow past that", argv[2], m.info.built_memory_kib);
        else {
            rc = set_max(&m, kib);
            if (rc == 0)
                rc = write_kib(&m, "memory/static-max", kib);
        }
    }
    close_mem(&m);
    return rc;
}
