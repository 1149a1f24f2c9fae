/*
 * console.c - line-buffered output through console_io: a hypercall costs
 * ~25 us on kvm_pvm, so we pay it per line, not per character.
 */
#include "kernel/console.h"

#include "kernel/hypercall.h"

static char line[256];
static size_t used;
static int lock; /* vCPUs print concurrently; never from interrupt context */

static void console_lock(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

static void console_unlock(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static void flush_locked(void)
{
    if (used) {
        HYPERVISOR_console_io(CONSOLEIO_write, (int)used, line);
        used = 0;
    }
}

void console_flush(void)
{
    console_lock();
    flush_locked();
    console_unlock();
}

void console_write(const char *s, size_t n)
{
    console_lock();
    for (size_t i = 0; i < n; i++) {
        line[used++] = s[i];
        if (s[i] == '\n' || used == sizeof(line))
            flush_locked();
    }
    console_unlock();
}
