/*
 * cpumap.c - CPU list text to a bitmap and back (see cpumap.h).
 */
#include "cpumap.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool test(const uint64_t *map, unsigned c)
{
    return map[c / 64] >> (c % 64) & 1;
}

/* A decimal CPU number at *p, advancing it; -1 if none. */
static long number(const char **p)
{
    if (!isdigit((unsigned char)**p))
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(*p, &end, 10);
    if (errno || v > 100000)
        return -1;
    *p = end;
    return (long)v;
}

int xl_cpumap_parse(const char *spec, unsigned nr_cpus, uint64_t map[XLCTL_CPUMAP_WORDS],
                    char *why, size_t whylen)
{
    memset(map, 0, XLCTL_CPUMAP_WORDS * sizeof(uint64_t));
    if (nr_cpus > XL_CPUMAP_MAX)
        nr_cpus = XL_CPUMAP_MAX;
    if (strcmp(spec, "all") == 0) {
        for (unsigned c = 0; c < nr_cpus; c++)
            map[c / 64] |= 1ull << (c % 64);
        return 0;
    }
    if (!*spec) {
        snprintf(why, whylen, "an empty CPU list");
        return -1;
    }
    const char *p = spec;
    while (*p) {
        const char *item = p;
        bool remove = *p == '^';
        if (remove)
            p++;
        long lo = number(&p), hi = lo;
        if (lo >= 0 && *p == '-') {
            p++;
            hi = number(&p);
        }
        size_t ilen = strcspn(item, ",");
        if (lo < 0 || hi < 0 || (*p && *p != ',')) {
            snprintf(why, whylen, "'%.*s' is not a CPU number or range (e.g. 0-3,5)", (int)ilen, item);
            return -1;
        }
        if (hi < lo) {
            snprintf(why, whylen, "'%.*s' is not a CPU range (the first CPU comes first)", (int)ilen,
                     item);
            return -1;
        }
        if ((unsigned long)hi >= nr_cpus) {
            snprintf(why, whylen, "CPU %ld does not exist (the host has CPUs 0-%u)", hi, nr_cpus - 1);
            return -1;
        }
        for (long c = lo; c <= hi; c++) {
            if (remove)
                map[c / 64] &= ~(1ull << (c % 64));
            else
                map[c / 64] |= 1ull << (c % 64);
        }
        if (*p == ',') {
            p++;
            if (!*p) {
                snprintf(why, whylen, "'%s' ends with a comma", spec);
                return -1;
            }
        }
    }
    return 0;
}

void xl_cpumap_format(const uint64_t map[XLCTL_CPUMAP_WORDS], unsigned nr_cpus, char *out,
                      size_t len)
{
    if (nr_cpus > XL_CPUMAP_MAX)
        nr_cpus = XL_CPUMAP_MAX;
    unsigned set = 0;
    for (unsigned c = 0; c < nr_cpus; c++)
        set += test(map, c);
    if (set == nr_cpus && nr_cpus) {
        snprintf(out, len, "all");
        return;
    }
    if (set == 0) {
        snprintf(out, len, "none");
        return;
    }
    size_t o = 0;
    out[0] = '\0';
    for (unsigned c = 0; c < nr_cpus && o < len; c++) {
        if (!test(map, c))
            continue;
        unsigned end = c;
        while (end + 1 < nr_cpus && test(map, end + 1))
            end++;
        int n = end > c ? snprintf(out + o, len - o, "%s%u-%u", o ? "," : "", c, end)
                        : snprintf(out + o, len - o, "%s%u", o ? "," : "", c);
        if (n < 0)
            break;
        o += (size_t)n;
        c = end;
    }
}
