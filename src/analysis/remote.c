/*
 * Implementation of remote.h: a listener, the agent table with the time
 * it was read, one record per agent ever seen (its name and the last
 * sequence number analysed) and one per connection. A one-second timer
 * reads the table again when it changed and closes the connections of
 * agents it no longer lists as active, and those that have not said
 * HELLO within PREAUTH_MS (the connection's deadline). The listener and
 * the connections are a core/server.h server's. Before HELLO a
 * connection is anyone's: at most <max_per_source> of them from one
 * source, and when every slot is taken the oldest of them makes room for
 * a new one (an agent's connection is settled, and its source's count
 * given back); their refusals are logged once a second at most.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <malloc.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/remote.h"
#include "analysis/remote_int.h"
#include "analysis/shared.h"
#include "ar/arlog.h"
#include "core/addr.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net.h"
#include "core/server.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "transport/chan.h"
#include "transport/keys.h"
#include "transport/priv.h"

#define TABLE       "agents"
#define IDLE_MS     60000u /* three missed keepalives of 20 s */
#define ACK_EVERY   64u
#define MAX_CONNS   1024u
#define CHECK_MS    1000u
#define QUEUE_BYTES (1u << 20)
#define PREAUTH_MS  5000u /* from accept to HELLO */

/* Give the heap's free memory back to the system: glibc's, or under
 * AddressSanitizer (make check) its own allocator's. */
#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_purge_allocator(void);
#define heap_trim() __sanitizer_purge_allocator()
#else
#define heap_trim() ((void)malloc_trim(0))
#endif

/* ---- the agent table ---- */

static void
table_refresh(struct remote_srv *s)
{
	struct stat st;

	if (fstatat(s->dirfd, TABLE, &st, 0) != 0) {
		if (s->table.n > 0)
			keys_release(&s->table);
		return;
	}
	if (st.st_mtim.tv_sec == s->table_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == s->table_mtime.tv_nsec &&
	    st.st_size == s->table_size)
		return;
	keys_release(&s->table);
	if (keys_load_at(s->dirfd, TABLE, &s->table) != 0)
		log_error("cannot read the agent table");
	s->table_mtime = st.st_mtim;
	s->table_size = st.st_size;
}

static int
lookup(uint64_t id, unsigned char key[TLS_KEY_LEN], void *ctx)
{
	struct remote_srv *s = ctx;
	const struct agent_key *k;

	table_refresh(s);
	if ((k = keys_find(&s->table, id)) == NULL)
		return -1;
	memcpy(key, k->key, TLS_KEY_LEN);
	return 0;
}

/* The record of agent id (made on first sight); NULL when out of memory. */
struct seen *
rm_seen_of(struct remote_srv *s, uint64_t id)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i].id == id)
			return &s->seen[i];
	if (s->nseen == s->seen_cap) {
		size_t cap = s->seen_cap ? s->seen_cap * 2 : 16;
		struct seen *v = realloc(s->seen, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		s->seen = v;
		s->seen_cap = cap;
	}
	s->seen[s->nseen] = (struct seen){.id = id};
	return &s->seen[s->nseen++];
}

/* ---- connections ---- */

/* The connections, newest first (core/server.h). */
struct rconn *
rm_conn_first(const struct remote_srv *s)
{
	return (struct rconn *)server_first(s->srv);
}

struct rconn *
rm_conn_next(const struct rconn *c)
{
	return (struct rconn *)server_conn_next(&c->sc);
}

/* The protocol's part of a connection going (core/server.h closed):
 * its channel, if it is not gone already, and the counts. */
static void
remote_closed(struct server_conn *sc)
{
	struct rconn *c = (struct rconn *)sc;
	struct remote_srv *s = c->s;

	rm_cluster_closed(c); /* what it sent, in the database at once */
	if (c->ch != NULL)
		chan_close(c->ch);
	c->ch = NULL;
	if (c->hello && s->st.connected > 0)
		s->st.connected--;
	if (!c->hello)
		s->dropped_preauth++;
}

/* A refusal: counted, and logged once a second at most (anyone can
 * cause them), with how many were not. */
