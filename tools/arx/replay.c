/*
 * arx replay: the whole pipeline on logs a user already has, with the
 * clock taken from the lines' own time stamps and responses decided but
 * not run (the dispatcher's dry run records them). It prints a timeline
 * of alerts at or above a level, blocks, extensions, lifts, white-list
 * skips and refusals, as text or as JSON lines. After the last line the
 * clock runs on to the last pending lift, so every block that ends is
 * shown ending; blocks without an end are listed as still in place. The
 * output depends only on the logs, the configuration, --year and the
 * time zone, so it can be compared with golden files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "alert/rule_json.h"
#include "ar/dispatch.h"
#include "arx.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/strparse.h"
#include "engine/corr.h"
#include "engine/evtime.h"
#include "engine/json.h"
#include "engine/predecode.h"
#include "engine/ruleset.h"
#include "pipeline/step.h"

#define DAY_MS (86400 * 1000LL)

struct replay {
	const char *conf_path;
	bool json;
	unsigned level;
	int year;
	struct arx_conf *conf;
	struct ruleset *rs;
	struct corr *corr;
	struct pattern_scratch scratch;
	struct event ev;
	struct ar_step_out step; /* the pipeline step arxd runs (ar/step.h) */
	struct ar_bindings *bind;
	struct fake_clock fc;
	bool started;
	struct evloop *loop;
	struct ar_dispatch *d;
	struct buf out, tmp;
	unsigned long lines, alerts, blocks;
};

static void
put_time(struct replay *rp, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	localtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
	if (rp->json)
		buf_printf(&rp->out, "{\"time\":\"%s\"", s);
	else
		buf_printf(&rp->out, "%s  ", s);
}

static void
put_str(struct replay *rp, const char *name, const char *v)
{
	if (v == NULL)
		return;
	buf_printf(&rp->out, ",\"%s\":", name);
	json_put_string(&rp->out, v, strlen(v));
}

static void
flush_line(struct replay *rp)
{
	buf_puts(&rp->out, rp->json ? "}\n" : "\n");
	fwrite(rp->out.data, 1, rp->out.len, stdout);
	buf_reset(&rp->out);
}

static const char *const ev_word[] = {
    [AR_EV_BLOCK] = "block",
    [AR_EV_EXTEND] = "extend",
    [AR_EV_UNBLOCK] = "unblock",
    [AR_EV_RUN] = "notify",
    [AR_EV_WHITELIST] = "spared",
    [AR_EV_REFUSED] = "refused",
    [AR_EV_FAIL] = "failed",
    [AR_EV_DONE] = "done",
};

/* The colour of each word on a terminal (arx_sgr). */
static const enum arx_sgr ev_colour[] = {
    [AR_EV_BLOCK] = ARX_SGR_RED,
    [AR_EV_EXTEND] = ARX_SGR_RED,
    [AR_EV_UNBLOCK] = ARX_SGR_GREEN,
    [AR_EV_RUN] = ARX_SGR_BOLD,
    [AR_EV_WHITELIST] = ARX_SGR_YELLOW,
    [AR_EV_REFUSED] = ARX_SGR_YELLOW,
    [AR_EV_FAIL] = ARX_SGR_RED,
    [AR_EV_DONE] = ARX_SGR_BOLD,
};

/* The event word, coloured on a terminal, padded to 8 columns. */
static void
put_word(struct buf *o, const char *word, enum arx_sgr colour)
{
	const char *on = arx_sgr(colour);

	buf_printf(o, "%s%s%s%*s", on, word, on[0] ? arx_sgr(ARX_SGR_OFF) : "",
	    (int)(8 - strlen(word)), "");
}

static void
event_text(struct replay *rp, const struct ar_event *e)
{
	struct buf *o = &rp->out;

	put_word(o, ev_word[e->type], ev_colour[e->type]);
	buf_printf(o, " %s", e->addr ? e->addr : "-");
	if (e->type == AR_EV_BLOCK || e->type == AR_EV_EXTEND) {
		buf_printf(o, " by %s for ", e->command);
		if (e->timeout_s == 0)
			buf_puts(o, "ever");
		else
			buf_put_duration(o, e->timeout_s);
		buf_printf(
		    o, " (offence %u, rule %u)", e->offences, e->rule_id);
	} else if (e->type == AR_EV_UNBLOCK) {
		buf_printf(o, " by %s (%s)", e->command, e->why ? e->why : "");
	} else {
		buf_printf(o, " (%s%s%s, rule %u)",
		    e->command ? e->command : "",
		    e->command && e->why ? ": " : "", e->why ? e->why : "",
		    e->rule_id);
	}
}

static void
event_json(struct replay *rp, const struct ar_event *e)
{
	put_str(rp, "type", ev_word[e->type]);
	put_str(rp, "address", e->addr);
	put_str(rp, "command", e->command);
	if (e->rule_id)
		buf_printf(&rp->out, ",\"rule\":%u", e->rule_id);
	if (e->type == AR_EV_BLOCK || e->type == AR_EV_EXTEND)
		buf_printf(&rp->out, ",\"timeout_s\":%llu,\"offences\":%u",
		    (unsigned long long)e->timeout_s, e->offences);
	put_str(rp, "why", e->why);
}

