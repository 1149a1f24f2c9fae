/*
 * evtchn_peer.c - app=evtchn-peer role=pong|ping count=N: an event channel
 * between two guests, set up the way Xen's frontends and backends do it,
 * through xenstore, with Dom0 (the test, as toolstack) telling each guest
 * its peer:
 *   pong: waits for data/peer (the ping domain), offers a port to it
 *         (alloc_unbound) and publishes it in data/port;
 *   ping: waits for data/peer and data/peer-port, binds to them
 *         (bind_interdomain), then bounces N notifications off pong and
 *         reports the round-trip time (evtchn_roundtrip_domu).
 */
#include "kernel/errno.h"
#include "kernel/events.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/time.h"
#include "xenbus.h"

#define SETUP_TIMEOUT_NS (20ull * 1000000000ull)

static volatile int received;

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port, (void)arg;
    received++;
}

/* Waits until a key of ours holds a number (written by the toolstack). */
static int wait_key(const char *key, uint64_t *value)
{
    char path[64];
    int rc = xenbus_watch(key, key);
    uint64_t deadline = time_now_ns() + SETUP_TIMEOUT_NS;
    while (rc == 0) {
        if (xenbus_read_u64(key, value) == 0)
            return 0;
        rc = xenbus_wait_watch(key, path, sizeof(path), deadline - time_now_ns());
    }
    printf("evtchn-peer: no %s from the toolstack: %d\n", key, rc);
    return rc;
}

static int wait_events(int want, uint64_t deadline)
{
    while (received < want) {
        wait_flag_until(0, 0);
        if (received < want && time_now_ns() > deadline)
            return -ETIME;
    }
    return 0;
}

static int pong(uint64_t count)
{
    uint64_t peer;
    evtchn_port_t port;
    if (wait_key("data/peer", &peer) < 0)
        return 1;
    int rc = evtchn_alloc_unbound((domid_t)peer, &port);
    if (rc == 0)
        rc = xenbus_printf("data/port", "%u", port);
    if (rc < 0) {
        printf("evtchn-peer: offering a port to d%llu: %d\n", (unsigned long long)peer, rc);
        return 1;
    }
    evtchn_set_handler(port, on_event, 0);
    printf("evtchn-peer: pong offers port %u to d%llu\n", port, (unsigned long long)peer);
    for (uint64_t i = 0; i < count; i++) {
        if (wait_events((int)i + 1, time_now_ns() + SETUP_TIMEOUT_NS) < 0) {
            printf("evtchn-peer: pong waited in vain after %llu\n", (unsigned long long)i);
            return 1;
        }
        evtchn_notify(port);
    }
    printf("evtchn-peer: pong answered %llu\n", (unsigned long long)count);
    return 0;
}

static int ping(uint64_t count)
{
    uint64_t peer, peer_port;
    evtchn_port_t port;
    if (wait_key("data/peer", &peer) < 0 || wait_key("data/peer-port", &peer_port) < 0)
        return 1;
    int rc = evtchn_bind_interdomain((domid_t)peer, (evtchn_port_t)peer_port, &port);
    if (rc < 0) {
        printf("evtchn-peer: binding d%llu port %llu: %d\n", (unsigned long long)peer,
               (unsigned long long)peer_port, rc);
        return 1;
    }
    evtchn_set_handler(port, on_event, 0);
    sleep_ns(1000000); /* the bind left our port pending once: let it land */
    received = 0;
    uint64_t t0 = time_now_ns();
    for (uint64_t i = 0; i < count; i++) {
        evtchn_notify(port);
        if (wait_events((int)i + 1, time_now_ns() + 2000000000ull) < 0) {
            printf("evtchn-peer: ping %llu got no answer\n", (unsigned long long)i);
            return 1;
        }
    }
    uint64_t ns = (time_now_ns() - t0) / count;
    printf("evtchn-peer: %llu round trips with d%llu, none lost, %llu.%03llu us each\n",
           (unsigned long long)count, (unsigned long long)peer, (unsigned long long)(ns / 1000),
           (unsigned long long)(ns % 1000));
    return 0;
}

int app_evtchn_peer(void)
{
    char role[8];
    uint64_t count = cmdline_u64("count", 1000);
    if (count == 0 || !cmdline_get("role", role, sizeof(role))) {
        printf("evtchn-peer: need role=ping|pong and count > 0\n");
        return 1;
    }
    int rc = xenbus_init();
    if (rc < 0) {
        printf("evtchn-peer: no xenstore: %d\n", rc);
        return 1;
    }
    if (strcmp(role, "pong") == 0)
        return pong(count);
    if (strcmp(role, "ping") == 0)
        return ping(count);
    printf("evtchn-peer: role must be ping or pong, not '%s'\n", role);
    return 1;
}
