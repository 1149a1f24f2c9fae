/*
 * tap.c - a host TAP device as one more port of a bridge named
 * "tap:NAME": frames the guests send out of the bridge are written to the
 * device, frames the host sends into it are read and switched, so the
 * host (and its routing) reaches the guests. Creating a TAP device needs
 * CAP_NET_ADMIN and /dev/net/tun; without them the bridge still joins its
 * guests and the log says why there is no TAP.
 *
 * The device is made when the first vif joins the bridge and goes with
 * the last (closing a non-persistent TAP removes it). The host side's
 * address and link state are the host administrator's (ip addr/link).
 * Frames with a checksum left to offload are finished before the host
 * sees them (csum.c): the kernel would otherwise drop them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "netback.h"

struct nb_tap {
    struct nb_handler h;
    struct sw_port port;
    char bridge[SW_NAME_MAX];
    int fd;
    unsigned refs;
    uint64_t in, out, out_dropped;
    struct nb_tap *next;
};

static struct nb_tap *taps;

static void tap_deliver(struct sw_port *port, uint8_t *frame, size_t len, unsigned flags)
{
    struct nb_tap *t = port->owner;
    if (flags & NB_F_CSUM_BLANK)
        nb_csum_fill(frame, len);
    if (write(t->fd, frame, len) == (ssize_t)len)
        t->out++;
    else
        t->out_dropped++;   /* the host is not reading (link down): a switch drops too */
}

static void tap_event(struct nb_handler *h, uint32_t events)
{
    (void)events;
    struct nb_tap *t = (struct nb_tap *)((char *)h - offsetof(struct nb_tap, h));
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(t->fd, nb.frame, NB_MAX_FRAME);
        if (n <= 0)
            return;
        t->in++;
        sw_input(&t->port, nb.frame, (size_t)n, 0, nb.now_s);
    }
}

static int tap_open(const char *ifname)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

struct nb_tap *nb_tap_get(const char *bridge)
{
    for (struct nb_tap *t = taps; t; t = t->next) {
        if (strcmp(t->bridge, bridge) == 0) {
            t->refs++;
            return t;
        }
    }
    const char *ifname = bridge + 4;   /* after "tap:" */
    if (!*ifname || strlen(ifname) >= IFNAMSIZ) {
        nb_log("bridge %s: '%s' is not a network interface name; no TAP device", bridge, ifname);
        return NULL;
    }
    int fd = tap_open(ifname);
    if (fd < 0) {
        nb_log("bridge %s: cannot create TAP device %s: %s; guests on it reach only each other",
               bridge, ifname, strerror(-fd));
        return NULL;
    }
    struct nb_tap *t = calloc(1, sizeof(*t));
    if (!t) {
        close(fd);
        return NULL;
    }
    t->fd = fd;
    t->refs = 1;
    t->h.fn = tap_event;
    snprintf(t->bridge, sizeof(t->bridge), "%s", bridge);
    t->port.deliver = tap_deliver;
    t->port.owner = t;
    snprintf(t->port.name, sizeof(t->port.name), "tap:%s", ifname);
    if (sw_port_attach(nb.sw, bridge, &t->port) < 0 || nb_loop_add(fd, &t->h) < 0) {
        sw_port_detach(nb.sw, &t->port);
        close(fd);
        free(t);
        return NULL;
    }
    t->next = taps;
    taps = t;
    nb_log("bridge %s: TAP device %s joined", bridge, ifname);
    return t;
}

void nb_tap_put(struct nb_tap *t)
{
    if (!t || --t->refs > 0)
        return;
    for (struct nb_tap **pp = &taps; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    nb_loop_del(t->fd);
    sw_port_detach(nb.sw, &t->port);
    close(t->fd);
    nb_log("bridge %s: TAP device %s removed (in %llu, out %llu, dropped %llu)", t->bridge,
           t->bridge + 4, (unsigned long long)t->in, (unsigned long long)t->out,
           (unsigned long long)t->out_dropped);
    free(t);
}
