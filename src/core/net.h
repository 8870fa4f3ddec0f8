/*
 * Sockets every listener needs: a non-blocking TCP listening socket on
 * an address (IPv4, IPv6, or every address of both families when none is
 * given). Used by the syslog TCP listener and the enrollment server.
 */
#ifndef ARX_CORE_NET_H
#define ARX_CORE_NET_H

/*
 * Listen on ip (NULL: every address) and port (0: any free one). 0 with
 * *fd and *bound (the port in use); ARX_ERR_INVAL when ip is not an
 * address, ARX_ERR_SYS (errno) when the system refuses.
 */
int net_listen_tcp(const char *ip, unsigned port, int *fd, unsigned *bound);

#endif
