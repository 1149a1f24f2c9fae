/*
 * units.c - memory sizes, uptimes and statistics lines (see units.h).
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t xl_parse_mem_size_kb(const char *mem)
{
    if (!mem || !isdigit((unsigned char)mem[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(mem, &end, 10);
    if (errno || strlen(end) > 1)
        return -1;
    unsigned shift_up = 0, shift_down = 0;
    switch (tolower((unsigned char)*end)) {
    case 't':
        shift_up = 30;
        break;
    case 'g':
        shift_up = 20;
        break;
    case '\0':
    case 'm':
        shift_up = 10;
        break;
    case 'k':
        break;
    case 'b':
        shift_down = 10;
        break;
    default:
        return -1;
    }
    if (shift_up && v > (unsigned long long)(INT64_MAX >> shift_up))
        return -1;
    return (int64_t)((v << shift_up) >> shift_down);
}

void xl_uptime_text(uint64_t up, bool short_mode, char *out, size_t len)
{
    unsigned long long day = up / 86400, hour = up % 86400 / 3600, min = up % 3600 / 60, sec = up % 60;
    char days[32] = "";
    if (day)
        snprintf(days, sizeof(days), "%llu day%s, ", day, day > 1 ? "s" : "");
    if (short_mode)
        snprintf(out, len, "%s%2llu:%02llu", days, hour, min);
    else
        snprintf(out, len, "%s%2llu:%02llu:%02llu", days, hour, min, sec);
}

int xl_stats_lookup(const char *text, const char *key, uint64_t *value)
{
    if (!text)
        return -1;
    size_t kl = strlen(key);
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        const char *word = p;
        size_t wl = strcspn(p, " \n\t");
        p += wl;
        if (wl > kl && strncmp(word, key, kl) == 0 && word[kl] == '=') {
            const char *num = word + kl + 1;
            if (!isdigit((unsigned char)*num))
                return -1;
            char *end;
            errno = 0;
            unsigned long long v = strtoull(num, &end, 10);
            if (errno || end != word + wl)
                return -1;
            *value = v;
            return 0;
        }
    }
    return -1;
}
