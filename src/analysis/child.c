/*
 * The analysis child's life (child.h): from the fork to _exit(). It
 * owns its event loop, its signal descriptor, the analysis, the send
 * buffer to the root process and the counters last sent there. What it
 * sends is typed (transport/priv.h); what the root process sends it
 * (responses for agents) is trusted, anything else ignored.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <curl/curl.h>

#include "analysis/analysis.h"
#include "analysis/blocklist.h"
#include "analysis/child.h"
#include "analysis/sandbox.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/log.h"
#include "transport/priv.h"

#define STATS_MS 1000
#define CHILD_FD 3 /* the socket's number in the child */

struct kid {
	struct evloop *loop;
	struct analysis *an;
	struct bl_fetcher *lists; /* <blocklist> reads; NULL: none */
	struct evio sig, rd;
	struct evtimer tick;
	struct buf out;
	struct counters now, sent; /* gathered, and last sent */
	int fd;
	pid_t parent;   /* the root process */
	bool root_gone; /* a send to it failed */
};

static int
kid_send_buf(struct kid *k, const struct buf *b)
{
	ssize_t n;

	do
		n = send(k->fd, b->data, b->len, MSG_NOSIGNAL);
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

static int
kid_send(struct kid *k)
{
	return kid_send_buf(k, &k->out);
}

/* A part of a <blocklist> (analysis/blocklist.h). */
static int
kid_send_list(const struct buf *msg, void *ctx)
{
	return kid_send_buf(ctx, msg);
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
	analysis_counters(k->an, &k->now);
	if (k->lists != NULL)
		bl_fetcher_counters(k->lists, &k->now);
	if (!force && counters_same(&k->now, &k->sent))
		return;
	if (priv_put_stats(&k->out, &k->now) == 0 && kid_send(k) == 0)
		k->sent = k->now;
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
/* HOME of the user the child becomes: libraries that look there (libpq's
 * ~/.pgpass and ~/.postgresql) find that user's files, not root's, which
 * they cannot read. */
static void
kid_home(const struct child_user *u)
{
	const struct passwd *pw = getpwuid(u->uid);

	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		(void)setenv("HOME", pw->pw_dir, 1);
	else
		(void)unsetenv("HOME");
}

static int
kid_drop(const struct child_user *u)
{
	if (!u->drop)
		return 0;
	if (sandbox_drop_caps() != 0)
		return ARX_ERR_SYS;
	kid_home(u);
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

/* <cluster>: another manager's offence, for the root's history. */
static void
kid_offence(const struct priv_offence *o, void *ctx)
{
	struct kid *k = ctx;

	if (priv_put_offence(&k->out, o) == 0)
		(void)kid_send(k);
}

/* What the root process sends the child: responses for agents (a
 * manager) and its counters (<metrics>). Every message is checked as
 * the root checks the child's; anything else is ignored. */
static void
kid_on_msg(struct evloop *loop, struct evio *io, unsigned events)
{
	struct kid *k = io->ctx;
	static unsigned char msg[PRIV_MSG_MAX + 1];
	static struct priv_msg m; /* its rows are large; one thread */
	const char *why;
	ssize_t n;

	(void)events;
	while ((n = recv(io->fd, msg, sizeof(msg), MSG_DONTWAIT)) > 0) {
		if (priv_parse(msg, (size_t)n, &m, &why) != 0)
			continue;
		if (m.type == PRIV_RESPONSE)
			analysis_response(k->an, &m.response);
		else if (m.type == PRIV_ROOT_STATS)
			analysis_root_counters(k->an, &m.stats);
	}
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

/* Whether a <blocklist> is read from a URL (libcurl in the sandbox). */
static bool
kid_fetches(const struct arx_conf *conf)
{
	for (size_t i = 0; i < conf->nblocklists; i++)
		if (conf->blocklists[i].url != NULL)
			return true;
	return false;
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
	/* libcurl (and its TLS library) set up while files can be read */
	if (conf->nblocklists > 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return ARX_ERR_SYS;
	if ((r = kid_signals(k)) != 0 ||
	    (r = analysis_start(
		 conf, k->loop, kid_trigger, k, read_stdin, &k->an)) != 0 ||
	    (r = kid_drop(u)) != 0 || (r = kid_tie(parent)) != 0 ||
	    (r = analysis_cluster_check(k->an)) != 0 ||
	    (conf->daemon.sandbox &&
		(r = sandbox_enter(kid_fetches(conf))) != 0))
		return r;
	log_tee_release(); /* a detached start hears no more from us */
	/* the counters' names before READY: a status never lacks them */
	kid_stats(k, true);
	if ((r = priv_put_ready(&k->out)) != 0 || (r = kid_send(k)) != 0)
		return r;
	analysis_set_relay(k->an, kid_relay, k);
	analysis_set_offence(k->an, kid_offence, k);
	analysis_set_save_gate(k->an, kid_drained, k);
	analysis_begin(k->an);
	k->lists = bl_fetcher_new(conf, k->loop, kid_send_list, k);
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
void
analysis_child_main(const struct arx_conf *conf, const struct child_user *u,
    bool read_stdin, int fd, pid_t parent)
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
	bl_fetcher_free(k.lists);
	if (k.an != NULL) {
		analysis_stop(k.an);
		k.an = NULL;
	}
	_exit(rc);
}
