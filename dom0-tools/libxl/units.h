/*
 * units.h - the numbers xl reads and prints, as Xen's xl_utils.c does:
 * memory sizes with a unit suffix, uptimes, and key=value statistics
 * lines. Pure.
 */
#ifndef XL_UNITS_H
#define XL_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * KiB for "MEM" with an optional one-letter suffix, as xl mem-set and
 * mem-max take it: no suffix or 'm' MiB, 'k' KiB, 'g' GiB, 't' TiB, 'b'
 * bytes (rounded down to KiB); upper case too. -1 for anything else: an
 * empty string, a sign, trailing text, an overflow.
 */
int64_t xl_parse_mem_size_kb(const char *mem);

/* xl uptime's text: "1 day,  2:03:04", "3 days, 10:00:00", " 0:00:07";
 * short (-s) drops the seconds: " 0:00", "2 days,  1:05". */
void xl_uptime_text(uint64_t seconds, bool short_mode, char *out, size_t len);

/*
 * The value of `key` in a statistics text: either one line of
 * "key=value key=value ..." (netback's <backend>/stats) or nothing else.
 * 0 with *value, -1 when the key is not there or not a number.
 */
int xl_stats_lookup(const char *text, const char *key, uint64_t *value);

#endif
