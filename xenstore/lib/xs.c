/*
 * xs.c - the libxenstore client: one connection to xenstored, requests
 * and replies, watches.
 *
 * Requests are serialised (request_mutex) and each waits for its reply:
 * libxenstore sends req_id 0 and matches replies by order, as Xen's does.
 * Until the first xs_watch() the requesting thread reads the socket
 * itself. From then on a reader thread reads every message and sorts it:
 * WATCH_EVENTs to the watch queue (waking xs_read_watch() and making
 * xs_fileno() readable), anything else to the reply slot. Every message is
 * checked before use: a header announcing more than XENSTORE_PAYLOAD_MAX
 * bytes, a reply of the wrong type or a closed socket marks the handle
 * dead, and every call on it fails from then on.
 */
#include "xenstore.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

struct msg {
    struct msg *next;
    struct xsd_sockmsg hdr;
    char *body; /* hdr.len bytes + a NUL */
};

struct msgq {
    struct msg *head, **tail;
};

struct xs_handle {
    int fd;
    bool is_socket;
    bool unwatch_filter;
    bool dead;             /* under reply_mutex */

    pthread_mutex_t request_mutex; /* one request at a time; writes to fd */
    pthread_mutex_t reply_mutex;
    pthread_cond_t reply_cond;
    struct msgq replies;

    pthread_mutex_t watch_mutex;
    pthread_cond_t watch_cond;
    struct msgq events;
    int watch_pipe[2];     /* created by xs_fileno() */

    pthread_t reader;
    bool reader_running;   /* under request_mutex */
};

/* ---- queues ---------------------------------------------------------------- */

static void q_init(struct msgq *q)
{
    q->head = NULL;
    q->tail = &q->head;
}

static void q_push(struct msgq *q, struct msg *m)
{
    m->next = NULL;
    *q->tail = m;
    q->tail = &m->next;
}

static struct msg *q_pop(struct msgq *q)
{
    struct msg *m = q->head;
    if (m) {
        q->head = m->next;
        if (!q->head)
            q->tail = &q->head;
    }
    return m;
}

static void msg_free(struct msg *m)
{
    if (m) {
        free(m->body);
        free(m);
    }
}

static void q_free(struct msgq *q)
{
    struct msg *m;
    while ((m = q_pop(q)))
        msg_free(m);
}

/* ---- opening ----------------------------------------------------------------- */

static int connect_socket(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* A socket is connected to; anything else is opened as the xenbus device
 * (Xen's get_handle()). */
static struct xs_handle *get_handle(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) < 0)
        return NULL;
    struct xs_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->is_socket = S_ISSOCK(st.st_mode);
    h->fd = h->is_socket ? connect_socket(path) : open(path, O_RDWR | O_CLOEXEC);
    if (h->fd < 0) {
        int e = errno;
        free(h);
        errno = e;
        return NULL;
    }
    h->watch_pipe[0] = h->watch_pipe[1] = -1;
    q_init(&h->replies);
    q_init(&h->events);
    pthread_mutex_init(&h->request_mutex, NULL);
    pthread_mutex_init(&h->reply_mutex, NULL);
    pthread_mutex_init(&h->watch_mutex, NULL);
    pthread_cond_init(&h->reply_cond, NULL);
    pthread_cond_init(&h->watch_cond, NULL);
    return h;
}

static const char *domain_dev(void)
{
    const char *s = getenv("XENSTORED_PATH");
    if (s)
        return s;
    if (access("/dev/xen/xenbus", F_OK) == 0)
        return "/dev/xen/xenbus";
    return "/proc/xen/xenbus";
}

struct xs_handle *xs_open(unsigned long flags)
{
    struct xs_handle *h = get_handle(xs_daemon_socket());
    if (!h)
        h = get_handle(domain_dev());
    if (h && (flags & XS_UNWATCH_FILTER))
        h->unwatch_filter = true;
    return h;
}

struct xs_handle *xs_daemon_open(void)
{
    return xs_open(0);
}

struct xs_handle *xs_domain_open(void)
{
    return xs_open(0);
}

