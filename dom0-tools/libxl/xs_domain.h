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

#endif
