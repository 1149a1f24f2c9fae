/*
 * io.h - blkback's I/O engine: one io_uring per queue thread, through which
 * the thread both does the disk I/O and waits for its event channel (a
 * multishot poll on the channel's eventfd), so a queue has exactly one
 * place where it sleeps: blk_io_submit(io, 1).
 *
 * Each operation is tagged with a caller's 64-bit value that comes back
 * with its completion. Preparing never blocks: -EBUSY means the submission
 * queue is full, and the caller submits (blk_io_submit(io, 0)) and retries.
 * One thread per struct blk_io.
 */
#ifndef BLKBACK_IO_H
#define BLKBACK_IO_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct blk_io {
    struct io_uring ring;
    unsigned queued;          /* prepared, not submitted */
    bool disabled;            /* until blk_io_start */
};

/* A ring of `entries` submission slots (completion queue twice that), for
 * one thread: completions are gathered when that thread enters io_uring
 * (blk_io_submit), so a thread spinning in user space would not see them.
 * 0 or -errno. */
int blk_io_init(struct blk_io *io, unsigned entries);
/* On the thread that will use it, before anything else. 0 or -errno. */
int blk_io_start(struct blk_io *io);
void blk_io_exit(struct blk_io *io);

/* readv / writev of iov[0..niov) at byte offset off of fd. */
int blk_io_rw(struct blk_io *io, int fd, bool write, const struct iovec *iov, unsigned niov,
              uint64_t off, uint64_t tag);
/* fdatasync(fd): the data of every write completed before is durable. */
int blk_io_fsync(struct blk_io *io, int fd, uint64_t tag);
/* fallocate(PUNCH_HOLE | KEEP_SIZE) over [off, off+len): reads give zeros. */
int blk_io_discard(struct blk_io *io, int fd, uint64_t off, uint64_t len, uint64_t tag);
/* Multishot POLLIN on fd: a completion each time it becomes readable,
 * until cancelled or an error (then more == false). */
int blk_io_poll(struct blk_io *io, int fd, uint64_t tag);

/* Submits what is prepared and waits for at least wait_nr completions.
 * 0 or -errno (-EINTR: try again). */
int blk_io_submit(struct blk_io *io, unsigned wait_nr);

/* Calls fn(arg, tag, res, more) for every completion there now; res is the
 * operation's result (bytes or -errno); more is set while a multishot poll
 * stays armed. Returns how many. */
typedef void (*blk_io_done_fn)(void *arg, uint64_t tag, int32_t res, bool more);
unsigned blk_io_reap(struct blk_io *io, blk_io_done_fn fn, void *arg);

#endif