static void
refusal(struct remote_srv *s, const char *peer, const char *why)
{
	unsigned long held;
	char more[64] = "";

	s->st.refused++;
	if (!log_limit_pass(&s->refuse_log, clock_mono_ms(clock_real()), &held))
		return;
	if (held > 0)
		snprintf(more, sizeof(more), " (%lu more not logged)", held);
	log_warn("agent connection from %s refused: %s%s", peer, why, more);
}

static void
conn_end(struct rconn *c, const char *why)
{
	if (c->hello)
		log_notice("agent %llu '%s' (%s) disconnected: %s",
		    (unsigned long long)c->id, c->name, c->sc.peer_text, why);
	else
		refusal(c->s, c->sc.peer_text, why);
	server_conn_close(&c->sc);
}

void
rm_send_ack(struct rconn *c, uint64_t seq)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_ACK, 1);
	wire_set_u64(&m, WT_ACK_SEQ, seq);
	(void)chan_send(c->ch, &m);
	c->unacked = 0;
}

static void config_offer(struct rconn *c);

/* ---- agent.conf ---- */

/* Send c's agent its group's agent.conf when it runs another version
 * and this one was not sent to it yet. */
static void
config_offer(struct rconn *c)
{
	const struct agent_key *k = keys_find(&c->s->table, c->id);
	const struct shared_file *f;
	struct seen *sn = rm_seen_of(c->s, c->id);
	struct wire_msg m;

	if (k == NULL || sn == NULL ||
	    (f = shared_get(
		 c->s->groups, k->group, clock_wall_ms(clock_real()))) == NULL)
		return;
	if (strcmp(c->have, f->hash) == 0) {
		sn->config = PRIV_CONFIG_CURRENT;
		return;
	}
	if (strcmp(c->sent, f->hash) == 0)
		return;
	wire_msg_init(&m, WIRE_CONFIG, 1);
	wire_set_str(&m, WT_GROUP, k->group);
	wire_set_str(&m, WT_CONFIG_HASH, f->hash);
	wire_set_bytes(&m, WT_FILE, f->text, f->len);
	if (chan_send(c->ch, &m) != 0)
		return; /* the queue is full: again in a second */
	snprintf(c->sent, sizeof(c->sent), "%s", f->hash);
	sn->config = PRIV_CONFIG_SENT;
	log_info("agent.conf %.12s of group %s sent to agent %s", f->hash,
	    k->group, c->name);
}

static void
on_config_result(struct rconn *c, const struct wire_msg *m)
{
	const struct wire_field *h = &m->f[WT_CONFIG_HASH];
	const struct wire_field *st = &m->f[WT_STATUS];
	const struct wire_field *why = &m->f[WT_MESSAGE];
	struct seen *sn = rm_seen_of(c->s, c->id);

	if (sn == NULL)
		return;
	if (st->len == 7 && memcmp(st->p, "applied", 7) == 0) {
		snprintf(c->have, sizeof(c->have), "%.*s", (int)h->len, h->p);
		sn->config = strcmp(c->have, c->sent) == 0 ? PRIV_CONFIG_CURRENT
							   : PRIV_CONFIG_SENT;
		c->s->st.configs_applied++;
		log_notice(
		    "agent %s applied agent.conf %.12s", c->name, c->have);
		return;
	}
	sn->config = PRIV_CONFIG_REFUSED;
	c->s->st.configs_refused++;
	log_warn("agent %s refused agent.conf %.*s: %.*s", c->name,
	    h->len > 12 ? 12 : (int)h->len, h->p,
	    why->set ? (int)(why->len > 400 ? 400 : why->len) : 1,
	    why->set ? why->p : "-");
}

/* An expired response becomes an alert (rule 608): the line
 * active-responses.log would hold, analysed here. */
static void
expired_alert(struct remote_srv *s, const struct pending *p, int64_t now)
{
	struct ar_log_entry e = {.command = p->command,
	    .type = "expired",
	    .addr = p->address,
	    .rule_id = p->rule_id,
	    .alert_id = p->alert_id[0] != '\0' ? p->alert_id : NULL,
	    .timeout_s = p->timeout_s};
	char where[128];
	struct buf b;

	buf_init(&b, 1024);
	snprintf(where, sizeof(where), "(%s) arx->responses", p->agent);
	if (ar_log_format(&b, now, &e) == 0 && b.len > 0)
		s->fn(b.data, b.len - 1, where, s->ctx);
	buf_release(&b);
}

