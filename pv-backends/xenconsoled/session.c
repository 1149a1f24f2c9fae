/*
 * session.c - console sessions on the Unix socket (see session.h).
 *
 * Every client socket is non-blocking and nothing here ever waits for a
 * client: output it cannot take now is queued (bounded), input it sends is
 * read only when the previous chunk has gone into the guest's ring. A
 * client is never freed while a handler may still hold it: closing marks
 * it dead, and session_reap() frees the dead between events.
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "domains.h"
#include "log.h"
#include "xenconsoled.h"

#define MAX_CLIENTS 128
#define REQUEST_MAX 64          /* "attach 32752\n" fits many times over */
#define INPUT_CHUNK 1024        /* the guest's in ring holds as much */
#define LINGER_S 2              /* a closing client's time to take its last output */
#define REQUEST_TIMEOUT_S 10    /* to say what it wants */
#define DOMID_LIMIT 0x7ff0u     /* DOMID_FIRST_RESERVED */

enum client_state { CL_REQUEST, CL_ATTACHED, CL_CLOSING, CL_DEAD };

/* Queued output: bytes [head, head + len) of buf. */
struct outq {
    char *buf;
    size_t head, len, cap;
};

struct client {
    struct client *next;
    int fd;
    unsigned id;
    enum client_state state;
    uint32_t domid;
    char req[REQUEST_MAX];
    size_t req_len;
    char in[INPUT_CHUNK];       /* input read, not yet taken by the guest */
    size_t in_off, in_len;
    struct outq out;
    uint32_t events;            /* what epoll watches for now */
    time_t since;               /* connected, or started closing */
    struct handler h;
};

static int listen_fd = -1;
static struct sockaddr_un listen_addr;
static struct handler listen_handler;
static struct client *clients;
static unsigned nclients;

static time_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* ---- output queue ------------------------------------------------------- */

/* 0, or -ENOBUFS when the queue would pass limit, -ENOMEM. */
static int outq_append(struct outq *q, const char *data, size_t len, size_t limit)
{
    if (q->len + len > limit)
        return -ENOBUFS;
    if (q->head && q->head + q->len + len > q->cap) {
        memmove(q->buf, q->buf + q->head, q->len);
        q->head = 0;
    }
    if (q->len + len > q->cap) {
        size_t cap = q->cap ? q->cap : 4096;
        while (cap < q->len + len)
            cap *= 2;
        char *b = realloc(q->buf, cap);
        if (!b)
            return -ENOMEM;
        q->buf = b;
        q->cap = cap;
    }
    memcpy(q->buf + q->head + q->len, data, len);
    q->len += len;
    return 0;
}

static void outq_take(struct outq *q, size_t n)
{
    q->head += n;
    q->len -= n;
    if (q->len == 0)
        q->head = 0;
}

/* ---- clients ------------------------------------------------------------ */

static void client_kill(struct client *c)
{
    if (c->state == CL_DEAD)
        return;
    c->state = CL_DEAD;
    loop_del(c->fd);
    close(c->fd);
    c->fd = -1;
}

static void client_update(struct client *c)
{
    if (c->state == CL_DEAD)
        return;
    uint32_t want = 0;
    if ((c->state == CL_REQUEST || c->state == CL_ATTACHED) && c->in_len == 0)
        want |= EPOLLIN;
    if (c->out.len)
        want |= EPOLLOUT;
    if (want != c->events && loop_mod(c->fd, want, &c->h) == 0)
        c->events = want;
}

/* Writes what is queued; a closing client goes once it has it all. */
static void client_flush(struct client *c)
{
    while (c->out.len) {
        ssize_t w = send(c->fd, c->out.buf + c->out.head, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            client_kill(c);
            return;
        }
        outq_take(&c->out, (size_t)w);
    }
    if (c->state == CL_CLOSING && c->out.len == 0)
        client_kill(c);
}

