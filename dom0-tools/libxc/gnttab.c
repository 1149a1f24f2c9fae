/*
 * gnttab.c - Dom0 grant maps and copies over the control socket (see
 * gnttab.h). Keeps, per handle, the memory fd of each domain it maps from
 * (few at once; the oldest is closed past FD_CACHE) and the list of its
 * mappings with their hypervisor handles.
 */
#include "gnttab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xc.h"
#include "xenolith/xen.h"

#define PAGE 4096ul
#define FD_CACHE 8

struct mem_fd {
    uint32_t domid;
    uint64_t mem_id;          /* 0: slot empty */
    int fd;
    uint64_t last_use;
};

struct region {
    struct region *next;
    uint8_t *addr;
    uint32_t count;
    uint32_t handles[];
};

struct xc_gnttab {
    struct xc *xc;
    struct mem_fd fds[FD_CACHE];
    uint64_t clock;
    struct region *regions;
    uint8_t *req, *reply;     /* copy requests: header + XLCTL_MAX_PAYLOAD each */
};

int xc_gnttab_open(struct xc *xc, struct xc_gnttab **out)
{
    struct xc_gnttab *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->req = malloc(XLCTL_MAX_PAYLOAD);
    g->reply = malloc(XLCTL_MAX_PAYLOAD);
    if (!g->req || !g->reply) {
        free(g->req);
        free(g->reply);
        free(g);
        return -ENOMEM;
    }
    g->xc = xc;
    for (unsigned i = 0; i < FD_CACHE; i++)
        g->fds[i].fd = -1;
    *out = g;
    return 0;
}

int xc_gntst_errno(int16_t status)
{
    switch (status) {
    case GNTST_okay:
        return 0;
    case GNTST_bad_domain:
        return -ESRCH;
    case GNTST_bad_gntref:
    case GNTST_bad_handle:
    case GNTST_bad_copy_arg:
        return -EINVAL;
    case GNTST_general_error:
        return -EPERM;
    case GNTST_permission_denied:
        return -EACCES;
    case GNTST_bad_page:
        return -EFAULT;
    case GNTST_no_device_space:
    case GNTST_no_space:
        return -ENOSPC;
    case GNTST_eagain:
        return -EAGAIN;
    default:
        return -EIO;
    }
}

const char *xc_gntst_name(int16_t status)
{
    static const char *names[] = {
        "GNTST_okay", "GNTST_general_error", "GNTST_bad_domain", "GNTST_bad_gntref",
        "GNTST_bad_handle", "GNTST_bad_virt_addr", "GNTST_bad_dev_addr",
        "GNTST_no_device_space", "GNTST_permission_denied", "GNTST_bad_page",
        "GNTST_bad_copy_arg", "GNTST_address_too_big", "GNTST_eagain", "GNTST_no_space",
    };
    return status <= 0 && -status < (int)(sizeof(names) / sizeof(names[0])) ? names[-status]
                                                                           : "GNTST_unknown";
}

/* ---- the memory fd per domain ------------------------------------------ */

static struct mem_fd *fd_lookup(struct xc_gnttab *g, uint32_t domid)
{
    for (unsigned i = 0; i < FD_CACHE; i++)
        if (g->fds[i].mem_id && g->fds[i].domid == domid)
            return &g->fds[i];
    return NULL;
}

/* Keeps fd as domid's memory (replacing a stale one, or the oldest). */
static void fd_store(struct xc_gnttab *g, uint32_t domid, uint64_t mem_id, int fd)
{
    struct mem_fd *m = fd_lookup(g, domid);
    for (unsigned i = 0; !m && i < FD_CACHE; i++)
        if (!g->fds[i].mem_id)
            m = &g->fds[i];
    if (!m) {
        m = &g->fds[0];
        for (unsigned i = 1; i < FD_CACHE; i++)
            if (g->fds[i].last_use < m->last_use)
                m = &g->fds[i];
    }
    if (m->fd >= 0)
        close(m->fd); /* mappings made from it stay valid */
    *m = (struct mem_fd){.domid = domid, .mem_id = mem_id, .fd = fd, .last_use = ++g->clock};
}

/* ---- map and unmap ----------------------------------------------------- */

static int unmap_handles(struct xc_gnttab *g, const uint32_t *handles, uint32_t n)
{
    struct xlctl_gnttab_unmap u = {.count = n};
    struct xlctl_gnttab_unmap_out out;
    uint32_t len = 0;
    memcpy(u.handles, handles, n * sizeof(handles[0]));
    int rc = xc_request(g->xc, XLCTL_OP_GNTTAB_UNMAP, &u, sizeof(u), &out, sizeof(out), &len,
                        NULL);
    if (rc == 0 && len != sizeof(out))
        rc = -EBADMSG;
    for (uint32_t i = 0; rc == 0 && i < n; i++)
        rc = xc_gntst_errno(out.status[i]);
    return rc;
}

