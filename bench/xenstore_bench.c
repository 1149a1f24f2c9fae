/*
 * xenstore_bench.c - xenstored's request rates and watch latency through
 * our libxenstore, beside the limit: an AF_UNIX SOCK_STREAM request/reply
 * round trip with the same message sizes against a single-threaded epoll
 * echo server (xenstored is one epoll thread too), measured in the same run.
 *
 * Usage: xenstore_bench [--iters N] [--clients N] [--only read|write|dir|txn|watch]
 * (XENSTORED_PATH names the daemon; --clients and --only narrow the run to
 * one client count or one figure, for profiling one path at a time)
 * Prints one line per figure and client count:
 *   <figure>_c<clients> <value> <limit>
 * ops/s for read/write/dir/txn (a txn is START, 10 WRITEs, END), us for
 * watch_latency (median, xs_write on one connection to the event on
 * another). Each client is a thread with its own connection.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#define MAX_CLIENTS 8
#define VALUE_LEN 64
#define DIR_CHILDREN 100
#define TXN_WRITES 10
#define HDR 16

static int iters = 2000;
static int only_clients;       /* 0: 1 and 8 */
static const char *only;       /* NULL: every figure */
static char value[VALUE_LEN];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "xenstore_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- the figures through xenstored ------------------------------------------- */

enum op { OP_READ, OP_WRITE, OP_DIR, OP_TXN };

struct client {
    int id;
    enum op op;
    struct xs_handle *h;
    pthread_barrier_t *start;
    int failed;
};

static void *run_client(void *arg)
{
    struct client *c = arg;
    char path[64];
    snprintf(path, sizeof(path), "/bench/c%d/k", c->id);
    pthread_barrier_wait(c->start);
    for (int i = 0; i < iters && !c->failed; i++) {
        unsigned int len, num;
        void *p;
        switch (c->op) {
        case OP_READ:
            p = xs_read(c->h, XBT_NULL, path, &len);
            c->failed = !p || len != VALUE_LEN;
            free(p);
            break;
        case OP_WRITE:
            c->failed = !xs_write(c->h, XBT_NULL, path, value, VALUE_LEN);
            break;
        case OP_DIR:
            p = xs_directory(c->h, XBT_NULL, "/bench/dir", &num);
            c->failed = !p || num != DIR_CHILDREN;
            free(p);
            break;
        case OP_TXN: {
            xs_transaction_t t = xs_transaction_start(c->h);
            c->failed = t == XBT_NULL;
            for (int w = 0; w < TXN_WRITES && !c->failed; w++) {
                char wp[80];
                snprintf(wp, sizeof(wp), "/bench/c%d/t%d", c->id, w);
                c->failed = !xs_write(c->h, t, wp, value, VALUE_LEN);
            }
            /* Disjoint nodes per client: commits never conflict. */
            if (!c->failed && !xs_transaction_end(c->h, t, false))
                c->failed = 1;
            break;
        }
        }
    }
    return NULL;
}

static double xs_rate(struct xs_handle **hs, int nclients, enum op op)
{
    pthread_t th[MAX_CLIENTS];
    struct client cl[MAX_CLIENTS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)nclients + 1);
    for (int i = 0; i < nclients; i++) {
        cl[i] = (struct client){.id = i, .op = op, .h = hs[i], .start = &start};
        pthread_create(&th[i], NULL, run_client, &cl[i]);
    }
    pthread_barrier_wait(&start);
    double t0 = now_s();
    int failed = 0;
    for (int i = 0; i < nclients; i++) {
        pthread_join(th[i], NULL);
        failed |= cl[i].failed;
    }
    double t = now_s() - t0;
    pthread_barrier_destroy(&start);
    if (failed) {
        fprintf(stderr, "xenstore_bench: a request failed (op %d, %d clients)\n", op, nclients);
        exit(1);
    }
    return nclients * (double)iters / t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct watcher {
    int id;
    struct xs_handle *w, *h;
    pthread_barrier_t *start;
    double *lat; /* iters / 4 samples */
    int failed;
};

