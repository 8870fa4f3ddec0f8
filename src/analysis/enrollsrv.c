/*
 * Implementation of enrollsrv.h: one listener, a list of connections,
 * each a small state machine driven by the event loop: handshake, read
 * one frame, answer, write the answer, close. A deadline timer closes a
 * connection that dawdles. At most <max_per_source> connections from one
 * source (core/srclimit.h); when every slot is taken the oldest that is
 * not answered yet makes room, so idle connections cannot keep an agent
 * from enrolling. Refusals are logged once a second at most.
 */
#define _GNU_SOURCE /* accept4 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis/enrollsrv.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net.h"
#include "core/secretfile.h"
#include "core/srclimit.h"
#include "transport/enroll.h"
#include "transport/keys.h"
#include "transport/tls.h"
#include "transport/wire.h"

#define FRAME_IN_MAX 4096u /* an ENROLL is a few dozen bytes */

struct econn {
	struct enrollsrv *s;
	int fd;
	struct tls_conn *tls;
	struct evio io;
	struct evtimer deadline;
	struct arx_addr peer;
	char peer_text[64];
	bool shaken, answered;
	unsigned char in[FRAME_IN_MAX];
	size_t nin;
	struct buf out;
	size_t sent;
	struct econn *next;
};

struct enrollsrv {
	struct evloop *loop;
	struct evio lis;
	unsigned port, max_clients, nconns;
	struct tls_ctx *tls;
	int dirfd; /* the analysis directory (not owned) */
	char table[256];
	struct econn *conns;
	struct enrollsrv_stats st;
	struct srclimit src;
	struct log_limit refuse_log; /* once a second */
};

static void conn_step(struct econn *c);

static void
conn_close(struct econn *c)
{
	struct enrollsrv *s = c->s;
	struct econn **pp = &s->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	s->nconns--;
	srclimit_put(&s->src, &c->peer);
	evloop_io_stop(s->loop, &c->io);
	evloop_timer_stop(s->loop, &c->deadline);
	tls_conn_free(c->tls);
	close(c->fd);
	if (c->out.data != NULL)
		explicit_bzero(c->out.data, c->out.len);
	buf_release(&c->out);
	free(c);
}

/* A refusal anyone can cause: logged once a second at most, with how
 * many were not. */
static void
refusal_log(struct enrollsrv *s, const char *peer, const char *why)
{
	unsigned long held;
	char more[64] = "";

	if (!log_limit_pass(&s->refuse_log, clock_mono_ms(clock_real()), &held))
		return;
	if (held > 0)
		snprintf(more, sizeof(more), " (%lu more not logged)", held);
	log_warn("enrollment from %s refused: %s%s", peer, why, more);
}

static void
conn_refused(struct econn *c, const char *why)
{
	c->s->st.refused++;
	refusal_log(c->s, c->peer_text, why);
	conn_close(c);
}

/* Wait for what TLS wants next. */
static void
conn_wait(struct econn *c, enum tls_want want)
{
	unsigned ev = want == TLS_WANT_WRITE ? EV_WRITE : EV_READ;

	if (c->io.events != ev || !c->io.active) {
		evloop_io_stop(c->s->loop, &c->io);
		c->io.events = ev;
		(void)evloop_io_start(c->s->loop, &c->io);
	}
}

/* A token's enrollment: the token must still be there (another
 * connection may have used it meanwhile) and, when it names the agent,
 * be asked for that name. NULL, or why not. */
static const char *
token_check(
    const struct agent_keys *ks, uint64_t token, const struct wire_msg *req)
{
	const struct enroll_token *t =
	    keys_token_find(ks, token, (int64_t)time(NULL));
	const struct wire_field *f = &req->f[WT_NAME];

	if (t == NULL)
		return "the token was used or has expired";
	if (t->name[0] != '\0' &&
	    (f->len != strlen(t->name) || memcmp(f->p, t->name, f->len) != 0))
		return "the token is for another agent name";
	return NULL;
}

/* The table as it is now, plus the new agent (the token it used gone);
 * the answer into c->out (a refusal when the table cannot be read or
 * written). */