struct xs_handle *xs_daemon_open_readonly(void)
{
    return xs_open(0);
}

static void free_handle(struct xs_handle *h)
{
    q_free(&h->replies);
    q_free(&h->events);
    if (h->watch_pipe[0] >= 0) {
        close(h->watch_pipe[0]);
        close(h->watch_pipe[1]);
    }
    if (h->fd >= 0)
        close(h->fd);
    pthread_mutex_destroy(&h->request_mutex);
    pthread_mutex_destroy(&h->reply_mutex);
    pthread_mutex_destroy(&h->watch_mutex);
    pthread_cond_destroy(&h->reply_cond);
    pthread_cond_destroy(&h->watch_cond);
    free(h);
}

void xs_daemon_destroy_postfork(struct xs_handle *h)
{
    free_handle(h);
}

void xs_daemon_close(struct xs_handle *h)
{
    if (h->reader_running) {
        /* Wakes the reader's blocking read with end-of-file. A device fd
         * cannot be shut down; its reader is cancelled instead. */
        if (!h->is_socket || shutdown(h->fd, SHUT_RDWR) < 0)
            pthread_cancel(h->reader);
        pthread_join(h->reader, NULL);
    }
    free_handle(h);
}

void xs_close(struct xs_handle *h)
{
    if (h)
        xs_daemon_close(h);
}

/* ---- the wire ---------------------------------------------------------------- */

static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EBADF; /* the daemon closed the connection */
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void mark_dead(struct xs_handle *h, int err)
{
    pthread_mutex_lock(&h->reply_mutex);
    h->dead = true;
    pthread_cond_broadcast(&h->reply_cond);
    pthread_mutex_unlock(&h->reply_mutex);
    pthread_mutex_lock(&h->watch_mutex);
    pthread_cond_broadcast(&h->watch_cond);
    /* A caller polling xs_fileno() must wake too, to learn from
     * xs_check_watch() (EBADF) that the connection is gone. */
    if (h->watch_pipe[1] >= 0) {
        char c = 0;
        while (write(h->watch_pipe[1], &c, 1) < 0 && errno == EINTR)
            ;
    }
    pthread_mutex_unlock(&h->watch_mutex);
    errno = err;
}

/* Reads one message and files it. 0, or -1 with errno (the handle is then
 * dead: a stream that lost its framing cannot be trusted again). */
static int read_message(struct xs_handle *h)
{
    struct msg *m = calloc(1, sizeof(*m));
    if (!m)
        return -1;
    if (!read_all(h->fd, &m->hdr, sizeof(m->hdr)))
        goto fail;
    /* Check the size before allocating for it. */
    if (m->hdr.len > XENSTORE_PAYLOAD_MAX) {
        errno = E2BIG;
        goto fail;
    }
    m->body = malloc(m->hdr.len + 1);
    if (!m->body)
        goto fail;
    if (!read_all(h->fd, m->body, m->hdr.len))
        goto fail;
    m->body[m->hdr.len] = '\0';

    if (m->hdr.type == XS_WATCH_EVENT) {
        pthread_mutex_lock(&h->watch_mutex);
        if (!h->events.head && h->watch_pipe[1] >= 0) {
            char c = 0;
            while (write(h->watch_pipe[1], &c, 1) < 0 && errno == EINTR)
                ;
        }
        q_push(&h->events, m);
        pthread_cond_signal(&h->watch_cond);
        pthread_mutex_unlock(&h->watch_mutex);
    } else {
        pthread_mutex_lock(&h->reply_mutex);
        q_push(&h->replies, m);
        pthread_cond_signal(&h->reply_cond);
        pthread_mutex_unlock(&h->reply_mutex);
    }
    return 0;
fail:;
    int e = errno;
    msg_free(m);
    mark_dead(h, e);
    return -1;
}

static void *reader_main(void *arg)
{
    struct xs_handle *h = arg;
    while (read_message(h) == 0)
        ;
    return NULL;
}

