/*
 * Implementation of net.h.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/net.h"

/* The socket address for ip and port in sa. */
static int
sockaddr_for(const char *ip, unsigned port, struct sockaddr_storage *sa)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	*sa = (struct sockaddr_storage){0};
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = in6addr_any;
	if (ip != NULL && inet_pton(AF_INET, ip, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (ip != NULL && inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
		return ARX_ERR_INVAL;
	if (sa->ss_family == AF_INET)
		s4->sin_port = htons((uint16_t)port);
	else
		s6->sin6_port = htons((uint16_t)port);
	return 0;
}

int
net_listen_tcp(const char *ip, unsigned port, int *fd, unsigned *bound)
{
	struct sockaddr_storage sa, got;
	socklen_t len = sizeof(got);
	int one = 1, off = 0, s;

	*fd = -1;
	if (sockaddr_for(ip, port, &sa) != 0)
		return ARX_ERR_INVAL;
	s = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return ARX_ERR_SYS;
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa.ss_family == AF_INET6)
		(void)setsockopt(
		    s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s, 64) != 0 ||
	    getsockname(s, (struct sockaddr *)&got, &len) != 0) {
		close(s);
		return ARX_ERR_SYS;
	}
	*bound = ntohs(got.ss_family == AF_INET
		? ((struct sockaddr_in *)&got)->sin_port
		: ((struct sockaddr_in6 *)&got)->sin6_port);
	*fd = s;
	return 0;
}

int
net_peer(const struct sockaddr_storage *sa, struct arx_addr *addr, char *text,
    size_t size)
{
	char raw[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    raw, sizeof(raw));
	else if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, raw,
		    sizeof(raw));
	if (addr_parse_str(raw, addr) != 0) {
		snprintf(text, size, "%s", raw);
		return ARX_ERR_INVAL;
	}
	addr_format(addr, text, size);
	return 0;
}