/* Responses kept whose block would be over by now: dropped, logged,
 * counted and raised as an alert, whether their agent came back or not. */
static void
pending_expire(struct remote_srv *s, int64_t now)
{
	struct pending **pp = &s->pending, *p;

	while ((p = *pp) != NULL) {
		if (p->timeout_s == 0 ||
		    now < p->made_ms + (int64_t)p->timeout_s * 1000) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		s->npending--;
		s->dirty = true;
		s->st.expired++;
		log_warn("response %s %s of %s for agent %s expired: its block "
			 "would be over (kept %llds for an agent away)",
		    p->command, p->action, p->address, p->agent,
		    (long long)((now - p->made_ms) / 1000));
		expired_alert(s, p, now);
		free(p);
	}
}

/* What is left of a kept response's block (whole seconds, rounded up):
 * it ends when it would have ended had the agent been there. */
static uint64_t
remaining_s(const struct pending *p, int64_t now)
{
	int64_t left = p->made_ms + (int64_t)p->timeout_s * 1000 - now;

	if (p->timeout_s == 0)
		return 0;
	return left <= 1000 ? 1 : (uint64_t)((left + 999) / 1000);
}

/* The responses kept for c's agent, sent now that it is back. */
static void
pending_deliver(struct rconn *c)
{
	struct remote_srv *s = c->s;
	struct pending **pp = &s->pending, *p;
	int64_t now = clock_wall_ms(clock_real());

	pending_expire(s, now);
	while ((p = *pp) != NULL) {
		if (!rm_targeted(c, p->to, p->agent)) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		s->npending--;
		s->dirty = true;
		if (rm_response_send(c, p->command, p->action, p->address,
			remaining_s(p, now), p->rule_id, p->alert_id) == 0) {
			s->st.responses++;
			log_notice("response %s %s of %s delivered to agent %s "
				   "on its return",
			    p->command, p->action, p->address, c->name);
		}
		free(p);
	}
}

static void
on_hello(struct rconn *c, const struct wire_msg *m)
{
	const struct agent_key *k =
	    keys_find(&c->s->table, chan_agent_id(c->ch));
	struct wire_msg w;
	struct seen *sn;

	if (k == NULL || m->f[WT_AGENT_ID].u != k->id) {
		conn_end(c, "HELLO does not match the key it used");
		return;
	}
	if (!k->any && !cidr_contains(&k->from_net, &c->sc.peer)) {
		conn_end(c, "not from the agent's allowed source");
		return;
	}
	c->id = k->id;
	server_conn_put_source(&c->sc); /* no longer anyone's */
	server_conn_settle(&c->sc);
	server_conn_deadline_stop(&c->sc);
	snprintf(c->name, sizeof(c->name), "%s", k->name);
	if (m->f[WT_CONFIG_HASH].set)
		snprintf(c->have, sizeof(c->have), "%.*s",
		    (int)m->f[WT_CONFIG_HASH].len, m->f[WT_CONFIG_HASH].p);
	c->hello = true;
	c->serial = ++c->s->serials;
	c->s->st.connected++;
	if ((sn = rm_seen_of(c->s, c->id)) != NULL)
		sn->last_seen_ms = clock_wall_ms(clock_real());
	log_notice("agent %llu '%s' connected from %s",
	    (unsigned long long)c->id, c->name, c->sc.peer_text);
	wire_msg_init(&w, WIRE_WELCOME, 1);
	wire_set_str(&w, WT_NAME, c->s->node);
	wire_set_u64(&w, WT_INTERVAL_S, IDLE_MS / 3000);
	(void)chan_send(c->ch, &w);
	pending_deliver(c);
	config_offer(c);
	rm_cluster_hello(c); /* its events wait for the fleet's answer */
}

