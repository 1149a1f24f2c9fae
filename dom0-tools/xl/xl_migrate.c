/*
 * xl_migrate.c - xl migrate (pre-copy live migration over TCP) and xl
 * migrate-receive (the other end), on the save stream of
 * docs/save-format.md. The receiver answers one byte once the domain runs
 * on its side ('K'), or 'E' when it failed; the sender destroys its domain
 * only after a 'K', and otherwise lets it run on ("cancelled" resume).
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "libxl/restore.h"
#include "libxl/save.h"
#include "xl.h"

#define MIGRATE_PORT      "8002"
#define MAX_ROUNDS        10
#define CONVERGED_PAGES   64u    /* stop pre-copy below this many dirty pages */
#define ACK_TIMEOUT_S     30

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double now_ms_f(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dial(const char *spec, char *err, size_t errlen)
{
    char host[256];
    snprintf(host, sizeof(host), "%s", spec);
    const char *port = MIGRATE_PORT;
    char *colon = strrchr(host, ':');
    if (colon) {
        *colon = '\0';
        port = colon + 1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve '%s': %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s (is `xl migrate-receive` running there?)",
                 spec, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static int dirty_op(struct xc *xc, uint32_t domid, uint32_t op, uint64_t *bitmap, uint32_t cap)
{
    struct xlctl_dirty_log q = {.domid = domid, .op = op};
    uint32_t len = 0;
    return xc_request(xc, XLCTL_OP_DOMAIN_DIRTY_LOG, &q, sizeof(q), bitmap, cap, &len, NULL);
}

static uint64_t count_bits(const uint64_t *b, uint64_t words)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < words; i++)
        n += (uint64_t)__builtin_popcountll(b[i]);
    return n;
}

struct migration {
    struct xc *xc;
    uint32_t domid;
    struct xc_foreign_map map;
    struct xl_sr_writer w;
    uint64_t *bitmap;
    uint64_t ram_pages, words, sent;
    bool live;
};

/* Pre-copy while the guest runs: everything, then what it dirtied. */
static int precopy(struct migration *m, char *err, size_t errlen)
{
    int rc = libxl_send_pages(&m->w, &m->map, NULL, 0, false, NULL, &m->sent);
    for (int round = 1; rc == 0 && round <= MAX_ROUNDS; round++) {
        memset(m->bitmap, 0, m->words * 8);
        rc = dirty_op(m->xc, m->domid, XLCTL_DIRTY_FETCH, m->bitmap, (uint32_t)(m->words * 8));
        if (rc < 0)
            break;
        uint64_t dirty = count_bits(m->bitmap, m->words);
        fprintf(stderr, "migration: round %d: %llu dirty pages\n", round, (unsigned long long)dirty);
        if (dirty < CONVERGED_PAGES)
            break;
        rc = libxl_send_pages(&m->w, &m->map, m->bitmap, m->ram_pages, true, NULL, &m->sent);
    }
    if (rc < 0)
        snprintf(err, errlen, "pre-copy: %s", strerror(-rc));
    return rc;
}

/* With the guest stopped: its last dirty pages, the pages Dom0 and the
 * hypervisor write (special pages, shared_info, grant frames), state. */
static int stop_and_copy(struct migration *m, char *err, size_t errlen)
{
    uint64_t all = m->map.layout.fd_size / XL_SR_PAGE;
    uint64_t *b = calloc((all + 63) / 64, 8);
    if (!b)
        return -ENOMEM;
    int rc = 0;
    if (m->live) {
        rc = dirty_op(m->xc, m->domid, XLCTL_DIRTY_FETCH, b, (uint32_t)(m->words * 8));
        if (rc == 0 && m->ram_pages % 64)
            b[m->ram_pages / 64] &= (1ull << (m->ram_pages % 64)) - 1;
    } else {
        memset(b, 0xff, m->words * 8);
    }
    for (uint64_t i = m->ram_pages; i < all; i++)
        b[i / 64] |= 1ull << (i % 64);
    if (rc == 0)
        rc = libxl_send_pages(&m->w, &m->map, b, all, m->live, NULL, &m->sent);
    free(b);
    if (rc < 0) {
        snprintf(err, errlen, "last pages: %s", strerror(-rc));
        return rc;
    }
    return libxl_send_tail(m->xc, &m->w, m->domid, err, errlen);
}

static int wait_ack(int sock, char *err, size_t errlen)
{
    struct timeval tv = {.tv_sec = ACK_TIMEOUT_S};
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char ack = 0;
    ssize_t n = read(sock, &ack, 1);
    if (n == 1 && ack == 'K')
        return 0;
    snprintf(err, errlen, "the target %s", n == 1 ? "failed to start the domain (see its output)"
                                                    : "went away before starting the domain");
    return -ECONNABORTED;
}

int main_migrate(int argc, char **argv)
{
    const char *cmd = argv[0];
    if (argc != 3)
        return xl_usage(cmd);
    struct xc *xc = xl_connect(cmd);
    if (!xc)
        return 1;
    struct migration m = {.xc = xc};
    struct libxl_suspend susp = {0};
    char err[512] = "";
    /* A target that hangs up must give EPIPE, not kill us with a domain
     * left suspended. */
    signal(SIGPIPE, SIG_IGN);
    if (xl_find_domain(xc, cmd, argv[1], false, &m.domid) < 0) {
        xc_close(xc);
        return 1;
    }
    int sock = dial(argv[2], err, sizeof(err));
    if (sock < 0) {
        xc_close(xc);
        return xl_fail(cmd, "domain '%s' not migrated: %s", argv[1], err);
    }
    int one = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    double t_start = now_ms_f(), t_stop = 0, t_suspended = 0, t_sent = 0, t_acked = 0;
    int suspended = -1;
    int rc = xc_map_foreign(xc, m.domid, &m.map);
    if (rc < 0) {
        snprintf(err, sizeof(err), "mapping its memory: %s", strerror(-rc));
        goto out;
    }
    m.ram_pages = (m.map.layout.low_bytes + m.map.layout.high_bytes) / XL_SR_PAGE;
    m.words = (m.ram_pages + 63) / 64;
    m.bitmap = calloc(m.words + 1, 8);
    rc = xl_sr_write_header(&m.w, sock, XL_SR_FLAG_LIVE);
    if (rc == 0)
        rc = libxl_send_domain_record(xc, &m.w, m.domid, &m.map, err, sizeof(err));
    if (rc < 0)
        goto out;
    m.live = dirty_op(xc, m.domid, XLCTL_DIRTY_ENABLE, NULL, 0) == 0;
    if (!m.live)
        fprintf(stderr, "xl migrate: KVM dirty logging is not available here: falling back to "
                "stop-and-copy (the guest stops for the whole copy)\n");
    if ((rc = libxl_suspend_prepare(xc, m.domid, &susp, err, sizeof(err))) < 0)
        goto out;
    if (m.live && (rc = precopy(&m, err, sizeof(err))) < 0)
        goto out;
    t_stop = now_ms_f();
    suspended = libxl_suspend_now(xc, &susp, err, sizeof(err));
    if (suspended < 0) {
        rc = suspended;
        goto out;
    }
    t_suspended = now_ms_f();
    rc = stop_and_copy(&m, err, sizeof(err));
    t_sent = now_ms_f();
    if (rc == 0)
        rc = wait_ack(sock, err, sizeof(err));
    t_acked = now_ms_f(); /* the guest runs on the target: the downtime ends here */
out:
    libxl_suspend_release(xc, &susp);
    if (m.live)
        dirty_op(xc, m.domid, XLCTL_DIRTY_DISABLE, NULL, 0);
    if (m.map.base)
        xc_unmap_foreign(&m.map);
    if (rc == 0) {
        xc_domain_destroy(xc, m.domid);
        printf("Migration of '%s' done: %llu pages sent, total %.1f ms, downtime %.1f ms "
               "(suspend %.1f, last pages and state %.1f, target start %.1f)\n",
               argv[1], (unsigned long long)m.sent, t_acked - t_start, t_acked - t_stop,
               t_suspended - t_stop, t_sent - t_suspended, t_acked - t_sent);
    } else if (suspended >= 0) {
        libxl_domain_resume(xc, m.domid, suspended == 1, false); /* runs on here */
    }
    free(m.bitmap);
    close(sock);
    xc_close(xc);
    (void)now_ms;
    if (rc < 0)
        return xl_fail(cmd, "domain '%s' not migrated (it still runs here): %s", argv[1], err);
    return 0;
}

int main_migrate_receive(int argc, char **argv)
{
    const char *cmd = argv[0];
    const char *port = MIGRATE_PORT, *addr = "0.0.0.0";
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt(argc, argv, "+p:a:")) != -1) {
        if (c == 'p')
            port = optarg;
        else if (c == 'a')
            addr = optarg;
        else
            return xl_usage(cmd);
    }
    if (optind != argc)
        return xl_usage(cmd);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int rc = getaddrinfo(addr, port, &hints, &ai);
    if (rc != 0)
        return xl_fail(cmd, "bad address %s:%s: %s", addr, port, gai_strerror(rc));
    int ls = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ls < 0 || bind(ls, ai->ai_addr, ai->ai_addrlen) < 0 || listen(ls, 1) < 0) {
        int e = errno;
        freeaddrinfo(ai);
        return xl_fail(cmd, "cannot listen on %s:%s: %s", addr, port, strerror(e));
    }
    freeaddrinfo(ai);
    struct xc *xc = xl_connect(cmd);
    if (!xc)
        return 1;
    fprintf(stderr, "xl migrate-receive: listening on %s:%s\n", addr, port);
    int s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    close(ls);
    if (s < 0) {
        xc_close(xc);
        return xl_fail(cmd, "accept: %s", strerror(errno));
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct libxl_restore_args a = {.fd = s, .quiet = true, .label = "Receiving"};
    uint32_t domid = 0;
    char name[XLCTL_NAME_MAX] = "", err[512] = "";
    rc = libxl_domain_restore(xc, &a, &domid, name, err, sizeof(err));
    char ack = rc == 0 ? 'K' : 'E';
    if (write(s, &ack, 1) != 1 && rc == 0) {
        /* The sender is gone: it will run its domain on; do not keep a twin. */
        xc_domain_destroy(xc, domid);
        rc = -EPIPE;
        snprintf(err, sizeof(err), "the sender went away before the domain could start");
    }
    close(s);
    xc_close(xc);
    if (rc < 0)
        return xl_fail(cmd, "migration not received: %s", err);
    printf("Domain '%s' received as domain %u\n", name, domid);
    return 0;
}
