/*
 * loop.h - xenstored's one epoll loop. Everything happens on it: accepting
 * socket clients, reading requests, writing replies, and (later) the
 * event channels of guest rings. SIGTERM and SIGINT arrive through a
 * signalfd and stop the loop like loop_stop(), which writes the stop
 * eventfd: shutdown is a message, not a signal handler. SIGHUP reopens the
 * log file.
 */
#ifndef XS_LOOP_H
#define XS_LOOP_H

#include <stdint.h>

struct loop_handler {
    /* Called with the epoll events of the fd this handler was added for. */
    void (*fn)(struct loop_handler *h, uint32_t events);
};

int loop_init(void);
void loop_fini(void);

/* 0 or -errno. h must stay valid until loop_del(fd). */
int loop_add(int fd, uint32_t events, struct loop_handler *h);
int loop_mod(int fd, uint32_t events, struct loop_handler *h);
void loop_del(int fd);

/* Runs until stopped; 0, or -errno if epoll fails. */
int loop_run(void);
void loop_stop(void);

#endif
