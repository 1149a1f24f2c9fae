/*
 * save.h - the sending side of save and migration: suspending a domain as
 * Xen's toolstack does, and writing it as a save stream (save_image.h)
 * to a file or a socket. migrate.c drives the same pieces in pre-copy
 * rounds; xl save uses libxl_domain_save() in one pass.
 *
 * Suspend: if the guest advertised a suspend event channel
 * (device/suspend/event-channel in its xenstore directory, as Linux and
 * Mini-OS do on Xen), the toolstack signals it and waits until the guest
 * calls SCHEDOP_shutdown(SHUTDOWN_suspend); after a restore that call
 * returns 0 (a new domain: reconnect), after a cancelled save 1. A guest
 * without one is just paused: it is saved and restored, but is never told.
 */
#ifndef XL_SAVE_H
#define XL_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxc/evtchn.h"
#include "libxc/xc.h"
#include "progress.h"
#include "save_image.h"

#define XL_SUSPEND_TIMEOUT_MS 5000

/* 1 if the guest suspended itself, 0 if it had no suspend channel and was
 * paused instead; -errno with err (e.g. it did not answer in time: then
 * nothing changed). */
int libxl_domain_suspend(struct xc *xc, uint32_t domid, char *err, size_t errlen);

/*
 * The same in two steps, for a migration, whose downtime starts at the
 * suspend: libxl_suspend_prepare() looks up and binds the guest's suspend
 * channel while the guest still runs (xenstore round trips cost
 * milliseconds), libxl_suspend_now() signals it and waits (or pauses a
 * guest without one) and returns as libxl_domain_suspend. Either way
 * libxl_suspend_release() drops the binding.
 */
struct libxl_suspend {
    uint32_t domid;
    bool has_channel;
    struct xc_evtchn_port port;
};
int libxl_suspend_prepare(struct xc *xc, uint32_t domid, struct libxl_suspend *s, char *err,
                          size_t errlen);
int libxl_suspend_now(struct xc *xc, struct libxl_suspend *s, char *err, size_t errlen);
void libxl_suspend_release(struct xc *xc, struct libxl_suspend *s);
/* Undoes a suspend or a pause: the guest runs on (SCHEDOP_shutdown
 * returns 1, "cancelled"). */
int libxl_domain_resume(struct xc *xc, uint32_t domid, bool suspended, bool leave_paused);

/* The pieces of a stream, in order. */
int libxl_send_domain_record(struct xc *xc, struct xl_sr_writer *w, uint32_t domid,
                             const struct xc_foreign_map *map, char *err, size_t errlen);
/* Pages by fd index: the bit's page, zero pages flagged as such when
 * send_zero (a live stream overwrites earlier copies), skipped otherwise. */
int libxl_send_pages(struct xl_sr_writer *w, const struct xc_foreign_map *map,
                     const uint64_t *bitmap, uint64_t nbits, bool send_zero,
                     struct xl_progress *prog, uint64_t *sent);
/* HV_STATE, XENSTORE, END. The domain must be suspended or paused. */
int libxl_send_tail(struct xc *xc, struct xl_sr_writer *w, uint32_t domid, char *err,
                    size_t errlen);

/* xl save: suspend, write everything to fd, then destroy the domain, or
 * keep it paused (leave_paused). On failure the domain runs on as before. */
int libxl_domain_save(struct xc *xc, uint32_t domid, int fd, bool leave_paused, bool quiet,
                      char *err, size_t errlen);

/* True if the 4 KiB page is all zero. */
bool libxl_page_is_zero(const uint8_t *page);

#endif
