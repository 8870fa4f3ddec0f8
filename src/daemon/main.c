/*
 * arxd: the arx daemon. This file owns the command line, start-up and the
 * exit codes (sysexits). It loads and checks a configuration (-t), prints
 * its canonical form (-T), or runs (run.c): today active response and its
 * control socket; log collection and analysis join with the daemon issue
 * (see docs/ARCHITECTURE.md).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

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
	    "  -f         stay in the foreground, log to stderr\n"
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
	else {
		rc = arxd_run(conf, o.conf_path, o.read_stdin);
		conf = NULL;
	}
	conf_free(conf);
	return rc;
}
