/*
 * The root process's supervision of the analysis child (child.h). It
 * owns the child's process id, its end of the socketpair, the receive
 * buffer, the restart timer and the child's latest counters. The
 * child's own life is analysis_child_main() (analysis/child.h), the one
 * function of the unprivileged side this process calls, and only in the
 * forked process.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "analysis/child.h"
#include "core/err.h"
#include "core/log.h"
#include "daemon/child.h"

#define START_WAIT_MS  60000 /* ruleset loading included */
#define STOP_WAIT_MS   30000
#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 60000
#define ROOT_STATS_MS  1000    /* the root's counters to the child */
#define OUT_MAX        100000u /* responses waiting for the child */

/* A response for agents the child could not take yet (its socket full,
 * or it is starting again): sent in order once it can. */
struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char data[];
};

struct child {
	struct evloop *loop;
	const struct arx_conf *conf;
	const struct child_user *user;
	bool read_stdin;
	struct ar_dispatch *d;
	struct ar_lists *lists; /* <blocklist>s; NULL: none taken */
	pid_t pid;
	int fd;
	struct evio io;
	struct evtimer restart;
	uint64_t backoff_ms, started_ms;
	bool ready, stopping;
	struct counters stats; /* the last PRIV_STATS */
	struct buf agents;     /* the last PRIV_AGENTS, as received (checked) */
	unsigned char *msg;    /* PRIV_MSG_MAX + 1 */
	unsigned long violations, died;
	/* <metrics>: the root's counters, gathered and last sent to the
	 * child once a second when they changed */
	struct counters root_now, root_sent;
	struct evtimer root_tick;
	struct log_limit offence_log; /* another manager's unknown command */
	struct out_msg *out_head, *out_tail; /* responses waiting */
	size_t nout;
	unsigned long out_dropped; /* refused at OUT_MAX */
};

/* ---- the root side: answers, one per message type ---- */

/* Each answer returns NULL, or why the message breaks the protocol. */
static void out_flush(struct child *c);

