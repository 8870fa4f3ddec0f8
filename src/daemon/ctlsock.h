/*
 * The control socket: a Unix stream socket, mode 0600 in a 0700
 * directory, through which `arx status|list|block|unblock` reach the
 * running daemon. Each connection carries one request line and gets the
 * answer, then the daemon closes it. Only root (or the daemon's own
 * user) is served: the peer's credentials are checked on accept.
 * Bounded: at most CTLSOCK_MAX_CLIENTS at once (more are turned away
 * and counted), a request line of CTL_LINE_MAX bytes, and a client that
 * neither asks nor reads within CTLSOCK_TIMEOUT_MS is dropped. A block
 * or unblock whose program runs is answered with its result: the client
 * waits for it (ctlsock_event()), at most CTLSOCK_WAIT_MS.
 */
#ifndef ARX_DAEMON_CTLSOCK_H
#define ARX_DAEMON_CTLSOCK_H

#include "ar/control.h"
#include "core/evloop.h"

#define CTLSOCK_MAX_CLIENTS 16
#define CTLSOCK_TIMEOUT_MS  5000
#define CTLSOCK_WAIT_MS     75000 /* a program's limit (60 s) and more */

struct ctlsock;

/*
 * Listen on path. A stale socket left by a crashed daemon is replaced;
 * one a live daemon answers on is an error (ARX_ERR_EXISTS).
 */
int ctlsock_open(struct evloop *loop, const char *path, struct ar_dispatch *d,
    const struct ctl_info *info, const struct arx_clock *clock,
    struct ctlsock **out);

/* Serve requests from d from now on (after a reload). */
void ctlsock_set_dispatch(struct ctlsock *s, struct ar_dispatch *d);

/* A response event: answers the clients waiting for that run. */
void ctlsock_event(struct ctlsock *s, const struct ar_event *ev);

/* Close every client and the socket, and remove the file. */
void ctlsock_close(struct ctlsock *s);

#endif
