/*
 * Implementation of enrollsrv.h: connections on a core/server.h
 * listener, each a small state machine driven by the event loop:
 * handshake, read one frame, answer, write the answer (from the
 * connection's output buffer), close. The connection's deadline closes
 * one that dawdles. At most <max_per_source> connections from one
 * source; when every slot is taken the oldest that is not answered yet
 * makes room (an answered one is settled), so idle connections cannot
 * keep an agent from enrolling. Refusals are logged once a second at
 * most.
 */
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
#include "core/server.h"
#include "transport/enroll.h"
#include "transport/keys.h"
#include "transport/tls.h"
#include "transport/wire.h"

#define FRAME_IN_MAX 4096u /* an ENROLL is a few dozen bytes */

/* A connection: the frame comes into in (through TLS), the answer
 * goes from sc.out. */
struct econn {
	struct server_conn sc; /* first: the server allocates econn */
	struct enrollsrv *s;
	struct tls_conn *tls;
	bool shaken, answered;
	unsigned char in[FRAME_IN_MAX];
	size_t nin;
};

struct enrollsrv {
	struct server *srv;
	unsigned port;
	struct tls_ctx *tls;
	int dirfd; /* the analysis directory (not owned) */
	char table[256];
	unsigned long enrolled, refused; /* the rest is the server's */
	struct log_limit refuse_log;     /* once a second */
};

/* The protocol's part of a connection going (core/server.h closed):
 * TLS first, then the answer wiped (it may hold a key). */
static void
enroll_closed(struct server_conn *sc)
{
	struct econn *c = (struct econn *)sc;

	tls_conn_free(c->tls);
	if (sc->out.data != NULL)
		explicit_bzero(sc->out.data, sc->out.len);
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
	c->s->refused++;
	refusal_log(c->s, c->sc.peer_text, why);
	server_conn_close(&c->sc);
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
		(void)enroll_refusal(&c->sc.out, why);
	else if (enroll_answer(
		     &ks, req, &c->sc.peer, &c->sc.out, &added, &why) == 0) {
		if (token != 0)
			keys_token_drop(&ks, token, (int64_t)time(NULL));
		if (keys_save_at(c->s->dirfd, c->s->table, &ks) != 0) {
			buf_reset(&c->sc.out);
			why = "the agent table cannot be written";
			(void)enroll_refusal(&c->sc.out, why);
		}
	}
	if (why == NULL) {
		c->s->enrolled++;
		log_notice("agent %llu '%s' enrolled from %s%s",
		    (unsigned long long)added.id, added.name, c->sc.peer_text,
		    token != 0 ? " with a one-time token" : "");
	} else {
		c->s->refused++;
		refusal_log(c->s, c->sc.peer_text, why);
	}
	explicit_bzero(&added, sizeof(added));
	keys_release(&ks);
	c->answered = true;
	server_conn_settle(&c->sc);
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

	struct server_conn *sc = &c->sc;

	while (sc->sent < sc->out.len) {
		n = tls_conn_write(c->tls, sc->out.data + sc->sent,
		    sc->out.len - sc->sent, want);
		if (n < 0)
			return (int)n;
		sc->sent += (size_t)n;
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
		/* what TLS wants next */
		(void)server_conn_wait(
		    &c->sc, want == TLS_WANT_WRITE ? EV_WRITE : EV_READ);
		return;
	}
	if (r != 0) {
		conn_refused(c, why != NULL ? why : "not an enrollment");
		return;
	}
	server_conn_close(&c->sc); /* answered and sent */
}

static void
enroll_io(struct server_conn *sc, unsigned events)
{
	(void)events;
	conn_step((struct econn *)sc);
}

static void
enroll_timeout(struct server_conn *sc)
{
	conn_refused((struct econn *)sc, "too slow");
}

/* Every slot is taken: the oldest connection not answered yet goes
 * (the server chose it). */
static void
enroll_evicted(struct server_conn *sc)
{
	refusal_log(server_ctx(sc->srv), sc->peer_text,
	    "every slot taken: the oldest goes");
}

static void
enroll_refused(
    struct server *srv, int fd, const char *peer, enum server_refusal why)
{
	(void)fd;
	if (why == SERVER_REFUSED_SOURCE)
		refusal_log(server_ctx(srv), peer,
		    "too many connections from this source");
}

static int
enroll_accepted(struct server_conn *sc)
{
	struct econn *c = (struct econn *)sc;

	c->s = server_ctx(sc->srv);
	if ((c->tls = tls_conn_new(c->s->tls, sc->fd)) == NULL)
		return ARX_ERR_NOMEM;
	(void)server_conn_deadline(sc, ENROLLSRV_DEADLINE_MS);
	return 0;
}

static const struct server_ops enroll_ops = {
    .conn_size = sizeof(struct econn),
    .refused = enroll_refused,
    .accepted = enroll_accepted,
    .io = enroll_io,
    .timeout = enroll_timeout,
    .evicted = enroll_evicted,
    .closed = enroll_closed,
};

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
	s->refuse_log = (struct log_limit)LOG_LIMIT_INIT(1, 1000);
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
	if ((r = server_start(&(struct server_opts){.loop = loop,
				  .fd = fd,
				  .max_conns = auth->max_clients,
				  .per_source = auth->max_per_source,
				  .evict = true,
				  .out_max = 1u << 16,
				  .ops = &enroll_ops,
				  .ctx = s},
		 &s->srv)) != 0)
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
	server_stop(s->srv);
	tls_ctx_free(s->tls);
	free(s);
}

void
enrollsrv_stats(const struct enrollsrv *s, struct enrollsrv_stats *st)
{
	struct server_stats ss;

	server_stats(s->srv, &ss);
	*st = (struct enrollsrv_stats){.enrolled = s->enrolled,
	    .refused = s->refused,
	    .dropped = ss.per_source + ss.full + ss.evicted,
	    .per_source = ss.per_source,
	    .evicted = ss.evicted,
	    .timeouts = ss.timeouts};
}

unsigned
enrollsrv_port(const struct enrollsrv *s)
{
	return s->port;
}

void
enrollsrv_counters(const struct enrollsrv *e, struct counters *c)
{
	struct enrollsrv_stats st;

	enrollsrv_stats(e, &st);
	(void)counters_add(c, "agents_enrolled", st.enrolled);
	(void)counters_add(c, "enrollments_refused", st.refused + st.dropped);
	server_counters(e->srv, "conn_slow", c);
}
