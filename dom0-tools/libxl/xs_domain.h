/*
 * xs_domain.h - a domain's place in xenstore, as libxl makes it: the
 * /local/domain/<id> tree (name, domid, vm, memory, cpus, control,
 * console, store), /vm/<uuid>, permissions (Dom0 owns, the guest reads;
 * the guest's own data/, device/, control/shutdown ... areas it may write),
 * and XS_INTRODUCE so xenstored serves the guest's ring.
 */
#ifndef XL_XS_DOMAIN_H
#define XL_XS_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct xs_domain_info {
    uint32_t domid;
    const char *type;             /* "pv" or "pvh": the boot path the builder took */
    const uint8_t *uuid;          /* 16 bytes */
    uint32_t store_evtchn, console_evtchn;
    uint64_t store_gfn, console_gfn;
};

/* 0, or -errno with err set. -ENOENT: no xenstored is running. */
int xs_domain_create(const struct xl_domain_config *cfg, const struct xs_domain_info *info,
                     char *err, size_t errlen);
/* Releases the domain in xenstored and removes its nodes; quiet if
 * xenstored is not running. */
void xs_domain_destroy(uint32_t domid, const uint8_t *uuid);

/*
 * What xl's lifecycle commands read and write in a domain's tree, as
 * libxl does. Each takes an open handle; 0 or -errno.
 */
struct xs_handle;

/* A value as a malloc'd string (NULL when absent). */
char *xs_domain_read(struct xs_handle *xs, uint32_t domid, const char *rel);
/* /vm/<uuid>/<rel>, through the domain's "vm" node. */
char *xs_domain_read_vm(struct xs_handle *xs, uint32_t domid, const char *rel);
/* A number, or dflt when absent or not one. */
uint64_t xs_domain_read_u64(struct xs_handle *xs, uint32_t domid, const char *rel, uint64_t dflt);
int xs_domain_write(struct xs_handle *xs, uint32_t domid, const char *rel, const char *value);

/* name in /local/domain/<id>/name and /vm/<uuid>/name, in one transaction. */
int xs_domain_rename(struct xs_handle *xs, uint32_t domid, const char *name);
/* cpu/<i>/availability: "online" for i < online, "offline" up to max. */
int xs_domain_set_vcpus(struct xs_handle *xs, uint32_t domid, uint32_t online, uint32_t max);
/* vCPUs whose availability says "online" (of max). */
uint32_t xs_domain_avail_vcpus(struct xs_handle *xs, uint32_t domid, uint32_t max);

#endif
