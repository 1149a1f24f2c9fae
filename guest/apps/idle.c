/*
 * idle.c - app=idle: a guest that waits, for xl's lifecycle commands to
 * act on (kernel/services.h): xl shutdown and reboot, vcpu-set, mem-set.
 * Options:
 *   touch=1         first write every free page once, so the host really
 *                   holds the domain's memory (a later balloon shows the
 *                   host getting it back)
 *   heartbeat_ms=N  print "idle: alive N" every N ms (0: never)
 *   crash_ms=N      crash (a #UD) N ms after boot: on_crash's witness
 * Prints "idle: ready" once it waits.
 */
#include "kernel/balloon.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/services.h"
#include "kernel/time.h"

#define TOUCH_CHUNK 256u
#define MAX_TOUCH_CHUNKS 16384u   /* 16 GiB */

static void *chunks[MAX_TOUCH_CHUNKS];

/* page_alloc zeroes what it hands out: allocating every free page writes
 * it, and freeing gives the pool back unchanged. */
static uint64_t touch_free_memory(void)
{
    unsigned n = 0;
    uint64_t pages = 0;
    unsigned size = TOUCH_CHUNK;
    while (n < MAX_TOUCH_CHUNKS) {
        void *p = page_alloc(size);
        if (!p) {
            if (size == 1)
                break;
            size /= 2;
            continue;
        }
        chunks[n++] = p;
        pages += size;
        /* The size rides in the chunk's first word (it is ours until freed). */
        *(uint64_t *)p = size;
    }
    while (n--)
        page_free(chunks[n], (unsigned)*(uint64_t *)chunks[n]);
    return pages;
}

int app_idle(void)
{
    uint64_t heartbeat_ms = cmdline_u64("heartbeat_ms", 0);
    uint64_t crash_ms = cmdline_u64("crash_ms", 0);
    if (!services_running())
        printf("idle: no xenstore: nothing will ask anything of us\n");
    if (cmdline_u64("touch", 0)) {
        uint64_t pages = touch_free_memory();
        printf("idle: touched %llu KiB of free memory\n", (unsigned long long)pages * 4);
    }
    printf("idle: ready, %llu KiB\n", (unsigned long long)balloon_current_pages() * 4);
    uint64_t start = time_now_ns(), beats = 0;
    uint64_t next_beat = heartbeat_ms ? start + heartbeat_ms * 1000000ull : 0;
    uint64_t crash_at = crash_ms ? start + crash_ms * 1000000ull : 0;
    for (;;) {
        uint64_t deadline = next_beat;
        if (crash_at && (!deadline || crash_at < deadline))
            deadline = crash_at;
        wait_flag_until(0, deadline);
        uint64_t now = time_now_ns();
        if (crash_at && now >= crash_at) {
            printf("idle: crashing as asked (crash_ms=%llu)\n", (unsigned long long)crash_ms);
            console_flush();
            __asm__ volatile("ud2");
        }
        if (next_beat && now >= next_beat) {
            printf("idle: alive %llu\n", (unsigned long long)++beats);
            next_beat += heartbeat_ms * 1000000ull;
        }
    }
}
