/*
 * The daemon loop (run.h). Owns, for one run: the event loop, the
 * dispatcher, the control socket and the signal descriptor. Signals
 * arrive through a signalfd, so no handler runs at an awkward moment:
 * SIGTERM and SIGINT stop cleanly (blocks stay in place unless
 * <lift_on_stop> says otherwise, and programs still running are waited
 * for), SIGPIPE is ignored so a vanished client or program cannot kill
 * the daemon.
 */
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ar/dispatch.h"
#include "core/err.h"
#include "core/log.h"
#include "core/statefile.h"
#include "daemon/child.h"
#include "daemon/ctlsock.h"
#include "daemon/notify.h"
#include "daemon/run.h"
#include "exec/exec.h"

#define STOP_WAIT_MS    30000 /* longest wait for running programs at stop */
#define RESTORE_WAIT_MS 30000 /* longest wait at start for blocks to go back */

/* Which file a path names (0, 0: none). */
struct file_id {
	uint64_t dev, ino;
};

struct arxd {
	struct evtimer feed_timer; /* rewrites the blocklist files (<feed>) */
	struct evtimer out_timer;  /* looks for the alert files rotated */
	struct file_id outs[2];    /* alerts.log, alerts.json as last seen */
	bool outs_known;
	bool feed_dirty;
	struct arx_conf *conf; /* owned; replaced whole on reload */
	const char *conf_path;
	bool read_stdin;
	struct evloop *loop;
	struct ar_dispatch *d;
	struct ar_lists *lists; /* <blocklist> sets; kept across reloads */
	struct child *an;
	struct child_user user;
	struct ctlsock *ctl;
	struct evio sig;
	struct ctl_info info;
	bool stopping;
};

static const char *const ev_names[] = {
    [AR_EV_BLOCK] = "block",
    [AR_EV_EXTEND] = "extend",
    [AR_EV_UNBLOCK] = "unblock",
    [AR_EV_RUN] = "run",
    [AR_EV_WHITELIST] = "white-listed",
    [AR_EV_REFUSED] = "refused",
    [AR_EV_FAIL] = "failed",
    [AR_EV_DONE] = "done",
};

/* One log line per decision; failures and refusals were logged where
 * they happened. */
static void
on_event(const struct ar_event *ev, void *ctx)
{
	struct arxd *a = ctx;

	if (ev->type == AR_EV_BLOCK || ev->type == AR_EV_EXTEND ||
	    ev->type == AR_EV_UNBLOCK)
		a->feed_dirty = true;
	if (ev->type == AR_EV_DONE || ev->type == AR_EV_FAIL)
		ctlsock_event(a->ctl, ev); /* arx block/unblock waiting */
	if (ev->type == AR_EV_DONE)
		log_debug("response %s %s %s done", ev->command, ev->action,
		    ev->addr ? ev->addr : "-");
	else if (ev->type == AR_EV_BLOCK || ev->type == AR_EV_EXTEND)
		log_notice("%s %s by %s for %llus (offence %u, rule %u)",
		    ev_names[ev->type], ev->addr, ev->command,
		    (unsigned long long)ev->timeout_s, ev->offences,
		    ev->rule_id);
	else if (ev->type == AR_EV_UNBLOCK)
		log_notice("unblock %s by %s (%s)", ev->addr, ev->command,
		    ev->why ? ev->why : "");
}

static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	log_error("cannot create %s: %s", path, strerror(errno));
	return ARX_ERR_SYS;
}

static void reload(struct arxd *a);

static void
on_signal(struct evloop *loop, struct evio *io, unsigned events)
{
	struct arxd *a = io->ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(a);
			continue;
		}
		log_notice("signal %u: stopping", si.ssi_signo);
		a->stopping = true;
		evloop_stop(loop);
	}
}

static int
signals_start(struct arxd *a)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};

	signal(SIGPIPE, SIG_IGN);
	return evloop_signals_start(a->loop, &a->sig, sigs, 3, on_signal, a);
}

/* ---- <feed>: the blocklist files the analysis child serves ---- */

struct feed_rows {
	struct ar_block_view *v;
	size_t n, cap;
};

