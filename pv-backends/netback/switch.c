/*
 * switch.c - the learning bridges (see switch.h). The forwarding database
 * is an open-addressed table per bridge, keyed by MAC; entries are never
 * deleted one by one (a detach rebuilds the table without the port's
 * entries), so lookups need no tombstones.
 */
#include "switch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fdb_entry {
    uint8_t mac[6];
    bool used;
    struct sw_port *port;
    uint64_t seen_s;
};

struct sw_bridge {
    char name[SW_NAME_MAX];
    struct sw_port *ports;
    unsigned nports, nfdb;
    struct fdb_entry fdb[SW_FDB_SIZE];
    struct sw_bridge *next;
};

struct sw {
    struct sw_bridge *bridges;
};

struct sw *sw_create(void)
{
    return calloc(1, sizeof(struct sw));
}

void sw_destroy(struct sw *sw)
{
    while (sw && sw->bridges) {
        struct sw_bridge *b = sw->bridges;
        sw->bridges = b->next;
        free(b);
    }
    free(sw);
}

static struct sw_bridge *bridge_find(struct sw *sw, const char *name)
{
    for (struct sw_bridge *b = sw->bridges; b; b = b->next)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

static unsigned mac_hash(const uint8_t mac[6])
{
    /* The low bytes vary most between guests (00:16:3e:xx:xx:xx). */
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 16777619u;
    return h & (SW_FDB_SIZE - 1);
}

static struct fdb_entry *fdb_slot(struct sw_bridge *b, const uint8_t mac[6])
{
    unsigned i = mac_hash(mac);
    for (unsigned n = 0; n < SW_FDB_SIZE; n++, i = (i + 1) & (SW_FDB_SIZE - 1)) {
        struct fdb_entry *e = &b->fdb[i];
        if (!e->used || memcmp(e->mac, mac, 6) == 0)
            return e;
    }
    return NULL;
}

static void fdb_learn(struct sw_bridge *b, const uint8_t mac[6], struct sw_port *port,
                      uint64_t now_s)
{
    struct fdb_entry *e = fdb_slot(b, mac);
    if (!e || (!e->used && b->nfdb >= SW_FDB_SIZE * 3 / 4))
        return;   /* full: the frame is still forwarded, only not learned */
    if (!e->used) {
        memcpy(e->mac, mac, 6);
        e->used = true;
        b->nfdb++;
    }
    e->port = port;   /* a MAC that moved is re-learned on its new port */
    e->seen_s = now_s;
}

static struct sw_port *fdb_find(struct sw_bridge *b, const uint8_t mac[6], uint64_t now_s)
{
    struct fdb_entry *e = fdb_slot(b, mac);
    if (!e || !e->used || now_s - e->seen_s > SW_AGE_S)
        return NULL;
    return e->port;
}

/* Rebuilds the table without the entries of `gone`. */
static void fdb_forget(struct sw_bridge *b, struct sw_port *gone)
{
    static struct fdb_entry old[SW_FDB_SIZE];
    memcpy(old, b->fdb, sizeof(old));
    memset(b->fdb, 0, sizeof(b->fdb));
    b->nfdb = 0;
    for (unsigned i = 0; i < SW_FDB_SIZE; i++)
        if (old[i].used && old[i].port != gone)
            fdb_learn(b, old[i].mac, old[i].port, old[i].seen_s);
}

int sw_port_attach(struct sw *sw, const char *name, struct sw_port *port)
{
    struct sw_bridge *b = bridge_find(sw, name);
    if (!b) {
        b = calloc(1, sizeof(*b));
        if (!b)
            return -ENOMEM;
        snprintf(b->name, sizeof(b->name), "%s", name);
        b->next = sw->bridges;
        sw->bridges = b;
    }
    port->bridge = b;
    port->next = b->ports;
    b->ports = port;
    b->nports++;
    return 0;
}

void sw_port_detach(struct sw *sw, struct sw_port *port)
{
    struct sw_bridge *b = port->bridge;
    if (!b)
        return;
    for (struct sw_port **pp = &b->ports; *pp; pp = &(*pp)->next) {
        if (*pp == port) {
            *pp = port->next;
            b->nports--;
            break;
        }
    }
    port->bridge = NULL;
    port->next = NULL;
    fdb_forget(b, port);
    if (b->nports == 0) {
        for (struct sw_bridge **bp = &sw->bridges; *bp; bp = &(*bp)->next) {
            if (*bp == b) {
                *bp = b->next;
                break;
            }
        }
        free(b);
    }
}

unsigned sw_input(struct sw_port *in, uint8_t *frame, size_t len, unsigned flags,
                  uint64_t now_s)
{
    struct sw_bridge *b = in->bridge;
    if (!b || len < 14)
        return 0;
    const uint8_t *dst = frame, *src = frame + 6;
    if (!(src[0] & 1))
        fdb_learn(b, src, in, now_s);
    if (!(dst[0] & 1)) {
        struct sw_port *out = fdb_find(b, dst, now_s);
        if (out == in) {
            in->filtered++;
            return 0;
        }
        if (out) {
            out->forwarded++;
            out->deliver(out, frame, len, flags);
            return 1;
        }
    }
    unsigned n = 0;
    for (struct sw_port *p = b->ports; p; p = p->next) {
        if (p == in)
            continue;
        p->flooded++;
        p->deliver(p, frame, len, flags);
        n++;
    }
    return n;
}

struct sw_port *sw_lookup(struct sw *sw, const char *name, const uint8_t mac[6], uint64_t now_s)
{
    struct sw_bridge *b = bridge_find(sw, name);
    return b ? fdb_find(b, mac, now_s) : NULL;
}

unsigned sw_bridge_count(struct sw *sw)
{
    unsigned n = 0;
    for (struct sw_bridge *b = sw->bridges; b; b = b->next)
        n++;
    return n;
}

unsigned sw_port_count(struct sw *sw, const char *name)
{
    struct sw_bridge *b = bridge_find(sw, name);
    return b ? b->nports : 0;
}
