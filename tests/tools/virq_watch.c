/*
 * virq_watch.c - a Dom0 program on a global VIRQ: binds it (Dom0 owns
 * them), prints "bound", and waits up to T seconds for it to fire.
 * Usage: virq_watch VIRQ T. Exit 0 when it fired, 1 on timeout or error
 * (with the error's name, e.g. "File exists" for a second binding).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxc/evtchn.h"
#include "libxc/xc.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: virq_watch VIRQ SECONDS\n");
        return 2;
    }
    uint32_t virq = (uint32_t)strtoul(argv[1], NULL, 10);
    int seconds = atoi(argv[2]);
    struct xc *xc;
    int rc = xc_open(xc_default_rundir(), &xc);
    struct xc_evtchn_port p;
    if (rc == 0)
        rc = xc_evtchn_bind_virq(xc, virq, &p);
    if (rc < 0) {
        fprintf(stderr, "virq_watch: binding VIRQ %u: %s\n", virq, strerror(-rc));
        return 1;
    }
    printf("virq_watch: bound VIRQ %u to Dom0 port %u\n", virq, p.port);
    fflush(stdout);
    struct pollfd pfd = {.fd = p.fd, .events = POLLIN};
    if (poll(&pfd, 1, seconds * 1000) == 1 && xc_evtchn_consume(p.fd) > 0) {
        printf("virq_watch: VIRQ %u fired\n", virq);
        return 0;
    }
    fprintf(stderr, "virq_watch: VIRQ %u did not fire in %d s\n", virq, seconds);
    return 1;
}
