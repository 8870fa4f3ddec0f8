/*
 * arx patterns: every pattern of a ruleset, run on input made to be slow
 * for it, with the time each takes and the ones that gave up at their
 * match limit. A rule author's check before a ruleset meets attackers'
 * text (fail2ban GHSA-33wh-ccjc-p397 is the class of bug it looks for).
 *
 * For each pattern the characters it repeats (the atom before each
 * +, *, ? or {n,m}, every atom of a repeated group) are read from its
 * source, and subjects of --length bytes are built from them: a run of
 * each, a run of all of them in turn, and the pattern's own skeleton
 * (its literals in place, each repeated atom stretched) with and without
 * a final byte that breaks the match. Each pattern matches each subject
 * through the engine's own pattern_match(), under the same limits as
 * arxd: OS_Regex's step budget, PCRE2's match and depth limits. The
 * report gives the slowest patterns and every one that gave up; times
 * are the machine's, the limits are what bounds them.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "arx.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/strparse.h"
#include "engine/ruleset.h"

#define MAX_DIRS     16
#define MAX_REPEATS  8
#define MAX_SUBJECTS (MAX_REPEATS + 4)

struct pat_stat {
	struct pattern_site site;
	uint64_t worst_ns;
	unsigned subjects, gave_up;
};

struct patterns {
	const char *conf_path;
	const char *dirs[MAX_DIRS];
	size_t ndirs;
	size_t length;
	unsigned top;
	bool json;
	struct ruleset *rs;
	struct pattern_scratch scratch;
	struct pat_stat *st;
	size_t nst, cap;
	unsigned long nsubjects;
	uint64_t total_ns;
	unsigned by_type[PAT_EXACT + 1];
	char *subj[MAX_SUBJECTS];
	size_t subj_len[MAX_SUBJECTS];
};

/* ---- what a pattern repeats ---- */

/* A character standing for escape e (OS_Regex and PCRE2 classes). */
static char
escape_rep(char e)
{
	static const char from[] = "wdsWDSpt.", to[] = "a7 -xx!\ta";
	const char *p = strchr(from, e);

	return p != NULL && e != '\0' ? to[p - from] : e;
}

/* A character class "[...]" at s: a character it accepts; *end after. */
static char
class_rep(const char *s, const char **end)
{
	const char *p = s + 1;
	bool neg = *p == '^';
	char first;

	p += neg;
	first = *p == '\\' ? escape_rep(p[1]) : *p;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']')
		p += *p == '\\' && p[1] != '\0' ? 2 : 1;
	*end = *p == ']' ? p + 1 : p;
	if (neg)
		return first == 'a' ? '~' : 'a';
	return first != '\0' ? first : 'a';
}

static bool
is_quant(char c)
{
	return c == '+' || c == '*' || c == '?' || c == '{';
}

/* After the quantifier at q ("+", "*?", "{2,5}+" ...). */
static const char *
quant_end(const char *q)
{
	if (*q == '{') {
		q += strcspn(q, "}");
		q += *q == '}';
	} else {
		q++;
	}
	return *q == '?' || *q == '+' ? q + 1 : q;
}

struct shape {
	char rep[MAX_REPEATS];
	size_t nrep;
	struct buf skel; /* literals, and '\1' + rep for a stretched atom */
};

static void
shape_repeat(struct shape *sh, char c)
{
	if (sh->nrep < MAX_REPEATS && memchr(sh->rep, c, sh->nrep) == NULL)
		sh->rep[sh->nrep++] = c;
}

/* The atom at s: its character (0 for none) and where it ends. */
static char
atom_at(const char *s, const char **end, bool *group_end)
{
	*group_end = false;
	*end = s + 1;
	switch (*s) {
	case '\\':
		*end = s[1] != '\0' ? s + 2 : s + 1;
		return escape_rep(s[1]);
	case '[':
		return class_rep(s, end);
	case '.':
		return 'a';
	case ')':
		*group_end = true;
		return 0;
	case '(':
	case '|':
	case '^':
	case '$':
		return 0;
	default:
		return *s;
	}
}

static void
shape_read(struct shape *sh, const char *text)
{
	const char *p = text, *end;
	char group[64];
	size_t ngroup = 0;
	bool gend;
	char c;

	while (*p != '\0') {
		c = atom_at(p, &end, &gend);
		if (is_quant(*end) && (c != 0 || gend)) {
			if (c != 0)
				shape_repeat(sh, c);
			for (size_t i = 0; gend && i < ngroup; i++)
				shape_repeat(sh, group[i]);
			(void)buf_printf(&sh->skel, "\1%c", c ? c : 'a');
			end = quant_end(end);
		} else if (c != 0) {
			(void)buf_putc(&sh->skel, c);
		}
		if (c != 0 && ngroup < sizeof(group))
			group[ngroup++] = c;
		if (*p == '(')
			ngroup = 0;
		p = end;
	}
}

