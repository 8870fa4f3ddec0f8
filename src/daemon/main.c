/*
 * arxd: the arx daemon. This file owns the command line, start-up, the
 * choice of where messages go (stderr with -f, else syslog after
 * detaching) and the exit codes (sysexits). It loads and checks a
 * configuration (-t), prints its canonical form (-T), or runs (run.c):
 * the root process with active response and the control socket, and its
 * unprivileged analysis child (see docs/ARCHITECTURE.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "config/conf.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
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
	    "             detach and log to syslog, facility daemon)\n"
	    "  -i         also read log lines from standard input\n"
	    "  -t         test the configuration and exit (0 valid, 78 "
	    "invalid)\n"
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

/* Leave the terminal: a child in a new session, standard streams on
 * /dev/null, messages to syslog. The parent exits 0. */
static int
detach(void)
{
	int fd;

	openlog("arxd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (daemon(0, 1) != 0) {
		log_error("cannot detach: %s", strerror(errno));
		return EX_OSERR;
	}
	log_set_sink(syslog_sink, NULL);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
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

static void
report_conf(const struct arx_conf *conf)
{
	log_notice("configuration %s is valid: %zu commands, %zu responses, "
		   "%zu log sources, %zu white-list entries, %u ignored "
		   "elements",
	    conf->path, conf->ncommands, conf->nars, conf->nlocalfiles,
	    conf->global.white_list.n, conf->nignored);
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
		report_conf(conf);
	else if (o.foreground || (rc = detach()) == EX_OK) {
		rc = arxd_run(conf, o.conf_path, o.read_stdin);
		conf = NULL;
	}
	conf_free(conf);
	return rc;
}
