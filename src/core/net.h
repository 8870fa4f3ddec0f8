/*
 * Sockets every listener needs: a non-blocking TCP listening socket on
 * an address (IPv4, IPv6, or every address of both families when none is
 * given). Used by the syslog TCP listener and the enrollment server.
 */
#ifndef ARX_CORE_NET_H
#define ARX_CORE_NET_H

#include <stddef.h>

/*
 * Listen on ip (NULL: every address) and port (0: any free one). 0 with
 * *fd and *bound (the port in use); ARX_ERR_INVAL when ip is not an
 * address, ARX_ERR_SYS (errno) when the system refuses.
 */
int net_listen_tcp(const char *ip, unsigned port, int *fd, unsigned *bound);

struct sockaddr_storage;
struct arx_addr;

/* The peer of an accepted connection: its address parsed into addr
 * (an IPv4-mapped IPv6 address becomes IPv4) and written into text,
 * canonical; "?" and ARX_ERR_INVAL when it is not an IP address. */
int net_peer(const struct sockaddr_storage *sa, struct arx_addr *addr,
    char *text, size_t size);

#endif
