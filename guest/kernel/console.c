/*
 * console.c - the guest's console (see console.h).
 *
 * Output is line-buffered, one write to the backend per line, and goes
 *   - through console_io (one hypercall per line; an exit costs ~25 us on
 *     kvm_pvm) until the console ring's backend has shown itself, and
 *     whenever the ring cannot be used;
 *   - into the console ring (pv-frontends/console.c) once xenconsoled
 *     serves it: no exit, one notification per line.
 * The guest cannot know whether a backend exists until it hears from it,
 * and may lose it (a restarting xenconsoled is back in milliseconds; one
 * that is gone for good never is). When the ring stays full for
 * RING_WAIT_NS, what it holds and the rest of the line go through
 * console_io, and so does everything after them until the backend takes
 * bytes again ("stalled"): output is never lost and the guest never waits
 * longer than that. (A backend back after so long also logs what the ring
 * held: those lines then show twice.) A line goes into the ring whole or
 * not at all: a ring left holding the head of a line would, once a new
 * backend logs it again, glue that head to the next line ("count 51count
 * 699" in the log after a hung xenconsoled).
 *
 * console_flush also waits (as long, at most) for the backend to take
 * what the ring holds, so flushed output is in the console log; if the
 * backend does not, the ring stalls as above.
 *
 * Waits poll with SCHEDOP_yield rather than sleep on the port's event: they
 * run with interrupts off (a crash report), on any vCPU (the port's
 * events reach vCPU 0), and last microseconds when xenconsoled is there.
 */
#include "kernel/console.h"

#include <console.h> /* pv-frontends/console.h: the ring */

#include "kernel/errno.h"
#include "kernel/hypercall.h"
#include "kernel/time.h"
#include "xenolith/xen_console.h"

#define RING_WAIT_NS (1000ull * 1000 * 1000)
#define INPUT_SLICE_NS (10ull * 1000 * 1000)

static char line[256];
static size_t used;
static int lock; /* vCPUs print concurrently; never from interrupt context */

static bool ring_ready;          /* the ring exists and is not broken */
static bool stalled;            /* the backend left it full: console_io ... */
static uint32_t stalled_cons;   /* ... until its out_cons moves from this */

static void console_lock(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

static void console_unlock(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static void hypercall_write(const char *s, size_t n)
{
    if (n)
        HYPERVISOR_console_io(CONSOLEIO_write, (int)n, s);
}

void console_ring_init(void)
{
    ring_ready = xencons_init() == 0;
}

static void ring_lost(void)
{
    static const char note[] = "console: the console ring's indexes are corrupt; "
                               "writing through console_io from now on\n";
    ring_ready = false;
    hypercall_write(note, sizeof(note) - 1);
}

static bool ring_usable(void)
{
    if (!ring_ready || !xencons_backend_seen())
        return false;
    if (stalled) {
        if (xencons_out_cons() == stalled_cons)
            return false;
        stalled = false; /* the backend takes bytes again */
    }
    return true;
}

/* The backend left the ring full (or did not empty it) for RING_WAIT_NS:
 * what the ring holds goes through console_io now, so nothing is lost if
 * the backend never comes back, and so does all output until the backend
 * takes bytes again. */
static void stall(void)
{
    static char left[XENCONS_OUT_SIZE];
    size_t n = xencons_out_unconsumed(left, sizeof(left));
    stalled = true;
    stalled_cons = xencons_out_cons();
    hypercall_write(left, n);
}

/* A line fits in the ring whole, so one wait for room is enough. */
_Static_assert(sizeof(line) <= XENCONS_OUT_SIZE, "a line must fit in the console ring");
static size_t room_wanted; /* bytes flush_locked waits for; under the lock */

static bool ring_has_room(void)
{
    int p = xencons_out_pending();
    return p < 0 || XENCONS_OUT_SIZE - (uint32_t)p >= room_wanted;
}

static bool ring_empty(void)
{
    return xencons_out_pending() <= 0;
}

/* Polls done() for up to RING_WAIT_NS; see the top of the file for why. */
static bool wait_for(bool (*done)(void))
{
    uint64_t deadline = time_now_ns() + RING_WAIT_NS;
    while (!done()) {
        if (time_now_ns() >= deadline)
            return false;
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    }
    return true;
}

static void flush_locked(void)
{
    const char *p = line;
    size_t n = used;
    used = 0;
    while (n && ring_usable()) {
        room_wanted = n; /* the whole line or nothing: see the top of the file */
        if (!wait_for(ring_has_room)) {
            stall();
            break;
        }
        int w = xencons_write(p, n);
        if (w < 0) {
            ring_lost();
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    hypercall_write(p, n);
}

/* Until the backend has taken everything; else console_io has it too. */
static void drain_locked(void)
{
    if (!ring_usable() || wait_for(ring_empty))
        return;
    if (xencons_out_pending() < 0)
        ring_lost();
    else
        stall();
}

void console_flush(void)
{
    console_lock();
    flush_locked();
    drain_locked();
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

/* Now, not at the end of the line: a typed character's echo. */
static void write_now(const char *s, size_t n)
{
    console_lock();
    for (size_t i = 0; i < n; i++) {
        line[used++] = s[i];
        if (used == sizeof(line))
            flush_locked();
    }
    flush_locked();
    console_unlock();
}

/* ---- input -------------------------------------------------------------- */

static int in_lock;
static char in_buf[64];
static unsigned in_head, in_len;
static bool last_was_cr;

/* A byte already taken from the ring, or -EAGAIN, or the ring's error. */
static int take_input(void)
{
    while (__atomic_exchange_n(&in_lock, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    int c = -EAGAIN;
    if (in_head == in_len) {
        int n = xencons_read(in_buf, sizeof(in_buf));
        if (n < 0)
            c = n;
        in_head = 0;
        in_len = n > 0 ? (unsigned)n : 0;
    }
    if (in_head < in_len)
        c = (unsigned char)in_buf[in_head++];
    __atomic_store_n(&in_lock, 0, __ATOMIC_RELEASE);
    return c;
}

int console_getc(uint64_t timeout_ns)
{
    if (!ring_ready)
        return -ENOENT;
    uint64_t deadline = timeout_ns ? time_now_ns() + timeout_ns : 0;
    for (;;) {
        int c = take_input();
        if (c != -EAGAIN)
            return c;
        uint64_t now = time_now_ns();
        if (deadline && now >= deadline)
            return -ETIME;
        /* Slices: the port's events reach vCPU 0 only. */
        uint64_t until = now + INPUT_SLICE_NS;
        xencons_wait(deadline && deadline < until ? deadline : until);
    }
}

int console_readline(char *buf, size_t len, bool echo, uint64_t timeout_ns)
{
    size_t n = 0;
    for (;;) {
        int c = console_getc(timeout_ns);
        if (c < 0)
            return c;
        bool after_cr = last_was_cr;
        last_was_cr = c == '\r';
        if (c == '\n' && after_cr)
            continue; /* the \n of a \r\n */
        if (c == '\r' || c == '\n') {
            buf[n] = '\0';
            if (echo)
                write_now("\n", 1);
            return (int)n;
        }
        if (c == 0x7f || c == '\b') {
            if (n) {
                n--;
                if (echo)
                    write_now("\b \b", 3);
            }
            continue;
        }
        if (c < 0x20 || c > 0x7e || n + 1 >= len)
            continue; /* other control bytes; or the line is full */
        buf[n++] = (char)c;
        if (echo) {
            char ch = (char)c;
            write_now(&ch, 1);
        }
    }
}
