/*
 * arxd: the arx daemon. This file owns the command line, start-up, the
 * choice of where messages go (stderr with -f, else syslog after
 * detaching) and the exit codes (sysexits). It loads a configuration
 * and checks it as a start would (-t, check.c), prints its canonical
 * form (-T), or runs (run.c): the root process with active response and
 * the control socket, and its unprivileged analysis child (see
 * docs/ARCHITECTURE.md). Detaching, the command's own process stays
 * until the daemon is ready, copying its warnings and errors to stderr,
 * and exits with the daemon's verdict (notify.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "check/check.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "daemon/notify.h"
#include "daemon/run.h"

#ifndef ARX_DEFAULT_CONF
#define ARX_DEFAULT_CONF "/etc/arx/arx.conf"
#endif

struct arxd_opts {
	const char *conf_path;
	bool test, dump, foreground, read_stdin;
	int debug;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: arxd [-dfhiTtV] [-c file]\n"
	    "  -c file    configuration file (default " ARX_DEFAULT_CONF ")\n"
	    "  -d         more diagnostics (repeat for debug)\n"
	    "  -f         stay in the foreground, log to stderr (without it:\n"
	    "             detach and log to syslog, facility daemon; arxd\n"
	    "             returns 0 once the daemon is ready, or prints why\n"
	    "             it did not start and exits non-zero)\n"
	    "  -i         also read log lines from standard input\n"
	    "  -t         check the configuration as a start would (ruleset,\n"
	    "             programs, user, rule ids, log files), print every\n"
	    "             problem and exit (0 valid, 78 invalid)\n"
	    "  -T         print the effective configuration and exit\n"
	    "  -h, --help     this help\n"
	    "  -V, --version  print the version\n");
}

static int
parse_args(int argc, char **argv, struct arxd_opts *o)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	o->conf_path = ARX_DEFAULT_CONF;
	while (
	    (ch = getopt_long(argc, argv, "c:dfhiTtV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'd':
			o->debug++;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'i':
			o->read_stdin = true;
			break;
		case 'T':
			o->dump = true;
			break;
		case 't':
			o->test = true;
			break;
		case 'h':
			usage(stdout);
			exit(EX_OK);
		case 'V':
			printf("arxd %s\n", ARX_VERSION);
			exit(EX_OK);
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (o->read_stdin && !o->foreground) {
		fprintf(stderr, "arxd: -i reads standard input: it needs -f\n");
		return EX_USAGE;
	}
	return EX_OK;
}

static void
syslog_sink(void *ctx, enum log_level level, const char *msg)
{
	static const int prio[] = {[LOG_LVL_ERROR] = LOG_ERR,
	    [LOG_LVL_WARN] = LOG_WARNING,
	    [LOG_LVL_NOTICE] = LOG_NOTICE,
	    [LOG_LVL_INFO] = LOG_INFO,
	    [LOG_LVL_DEBUG] = LOG_DEBUG};

	(void)ctx;
	syslog(prio[level], "%s", msg);
}

/* The daemon's side: in a new session, standard input and output on
 * /dev/null, standard error on the start pipe (its warnings and errors
 * go there too until it is ready), messages to syslog. */
static void
detached(int wfd)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	signal(SIGPIPE, SIG_IGN); /* the first process may be gone */
	if (fd < 0 || chdir("/") != 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
	    dup2(wfd, 2) < 0) {
		log_error("cannot detach: %s", strerror(errno));
		_exit(EX_OSERR);
	}
	close(fd);
	close(wfd);
	openlog("arxd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_set_sink(syslog_sink, NULL);
	log_tee_start(2, LOG_LVL_WARN);
}

/*
 * Leave the terminal as daemon(3) would (fork, setsid, fork), keeping a
 * pipe from the daemon to this process. Returns EX_OK twice: here with
 * *wait_fd the pipe's end to wait on and *first the process forked,
 * and in the daemon with *wait_fd -1; EX_OSERR when it cannot.
 */
static int
detach(int *wait_fd, pid_t *first)
{
	int p[2];
	pid_t pid;

	*wait_fd = -1;
	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		log_error("cannot detach: %s", strerror(errno));
		return EX_OSERR;
	}
	if (pid > 0) {
		close(p[1]);
		*wait_fd = p[0];
		*first = pid;
		return EX_OK;
	}
	close(p[0]);
	if (setsid() < 0 || (pid = fork()) < 0) {
		log_error("cannot detach: %s", strerror(errno));
		_exit(EX_OSERR);
	}
	if (pid > 0) {
		notify_daemon_pid(p[1], pid);
		_exit(EX_OK);
	}
	detached(p[1]);
	return EX_OK;
}

static int
dump_conf(const struct arx_conf *conf)
{
	struct buf out;
	int r;

	buf_init(&out, 64u << 20);
	r = conf_dump(conf, &out);
	if (r == 0)
		fputs(buf_cstr(&out), stdout);
	buf_release(&out);
	if (r != 0) {
		log_error(
		    "cannot print the configuration: %s", arx_strerror(r));
		return EX_SOFTWARE;
	}
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

/* arxd -t: what a start would check, every problem reported. */
static int
test_conf(const struct arx_conf *conf)
{
	unsigned problems = arxd_check(conf);

	if (problems > 0) {
		log_error("configuration %s: %u problem%s", conf->path,
		    problems, problems == 1 ? "" : "s");
		return EX_CONFIG;
	}
	log_notice("configuration %s is valid: %zu commands, %zu responses, "
		   "%zu log sources, %zu white-list entries, %u ignored "
		   "elements",
	    conf->path, conf->ncommands, conf->nars, conf->nlocalfiles,
	    conf->global.white_list.n, conf->nignored);
	return EX_OK;
}

/* Detach (the command's process stays behind until the daemon is
 * ready) and run; a start that fails tells that process its status. */
static int
run_detached(struct arx_conf *conf, const char *conf_path)
{
	char abs[PATH_MAX];
	int rc, wait_fd;
	pid_t first = -1;

	/* The daemon works from /: a reload must still find the file. */
	if (conf_path[0] != '/' && realpath(conf_path, abs) != NULL)
		conf_path = abs;
	if ((rc = detach(&wait_fd, &first)) != EX_OK || wait_fd >= 0) {
		conf_free(conf);
		return rc != EX_OK ? rc : notify_wait(wait_fd, first);
	}
	rc = arxd_run(conf, conf_path, false);
	notify_failed(rc != EX_OK ? rc : EX_SOFTWARE); /* unless ready */
	return rc;
}

int
main(int argc, char **argv)
{
	struct arxd_opts o = {0};
	struct arx_conf *conf;
	int rc;

	log_set_tag("arxd");
	if ((rc = parse_args(argc, argv, &o)) != EX_OK)
		return rc;
	if (o.debug > 0)
		log_set_level(o.debug > 1 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	else if (o.test || o.dump)
		log_set_level(LOG_LVL_NOTICE);
	if (conf_load(o.conf_path, &conf) != 0) {
		log_error("configuration %s is invalid", o.conf_path);
		return EX_CONFIG;
	}
	if (o.dump)
		rc = dump_conf(conf);
	else if (o.test)
		rc = test_conf(conf);
	else if (o.foreground)
		return arxd_run(conf, o.conf_path, o.read_stdin);
	else
		return run_detached(conf, o.conf_path);
	conf_free(conf);
	return rc;
}