static void
on_event(struct rconn *c, const struct wire_msg *m)
{
	struct seen *sn = rm_seen_of(c->s, c->id);
	const struct wire_field *loc = &m->f[WT_LOCATION];
	char where[4400];

	if (sn == NULL)
		return;
	if (m->seq <= sn->last_seq) {
		c->s->st.duplicates++;
		return;
	}
	sn->last_seq = m->seq;
	c->s->dirty = true;
	sn->events++;
	sn->last_seen_ms = clock_wall_ms(clock_real());
	/* The log's part is cut at 512 bytes so the whole location fits a
	 * trigger's field (priv.h) and a response can still follow. */
	snprintf(where, sizeof(where), "(%s) %s->%.*s", c->name,
	    c->sc.peer_text, loc->len > 512 ? 512 : (int)loc->len, loc->p);
	c->s->st.events++;
	c->s->fn(m->f[WT_LINE].p, m->f[WT_LINE].len, where, c->s->ctx);
	if (++c->unacked >= ACK_EVERY && !rm_clustered(c->s))
		rm_send_ack(c, m->seq); /* in a cluster: once written */
}

static void
on_msg(struct chan *ch, const struct wire_msg *m, void *ctx)
{
	struct rconn *c = ctx;
	struct seen *sn;

	(void)ch;
	if (!c->hello) {
		if (m->type == WIRE_HELLO)
			on_hello(c, m);
		else
			conn_end(c, "the first message is not HELLO");
		return;
	}
	if (m->type == WIRE_EVENT)
		on_event(c, m);
	else if (m->type == WIRE_KEEPALIVE && (sn = rm_seen_of(c->s, c->id))) {
		sn->last_seen_ms = clock_wall_ms(clock_real());
		rm_send_ack(c, rm_ackable(c->s, sn));
	} else if (m->type == WIRE_CONFIG_RESULT)
		on_config_result(c, m);
	else if (m->type == WIRE_BYE)
		conn_end(c, "it said goodbye");
}

static void
on_state(struct chan *ch, enum chan_state st, const char *why, void *ctx)
{
	struct rconn *c = ctx;

	(void)ch;
	if (st != CHAN_CLOSED)
		return;
	c->ch = NULL; /* the channel frees itself */
	if (c->hello)
		log_notice("agent %llu '%s' (%s) disconnected: %s",
		    (unsigned long long)c->id, c->name, c->sc.peer_text,
		    why ? why : "-");
	else
		refusal(c->s, c->sc.peer_text, why ? why : "-");
	server_conn_close(&c->sc);
}

/* Every slot is taken: the oldest connection that has not said HELLO
 * goes (the server chose it), so idle ones cannot keep an agent out. */
static void
remote_evicted(struct server_conn *sc)
{
	refusal(((struct rconn *)sc)->s, sc->peer_text,
	    "every slot taken: the oldest without HELLO goes");
}

static void
remote_refused(
    struct server *srv, int fd, const char *peer, enum server_refusal why)
{
	(void)fd;
	refusal(server_ctx(srv), peer,
	    why == SERVER_REFUSED_SOURCE
		? "too many connections from this source"
		: "every slot taken by agents");
}

/* No HELLO within PREAUTH_MS (counted by the server in timeouts). */
static void
remote_timeout(struct server_conn *sc)
{
	conn_end((struct rconn *)sc, "no HELLO within 5 s");
}

/* The channel takes the descriptor (and closes it if it cannot open). */
static int
remote_accepted(struct server_conn *sc)
{
	struct rconn *c = (struct rconn *)sc;
	struct remote_srv *s = server_ctx(sc->srv);
	struct chan_opts o = {.loop = s->loop,
	    .tls = s->tls,
	    .max_queue = QUEUE_BYTES,
	    .idle_ms = IDLE_MS,
	    .server = true,
	    .on_msg = on_msg,
	    .on_state = on_state,
	    .ctx = c};
	int r;

	c->s = s;
	o.fd = server_conn_take_fd(sc);
	if ((r = chan_open(&o, &c->ch)) != 0)
		return r;
	(void)server_conn_deadline(sc, PREAUTH_MS);
	return 0;
}

static const struct server_ops remote_ops = {
    .conn_size = sizeof(struct rconn),
    .refused = remote_refused,
    .accepted = remote_accepted, /* no io: the channel has the fd */
    .timeout = remote_timeout,
    .evicted = remote_evicted,
    .closed = remote_closed,
};