static void client_send(struct client *c, const char *data, size_t len)
{
    if (c->state == CL_DEAD)
        return;
    while (c->out.len == 0 && len) {
        /* Nothing queued: straight to the socket, queue only the rest. */
        ssize_t w = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            client_kill(c);
            return;
        }
        data += w;
        len -= (size_t)w;
    }
    if (len == 0)
        return;
    int rc = outq_append(&c->out, data, len, xcd_config.client_limit);
    if (rc < 0) {
        log_info("d%u console: client %u %s (%zu bytes queued, limit %zu): disconnected", c->domid, c->id,
                 rc == -ENOBUFS ? "does not read its output" : "out of memory", c->out.len,
                 xcd_config.client_limit);
        client_kill(c);
        return;
    }
    client_update(c);
}

static void client_reply_error(struct client *c, const char *why)
{
    char line[320];
    int n = snprintf(line, sizeof(line), "ERR %s\n", why);
    client_send(c, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
    if (c->state == CL_DEAD)
        return;
    c->state = CL_CLOSING;
    c->since = now_s();
    c->in_len = 0;
    client_flush(c);
    client_update(c);
}

/* Hands the held input to the guest, as much as its ring takes. */
static void client_push_input(struct client *c)
{
    if (c->state != CL_ATTACHED || c->in_len == 0)
        return;
    ssize_t n = domains_input(c->domid, c->in + c->in_off, c->in_len);
    if (n < 0) {
        c->in_len = 0; /* console gone: session_domain_gone closes us */
        return;
    }
    c->in_off += (size_t)n;
    c->in_len -= (size_t)n;
    if (c->in_len == 0)
        c->in_off = 0;
}

/* "attach <domid>": decimal, no sign, no leading zeros beyond "0". */
static int parse_request(const char *line, uint32_t *domid)
{
    const char *p = line;
    if (strncmp(p, "attach ", 7) != 0)
        return -EINVAL;
    p += 7;
    uint32_t v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits >= 5)
            return -EINVAL;
        v = v * 10 + (uint32_t)(*p - '0');
    }
    if (digits == 0 || *p != '\0' || (digits > 1 && line[7] == '0') || v == 0 || v >= DOMID_LIMIT)
        return -EINVAL;
    *domid = v;
    return 0;
}

static void client_attach(struct client *c, uint32_t domid)
{
    char why[256];
    if (domains_attach(domid, why, sizeof(why)) < 0) {
        client_reply_error(c, why);
        return;
    }
    c->state = CL_ATTACHED;
    c->domid = domid;
    client_send(c, "OK\n", 3);
    char *backlog = malloc(xcd_config.backlog_bytes ? xcd_config.backlog_bytes : 1);
    if (backlog) {
        size_t n = domains_backlog(domid, backlog, xcd_config.backlog_bytes);
        client_send(c, backlog, n);
        free(backlog);
    }
}

static void client_read_request(struct client *c)
{
    ssize_t n = recv(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        client_kill(c);
        return;
    }
    c->req_len += (size_t)n;
    char *nl = memchr(c->req, '\n', c->req_len);
    if (!nl) {
        if (c->req_len == sizeof(c->req))
            client_reply_error(c, "request too long (expected 'attach <domid>')");
        return;
    }
    *nl = '\0';
    size_t extra = c->req_len - (size_t)(nl + 1 - c->req);
    uint32_t domid;
    if (parse_request(c->req, &domid) < 0) {
        client_reply_error(c, "bad request (expected 'attach <domid>')");
        return;
    }
    client_attach(c, domid);
    if (c->state == CL_ATTACHED && extra) {
        /* Input that came with the request. */
        memcpy(c->in, nl + 1, extra);
        c->in_off = 0;
        c->in_len = extra;
        client_push_input(c);
    }
}

static void client_read_input(struct client *c)
{
    ssize_t n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        client_kill(c); /* it detached */
        return;
    }
    c->in_off = 0;
    c->in_len = (size_t)n;
    client_push_input(c);
}