static void
on_event(const struct ar_event *e, void *ctx)
{
	struct replay *rp = ctx;

	if (e->type == AR_EV_DONE || e->type == AR_EV_FAIL)
		return;
	rp->blocks += e->type == AR_EV_BLOCK;
	put_time(rp, e->now_ms);
	if (rp->json)
		event_json(rp, e);
	else
		event_text(rp, e);
	flush_line(rp);
}

static void
print_alert(struct replay *rp, int64_t now)
{
	const struct rule *r = rp->step.res.rule;
	char srcip[128];

	event_get_cstr(&rp->ev, "srcip", srcip, sizeof(srcip));
	buf_reset(&rp->tmp);
	alert_description(r, &rp->ev, &rp->tmp);
	rp->alerts++;
	put_time(rp, now);
	if (rp->json) {
		buf_printf(&rp->out,
		    ",\"type\":\"alert\",\"rule\":%u,\"level\":%d", r->id,
		    r->level);
		put_str(rp, "srcip", srcip[0] ? srcip : NULL);
		put_str(rp, "description", buf_cstr(&rp->tmp));
	} else {
		put_word(&rp->out, "alert", ARX_SGR_BOLD);
		buf_printf(&rp->out, " rule %u (level %d)%s%s: %s", r->id,
		    r->level, srcip[0] ? " from " : "", srcip,
		    buf_cstr(&rp->tmp));
	}
	flush_line(rp);
}

/* Move the clock to t, lifting on the way every block due before it. */
static void
advance_to(struct replay *rp, int64_t t)
{
	int64_t now = clock_wall_ms(&rp->fc.base), next;

	while ((next = ar_dispatch_next_deadline(rp->d)) <= t) {
		if (next > now)
			fake_clock_advance(&rp->fc, (uint64_t)(next - now));
		now = clock_wall_ms(&rp->fc.base);
		(void)evloop_run_once(rp->loop, 0);
		if (ar_dispatch_next_deadline(rp->d) == next)
			break; /* not lifted (cannot happen): do not spin */
	}
	if (t > now)
		fake_clock_advance(&rp->fc, (uint64_t)(t - now));
	(void)evloop_run_once(rp->loop, 0);
}

static int
start_clock(struct replay *rp, int64_t t)
{
	struct ar_dispatch_opts o = {
	    .conf = rp->conf,
	    .dry_run = true,
	    .on_event = on_event,
	    .ctx = rp,
	};

	fake_clock_init(&rp->fc, t);
	if ((rp->loop = evloop_new(&rp->fc.base)) == NULL)
		return EX_OSERR;
	o.loop = rp->loop;
	o.clock = &rp->fc.base;
	rp->started = true;
	return ar_dispatch_new(&o, &rp->d) == 0 ? EX_OK : EX_CONFIG;
}

/* The line's own time; year inferred from the line before (or --year),
 * never going back in time. */
static int64_t
line_time(struct replay *rp, int64_t ref)
{
	int64_t t;

	if (predecode(&rp->ev) != 0 || event_time_ms(&rp->ev, ref, &t) != 0)
		return ref;
	if (t < ref - 180 * DAY_MS && /* December to January */
	    event_time_ms(&rp->ev, ref + 365 * DAY_MS, &t) != 0)
		return ref;
	return t > ref || !rp->started ? t : ref;
}

/* One line through the step arxd runs, on the line's own clock (so no
 * line is too old): the alerts arxd writes (of --level or more) are
 * shown, and the triggers it would send go to the dry-run dispatcher. */
static int
replay_line(struct replay *rp, const char *line, size_t len, const char *loc,
    int64_t *ref)
{
	struct ar_step step = {
	    rp->rs, rp->corr, &rp->scratch, rp->conf, rp->bind};
	struct ar_step_out *o = &rp->step;
	struct ar_trigger t = {.location = loc};
	int64_t now;

	if ((len = ar_step_line_len(line, len)) == 0)
		return EX_OK;
	if (event_set_line(&rp->ev, line, len, loc) != 0)
		return EX_OSERR;
	rp->lines++;
	now = *ref = line_time(rp, *ref);
	if (!rp->started && start_clock(rp, now) != EX_OK)
		return EX_CONFIG;
	advance_to(rp, now);
	ar_step_run(&step, &rp->ev, now, now, o);
	if (o->alert && (unsigned)o->res.rule->level >= rp->level)
		print_alert(rp, now);
	if (o->verdict != AR_RESPOND)
		return EX_OK;
	t.rule = ar_step_rule(o->res.rule);
	t.srcip = o->srcip[0] != '\0' ? o->srcip : NULL;
	t.user = o->user[0] != '\0' ? o->user : NULL;
	(void)ar_dispatch_trigger(rp->d, &t);
	return EX_OK;
}

