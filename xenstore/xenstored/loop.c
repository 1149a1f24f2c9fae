/*
 * loop.c - the epoll loop (loop.h). After each batch of events it lets
 * the core write what the batch queued for other connections (watch
 * events) and free the connections that closed; before that, it saves
 * the batch's changes to the state file (persist.h), which the replies
 * wait for.
 *
 * Polling before sleeping: a client of xenstore sends its next request a
 * few microseconds after it read the reply (a transaction is twelve
 * round trips in a row), and on a virtual machine a CPU that sleeps takes
 * tens of microseconds to wake: the hypervisor must run the vCPU again.
 * With the daemon asleep on one CPU and its client on the other, every
 * round trip paid that wake twice (about 50 us; 20k requests a second
 * whatever the request). So after a batch that did work the loop keeps
 * polling epoll with a zero timeout for up to poll_us before it sleeps,
 * as Linux's haltpoll and NAPI busy polling do; the client's request then
 * finds the daemon awake. Between polls it yields the CPU, so a client
 * that shares the daemon's CPU runs (its request is what the poll waits
 * for) instead of waiting for the daemon's time slice to end. An idle
 * daemon costs nothing: only a batch with events starts a poll, and a
 * poll that finds nothing ends in the sleeping epoll_wait().
 */
#include "loop.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "log.h"
#include "persist.h"

static int epoll_fd = -1, stop_fd = -1, signal_fd = -1;
static bool stopping;
static struct loop_handler stop_handler, signal_handler;
static struct list_head deferred = LIST_HEAD_INIT(deferred);
static unsigned int poll_us = LOOP_POLL_US_DEFAULT;

static void on_stop(struct loop_handler *h, uint32_t events)
{
    (void)h;
    (void)events;
    uint64_t v;
    ssize_t n = read(stop_fd, &v, sizeof(v));
    (void)n;
    stopping = true;
}

static void on_signal(struct loop_handler *h, uint32_t events)
{
    (void)h;
    (void)events;
    struct signalfd_siginfo si;
    if (read(signal_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    if (si.ssi_signo == SIGHUP) {
        /* As C xenstored: SIGHUP reopens the log (rotation). */
        if (log_reopen() < 0)
            log_warn("SIGHUP: cannot reopen the log");
        return;
    }
    log_info("signal %u: stopping", si.ssi_signo);
    stopping = true;
}

int loop_init(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_fd < 0 || stop_fd < 0 || sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        goto fail;
    signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0)
        goto fail;
    /* Replies go out with MSG_NOSIGNAL; this covers anything else. */
    signal(SIGPIPE, SIG_IGN);
    stop_handler.fn = on_stop;
    signal_handler.fn = on_signal;
    if (loop_add(stop_fd, EPOLLIN, &stop_handler) < 0 ||
        loop_add(signal_fd, EPOLLIN, &signal_handler) < 0)
        goto fail;
    stopping = false;
    return 0;
fail:;
    int err = -errno;
    loop_fini();
    return err;
}

void loop_fini(void)
{
    if (signal_fd >= 0)
        close(signal_fd);
    if (stop_fd >= 0)
        close(stop_fd);
    if (epoll_fd >= 0)
        close(epoll_fd);
    signal_fd = stop_fd = epoll_fd = -1;
}

int loop_add(int fd, uint32_t events, struct loop_handler *h)
{
    struct epoll_event ev = {.events = events, .data.ptr = h};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int loop_mod(int fd, uint32_t events, struct loop_handler *h)
{
    struct epoll_event ev = {.events = events, .data.ptr = h};
    return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_del(int fd)
{
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

void loop_defer(struct loop_handler *h)
{
    if (h->deferred)
        return;
    h->deferred = true;
    list_add_tail(&h->defer_list, &deferred);
}

void loop_undefer(struct loop_handler *h)
{
    if (!h->deferred)
        return;
    h->deferred = false;
    list_del(&h->defer_list);
}

/* Runs the handlers deferred before this call; those they defer again wait
 * for the next batch, so one busy client cannot keep the loop here. */
static void run_deferred(void)
{
    struct list_head batch = LIST_HEAD_INIT(batch);
    if (list_empty(&deferred))
        return;
    /* Move the list to batch. */
    batch.next = deferred.next;
    batch.prev = deferred.prev;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    list_init(&deferred);
    while (!list_empty(&batch)) {
        struct loop_handler *h = list_entry(batch.next, struct loop_handler, defer_list);
        list_del(&h->defer_list);
        h->deferred = false;
        h->fn(h, EPOLLIN);
    }
}

void loop_set_poll_us(unsigned int us)
{
    poll_us = us;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The next batch's events: at once if something is deferred; else polled
 * for up to poll_us after a busy batch (see the top of this file); else
 * whenever they come. */
static int wait_events(struct epoll_event *evs, int max, bool busy)
{
    if (!list_empty(&deferred))
        return epoll_wait(epoll_fd, evs, max, 0);
    if (busy && poll_us) {
        uint64_t end = now_ns() + (uint64_t)poll_us * 1000u;
        do {
            int n = epoll_wait(epoll_fd, evs, max, 0);
            if (n != 0)
                return n;
            sched_yield();
        } while (now_ns() < end);
    }
    return epoll_wait(epoll_fd, evs, max, -1);
}

void loop_stop(void)
{
    uint64_t one = 1;
    ssize_t n = write(stop_fd, &one, sizeof(one));
    (void)n;
}

int loop_run(void)
{
    struct epoll_event evs[64];
    /* Start-up may have queued output (restored guests' watch events)
     * and changes to save. */
    persist_flush();
    core_flush();
    bool busy = false;
    while (!stopping) {
        int n = wait_events(evs, 64, busy);
        busy = n > 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_warn("epoll_wait");
            return -errno;
        }
        /* A handler may close another connection of this batch; closed
         * connections stay allocated (and deregistered) until core_reap(),
         * so a stale event finds a closed connection, never freed memory. */
        for (int i = 0; i < n; i++) {
            struct loop_handler *h = evs[i].data.ptr;
            h->fn(h, evs[i].events);
        }
        run_deferred();
        /* One state file write per batch, before any of its replies. */
        persist_flush();
        core_flush();
        core_reap();
    }
    return 0;
}
