/*
 * trace.c - Dom0 trace writers and readers (see trace.h).
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

volatile uint8_t *xc_trace_control;
struct xl_trace_ring *xc_trace_self;

/* Maps file `path` of `len` bytes, creating and sizing it if needed. */
static void *map_file(const char *path, size_t len)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || ((size_t)st.st_size < len && ftruncate(fd, (off_t)len) < 0)) {
        close(fd);
        return NULL;
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

static int trace_dir(const char *rundir, char *out, size_t len)
{
    snprintf(out, len, "%s/trace", rundir);
    if (mkdir(out, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static volatile uint8_t *map_control(const char *rundir)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    if (trace_dir(rundir, dir, sizeof(dir)) < 0)
        return NULL;
    snprintf(path, sizeof(path), "%s/control", dir);
    return map_file(path, XL_TRACE_MAX_DOMID);
}

int xc_trace_open(const char *rundir, uint16_t src, const char *name)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    int rc = trace_dir(rundir, dir, sizeof(dir));
    if (rc < 0)
        return rc;
    snprintf(path, sizeof(path), "%s/%s.%d", dir, name, (int)getpid());
    unlink(path);                          /* a stale ring of a recycled pid */
    struct xl_trace_ring *r = map_file(path, XL_TRACE_RING_BYTES(XL_TRACE_HOST_RECS));
    if (!r)
        return -errno;
    r->magic = XL_TRACE_MAGIC;
    r->nrecs = XL_TRACE_HOST_RECS;
    r->src = src;
    volatile uint8_t *ctl = map_control(rundir);
    if (!ctl) {
        rc = -errno;
        munmap(r, XL_TRACE_RING_BYTES(XL_TRACE_HOST_RECS));
        return rc;
    }
    xc_trace_self = r;
    __atomic_store_n(&xc_trace_control, ctl, __ATOMIC_RELEASE);
    return 0;
}

int xc_trace_set(const char *rundir, uint32_t domid, bool on)
{
    if (domid >= XL_TRACE_MAX_DOMID)
        return -ERANGE;
    volatile uint8_t *ctl = map_control(rundir);
    if (!ctl)
        return -errno;
    ctl[domid] = on;
    munmap((void *)ctl, XL_TRACE_MAX_DOMID);
    return 0;
}

void xc_trace_reader_init(struct xc_trace_reader *rd, const struct xl_trace_ring *ring)
{
    rd->ring = ring;
    rd->next = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
    rd->lost = 0;
}

unsigned xc_trace_read(struct xc_trace_reader *rd, uint32_t domid, struct xl_trace_rec *out,
                       unsigned max)
{
    uint64_t prod = __atomic_load_n(&rd->ring->prod, __ATOMIC_ACQUIRE);
    uint64_t size = rd->ring->nrecs;
    if (prod - rd->next > size) {   /* the writer lapped us */
        rd->lost += prod - rd->next - size;
        rd->next = prod - size;
    }
    unsigned n = 0;
    while (rd->next < prod && n < max) {
        const struct xl_trace_rec *e = &rd->ring->recs[rd->next & (size - 1)];
        uint64_t seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
        if (seq != rd->next + 1) {
            if (seq > rd->next + 1) {         /* overwritten meanwhile */
                rd->lost++;
                rd->next++;
                continue;
            }
            break;                            /* reserved, not yet written */
        }
        struct xl_trace_rec copy = *e;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != seq) {
            rd->lost++;                       /* rewritten while we copied */
        } else if (copy.domid == domid) {
            out[n++] = copy;
        }
        rd->next++;
    }
    return n;
}
