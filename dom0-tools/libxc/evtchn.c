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
    int fd = -1;
    uint32_t len = 0;
    int rc = xc_request(xc, op, e, sizeof(*e), e, sizeof(*e), &len, &fd);
    if (rc == 0 && (len != sizeof(*e) || fd < 0))
        rc = -EBADMSG;
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    out->port = e->port;
    out->fd = fd;
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

int xc_evtchn_notify(struct xc *xc, uint32_t port)
{
    struct xlctl_evtchn e = {.port = port};
    return xc_request(xc, XLCTL_OP_EVTCHN_NOTIFY, &e, sizeof(e), NULL, 0, NULL, NULL);
}

int xc_evtchn_close(struct xc *xc, uint32_t port)
{
    struct xlctl_evtchn e = {.port = port};
    return xc_request(xc, XLCTL_OP_EVTCHN_CLOSE, &e, sizeof(e), NULL, 0, NULL, NULL);
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