static void
feed_row(const struct ar_block_view *v, void *ctx)
{
	struct feed_rows *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct ar_block_view *nv = realloc(r->v, cap * sizeof(*nv));

		if (nv == NULL)
			return;
		r->v = nv;
		r->cap = cap;
	}
	r->v[r->n++] = *v;
}

static int
feed_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ar_block_view *)x)->addr,
	    ((const struct ar_block_view *)y)->addr);
}

/* Replace path with b's bytes, readable by the dropped group. */
static void
feed_file(const struct arxd *a, const char *path, const struct buf *b)
{
	struct statefile_opts o = {
	    .mode = 0640, .gid = a->user.gid, .set_gid = a->user.drop};

	if (statefile_replace(AT_FDCWD, path, b->data, b->len, &o) != 0)
		log_warn("cannot write %s: %s", path, strerror(errno));
}

/* <log_dir>/blocklist.txt: each address of the block table once, one a
 * line (the analysis child serves it, <feed>). */
static void
feed_write(struct arxd *a)
{
	struct feed_rows r = {0};
	struct buf txt;
	char path[4200];

	ar_dispatch_foreach(a->d, feed_row, &r);
	if (r.n > 0)
		qsort(r.v, r.n, sizeof(*r.v), feed_cmp);
	buf_init(&txt, (size_t)1 << 30);
	for (size_t i = 0; i < r.n; i++)
		if (i == 0 || strcmp(r.v[i].addr, r.v[i - 1].addr) != 0)
			(void)buf_printf(&txt, "%s\n", r.v[i].addr);
	snprintf(
	    path, sizeof(path), "%s/blocklist.txt", a->conf->daemon.log_dir);
	feed_file(a, path, &txt);
	buf_release(&txt);
	free(r.v);
}

static void
on_feed_timer(struct evloop *loop, struct evtimer *t)
{
	struct arxd *a = t->ctx;

	if (a->feed_dirty && a->d != NULL) {
		a->feed_dirty = false;
		feed_write(a);
	}
	(void)evloop_timer_start(loop, t, 1000);
}

/* A response for agents: the analysis child holds their connections. */
static void
on_remote(const struct ar_remote *r, void *ctx)
{
	struct arxd *a = ctx;

	if (a->an == NULL || child_send_response(a->an, r) != 0)
		log_warn("response %s of %s for agents dropped: %s", r->command,
		    r->addr,
		    a->an == NULL ? "no analysis child"
				  : "100,000 wait for the analysis child "
				    "(counted: responses_to_agents_dropped)");
}

/* Whether this arxd accepts agents (a secure <remote>). */
static bool
is_manager(const struct arx_conf *conf)
{
	for (size_t i = 0; i < conf->nremotes; i++)
		if (conf->remotes[i].connection == REMOTE_SECURE)
			return true;
	return false;
}

static int
dispatch_start(struct arxd *a, const struct arx_conf *conf)
{
	const struct conf_daemon *dc = &conf->daemon;
	char journal[4096], arlog[4096];
	struct ar_dispatch_opts o = {
	    .conf = conf,
	    .loop = a->loop,
	    .clock = clock_real(),
	    .journal_path = journal,
	    .arlog_path = arlog,
	    .on_event = on_event,
	    .remote = is_manager(conf) ? on_remote : NULL,
	    .ctx = a,
	};

	snprintf(journal, sizeof(journal), "%s/blocks.journal", dc->state_dir);
	snprintf(arlog, sizeof(arlog), "%s/active-responses.log", dc->log_dir);
	return ar_dispatch_new(&o, &a->d);
}

/* Run the loop until d has no program running or waiting (or ms). */
static void
drain(struct arxd *a, uint64_t ms)
{
	uint64_t until = clock_mono_ms(clock_real()) + ms;

	while (ar_dispatch_pending(a->d) > 0 &&
	    clock_mono_ms(clock_real()) < until)
		(void)evloop_run_once(a->loop, 100);
	if (ar_dispatch_pending(a->d) > 0)
		log_warn("%zu response programs still running",
		    ar_dispatch_pending(a->d));
}

/* At start, before arxd says it runs: the journal's blocks go back into
 * the kernel through their responses (a reboot or a firewall reload
 * while arxd was down took them), waited for up to RESTORE_WAIT_MS. */
