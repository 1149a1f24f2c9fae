/*
 * xc.c - the client side of the control protocol.
 */
#include "xc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenolith/boot.h"

struct xc {
    int fd;
    uint8_t *buf;      /* reply buffer: header + XLCTL_MAX_PAYLOAD */
};

const char *xc_default_rundir(void)
{
    static char dir[512];
    const char *env = getenv("XENOLITH_RUNDIR");
    if (env && *env)
        snprintf(dir, sizeof(dir), "%s", env);
    else if (geteuid() == 0)
        snprintf(dir, sizeof(dir), "/run/xenolith");
    else
        snprintf(dir, sizeof(dir), "/tmp/xenolith-%u", (unsigned)geteuid());
    return dir;
}

int xc_open(const char *rundir, struct xc **out)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", rundir, XLCTL_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    struct xc *xc = calloc(1, sizeof(*xc));
    if (!xc)
        return -ENOMEM;
    xc->buf = malloc(sizeof(struct xlctl_hdr) + XLCTL_MAX_PAYLOAD);
    xc->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (!xc->buf || xc->fd < 0 || connect(xc->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int err = xc->buf ? -errno : -ENOMEM;
        xc_close(xc);
        return err;
    }
    *out = xc;
    return 0;
}

void xc_close(struct xc *xc)
{
    if (!xc)
        return;
    if (xc->fd >= 0)
        close(xc->fd);
    free(xc->buf);
    free(xc);
}

static int send_request(struct xc *xc, uint16_t op, const void *in, uint32_t in_len)
{
    struct xlctl_hdr h = {.magic = XLCTL_MAGIC, .version = XLCTL_VERSION, .op = op, .len = in_len};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)in, in_len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = in_len ? 2 : 1};
    if (sendmsg(xc->fd, &msg, MSG_NOSIGNAL) < 0)
        return -errno;
    return 0;
}

static int recv_reply(struct xc *xc, ssize_t *n, int *fds, unsigned nfds)
{
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {xc->buf, sizeof(struct xlctl_hdr) + XLCTL_MAX_PAYLOAD};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof(u.buf)};
    do {
        *n = recvmsg(xc->fd, &msg, MSG_CMSG_CLOEXEC);
    } while (*n < 0 && errno == EINTR);
    if (*n < 0)
        return -errno;
    if (*n == 0)
        return -ECONNRESET; /* the daemon went away */
    int got[2] = {-1, -1};
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n_in = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        memcpy(got, CMSG_DATA(cm), (n_in < 2 ? n_in : 2) * sizeof(int));
    }
    for (unsigned i = 0; i < 2; i++) {
        if (i < nfds)
            fds[i] = got[i];
        else if (got[i] >= 0)
            close(got[i]); /* more than the caller asked for */
    }
    return 0;
}

int xc_request_fds(struct xc *xc, uint16_t op, const void *in, uint32_t in_len,
                   void *out, uint32_t out_cap, uint32_t *out_len, int *fds, unsigned nfds)
{
    for (unsigned i = 0; i < nfds; i++)
        fds[i] = -1;
    int rc = send_request(xc, op, in, in_len);
    ssize_t n = 0;
    if (rc == 0)
        rc = recv_reply(xc, &n, fds, nfds);
    if (rc < 0)
        return rc;
    struct xlctl_hdr h;
    if ((size_t)n < sizeof(h))
        return -EBADMSG;
    memcpy(&h, xc->buf, sizeof(h));
    if (h.magic != XLCTL_MAGIC || h.op != op || h.len != (size_t)n - sizeof(h))
        return -EBADMSG;
    uint32_t copy = h.len < out_cap ? h.len : out_cap;
    if (out && copy)
        memcpy(out, xc->buf + sizeof(h), copy);
    if (out_len)
        *out_len = copy;
    return h.status;
}

int xc_request(struct xc *xc, uint16_t op, const void *in, uint32_t in_len,
               void *out, uint32_t out_cap, uint32_t *out_len, int *fd_out)
{
    int fd;
    int rc = xc_request_fds(xc, op, in, in_len, out, out_cap, out_len, &fd, 1);
    if (fd_out)
        *fd_out = fd;
    else if (fd >= 0)
        close(fd);
    return rc;
}