/* The memory of connections that went before HELLO is given back to the
 * system (their TLS state and buffers are freed amid what lives on,
 * which malloc would otherwise keep). */
static void
preauth_trim(struct remote_srv *s)
{
	if (s->dropped_preauth > 0)
		heap_trim();
	s->dropped_preauth = 0;
}

/* Once a second: the table again, and agents no longer in it go. */
static void
on_check(struct evloop *loop, struct evtimer *t)
{
	struct remote_srv *s = t->ctx;
	struct rconn *c, *next;

	table_refresh(s);
	preauth_trim(s);
	struct seen *sn;

	for (size_t i = 0; i < s->nseen; i++) {
		s->seen[i].eps =
		    (uint32_t)(s->seen[i].events - s->seen[i].events_mark);
		s->seen[i].events_mark = s->seen[i].events;
	}
	pending_expire(s, clock_wall_ms(clock_real()));
	if (s->dirty)
		rm_state_save(s); /* before the acks: what is acked is known */
	for (c = rm_conn_first(s); c != NULL; c = next) {
		next = rm_conn_next(c);
		if (!c->hello)
			continue;
		if (keys_find(&s->table, c->id) == NULL) {
			conn_end(c, "removed from the agent table");
			continue;
		}
		if (c->unacked > 0 && !rm_clustered(s) &&
		    (sn = rm_seen_of(s, c->id)) != NULL)
			rm_send_ack(c, sn->last_seq);
		config_offer(c);
	}
	(void)evloop_timer_start(loop, t, CHECK_MS);
}

/* Whether connection c is the target. */
bool
rm_targeted(const struct rconn *c, unsigned to, const char *agent)
{
	uint64_t id;

	if (!c->hello)
		return false;
	if (to == 3)
		return true;
	if (to == 1)
		return agent != NULL && strcmp(c->name, agent) == 0;
	return agent != NULL && str_to_uint(agent, 1, UINT32_MAX, &id) == 0 &&
	    c->id == id;
}

int
rm_response_send(struct rconn *c, const char *command, const char *action,
    const char *address, uint64_t timeout_s, unsigned rule_id,
    const char *alert_id)
{
	struct wire_msg m;
	struct seen *sn;
	struct sent *sent;
	int64_t until;

	wire_msg_init(&m, WIRE_RESPONSE, 1);
	wire_set_u64(&m, WT_RESPONSE_ID, ++c->s->next_response);
	wire_set_str(&m, WT_ACTION, action);
	wire_set_str(&m, WT_COMMAND, command);
	wire_set_str(&m, WT_ADDRESS, address);
	wire_set_u64(&m, WT_TIMEOUT_S, timeout_s);
	wire_set_u64(&m, WT_RULE_ID, rule_id);
	if (alert_id != NULL && alert_id[0] != '\0')
		wire_set_str(&m, WT_ALERT_ID, alert_id);
	if (chan_send(c->ch, &m) != 0)
		return ARX_ERR_TOOBIG;
	if (strcmp(action, "add") != 0)
		return 0;
	until = timeout_s == 0
	    ? INT64_MAX
	    : clock_wall_ms(clock_real()) + (int64_t)timeout_s * 1000;
	if ((sn = rm_seen_of(c->s, c->id)) != NULL)
		sn->until[sn->nuntil++ % SEEN_BLOCKS] = until;
	sent = &c->s->sent[c->s->nsent++ % SENT_MAX];
	snprintf(sent->addr, sizeof(sent->addr), "%s", address);
	sent->until = until;
	c->s->dirty = true;
	return 0;
}