static void on_client(struct handler *h, uint32_t events)
{
    struct client *c = XCD_CONTAINER(h, struct client, h);
    if (c->state == CL_DEAD)
        return;
    if (events & EPOLLERR) {
        client_kill(c);
        return;
    }
    if (events & EPOLLOUT)
        client_flush(c);
    if ((events & EPOLLIN) && c->in_len == 0) {
        if (c->state == CL_REQUEST)
            client_read_request(c);
        else if (c->state == CL_ATTACHED)
            client_read_input(c);
    }
    /* Hung up with nothing left to read (or input we cannot take yet). */
    if ((events & EPOLLHUP) && (!(events & EPOLLIN) || c->in_len))
        client_kill(c);
    client_update(c);
}

static bool peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
           (cred.uid == 0 || cred.uid == geteuid());
}

static void on_listen(struct handler *h, uint32_t events)
{
    (void)h, (void)events;
    static unsigned next_id;
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (!peer_allowed(fd)) {
        log_info("session: refused a client of another user");
        close(fd);
        return;
    }
    if (nclients >= MAX_CLIENTS) {
        log_info("session: %u clients already: one refused", nclients);
        close(fd);
        return;
    }
    struct client *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->id = ++next_id;
    c->state = CL_REQUEST;
    c->since = now_s();
    c->events = EPOLLIN;
    c->h.fn = on_client;
    if (loop_add(fd, EPOLLIN, &c->h) < 0) {
        close(fd);
        free(c);
        return;
    }
    c->next = clients;
    clients = c;
    nclients++;
}

/* ---- the module's interface -------------------------------------------- */

int session_listen(const char *path, char *why, size_t whylen)
{
    listen_addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(listen_addr.sun_path)) {
        snprintf(why, whylen, "socket path %s is too long", path);
        return -ENAMETOOLONG;
    }
    snprintf(listen_addr.sun_path, sizeof(listen_addr.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -errno;
    }
    /* A socket file nobody answers on is a dead daemon's: take it over. */
    if (connect(fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) == 0) {
        close(fd);
        snprintf(why, whylen, "a xenconsoled already serves %s", path);
        return -EADDRINUSE;
    }
    close(fd);
    unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -errno;
    }
    mode_t old = umask(0177); /* 0600: root and our uid, as the control socket */
    int rc = bind(fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr));
    umask(old);
    if (rc < 0 || listen(fd, 16) < 0) {
        rc = -errno;
        snprintf(why, whylen, "listening on %s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    listen_fd = fd;
    listen_handler.fn = on_listen;
    rc = loop_add(fd, EPOLLIN, &listen_handler);
    if (rc < 0)
        snprintf(why, whylen, "watching %s: %s", path, strerror(-rc));
    return rc;
}

void session_output(uint32_t domid, const char *buf, size_t len)
{
    for (struct client *c = clients; c; c = c->next)
        if (c->state == CL_ATTACHED && c->domid == domid)
            client_send(c, buf, len);
}

void session_input_ready(uint32_t domid)
{
    for (struct client *c = clients; c; c = c->next) {
        if (c->state == CL_ATTACHED && c->domid == domid && c->in_len) {
            client_push_input(c);
            client_update(c);
        }
    }
}

void session_domain_gone(uint32_t domid)
{
    for (struct client *c = clients; c; c = c->next) {
        if (c->state != CL_ATTACHED || c->domid != domid)
            continue;
        c->state = CL_CLOSING;
        c->since = now_s();
        c->in_len = 0;
        client_flush(c);
        client_update(c);
    }
}

void session_tick(void)
{
    time_t now = now_s();
    for (struct client *c = clients; c; c = c->next) {
        if ((c->state == CL_CLOSING && now - c->since >= LINGER_S) ||
            (c->state == CL_REQUEST && now - c->since >= REQUEST_TIMEOUT_S))
            client_kill(c);
    }
}

void session_reap(void)
{
    for (struct client **p = &clients; *p;) {
        struct client *c = *p;
        if (c->state != CL_DEAD) {
            p = &c->next;
            continue;
        }
        *p = c->next;
        free(c->out.buf);
        free(c);
        nclients--;
    }
}

void session_stop(void)
{
    for (struct client *c = clients; c; c = c->next)
        client_kill(c);
    session_reap();
    if (listen_fd >= 0) {
        loop_del(listen_fd);
        close(listen_fd);
        listen_fd = -1;
        unlink(listen_addr.sun_path);
    }
}
