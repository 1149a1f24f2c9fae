/*
 * xen_console.h - Xen's primary console ring (io/console.h,
 * struct xencons_interface; xen-abi.md 7.1) with the layout checks both
 * of its users rely on: the guest's frontend (pv-frontends/console.c) and
 * xenconsoled (pv-backends/xenconsoled/ring.c).
 *
 * Two byte rings in one page: `in` carries keyboard input from the backend
 * to the guest, `out` the guest's output to the backend. Indexes are
 * free-running u32; byte i lives at i & (size - 1); prod - cons bytes are
 * in flight and never more than the ring's size.
 */
#ifndef XENOLITH_XEN_CONSOLE_H
#define XENOLITH_XEN_CONSOLE_H

#include "xenolith/xen.h"

#include <xen/io/console.h>

#define XENCONS_IN_SIZE  1024u  /* sizeof(in) */
#define XENCONS_OUT_SIZE 2048u  /* sizeof(out) */

_Static_assert(sizeof(struct xencons_interface) == 3088, "xencons_interface size");
_Static_assert(offsetof(struct xencons_interface, in) == 0, "xencons in");
_Static_assert(offsetof(struct xencons_interface, out) == 1024, "xencons out");
_Static_assert(offsetof(struct xencons_interface, in_cons) == 3072, "xencons in_cons");
_Static_assert(offsetof(struct xencons_interface, in_prod) == 3076, "xencons in_prod");
_Static_assert(offsetof(struct xencons_interface, out_cons) == 3080, "xencons out_cons");
_Static_assert(offsetof(struct xencons_interface, out_prod) == 3084, "xencons out_prod");
_Static_assert(sizeof(((struct xencons_interface *)0)->in) == XENCONS_IN_SIZE, "in size");
_Static_assert(sizeof(((struct xencons_interface *)0)->out) == XENCONS_OUT_SIZE, "out size");

#endif /* XENOLITH_XEN_CONSOLE_H */
