/*
 * Syslog datagram listeners (dgram.h): socket set-up, the sender filter
 * and the read loop. Owns the socket, its file (Unix) and one receive
 * buffer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "logsrc/dgram.h"

struct logsrc_dgram {
	int fd;
	bool is_unix;
	char path[108];
	unsigned port;
	struct logsrc_dgram_filter filter;
	logsrc_msg_fn *fn;
	void *ctx;
	struct logsrc_dgram_stats st;
	char host[128]; /* added to local messages that have none */
	char buf[LOGSRC_DGRAM_MAX + 1];
	char with_host[LOGSRC_DGRAM_MAX + 160];
};

static struct logsrc_dgram *
dgram_new(logsrc_msg_fn *fn, void *ctx)
{
	struct logsrc_dgram *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->fd = -1;
	s->fn = fn;
	s->ctx = ctx;
	return s;
}

static bool
in_any(const struct arx_cidr *v, size_t n, const struct arx_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cidr_contains(&v[i], a))
			return true;
	return false;
}

bool
logsrc_sender_ok(const struct logsrc_dgram_filter *f,
    const struct sockaddr_storage *ss, char *from, size_t size)
{
	const void *raw = ss->ss_family == AF_INET6
	    ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	    : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
	struct arx_cidr loopback[2];
	struct arx_addr a;
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(ss->ss_family, raw, text, sizeof(text)) == NULL ||
	    addr_parse_str(text, &a) != 0)
		return false;
	addr_format(&a, from, size);
	if (f != NULL && in_any(f->deny, f->ndeny, &a))
		return false;
	if (f != NULL && f->nallow > 0)
		return in_any(f->allow, f->nallow, &a);
	(void)cidr_parse("127.0.0.0/8", &loopback[0]);
	(void)cidr_parse("::1/128", &loopback[1]);
	return in_any(loopback, 2, &a);
}

static int
bind_udp(struct logsrc_dgram *s, const char *ip, unsigned port)
{
	struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6,
	    .sin6_port = htons((uint16_t)port),
	    .sin6_addr = in6addr_any};
	struct sockaddr_in sa4 = {
	    .sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	bool v4 = ip != NULL && inet_pton(AF_INET, ip, &sa4.sin_addr) == 1;
	int off = 0;

	if (ip != NULL && !v4 && inet_pton(AF_INET6, ip, &sa6.sin6_addr) != 1)
		return ARX_ERR_INVAL;
	s->fd = socket(v4 ? AF_INET : AF_INET6,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return ARX_ERR_SYS;
	if (!v4)
		(void)setsockopt(
		    s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if ((v4 ? bind(s->fd, (struct sockaddr *)&sa4, sizeof(sa4))
		: bind(s->fd, (struct sockaddr *)&sa6, sizeof(sa6))) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&got, &len) != 0)
		return ARX_ERR_SYS;
	s->port = ntohs(got.ss_family == AF_INET
		? ((struct sockaddr_in *)&got)->sin_port
		: ((struct sockaddr_in6 *)&got)->sin6_port);
	return 0;
}

int
logsrc_dgram_udp(const char *ip, unsigned port,
    const struct logsrc_dgram_filter *filter, logsrc_msg_fn *fn, void *ctx,
    struct logsrc_dgram **out)
{
	struct logsrc_dgram *s = dgram_new(fn, ctx);
	int r;

	*out = NULL;
	if (s == NULL)
		return ARX_ERR_NOMEM;
	if (filter != NULL)
		s->filter = *filter;
	if ((r = bind_udp(s, ip, port)) != 0) {
		log_error("syslog UDP %s port %u: %s", ip ? ip : "*", port,
		    r == ARX_ERR_SYS ? strerror(errno) : "not an address");
		logsrc_dgram_close(s);
		return r;
	}
	*out = s;
	return 0;
}

int
logsrc_dgram_unix(
    const char *path, logsrc_msg_fn *fn, void *ctx, struct logsrc_dgram **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct logsrc_dgram *s = dgram_new(fn, ctx);

	*out = NULL;
	if (s == NULL)
		return ARX_ERR_NOMEM;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		logsrc_dgram_close(s);
		return ARX_ERR_RANGE;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->is_unix = true;
	(void)unlink(path);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0620) != 0) {
		log_error("syslog socket %s: %s", path, strerror(errno));
		logsrc_dgram_close(s);
		return ARX_ERR_SYS;
	}
	*out = s;
	return 0;
}