static void
restore(struct arxd *a)
{
	uint64_t until = clock_mono_ms(clock_real()) + RESTORE_WAIT_MS;

	if (ar_dispatch_restore(a->d) == 0)
		return;
	while (!a->stopping && ar_dispatch_restoring(a->d) > 0 &&
	    clock_mono_ms(clock_real()) < until)
		(void)evloop_run_once(a->loop, 100);
	if (ar_dispatch_restoring(a->d) > 0)
		log_warn("%zu blocks are still going back into the kernel; "
			 "arxd runs meanwhile",
		    ar_dispatch_restoring(a->d));
}

/* A clean stop: lift if asked to, then wait for programs to end. */
static void
stop(struct arxd *a)
{
	if (a->conf->daemon.lift_on_stop)
		ar_dispatch_lift_all(a->d, "arxd stopped");
	else
		log_notice("blocks stay in place; their lifts are journaled");
	drain(a, STOP_WAIT_MS);
}

/* The analysis user's group may read <log_dir> and
 * active-responses.log (owner root), so a <localfile> on it works. */
static void
share_logs(const struct arxd *a, const struct arx_conf *conf)
{
	char path[4096];
	int fd;

	if (!a->user.drop)
		return;
	snprintf(path, sizeof(path), "%s/active-responses.log",
	    conf->daemon.log_dir);
	fd = open(
	    path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0 || fchown(fd, (uid_t)-1, a->user.gid) != 0 ||
	    chown(conf->daemon.log_dir, (uid_t)-1, a->user.gid) != 0 ||
	    chmod(conf->daemon.log_dir, 0750) != 0)
		log_warn("%s: cannot let group %u read it: %s",
		    conf->daemon.log_dir, (unsigned)a->user.gid,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
}

bool
arxd_has_analysis(const struct arx_conf *conf, bool read_stdin)
{
	return conf->nlocalfiles > 0 || conf->nremotes > 0 ||
	    (conf->auth.present && !conf->auth.disabled) ||
	    conf->feed.present || conf->nblocklists > 0 || read_stdin;
}

/* The <blocklist>s of conf: the lists kept by name keep their entries,
 * the sets of the others go. */
static int
lists_start(struct arxd *a, const struct arx_conf *conf)
{
	if (a->lists == NULL && conf->nblocklists == 0)
		return 0;
	if (a->lists == NULL && (a->lists = ar_lists_new(a->loop)) == NULL)
		return ARX_ERR_NOMEM;
	return ar_lists_configure(a->lists, conf);
}

/* The dispatcher and the analysis for conf; on failure neither runs. */
static int
parts_start(struct arxd *a, const struct arx_conf *conf)
{
	bool analysis = arxd_has_analysis(conf, a->read_stdin);

	if (make_dir(conf->daemon.state_dir, 0700) != 0 ||
	    make_dir(conf->daemon.log_dir, 0750) != 0)
		return EX_CANTCREAT;
	if (analysis && child_user_prepare(conf, &a->user) != 0)
		return EX_CONFIG;
	if (dispatch_start(a, conf) != 0)
		return EX_CONFIG;
	if (lists_start(a, conf) != 0) {
		ar_dispatch_free(a->d);
		a->d = NULL;
		return EX_OSERR;
	}
	if (!analysis) {
		log_notice("no <localfile>, <remote> or <auth>: only active "
			   "response "
			   "and the control socket run");
		return EX_OK;
	}
	share_logs(a, conf);
	if (child_start(a->loop, conf, &a->user, a->read_stdin, a->d, a->lists,
		&a->an) != 0) {
		ar_dispatch_free(a->d);
		a->d = NULL;
		return EX_CONFIG;
	}
	return EX_OK;
}

/* ---- the alert files, rotated without a reload ---- */

#define OUTPUT_CHECK_MS 2000

static void
outputs_look(const struct arxd *a, struct file_id ids[2])
{
	static const char *const names[2] = {"alerts.log", "alerts.json"};
	char path[4200];
	struct stat st;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", a->conf->daemon.log_dir,
		    names[i]);
		ids[i] = stat(path, &st) == 0
		    ? (struct file_id){(uint64_t)st.st_dev, (uint64_t)st.st_ino}
		    : (struct file_id){0, 0};
	}
}