static void
still_blocked(const struct ar_block_view *v, void *ctx)
{
	struct replay *rp = ctx;

	put_time(rp, clock_wall_ms(&rp->fc.base));
	if (rp->json) {
		put_str(rp, "type", "still-blocked");
		put_str(rp, "address", v->addr);
		put_str(rp, "command", v->command);
	} else {
		put_word(&rp->out, "blocked", ARX_SGR_RED);
		buf_printf(&rp->out, " %s by %s (no end)", v->addr, v->command);
	}
	flush_line(rp);
}

/* After the last line: run the clock to the last lift. */
static void
finish(struct replay *rp)
{
	int64_t next;

	if (!rp->started)
		return;
	while ((next = ar_dispatch_next_deadline(rp->d)) != AR_NEVER &&
	    next > clock_wall_ms(&rp->fc.base))
		advance_to(rp, next);
	ar_dispatch_foreach(rp->d, still_blocked, rp);
}

static int
replay_file(struct replay *rp, const char *path, int64_t *ref)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = EX_OK;

	if (f == NULL) {
		log_error("%s: cannot read: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	while (rc == EX_OK && (n = getline(&line, &cap, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			n--; /* and one CR, as arxd (ar_step_line_len) */
		if (n > 0)
			rc = replay_line(rp, line, (size_t)n, path, ref);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static void
replay_usage(FILE *f)
{
	fprintf(f,
	    "usage: arx replay [-c conf] [--json] [--level N] [--year Y] "
	    "LOG...\n"
	    "  -c, --config FILE  configuration (default " ARX_DEFAULT_CONF
	    ")\n"
	    "  -j, --json         one JSON object per line\n"
	    "  -l, --level N      show alerts of this level and above (7)\n"
	    "  -y, --year Y       year of lines without one (default: this "
	    "year)\n"
	    "  LOG                a log file, or - for standard input\n");
}

static int
replay_args(int argc, char **argv, struct replay *rp)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"level", required_argument, NULL, 'l'},
	    {"year", required_argument, NULL, 'y'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int ch;

	while (
	    (ch = getopt_long(argc, argv, "c:jl:y:h", longopts, NULL)) != -1) {
		if (ch == 'c')
			rp->conf_path = optarg;
		else if (ch == 'j')
			rp->json = true;
		else if (ch == 'l' && str_to_uint(optarg, 0, 16, &v) == 0)
			rp->level = (unsigned)v;
		else if (ch == 'y' && str_to_uint(optarg, 1970, 9999, &v) == 0)
			rp->year = (int)v;
		else
			return ch == 'h' ? ARX_HELP : EX_USAGE;
	}
	return optind < argc ? EX_OK : EX_USAGE;
}

/* Where year inference starts: the last moment of --year, or now. */
static int64_t
first_ref(const struct replay *rp)
{
	struct tm tm = {.tm_year = rp->year - 1900,
	    .tm_mon = 11,
	    .tm_mday = 31,
	    .tm_hour = 23,
	    .tm_min = 59,
	    .tm_isdst = -1};

	if (rp->year == 0)
		return clock_wall_ms(clock_real());
	return (int64_t)mktime(&tm) * 1000;
}

int
cmd_replay(int argc, char **argv)
{
	struct replay rp = {.conf_path = ARX_DEFAULT_CONF, .level = 7};
	int64_t ref;
	int rc = EX_OK, i;

	if (log_get_level() > LOG_LVL_WARN)
		log_set_level(LOG_LVL_WARN); /* the timeline says it all */
	if ((rc = replay_args(argc, argv, &rp)) == ARX_HELP) {
		replay_usage(stdout);
		return EX_OK;
	}
	if (rc != EX_OK) {
		replay_usage(stderr);
		return EX_USAGE;
	}
	if (conf_load(rp.conf_path, &rp.conf) != 0) {
		log_error("configuration %s is invalid", rp.conf_path);
		return EX_CONFIG;
	}
	if (ruleset_load_conf(&rp.conf->ruleset, &rp.rs) != 0 ||
	    (rp.corr = corr_new(rp.rs->rules)) == NULL ||
	    (rp.bind = ar_bindings_new(rp.conf)) == NULL)
		rc = EX_CONFIG;
	event_init(&rp.ev);
	buf_init(&rp.out, 1u << 20);
	buf_init(&rp.tmp, 1u << 20);
	arx_stream_buffers();
	ref = first_ref(&rp);
	for (i = optind; rc == EX_OK && i < argc; i++)
		rc = replay_file(&rp, argv[i], &ref);
	if (rc == EX_OK)
		finish(&rp);
	if (rc == EX_OK && !rp.json)
		printf("%lu lines, %lu alerts shown, %lu blocks\n", rp.lines,
		    rp.alerts, rp.blocks);
	ar_dispatch_free(rp.d);
	ar_bindings_free(rp.bind);
	evloop_free(rp.loop);
	buf_release(&rp.out);
	buf_release(&rp.tmp);
	event_release(&rp.ev);
	pattern_scratch_release(&rp.scratch);
	corr_free(rp.corr);
	ruleset_free(rp.rs);
	conf_free(rp.conf);
	return rc != EX_OK ? rc : (fflush(stdout) == 0 ? EX_OK : EX_IOERR);
}
