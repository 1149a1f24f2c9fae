/*
 * socket.h - the Unix socket transport: Dom0 clients (Xen's xenstore-*
 * tools, libxenstore, our client library) connect to one stream socket;
 * each becomes a privileged connection of domid 0, as in C xenstored
 * (posix.c). The socket is created mode 0600: only root and the owner
 * may talk to the store as Dom0.
 */
#ifndef XS_SOCKET_H
#define XS_SOCKET_H

/* At most this many socket clients at once; more are refused (closed at
 * accept) and logged, so a flood cannot exhaust the daemon's fds. */
#define SOCKET_MAX_CLIENTS 512

/* Binds and listens on path and registers it with the loop. A socket file
 * left by a dead daemon is replaced; a live one is -EADDRINUSE. 0 or
 * -errno. */
int socket_listen(const char *path);
/* Closes the listener and removes the socket file. */
void socket_fini(void);

#endif