int xc_ping(struct xc *xc, struct xlctl_ping_out *out)
{
    return xc_request(xc, XLCTL_OP_PING, NULL, 0, out, sizeof(*out), NULL, NULL);
}

int xc_physinfo(struct xc *xc, struct xlctl_physinfo *out)
{
    return xc_request(xc, XLCTL_OP_PHYSINFO, NULL, 0, out, sizeof(*out), NULL, NULL);
}

int xc_domain_create(struct xc *xc, const struct xlctl_domain_create *req,
                     struct xlctl_domain_created *created, char *why, size_t whylen)
{
    char out[512];
    uint32_t len = 0;
    int rc = xc_request(xc, XLCTL_OP_DOMAIN_CREATE, req, sizeof(*req), out, sizeof(out) - 1,
                        &len, NULL);
    out[len] = '\0';
    if (rc == 0) {
        if (len != sizeof(*created))
            return -EBADMSG;
        memcpy(created, out, sizeof(*created));
    } else if (why && whylen) {
        snprintf(why, whylen, "%s", out);
    }
    return rc;
}

static int domid_op(struct xc *xc, uint16_t op, uint32_t domid)
{
    struct xlctl_domid id = {.domid = domid};
    return xc_request(xc, op, &id, sizeof(id), NULL, 0, NULL, NULL);
}

int xc_domain_set_boot(struct xc *xc, const struct xlctl_boot *boot)
{
    return xc_request(xc, XLCTL_OP_DOMAIN_SET_BOOT, boot, sizeof(*boot), NULL, 0, NULL, NULL);
}

int xc_domain_unpause(struct xc *xc, uint32_t domid)
{
    return domid_op(xc, XLCTL_OP_DOMAIN_UNPAUSE, domid);
}

int xc_domain_pause(struct xc *xc, uint32_t domid)
{
    return domid_op(xc, XLCTL_OP_DOMAIN_PAUSE, domid);
}

int xc_domain_destroy(struct xc *xc, uint32_t domid)
{
    return domid_op(xc, XLCTL_OP_DOMAIN_DESTROY, domid);
}

int xc_set_hvm_param(struct xc *xc, uint32_t domid, uint32_t index, uint64_t value)
{
    struct xlctl_hvm_param p = {.domid = domid, .index = index, .value = value};
    return xc_request(xc, XLCTL_OP_SET_HVM_PARAM, &p, sizeof(p), NULL, 0, NULL, NULL);
}

int xc_domain_list(struct xc *xc, struct xlctl_dominfo **out, unsigned *n)
{
    struct xlctl_dominfo *list = malloc(XLCTL_MAX_PAYLOAD);
    if (!list)
        return -ENOMEM;
    uint32_t len = 0;
    int rc = xc_request(xc, XLCTL_OP_DOMAIN_LIST, NULL, 0, list, XLCTL_MAX_PAYLOAD, &len, NULL);
    if (rc == 0 && len % sizeof(*list))
        rc = -EBADMSG;
    if (rc < 0) {
        free(list);
        return rc;
    }
    *out = list;
    *n = len / sizeof(*list);
    return 0;
}

int xc_domain_info(struct xc *xc, uint32_t domid, struct xlctl_dominfo *out)
{
    struct xlctl_domid id = {.domid = domid};
    uint32_t len = 0;
    int rc = xc_request(xc, XLCTL_OP_DOMAIN_LIST, &id, sizeof(id), out, sizeof(*out), &len, NULL);
    return rc == 0 && len != sizeof(*out) ? -EBADMSG : rc;
}

int xc_domain_wait(struct xc *xc, uint32_t domid, struct xlctl_dominfo *out)
{
    struct xlctl_domain_wait w = {.domid = domid};
    return xc_request(xc, XLCTL_OP_DOMAIN_WAIT, &w, sizeof(w), out, sizeof(*out), NULL, NULL);
}

int xc_dmesg(struct xc *xc, char **text)
{
    char *buf = malloc(XLCTL_MAX_PAYLOAD + 1);
    if (!buf)
        return -ENOMEM;
    uint32_t len = 0;
    int rc = xc_request(xc, XLCTL_OP_DMESG, NULL, 0, buf, XLCTL_MAX_PAYLOAD, &len, NULL);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *text = buf;
    return 0;
}