/* Keep a response for an agent that is away (bounded, counted). */
static void
pending_add(struct remote_srv *s, unsigned to, const char *agent,
    const char *command, const char *action, const char *address,
    uint64_t timeout_s, unsigned rule_id, const char *alert_id)
{
	struct pending *p;

	if (s->npending >= MAX_PENDING || (p = calloc(1, sizeof(*p))) == NULL) {
		s->st.undelivered++;
		log_warn("response %s %s of %s for agent %s dropped: too many "
			 "waiting",
		    command, action, address, agent);
		return;
	}
	p->to = to;
	p->timeout_s = timeout_s;
	p->rule_id = rule_id;
	p->made_ms = clock_wall_ms(clock_real());
	snprintf(p->agent, sizeof(p->agent), "%s", agent);
	snprintf(p->command, sizeof(p->command), "%s", command);
	snprintf(p->action, sizeof(p->action), "%s", action);
	snprintf(p->address, sizeof(p->address), "%s", address);
	snprintf(
	    p->alert_id, sizeof(p->alert_id), "%s", alert_id ? alert_id : "");
	p->next = s->pending;
	s->pending = p;
	s->npending++;
	s->dirty = true;
	s->st.queued++;
	log_notice("response %s %s of %s for agent %s kept until it "
		   "connects",
	    command, action, address, agent);
}

/* A response for every agent (all): kept, as for a named one, for each
 * agent of the table that is not connected but was within ABSENT_MS
 * (an agent never seen, or gone for longer, is not waited for). */
static void
pending_absent(struct remote_srv *s, const char *command, const char *action,
    const char *address, uint64_t timeout_s, unsigned rule_id,
    const char *alert_id)
{
	int64_t now = clock_wall_ms(clock_real());
	const struct seen *sn;
	char id[24];
	bool here;

	for (size_t i = 0; i < s->table.n; i++) {
		const struct agent_key *k = &s->table.v[i];

		sn = NULL;
		for (size_t j = 0; j < s->nseen && sn == NULL; j++)
			if (s->seen[j].id == k->id)
				sn = &s->seen[j];
		if (k->removed || sn == NULL ||
		    now - sn->last_seen_ms > ABSENT_MS)
			continue;
		here = false;
		for (const struct rconn *c = rm_conn_first(s); c != NULL;
		     c = rm_conn_next(c))
			here |= c->hello && c->id == k->id;
		if (here)
			continue;
		snprintf(id, sizeof(id), "%" PRIu64, k->id);
		pending_add(s, 2, id, command, action, address, timeout_s,
		    rule_id, alert_id);
	}
}

unsigned
remote_response(struct remote_srv *s, const struct remote_ask *q)
{
	unsigned to = q->to, rule_id = q->rule_id, n = 0;
	const char *agent = q->agent, *command = q->command,
		   *action = q->action, *address = q->address,
		   *alert_id = q->alert_id;
	uint64_t timeout_s = q->timeout_s;

	for (struct rconn *c = rm_conn_first(s); c != NULL; c = rm_conn_next(c))
		if (rm_targeted(c, to, agent) &&
		    rm_response_send(c, command, action, address, timeout_s,
			rule_id, alert_id) == 0)
			n++;
	s->st.responses += n;
	if (s->cl != NULL && strcmp(action, "add") == 0)
		cluster_block(s->cl, to, agent, command, address, timeout_s,
		    q->offences, rule_id, alert_id);
	if (rm_clustered(s))
		return n; /* the database keeps it for the others */
	if (n == 0 && to != 3 && agent != NULL)
		pending_add(s, to, agent, command, action, address, timeout_s,
		    rule_id, alert_id);
	if (to == 3)
		pending_absent(
		    s, command, action, address, timeout_s, rule_id, alert_id);
	return n;
}

