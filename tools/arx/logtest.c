/*
 * arx logtest: run log lines from standard input through the engine and
 * show what it makes of them, as wazuh-logtest does: phase 1 (pre-
 * decoding), phase 2 (decoding) and phase 3 (rules) in text; with --json
 * one object per line in the shape of Wazuh's alerts.json plus "alert";
 * with -a the alerts.log records. An empty line starts a new session
 * (correlation state is cleared). -U rule:level:decoder checks the last
 * event and sets the exit status as ossec-logtest does.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "alert/alert_json.h"
#include "alert/alert_log.h"
#include "alert/event_json.h"
#include "alert/rule_json.h"
#include "arx.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/strparse.h"
#include "engine/evtime.h"
#include "engine/predecode.h"
#include "engine/ruleset.h"

#define MAX_RULESET_DIRS 16

struct logtest {
	const char *conf_path;
	const char *dirs[MAX_RULESET_DIRS];
	size_t ndirs;
	bool json, verbose, alerts_log, alerts_json;
	uint64_t alerts_offset; /* bytes of alerts written: the alert ids */
	char host[256];
	const char *unit;  /* -U rule:level:decoder */
	int64_t at_ms;     /* --at: a fixed event clock, or 0 */
	bool log_time;     /* --log-time: the clock is each line's stamp */
	bool no_prefilter; /* --no-prefilter: try every decoder and rule */
	unsigned alert_level;
	struct ruleset *rs;
	struct corr *corr;
	struct rule_result res;
	struct pattern_scratch scratch;
	struct event ev;
	struct buf out;
	unsigned long lines;
};

static void
logtest_usage(FILE *f)
{
	fprintf(f,
	    "usage: arx logtest [-ajhv] [-c file] [--ruleset dir]... "
	    "[-U rule:level:decoder]\n"
	    "  -c file         take the ruleset from this configuration "
	    "(default " ARX_DEFAULT_CONF ")\n"
	    "  --ruleset dir   load dir/decoders, dir/lists, dir/rules "
	    "(Wazuh's layout); repeatable\n"
	    "  -j, --json      one JSON object per input line\n"
	    "  -a              print alerts in alerts.log format\n"
	    "  --alerts-json   print alerts in alerts.json format\n"
	    "  -v              show every rule tried\n"
	    "  -U r:l:d        exit 0 if the last event gives rule r, level l, "
	    "decoder d\n"
	    "  --at seconds    use this time (epoch) for every event\n"
	    "  --log-time      use each line's own time stamp as its time\n"
	    "  --no-prefilter  try every decoder and rule in full (slower; "
	    "for tests)\n"
	    "Reads log lines on standard input; an empty line starts a new "
	    "session.\n");
}

