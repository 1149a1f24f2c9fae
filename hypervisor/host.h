/*
 * host.h - facts about the host (Dom0) the daemon reports or checks.
 */
#ifndef HV_HOST_H
#define HV_HOST_H

#include <stdint.h>

/* A /proc/meminfo field in KiB ("MemTotal", "MemAvailable"); 0 if absent. */
uint64_t host_meminfo_kib(const char *key);

#endif
