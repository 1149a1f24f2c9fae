/*
 * net_host.c - the host's own limits for the network benchmarks, measured
 * in the same run (bench/run.sh): what moving a frame costs without any
 * guest or ring in the way.
 *   memcpy_gbps      memcpy bandwidth on 1514-byte frames from a 64 MiB pool
 *   unix_rtt_us      AF_UNIX datagram ping-pong between two processes (median round trip)
 *   unix_mpps        AF_UNIX datagram stream of 64-byte datagrams, one process to another
 * Usage: net_host  (prints "NAME VALUE" lines)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double memcpy_gbps(void)
{
    size_t pool = 64u << 20, frame = 1514, n = pool / 2048;
    char *src = malloc(pool), *dst = malloc(pool);
    if (!src || !dst)
        return 0;
    memset(src, 0x5a, pool);
    memset(dst, 0, pool);
    uint64_t t0 = now_ns(), bytes = 0;
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < n; i++) {
            memcpy(dst + i * 2048, src + i * 2048, frame);
            bytes += frame;
        }
    uint64_t ns = now_ns() - t0;
    volatile char sink = dst[12345];
    (void)sink;
    free(src);
    free(dst);
    return (double)bytes * 8 / (double)ns;
}

static double unix_rtt_us(void)
{
    int sv[2];
    enum { N = 20000 };
    static uint64_t rtt[N];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
        return 0;
    pid_t pid = fork();
    char buf[64] = {0};
    if (pid == 0) {
        for (int i = 0; i < N; i++)
            if (recv(sv[1], buf, sizeof(buf), 0) <= 0 || send(sv[1], buf, sizeof(buf), 0) < 0)
                _exit(1);
        _exit(0);
    }
    for (int i = 0; i < N; i++) {
        uint64_t t0 = now_ns();
        if (send(sv[0], buf, sizeof(buf), 0) < 0 || recv(sv[0], buf, sizeof(buf), 0) <= 0)
            break;
        rtt[i] = now_ns() - t0;
    }
    waitpid(pid, NULL, 0);
    close(sv[0]);
    close(sv[1]);
    qsort(rtt, N, sizeof(rtt[0]), cmp_u64);
    return (double)rtt[N / 2] / 1000.0;
}

static double unix_mpps(void)
{
    int sv[2];
    enum { N = 1000000 };
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
        return 0;
    pid_t pid = fork();
    char buf[64] = {0};
    if (pid == 0) {
        for (int i = 0; i < N; i++)
            if (send(sv[1], buf, sizeof(buf), 0) < 0)
                _exit(1);
        _exit(0);
    }
    uint64_t t0 = 0;
    int got = 0;
    while (got < N && recv(sv[0], buf, sizeof(buf), 0) > 0) {
        if (got++ == 0)
            t0 = now_ns();
    }
    uint64_t ns = now_ns() - t0;
    waitpid(pid, NULL, 0);
    close(sv[0]);
    close(sv[1]);
    return (double)(got - 1) * 1000.0 / (double)ns;
}

int main(void)
{
    printf("memcpy_gbps %.3f\n", memcpy_gbps());
    printf("unix_rtt_us %.3f\n", unix_rtt_us());
    printf("unix_mpps %.3f\n", unix_mpps());
    return 0;
}