/* An alert file renamed or removed (logrotate without a postrotate
 * reload): the analysis child, which opened it, starts again and opens
 * the new one, so alerts do not go on into the renamed file. */
static void
on_out_timer(struct evloop *loop, struct evtimer *t)
{
	struct arxd *a = t->ctx;
	struct file_id now[2];
	bool running = a->an != NULL && child_running(a->an);

	outputs_look(a, now);
	if (running && a->outs_known &&
	    memcmp(now, a->outs, sizeof(now)) != 0) {
		running = child_restart(a->an,
			      "alerts.log or alerts.json was "
			      "renamed or removed (rotated)") == 0;
		outputs_look(a, now);
	}
	/* known only from a running child's files: one that starts again
	 * after its back-off makes them, which is no rotation */
	memcpy(a->outs, now, sizeof(now));
	a->outs_known = running;
	(void)evloop_timer_start(loop, t, OUTPUT_CHECK_MS);
}

/* Read what is left, save positions, let programs end, free. */
static void
parts_stop(struct arxd *a)
{
	child_stop(a->an);
	a->an = NULL;
	a->outs_known = false;
	drain(a, STOP_WAIT_MS);
	ar_dispatch_free(a->d);
	a->d = NULL;
}

static void
cleanup(struct arxd *a)
{
	ctlsock_close(a->ctl);
	child_stop(a->an);
	ar_dispatch_free(a->d);
	if (a->sig.fd > 0)
		close(a->sig.fd);
	exec_release_abandoned(); /* programs still running at the end */
	ar_lists_free(a->lists);
	evloop_free(a->loop);
	conf_free(a->conf);
}

struct agents_out {
	struct buf *out;
	bool json, first;
	int64_t now;
	int r;
};

static const char *const agent_states[] = {
    [PRIV_AGENT_NEVER] = "never connected",
    [PRIV_AGENT_ACTIVE] = "active",
    [PRIV_AGENT_DISCONNECTED] = "disconnected",
};

static const char *const config_states[] = {
    [PRIV_CONFIG_UNKNOWN] = "unknown",
    [PRIV_CONFIG_CURRENT] = "current",
    [PRIV_CONFIG_SENT] = "sent",
    [PRIV_CONFIG_REFUSED] = "refused",
};

static void
agent_put(const struct priv_agent *ag, void *ctx)
{
	struct agents_out *o = ctx;
	int64_t ago =
	    ag->last_seen_ms ? (o->now - (int64_t)ag->last_seen_ms) / 1000 : -1;

	if (o->r != 0)
		return;
	if (o->json)
		o->r = buf_printf(o->out,
		    "%s{\"id\":%" PRIu64 ",\"name\":\"%s\",\"state\":\"%s\","
		    "\"last_seen_s\":%" PRId64 ",\"events\":%" PRIu64
		    ",\"events_per_s\":%u,\"active_blocks\":%u,"
		    "\"group\":\"%s\",\"config\":\"%s\"}",
		    o->first ? "" : ",", ag->id, ag->name,
		    agent_states[ag->state], ago, ag->events, ag->eps,
		    ag->blocks, ag->group, config_states[ag->config]);
	else {
		char seen[32] = "never";

		if (ago >= 0)
			snprintf(seen, sizeof(seen), "%" PRId64 "s ago", ago);
		o->r = buf_printf(o->out,
		    "agent %03" PRIu64 " %-20s %-16s last seen %s, %" PRIu64
		    " events, %u/s, %u active blocks, group %s config %s\n",
		    ag->id, ag->name, agent_states[ag->state], seen, ag->events,
		    ag->eps, ag->blocks, ag->group, config_states[ag->config]);
	}
	o->first = false;
}

static int
agents_put(void *ctx, bool json, struct buf *out)
{
	struct arxd *a = ctx;
	struct agents_out o = {out, json, true, clock_wall_ms(clock_real()), 0};

	if (json && (o.r = buf_puts(out, ",\"agents\":[")) != 0)
		return o.r;
	child_agents_each(a->an, agent_put, &o);
	if (o.r == 0 && json)
		o.r = buf_puts(out, "]");
	return o.r;
}

static int
lists_put(void *ctx, bool json, struct buf *out)
{
	struct arxd *a = ctx;

	return ar_lists_status(a->lists, json, out);
}