int
remote_start(struct evloop *loop, const struct conf_remote *r,
    const char *node_name, const char *shared_dir, int dirfd,
    remote_line_fn *fn, void *ctx, struct remote_srv **out)
{
	struct remote_srv *s = calloc(1, sizeof(*s));
	int fd, rc;

	*out = NULL;
	if (s == NULL)
		return ARX_ERR_NOMEM;
	*s = (struct remote_srv){.loop = loop,
	    .node = node_name,
	    .dirfd = dirfd,
	    .fn = fn,
	    .ctx = ctx,
	    .refuse_log = LOG_LIMIT_INIT(1, 1000)};
	table_refresh(s);
	if ((s->groups = shared_new(shared_dir)) == NULL ||
	    (s->tls = tls_ctx_manager(lookup, s)) == NULL) {
		remote_stop(s);
		return ARX_ERR_SYS;
	}
	if ((rc = net_listen_tcp(r->local_ip, r->port, &fd, &s->port)) != 0) {
		log_error("%s:%u: <remote> secure port %u: %s", r->where.file,
		    r->where.line, r->port,
		    rc == ARX_ERR_SYS ? strerror(errno) : "not an address");
		remote_stop(s);
		return rc;
	}
	evtimer_init(&s->check, on_check, s);
	evtimer_init(&s->flush, rm_on_flush, s);
	if ((rc = server_start(&(struct server_opts){.loop = loop,
				   .fd = fd,
				   .max_conns = MAX_CONNS,
				   .per_source = r->max_per_source,
				   .evict = true,
				   .ops = &remote_ops,
				   .ctx = s},
		 &s->srv)) != 0 ||
	    (rc = evloop_timer_start(loop, &s->check, CHECK_MS)) != 0) {
		remote_stop(s);
		return rc;
	}
	log_info("agents on port %u", s->port);
	*out = s;
	return 0;
}

void
remote_stop(struct remote_srv *s)
{
	if (s == NULL)
		return;
	if (s->dirty)
		rm_state_save(s);
	server_stop(s->srv);
	evloop_timer_stop(s->loop, &s->check);
	evloop_timer_stop(s->loop, &s->flush);
	tls_ctx_free(s->tls);
	shared_free(s->groups);
	keys_release(&s->table);
	free(s->seen);
	while (s->pending != NULL) {
		struct pending *p = s->pending;

		s->pending = p->next;
		free(p);
	}
	free(s);
}

void
remote_agents(const struct remote_srv *s,
    void (*fn)(const struct remote_agent *a, void *ctx), void *ctx)
{
	int64_t now = clock_wall_ms(clock_real());

	for (size_t i = 0; i < s->table.n; i++) {
		const struct agent_key *k = &s->table.v[i];
		struct remote_agent a = {
		    .id = k->id, .name = k->name, .group = k->group};
		const struct seen *sn = NULL;

		if (k->removed)
			continue;
		for (size_t j = 0; j < s->nseen; j++)
			if (s->seen[j].id == k->id)
				sn = &s->seen[j];
		for (const struct rconn *c = rm_conn_first(s); c != NULL;
		     c = rm_conn_next(c))
			a.connected |= c->hello && c->id == k->id;
		if (sn != NULL) {
			a.seen = true;
			a.last_seen_ms = sn->last_seen_ms;
			a.events = sn->events;
			a.eps = sn->eps;
			a.config = sn->config;
			for (unsigned b = 0; b < SEEN_BLOCKS && b < sn->nuntil;
			     b++)
				a.blocks += sn->until[b] > now;
		}
		fn(&a, ctx);
	}
}

void
remote_blocked(const struct remote_srv *s,
    void (*fn)(const char *addr, void *ctx), void *ctx)
{
	int64_t now = clock_wall_ms(clock_real());
	unsigned n = s->nsent < SENT_MAX ? s->nsent : SENT_MAX;

	for (unsigned i = 0; i < n; i++)
		if (s->sent[i].until > now)
			fn(s->sent[i].addr, ctx);
}

void
remote_stats(const struct remote_srv *s, struct remote_stats *st)
{
	struct server_stats ss;

	server_stats(s->srv, &ss);
	*st = s->st;
	st->per_source = ss.per_source;
	st->timeouts = ss.timeouts;
	st->evicted = ss.evicted;
}

unsigned
remote_port(const struct remote_srv *s)
{
	return s->port;
}

void
remote_counters(const struct remote_srv *r, struct counters *c)
{
	struct remote_stats st;

	remote_stats(r, &st);
	(void)counters_add(c, "agents_connected", st.connected);
	(void)counters_add(c, "agents_refused", st.refused);
	(void)counters_add(c, "configs_refused", st.configs_refused);
	(void)counters_add(c, "agent_events", st.events);
	(void)counters_add(c, "agent_duplicates", st.duplicates);
	(void)counters_add(c, "agent_responses", st.responses);
	(void)counters_add(c, "responses_kept", st.queued);
	(void)counters_add(c, "responses_expired", st.expired);
	server_counters(r->srv, "conn_slow", c);
}