static void
conn_answer(struct econn *c, const struct wire_msg *req)
{
	uint64_t token = tls_conn_agent_id(c->tls);
	struct agent_keys ks;
	struct agent_key added;
	const char *why = "the agent table cannot be read";

	if (keys_load_at(c->s->dirfd, c->s->table, &ks) != 0 ||
	    (token != 0 && (why = token_check(&ks, token, req)) != NULL))
		(void)enroll_refusal(&c->out, why);
	else if (enroll_answer(&ks, req, &c->peer, &c->out, &added, &why) ==
	    0) {
		if (token != 0)
			keys_token_drop(&ks, token, (int64_t)time(NULL));
		if (keys_save_at(c->s->dirfd, c->s->table, &ks) != 0) {
			buf_reset(&c->out);
			why = "the agent table cannot be written";
			(void)enroll_refusal(&c->out, why);
		}
	}
	if (why == NULL) {
		c->s->st.enrolled++;
		log_notice("agent %llu '%s' enrolled from %s%s",
		    (unsigned long long)added.id, added.name, c->peer_text,
		    token != 0 ? " with a one-time token" : "");
	} else {
		c->s->st.refused++;
		refusal_log(c->s, c->peer_text, why);
	}
	explicit_bzero(&added, sizeof(added));
	keys_release(&ks);
	c->answered = true;
}

/* Read until one whole frame is in; then answer it. */
static int
conn_read(struct econn *c, enum tls_want *want)
{
	struct wire_msg m;
	const char *why;
	size_t total;
	long n;

	for (;;) {
		n = tls_conn_read(
		    c->tls, c->in + c->nin, sizeof(c->in) - c->nin, want);
		if (n <= 0)
			return n == 0 ? ARX_ERR_INVAL : (int)n;
		c->nin += (size_t)n;
		if (wire_frame_len(c->in, c->nin, &total, &why) ==
			ARX_ERR_INVAL ||
		    (c->nin >= 4 && total > sizeof(c->in)))
			return ARX_ERR_INVAL;
		if (c->nin >= 4 && c->nin >= total)
			break;
	}
	if (wire_parse(c->in, total, &m, &why) != 0)
		return ARX_ERR_INVAL;
	conn_answer(c, &m);
	return 0;
}

static int
conn_write(struct econn *c, enum tls_want *want)
{
	long n;

	while (c->sent < c->out.len) {
		n = tls_conn_write(
		    c->tls, c->out.data + c->sent, c->out.len - c->sent, want);
		if (n < 0)
			return (int)n;
		c->sent += (size_t)n;
	}
	return 0;
}

static void
conn_step(struct econn *c)
{
	enum tls_want want = TLS_WANT_READ;
	const char *why = NULL;
	int r = 0;

	if (!c->shaken && (r = tls_conn_handshake(c->tls, &want, &why)) == 0)
		c->shaken = true;
	if (r == 0 && !c->answered)
		r = conn_read(c, &want);
	if (r == 0)
		r = conn_write(c, &want);
	if (r == ARX_ERR_AGAIN) {
		conn_wait(c, want);
		return;
	}
	if (r != 0) {
		conn_refused(c, why != NULL ? why : "not an enrollment");
		return;
	}
	conn_close(c); /* answered and sent */
}

static void
on_conn(struct evloop *loop, struct evio *io, unsigned events)
{
	(void)loop, (void)events;
	conn_step(io->ctx);
}

static void
on_deadline(struct evloop *loop, struct evtimer *t)
{
	struct econn *c = t->ctx;

	(void)loop;
	c->s->st.timeouts++;
	conn_refused(c, "too slow");
}

/* Every slot is taken: the oldest connection not answered yet goes
 * (the list is newest first). False when all are being answered. */
static bool
conn_evict(struct enrollsrv *s)
{
	struct econn *old = NULL;

	for (struct econn *c = s->conns; c != NULL; c = c->next)
		if (!c->answered)
			old = c;
	if (old == NULL)
		return false;
	s->st.evicted++;
	s->st.dropped++;
	refusal_log(s, old->peer_text, "every slot taken: the oldest goes");
	conn_close(old);
	return true;
}