static const char *
answer_ready(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	(void)m, (void)msg, (void)len;
	c->ready = true;
	out_flush(c); /* responses that waited for a child */
	return NULL;
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The child's word is taken only for which rule fired; which responses
 * run, on which address and whether it is white-listed is decided here
 * from the root side's configuration. */
static const char *
answer_trigger(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	const struct priv_trigger *p = &m->trigger;
	struct ar_trigger t = {
	    .rule = {p->rule_id, p->level, p->options, p->groups},
	    .srcip = nonempty(p->srcip),
	    .user = nonempty(p->user),
	    .location = p->location,
	    .alert_id = nonempty(p->alert_id),
	    .alert_json = nonempty(p->alert_json)};

	(void)msg, (void)len;
	(void)ar_dispatch_trigger(c->d, &t);
	return NULL;
}

static const char *
answer_stats(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	(void)msg, (void)len;
	c->stats = m->stats;
	return NULL;
}

/* A manager's child: its agents, kept as received for arx status. */
static const char *
answer_agents(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	(void)m;
	buf_reset(&c->agents);
	(void)buf_append(&c->agents, msg, len);
	return NULL;
}

/* A part of a <blocklist> the child fetched and parsed: each entry is
 * parsed again and checked by the lists (ar/blocklist.h). */
struct bl_part {
	struct ar_lists *lists;
	size_t idx;
	const char *why;
};

static void
bl_entry(const char *entry, void *ctx)
{
	struct bl_part *p = ctx;

	if (p->why == NULL)
		p->why = ar_lists_entry(p->lists, p->idx, entry);
}

static const char *
answer_blocklist(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	const struct priv_blocklist *h = &m->blocklist;
	struct bl_part p = {c->lists, h->list, NULL};

	if (c->lists == NULL)
		return "a blocklist, and none is configured";
	p.why = ar_lists_begin(
	    c->lists, h->list, h->name, (h->flags & PRIV_BL_FIRST) != 0);
	if (p.why == NULL)
		priv_blocklist_each(msg, len, bl_entry, &p);
	if (p.why == NULL)
		p.why = ar_lists_end(
		    c->lists, h->list, (h->flags & PRIV_BL_LAST) != 0);
	return p.why;
}

/* An agent's child relays what its manager asked for. Only an agent
 * (<client>) takes such requests, and only as a configured command on a
 * parsed address, through the dispatcher's white list and table; a
 * manager's or a lone host's child sending one is a violation. */
static const char *
answer_response(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	const struct priv_response *r = &m->response;
	const char *why = NULL;
	struct arx_addr a;
	int rc;

	(void)msg, (void)len;
	if (c->conf == NULL || !c->conf->client.present ||
	    r->target != PRIV_HERE)
		return "a response request, and this host is not an agent";
	if (addr_parse_str(r->address, &a) != 0) /* a network: arx block's */
		return "a response request for something else than an address";
	if (strcmp(r->action, "add") == 0)
		rc = ar_dispatch_block(c->d, r->command, r->address,
		    r->timeout_s, AR_ORIGIN_MANAGER, &why); /* it counted */
	else /* only what the manager placed: arx block's stay */
		rc = ar_dispatch_unblock(
		    c->d, r->command, r->address, AR_ORIGIN_MANAGER);
	if (rc < 0)
		log_warn("manager's %s of %s by %s (rule %u) not done: %s",
		    r->action, r->address, r->command, (unsigned)r->rule_id,
		    why ? why : arx_strerror(rc));
	else
		log_notice("manager's %s of %s by %s (rule %u) done", r->action,
		    r->address, r->command, (unsigned)r->rule_id);
	return NULL;
}

/* Another manager's offence, read by a <cluster> manager's child from
 * the shared database: counted in this host's history (the dispatcher
 * parses the address and finds the command again). From any other
 * child it is a violation. */
static const char *
answer_offence(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	const struct priv_offence *o = &m->offence;
	unsigned long held;
	int rc;

	(void)msg, (void)len;
	if (c->conf == NULL || !conf_cluster_on(c->conf))
		return "an offence, and this manager is in no cluster";
	rc = ar_dispatch_offence(c->d, o->command, o->address, o->count,
	    o->last_ms > INT64_MAX ? INT64_MAX : (int64_t)o->last_ms);
	if (rc == ARX_ERR_INVAL)
		return "an offence for something else than an address";
	if (rc == ARX_ERR_NOTFOUND &&
	    log_limit_pass(&c->offence_log, clock_mono_ms(clock_real()), &held))
		log_info("another manager's offence of %s by %s: no such "
			 "command here (once a minute at most)",
		    o->address, o->command);
	return NULL;
}

#define ANS_ONCE        0x1u /* at most once per child */
#define ANS_AFTER_READY 0x2u /* only once the child said it is ready */

static const struct {
	const char *(*fn)(struct child *c, const struct priv_msg *m,
	    const void *msg, size_t len);
	unsigned flags;
} answers[PRIV_NTYPES] = {
    [PRIV_READY] = {answer_ready, ANS_ONCE},
    [PRIV_TRIGGER] = {answer_trigger, ANS_AFTER_READY},
    [PRIV_STATS] = {answer_stats, 0},
    [PRIV_RESPONSE] = {answer_response, ANS_AFTER_READY},
    [PRIV_AGENTS] = {answer_agents, ANS_AFTER_READY},
    [PRIV_BLOCKLIST] = {answer_blocklist, ANS_AFTER_READY},
    [PRIV_OFFENCE] = {answer_offence, ANS_AFTER_READY},
};

int
child_answer(struct child *c, const void *msg, size_t len)
{
	struct priv_msg m;
	const char *why;
	unsigned flags;

	if (priv_parse(msg, len, &m, &why) != 0)
		goto violation;
	why = "a message only the root process sends";
	if (answers[m.type].fn == NULL)
		goto violation;
	flags = answers[m.type].flags;
	why = "ready twice";
	if ((flags & ANS_ONCE) && c->ready)
		goto violation;
	why = m.type == PRIV_TRIGGER ? "trigger before ready"
				     : "message before ready";
	if ((flags & ANS_AFTER_READY) && !c->ready)
		goto violation;
	if ((why = answers[m.type].fn(c, &m, msg, len)) != NULL)
		goto violation;
	return 0;
violation:
	c->violations++;
	log_error(
	    "analysis child broke the protocol (%s, %zu bytes)", why, len);
	return ARX_ERR_INVAL;
}

void
child_agents_each(const struct child *c,
    void (*fn)(const struct priv_agent *a, void *ctx), void *ctx)
{
	if (c != NULL && c->agents.len > 0)
		priv_agents_each(c->agents.data, c->agents.len, fn, ctx);
}

/* Read always; write too while responses wait. */
static void
out_interest(struct child *c)
{
	unsigned ev = c->out_head != NULL ? EV_READ | EV_WRITE : EV_READ;

	if (c->fd < 0 || !c->io.active || c->io.events == ev)
		return; /* child_launch starts it, then flushes */
	evloop_io_stop(c->loop, &c->io);
	c->io.events = ev;
	(void)evloop_io_start(c->loop, &c->io);
}

/* Send what waits, in order, as far as the socket takes it. */
static void
out_flush(struct child *c)
{
	struct out_msg *m;

	while ((m = c->out_head) != NULL && c->fd >= 0 && c->ready) {
		if (send(c->fd, m->data, m->len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
		    (ssize_t)m->len)
			break; /* full: EV_WRITE says when; gone: reaped */
		c->out_head = m->next;
		if (c->out_head == NULL)
			c->out_tail = NULL;
		c->nout--;
		free(m);
	}
	out_interest(c);
}

static int
out_push(struct child *c, const struct buf *b)
{
	struct out_msg *m;

	if (c->nout >= OUT_MAX || (m = malloc(sizeof(*m) + b->len)) == NULL) {
		c->out_dropped++;
		return ARX_ERR_TOOBIG;
	}
	m->next = NULL;
	m->len = b->len;
	memcpy(m->data, b->data, b->len);
	if (c->out_tail != NULL)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->nout++;
	return 0;
}

/* Sent at once when nothing waits and the child takes it; else queued
 * (at most OUT_MAX, in order) until its socket has room or a new child
 * is ready: a burst of decisions is never dropped by a busy child. */
int
child_send_response(struct child *c, const struct ar_remote *r)
{
	static const uint32_t targets[] = {[AR_TO_AGENT_NAME] = PRIV_AGENT_NAME,
	    [AR_TO_AGENT_ID] = PRIV_AGENT_ID,
	    [AR_TO_ALL] = PRIV_ALL_AGENTS};
	struct priv_response pr = {.target = targets[r->to],
	    .agent = r->agent,
	    .command = r->command,
	    .action = "add",
	    .address = r->addr,
	    .timeout_s = r->timeout_s,
	    .rule_id = r->rule_id,
	    .alert_id = r->alert_id,
	    .offences = r->offences};
	struct buf b;
	int rc;

	buf_init(&b, PRIV_MSG_MAX);
	if ((rc = priv_put_response(&b, &pr)) == 0 &&
	    (c->out_head != NULL || c->fd < 0 || !c->ready ||
		send(c->fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
		    (ssize_t)b.len)) {
		rc = out_push(c, &b);
		out_interest(c);
	}
	buf_release(&b);
	return rc;
}

void
child_root_counters(const struct child *c, struct counters *rows)
{
	ar_dispatch_counters(c->d, rows);
	ar_lists_counters(c->lists, rows);
	(void)counters_add(rows, "responses_to_agents_waiting", c->nout);
	(void)counters_add(rows, "responses_to_agents_dropped", c->out_dropped);
	(void)counters_add(rows, "analysis_died", c->died);
	(void)counters_add(rows, "analysis_violations", c->violations);
}

/* <metrics>: the root's counters to the child when they changed; one
 * that cannot be sent now (its queue full) goes at the next tick. */
static void
on_root_tick(struct evloop *loop, struct evtimer *t)
{
	struct child *c = t->ctx;
	struct buf b;

	counters_clear(&c->root_now);
	child_root_counters(c, &c->root_now);
	if (c->fd >= 0 && c->ready &&
	    !counters_same(&c->root_now, &c->root_sent)) {
		buf_init(&b, PRIV_MSG_MAX);
		if (priv_put_root_stats(&b, &c->root_now) == 0 &&
		    send(c->fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) ==
			(ssize_t)b.len)
			c->root_sent = c->root_now;
		buf_release(&b);
	}
	(void)evloop_timer_start(loop, t, ROOT_STATS_MS);
}

/* ---- the root side: the process ---- */

static void child_spawn_later(struct child *c);

/* The child is gone (EOF on its socket, or killed): reap it, and start
 * it again unless we are stopping it. */
static void
child_reap(struct child *c)
{
	int st = 0;

	evloop_io_stop(c->loop, &c->io);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->pid > 0 && waitpid(c->pid, &st, 0) == c->pid) {
		if (WIFSIGNALED(st))
			log_error("analysis child %d killed by signal %d",
			    (int)c->pid, WTERMSIG(st));
		else if (WEXITSTATUS(st) != 0 || !c->stopping)
			log_error("analysis child %d exited with status %d",
			    (int)c->pid, WEXITSTATUS(st));
	}
	c->pid = -1;
	c->died += !c->stopping;
	counters_clear(&c->root_sent); /* the next child hears them anew */
	for (size_t i = 0; i < c->stats.n; i++)
		c->stats.row[i].value = 0; /* a new child counts anew */
	if (!c->stopping && c->ready)
		child_spawn_later(c);
}

/* Read every message waiting; false when the child is gone. */
static bool
child_read(struct child *c)
{
	ssize_t n;

	for (;;) {
		n = recv(
		    c->fd, c->msg, PRIV_MSG_MAX + 1, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		if (child_answer(c, c->msg, (size_t)n) != 0) {
			(void)kill(c->pid, SIGKILL);
			return false;
		}
	}
}

static void
on_child_msg(struct evloop *loop, struct evio *io, unsigned events)
{
	struct child *c = io->ctx;

	(void)loop;
	if (events & EV_WRITE)
		out_flush(c);
	if (!child_read(c))
		child_reap(c);
}

/* Handle messages until pred holds or the child is gone or ms pass. */
static void
child_wait(struct child *c, bool until_ready, uint64_t ms)
{
	uint64_t end = clock_mono_ms(clock_real()) + ms;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int64_t left;

	while (c->fd >= 0 && !(until_ready && c->ready)) {
		left = (int64_t)(end - clock_mono_ms(clock_real()));
		if (left <= 0)
			break;
		p.fd = c->fd;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (!child_read(c)) {
			child_reap(c);
			return;
		}
	}
}

/* ---- the root side: starting and stopping ---- */

static int
child_fork(struct child *c)
{
	int sv[2];
	pid_t parent = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return ARX_ERR_SYS;
	c->ready = false;
	if ((c->pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return ARX_ERR_SYS;
	}
	if (c->pid == 0)
		analysis_child_main(
		    c->conf, c->user, c->read_stdin, sv[1], parent);
	close(sv[1]);
	c->fd = sv[0];
	c->started_ms = clock_mono_ms(clock_real());
	evio_init(&c->io, c->fd, EV_READ, on_child_msg, c);
	return 0;
}

/* Fork and wait for the child's word that it is ready. */
static int
child_launch(struct child *c)
{
	int r;

	if ((r = child_fork(c)) != 0) {
		log_error(
		    "cannot start the analysis child: %s", strerror(errno));
		return r;
	}
	child_wait(c, true, START_WAIT_MS);
	if (!c->ready) {
		if (c->pid > 0) {
			(void)kill(c->pid, SIGKILL);
			child_reap(c);
		}
		log_error("the analysis child did not start");
		return ARX_ERR_STATE;
	}
	log_info("analysis child %d running as %s", (int)c->pid,
	    c->user->drop ? c->user->name : "this user");
	if (evloop_io_start(c->loop, &c->io) != 0)
		return ARX_ERR_SYS;
	out_flush(c); /* what waited for a child, now that it reads */
	return 0;
}

static void
on_restart(struct evloop *loop, struct evtimer *t)
{
	struct child *c = t->ctx;

	(void)loop;
	if (child_launch(c) != 0)
		child_spawn_later(c);
	else
		log_notice("analysis child started again");
}

static void
child_spawn_later(struct child *c)
{
	uint64_t ran = clock_mono_ms(clock_real()) - c->started_ms;

	if (ran > RESTART_MAX_MS)
		c->backoff_ms = 0;
	c->backoff_ms = c->backoff_ms == 0 ? RESTART_MIN_MS : c->backoff_ms * 2;
	if (c->backoff_ms > RESTART_MAX_MS)
		c->backoff_ms = RESTART_MAX_MS;
	log_warn("starting the analysis child again in %llu ms",
	    (unsigned long long)c->backoff_ms);
	(void)evloop_timer_start(c->loop, &c->restart, c->backoff_ms);
}

static struct child *
child_alloc(struct ar_dispatch *d)
{
	struct child *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->msg = malloc(PRIV_MSG_MAX + 1)) == NULL) {
		free(c);
		return NULL;
	}
	c->d = d;
	c->fd = -1;
	c->pid = -1;
	c->offence_log = (struct log_limit)LOG_LIMIT_INIT(1, 60000);
	buf_init(&c->agents, PRIV_MSG_MAX);
	evtimer_init(&c->restart, on_restart, c);
	evtimer_init(&c->root_tick, on_root_tick, c);
	return c;
}

static void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	buf_release(&c->agents);
	while (c->out_head != NULL) {
		struct out_msg *m = c->out_head;

		c->out_head = m->next;
		free(m);
	}
	free(c->msg);
	free(c);
}

int
child_start(struct evloop *loop, const struct arx_conf *conf,
    const struct child_user *u, bool read_stdin, struct ar_dispatch *d,
    struct ar_lists *lists, struct child **out)
{
	struct child *c = child_alloc(d);
	int r;

	*out = NULL;
	if (c == NULL)
		return ARX_ERR_NOMEM;
	c->lists = lists;
	c->loop = loop;
	c->conf = conf;
	c->user = u;
	c->read_stdin = read_stdin;
	if ((r = child_launch(c)) != 0) {
		c->stopping = true;
		child_stop(c);
		return r;
	}
	if (conf->metrics.present && conf->metrics.enabled)
		(void)evloop_timer_start(loop, &c->root_tick, 0);
	*out = c;
	return 0;
}

void
child_stop(struct child *c)
{
	if (c == NULL)
		return;
	c->stopping = true;
	evloop_timer_stop(c->loop, &c->restart);
	evloop_timer_stop(c->loop, &c->root_tick);
	if (c->pid > 0) {
		(void)kill(c->pid, SIGTERM);
		child_wait(c, false, STOP_WAIT_MS);
	}
	if (c->pid > 0) {
		log_error(
		    "analysis child %d did not stop: killing it", (int)c->pid);
		(void)kill(c->pid, SIGKILL);
		child_reap(c);
	}
	child_free(c);
}

int
child_restart(struct child *c, const char *why)
{
	if (c == NULL || c->pid <= 0)
		return 0; /* not running: a start is on its way anyway */
	log_notice(
	    "starting the analysis child %d again: %s", (int)c->pid, why);
	c->stopping = true;
	(void)kill(c->pid, SIGTERM);
	child_wait(c, false, STOP_WAIT_MS);
	if (c->pid > 0) {
		(void)kill(c->pid, SIGKILL);
		child_reap(c);
	}
	c->stopping = false;
	c->ready = false;
	if (child_launch(c) != 0) {
		child_spawn_later(c);
		return ARX_ERR_STATE;
	}
	return 0;
}

bool
child_running(const struct child *c)
{
	return c->pid > 0 && c->ready;
}

bool
child_stats(const struct child *c, struct counters *st)
{
	*st = c->stats;
	return child_running(c);
}

struct child *
child_new_detached(struct ar_dispatch *d)
{
	return child_alloc(d);
}

void
child_detached_socket(struct child *c, struct evloop *loop, int fd)
{
	c->loop = loop;
	c->fd = fd;
	evio_init(&c->io, fd, EV_READ, on_child_msg, c);
	(void)evloop_io_start(loop, &c->io);
}

void
child_free_detached(struct child *c)
{
	if (c->fd >= 0) {
		evloop_io_stop(c->loop, &c->io);
		close(c->fd);
	}
	child_free(c);
}

/* ---- the user and its directory ---- */

/* <state_dir>/analysis, owned by the child's user, mode 0700; a
 * symbolic link there is refused. */
static int
child_dir(const struct arx_conf *conf, const struct child_user *u)
{
	char path[4096];
	int fd, r = 0;

	snprintf(
	    path, sizeof(path), "%s/" ANALYSIS_DIR, conf->daemon.state_dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		goto fail;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
	    0)
		goto fail;
	if (u->drop &&
	    (fchown(fd, u->uid, u->gid) != 0 || fchmod(fd, 0700) != 0))
		r = ARX_ERR_SYS;
	close(fd);
	if (r == 0)
		return 0;
fail:
	log_error("cannot prepare %s: %s", path, strerror(errno));
	return ARX_ERR_SYS;
}

/* "file:line: " of <user>, or "file: " when it is the default. */
static void
user_where(const struct arx_conf *conf, char *out, size_t size)
{
	const struct conf_where *w = &conf->daemon.user_where;

	if (w->file != NULL)
		snprintf(out, size, "%s:%u: ", w->file, w->line);
	else
		snprintf(out, size, "%s: ", conf->path);
}

int
child_user_lookup(const struct arx_conf *conf, struct child_user *u)
{
	const struct passwd *pw;
	char where[4200];

	memset(u, 0, sizeof(*u));
	u->name = conf->daemon.user;
	u->uid = geteuid();
	u->gid = getegid();
	if (geteuid() != 0)
		return 0;
	user_where(conf, where, sizeof(where));
	errno = 0;
	if ((pw = getpwnam(u->name)) == NULL) {
		log_error("%suser '%s' (<daemon><user>) does not exist: "
			  "create it (useradd --system --no-create-home "
			  "--shell /usr/sbin/nologin %s) or name another",
		    where, u->name, u->name);
		return ARX_ERR_NOTFOUND;
	}
	if (pw->pw_uid == 0) {
		log_error("%suser '%s' is root: the analysis must not run as "
			  "root",
		    where, u->name);
		return ARX_ERR_INVAL;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->drop = true;
	return 0;
}

int
child_user_prepare(const struct arx_conf *conf, struct child_user *u)
{
	int r = child_user_lookup(conf, u);

	return r != 0 ? r : child_dir(conf, u);
}
