/*
 * The control socket (ctlsock.h): the socket file, peer checks, one
 * request per connection, non-blocking answers. Owns the socket file
 * and the core/server.h listener, which holds every client (its request
 * line in sc.in, its answer in sc.out) until it is closed.
 */
#define _GNU_SOURCE /* struct ucred */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/server.h"
#include "daemon/ctlsock.h"

struct client {
	struct server_conn sc; /* first: the server allocates clients */
	struct ctlsock *s;
	bool answering;
	bool waiting;  /* for its program's result (wait) */
	bool handling; /* inside ctl_handle_line: reports only noted */
	struct ctl_wait wait;
};

struct ctlsock {
	struct server *srv;
	char *path;
	struct ar_dispatch *d;
	const struct ctl_info *info;
	const struct arx_clock *clock;
};

static void
client_close(struct client *c)
{
	server_conn_close(&c->sc);
}

static void
client_write(struct client *c)
{
	size_t before = c->sc.sent;
	int r = server_conn_flush(&c->sc);

	/* a long answer (arx list of many blocks) to a client that reads:
	 * the deadline is for a stall, not for the whole */
	if (r == ARX_ERR_AGAIN && c->sc.sent > before &&
	    server_conn_deadline(&c->sc, CTLSOCK_TIMEOUT_MS) != 0)
		r = ARX_ERR_NOMEM;
	if (r != ARX_ERR_AGAIN)
		client_close(c); /* all sent, or the client is gone */
}

/* Send what c->sc.out holds. */
static void
client_send(struct client *c)
{
	c->answering = true;
	if (server_conn_wait(&c->sc, EV_WRITE) != 0) {
		client_close(c);
		return;
	}
	client_write(c);
}

/* The request line is complete: answer it, or wait for the result of
 * the program it started (reading stops: the client has said all). */
static void
client_answer(struct client *c, size_t len)
{
	struct ctlsock *s = c->s;

	c->waiting = c->handling = true; /* a run may report at once */
	if (ctl_handle_line(s->d, s->info, buf_cstr(&c->sc.in), len,
		clock_wall_ms(s->clock), &c->wait, &c->sc.out) != 0) {
		buf_reset(&c->sc.out);
		(void)buf_puts(&c->sc.out, "error: answer too large\n");
		c->wait.left = 0;
	}
	c->handling = false;
	c->waiting = c->wait.left > 0;
	if (c->waiting) {
		c->waiting = true;
		(void)server_conn_wait(&c->sc, 0);
		if (server_conn_deadline(&c->sc, CTLSOCK_WAIT_MS) != 0)
			client_close(c);
		return;
	}
	client_send(c);
}

/* The wait of c is over: its answer, then the usual write deadline. */
static void
client_waited(struct client *c, bool timed_out)
{
	c->waiting = false;
	if (ctl_wait_answer(&c->wait, timed_out, &c->sc.out) != 0 ||
	    server_conn_deadline(&c->sc, CTLSOCK_TIMEOUT_MS) != 0) {
		client_close(c);
		return;
	}
	client_send(c);
}

void
ctlsock_event(struct ctlsock *s, const struct ar_event *ev)
{
	struct server_conn *sc, *next;

	/* a client answered is closed at once: its next taken before */
	for (sc = s != NULL ? server_first(s->srv) : NULL; sc; sc = next) {
		struct client *c = (struct client *)sc;

		next = server_conn_next(sc);
		if (c->waiting && ctl_wait_event(&c->wait, ev) && !c->handling)
			client_waited(c, false);
	}
}

static void
client_read(struct client *c)
{
	const char *line, *nl;
	long n = server_conn_read(&c->sc);

	if (n == ARX_ERR_AGAIN)
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	line = buf_cstr(&c->sc.in);
	if ((nl = memchr(line, '\n', c->sc.in.len)) != NULL) {
		client_answer(c, (size_t)(nl - line));
		return;
	}
	if (c->sc.in.len == CTL_LINE_MAX)
		client_answer(c, c->sc.in.len); /* too long: parse refuses it */
}

