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

#include <stdbool.h>
#include <stdint.h>

#include "list.h"

struct loop_handler {
    /* Called with the epoll events of the fd this handler was added for. */
    void (*fn)(struct loop_handler *h, uint32_t events);
    /* loop.c: on the deferred list (loop_defer); zero-initialised = not. */
    struct list_head defer_list;
    bool deferred;
};

int loop_init(void);
void loop_fini(void);

/* 0 or -errno. h must stay valid until loop_del(fd). */
int loop_add(int fd, uint32_t events, struct loop_handler *h);
int loop_mod(int fd, uint32_t events, struct loop_handler *h);
void loop_del(int fd);

/* Calls h->fn(h, EPOLLIN) once in the next batch without waiting for its
 * fd: for input a transport already holds (read ahead into its own
 * buffer) that the fd will not announce again. Deferring twice calls once.
 * loop_undefer() before h is freed. */
void loop_defer(struct loop_handler *h);
void loop_undefer(struct loop_handler *h);

/* After a batch that did work, the loop polls for up to us microseconds
 * (yielding the CPU between polls) before it sleeps in epoll_wait(); 0
 * sleeps at once. Default LOOP_POLL_US_DEFAULT. See loop.c for why. */
#define LOOP_POLL_US_DEFAULT 50
void loop_set_poll_us(unsigned int us);

/* Runs until stopped; 0, or -errno if epoll fails. */
int loop_run(void);
void loop_stop(void);

#endif