/* ---- subjects ---- */

static void
subj_set(struct patterns *pt, size_t i, const char *s, size_t n)
{
	memcpy(pt->subj[i], s, n);
	pt->subj_len[i] = n;
}

/* The skeleton with each stretched atom as a run: together length. */
static size_t
skeleton(struct patterns *pt, const struct shape *sh, char *out)
{
	size_t runs = 0, lit = 0, i, o = 0, each;

	for (i = 0; i < sh->skel.len; i++) {
		if (sh->skel.data[i] == '\1')
			runs++, i++;
		else
			lit++;
	}
	each = runs > 0 && pt->length > lit ? (pt->length - lit) / runs : 0;
	for (i = 0; i < sh->skel.len && o < pt->length; i++) {
		if (sh->skel.data[i] != '\1') {
			out[o++] = sh->skel.data[i];
			continue;
		}
		for (size_t k = 0; k < each && o < pt->length; k++)
			out[o++] = sh->skel.data[i + 1];
		i++;
	}
	return o;
}

static size_t
subjects_make(struct patterns *pt, const char *text)
{
	struct shape sh = {.nrep = 0};
	size_t n = 0, i, k, len = pt->length;

	buf_init(&sh.skel, 1 << 20);
	shape_read(&sh, text);
	for (i = 0; i < sh.nrep; i++, n++) {
		memset(pt->subj[n], sh.rep[i], len);
		pt->subj_len[n] = len;
	}
	if (sh.nrep > 1) {
		for (k = 0; k < len; k++)
			pt->subj[n][k] = sh.rep[k % sh.nrep];
		pt->subj_len[n++] = len;
	}
	k = skeleton(pt, &sh, pt->subj[n]);
	pt->subj_len[n++] = k;
	subj_set(pt, n, pt->subj[n - 1], k);
	if (k > 0)
		pt->subj[n][k - 1] = '\1';
	n++;
	buf_release(&sh.skel);
	return n;
}

/* ---- running ---- */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
stress_one(const struct pattern_site *site, void *ctx)
{
	struct patterns *pt = ctx;
	struct pattern_result res;
	struct pat_stat *s;
	size_t n, i;

	if (pt->nst == pt->cap) {
		pt->cap = pt->cap ? pt->cap * 2 : 1024;
		pt->st = realloc(pt->st, pt->cap * sizeof(*pt->st));
		if (pt->st == NULL)
			abort();
	}
	s = &pt->st[pt->nst++];
	*s = (struct pat_stat){.site = *site};
	pt->by_type[site->pat->type]++;
	n = site->pat->text != NULL ? subjects_make(pt, site->pat->text) : 0;
	for (i = 0; i < n; i++) {
		unsigned long before = pt->scratch.nlimit;
		uint64_t t0 = now_ns(), dt;

		(void)pattern_match(site->pat, pt->subj[i], pt->subj_len[i],
		    &res, &pt->scratch);
		dt = now_ns() - t0;
		pt->total_ns += dt;
		s->worst_ns = dt > s->worst_ns ? dt : s->worst_ns;
		s->gave_up += pt->scratch.nlimit != before;
		s->subjects++;
		pt->nsubjects++;
	}
}

/* ---- report ---- */

static int
by_worst(const void *a, const void *b)
{
	const struct pat_stat *x = a, *y = b;

	return x->worst_ns < y->worst_ns ? 1
	    : x->worst_ns > y->worst_ns  ? -1
					 : 0;
}

static void
site_print(const struct pat_stat *s)
{
	const struct pattern_site *w = &s->site;
	char who[160];

	if (w->name != NULL)
		snprintf(who, sizeof(who), "decoder '%s'", w->name);
	else
		snprintf(who, sizeof(who), "rule %u", w->id);
	printf("  %9.3f ms  %s <%s> %s (%s:%u)%s\n    %.120s\n",
	    (double)s->worst_ns / 1e6, who, w->role,
	    pattern_type_name(w->pat->type), w->file ? w->file : "-", w->line,
	    s->gave_up ? "  GAVE UP" : "", w->pat->text ? w->pat->text : "");
}

