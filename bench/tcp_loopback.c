/*
 * tcp_loopback.c - the host's limit for migrate_total: the time to send a
 * given number of bytes over one loopback TCP connection, as xl migrate
 * sends its stream (one connection, TCP_NODELAY, writes of up to 64 KiB;
 * the receiver reads and discards, then answers one byte as
 * migrate-receive acknowledges). No Xenolith code.
 *
 * Usage: tcp_loopback --bytes N [--reps R]
 * Prints "tcp_loopback_ms median=M min=A max=B reps=R bytes=N": the time
 * from connect() to the acknowledgement, median of R repetitions after one
 * warm-up. Exit status 1 on any failure, with the call and errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK   65536
#define MAX_REPS 99

static int listener;
static uint64_t total_bytes;

static void die(const char *what)
{
    fprintf(stderr, "tcp_loopback: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One connection: read total_bytes, then acknowledge with one byte. */
static void *receiver(void *arg)
{
    (void)arg;
    static char buf[CHUNK];
    int s = accept(listener, NULL, NULL);
    if (s < 0)
        die("accept");
    for (uint64_t got = 0; got < total_bytes;) {
        ssize_t n = read(s, buf, sizeof(buf));
        if (n <= 0)
            die("read");
        got += (uint64_t)n;
    }
    if (write(s, "K", 1) != 1)
        die("write ack");
    close(s);
    return NULL;
}

static double one_run(uint16_t port)
{
    static char buf[CHUNK];
    memset(buf, 0x5a, sizeof(buf)); /* not zero: nothing compresses it anyway */
    pthread_t t;
    if (pthread_create(&t, NULL, receiver, NULL) != 0)
        die("pthread_create");
    double t0 = now_ms();
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (s < 0)
        die("socket");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
        die("connect");
    for (uint64_t sent = 0; sent < total_bytes;) {
        size_t len = total_bytes - sent < CHUNK ? (size_t)(total_bytes - sent) : CHUNK;
        ssize_t n = write(s, buf, len);
        if (n <= 0)
            die("write");
        sent += (uint64_t)n;
    }
    char ack;
    if (read(s, &ack, 1) != 1 || ack != 'K')
        die("read ack");
    double ms = now_ms() - t0;
    close(s);
    pthread_join(t, NULL);
    return ms;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--bytes") == 0)
            total_bytes = strtoull(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (!total_bytes || reps < 1 || reps > MAX_REPS || argc % 2 == 0) {
        fprintf(stderr, "usage: tcp_loopback --bytes N [--reps R (1-%d)]\n", MAX_REPS);
        return 1;
    }
    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(listener, 1) < 0 || getsockname(listener, (struct sockaddr *)&a, &alen) < 0)
        die("listen on loopback");
    uint16_t port = ntohs(a.sin_port);
    double ms[MAX_REPS];
    one_run(port); /* warm-up */
    for (int i = 0; i < reps; i++)
        ms[i] = one_run(port);
    qsort(ms, (size_t)reps, sizeof(ms[0]), cmp);
    double med = reps % 2 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2;
    printf("tcp_loopback_ms median=%.2f min=%.2f max=%.2f reps=%d bytes=%llu\n", med, ms[0],
           ms[reps - 1], reps, (unsigned long long)total_bytes);
    close(listener);
    return 0;
}
