/*
 * domains.h - the guests whose consoles xenconsoled serves.
 *
 * Found as Xen's xenconsoled finds them: a watch on @introduceDomain and
 * @releaseDomain triggers a look at the hypervisor's domain list, and each
 * new domain's console keys (/local/domain/<id>/console/ring-ref, port;
 * xen-abi.md 9.6) name its ring page (a GFN, reached through a foreign
 * mapping of the domain's memory) and the event channel the domain
 * builder offered Dom0 (bound here). Once bound, we notify the guest: its
 * first event from the console port tells it a backend drains the ring.
 *
 * On each event: output is copied out of the ring, appended to the
 * guest's log, handed to the attached sessions, then given back to the
 * guest (out_cons) and the guest is notified. So when the guest sees its
 * ring empty, its output is in the log. A ring with impossible indexes
 * drops that console (one log line; its sessions are closed); the domain
 * keeps running and writes through console_io from then on. When a domain
 * goes, its ring is drained a last time (the mapping outlives the domain)
 * and everything is released.
 *
 * Loop thread only.
 */
#ifndef XCD_DOMAINS_H
#define XCD_DOMAINS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xs_handle;
struct xc;

/* Takes xs over and watches the special paths (their first events
 * trigger the first scan). 0 or -errno. */
int domains_init(struct xs_handle *xs, struct xc *xc);
/* Once a second: retries consoles that could not be connected yet, and
 * checks that xenstored still answers; when it does not (it restarts),
 * reconnects, while the consoles already served and their sessions go on. */
void domains_tick(void);
/* Releases every console (after a last drain), and xenstore. */
void domains_stop(void);

/*
 * For a session attaching to domid: 0 when the console is served, -ENOENT
 * (no such domain, or it has no console keys) or -EIO (dropped), with why
 * set for the client. An unknown domid triggers one scan first: the
 * client may be quicker than @introduceDomain.
 */
int domains_attach(uint32_t domid, char *why, size_t whylen);
/* The tail of domid's console log (guestlog_tail). */
size_t domains_backlog(uint32_t domid, char *buf, size_t cap);
/*
 * Input for the guest. Returns the bytes its ring took (0: full, call
 * again after session_input_ready), or -ENOENT / -EIO when the console is
 * gone or dropped.
 */
ssize_t domains_input(uint32_t domid, const char *buf, size_t len);

#endif