int xc_daemon_stop(struct xc *xc)
{
    return xc_request(xc, XLCTL_OP_DAEMON_STOP, NULL, 0, NULL, 0, NULL, NULL);
}

int xc_map_foreign(struct xc *xc, uint32_t domid, struct xc_foreign_map *map)
{
    struct xlctl_domid id = {.domid = domid};
    int fd;
    uint32_t len = 0;
    memset(map, 0, sizeof(*map));
    int rc = xc_request(xc, XLCTL_OP_DOMAIN_MAP_MEMORY, &id, sizeof(id), &map->layout,
                        sizeof(map->layout), &len, &fd);
    if (rc == 0 && (len != sizeof(map->layout) || fd < 0))
        rc = -EBADMSG;
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    void *p = mmap(NULL, map->layout.fd_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (p == MAP_FAILED)
        return -err;
    map->base = p;
    return 0;
}

void xc_unmap_foreign(struct xc_foreign_map *map)
{
    if (map->base)
        munmap(map->base, map->layout.fd_size);
    map->base = NULL;
}

void *xc_foreign_gpa(const struct xc_foreign_map *map, uint64_t gpa, uint64_t len)
{
    long long off = xl_gpa_to_offset(map->layout.low_bytes, map->layout.high_bytes, gpa, len);
    return off < 0 || !map->base ? NULL : map->base + off;
}

int xc_domain_rename(struct xc *xc, uint32_t domid, const char *name)
{
    struct xlctl_domain_rename r = {.domid = domid};
    if (strlen(name) >= sizeof(r.name))
        return -EINVAL;
    snprintf(r.name, sizeof(r.name), "%s", name);
    return xc_request(xc, XLCTL_OP_DOMAIN_RENAME, &r, sizeof(r), NULL, 0, NULL, NULL);
}

int xc_vcpu_list(struct xc *xc, uint32_t domid, struct xlctl_vcpuinfo *out, unsigned *n)
{
    struct xlctl_domid id = {.domid = domid};
    uint32_t len = 0;
    int rc = xc_request(xc, XLCTL_OP_VCPU_LIST, &id, sizeof(id), out,
                        XLCTL_MAX_VCPUS * sizeof(*out), &len, NULL);
    if (rc == 0 && len % sizeof(*out))
        return -EBADMSG;
    *n = rc == 0 ? len / sizeof(*out) : 0;
    return rc;
}

int xc_vcpu_set_affinity(struct xc *xc, uint32_t domid, uint32_t vcpu, const uint64_t *cpumap)
{
    struct xlctl_vcpu_affinity a = {.domid = domid, .vcpu = vcpu};
    memcpy(a.cpumap, cpumap, sizeof(a.cpumap));
    return xc_request(xc, XLCTL_OP_VCPU_SET_AFFINITY, &a, sizeof(a), NULL, 0, NULL, NULL);
}

int xc_domain_set_maxmem(struct xc *xc, uint32_t domid, uint64_t max_kib)
{
    struct xlctl_domain_maxmem m = {.domid = domid, .max_kib = max_kib};
    return xc_request(xc, XLCTL_OP_DOMAIN_SET_MAXMEM, &m, sizeof(m), NULL, 0, NULL, NULL);
}

int xc_sched_credit(struct xc *xc, struct xlctl_sched_credit *s, char *why, size_t whylen)
{
    union {
        struct xlctl_sched_credit s;
        char why[512];
    } out;
    uint32_t len = 0;
    memset(&out, 0, sizeof(out));
    int rc = xc_request(xc, XLCTL_OP_SCHED_CREDIT, s, sizeof(*s), &out, sizeof(out) - 1, &len, NULL);
    if (rc == 0) {
        if (len != sizeof(*s))
            return -EBADMSG;
        *s = out.s;
    } else if (why && whylen) {
        out.why[len] = '\0';
        snprintf(why, whylen, "%s", out.why);
    }
    return rc;
}

int xc_domain_shutdown(struct xc *xc, uint32_t domid, uint32_t reason)
{
    struct xlctl_domain_shutdown s = {.domid = domid, .reason = reason};
    return xc_request(xc, XLCTL_OP_DOMAIN_SHUTDOWN, &s, sizeof(s), NULL, 0, NULL, NULL);
}