static int
logtest_args(int argc, char **argv, struct logtest *lt)
{
	static const struct option longopts[] = {
	    {"ruleset", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"at", required_argument, NULL, 't'},
	    {"log-time", no_argument, NULL, 'L'},
	    {"alerts-json", no_argument, NULL, 'J'},
	    {"no-prefilter", no_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t at;
	int ch;

	optind = 1;
	while (
	    (ch = getopt_long(argc, argv, "ac:jhU:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			lt->alerts_log = true;
			break;
		case 'c':
			lt->conf_path = optarg;
			break;
		case 'r':
			if (lt->ndirs == MAX_RULESET_DIRS)
				return EX_USAGE;
			lt->dirs[lt->ndirs++] = optarg;
			break;
		case 'j':
			lt->json = true;
			break;
		case 'U':
			lt->unit = optarg;
			break;
		case 'v':
			lt->verbose = true;
			break;
		case 'L':
			lt->log_time = true;
			break;
		case 'J':
			lt->alerts_json = true;
			break;
		case 'P':
			lt->no_prefilter = true;
			break;
		case 't':
			if (str_to_uint(optarg, 1, 1ull << 40, &at) != 0) {
				log_error("--at wants seconds since the epoch");
				return EX_USAGE;
			}
			lt->at_ms = (int64_t)at * 1000;
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

	lt->alert_level = 1;
	if (lt->ndirs > 0)
		r = ruleset_load_dirs(lt->dirs, lt->ndirs, &lt->rs);
	else {
		if (conf_load(lt->conf_path, &conf) != 0)
			return EX_CONFIG;
		lt->alert_level = conf->alerts.log_alert_level;
		r = ruleset_load_conf(&conf->ruleset, &lt->rs);
		conf_free(conf);
	}
	if (r != 0)
		return EX_CONFIG;
	if (lt->no_prefilter)
		ruleset_prefilters_off(lt->rs);
	if ((lt->corr = corr_new(lt->rs->rules)) == NULL)
		return EX_OSERR;
	return EX_OK;
}

static void
put_span(const char *label, struct span s)
{
	if (span_is_set(s))
		printf("\t%s: '%.*s'\n", label, (int)s.len, s.p);
}

static void
print_phase12(const struct event *ev)
{
	size_t i;

	printf("%s**Phase 1: Completed pre-decoding.%s\n",
	    arx_sgr(ARX_SGR_BOLD), arx_sgr(ARX_SGR_OFF));
	printf("\tfull event: '%s'\n", ev->full_log);
	put_span("timestamp", ev->timestamp);
	put_span("hostname", ev->hostname);
	put_span("program_name", ev->program_name);
	printf("\n%s**Phase 2: Completed decoding.%s\n", arx_sgr(ARX_SGR_BOLD),
	    arx_sgr(ARX_SGR_OFF));
	if (ev->decoder == NULL) {
		printf("\t%sNo decoder matched.%s\n\n", arx_sgr(ARX_SGR_YELLOW),
		    arx_sgr(ARX_SGR_OFF));
		return;
	}
	printf("\tname: '%s'\n", ev->decoder->report_name);
	if (ev->decoder->parent_name != NULL)
		printf("\tparent: '%s'\n", ev->decoder->parent_name);
	for (i = 0; i < EF_NSTATIC; i++)
		put_span(event_field_name((enum event_field)i), ev->fields[i]);
	for (i = 0; i < ev->ndyn; i++)
		put_span(ev->dyn[i].name, ev->dyn[i].value);
	printf("\n");
}

static bool
is_alert(const struct logtest *lt)
{
	const struct rule *r = lt->res.rule;

	return r != NULL && r->level > 0 &&
	    ((unsigned)r->level >= lt->alert_level ||
		(r->options & RULE_OPT_LOG_ALERT)) &&
	    !(r->options & RULE_OPT_NO_LOG);
}

static void
print_phase3(struct logtest *lt)
{
	const struct rule *r = lt->res.rule;

	if (r == NULL)
		return;
	buf_reset(&lt->out);
	alert_description(r, &lt->ev, &lt->out);
	printf("%s**Phase 3: Completed filtering (rules).%s\n",
	    arx_sgr(ARX_SGR_BOLD), arx_sgr(ARX_SGR_OFF));
	printf("\tid: '%u'\n\tlevel: '%d'\n\tdescription: '%s'\n", r->id,
	    r->level, buf_cstr(&lt->out));
	printf("\tgroups: '%s'\n\tfiredtimes: '%lu'\n", r->groups,
	    lt->res.firedtimes);
	if (lt->res.suppressed)
		printf("\tsuppressed: 'ignore window'\n");
	if (is_alert(lt))
		printf("%s**Alert to be generated.%s\n", arx_sgr(ARX_SGR_RED),
		    arx_sgr(ARX_SGR_OFF));
	printf("\n");
}

static void
print_json(struct logtest *lt)
{
	buf_reset(&lt->out);
	buf_putc(&lt->out, '{');
	if (lt->res.rule != NULL) {
		alert_rule_json(
		    lt->res.rule, &lt->ev, lt->res.firedtimes, &lt->out);
		buf_putc(&lt->out, ',');
	}
	alert_event_json(&lt->ev, true, &lt->out);
	buf_printf(
	    &lt->out, ",\"alert\":%s}\n", is_alert(lt) ? "true" : "false");
	fwrite(lt->out.data, 1, lt->out.len, stdout);
}

/* The alert record, if the event makes one; alert ids as in alerts.log. */
static void
print_alert(struct logtest *lt, int64_t now)
{
	if (!is_alert(lt))
		return;
	buf_reset(&lt->out);
	if (lt->alerts_log)
		alert_log_format(&lt->out, lt->res.rule, &lt->ev, lt->corr, now,
		    lt->alerts_offset);
	else
		alert_json_format(&lt->out, lt->res.rule, &lt->ev, lt->corr,
		    lt->res.firedtimes, now, lt->alerts_offset, lt->host);
	lt->alerts_offset += lt->out.len;
	fwrite(lt->out.data, 1, lt->out.len, stdout);
}

static void
trace_trying(void *ctx, const struct rule *r)
{
	(void)ctx;
	if (r->id != 0)
		printf("\tTrying rule: %u - %s\n", r->id, r->description);
}

static void
trace_matched(void *ctx, const struct rule *r)
{
	(void)ctx;
	if (r->id != 0)
		printf(
		    "\t\t*Rule %u matched\n\t\t*Trying child rules\n", r->id);
}

static void
logtest_line(struct logtest *lt, const char *line, size_t len)
{
	struct rule_trace tr = {trace_trying, trace_matched, lt};
	int64_t now = lt->at_ms ? lt->at_ms : clock_wall_ms(clock_real());
	int64_t stamp;

	if (event_set_line(&lt->ev, line, len, "stdin") != 0) {
		log_error("out of memory");
		return;
	}
	lt->lines++;
	if (lt->log_time && predecode(&lt->ev) == 0 &&
	    event_time_ms(&lt->ev, now, &stamp) == 0)
		now = stamp;
	if (lt->verbose && !lt->json)
		printf("**Rule debugging:\n");
	(void)ruleset_analyse(lt->rs, lt->corr, &lt->ev, now, &lt->scratch,
	    lt->verbose && !lt->json ? &tr : NULL, &lt->res);
	if (lt->json)
		print_json(lt);
	else if (lt->alerts_log || lt->alerts_json)
		print_alert(lt, now);
	else {
		print_phase12(&lt->ev);
		print_phase3(lt);
	}
}

/* -U rule:level:decoder on the last event; ossec-logtest's exit codes. */
static int
logtest_unit(const struct logtest *lt)
{
	char want[3][128] = {"", "", ""}, got[3][128];
	const struct rule *r = lt->res.rule;
	const char *p = lt->unit;
	int i, empty = 0;

	for (i = 0; i < 3; i++) {
		size_t n = strcspn(p, ":");
		snprintf(want[i], sizeof(want[i]), "%.*s", (int)n, p);
		p += n + (p[n] == ':');
		empty += want[i][0] == '\0';
	}
	snprintf(got[0], sizeof(got[0]), "%u", r ? r->id : 0);
	snprintf(got[1], sizeof(got[1]), "%d", r ? r->level : 0);
	snprintf(got[2], sizeof(got[2]), "%s",
	    lt->ev.decoder ? lt->ev.decoder->report_name : "");
	for (i = 0; i < 3; i++)
		if (want[i][0] != '\0' && strcmp(want[i], got[i]) != 0)
			return 1;
	return empty;
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
	if (gethostname(lt.host, sizeof(lt.host)) != 0)
		str_lcpy(lt.host, "localhost", sizeof(lt.host));
	lt.host[sizeof(lt.host) - 1] = '\0';
	event_init(&lt.ev);
	buf_init(&lt.out, 4u << 20);
	arx_stream_buffers();
	while ((n = getline(&line, &cap, stdin)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0) {
			corr_reset(lt.corr); /* a new session */
			continue;
		}
		logtest_line(&lt, line, (size_t)n);
	}
	free(line);
	if (lt.unit != NULL)
		rc = logtest_unit(&lt);
	buf_release(&lt.out);
	event_release(&lt.ev);
	pattern_scratch_release(&lt.scratch);
	corr_free(lt.corr);
	ruleset_free(lt.rs);
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return rc;
}
