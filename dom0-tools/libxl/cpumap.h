/*
 * cpumap.h - host CPU sets as xl writes them: "all", "0-3", "0,2-3,6"
 * (xl vcpu-pin's argument, parse_cpurange in Xen's xl) and back (xl
 * vcpu-list's affinity column, print_bitmap in Xen's xl_utils.c). Pure.
 */
#ifndef XL_CPUMAP_H
#define XL_CPUMAP_H

#include <stddef.h>
#include <stdint.h>

#include "xenolith/control.h"

#define XL_CPUMAP_MAX (XLCTL_CPUMAP_WORDS * 64u)   /* CPUs 0..255 */

/*
 * Parses spec into map (bit n = CPU n) for a host of nr_cpus CPUs:
 * "all", or comma-separated items N or N-M (N <= M), where a leading '^'
 * takes the item out again ("0-7,^3"). Every CPU must be below nr_cpus.
 * 0, or -1 with a one-line reason in why ("CPU 9 does not exist (the
 * host has CPUs 0-1)", "'3-1' is not a CPU range").
 */
int xl_cpumap_parse(const char *spec, unsigned nr_cpus, uint64_t map[XLCTL_CPUMAP_WORDS],
                    char *why, size_t whylen);

/* xl's text for a set of a host with nr_cpus CPUs: "all" when every one
 * is in it, "none" when none, else ranges "0-1,3". */
void xl_cpumap_format(const uint64_t map[XLCTL_CPUMAP_WORDS], unsigned nr_cpus, char *out,
                      size_t len);

#endif