void
logsrc_dgram_close(struct logsrc_dgram *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->is_unix && s->fd >= 0)
		(void)unlink(s->path);
	free(s);
}

int
logsrc_dgram_fd(const struct logsrc_dgram *s)
{
	return s->fd;
}

unsigned
logsrc_dgram_port(const struct logsrc_dgram *s)
{
	return s->port;
}

void
logsrc_dgram_set_host(struct logsrc_dgram *s, const char *host)
{
	snprintf(s->host, sizeof(s->host), "%s", host);
}

/*
 * Where a host name belongs in m, when m is "[<PRI>]Mmm dd hh:mm:ss
 * tag: ..." without one (as programs write to /dev/log): the offset
 * after the stamp's space, or 0.
 */
static size_t
host_missing(const char *m, size_t len)
{
	size_t p = 0, t;

	if (len > 0 && m[0] == '<') {
		while (p < len && p < 5 && m[p] != '>')
			p++;
		p++;
	}
	if (len < p + 17 || m[p + 3] != ' ' || m[p + 6] != ' ' ||
	    m[p + 9] != ':' || m[p + 12] != ':' || m[p + 15] != ' ')
		return 0;
	for (t = p + 16; t < len && m[t] != ' '; t++)
		;
	return t > p + 16 && m[t - 1] == ':' ? p + 16 : 0;
}

/* One datagram: trailing newline and NUL dropped. One longer than
 * LOGSRC_DGRAM_MAX (its newline aside) is counted and handed over with
 * one byte more than that (what the buffer holds), so the event knows
 * it was cut (and takes no address from what now ends it). */
static void
deliver(struct logsrc_dgram *s, ssize_t n, const char *from)
{
	size_t at;

	size_t len = (size_t)n;

	if (len > LOGSRC_DGRAM_MAX + 1 ||
	    (len == LOGSRC_DGRAM_MAX + 1 && s->buf[LOGSRC_DGRAM_MAX] != '\n')) {
		len = LOGSRC_DGRAM_MAX + 1;
		s->st.cut++;
	} else if (len == LOGSRC_DGRAM_MAX + 1)
		len--; /* the newline after a longest message */
	while (len > 0 && len <= LOGSRC_DGRAM_MAX &&
	    (s->buf[len - 1] == '\n' || s->buf[len - 1] == '\0' ||
		s->buf[len - 1] == '\r'))
		len--;
	s->st.received++;
	if (len > 0 && s->host[0] != '\0' &&
	    (at = host_missing(s->buf, len)) > 0) {
		int k = snprintf(s->with_host, sizeof(s->with_host), "%.*s%s ",
		    (int)at, s->buf, s->host);

		memcpy(s->with_host + k, s->buf + at, len - at);
		s->fn(s->with_host, (size_t)k + len - at, from, s->ctx);
	} else if (len > 0)
		s->fn(s->buf, len, from, s->ctx);
}

int
logsrc_dgram_read(struct logsrc_dgram *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char from[64];
	ssize_t n;
	int count = 0;

	for (;;) {
		sl = sizeof(ss);
		n = recvfrom(s->fd, s->buf, sizeof(s->buf), MSG_TRUNC,
		    (struct sockaddr *)&ss, &sl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? count : ARX_ERR_SYS;
		if (!s->is_unix &&
		    !logsrc_sender_ok(&s->filter, &ss, from, sizeof(from))) {
			s->st.denied++;
			continue;
		}
		deliver(s, n, s->is_unix ? s->path : from);
		count++;
	}
}

void
logsrc_dgram_stats(const struct logsrc_dgram *s, struct logsrc_dgram_stats *st)
{
	*st = s->st;
}

void
logsrc_dgram_counters(const struct logsrc_dgram *s, struct counters *c)
{
	struct logsrc_dgram_stats st;

	logsrc_dgram_stats(s, &st);
	(void)counters_add(c, "syslog_messages", st.received);
	(void)counters_add(c, "cut", st.cut);
	(void)counters_add(c, "senders_denied", st.denied);
}
