/*
 * session.h - interactive console sessions on a Unix socket
 * ($XENOLITH_RUNDIR/xenconsoled.sock, mode 0600; root or our own uid).
 *
 * Protocol (a client is `xl console`):
 *   client: "attach <domid>\n"
 *   server: "OK\n", then the backlog (the tail of the guest's console
 *           log, from a line start) and the guest's output as it comes;
 *           or "ERR <reason>\n" and the connection closes.
 *   client: any bytes after the request are keyboard input for the guest.
 * The server closes the connection when the domain goes or its console is
 * dropped. Several clients may attach to one domain; each gets all of the
 * output. A client that does not read is never waited for: its output is
 * queued up to a bound (--client-limit), past which it is disconnected
 * with a log line, while the guest and the other clients go on. Input
 * reaches the guest only as fast as it reads it: the client's bytes wait
 * in the server (and then in the socket) meanwhile.
 *
 * Loop thread only.
 */
#ifndef XCD_SESSION_H
#define XCD_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* Listens on path (refused if a xenconsoled answers there already).
 * 0, or -errno with why set. */
int session_listen(const char *path, char *why, size_t whylen);
/* Guest output for every client of domid. */
void session_output(uint32_t domid, const char *buf, size_t len);
/* The guest took input: push what its clients still hold. */
void session_input_ready(uint32_t domid);
/* The console is gone: clients get what is queued, then are closed. */
void session_domain_gone(uint32_t domid);
/* Once a second: closes clients that linger. */
void session_tick(void);
/* Between events: frees the clients closed meanwhile. */
void session_reap(void);
/* Closes every client and the socket, and removes the socket file. */
void session_stop(void);

#endif
