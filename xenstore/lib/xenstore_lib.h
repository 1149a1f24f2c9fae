/*
 * xenstore_lib.h - Xenolith's libxenstore: the helpers Xen's
 * xenstore_lib.h declares (Xen 4.17), with the same names, types and
 * semantics, so programs written for Xen build against it unchanged.
 *
 * Permission bits and struct xs_permissions are Xen's: a node's first
 * entry is its owner and the access of every domain not listed.
 */
#ifndef XENSTORE_LIB_H
#define XENSTORE_LIB_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

struct xs_permissions {
    unsigned int id;    /* domid */
    unsigned int perms; /* XS_PERM_* */
#define XS_PERM_NONE 0x00
#define XS_PERM_READ 0x01
#define XS_PERM_WRITE 0x02
    /* Used inside xenstored; never on the wire. */
#define XS_PERM_ENOENT_OK 0x04
#define XS_PERM_OWNER 0x08
#define XS_PERM_IGNORE 0x10
};

/* Room for the decimal form of an integer type (with sign and NUL). */
#define MAX_STRLEN(x) ((sizeof(x) * CHAR_BIT + CHAR_BIT - 1) / 10 * 3 + 2)

/* Where the daemon is: $XENSTORED_RUNDIR (default /var/run/xenstored),
 * and the socket $XENSTORED_PATH (default <rundir>/socket). The read-only
 * socket is the same one, as in Xen 4.17. */
const char *xs_daemon_rundir(void);
const char *xs_daemon_socket(void);
const char *xs_daemon_socket_ro(void);

/* Writes all len bytes to fd, retrying short writes and EINTR. */
bool xs_write_all(int fd, const void *data, unsigned int len);

/* Parses num NUL-separated permission strings ("b5", "n0") into perms.
 * false with errno EINVAL on a malformed string. */
bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings);

#endif
