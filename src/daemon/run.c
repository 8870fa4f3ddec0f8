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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ar/dispatch.h"
#include "core/err.h"
#include "core/log.h"
#include "daemon/analysis.h"
#include "daemon/ctlsock.h"
#include "daemon/run.h"

#define STOP_WAIT_MS 30000 /* longest wait for running programs at stop */

struct arxd {
	const struct arx_conf *conf;
	struct evloop *loop;
	struct ar_dispatch *d;
	struct analysis *an;
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
	(void)ctx;
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

static void
on_signal(struct evloop *loop, struct evio *io, unsigned events)
{
	struct arxd *a = io->ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_notice("SIGHUP: reloading is not built yet; "
				   "configuration unchanged");
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
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return ARX_ERR_SYS;
	evio_init(&a->sig, fd, EV_READ, on_signal, a);
	return evloop_io_start(a->loop, &a->sig);
}

static int
dispatch_start(struct arxd *a)
{
	const struct conf_daemon *dc = &a->conf->daemon;
	char journal[4096], arlog[4096];
	struct ar_dispatch_opts o = {
	    .conf = a->conf,
	    .loop = a->loop,
	    .clock = clock_real(),
	    .journal_path = journal,
	    .arlog_path = arlog,
	    .on_event = on_event,
	    .ctx = a,
	};

	if (make_dir(dc->state_dir, 0700) != 0 ||
	    make_dir(dc->log_dir, 0750) != 0)
		return ARX_ERR_SYS;
	snprintf(journal, sizeof(journal), "%s/blocks.journal", dc->state_dir);
	snprintf(arlog, sizeof(arlog), "%s/active-responses.log", dc->log_dir);
	return ar_dispatch_new(&o, &a->d);
}

/* A clean stop: lift if asked to, then wait for programs to end. */
static void
stop(struct arxd *a)
{
	uint64_t until = clock_mono_ms(clock_real()) + STOP_WAIT_MS;

	if (a->conf->daemon.lift_on_stop)
		ar_dispatch_lift_all(a->d, "arxd stopped");
	else
		log_notice("blocks stay in place; their lifts are journaled");
	while (ar_dispatch_pending(a->d) > 0 &&
	    clock_mono_ms(clock_real()) < until)
		(void)evloop_run_once(a->loop, 100);
	if (ar_dispatch_pending(a->d) > 0)
		log_warn("%zu response programs still running at exit",
		    ar_dispatch_pending(a->d));
}

static void
cleanup(struct arxd *a)
{
	ctlsock_close(a->ctl);
	analysis_stop(a->an);
	ar_dispatch_free(a->d);
	if (a->sig.fd > 0)
		close(a->sig.fd);
	evloop_free(a->loop);
}

int
arxd_run(const struct arx_conf *conf)
{
	struct arxd a = {.conf = conf};
	int rc = EX_OK;

	a.info = (struct ctl_info){ARX_VERSION, conf->daemon.node_name,
	    clock_wall_ms(clock_real()), conf->daemon.max_blocks};
	if ((a.loop = evloop_new(clock_real())) == NULL)
		return EX_OSERR;
	if (signals_start(&a) != 0) {
		log_error("cannot set up signals: %s", strerror(errno));
		rc = EX_OSERR;
	} else if (dispatch_start(&a) != 0 ||
	    (conf->nlocalfiles > 0 &&
		analysis_start(conf, a.loop, a.d, &a.an) != 0)) {
		rc = EX_CONFIG;
	} else if (ctlsock_open(a.loop, conf->daemon.control_socket, a.d,
		       &a.info, clock_real(), &a.ctl) != 0) {
		rc = EX_UNAVAILABLE;
	}
	if (rc == EX_OK && conf->nlocalfiles == 0)
		log_notice("no <localfile>: only active response and the "
			   "control socket run");
	if (rc == EX_OK) {
		log_notice("arxd %s running: %zu log sources, %zu responses, "
			   "control socket %s",
		    ARX_VERSION, conf->nlocalfiles, conf->nars,
		    conf->daemon.control_socket);
		if (evloop_run(a.loop) != 0)
			rc = EX_OSERR;
		analysis_stop(a.an);
		a.an = NULL;
		stop(&a);
	}
	cleanup(&a);
	return rc;
}
