/*
 * ctl_garbage.c - a hostile control-socket client for the integration
 * tests: sends N malformed requests (random bytes, truncated headers, lying
 * lengths, unknown ops, wrong payload sizes) and checks that each one gets
 * an error reply and that the daemon still answers a well-formed PING.
 * Usage: ctl_garbage SOCKET_PATH N. Exit 0 on success.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenolith/control.h"

static int connect_to(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "ctl_garbage: connect %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return fd;
}

/* Sends one packet; returns the reply status, or 1 if none came. */
static int exchange(int fd, const void *buf, size_t len)
{
    static uint8_t reply[sizeof(struct xlctl_hdr) + XLCTL_MAX_PAYLOAD];
    if (send(fd, buf, len, 0) < 0)
        return 1;
    ssize_t n = recv(fd, reply, sizeof(reply), 0);
    if (n < (ssize_t)sizeof(struct xlctl_hdr))
        return 1;
    struct xlctl_hdr h;
    memcpy(&h, reply, sizeof(h));
    return h.magic == XLCTL_MAGIC ? h.status : 1;
}

static void make_garbage(uint8_t *buf, size_t *len, unsigned round)
{
    struct xlctl_hdr h = {.magic = XLCTL_MAGIC, .version = XLCTL_VERSION};
    size_t n = (size_t)(rand() % 512) + 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rand();
    switch (round % 5) {
    case 0: /* pure noise */
        *len = n;
        return;
    case 1: /* truncated header */
        *len = (size_t)(rand() % (int)sizeof(h));
        return;
    case 2: /* valid header, lying length */
        h.op = XLCTL_OP_PING;
        h.len = (uint32_t)rand();
        break;
    case 3: /* unknown op */
        h.op = (uint16_t)(XLCTL_OP_COUNT + (unsigned)(rand() % 1000));
        h.len = (uint32_t)(n > sizeof(h) ? n - sizeof(h) : 0);
        break;
    default: /* known op, wrong payload size */
        h.op = (uint16_t)(XLCTL_OP_DOMAIN_CREATE + (unsigned)(rand() % 5));
        h.len = (uint32_t)(n > sizeof(h) ? n - sizeof(h) : 0);
        if (h.len == sizeof(struct xlctl_domid) || h.len == sizeof(struct xlctl_boot) ||
            h.len == sizeof(struct xlctl_domain_create))
            h.len++, n++;
        break;
    }
    if (n < sizeof(h))
        n = sizeof(h); /* the payload length in h may still lie */
    memcpy(buf, &h, sizeof(h));
    *len = n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ctl_garbage SOCKET N\n");
        return 2;
    }
    unsigned rounds = (unsigned)atoi(argv[2]);
    srand(12345);
    int fd = connect_to(argv[1]);
    static uint8_t buf[1024];
    unsigned accepted = 0;
    for (unsigned r = 0; r < rounds; r++) {
        size_t len;
        make_garbage(buf, &len, r);
        if (len == 0)
            continue; /* a zero-length packet reads as end of stream */
        int st = exchange(fd, buf, len);
        if (st == 1) {
            fprintf(stderr, "ctl_garbage: round %u: no reply\n", r);
            return 1;
        }
        if (st == 0)
            accepted++;
    }
    struct xlctl_hdr ping = {.magic = XLCTL_MAGIC, .version = XLCTL_VERSION, .op = XLCTL_OP_PING};
    int fresh = connect_to(argv[1]);
    if (exchange(fresh, &ping, sizeof(ping)) != 0) {
        fprintf(stderr, "ctl_garbage: the daemon no longer answers PING\n");
        return 1;
    }
    if (accepted) {
        fprintf(stderr, "ctl_garbage: %u malformed requests were accepted\n", accepted);
        return 1;
    }
    printf("ctl_garbage: %u malformed requests refused, daemon still answers\n", rounds);
    return 0;
}