static void
client_io(struct server_conn *sc, unsigned events)
{
	struct client *c = (struct client *)sc;

	if (c->answering)
		client_write(c);
	else if (events & (EV_READ | EV_ERROR))
		client_read(c);
}

static void
client_deadline(struct server_conn *sc)
{
	struct client *c = (struct client *)sc;

	if (c->waiting)
		client_waited(c, true);
	else
		client_close(c);
}

/* Only root and the daemon's own user may talk to it. */
static bool
peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/* Why, to the client and the log; the server closes fd. */
static void
turn_away(int fd, const char *why)
{
	log_warn("control socket: client turned away: %s", why);
	(void)!write(fd, "error: ", 7);
	(void)!write(fd, why, strlen(why));
	(void)!write(fd, "\n", 1);
}

static int
client_admit(struct server *srv, int fd, const struct sockaddr_storage *sa,
    const struct arx_addr *peer)
{
	(void)srv, (void)sa, (void)peer;
	if (peer_allowed(fd))
		return 0;
	turn_away(fd, "permission denied");
	return ARX_ERR_PERM;
}

static void
client_refused(
    struct server *srv, int fd, const char *peer, enum server_refusal why)
{
	(void)srv, (void)peer, (void)why;
	turn_away(fd, "too many clients");
}

static int
client_accepted(struct server_conn *sc)
{
	((struct client *)sc)->s = server_ctx(sc->srv);
	return server_conn_deadline(sc, CTLSOCK_TIMEOUT_MS);
}

static const struct server_ops client_ops = {
    .conn_size = sizeof(struct client),
    .admit = client_admit,
    .refused = client_refused,
    .accepted = client_accepted,
    .io = client_io,
    .timeout = client_deadline,
};

/* 0 when nobody answers on path (a missing or stale socket). */
static int
check_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return ARX_ERR_SYS;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		r = ARX_ERR_EXISTS;
	close(fd);
	if (r == 0 && unlink(sa->sun_path) != 0 && errno != ENOENT)
		r = ARX_ERR_SYS;
	return r;
}

/* The directory of path, created 0700 if missing. */
static int
make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ARX_ERR_SYS;
	return 0;
}

static int
listen_on(const char *path, int *fdp)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ARX_ERR_RANGE;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((r = make_parent(path)) != 0 || (r = check_stale(&sa)) != 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ARX_ERR_SYS;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		close(fd);
		return ARX_ERR_SYS;
	}
	*fdp = fd;
	return 0;
}

int
ctlsock_open(struct evloop *loop, const char *path, struct ar_dispatch *d,
    const struct ctl_info *info, const struct arx_clock *clock,
    struct ctlsock **out)
{
	struct ctlsock *s = calloc(1, sizeof(*s));
	int fd = -1, r;

	*out = NULL;
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return ARX_ERR_NOMEM;
	}
	if ((r = listen_on(path, &fd)) != 0) {
		log_error("control socket %s: %s", path,
		    r == ARX_ERR_EXISTS    ? "another arxd answers there"
			: r == ARX_ERR_SYS ? strerror(errno)
					   : arx_strerror(r));
		free(s->path);
		free(s);
		return r;
	}
	s->d = d;
	s->info = info;
	s->clock = clock;
	if ((r = server_start(&(struct server_opts){.loop = loop,
				  .fd = fd,
				  .max_conns = CTLSOCK_MAX_CLIENTS,
				  .in_max = CTL_LINE_MAX,
				  .out_max = 256u << 20,
				  .ops = &client_ops,
				  .ctx = s},
		 &s->srv)) != 0) {
		ctlsock_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void
ctlsock_set_dispatch(struct ctlsock *s, struct ar_dispatch *d)
{
	s->d = d;
}

void
ctlsock_close(struct ctlsock *s)
{
	if (s == NULL)
		return;
	server_stop(s->srv);
	(void)unlink(s->path);
	free(s->path);
	free(s);
}