static void
report_text(struct patterns *pt)
{
	unsigned gave = 0, i;

	for (i = 0; i < pt->nst; i++)
		gave += pt->st[i].gave_up > 0;
	printf("patterns: %zu (osregex %u, osmatch %u, pcre2 %u, exact %u)\n",
	    pt->nst, pt->by_type[PAT_OSREGEX], pt->by_type[PAT_OSMATCH],
	    pt->by_type[PAT_PCRE2], pt->by_type[PAT_EXACT]);
	printf("subjects: %lu of up to %zu bytes, %.3f s in all\n",
	    pt->nsubjects, pt->length, (double)pt->total_ns / 1e9);
	printf("gave up at the match limit (taken as not matching, counted "
	       "by arxd): %u patterns\n",
	    gave);
	for (i = 0; i < pt->nst; i++)
		if (pt->st[i].gave_up > 0)
			site_print(&pt->st[i]);
	qsort(pt->st, pt->nst, sizeof(*pt->st), by_worst);
	printf("slowest, per subject:\n");
	for (i = 0; i < pt->nst && i < pt->top; i++)
		site_print(&pt->st[i]);
}

static void
report_json(struct patterns *pt)
{
	unsigned gave = 0;
	uint64_t worst = 0;

	for (size_t i = 0; i < pt->nst; i++) {
		gave += pt->st[i].gave_up > 0;
		worst = pt->st[i].worst_ns > worst ? pt->st[i].worst_ns : worst;
	}
	printf("{\"patterns\":%zu,\"subjects\":%lu,\"length\":%zu,"
	       "\"total_s\":%.3f,\"gave_up\":%u,\"worst_ms\":%.3f}\n",
	    pt->nst, pt->nsubjects, pt->length, (double)pt->total_ns / 1e9,
	    gave, (double)worst / 1e6);
}

/* ---- the command ---- */

static int
patterns_args(int argc, char **argv, struct patterns *pt)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"ruleset", required_argument, NULL, 'r'},
	    {"length", required_argument, NULL, 'l'},
	    {"top", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while (
	    (c = getopt_long(argc, argv, "c:r:l:t:jh", longopts, NULL)) != -1) {
		if (c == 'c')
			pt->conf_path = optarg;
		else if (c == 'r' && pt->ndirs < MAX_DIRS)
			pt->dirs[pt->ndirs++] = optarg;
		else if (c == 'l' && str_to_uint(optarg, 16, 65536, &v) == 0)
			pt->length = (size_t)v;
		else if (c == 't' && str_to_uint(optarg, 0, 100000, &v) == 0)
			pt->top = (unsigned)v;
		else if (c == 'j')
			pt->json = true;
		else {
			fprintf(c == 'h' ? stdout : stderr,
			    "usage: arx patterns [-c conf | --ruleset dir...] "
			    "[--length N] [--top N] [--json]\n"
			    "  runs every pattern of the ruleset on input made "
			    "to be slow for it\n"
			    "  --length N  bytes per subject (16-65536, "
			    "default 65536, the longest line)\n"
			    "  --top N     how many of the slowest to list "
			    "(10)\n");
			return c == 'h' ? EX_OK : EX_USAGE;
		}
	}
	return optind == argc ? -1 : EX_USAGE;
}

static int
patterns_load(struct patterns *pt)
{
	struct arx_conf *conf;
	int r;

	if (pt->ndirs > 0)
		r = ruleset_load_dirs(pt->dirs, pt->ndirs, &pt->rs);
	else {
		if (conf_load(pt->conf_path, &conf) != 0)
			return EX_CONFIG;
		r = ruleset_load_conf(&conf->ruleset, &pt->rs);
		conf_free(conf);
	}
	return r == 0 ? EX_OK : EX_CONFIG;
}

int
cmd_patterns(int argc, char **argv)
{
	struct patterns pt = {
	    .conf_path = ARX_DEFAULT_CONF, .length = 65536, .top = 10};
	int rc;
	size_t i;

	if ((rc = patterns_args(argc, argv, &pt)) >= 0)
		return rc;
	if ((rc = patterns_load(&pt)) != EX_OK)
		return rc;
	for (i = 0; i < MAX_SUBJECTS; i++)
		if ((pt.subj[i] = malloc(pt.length)) == NULL)
			return EX_OSERR;
	ruleset_foreach_pattern(pt.rs, stress_one, &pt);
	if (pt.json)
		report_json(&pt);
	else
		report_text(&pt);
	for (i = 0; i < MAX_SUBJECTS; i++)
		free(pt.subj[i]);
	free(pt.st);
	pattern_scratch_release(&pt.scratch);
	ruleset_free(pt.rs);
	return EX_OK;
}