/* mmaps the slots' pages of fd as one run of n pages. */
static void *map_pages(int fd, const struct xlctl_gnttab_map_slot *slot, uint32_t n, int prot)
{
    if (n == 1)
        return mmap(NULL, PAGE, prot, MAP_SHARED, fd, (off_t)slot[0].offset);
    uint8_t *base = mmap(NULL, n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
    if (base == MAP_FAILED)
        return MAP_FAILED;
    /* One mmap per run of pages that are consecutive in the fd too. */
    for (uint32_t i = 0, run; i < n; i += run) {
        for (run = 1; i + run < n && slot[i + run].offset == slot[i].offset + run * PAGE; run++)
            ;
        void *p = mmap(base + i * PAGE, run * PAGE, prot, MAP_SHARED | MAP_FIXED, fd,
                       (off_t)slot[i].offset);
        if (p == MAP_FAILED) {
            int err = errno;
            munmap(base, n * PAGE);
            errno = err;
            return MAP_FAILED;
        }
    }
    return base;
}

int xc_gnttab_map(struct xc_gnttab *g, uint32_t domid, uint32_t count, const uint32_t *refs,
                  bool readonly, void **addr, int16_t *status)
{
    if (count == 0 || count > XLCTL_GNTTAB_BATCH)
        return -EINVAL;
    struct mem_fd *m = fd_lookup(g, domid);
    struct xlctl_gnttab_map req = {.domid = domid, .count = count,
                                   .flags = readonly ? XLCTL_GNTMAP_READONLY : 0,
                                   .mem_id = m ? m->mem_id : 0};
    memcpy(req.refs, refs, count * sizeof(refs[0]));
    struct xlctl_gnttab_map_out out;
    uint32_t len = 0;
    int fd = -1;
    int rc = xc_request(g->xc, XLCTL_OP_GNTTAB_MAP, &req, sizeof(req), &out, sizeof(out), &len,
                        &fd);
    if (rc == 0 && len != sizeof(out))
        rc = -EBADMSG;
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    if (fd >= 0)
        fd_store(g, domid, out.mem_id, fd);
    uint32_t ok[XLCTL_GNTTAB_BATCH], n_ok = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (status)
            status[i] = out.slot[i].status;
        if (out.slot[i].status == GNTST_okay)
            ok[n_ok++] = out.slot[i].handle;
        else if (rc == 0)
            rc = xc_gntst_errno(out.slot[i].status);
    }
    m = fd_lookup(g, domid);
    if (rc == 0 && (!m || m->mem_id != out.mem_id))
        rc = -EBADMSG; /* the daemon owed us the fd */
    struct region *r = NULL;
    if (rc == 0) {
        r = malloc(sizeof(*r) + count * sizeof(r->handles[0]));
        if (!r)
            rc = -ENOMEM;
    }
    void *p = MAP_FAILED;
    if (rc == 0) {
        m->last_use = ++g->clock;
        p = map_pages(m->fd, out.slot, count, readonly ? PROT_READ : PROT_READ | PROT_WRITE);
        if (p == MAP_FAILED)
            rc = -errno;
    }
    if (rc < 0) {
        free(r);
        if (n_ok)
            unmap_handles(g, ok, n_ok); /* all or nothing */
        return rc;
    }
    r->addr = p;
    r->count = count;
    memcpy(r->handles, ok, count * sizeof(ok[0]));
    r->next = g->regions;
    g->regions = r;
    *addr = p;
    return 0;
}

int xc_gnttab_unmap(struct xc_gnttab *g, void *addr, uint32_t count)
{
    for (struct region **pp = &g->regions; *pp; pp = &(*pp)->next) {
        struct region *r = *pp;
        if (r->addr != addr || r->count != count)
            continue;
        *pp = r->next;
        /* Our view first: once the hypervisor clears the flags the guest
         * may reuse the page. */
        munmap(r->addr, r->count * PAGE);
        int rc = unmap_handles(g, r->handles, r->count);
        free(r);
        return rc;
    }
    return -EINVAL;
}

void xc_gnttab_close(struct xc_gnttab *g)
{
    if (!g)
        return;
    while (g->regions)
        xc_gnttab_unmap(g, g->regions->addr, g->regions->count);
    for (unsigned i = 0; i < FD_CACHE; i++)
        if (g->fds[i].fd >= 0)
            close(g->fds[i].fd);
    free(g->req);
    free(g->reply);
    free(g);
}

/* ---- copy -------------------------------------------------------------- */

int xc_gnttab_copy(struct xc_gnttab *g, uint32_t count, struct xc_gnttab_seg *segs)
{
    struct xlctl_gnttab_copy c;
    if (count == 0 || count > XLCTL_GNTTAB_BATCH)
        return -EINVAL;
    memset(&c, 0, sizeof(c));
    c.count = count;
    uint64_t to = 0, from = 0;
    for (uint32_t i = 0; i < count; i++) {
        c.seg[i] = (struct xlctl_gnttab_copy_seg){
            .domid = segs[i].domid, .ref = segs[i].ref, .offset = segs[i].offset,
            .len = segs[i].len, .flags = segs[i].to_guest ? XLCTL_GNTCOPY_TO_GUEST : 0};
        if (segs[i].to_guest)
            to += segs[i].len;
        else
            from += segs[i].len;
    }
    if (sizeof(c) + to > XLCTL_MAX_PAYLOAD || sizeof(c) + from > XLCTL_MAX_PAYLOAD)
        return -EMSGSIZE;
    memcpy(g->req, &c, sizeof(c));
    uint8_t *at = g->req + sizeof(c);
    for (uint32_t i = 0; i < count; i++) {
        if (segs[i].to_guest) {
            memcpy(at, segs[i].buf, segs[i].len);
            at += segs[i].len;
        }
    }
    uint32_t len = 0;
    int rc = xc_request(g->xc, XLCTL_OP_GNTTAB_COPY, g->req, (uint32_t)(at - g->req), g->reply,
                        XLCTL_MAX_PAYLOAD, &len, NULL);
    if (rc < 0)
        return rc;
    if (len != sizeof(c) + from)
        return -EBADMSG;
    memcpy(&c, g->reply, sizeof(c));
    const uint8_t *in = g->reply + sizeof(c);
    for (uint32_t i = 0; i < count; i++) {
        segs[i].status = c.seg[i].status;
        if (!segs[i].to_guest) {
            memcpy(segs[i].buf, in, segs[i].len);
            in += segs[i].len;
        }
    }
    return 0;
}
