/*
 * The control socket (ctlsock.h): listening, peer checks, one request
 * per connection, non-blocking answers. Owns the listening descriptor,
 * the socket file and every client until it is closed.
 */
#define _GNU_SOURCE /* accept4, struct ucred */
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
#include "daemon/ctlsock.h"

struct client {
	struct ctlsock *s;
	struct evio io;
	struct evtimer deadline;
	char line[CTL_LINE_MAX + 1];
	size_t len;
	struct buf answer;
	size_t sent;
	bool answering;
	bool waiting;  /* for its program's result (wait) */
	bool handling; /* inside ctl_handle_line: reports only noted */
	struct ctl_wait wait;
};

struct ctlsock {
	struct evloop *loop;
	struct evio listen;
	char *path;
	struct ar_dispatch *d;
	const struct ctl_info *info;
	const struct arx_clock *clock;
	struct client *clients[CTLSOCK_MAX_CLIENTS];
	size_t nclients;
	unsigned long refused;
};

static void
client_close(struct client *c)
{
	struct ctlsock *s = c->s;
	size_t i;

	evloop_io_stop(s->loop, &c->io);
	evloop_timer_stop(s->loop, &c->deadline);
	close(c->io.fd);
	buf_release(&c->answer);
	for (i = 0; i < s->nclients; i++)
		if (s->clients[i] == c)
			s->clients[i] = s->clients[--s->nclients];
	free(c);
}

static void
client_write(struct client *c)
{
	ssize_t n;

	while (c->sent < c->answer.len) {
		n = write(c->io.fd, c->answer.data + c->sent,
		    c->answer.len - c->sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->sent += (size_t)n;
		/* a long answer (arx list of many blocks) to a client that
		 * reads: the deadline is for a stall, not for the whole */
		if (evloop_timer_start(
			c->s->loop, &c->deadline, CTLSOCK_TIMEOUT_MS) != 0)
			break;
	}
	client_close(c);
}

/* Send what c->answer holds. */
static void
client_send(struct client *c)
{
	struct ctlsock *s = c->s;

	c->answering = true;
	c->io.events = EV_WRITE;
	if (evloop_io_start(s->loop, &c->io) != 0) {
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
	if (ctl_handle_line(s->d, s->info, c->line, len,
		clock_wall_ms(s->clock), &c->wait, &c->answer) != 0) {
		buf_reset(&c->answer);
		(void)buf_puts(&c->answer, "error: answer too large\n");
		c->wait.left = 0;
	}
	c->handling = false;
	c->waiting = c->wait.left > 0;
	if (c->waiting) {
		c->waiting = true;
		evloop_io_stop(s->loop, &c->io);
		if (evloop_timer_start(
			s->loop, &c->deadline, CTLSOCK_WAIT_MS) != 0)
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
	if (ctl_wait_answer(&c->wait, timed_out, &c->answer) != 0 ||
	    evloop_timer_start(c->s->loop, &c->deadline, CTLSOCK_TIMEOUT_MS) !=
		0) {
		client_close(c);
		return;
	}
	client_send(c);
}

void
ctlsock_event(struct ctlsock *s, const struct ar_event *ev)
{
	size_t i;

	/* from the last: a client answered and closed at once is replaced
	 * in the array by the last one, already seen */
	for (i = s != NULL ? s->nclients : 0; i-- > 0;) {
		struct client *c = s->clients[i];

		if (c->waiting && ctl_wait_event(&c->wait, ev) && !c->handling)
			client_waited(c, false);
	}
}

static void
client_read(struct client *c)
{
	char *nl;
	ssize_t n;

	n = read(c->io.fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->line[c->len] = '\0';
	if ((nl = memchr(c->line, '\n', c->len)) != NULL) {
		client_answer(c, (size_t)(nl - c->line));
		return;
	}
	if (c->len == sizeof(c->line) - 1)
		client_answer(c, c->len); /* too long: parse refuses it */
}

static void
on_client(struct evloop *loop, struct evio *io, unsigned events)
{
	struct client *c = io->ctx;

	(void)loop;
	if (c->answering)
		client_write(c);
	else if (events & (EV_READ | EV_ERROR))
		client_read(c);
}

static void
on_client_deadline(struct evloop *loop, struct evtimer *t)
{
	struct client *c = t->ctx;

	(void)loop;
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

static void
turn_away(struct ctlsock *s, int fd, const char *why)
{
	s->refused++;
	log_warn("control socket: client turned away: %s", why);
	(void)!write(fd, "error: ", 7);
	(void)!write(fd, why, strlen(why));
	(void)!write(fd, "\n", 1);
	close(fd);
}

static void
on_accept(struct evloop *loop, struct evio *io, unsigned events)
{
	struct ctlsock *s = io->ctx;
	struct client *c;
	int fd;

	(void)events;
	fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		turn_away(s, fd, "permission denied");
		return;
	}
	if (s->nclients == CTLSOCK_MAX_CLIENTS ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		turn_away(s, fd, "too many clients");
		return;
	}
	c->s = s;
	buf_init(&c->answer, 256u << 20);
	evio_init(&c->io, fd, EV_READ, on_client, c);
	evtimer_init(&c->deadline, on_client_deadline, c);
	s->clients[s->nclients++] = c;
	if (evloop_io_start(loop, &c->io) != 0 ||
	    evloop_timer_start(loop, &c->deadline, CTLSOCK_TIMEOUT_MS) != 0)
		client_close(c);
}

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
	s->loop = loop;
	s->d = d;
	s->info = info;
	s->clock = clock;
	evio_init(&s->listen, fd, EV_READ, on_accept, s);
	if ((r = evloop_io_start(loop, &s->listen)) != 0) {
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
	while (s->nclients > 0)
		client_close(s->clients[0]);
	evloop_io_stop(s->loop, &s->listen);
	close(s->listen.fd);
	(void)unlink(s->path);
	free(s->path);
	free(s);
}
