/*
 * evtchn_kick.c - the kick-fd relay (see evtchn_kick.h).
 */
#include "evtchn_kick.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "domain.h"
#include "evtchn.h"

static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static int kick_epoll = -1, kick_stop = -1;
static int kick_fd[EVTCHN_MAX_PORTS];  /* by Dom0 port; 0 = none (fds are > 2) */
static pthread_t kick_thread;
static bool kick_running;

static void *kick_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(kick_epoll, evs, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return NULL;
        for (int i = 0; i < n; i++) {
            uint32_t port = evs[i].data.u32;
            if (port == 0)
                return NULL; /* the stop fd */
            pthread_mutex_lock(&kick_lock);
            uint64_t count;
            bool fired = kick_fd[port] > 0 && read(kick_fd[port], &count, sizeof(count)) == sizeof(count);
            pthread_mutex_unlock(&kick_lock);
            /* Several kicks since the last read are one event, as several
             * sends to a pending port are on Xen. */
            if (fired)
                evtchn_send(domain_dom0(), port);
        }
    }
}

int evtchn_kick_init(void)
{
    kick_epoll = epoll_create1(EPOLL_CLOEXEC);
    kick_stop = eventfd(0, EFD_CLOEXEC);
    if (kick_epoll < 0 || kick_stop < 0)
        return -errno;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
    if (epoll_ctl(kick_epoll, EPOLL_CTL_ADD, kick_stop, &ev) < 0)
        return -errno;
    int rc = pthread_create(&kick_thread, NULL, kick_main, NULL);
    if (rc)
        return -rc;
    pthread_setname_np(kick_thread, "hv-evtchn");
    kick_running = true;
    return 0;
}

void evtchn_kick_shutdown(void)
{
    if (!kick_running)
        return;
    uint64_t one = 1;
    ssize_t w = write(kick_stop, &one, sizeof(one));
    (void)w;
    pthread_join(kick_thread, NULL);
    kick_running = false;
    for (uint32_t p = 0; p < EVTCHN_MAX_PORTS; p++)
        evtchn_kick_remove(p);
    close(kick_stop);
    close(kick_epoll);
}

int evtchn_kick_add(uint32_t port)
{
    if (port == 0 || port >= EVTCHN_MAX_PORTS)
        return -EINVAL;
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return -errno;
    pthread_mutex_lock(&kick_lock);
    int rc = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = port};
    if (kick_fd[port] > 0 || epoll_ctl(kick_epoll, EPOLL_CTL_ADD, fd, &ev) < 0)
        rc = kick_fd[port] > 0 ? -EBUSY : -errno;
    else
        kick_fd[port] = fd;
    pthread_mutex_unlock(&kick_lock);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

void evtchn_kick_remove(uint32_t port)
{
    if (port >= EVTCHN_MAX_PORTS)
        return;
    pthread_mutex_lock(&kick_lock);
    if (kick_fd[port] > 0) {
        epoll_ctl(kick_epoll, EPOLL_CTL_DEL, kick_fd[port], NULL);
        close(kick_fd[port]);
        kick_fd[port] = 0;
    }
    pthread_mutex_unlock(&kick_lock);
}