static void *run_watch(void *arg)
{
    struct watcher *c = arg;
    char path[64];
    unsigned int num;
    snprintf(path, sizeof(path), "/bench/w%d", c->id);
    if (!xs_watch(c->w, path, "tok")) {
        c->failed = 1;
        return NULL;
    }
    free(xs_read_watch(c->w, &num)); /* the firing on registration */
    pthread_barrier_wait(c->start);
    for (int i = 0; i < iters / 4 && !c->failed; i++) {
        double t0 = now_s();
        if (!xs_write(c->h, XBT_NULL, path, value, VALUE_LEN)) {
            c->failed = 1;
            break;
        }
        char **ev = xs_read_watch(c->w, &num);
        c->lat[i] = (now_s() - t0) * 1e6;
        c->failed = !ev;
        free(ev);
    }
    return NULL;
}

static double xs_watch_latency(struct xs_handle **hs, struct xs_handle **ws, int nclients)
{
    pthread_t th[MAX_CLIENTS];
    struct watcher cl[MAX_CLIENTS];
    pthread_barrier_t start;
    int n = iters / 4;
    double *all = calloc((size_t)(n * nclients), sizeof(double));
    if (!all)
        die("calloc");
    pthread_barrier_init(&start, NULL, (unsigned)nclients);
    for (int i = 0; i < nclients; i++) {
        cl[i] = (struct watcher){.id = i, .w = ws[i], .h = hs[i], .start = &start,
                                 .lat = all + i * n};
        pthread_create(&th[i], NULL, run_watch, &cl[i]);
    }
    int failed = 0;
    for (int i = 0; i < nclients; i++) {
        pthread_join(th[i], NULL);
        failed |= cl[i].failed;
    }
    pthread_barrier_destroy(&start);
    if (failed) {
        fprintf(stderr, "xenstore_bench: a watch round failed (%d clients)\n", nclients);
        exit(1);
    }
    for (int i = 0; i < nclients; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/bench/w%d", i);
        xs_unwatch(ws[i], path, "tok");
    }
    qsort(all, (size_t)(n * nclients), sizeof(double), cmp_double);
    double med = all[n * nclients / 2];
    free(all);
    return med;
}

/* ---- the limit: AF_UNIX round trips to a one-thread epoll echo server ------------- */

struct echo {
    int fds[MAX_CLIENTS];
    int nclients;
    size_t req, rsp;
    long rounds; /* per client */
};

static void *run_echo_server(void *arg)
{
    struct echo *e = arg;
    int ep = epoll_create1(0);
    size_t got[MAX_CLIENTS] = {0};
    long done[MAX_CLIENTS] = {0};
    int live = e->nclients;
    static char buf[MAX_CLIENTS][8192], out[8192];
    for (int i = 0; i < e->nclients; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, e->fds[i], &ev);
    }
    while (live > 0) {
        struct epoll_event evs[MAX_CLIENTS];
        int n = epoll_wait(ep, evs, MAX_CLIENTS, -1);
        for (int k = 0; k < n; k++) {
            int i = (int)evs[k].data.u32;
            ssize_t r = read(e->fds[i], buf[i] + got[i], e->req - got[i]);
            if (r <= 0)
                continue;
            got[i] += (size_t)r;
            if (got[i] < e->req)
                continue;
            got[i] = 0;
            if (write(e->fds[i], out, e->rsp) != (ssize_t)e->rsp)
                die("echo write");
            if (++done[i] == e->rounds)
                live--;
        }
    }
    close(ep);
    return NULL;
}

struct echo_client {
    int fd;
    size_t req, rsp;
    long rounds;
    pthread_barrier_t *start;
};

static void *run_echo_client(void *arg)
{
    struct echo_client *c = arg;
    static __thread char buf[8192];
    pthread_barrier_wait(c->start);
    for (long i = 0; i < c->rounds; i++) {
        if (write(c->fd, buf, c->req) != (ssize_t)c->req)
            die("echo client write");
        for (size_t got = 0; got < c->rsp;) {
            ssize_t r = read(c->fd, buf, c->rsp - got);
            if (r <= 0)
                die("echo client read");
            got += (size_t)r;
        }
    }
    return NULL;
}

/* Request/reply round trips per second with nclients clients; rounds each. */
static double unix_rate(int nclients, size_t req, size_t rsp, long rounds)
{
    struct echo e = {.nclients = nclients, .req = req, .rsp = rsp, .rounds = rounds};
    struct echo_client cl[MAX_CLIENTS];
    pthread_t srv, th[MAX_CLIENTS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)nclients + 1);
    for (int i = 0; i < nclients; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
            die("socketpair");
        e.fds[i] = sv[0];
        cl[i] = (struct echo_client){.fd = sv[1], .req = req, .rsp = rsp, .rounds = rounds,
                                     .start = &start};
    }
    pthread_create(&srv, NULL, run_echo_server, &e);
    for (int i = 0; i < nclients; i++)
        pthread_create(&th[i], NULL, run_echo_client, &cl[i]);
    pthread_barrier_wait(&start);
    double t0 = now_s();
    for (int i = 0; i < nclients; i++)
        pthread_join(th[i], NULL);
    double t = now_s() - t0;
    pthread_join(srv, NULL);
    for (int i = 0; i < nclients; i++) {
        close(e.fds[i]);
        close(cl[i].fd);
    }
    pthread_barrier_destroy(&start);
    return nclients * (double)rounds / t;
}

