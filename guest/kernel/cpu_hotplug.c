/*
 * cpu_hotplug.c - vCPUs follow cpu/<N>/availability ("online" or
 * "offline"), as Linux's drivers/xen/cpu_hotplug.c: `xl vcpu-set DOM N`
 * writes online for vCPUs below N and offline for the rest, and we bring
 * each up or down to match (kernel/smp.c). vCPU 0 stays up whatever its
 * node says, as Linux keeps CPU 0. The first firing, at boot, brings up
 * every vCPU the toolstack marked online.
 */
#include <xenbus.h>

#include "kernel/lib.h"
#include "kernel/percpu.h"
#include "kernel/services.h"
#include "kernel/smp.h"

static unsigned nr_vcpus;

static void on_cpu(const char *path, const char *token, void *arg)
{
    (void)path, (void)token, (void)arg;
    for (unsigned id = 1; id < nr_vcpus; id++) {
        char node[32], value[16];
        snprintf(node, sizeof(node), "cpu/%u/availability", id);
        if (xenbus_read(node, value, sizeof(value)) < 0)
            continue;
        bool want_up = strcmp(value, "online") == 0;
        bool want_down = strcmp(value, "offline") == 0;
        if (want_up && !smp_cpu_online(id)) {
            int rc = smp_cpu_up(id);
            if (rc < 0)
                printf("cpu: vCPU %u did not come up (%d)\n", id, rc);
            else
                printf("cpu: vCPU %u online\n", id);
        } else if (want_down && smp_cpu_online(id)) {
            int rc = smp_cpu_down(id);
            if (rc < 0)
                printf("cpu: vCPU %u did not go down (%d)\n", id, rc);
            else
                printf("cpu: vCPU %u offline\n", id);
        }
    }
}

int cpu_hotplug_init(void)
{
    nr_vcpus = smp_vcpu_count();
    if (nr_vcpus > MAX_CPUS)
        nr_vcpus = MAX_CPUS;
    if (nr_vcpus < 2)
        return 0; /* nothing to plug */
    return xenbus_watch_cb("cpu", "cpu-hotplug", on_cpu, 0);
}
