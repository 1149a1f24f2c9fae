/*
 * cons_client.c - raw clients of xenconsoled's session socket for the
 * console integration tests, doing what `xl console` never does:
 *
 *   cons_client SOCKET stall DOMID SECONDS
 *       attaches with a tiny receive buffer and reads nothing for SECONDS
 *       (or until SIGUSR1), then reads what is there; prints "disconnected after N bytes" if
 *       xenconsoled had closed the session, else "attached after N bytes".
 *   cons_client SOCKET garbage ROUNDS
 *       ROUNDS connections sending noise, overlong or malformed requests,
 *       bad domids and early hang-ups; each must get "ERR ..." or be
 *       closed, never hang; prints "garbage: N rounds answered".
 * Exit status 0 when the behaviour was as described, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int dial(const char *path, int rcvbuf)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("connect");
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads until EOF (1), or until nothing came for ms (0); counts bytes. */
static int read_until_eof(int fd, int ms, size_t *total, char *first, size_t first_cap)
{
    char buf[65536];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, ms) <= 0)
            return 0;
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return 1;
        if (first && *total < first_cap) {
            size_t c = (size_t)n < first_cap - *total ? (size_t)n : first_cap - *total;
            memcpy(first + *total, buf, c);
        }
        *total += (size_t)n;
    }
}

static void wake_up(int sig)
{
    (void)sig; /* only interrupts the sleep */
}

static int stall(const char *path, const char *domid, int seconds)
{
    struct sigaction sa = {.sa_handler = wake_up};
    sigaction(SIGUSR1, &sa, NULL);
    int fd = dial(path, 4096);
    if (fd < 0)
        return 1;
    char req[64];
    int n = snprintf(req, sizeof(req), "attach %s\n", domid);
    if (write(fd, req, (size_t)n) != n)
        return 1;
    sleep((unsigned)seconds);
    size_t total = 0;
    int eof = read_until_eof(fd, 2000, &total, NULL, 0);
    printf("%s after %zu bytes\n", eof ? "disconnected" : "attached", total);
    close(fd);
    return 0;
}

/* One hostile round: 0 if answered with ERR or closed. */
static int garbage_round(const char *path, unsigned round)
{
    int fd = dial(path, 0);
    if (fd < 0)
        return -1;
    char msg[512];
    size_t len;
    switch (round % 8) {
    case 0: /* random bytes with a newline somewhere */
        len = 1 + (size_t)(rand() % 200);
        for (size_t i = 0; i < len; i++)
            msg[i] = (char)rand();
        msg[len - 1] = '\n';
        break;
    case 1: /* far too long, no newline */
        len = sizeof(msg);
        memset(msg, 'a', len);
        break;
    case 2:
        len = (size_t)snprintf(msg, sizeof(msg), "attach -1\n");
        break;
    case 3:
        len = (size_t)snprintf(msg, sizeof(msg), "attach 99999999999999999999\n");
        break;
    case 4:
        len = (size_t)snprintf(msg, sizeof(msg), "attach 0\n");
        break;
    case 5:
        len = (size_t)snprintf(msg, sizeof(msg), "attach 32000\n"); /* no such domain */
        break;
    case 6:
        len = (size_t)snprintf(msg, sizeof(msg), "detach 1\n");
        break;
    default: /* hang up at once */
        close(fd);
        return 0;
    }
    if (write(fd, msg, len) < 0 && errno != EPIPE && errno != ECONNRESET) {
        close(fd);
        return -1;
    }
    char reply[64] = "";
    size_t total = 0;
    int eof = read_until_eof(fd, 5000, &total, reply, sizeof(reply) - 1);
    close(fd);
    if (!eof) {
        fprintf(stderr, "round %u: no answer and not closed\n", round);
        return -1;
    }
    if (total && strncmp(reply, "ERR ", 4) != 0) {
        fprintf(stderr, "round %u: answer '%.60s' is not an error\n", round, reply);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 5 && strcmp(argv[2], "stall") == 0)
        return stall(argv[1], argv[3], atoi(argv[4]));
    if (argc == 4 && strcmp(argv[2], "garbage") == 0) {
        srand((unsigned)time(NULL));
        unsigned rounds = (unsigned)atoi(argv[3]);
        for (unsigned i = 0; i < rounds; i++)
            if (garbage_round(argv[1], i) < 0)
                return 1;
        printf("garbage: %u rounds answered\n", rounds);
        return 0;
    }
    fprintf(stderr, "usage: cons_client SOCKET stall DOMID SECONDS | SOCKET garbage ROUNDS\n");
    return 2;
}
