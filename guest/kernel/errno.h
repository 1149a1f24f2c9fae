/*
 * errno.h - Xen's error numbers (xen/errno.h, XEN_E*) under their usual
 * names, for guest code that checks hypercall results.
 */
#ifndef GUEST_ERRNO_H
#define GUEST_ERRNO_H

#include <xen/errno.h>

#define EPERM  XEN_EPERM
#define ENOENT XEN_ENOENT
#define ESRCH  XEN_ESRCH
#define EFAULT XEN_EFAULT
#define EBUSY  XEN_EBUSY
#define EEXIST XEN_EEXIST
#define EINVAL XEN_EINVAL
#define ENOSPC XEN_ENOSPC
#define ENOSYS XEN_ENOSYS
#define ETIME  XEN_ETIME
#define EACCES XEN_EACCES
#define EISDIR XEN_EISDIR
#define ENOMEM XEN_ENOMEM
#define EIO    XEN_EIO
#define ENOTEMPTY XEN_ENOTEMPTY
#define EROFS  XEN_EROFS
#define EAGAIN XEN_EAGAIN
#define EISCONN XEN_EISCONN
#define E2BIG  XEN_E2BIG
#define EMSGSIZE XEN_EMSGSIZE
#define EOPNOTSUPP XEN_EOPNOTSUPP

#endif
