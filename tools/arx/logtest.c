/*
 * arx logtest: run log lines from standard input through the engine and
 * show what it makes of them, as wazuh-logtest does: phase 1 (pre-decoding)
 * and phase 2 (decoding) in text, or with --json one JSON object per line
 * in the shape of Wazuh's alerts.json. An empty line starts a new session.
 * The ruleset comes from a configuration file (-c) or from directories in
 * Wazuh's layout (--ruleset DIR, repeatable).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "alert/event_json.h"
#include "arx.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/log.h"
#include "engine/decoder.h"
#include "engine/ruleset.h"

#define MAX_RULESET_DIRS 16

struct logtest {
	const char *conf_path;
	const char *dirs[MAX_RULESET_DIRS];
	size_t ndirs;
	bool json;
	struct ruleset *rs;
	struct pattern_scratch scratch;
	struct event ev;
	struct buf out;
	unsigned long lines, decoded;
};

static void
logtest_usage(FILE *f)
{
	fprintf(f,
	    "usage: arx logtest [-jh] [-c file] [--ruleset dir]...\n"
	    "  -c file         take the ruleset from this configuration "
	    "(default " ARX_DEFAULT_CONF ")\n"
	    "  --ruleset dir   load dir/decoders (Wazuh's layout); "
	    "repeatable\n"
	    "  -j, --json      one JSON object per input line\n"
	    "Reads log lines on standard input; an empty line starts a "
	    "new session.\n");
}

static int
logtest_args(int argc, char **argv, struct logtest *lt)
{
	static const struct option longopts[] = {
	    {"ruleset", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			lt->conf_path = optarg;
			break;
		case 'r':
			if (lt->ndirs == MAX_RULESET_DIRS) {
				log_error("at most %d --ruleset directories",
				    MAX_RULESET_DIRS);
				return EX_USAGE;
			}
			lt->dirs[lt->ndirs++] = optarg;
			break;
		case 'j':
			lt->json = true;
			break;
		case 'h':
			logtest_usage(stdout);
			exit(EX_OK);
		default:
			logtest_usage(stderr);
			return EX_USAGE;
		}
	}
	return optind == argc ? EX_OK : EX_USAGE;
}

static int
logtest_load(struct logtest *lt)
{
	struct arx_conf *conf;
	int r;

	if (lt->ndirs > 0)
		r = ruleset_load_dirs(lt->dirs, lt->ndirs, &lt->rs);
	else {
		if (conf_load(lt->conf_path, &conf) != 0)
			return EX_CONFIG;
		r = ruleset_load_conf(&conf->ruleset, &lt->rs);
		conf_free(conf);
	}
	return r == 0 ? EX_OK : EX_CONFIG;
}

static void
put_span(FILE *f, const char *label, struct span s)
{
	if (span_is_set(s))
		fprintf(f, "\t%s: '%.*s'\n", label, (int)s.len, s.p);
}

static void
logtest_print_text(const struct event *ev)
{
	size_t i;

	printf("**Phase 1: Completed pre-decoding.\n");
	printf("\tfull event: '%s'\n", ev->full_log);
	put_span(stdout, "timestamp", ev->timestamp);
	put_span(stdout, "hostname", ev->hostname);
	put_span(stdout, "program_name", ev->program_name);
	printf("\n**Phase 2: Completed decoding.\n");
	if (ev->decoder == NULL) {
		printf("\tNo decoder matched.\n\n");
		return;
	}
	printf("\tname: '%s'\n", ev->decoder->report_name);
	if (ev->decoder->parent_name != NULL)
		printf("\tparent: '%s'\n", ev->decoder->parent_name);
	for (i = 0; i < EF_NSTATIC; i++)
		put_span(stdout, event_field_name((enum event_field)i),
		    ev->fields[i]);
	for (i = 0; i < ev->ndyn; i++)
		put_span(stdout, ev->dyn[i].name, ev->dyn[i].value);
	printf("\n");
}

static void
logtest_line(struct logtest *lt, const char *line, size_t len)
{
	if (event_set_line(&lt->ev, line, len, "stdin") != 0) {
		log_error("out of memory");
		return;
	}
	lt->lines++;
	if (ruleset_analyse(lt->rs, &lt->ev, &lt->scratch))
		lt->decoded++;
	if (!lt->json) {
		logtest_print_text(&lt->ev);
		return;
	}
	buf_reset(&lt->out);
	buf_putc(&lt->out, '{');
	alert_event_json(&lt->ev, &lt->out);
	buf_puts(&lt->out, "}\n");
	fwrite(lt->out.data, 1, lt->out.len, stdout);
}

int
cmd_logtest(int argc, char **argv)
{
	struct logtest lt = {.conf_path = ARX_DEFAULT_CONF};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc;

	if ((rc = logtest_args(argc, argv, &lt)) != EX_OK)
		return rc;
	if ((rc = logtest_load(&lt)) != EX_OK)
		return rc;
	event_init(&lt.ev);
	buf_init(&lt.out, 4u << 20);
	while ((n = getline(&line, &cap, stdin)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue; /* a new session: no state to clear yet */
		logtest_line(&lt, line, (size_t)n);
	}
	free(line);
	buf_release(&lt.out);
	event_release(&lt.ev);
	pattern_scratch_release(&lt.scratch);
	ruleset_free(lt.rs);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}
