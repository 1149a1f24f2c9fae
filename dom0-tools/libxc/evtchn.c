/*
 * evtchn.c - Dom0 event channels over the control socket.
 */
#include "evtchn.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "xc.h"

static int bind_op(struct xc *xc, uint16_t op, struct xlctl_evtchn *e, struct xc_evtchn_port *out)
{
    int fds[2];
    uint32_t len = 0;
    int rc = xc_request_fds(xc, op, e, sizeof(*e), e, sizeof(*e), &len, fds, 2);
    if (rc == 0 && (len != sizeof(*e) || fds[0] < 0 || fds[1] < 0))
        rc = -EBADMSG;
    if (rc < 0) {
        for (unsigned i = 0; i < 2; i++)
            if (fds[i] >= 0)
                close(fds[i]);
        return rc;
    }
    out->port = e->port;
    out->fd = fds[0];
    out->kick_fd = fds[1];
    return 0;
}

int xc_evtchn_alloc_unbound(struct xc *xc, uint32_t remote_dom, struct xc_evtchn_port *out)
{
    struct xlctl_evtchn e = {.remote_dom = remote_dom};
    return bind_op(xc, XLCTL_OP_EVTCHN_ALLOC_UNBOUND, &e, out);
}

int xc_evtchn_bind_interdomain(struct xc *xc, uint32_t remote_dom, uint32_t remote_port,
                               struct xc_evtchn_port *out)
{
    struct xlctl_evtchn e = {.remote_dom = remote_dom, .remote_port = remote_port};
    return bind_op(xc, XLCTL_OP_EVTCHN_BIND_INTERDOMAIN, &e, out);
}

int xc_evtchn_bind_virq(struct xc *xc, uint32_t virq, struct xc_evtchn_port *out)
{
    struct xlctl_evtchn e = {.remote_port = virq};
    return bind_op(xc, XLCTL_OP_EVTCHN_BIND_VIRQ, &e, out);
}

int xc_evtchn_notify(const struct xc_evtchn_port *p)
{
    uint64_t one = 1;
    return write(p->kick_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

int xc_evtchn_notify_sync(struct xc *xc, uint32_t port)
{
    struct xlctl_evtchn e = {.port = port};
    return xc_request(xc, XLCTL_OP_EVTCHN_NOTIFY, &e, sizeof(e), NULL, 0, NULL, NULL);
}

int xc_evtchn_close(struct xc *xc, uint32_t port)
{
    struct xlctl_evtchn e = {.port = port};
    return xc_request(xc, XLCTL_OP_EVTCHN_CLOSE, &e, sizeof(e), NULL, 0, NULL, NULL);
}

void xc_evtchn_release(struct xc *xc, struct xc_evtchn_port *p)
{
    xc_evtchn_close(xc, p->port);
    close(p->fd);
    close(p->kick_fd);
    p->fd = p->kick_fd = -1;
}

int64_t xc_evtchn_consume(int fd)
{
    uint64_t n;
    ssize_t r = read(fd, &n, sizeof(n));
    if (r == sizeof(n))
        return (int64_t)n;
    return errno == EAGAIN ? 0 : -errno;
}

int64_t xc_evtchn_wait(int fd)
{
    for (;;) {
        int64_t n = xc_evtchn_consume(fd);
        if (n != 0)
            return n;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return -errno;
    }
}
