/*
 * xs_garbage.c - a hostile xenstore client for the integration tests.
 * Over raw sockets it sends N rounds of bad input: noise, truncated
 * headers, headers announcing more than 4096 bytes, random types and
 * payloads. It checks that each complete request gets exactly one reply
 * with its req_id, that an oversized header gets the connection closed
 * (as Xen does), and after every round that a well-behaved client on its
 * own connection (our libxenstore) is still served correctly.
 * Usage: xs_garbage SOCKET_PATH N   (exit 0 on success)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenstore.h>

static const char *sock_path;

static int connect_raw(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "xs_garbage: connect %s: %s\n", sock_path, strerror(errno));
        exit(1);
    }
    return fd;
}

/* Reads exactly len bytes within 5 s; 1 ok, 0 peer closed, -1 timeout. */
static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 5000) != 1)
            return -1;
        ssize_t n = read(fd, p, len);
        if (n <= 0)
            return n == 0 || errno == ECONNRESET ? 0 : -1;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/* The reply to req_id, skipping watch events. 1 with the reply's type,
 * 0 if the daemon closed the connection, -1 on timeout or garbage. */
static int await_reply(int fd, uint32_t req_id, uint32_t *type)
{
    for (;;) {
        struct xsd_sockmsg h;
        char body[XENSTORE_PAYLOAD_MAX];
        int r = read_full(fd, &h, sizeof(h));
        if (r <= 0)
            return r;
        if (h.len > XENSTORE_PAYLOAD_MAX) {
            fprintf(stderr, "xs_garbage: the daemon sent %u payload bytes\n", h.len);
            return -1;
        }
        if ((r = read_full(fd, body, h.len)) <= 0)
            return r < 0 ? -1 : 0;
        if (h.type == XS_WATCH_EVENT)
            continue;
        if (h.req_id != req_id) {
            fprintf(stderr, "xs_garbage: reply for req_id %u, expected %u\n", h.req_id, req_id);
            return -1;
        }
        *type = h.type;
        return 1;
    }
}

static void send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the daemon may have dropped us: that is checked later */
        p += n;
        len -= (size_t)n;
    }
}

static int check_good_client(struct xs_handle *good, unsigned int round)
{
    char value[32];
    unsigned int len;
    snprintf(value, sizeof(value), "round %u", round);
    if (!xs_write(good, XBT_NULL, "/garbage-check/value", value, (unsigned int)strlen(value))) {
        fprintf(stderr, "xs_garbage: round %u: good client write: %s\n", round, strerror(errno));
        return -1;
    }
    char *v = xs_read(good, XBT_NULL, "/garbage-check/value", &len);
    if (!v || strcmp(v, value) != 0) {
        fprintf(stderr, "xs_garbage: round %u: good client read back '%s'\n", round,
                v ? v : strerror(errno));
        free(v);
        return -1;
    }
    free(v);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xs_garbage SOCKET_PATH N\n");
        return 2;
    }
    sock_path = argv[1];
    unsigned int rounds = (unsigned int)atoi(argv[2]);
    setenv("XENSTORED_PATH", sock_path, 1);
    struct xs_handle *good = xs_open(0);
    if (!good) {
        fprintf(stderr, "xs_garbage: xs_open: %s\n", strerror(errno));
        return 1;
    }
    srand(4242);
    unsigned int replies = 0, drops = 0;
    int fd = connect_raw();
    for (unsigned int round = 0; round < rounds; round++) {
        unsigned char buf[sizeof(struct xsd_sockmsg) + 512];
        struct xsd_sockmsg h = {.req_id = round};
        uint32_t type;
        switch (round % 5) {
        case 0: { /* a complete request: random type, random payload */
            h.type = (uint32_t)(rand() % 30);
            if (h.type == XS_RELEASE)
                h.type = XS_READ;
            h.tx_id = rand() % 3 ? 0 : (uint32_t)rand();
            h.len = (uint32_t)(rand() % 256);
            memcpy(buf, &h, sizeof(h));
            for (uint32_t i = 0; i < h.len; i++)
                buf[sizeof(h) + i] = (unsigned char)(rand() % 4 ? "/ab\0@-_x"[rand() % 8] : rand());
            send_all(fd, buf, sizeof(h) + h.len);
            if (await_reply(fd, round, &type) != 1) {
                fprintf(stderr, "xs_garbage: round %u: no reply to type %u\n", round, h.type);
                return 1;
            }
            replies++;
            break;
        }
        case 1: /* a payload without its NUL: EINVAL, connection lives */
            h.type = XS_READ;
            h.len = 4;
            memcpy(buf, &h, sizeof(h));
            memcpy(buf + sizeof(h), "/abc", 4);
            send_all(fd, buf, sizeof(h) + 4);
            if (await_reply(fd, round, &type) != 1 || type != XS_ERROR) {
                fprintf(stderr, "xs_garbage: round %u: no EINVAL\n", round);
                return 1;
            }
            replies++;
            break;
        case 2: /* more than XENSTORE_PAYLOAD_MAX announced: dropped */
            h.type = XS_WRITE;
            h.len = XENSTORE_PAYLOAD_MAX + 1 + (uint32_t)(rand() % 100000);
            send_all(fd, &h, sizeof(h));
            if (await_reply(fd, round, &type) != 0) {
                fprintf(stderr, "xs_garbage: round %u: oversized message not dropped\n", round);
                return 1;
            }
            drops++;
            close(fd);
            fd = connect_raw();
            break;
        case 3: { /* noise, then hang up mid-message */
            size_t n = (size_t)(rand() % 40) + 1;
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)rand();
            int nf = connect_raw();
            send_all(nf, buf, n);
            close(nf);
            break;
        }
        case 4: /* an unknown type: ENOSYS */
            h.type = 23 + (uint32_t)(rand() % 1000);
            h.len = 2;
            memcpy(buf, &h, sizeof(h));
            memcpy(buf + sizeof(h), "x", 2);
            send_all(fd, buf, sizeof(h) + 2);
            if (await_reply(fd, round, &type) != 1 || type != XS_ERROR) {
                fprintf(stderr, "xs_garbage: round %u: no ENOSYS\n", round);
                return 1;
            }
            replies++;
            break;
        }
        if (round % 25 == 0 && check_good_client(good, round) < 0)
            return 1;
    }
    close(fd);
    if (check_good_client(good, rounds) < 0)
        return 1;
    char *r = xs_control_command(good, "check", NULL, 0);
    if (!r || strcmp(r, "OK") != 0) {
        fprintf(stderr, "xs_garbage: control check: %s\n", r ? r : strerror(errno));
        return 1;
    }
    free(r);
    xs_rm(good, XBT_NULL, "/garbage-check");
    xs_close(good);
    printf("xs_garbage: %u rounds, %u replies, %u connections dropped as expected\n", rounds,
           replies, drops);
    return 0;
}