/* ---- main ---------------------------------------------------------------------------- */

static bool want(const char *figure)
{
    return !only || strcmp(only, figure) == 0;
}

static void setup(struct xs_handle *h)
{
    char path[64];
    xs_rm(h, XBT_NULL, "/bench");
    for (int i = 0; i < MAX_CLIENTS; i++) {
        snprintf(path, sizeof(path), "/bench/c%d/k", i);
        if (!xs_write(h, XBT_NULL, path, value, VALUE_LEN))
            die("setup write");
        snprintf(path, sizeof(path), "/bench/w%d", i);
        if (!xs_write(h, XBT_NULL, path, "", 0))
            die("setup write");
    }
    for (int i = 0; i < DIR_CHILDREN; i++) {
        snprintf(path, sizeof(path), "/bench/dir/child-%03d", i);
        if (!xs_write(h, XBT_NULL, path, "", 0))
            die("setup write");
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
            only_clients = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: xenstore_bench [--iters N] [--clients N] "
                            "[--only read|write|dir|txn|watch]\n");
            return 2;
        }
    }
    if (iters < 8)
        iters = 8;
    if (only_clients < 0 || only_clients > MAX_CLIENTS) {
        fprintf(stderr, "xenstore_bench: --clients: 1 to %d\n", MAX_CLIENTS);
        return 2;
    }
    memset(value, 'v', sizeof(value));
    struct xs_handle *hs[MAX_CLIENTS], *ws[MAX_CLIENTS];
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (!(hs[i] = xs_open(0)) || !(ws[i] = xs_open(0)))
            die("xs_open (is XENSTORED_PATH set?)");
    setup(hs[0]);

    /* Message sizes as on the wire: header + payload. */
    size_t path_len = strlen("/bench/c0/k") + 1;
    size_t read_req = HDR + path_len, read_rsp = HDR + VALUE_LEN;
    size_t write_req = HDR + path_len + VALUE_LEN, write_rsp = HDR + 3;
    size_t dir_req = HDR + strlen("/bench/dir") + 1;
    size_t dir_rsp = HDR + DIR_CHILDREN * (strlen("child-000") + 1);

    static const int counts[] = {1, 8};
    for (size_t k = 0; k < 2; k++) {
        int n = only_clients ? only_clients : counts[k];
        long rounds = iters;
        if (want("read"))
            printf("xenstore_read_ops_c%d %.0f %.0f\n", n, xs_rate(hs, n, OP_READ),
                   unix_rate(n, read_req, read_rsp, rounds));
        if (want("write"))
            printf("xenstore_write_ops_c%d %.0f %.0f\n", n, xs_rate(hs, n, OP_WRITE),
                   unix_rate(n, write_req, write_rsp, rounds));
        if (want("dir"))
            printf("xenstore_dir_ops_c%d %.0f %.0f\n", n, xs_rate(hs, n, OP_DIR),
                   unix_rate(n, dir_req, dir_rsp, rounds));
        /* A transaction is TXN_WRITES + 2 round trips. */
        if (want("txn"))
            printf("xenstore_txn_ops_c%d %.0f %.0f\n", n, xs_rate(hs, n, OP_TXN),
                   unix_rate(n, write_req, write_rsp, rounds) / (TXN_WRITES + 2));
        /* The limit of a write then an event: a write-sized round trip. */
        if (want("watch")) {
            double lat = xs_watch_latency(hs, ws, n);
            printf("xenstore_watch_latency_us_c%d %.1f %.1f\n", n, lat,
                   1e6 * n / unix_rate(n, write_req, write_rsp, rounds));
        }
        fflush(stdout);
        if (only_clients)
            break;
    }
    xs_rm(hs[0], XBT_NULL, "/bench");
    for (int i = 0; i < MAX_CLIENTS; i++) {
        xs_close(hs[i]);
        xs_close(ws[i]);
    }
    return 0;
}