static void
conn_accept(struct enrollsrv *s, int fd, const struct sockaddr_storage *sa)
{
	struct econn *c;
	struct arx_addr a = {0};
	char text[64];

	(void)net_peer(sa, &a, text, sizeof(text));
	if (srclimit_take(&s->src, &a) != 0) {
		s->st.per_source++;
		s->st.dropped++;
		refusal_log(s, text, "too many connections from this source");
		close(fd);
		return;
	}
	if ((s->nconns >= s->max_clients && !conn_evict(s)) ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		srclimit_put(&s->src, &a);
		s->st.dropped++;
		close(fd);
		return;
	}
	*c = (struct econn){.s = s, .fd = fd, .peer = a};
	snprintf(c->peer_text, sizeof(c->peer_text), "%s", text);
	buf_init(&c->out, 1u << 16);
	if ((c->tls = tls_conn_new(s->tls, fd)) == NULL) {
		srclimit_put(&s->src, &a);
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	evio_init(&c->io, fd, EV_READ, on_conn, c);
	evtimer_init(&c->deadline, on_deadline, c);
	(void)evloop_io_start(s->loop, &c->io);
	(void)evloop_timer_start(s->loop, &c->deadline, ENROLLSRV_DEADLINE_MS);
}

static void
on_accept(struct evloop *loop, struct evio *io, unsigned events)
{
	struct enrollsrv *s = io->ctx;
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int fd;

	(void)loop, (void)events;
	while ((fd = accept4(io->fd, (struct sockaddr *)&sa, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conn_accept(s, fd, &sa);
		len = sizeof(sa);
	}
}

/* The enrollment key of <auth>'s password file (its first line), which
 * only root may read (core/secretfile.h). */
static int
password_read(const char *path, unsigned char key[TLS_KEY_LEN])
{
	char line[1024];
	int r =
	    secretfile_read(path, "<auth> password file", line, sizeof(line));

	if (r == 0 && tls_enroll_key(line, key) != 0)
		r = ARX_ERR_SYS;
	explicit_bzero(line, sizeof(line));
	return r;
}

/* The key of an unused, unexpired token (tls.h tls_key_fn). */
static int
token_key(uint64_t id, unsigned char key[TLS_KEY_LEN], void *ctx)
{
	struct enrollsrv *s = ctx;
	const struct enroll_token *t;
	struct agent_keys ks;
	int r = -1;

	if (keys_load_at(s->dirfd, s->table, &ks) != 0)
		return -1;
	if ((t = keys_token_find(&ks, id, (int64_t)time(NULL))) != NULL) {
		memcpy(key, t->key, TLS_KEY_LEN);
		r = 0;
	}
	keys_release(&ks);
	return r;
}

int
enrollsrv_start(struct evloop *loop, const struct conf_auth *auth, int dirfd,
    const char *table, struct enrollsrv **out)
{
	struct enrollsrv *s = calloc(1, sizeof(*s));
	unsigned char key[TLS_KEY_LEN];
	int r, fd;

	*out = NULL;
	if (s == NULL)
		return ARX_ERR_NOMEM;
	s->loop = loop;
	s->lis.fd = -1;
	s->max_clients = auth->max_clients;
	s->refuse_log = (struct log_limit)LOG_LIMIT_INIT(1, 1000);
	/* one entry more than the slots: a new source is counted before
	 * the oldest connection makes room for it */
	if ((r = srclimit_init(
		 &s->src, s->max_clients + 1, auth->max_per_source)) != 0)
		goto fail;
	s->dirfd = dirfd;
	snprintf(s->table, sizeof(s->table), "%s", table);
	if (auth->password_file != NULL &&
	    (r = password_read(auth->password_file, key)) != 0)
		goto fail;
	s->tls = tls_ctx_enroll(true, auth->password_file ? key : NULL);
	explicit_bzero(key, sizeof(key));
	r = ARX_ERR_SYS;
	if (s->tls == NULL)
		goto fail;
	tls_ctx_enroll_tokens(s->tls, token_key, s);
	if ((r = net_listen_tcp(auth->local_ip, auth->port, &fd, &s->port))) {
		log_error("<auth> %s port %u: %s",
		    auth->local_ip ? auth->local_ip : "*", auth->port,
		    r == ARX_ERR_SYS ? strerror(errno) : "not an address");
		goto fail;
	}
	evio_init(&s->lis, fd, EV_READ, on_accept, s);
	if ((r = evloop_io_start(loop, &s->lis)) != 0)
		goto fail;
	log_info("enrollment on port %u (%s)", s->port,
	    auth->password_file ? "password or one-time token"
				: "one-time tokens only");
	*out = s;
	return 0;
fail:
	enrollsrv_stop(s);
	return r;
}

void
enrollsrv_stop(struct enrollsrv *s)
{
	if (s == NULL)
		return;
	while (s->conns != NULL)
		conn_close(s->conns);
	if (s->lis.active)
		evloop_io_stop(s->loop, &s->lis);
	if (s->lis.fd >= 0)
		close(s->lis.fd);
	tls_ctx_free(s->tls);
	srclimit_release(&s->src);
	free(s);
}

void
enrollsrv_stats(const struct enrollsrv *s, struct enrollsrv_stats *st)
{
	*st = s->st;
}

unsigned
enrollsrv_port(const struct enrollsrv *s)
{
	return s->port;
}
