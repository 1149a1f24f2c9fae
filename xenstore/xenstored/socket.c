/*
 * socket.c - Unix socket transport (socket.h): accept, and the
 * conn_ops of a socket client. Non-blocking throughout; the loop polls
 * each client for input always (unless the core holds input back) and for
 * output only while the socket refuses what is queued.
 *
 * Reads go through a read-ahead buffer: one recv() takes whatever the
 * client has sent (a request's header and payload, often several
 * requests), and the core's header-then-payload reads are served from it.
 * A recv() that comes back short means the socket is empty, so the next
 * read waits for epoll instead of asking the kernel to say EAGAIN. Every
 * syscall here costs more than the request it carries (a READ is handled
 * in well under a microsecond), and each recv() that frees the client's
 * send buffer also wakes the client if it already waits for the reply.
 */
#include "socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core.h"
#include "log.h"
#include "loop.h"

/* Enough for the largest request (header + XENSTORE_PAYLOAD_MAX) and
 * more: a client with requests in flight sends them back to back. */
#define READ_AHEAD 8192

struct sock_client {
    struct loop_handler h;
    int fd;
    uint32_t events; /* currently registered */
    struct connection *conn;
    bool drained;    /* the last recv() found the socket empty: wait for EPOLLIN */
    size_t rd_off, rd_len; /* unread bytes are rd_buf[rd_off, rd_len) */
    char rd_buf[READ_AHEAD];
};

static int listen_fd = -1;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct loop_handler listen_handler;
static unsigned int nclients;

static ssize_t sock_read(struct connection *c, void *buf, size_t len)
{
    struct sock_client *s = c->transport;
    if (s->rd_off == s->rd_len) {
        if (s->drained)
            return 0;
        ssize_t n = recv(s->fd, s->rd_buf, sizeof(s->rd_buf), MSG_DONTWAIT);
        if (n == 0)
            return -ECONNRESET; /* the client closed its end */
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return -errno;
            s->drained = errno != EINTR;
            return 0;
        }
        s->rd_off = 0;
        s->rd_len = (size_t)n;
        s->drained = (size_t)n < sizeof(s->rd_buf);
    }
    size_t n = s->rd_len - s->rd_off;
    if (n > len)
        n = len;
    memcpy(buf, s->rd_buf + s->rd_off, n);
    s->rd_off += n;
    return (ssize_t)n;
}

static ssize_t sock_write(struct connection *c, const void *buf, size_t len)
{
    struct sock_client *s = c->transport;
    ssize_t n = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -errno;
}

static bool sock_can_read(struct connection *c)
{
    struct sock_client *s = c->transport;
    return s->rd_off < s->rd_len || !s->drained;
}

static bool sock_can_write(struct connection *c)
{
    (void)c;
    return true;
}

/* Called when the core's wishes may have changed: after its input turn
 * and after output. EPOLLOUT only while the socket refused output (queued
 * replies waiting for the state file are sent by core_flush() without it). */
static void sock_poll_update(struct connection *c)
{
    struct sock_client *s = c->transport;
    bool input = conn_wants_input(c);
    uint32_t ev = (input ? EPOLLIN : 0) | (conn_output_blocked(c) ? EPOLLOUT : 0);
    if (ev != s->events && loop_mod(s->fd, ev, &s->h) == 0)
        s->events = ev;
    /* Requests already read ahead get no new EPOLLIN: come back for them
     * (the core stopped after its fair share, or held input back). */
    if (input && s->rd_off < s->rd_len)
        loop_defer(&s->h);
}

static void sock_close(struct connection *c, unsigned int xen_error)
{
    (void)xen_error;
    struct sock_client *s = c->transport;
    loop_undefer(&s->h);
    loop_del(s->fd);
    close(s->fd);
    s->fd = -1;
    nclients--;
}

static void sock_release(struct connection *c)
{
    free(c->transport);
    c->transport = NULL;
}

static const struct conn_ops socket_ops = {
    .kind = "socket",
    .read = sock_read,
    .write = sock_write,
    .can_read = sock_can_read,
    .can_write = sock_can_write,
    .poll_update = sock_poll_update,
    .close = sock_close,
    .release = sock_release,
};

static void on_client(struct loop_handler *h, uint32_t events)
{
    struct sock_client *s = (struct sock_client *)h;
    struct connection *c = s->conn;
    if (c->closed)
        return; /* closed earlier in this batch */
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        s->drained = false;
        conn_input(c);
    }
    if (!c->closed && (events & EPOLLOUT))
        conn_output(c);
}

static void on_accept(struct loop_handler *h, uint32_t events)
{
    (void)h;
    (void)events;
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_warn("socket: accept");
            return;
        }
        if (nclients >= SOCKET_MAX_CLIENTS) {
            log_info("socket: %u clients already, refusing another", nclients);
            close(fd);
            continue;
        }
        struct sock_client *s = calloc(1, sizeof(*s));
        char name[32];
        snprintf(name, sizeof(name), "socket %d", fd);
        if (!s || !(s->conn = conn_new(&socket_ops, s, 0, name))) {
            log_info("socket: out of memory for a client");
            free(s);
            close(fd);
            continue;
        }
        s->h.fn = on_client;
        s->fd = fd;
        s->events = EPOLLIN;
        nclients++;
        if (loop_add(fd, EPOLLIN, &s->h) < 0) {
            log_warn("socket: epoll add");
            conn_close(s->conn, "cannot poll", 0);
        }
    }
}

/* A socket file that nobody answers on is left over by a dead daemon. */
static int claim_path(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode))
        return -EEXIST;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int live = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    if (live)
        return -EADDRINUSE;
    return unlink(path) < 0 ? -errno : 0;
}

int socket_listen(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    int err = claim_path(path);
    if (err < 0)
        return err;
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0)
        return -errno;
    /* Create it 0600 from the start: no window in which anyone may
     * connect as Dom0 (C xenstored chmods after bind). */
    mode_t old = umask(0177);
    int r = bind(listen_fd, (struct sockaddr *)&a, sizeof(a));
    umask(old);
    /* Xen listens with a backlog of 1; clients retry nothing, so give
     * bursts of tools started at once room to queue. */
    if (r < 0 || chmod(path, 0600) < 0 || listen(listen_fd, 64) < 0)
        goto fail;
    snprintf(socket_path, sizeof(socket_path), "%s", path);
    listen_handler.fn = on_accept;
    if (loop_add(listen_fd, EPOLLIN, &listen_handler) < 0)
        goto fail;
    return 0;
fail:
    err = -errno;
    close(listen_fd);
    listen_fd = -1;
    if (r == 0)
        unlink(path);
    return err;
}

void socket_fini(void)
{
    if (listen_fd < 0)
        return;
    loop_del(listen_fd);
    close(listen_fd);
    listen_fd = -1;
    unlink(socket_path);
}