/* Starts the reader thread; caller holds request_mutex. */
static bool start_reader(struct xs_handle *h)
{
    if (h->reader_running)
        return true;
    sigset_t all, old;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    pthread_attr_setstacksize(&attr, 64 * 1024);
    /* Signals are for the application's threads, not ours. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(&h->reader, &attr, reader_main, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        errno = r;
        return false;
    }
    h->reader_running = true;
    return true;
}

static bool send_all(struct xs_handle *h, struct iovec *iov, int n)
{
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    while (n > 0) {
        ssize_t w = h->is_socket ? sendmsg(h->fd, &mh, MSG_NOSIGNAL) : writev(h->fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t)n;
    }
    return true;
}

static int error_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(name, xsd_errors[i].errstring) == 0)
            return xsd_errors[i].errnum;
    return EINVAL;
}

/* Sends a request made of the payload pieces iov[1..n-1] (iov[0] is
 * filled with the header) and returns the reply's payload, NUL-added, or
 * NULL with errno. */
static void *talk(struct xs_handle *h, enum xsd_sockmsg_type type, xs_transaction_t t,
                  struct iovec *iov, int n, unsigned int *len)
{
    struct xsd_sockmsg hdr = {.type = type, .req_id = 0, .tx_id = t, .len = 0};
    for (int i = 1; i < n; i++) {
        if (iov[i].iov_len > XENSTORE_PAYLOAD_MAX ||
            (hdr.len += (uint32_t)iov[i].iov_len) > XENSTORE_PAYLOAD_MAX) {
            errno = E2BIG;
            return NULL;
        }
    }
    iov[0].iov_base = &hdr;
    iov[0].iov_len = sizeof(hdr);

    pthread_mutex_lock(&h->request_mutex);
    pthread_mutex_lock(&h->reply_mutex);
    bool dead = h->dead;
    pthread_mutex_unlock(&h->reply_mutex);
    if (dead) {
        pthread_mutex_unlock(&h->request_mutex);
        errno = EBADF;
        return NULL;
    }
    if (!send_all(h, iov, n)) {
        int e = errno;
        pthread_mutex_unlock(&h->request_mutex);
        mark_dead(h, e);
        return NULL;
    }
    struct msg *m = NULL;
    int err = 0;
    pthread_mutex_lock(&h->reply_mutex);
    while (!(m = q_pop(&h->replies)) && !h->dead) {
        if (h->reader_running) {
            pthread_cond_wait(&h->reply_cond, &h->reply_mutex);
        } else {
            pthread_mutex_unlock(&h->reply_mutex);
            if (read_message(h) < 0)
                err = errno;
            pthread_mutex_lock(&h->reply_mutex);
        }
    }
    pthread_mutex_unlock(&h->reply_mutex);
    pthread_mutex_unlock(&h->request_mutex);

    if (!m) {
        errno = err ? err : EBADF;
        return NULL;
    }
    if (m->hdr.type == XS_ERROR) {
        err = error_from_name(m->body);
        msg_free(m);
        errno = err;
        return NULL;
    }
    if (m->hdr.type != type) {
        /* Out of step with the daemon: nothing later can be trusted. */
        msg_free(m);
        mark_dead(h, EBADF);
        return NULL;
    }
    char *body = m->body;
    if (len)
        *len = m->hdr.len;
    free(m);
    return body;
}

static void *talk_string(struct xs_handle *h, enum xsd_sockmsg_type type, xs_transaction_t t,
                         const char *s, unsigned int *len)
{
    struct iovec iov[2] = {{0}, {(void *)s, strlen(s) + 1}};
    return talk(h, type, t, iov, 2, len);
}

static bool ok(void *reply)
{
    if (!reply)
        return false;
    free(reply);
    return true;
}

static unsigned int count_strings(const char *s, unsigned int len)
{
    unsigned int n = 0;
    for (unsigned int i = 0; i < len; i++)
        n += s[i] == '\0';
    return n;
}

/* ---- data operations ---------------------------------------------------------- */

/* Turns "a\0b\0" into {ptr, ptr} followed by the strings, in one block. */
static char **split_strings(char *strings, unsigned int len, unsigned int *num)
{
    unsigned int n = count_strings(strings, len);
    char **ret = malloc(n * sizeof(char *) + len + 1);
    if (!ret) {
        free(strings);
        return NULL;
    }
    char *copy = (char *)&ret[n];
    memcpy(copy, strings, len);
    copy[len] = '\0';
    free(strings);
    unsigned int i = 0;
    for (char *p = copy; p < copy + len && i < n; p += strlen(p) + 1)
        ret[i++] = p;
    *num = n;
    return ret;
}

/* DIRECTORY_PART: "<gen>\0" + children from a byte offset; the last chunk
 * ends with an extra NUL. Restart if the generation changes meanwhile. */
static char **directory_part(struct xs_handle *h, xs_transaction_t t, const char *path,
                             unsigned int *num)
{
    char gen[24] = "", offstr[16];
    char *acc = NULL;
    unsigned int off = 0;
    for (;;) {
        snprintf(offstr, sizeof(offstr), "%u", off);
        struct iovec iov[3] = {{0}, {(void *)path, strlen(path) + 1}, {offstr, strlen(offstr) + 1}};
        unsigned int rlen;
        char *r = talk(h, XS_DIRECTORY_PART, t, iov, 3, &rlen);
        if (!r) {
            free(acc);
            return NULL;
        }
        size_t glen = strnlen(r, rlen);
        if (glen >= rlen || glen >= sizeof(gen)) {
            free(r);
            free(acc);
            errno = EINVAL;
            return NULL;
        }
        if (off && strcmp(gen, r) != 0) {
            /* The directory changed between two parts: start again. */
            free(r);
            free(acc);
            acc = NULL;
            off = 0;
            gen[0] = '\0';
            continue;
        }
        memcpy(gen, r, glen + 1);
        unsigned int chunk = rlen - (unsigned int)glen - 1;
        char *n = realloc(acc, off + chunk + 1);
        if (!n) {
            free(r);
            free(acc);
            return NULL;
        }
        acc = n;
        memcpy(acc + off, r + glen + 1, chunk);
        free(r);
        off += chunk;
        if (chunk == 0 && off == 0)
            break;
        if (off <= 1 || (off >= 2 && acc[off - 2] == '\0'))
            break;
        if (chunk == 0) { /* no progress: a broken daemon */
            free(acc);
            errno = EIO;
            return NULL;
        }
    }
    if (off > 1)
        off--; /* drop the end marker */
    else
        off = 0;
    return split_strings(acc, off, num);
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
                    unsigned int *num)
{
    unsigned int len;
    char *strings = talk_string(h, XS_DIRECTORY, t, path, &len);
    if (!strings)
        return errno == E2BIG ? directory_part(h, t, path, num) : NULL;
    return split_strings(strings, len, num);
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    return talk_string(h, XS_READ, t, path, len);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len)
{
    struct iovec iov[3] = {{0}, {(void *)path, strlen(path) + 1}, {(void *)data, len}};
    return ok(talk(h, XS_WRITE, t, iov, 3, NULL));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return ok(talk_string(h, XS_MKDIR, t, path, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    return ok(talk_string(h, XS_RM, t, path, NULL));
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
                                          const char *path, unsigned int *num)
{
    unsigned int len;
    char *strings = talk_string(h, XS_GET_PERMS, t, path, &len);
    if (!strings)
        return NULL;
    unsigned int n = count_strings(strings, len);
    struct xs_permissions *ret = malloc((n ? n : 1) * sizeof(*ret));
    if (!ret || !xs_strings_to_perms(ret, n, strings)) {
        int e = ret ? errno : ENOMEM;
        free(ret);
        free(strings);
        errno = e;
        return NULL;
    }
    free(strings);
    *num = n;
    return ret;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        struct xs_permissions *perms, unsigned int num_perms)
{
    static const char letters[4] = {'n', 'r', 'w', 'b'};
    /* Each entry is a letter, a signed 32-bit number and a NUL: 13 bytes
     * at most; the daemon refuses more than a payload anyway. */
    if (num_perms > XENSTORE_PAYLOAD_MAX / 2) {
        errno = E2BIG;
        return false;
    }
    char *buf = malloc(num_perms * 16 + 1);
    if (!buf)
        return false;
    size_t used = 0;
    for (unsigned int i = 0; i < num_perms; i++) {
        if (perms[i].perms & ~(XS_PERM_READ | XS_PERM_WRITE)) {
            free(buf);
            errno = EINVAL;
            return false;
        }
        used += (size_t)sprintf(buf + used, "%c%d", letters[perms[i].perms], (int)perms[i].id) + 1;
    }
    struct iovec iov[3] = {{0}, {(void *)path, strlen(path) + 1}, {buf, used}};
    bool r = ok(talk(h, XS_SET_PERMS, t, iov, 3, NULL));
    int e = errno;
    free(buf);
    errno = e;
    return r;
}

/* ---- watches --------------------------------------------------------------------- */

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    pthread_mutex_lock(&h->request_mutex);
    bool started = start_reader(h);
    pthread_mutex_unlock(&h->request_mutex);
    if (!started)
        return false;
    struct iovec iov[3] = {{0}, {(void *)path, strlen(path) + 1}, {(void *)token, strlen(token) + 1}};
    return ok(talk(h, XS_WATCH, XBT_NULL, iov, 3, NULL));
}

int xs_fileno(struct xs_handle *h)
{
    pthread_mutex_lock(&h->watch_mutex);
    if (h->watch_pipe[0] < 0 && pipe2(h->watch_pipe, O_CLOEXEC) == 0 && h->events.head) {
        char c = 0;
        while (write(h->watch_pipe[1], &c, 1) < 0 && errno == EINTR)
            ;
    }
    int fd = h->watch_pipe[0];
    pthread_mutex_unlock(&h->watch_mutex);
    return fd;
}

/* The pipe holds one byte while the queue is not empty: take it when the
 * queue has just become empty. Caller holds watch_mutex. */
static void clear_pipe(struct xs_handle *h)
{
    char c;
    if (!h->events.head && h->watch_pipe[0] >= 0)
        while (read(h->watch_pipe[0], &c, 1) < 0 && errno == EINTR)
            ;
}

static char **read_watch(struct xs_handle *h, unsigned int *num, bool block)
{
    if (block) {
        /* Nobody reads the socket before the first xs_watch(): make sure
         * someone does, or this would wait for ever. */
        pthread_mutex_lock(&h->request_mutex);
        bool started = start_reader(h);
        pthread_mutex_unlock(&h->request_mutex);
        if (!started)
            return NULL;
    }
    pthread_mutex_lock(&h->watch_mutex);
    for (;;) {
        if (h->events.head)
            break;
        pthread_mutex_lock(&h->reply_mutex);
        bool dead = h->dead;
        pthread_mutex_unlock(&h->reply_mutex);
        if (dead || !block) {
            pthread_mutex_unlock(&h->watch_mutex);
            errno = dead ? EBADF : EAGAIN;
            return NULL;
        }
        pthread_cond_wait(&h->watch_cond, &h->watch_mutex);
    }
    struct msg *m = q_pop(&h->events);
    clear_pipe(h);
    pthread_mutex_unlock(&h->watch_mutex);

    unsigned int n = count_strings(m->body, m->hdr.len);
    char **ret = malloc(n * sizeof(char *) + m->hdr.len + 1);
    if (!ret) {
        msg_free(m);
        return NULL;
    }
    char *copy = (char *)&ret[n];
    memcpy(copy, m->body, m->hdr.len + 1);
    unsigned int i = 0;
    for (char *p = copy; p < copy + m->hdr.len && i < n; p += strlen(p) + 1)
        ret[i++] = p;
    msg_free(m);
    if (num)
        *num = n;
    if (n < 2) {
        /* Not "path\0token\0": the daemon is broken. */
        free(ret);
        errno = EINVAL;
        return NULL;
    }
    return ret;
}

char **xs_check_watch(struct xs_handle *h)
{
    unsigned int num;
    return read_watch(h, &num, false);
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
    return read_watch(h, num, true);
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    struct iovec iov[3] = {{0}, {(void *)path, strlen(path) + 1}, {(void *)token, strlen(token) + 1}};
    bool r = ok(talk(h, XS_UNWATCH, XBT_NULL, iov, 3, NULL));
    if (!h->unwatch_filter)
        return r;
    int e = errno;
    /* Drop queued events of this watch: same token, path at or below. */
    pthread_mutex_lock(&h->watch_mutex);
    bool had_events = h->events.head != NULL;
    struct msg **pp = &h->events.head, *m;
    while ((m = *pp)) {
        const char *epath = m->body;
        size_t plen = strnlen(epath, m->hdr.len);
        const char *etoken = plen < m->hdr.len ? epath + plen + 1 : NULL;
        if (etoken && strcmp(etoken, token) == 0 && xs_path_is_subpath(path, epath)) {
            *pp = m->next;
            msg_free(m);
        } else {
            pp = &m->next;
        }
    }
    h->events.tail = &h->events.head;
    while (*h->events.tail)
        h->events.tail = &(*h->events.tail)->next;
    if (had_events)
        clear_pipe(h);
    pthread_mutex_unlock(&h->watch_mutex);
    errno = e;
    return r;
}

/* ---- transactions ------------------------------------------------------------------ */

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
    char *id = talk_string(h, XS_TRANSACTION_START, XBT_NULL, "", NULL);
    if (!id)
        return XBT_NULL;
    xs_transaction_t t = (xs_transaction_t)strtoul(id, NULL, 0);
    free(id);
    return t;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    return ok(talk_string(h, XS_TRANSACTION_END, t, abort ? "F" : "T", NULL));
}

/* ---- domains ------------------------------------------------------------------------ */

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                         unsigned int eventchn)
{
    char d[MAX_STRLEN(domid)], m[MAX_STRLEN(mfn)], e[MAX_STRLEN(eventchn)];
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(m, sizeof(m), "%lu", mfn);
    snprintf(e, sizeof(e), "%u", eventchn);
    struct iovec iov[4] = {{0}, {d, strlen(d) + 1}, {m, strlen(m) + 1}, {e, strlen(e) + 1}};
    return ok(talk(h, XS_INTRODUCE, XBT_NULL, iov, 4, NULL));
}

bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target)
{
    char d[MAX_STRLEN(domid)], t[MAX_STRLEN(target)];
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(t, sizeof(t), "%u", target);
    struct iovec iov[3] = {{0}, {d, strlen(d) + 1}, {t, strlen(t) + 1}};
    return ok(talk(h, XS_SET_TARGET, XBT_NULL, iov, 3, NULL));
}

static void *with_domid(struct xs_handle *h, enum xsd_sockmsg_type type, unsigned int domid)
{
    char d[MAX_STRLEN(domid)];
    snprintf(d, sizeof(d), "%u", domid);
    return talk_string(h, type, XBT_NULL, d, NULL);
}

bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
    return ok(with_domid(h, XS_RELEASE, domid));
}

bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
    return ok(with_domid(h, XS_RESUME, domid));
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
    return with_domid(h, XS_GET_DOMAIN_PATH, domid);
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
    char *r = with_domid(h, XS_IS_DOMAIN_INTRODUCED, domid);
    if (!r)
        return false;
    bool yes = strcmp(r, "F") != 0;
    free(r);
    return yes;
}

char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
    struct iovec iov[3] = {{0}, {(void *)cmd, strlen(cmd) + 1}, {data, len}};
    return talk(h, XS_CONTROL, XBT_NULL, iov, 3, NULL);
}

char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
    return xs_control_command(h, cmd, data, len);
}

int xs_suspend_evtchn_port(int domid)
{
    char path[64];
    unsigned int len;
    struct xs_handle *h = xs_open(0);
    if (!h)
        return -1;
    snprintf(path, sizeof(path), "/local/domain/%d/device/suspend/event-channel", domid);
    char *s = xs_read(h, XBT_NULL, path, &len);
    xs_close(h);
    int port = (s && len) ? atoi(s) : -1;
    free(s);
    return port;
}
