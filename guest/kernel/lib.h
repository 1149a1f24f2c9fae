/*
 * lib.h - the guest kernel's small C library: memory and string helpers,
 * printf to the console, and number parsing.
 */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);

/* %s %c %d %i %u %x %X %p %% with l/ll/z, width and 0-padding. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sorts ascending (insertion sort: small benchmark arrays). */
void sort_u64(uint64_t *v, unsigned n);

/* Parses a decimal or 0x-hex number; returns 0 on success. */
int parse_u64(const char *s, uint64_t *out);

#endif