static bool
stages_read(void *ctx, struct counters *rows)
{
	struct arxd *a = ctx;

	if (a->an == NULL) {
		counters_clear(rows);
		return false;
	}
	return child_stats(a->an, rows);
}

static void
root_read(void *ctx, struct counters *rows)
{
	struct arxd *a = ctx;

	if (a->an != NULL) {
		child_root_counters(a->an, rows);
		return;
	}
	ar_dispatch_counters(a->d, rows);
	ar_lists_counters(a->lists, rows);
}

/* arx status's analysis lines: what was read, what the rules made of
 * it, what is held in memory, skipped and evicted, then the syslog
 * listeners, the manager and its agents, the agent's uplink, the feed's
 * failed TLS handshakes and the connection limits (those only when not
 * all 0). */
static const struct ctl_stage_group stat_groups[] = {
    {"reading", {"files", "lines", "bytes", "cut", "rotations", "truncations"},
	true},
    {"rules",
	{"decoded", "fired", "suppressed", "alerts_written", "alert_errors",
	    "triggers"},
	true},
    {"held", {"correlation_buckets", "sessions", "addresses_from_session"},
	true},
    {"skipped", {"too_old", "duplicate_lines", "pattern_limits"}, true},
    {"evicted",
	{"correlation_dropped", "first_seen_dropped", "sessions_dropped"},
	true},
    {"syslog",
	{"syslog_messages", "senders_denied", "tcp_refused", "framing_errors",
	    "tcp_idle_closed"},
	false},
    {"manager",
	{"agents_connected", "agents_enrolled", "enrollments_refused",
	    "agents_refused", "configs_refused"},
	false},
    {"agents",
	{"agent_events", "agent_duplicates", "agent_responses",
	    "responses_kept", "responses_expired"},
	false},
    {"cluster",
	{"db_configured", "db_up", "db_lost", "db_queued", "db_dropped",
	    "db_errors", "cluster_name_clashes", "cluster_blocks_written",
	    "cluster_blocks_read", "cluster_hellos_failed",
	    "cluster_agents_pulled", "cluster_agents_conflicts",
	    "cluster_write_errors"},
	false},
    {"uplink",
	{"uplink_connected", "uplink_server", "uplink_failovers", "uplink_sent",
	    "uplink_acked", "uplink_queued", "uplink_dropped"},
	false},
    {"feed", {"feed_tls_failed"}, false},
    {"limits", {"conn_per_source", "conn_evicted", "conn_slow"}, false},
    {"lists",
	{"blocklist_fetches", "blocklist_not_modified", "blocklist_errors",
	    "blocklist_bad_lines", "blocklist_dropped", "blocklist_sent"},
	false},
};

static void
info_set(struct arxd *a)
{
	a->info.stage_groups = stat_groups;
	a->info.ngroups = sizeof(stat_groups) / sizeof(stat_groups[0]);
	a->info.stages_read = stages_read;
	a->info.root_read = root_read;
	a->info.stages_ctx = a;
	a->info.agents_put = is_manager(a->conf) ? agents_put : NULL;
	a->info.lists_put = lists_put;
	a->info.node = a->conf->daemon.node_name;
	a->info.max_blocks = a->conf->daemon.max_blocks;
}

/* Up: the analysis child said it is ready and the control socket is
 * bound. Logged, and told to systemd and to a detached start's first
 * process (notify.h). */
static void
running(struct arxd *a, const char *what)
{
	char status[256];

	snprintf(status, sizeof(status),
	    "%s: %zu log sources, %zu responses, control socket %s", what,
	    a->conf->nlocalfiles, a->conf->nars,
	    a->conf->daemon.control_socket);
	log_notice("%s", status);
	notify_ready(status);
}

