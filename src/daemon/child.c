/*
 * The analysis child and its supervision (child.h). The root side owns
 * the child's process id, its end of the socketpair, the receive
 * buffer, the restart timer and the child's latest counters; the child
 * side owns its own event loop, signal descriptor, analysis and send
 * buffer, and never returns: it ends with _exit().
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

#include "core/err.h"
#include "core/log.h"
#include "daemon/analysis.h"
#include "daemon/child.h"
#include "daemon/notify.h"
#include "daemon/sandbox.h"

#define START_WAIT_MS  60000 /* ruleset loading included */
#define STOP_WAIT_MS   30000
#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 60000
#define STATS_MS       1000
#define CHILD_FD       3 /* the socket's number in the child */

struct child {
	struct evloop *loop;
	const struct arx_conf *conf;
	const struct child_user *user;
	bool read_stdin;
	struct ar_dispatch *d;
	pid_t pid;
	int fd;
	struct evio io;
	struct evtimer restart;
	uint64_t backoff_ms, started_ms;
	bool ready, stopping;
	uint64_t stats[PS_NSTATS];
	struct buf agents;  /* the last PRIV_AGENTS, as received (checked) */
	unsigned char *msg; /* PRIV_MSG_MAX + 1 */
	unsigned long violations;
};

/* ---- the root side: answers, one per message type ---- */

/* Each answer returns NULL, or why the message breaks the protocol. */
static const char *
answer_ready(
    struct child *c, const struct priv_msg *m, const void *msg, size_t len)
{
	(void)m, (void)msg, (void)len;
	c->ready = true;
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
	memcpy(c->stats, m->stats, sizeof(c->stats));
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
};

