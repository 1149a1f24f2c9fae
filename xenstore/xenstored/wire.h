/*
 * wire.h - Xen's xenstore wire protocol (xen/io/xs_wire.h from libxen-dev)
 * and the layouts we rely on, pinned: a header change that moves a field
 * breaks the build, not a guest (xen-abi.md 7.2, 7.3).
 */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <errno.h> /* xs_wire.h defines xsd_errors[] only after EINVAL */
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg size");
_Static_assert(offsetof(struct xsd_sockmsg, type) == 0, "xsd_sockmsg.type");
_Static_assert(offsetof(struct xsd_sockmsg, req_id) == 4, "xsd_sockmsg.req_id");
_Static_assert(offsetof(struct xsd_sockmsg, tx_id) == 8, "xsd_sockmsg.tx_id");
_Static_assert(offsetof(struct xsd_sockmsg, len) == 12, "xsd_sockmsg.len");
_Static_assert(XS_DIRECTORY_PART == 22 && XS_TYPE_COUNT == 23, "4.17 message types");
_Static_assert(XS_WATCH_EVENT == 15 && XS_ERROR == 16 && XS_RESET_WATCHES == 21, "message types");
_Static_assert(XENSTORE_PAYLOAD_MAX == 4096, "payload limit");
_Static_assert(XENSTORE_ABS_PATH_MAX == 3072 && XENSTORE_REL_PATH_MAX == 2048, "path limits");

/* The store ring page, for the ring transport (xen-abi.md 7.2). */
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024, "ring rsp");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048, "ring req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, req_prod) == 2052, "ring req_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_cons) == 2056, "ring rsp_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060, "ring rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, server_features) == 2064, "ring features");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) == 2068, "ring connection");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072, "ring error");

/* Domain ids (xen/xen.h): ids from DOMID_FIRST_RESERVED up are not
 * domains. Spelled out here so xenstored needs no hypercall headers. */
#define XS_DOMID_FIRST_RESERVED 0x7FF0u
#define XS_DOMID_SELF 0x7FF0u
#define XS_DOMID_INVALID 0x7FF4u

#endif