int
arxd_run(struct arx_conf *conf, const char *conf_path, bool read_stdin)
{
	struct arxd a = {
	    .conf = conf, .conf_path = conf_path, .read_stdin = read_stdin};
	int rc = EX_OK;

	a.info = (struct ctl_info){
	    .version = ARX_VERSION, .started_ms = clock_wall_ms(clock_real())};
	info_set(&a);
	if ((a.loop = evloop_new(clock_real())) == NULL) {
		conf_free(conf);
		return EX_OSERR;
	}
	if (signals_start(&a) != 0) {
		log_error("cannot set up signals: %s", strerror(errno));
		rc = EX_OSERR;
	} else if ((rc = parts_start(&a, conf)) == EX_OK) {
		restore(&a);
		if (ctlsock_open(a.loop, conf->daemon.control_socket, a.d,
			&a.info, clock_real(), &a.ctl) != 0)
			rc = EX_UNAVAILABLE;
	}
	if (rc == EX_OK) {
		evtimer_init(&a.out_timer, on_out_timer, &a);
		(void)evloop_timer_start(a.loop, &a.out_timer, 0);
	}
	if (rc == EX_OK && conf->feed.present) {
		a.feed_dirty = true;
		evtimer_init(&a.feed_timer, on_feed_timer, &a);
		(void)evloop_timer_start(a.loop, &a.feed_timer, 0);
	}
	if (rc == EX_OK) {
		running(&a, "arxd " ARX_VERSION " running");
		if (!a.stopping && evloop_run(a.loop) != 0)
			rc = EX_OSERR;
		(void)notify_send("STOPPING=1");
		child_stop(a.an);
		a.an = NULL;
		stop(&a);
	}
	cleanup(&a);
	return rc;
}

/* ---- SIGHUP: reload ---- */

struct removed {
	const struct arx_conf *nc;
	struct ar_block_view v[256];
	size_t n;
};

static void
collect_removed(const struct ar_block_view *v, void *ctx)
{
	struct removed *r = ctx;

	if (conf_command_find(r->nc, v->command) == NULL &&
	    r->n < sizeof(r->v) / sizeof(r->v[0]))
		r->v[r->n++] = *v;
}

/* Blocks of commands the new configuration no longer has are lifted
 * now, while their program is still known: nobody could lift them
 * later. */
static void
lift_removed(struct arxd *a, const struct arx_conf *nc)
{
	struct removed r = {.nc = nc};
	size_t i;

	do {
		r.n = 0;
		ar_dispatch_foreach(a->d, collect_removed, &r);
		for (i = 0; i < r.n; i++)
			(void)ar_dispatch_unblock(
			    a->d, r.v[i].command, r.v[i].addr, 0);
	} while (r.n == sizeof(r.v) / sizeof(r.v[0]));
}

/* Would nc's responses start (every bound program there)? */
static bool
responses_ok(struct arxd *a, const struct arx_conf *nc)
{
	struct ar_dispatch_opts o = {
	    .conf = nc, .loop = a->loop, .clock = clock_real()};
	struct ar_dispatch *probe;

	if (ar_dispatch_new(&o, &probe) != 0)
		return false;
	ar_dispatch_free(probe);
	return true;
}

/*
 * Load the configuration again and swap it in whole: the old analysis
 * stops (positions saved), the dispatcher is rebuilt from the journal
 * (blocks and offences are named by command, so they carry over), the
 * new analysis starts. A configuration that does not load or start is
 * refused with its errors and the running one stays.
 */
static void
reload(struct arxd *a)
{
	struct arx_conf *nc;

	log_notice("SIGHUP: reloading %s", a->conf_path);
	(void)notify_send("RELOADING=1");
	if (conf_load(a->conf_path, &nc) != 0 || !responses_ok(a, nc)) {
		log_error("reload refused: the running configuration stays");
		if (nc != NULL)
			conf_free(nc);
		notify_ready("reload refused: the running configuration stays");
		return;
	}
	lift_removed(a, nc);
	parts_stop(a);
	if (parts_start(a, nc) != EX_OK) {
		log_error("reload refused: the new configuration does not "
			  "start; the running one stays");
		/* the lists may hold nc already: back to the running one
		 * before nc is freed, whatever happens next */
		if (a->lists != NULL)
			(void)ar_lists_configure(a->lists, a->conf);
		conf_free(nc);
		if (parts_start(a, a->conf) != EX_OK) {
			log_error("the running configuration does not start "
				  "again either: stopping");
			evloop_stop(a->loop);
			return;
		}
		notify_ready("reload refused: the running configuration stays");
	} else {
		conf_free(a->conf);
		a->conf = nc;
		info_set(a);
		running(a, "configuration reloaded");
	}
	ctlsock_set_dispatch(a->ctl, a->d);
}