int
child_answer(struct child *c, const void *msg, size_t len)
{
	struct priv_msg m;
	const char *why;
	unsigned flags;

	if (priv_parse(msg, len, &m, &why) != 0)
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
	    .alert_id = r->alert_id};
	struct buf b;
	int rc;

	if (c->fd < 0 || !c->ready)
		return ARX_ERR_STATE;
	buf_init(&b, PRIV_MSG_MAX);
	if ((rc = priv_put_response(&b, &pr)) == 0 &&
	    send(c->fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
		(ssize_t)b.len)
		rc = ARX_ERR_SYS;
	buf_release(&b);
	return rc;
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
	memset(c->stats, 0, sizeof(c->stats)); /* a new child counts anew */
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

	(void)loop, (void)events;
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

/* ---- the child side ---- */

struct kid {
	struct evloop *loop;
	struct analysis *an;
	struct evio sig, rd;
	struct evtimer tick;
	struct buf out;
	uint64_t sent[PS_NSTATS];
	int fd;
	pid_t parent;   /* the root process */
	bool root_gone; /* a send to it failed */
};

static int
kid_send(struct kid *k)
{
	ssize_t n;

	do
		n = send(k->fd, k->out.data, k->out.len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return 0;
	if (errno == EMSGSIZE)
		return ARX_ERR_TOOBIG;
	log_error(
	    "cannot reach the root process (%s): stopping", strerror(errno));
	k->root_gone = true;
	evloop_stop(k->loop);
	return ARX_ERR_SYS;
}

/* The analysis' save gate: the root process is there and has read every
 * message sent to it (a Unix socket's SIOCOUTQ counts what the peer has
 * not read yet), so every trigger of the lines read so far is in its
 * hands. A dying root process empties its queue too, after it marked the
 * connection shut (and before we are reparented): a hang-up seen after
 * an empty queue means the queue was thrown away, not read. */
static bool
kid_drained(void *ctx)
{
	struct kid *k = ctx;
	struct pollfd p = {.fd = k->fd, .events = POLLRDHUP};
	int queued = 0;

	if (k->root_gone || getppid() != k->parent ||
	    ioctl(k->fd, SIOCOUTQ, &queued) != 0 || queued != 0)
		return false;
	if (poll(&p, 1, 0) < 0 ||
	    (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0) {
		k->root_gone = true;
		return false;
	}
	return true;
}

/* A trigger too long for one message goes without its alert: the
 * program then gets the minimal alert, as in the legacy protocol. */
static void
kid_trigger(const struct priv_trigger *t, void *ctx)
{
	struct kid *k = ctx;
	struct priv_trigger shorter = *t;
	int r;

	if ((r = priv_put_trigger(&k->out, t)) == 0 &&
	    (r = kid_send(k)) != ARX_ERR_TOOBIG)
		return;
	shorter.alert_json = NULL;
	if (priv_put_trigger(&k->out, &shorter) == 0 &&
	    kid_send(k) != ARX_ERR_TOOBIG)
		return;
	log_warn(
	    "rule %u: trigger dropped, too long to send", (unsigned)t->rule_id);
}

static void
kid_stats(struct kid *k, bool force)
{
	uint64_t st[PS_NSTATS];

	analysis_stats(k->an, st);
	if (!force && memcmp(st, k->sent, sizeof(st)) == 0)
		return;
	if (priv_put_stats(&k->out, st) == 0 && kid_send(k) == 0)
		memcpy(k->sent, st, sizeof(st));
}

static void
kid_on_tick(struct evloop *loop, struct evtimer *t)
{
	struct kid *k = t->ctx;

	kid_stats(k, false);
	if (analysis_put_agents(k->an, &k->out))
		(void)kid_send(k);
	(void)evloop_timer_start(loop, t, STATS_MS);
}

static void
kid_on_signal(struct evloop *loop, struct evio *io, unsigned events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo != SIGHUP)
			evloop_stop(loop);
}

/* Give up root for good: the user's groups, then its gid and uid, and
 * check that root cannot be had back. */
static int
kid_drop(const struct child_user *u)
{
	if (!u->drop)
		return 0;
	if (sandbox_drop_caps() != 0)
		return ARX_ERR_SYS;
	if (initgroups(u->name, u->gid) != 0 ||
	    setresgid(u->gid, u->gid, u->gid) != 0 ||
	    setresuid(u->uid, u->uid, u->uid) != 0) {
		log_error(
		    "cannot become user %s: %s", u->name, strerror(errno));
		return ARX_ERR_SYS;
	}
	if (setuid(0) != -1 || setgid(0) != -1 || geteuid() == 0) {
		log_error("privileges could be regained after the drop");
		return ARX_ERR_STATE;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return ARX_ERR_SYS;
	return 0;
}

/* Die with the parent. Changing credentials clears the setting, so it
 * is made again after the drop; a parent already gone ends us here. */
static int
kid_tie(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		return ARX_ERR_STATE;
	return 0;
}

/* Agent: a response the manager asked for, to the root process. */
static void
kid_relay(const struct priv_response *r, void *ctx)
{
	struct kid *k = ctx;

	if (priv_put_response(&k->out, r) == 0)
		(void)kid_send(k);
}

/* Manager: what the root process sends the child (responses for
 * agents). The root is trusted; anything else is ignored. */
static void
kid_on_msg(struct evloop *loop, struct evio *io, unsigned events)
{
	struct kid *k = io->ctx;
	static unsigned char msg[PRIV_MSG_MAX + 1];
	struct priv_msg m;
	const char *why;
	ssize_t n;

	(void)events;
	while ((n = recv(io->fd, msg, sizeof(msg), MSG_DONTWAIT)) > 0)
		if (priv_parse(msg, (size_t)n, &m, &why) == 0 &&
		    m.type == PRIV_RESPONSE)
			analysis_response(k->an, &m.response);
	if (n == 0)
		evloop_stop(loop);
}

static int
kid_signals(struct kid *k)
{
	static const int sigs[] = {SIGTERM, SIGINT};

	signal(SIGHUP, SIG_IGN);
	return evloop_signals_start(
	    k->loop, &k->sig, sigs, 2, kid_on_signal, k);
}

/* Everything up to the first line read; privileges are gone after. */
static int
kid_start(struct kid *k, const struct arx_conf *conf,
    const struct child_user *u, bool read_stdin, pid_t parent)
{
	int big = 4 << 20, r;

	if (setsockopt(k->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) !=
	    0)
		(void)setsockopt(
		    k->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if ((k->loop = evloop_new(clock_real())) == NULL)
		return ARX_ERR_NOMEM;
	if ((r = kid_signals(k)) != 0 ||
	    (r = analysis_start(
		 conf, k->loop, kid_trigger, k, read_stdin, &k->an)) != 0 ||
	    (r = kid_drop(u)) != 0 || (r = kid_tie(parent)) != 0 ||
	    (conf->daemon.sandbox && (r = sandbox_enter()) != 0))
		return r;
	notify_release(); /* a detached start hears no more from us */
	if ((r = priv_put_ready(&k->out)) != 0 || (r = kid_send(k)) != 0)
		return r;
	analysis_set_relay(k->an, kid_relay, k);
	analysis_set_save_gate(k->an, kid_drained, k);
	analysis_begin(k->an);
	evio_init(&k->rd, k->fd, EV_READ, kid_on_msg, k);
	if ((r = evloop_io_start(k->loop, &k->rd)) != 0)
		return r;
	evtimer_init(&k->tick, kid_on_tick, k);
	return evloop_timer_start(k->loop, &k->tick, STATS_MS);
}

/* The child's whole life. Inherited descriptors other than standard
 * input, output, error and the socket are closed first. A detached
 * daemon's syslog(3) socket (openlog with LOG_NDELAY) is closed before
 * the socket takes its number: it is often CHILD_FD, and the child's
 * messages would otherwise go to the root process as a broken message
 * (which kills the child). syslog(3) connects again at the next one. */
static void __attribute__((noreturn)) kid_main(const struct arx_conf *conf,
    const struct child_user *u, bool read_stdin, int fd, pid_t parent)
{
	struct kid k = {.fd = CHILD_FD, .parent = parent};
	int rc = 1;

	closelog();
	if (fd != CHILD_FD && dup2(fd, CHILD_FD) < 0)
		_exit(1);
	(void)close_range(CHILD_FD + 1, ~0u, 0);
	if (kid_tie(parent) != 0)
		_exit(1);
	log_set_tag("arxd[analysis]");
	buf_init(&k.out, PRIV_MSG_MAX);
	if (kid_start(&k, conf, u, read_stdin, parent) == 0 &&
	    evloop_run(k.loop) == 0)
		rc = 0;
	if (k.an != NULL) {
		analysis_stop(k.an);
		k.an = NULL;
	}
	_exit(rc);
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
		kid_main(c->conf, c->user, c->read_stdin, sv[1], parent);
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
	return evloop_io_start(c->loop, &c->io);
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
	buf_init(&c->agents, PRIV_MSG_MAX);
	evtimer_init(&c->restart, on_restart, c);
	return c;
}

static void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	buf_release(&c->agents);
	free(c->msg);
	free(c);
}

int
child_start(struct evloop *loop, const struct arx_conf *conf,
    const struct child_user *u, bool read_stdin, struct ar_dispatch *d,
    struct child **out)
{
	struct child *c = child_alloc(d);
	int r;

	*out = NULL;
	if (c == NULL)
		return ARX_ERR_NOMEM;
	c->loop = loop;
	c->conf = conf;
	c->user = u;
	c->read_stdin = read_stdin;
	if ((r = child_launch(c)) != 0) {
		c->stopping = true;
		child_stop(c);
		return r;
	}
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
child_stats(const struct child *c, uint64_t st[PS_NSTATS])
{
	memcpy(st, c->stats, sizeof(c->stats));
	return c->pid > 0 && c->ready;
}

struct child *
child_new_detached(struct ar_dispatch *d)
{
	return child_alloc(d);
}

void
child_free_detached(struct child *c)
{
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
