/*
 * xenconsoled.h - what main.c gives the other modules of the console
 * backend: its one epoll loop, and the settings from the command line.
 *
 * xenconsoled is one single-threaded process (libxenstore's reader thread
 * aside): every handler runs on the loop's thread, one ready descriptor at
 * a time, so a handler may close and free any object, its own included,
 * without another event for it being in flight.
 */
#ifndef XCD_XENCONSOLED_H
#define XCD_XENCONSOLED_H

#include <stddef.h>
#include <stdint.h>

/* Something the loop watches; embed it and recover the owner with
 * container_of-style arithmetic in fn. */
struct handler {
    void (*fn)(struct handler *h, uint32_t events);
};

/* epoll_ctl ADD / MOD / DEL; 0 or -errno. */
int loop_add(int fd, uint32_t events, struct handler *h);
int loop_mod(int fd, uint32_t events, struct handler *h);
void loop_del(int fd);

struct xcd_config {
    const char *socket_path;  /* sessions: $XENOLITH_RUNDIR/xenconsoled.sock */
    const char *log_dir;      /* guest logs: $XENOLITH_RUNDIR/log/console */
    size_t backlog_bytes;     /* log tail a new session gets first */
    size_t client_limit;      /* queued output past which a client is dropped */
};

extern struct xcd_config xcd_config;

#define XCD_CONTAINER(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#endif
