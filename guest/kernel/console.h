/*
 * console.h - the guest's console. Output goes through console_io (one
 * hypercall per line, each an exit) until the console ring's backend
 * (xenconsoled) has shown itself, then into the ring, falling back to
 * console_io whenever the ring is unusable; console.c says how. Input
 * comes from the ring only.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* After events_init and time_init: finds the console ring. Until then,
 * and without a ring, output uses console_io. */
void console_ring_init(void);

void console_write(const char *s, size_t n);
/* Writes the partial line and waits (a bounded time) until the backend
 * has taken everything, so that flushed output is in the console log. */
void console_flush(void);

/* The next input byte; timeout_ns 0 waits forever. The byte (0..255),
 * -ETIME, -ENOENT (no console ring) or -EIO (the ring is broken). One
 * reader at a time; not from interrupt context. */
int console_getc(uint64_t timeout_ns);
/* A line of input without its end (\r, \n or \r\n), NUL-terminated in
 * buf (longer lines are cut to len - 1); backspace edits; other control
 * bytes are ignored. With echo, typed characters are written back, as a
 * terminal in raw mode needs. timeout_ns applies to each byte. Returns the
 * length or console_getc's error. */
int console_readline(char *buf, size_t len, bool echo, uint64_t timeout_ns);

#endif
