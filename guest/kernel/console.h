/*
 * console.h - guest console output. Before the console ring exists, output
 * goes through console_io, one hypercall per line (each costs an exit).
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t n);
void console_flush(void);

#endif
