/*
 * The control protocol (control.h): request parsing from a table of
 * verbs, and the JSON answers built from the dispatcher's state. Owns
 * nothing beyond the answer it appends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ar/control.h"
#include "core/addr.h"
#include "core/err.h"
#include "core/jsonout.h"
#include "core/strparse.h"

#define MAX_WORDS     5
#define MAX_TIMEOUT_S (10ull * 365 * 86400)

struct ctl_verb_def {
	const char *name;
	enum ctl_verb verb;
	size_t min_args, max_args; /* words after the verb */
};

static const struct ctl_verb_def verbs[] = {
    {"status", CTL_STATUS, 0, 0},
    {"list", CTL_LIST, 0, 2},
    {"block", CTL_BLOCK, 1, 4},
    {"unblock", CTL_UNBLOCK, 1, 2},
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

struct word {
	const char *p;
	size_t len;
};

static size_t
split(const char *line, size_t len, struct word *w, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == max)
			return max + 1;
		w[n].p = line + i;
		while (i < len && line[i] != ' ')
			i++;
		w[n].len = (size_t)(line + i - w[n].p);
		n++;
	}
	return n;
}

static bool
word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->p, s, w->len) == 0;
}

/* An address or a network (ADDR/LEN); ARX_ERR_RANGE: host bits set. */
static int
parse_addr(const struct word *w, struct ctl_request *out)
{
	struct arx_addr a;
	int r;

	if ((r = addr_parse_net(w->p, w->len, &a)) != 0)
		return r;
	addr_format(&a, out->addr, sizeof(out->addr));
	return 0;
}

static int
parse_command(const struct word *w, struct ctl_request *out)
{
	if (!str_is_name(w->p, w->len))
		return ARX_ERR_INVAL;
	memcpy(out->command, w->p, w->len);
	out->command[w->len] = '\0';
	return 0;
}

static int
parse_timeout(const struct word *w, struct ctl_request *out)
{
	char tmp[32];

	if (word_is(w, "-"))
		return 0;
	if (w->len >= sizeof(tmp))
		return ARX_ERR_INVAL;
	memcpy(tmp, w->p, w->len);
	tmp[w->len] = '\0';
	if (str_to_duration(tmp, 1, MAX_TIMEOUT_S, &out->timeout_s) != 0 ||
	    out->timeout_s == 0)
		return ARX_ERR_INVAL;
	return 0;
}

/* list's filters: command=NAME, rule=ID. */
static int
parse_filters(
    const struct word *w, size_t n, struct ctl_request *out, const char **why)
{
	struct word v;
	char id[16];
	uint64_t rule;

	for (size_t i = 0; i < n; i++) {
		if (w[i].len > 8 && memcmp(w[i].p, "command=", 8) == 0) {
			v = (struct word){w[i].p + 8, w[i].len - 8};
			if (parse_command(&v, out) == 0)
				continue;
		} else if (w[i].len > 5 && w[i].len - 5 < sizeof(id) &&
		    memcmp(w[i].p, "rule=", 5) == 0) {
			memcpy(id, w[i].p + 5, w[i].len - 5);
			id[w[i].len - 5] = '\0';
			if (str_to_uint(id, 1, UINT32_MAX, &rule) == 0) {
				out->rule = (unsigned)rule;
				continue;
			}
		}
		*why = "list takes command=NAME and rule=ID";
		return ARX_ERR_INVAL;
	}
	return 0;
}

/* The arguments of block (ADDR [DURATION] [COMMAND] [+offence]) and
 * unblock (ADDR [COMMAND]); ADDR may be a network ADDR/LEN. */
static int
parse_args(
    const struct word *w, size_t n, struct ctl_request *out, const char **why)
{
	int r;

	if (out->verb == CTL_LIST)
		return parse_filters(w, n, out, why);
	if (out->verb == CTL_BLOCK && n > 1 && word_is(&w[n - 1], "+offence")) {
		out->offence = true;
		n--;
	}
	if (out->verb == CTL_BLOCK && n > 3) {
		*why = "wrong number of arguments";
		return ARX_ERR_INVAL;
	}
	if (out->verb == CTL_UNBLOCK && word_is(&w[0], "all")) {
		out->all = true;
		str_lcpy(out->addr, "*", sizeof(out->addr));
	} else if ((r = parse_addr(&w[0], out)) != 0) {
		*why = r == ARX_ERR_RANGE
		    ? "the network has host bits set (10.0.0.0/8, not "
		      "10.1.2.3/8)"
		    : "not an IPv4 or IPv6 address, nor a network ADDR/LEN";
		return ARX_ERR_INVAL;
	}
	if (out->verb == CTL_BLOCK && n > 1 && parse_timeout(&w[1], out) != 0) {
		*why = "the duration must be a positive number of seconds, or "
		       "a number with s, m, h, d or w";
		return ARX_ERR_INVAL;
	}
	if ((out->verb == CTL_BLOCK ? n > 2 : n > 1) &&
	    parse_command(&w[n - 1], out) != 0) {
		*why = "not a command name";
		return ARX_ERR_INVAL;
	}
	return 0;
}

int
ctl_parse(
    const char *line, size_t len, struct ctl_request *out, const char **why)
{
	struct word w[MAX_WORDS];
	size_t n, i;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len > CTL_LINE_MAX || memchr(line, '\0', len) != NULL) {
		*why = "request too long or not text";
		return ARX_ERR_INVAL;
	}
	n = split(line, len, w, MAX_WORDS);
	if (n > 0 && word_is(&w[0], "json")) {
		out->json = true;
		n = split(w[0].p + w[0].len,
		    len - (size_t)(w[0].p + w[0].len - line), w, MAX_WORDS);
	}
	if (n == 0 || n > MAX_WORDS) {
		*why = n == 0 ? "empty request" : "too many words";
		return ARX_ERR_INVAL;
	}
	for (i = 0; i < NVERBS && !word_is(&w[0], verbs[i].name); i++)
		;
	if (i == NVERBS) {
		*why = "unknown request (status, list, block, unblock)";
		return ARX_ERR_INVAL;
	}
	out->verb = verbs[i].verb;
	if (n - 1 < verbs[i].min_args || n - 1 > verbs[i].max_args) {
		*why = "wrong number of arguments";
		return ARX_ERR_INVAL;
	}
	return n > 1 ? parse_args(w + 1, n - 1, out, why) : 0;
}

static int
put_error(struct buf *out, bool json, const char *why)
{
	int r;

	if (!json)
		return buf_printf(out, "error: %s\n", why);
	if ((r = buf_puts(out, "{\"ok\":false,\"error\":")) != 0 ||
	    (r = json_put_string(out, why, strlen(why))) != 0)
		return r;
	return buf_puts(out, "}\n");
}

/* ISO 8601 UTC time of ms, quoted for JSON. */
static int
put_time_q(struct buf *out, int64_t ms, bool quoted)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return buf_puts(out, quoted ? "null" : "-");
	return buf_printf(out, quoted ? "\"%s\"" : "%s", s);
}

static int
put_time(struct buf *out, int64_t ms)
{
	return put_time_q(out, ms, true);
}

static int
status_text(const struct ar_dispatch_stats *st, const struct ctl_info *info,
    int64_t now, struct buf *out)
{
	int r;

	if ((r = buf_printf(
		 out, "arx %s on %s, up ", info->version, info->node)) != 0 ||
	    (r = buf_put_duration(
		 out, (uint64_t)(now - info->started_ms) / 1000)) != 0)
		return r;
	r = buf_printf(out,
	    "\nblocks:    %zu active (at most %u), %lu refused with the "
	    "table full\noffences:  %zu addresses remembered, %lu "
	    "forgotten\nresponses: %lu triggers, %lu blocks, %lu extended, "
	    "%lu lifted, %lu white-listed, %lu refused, %lu notifications\n"
	    "programs:  %zu running, %zu waiting, %lu failed, %lu killed at "
	    "their limit, %lu dropped\njournal:   %lu write errors, %u "
	    "damaged lines skipped at start\n",
	    st->table.active, info->max_blocks, st->table.refused_full,
	    st->table.history, st->table.history_evicted, st->triggers,
	    st->blocks, st->extends, st->unblocks, st->whitelisted, st->refused,
	    st->notifications, st->running, st->queued, st->failed,
	    st->runs_timed_out, st->runs_dropped, st->journal_errors,
	    st->journal_bad);
	if (r == 0 && st->prechecks > 0)
		r = buf_printf(out,
		    "prechecks: %lu run, %lu blocks declined, %lu raised\n",
		    st->prechecks, st->declined, st->raised);
	if (r == 0 && st->nft_batches > 0)
		r = buf_printf(out,
		    "nftables:  %lu blocks and lifts in %lu transactions "
		    "(builtin:nftables), the largest %lu\n",
		    st->nft_ops, st->nft_batches, st->nft_largest);
	if (r == 0)
		r = buf_printf(out,
		    "kernel:    %lu looks, %lu restored (missing in %lu "
		    "looks), %lu restores failed, %lu put back at start\n",
		    st->kernel.looks, st->kernel.restored, st->kernel.rounds,
		    st->kernel.failed, st->kernel.reapplied);
	return r;
}

/* The analysis counters as the groups say: a line each, the counters
 * named as in JSON; a group of zeros only when always shown. */
static int
groups_put(
    const struct ctl_info *info, const struct counters *v, struct buf *out)
{
	int r = 0;

	for (size_t g = 0; r == 0 && g < info->ngroups; g++) {
		const struct ctl_stage_group *sg = &info->stage_groups[g];
		const char *const *name = sg->names;
		bool any = sg->always;

		for (size_t k = 0; k < 16 && name[k] != NULL && !any; k++)
			any = counters_get(v, name[k]) != 0;
		if (!any)
			continue;
		r = buf_printf(out, "  %-9s", sg->title);
		for (size_t k = 0; r == 0 && k < 16 && name[k] != NULL; k++)
			r = buf_printf(out, "%s%s %" PRIu64, k > 0 ? ", " : " ",
			    name[k], counters_get(v, name[k]));
		if (r == 0)
			r = buf_putc(out, '\n');
	}
	return r;
}

/* The analysis counters: text lines "analysis: ..." or a JSON member
 * ,"analysis":{...}. Nothing when the daemon has no analysis. */
static int
stages_put(const struct ctl_info *info, bool json, struct buf *out)
{
	static struct counters v; /* one status at a time, in one thread */
	bool running;
	int r;

	if (info->stages_read == NULL)
		return 0;
	running = info->stages_read(info->stages_ctx, &v);
	r = buf_printf(out,
	    json ? ",\"analysis\":{\"running\":%s" : "analysis:  %s",
	    json ? (running ? "true" : "false")
		 : (running ? "running" : "not running"));
	if (!json && info->stage_groups != NULL)
		return r != 0 ? r
		    : (r = buf_putc(out, '\n')) != 0
		    ? r
		    : groups_put(info, &v, out);
	for (size_t i = 0; i < v.n && r == 0; i++)
		if (counters_nlabels(&v.row[i]) == 0) /* labelled: "series" */
			r = buf_printf(out,
			    json ? ",\"%s\":%" PRIu64 : ", %s %" PRIu64,
			    v.row[i].name, v.row[i].value);
	if (r != 0)
		return r;
	return buf_puts(out, json ? "}" : "\n");
}

/* One row of "series": {"name":..,"labels":{..},"value":..}. */
static int
series_row(struct buf *out, const struct counter *row, bool first)
{
	size_t n = counters_nlabels(row);
	int r = buf_printf(out, "%s{\"name\":\"%s\",\"labels\":{",
	    first ? "" : ",", row->name);

	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct counter_label *l = &row->label[i];

		if ((r = buf_printf(
			 out, "%s\"%s\":", i > 0 ? "," : "", l->key)) == 0)
			r = json_put_string(out, l->value, strlen(l->value));
	}
	return r != 0 ? r
		      : buf_printf(out, "},\"value\":%" PRIu64 "}", row->value);
}

/* ,"series":[...]: every counter row, the root side's then the
 * analysis', labels included: what the metrics endpoint serves. */
static int
series_put(struct ar_dispatch *d, const struct ctl_info *info, struct buf *out)
{
	static struct counters root, kid; /* one status at a time */
	int r = buf_puts(out, ",\"series\":[");

	counters_clear(&root);
	counters_clear(&kid);
	if (info->root_read != NULL)
		info->root_read(info->stages_ctx, &root);
	else
		ar_dispatch_counters(d, &root);
	if (info->stages_read != NULL)
		(void)info->stages_read(info->stages_ctx, &kid);
	for (size_t i = 0; r == 0 && i < root.n; i++)
		r = series_row(out, &root.row[i], i == 0);
	for (size_t i = 0; r == 0 && i < kid.n; i++)
		r = series_row(out, &kid.row[i], i == 0 && root.n == 0);
	return r != 0 ? r : buf_puts(out, "]");
}

static int
status(struct ar_dispatch *d, const struct ctl_info *info, int64_t now,
    bool json, struct buf *out)
{
	struct ar_dispatch_stats st;
	int r;

	ar_dispatch_stats(d, &st);
	if (!json) {
		if ((r = status_text(&st, info, now, out)) != 0 ||
		    (r = stages_put(info, false, out)) != 0)
			return r;
		if (info->lists_put != NULL &&
		    (r = info->lists_put(info->stages_ctx, false, out)) != 0)
			return r;
		return info->agents_put != NULL
		    ? info->agents_put(info->stages_ctx, false, out)
		    : 0;
	}
	r = buf_printf(out,
	    "{\"ok\":true,\"version\":\"%s\",\"node\":\"%s\","
	    "\"uptime_s\":%" PRId64 ",\"blocks\":{\"active\":%zu,"
	    "\"max\":%u,\"refused_full\":%lu,\"history\":%zu,"
	    "\"history_evicted\":%lu},\"responses\":{\"triggers\":%lu,"
	    "\"blocks\":%lu,\"extends\":%lu,\"unblocks\":%lu,"
	    "\"whitelisted\":%lu,\"refused\":%lu,\"failed\":%lu,"
	    "\"notifications\":%lu,\"running\":%zu,\"queued\":%zu,"
	    "\"dropped\":%lu,\"timed_out\":%lu,\"nft_batches\":%lu,"
	    "\"nft_ops\":%lu,\"nft_largest\":%lu,\"prechecks\":%lu,"
	    "\"declined\":%lu,\"raised\":%lu},\"journal\":{"
	    "\"errors\":%lu,\"damaged_lines\":%u}",
	    info->version, info->node, (now - info->started_ms) / 1000,
	    st.table.active, info->max_blocks, st.table.refused_full,
	    st.table.history, st.table.history_evicted, st.triggers, st.blocks,
	    st.extends, st.unblocks, st.whitelisted, st.refused, st.failed,
	    st.notifications, st.running, st.queued, st.runs_dropped,
	    st.runs_timed_out, st.nft_batches, st.nft_ops, st.nft_largest,
	    st.prechecks, st.declined, st.raised, st.journal_errors,
	    st.journal_bad);
	if (r == 0)
		r = buf_printf(out,
		    ",\"kernel\":{\"looks\":%lu,\"restored\":%lu,"
		    "\"restore_rounds\":%lu,\"restore_failed\":%lu,"
		    "\"reapplied\":%lu}",
		    st.kernel.looks, st.kernel.restored, st.kernel.rounds,
		    st.kernel.failed, st.kernel.reapplied);
	if (r != 0 || (r = stages_put(info, true, out)) != 0 ||
	    (r = series_put(d, info, out)) != 0)
		return r;
	if (info->agents_put != NULL &&
	    (r = info->agents_put(info->stages_ctx, true, out)) != 0)
		return r;
	if (info->lists_put != NULL &&
	    (r = info->lists_put(info->stages_ctx, true, out)) != 0)
		return r;
	return buf_puts(out, "}\n");
}

struct views {
	struct ar_block_view *v;
	size_t n, cap;
	bool nomem;
	const struct ctl_request *filter; /* command=, rule= */
};

/* Whether v passes list's filters. */
static bool
view_wanted(const struct ar_block_view *v, const struct ctl_request *f)
{
	size_t i;

	if (f->command[0] != '\0' && strcmp(v->command, f->command) != 0)
		return false;
	if (f->rule == 0)
		return true;
	for (i = 0; i < AR_BLOCK_RULES && v->rules[i] != 0; i++)
		if (v->rules[i] == f->rule)
			return true;
	return false;
}

static void
collect(const struct ar_block_view *v, void *ctx)
{
	struct views *vs = ctx;
	struct ar_block_view *nv;

	if (vs->filter != NULL && !view_wanted(v, vs->filter))
		return;
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 64;

		if ((nv = realloc(vs->v, cap * sizeof(*nv))) == NULL) {
			vs->nomem = true;
			return;
		}
		vs->v = nv;
		vs->cap = cap;
	}
	vs->v[vs->n++] = *v;
}

/* Soonest lift first; blocks without an end last. */
static int
by_expiry(const void *a, const void *b)
{
	const struct ar_block_view *x = a, *y = b;

	if (x->expires_ms != y->expires_ms)
		return x->expires_ms < y->expires_ms ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

/* The rules that asked for v, separated by sep ("-" for none in text). */
static int
put_rules(struct buf *out, const struct ar_block_view *v, const char *sep)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < AR_BLOCK_RULES && v->rules[i] != 0; i++)
		r = buf_printf(out, "%s%u", i > 0 ? sep : "", v->rules[i]);
	return r;
}

/* ar_block_view.in_kernel (-1, 0, 1) in JSON and in the text list. */
static const char *const in_kernel_json[] = {"null", "false", "true"};
static const char *const in_kernel_text[] = {"-", "NO", "yes"};

/* "pending" until the backend confirmed the block, "missing" when the
 * kernel was found without it, else "active". */
static const char *
view_state(const struct ar_block_view *v)
{
	if (v->pending)
		return "pending";
	return v->in_kernel == 0 ? "missing" : "active";
}

static int
put_view(struct buf *out, const struct ar_block_view *v, int64_t now)
{
	int r;

	if ((r = buf_printf(
		 out, "{\"address\":\"%s\",\"command\":", v->addr)) != 0 ||
	    (r = json_put_string(out, v->command, strlen(v->command))) != 0 ||
	    (r = buf_puts(out, ",\"added\":")) != 0 ||
	    (r = put_time(out, v->added_ms)) != 0 ||
	    (r = buf_puts(out, ",\"expires\":")) != 0)
		return r;
	if (v->expires_ms == AR_NEVER)
		r = buf_printf(out, "null,\"remaining_s\":null,\"offences\":%u",
		    v->offences);
	else if ((r = put_time(out, v->expires_ms)) == 0)
		r = buf_printf(out,
		    ",\"remaining_s\":%" PRId64 ",\"offences\":%u",
		    v->expires_ms > now ? (v->expires_ms - now + 999) / 1000
					: 0,
		    v->offences);
	if (r == 0)
		r = buf_printf(out, ",\"in_kernel\":%s,\"state\":\"%s\"",
		    in_kernel_json[v->in_kernel + 1], view_state(v));
	if (r == 0)
		r = buf_puts(out, ",\"rules\":[");
	if (r == 0)
		r = put_rules(out, v, ",");
	return r != 0 ? r : buf_puts(out, "]}");
}

static int
put_row(struct buf *out, const struct ar_block_view *v, int64_t now)
{
	int r;

	if ((r = buf_printf(out, "%-39s %-16s ", v->addr, v->command)) != 0)
		return r;
	if (v->expires_ms == AR_NEVER)
		r = buf_puts(out, "never     ");
	else {
		size_t mark = out->len;

		r = buf_put_duration(out,
		    v->expires_ms > now
			? (uint64_t)(v->expires_ms - now + 999) / 1000
			: 0);
		while (r == 0 && out->len - mark < 10)
			r = buf_putc(out, ' ');
	}
	if (r == 0)
		r = buf_printf(out, " %8u  ", v->offences);
	if (r == 0)
		r = v->expires_ms == AR_NEVER
		    ? buf_puts(out, "-                   ")
		    : put_time_q(out, v->expires_ms, false);
	if (r == 0)
		r = buf_printf(out, " %-7s ",
		    v->pending ? "pending" : in_kernel_text[v->in_kernel + 1]);
	if (r == 0)
		r = v->rules[0] != 0 ? put_rules(out, v, ",")
				     : buf_putc(out, '-');
	return r != 0 ? r : buf_putc(out, '\n');
}

static int
list_text(const struct views *vs, int64_t now, struct buf *out)
{
	size_t i;
	size_t pending = 0;
	int r = buf_printf(out, "%-39s %-16s %-10s %8s  %-20s %-7s %s\n",
	    "ADDRESS", "COMMAND", "REMAINING", "OFFENCES", "EXPIRES", "KERNEL",
	    "RULES");

	for (i = 0; r == 0 && i < vs->n; i++) {
		r = put_row(out, &vs->v[i], now);
		pending += vs->v[i].pending;
	}
	if (r == 0)
		r = buf_printf(
		    out, "%zu block%s", vs->n, vs->n == 1 ? "" : "s");
	if (r == 0 && pending > 0)
		r = buf_printf(out,
		    " (%zu pending: not yet confirmed by their backend)",
		    pending);
	return r != 0 ? r : buf_putc(out, '\n');
}

static int
list(struct ar_dispatch *d, const struct ctl_request *req, int64_t now,
    struct buf *out)
{
	struct views vs = {.filter = req};
	bool json = req->json;
	size_t i;
	int r;

	ar_dispatch_foreach(d, collect, &vs);
	if (vs.nomem) {
		free(vs.v);
		return put_error(out, json, "out of memory");
	}
	if (vs.n > 1)
		qsort(vs.v, vs.n, sizeof(*vs.v), by_expiry);
	if (!json) {
		r = list_text(&vs, now, out);
		free(vs.v);
		return r;
	}
	r = buf_puts(out, "{\"ok\":true,\"now\":");
	if (r == 0)
		r = put_time(out, now);
	if (r == 0)
		r = buf_puts(out, ",\"blocks\":[");
	for (i = 0; r == 0 && i < vs.n; i++) {
		if (i > 0)
			r = buf_putc(out, ',');
		if (r == 0)
			r = put_view(out, &vs.v[i], now);
	}
	free(vs.v);
	return r != 0 ? r : buf_puts(out, "]}\n");
}

/* What a manual block or unblock answers once its runs reported. */
static int
done_answer(const struct ctl_wait *w, struct buf *out)
{
	if (w->action[0] == 'a')
		return w->json
		    ? buf_printf(
			  out, "{\"ok\":true,\"address\":\"%s\"}\n", w->addr)
		    : buf_printf(out, "blocked %s\n", w->addr);
	if (w->json)
		return buf_printf(out,
		    "{\"ok\":true,\"address\":\"%s\",\"lifted\":%u}\n", w->addr,
		    w->lifted);
	return buf_printf(out, "unblocked %s (%u block%s lifted)\n",
	    strcmp(w->addr, "*") == 0 ? "all" : w->addr, w->lifted,
	    w->lifted == 1 ? "" : "s");
}

#define WAIT_UNKNOWN 100000u /* runs not known yet (before an unblock) */

/* Get w ready before the runs start: a report can come at once (a run
 * refused on the spot) and is then already counted. */
static struct ctl_wait *
wait_prepare(const struct ctl_request *req, const char *action,
    struct ctl_wait *w, struct ctl_wait *local)
{
	struct ctl_wait *x = w != NULL ? w : local;

	memset(x, 0, sizeof(*x));
	x->action = action;
	x->json = req->json;
	str_lcpy(x->addr, req->addr, sizeof(x->addr));
	str_lcpy(x->command, req->command, sizeof(x->command));
	x->left = WAIT_UNKNOWN;
	return x;
}

/* n runs were started: wait for those not reported yet (only with a
 * caller's w), or answer now. */
static int
wait_or_answer(struct ctl_wait *x, bool callers, unsigned n, struct buf *out)
{
	unsigned reported = WAIT_UNKNOWN - x->left;

	x->left = callers && n > reported ? n - reported : 0;
	return x->left > 0 ? 0 : ctl_wait_answer(x, false, out);
}

static int
block(struct ar_dispatch *d, const struct ctl_request *req, struct ctl_wait *w,
    struct buf *out)
{
	const char *why;
	const char *cmd = req->command[0] ? req->command : NULL;
	struct ctl_wait local, *x = wait_prepare(req, "add", w, &local);
	int rc = ar_dispatch_block(d, cmd, req->addr, req->timeout_s,
	    AR_ORIGIN_MANUAL | (req->offence ? AR_BLOCK_OFFENCE : 0), &why);

	if (rc < 0) {
		x->left = 0;
		return put_error(out, req->json, why);
	}
	/* a new block's add runs (1): the answer is its result */
	return wait_or_answer(x, w != NULL, rc == 1 ? 1 : 0, out);
}

static int
unblock(struct ar_dispatch *d, const struct ctl_request *req,
    struct ctl_wait *w, struct buf *out)
{
	const char *cmd = req->command[0] ? req->command : NULL;
	struct ctl_wait local, *x = wait_prepare(req, "delete", w, &local);
	int n = req->all ? ar_dispatch_unblock_all(d, cmd)
			 : ar_dispatch_unblock(d, cmd, req->addr, 0);

	if (n < 0)
		x->left = 0;
	if (n == ARX_ERR_NOTFOUND)
		return put_error(out, req->json,
		    cmd != NULL ? "no such block (or no such command)"
				: "no such block");
	if (n < 0)
		return put_error(out, req->json, arx_strerror(n));
	x->lifted = (unsigned)n;
	return wait_or_answer(x, w != NULL, (unsigned)n, out);
}

bool
ctl_wait_event(struct ctl_wait *w, const struct ar_event *ev)
{
	if (w->left == 0 ||
	    (ev->type != AR_EV_DONE && ev->type != AR_EV_FAIL) ||
	    ev->action == NULL || ev->addr == NULL ||
	    strcmp(ev->action, w->action) != 0 ||
	    (strcmp(w->addr, "*") != 0 && strcmp(ev->addr, w->addr) != 0) ||
	    (w->command[0] != '\0' &&
		(ev->command == NULL || strcmp(ev->command, w->command) != 0)))
		return false;
	if (ev->type == AR_EV_FAIL && w->failed[0] == '\0')
		snprintf(w->failed, sizeof(w->failed),
		    "%s %s %s failed: %s%s%s", ev->command ? ev->command : "-",
		    ev->action, ev->addr, ev->why ? ev->why : "error",
		    ev->said ? ": " : "", ev->said ? ev->said : "");
	return --w->left == 0;
}

int
ctl_wait_answer(const struct ctl_wait *w, bool timed_out, struct buf *out)
{
	if (w->failed[0] != '\0')
		return put_error(out, w->json, w->failed);
	if (timed_out)
		return put_error(out, w->json,
		    "no result from the response program in time; the block "
		    "is in arx's table (arx list) and the program may still "
		    "finish");
	return done_answer(w, out);
}

int
ctl_handle(struct ar_dispatch *d, const struct ctl_info *info,
    const struct ctl_request *req, int64_t now_ms, struct ctl_wait *w,
    struct buf *out)
{
	if (w != NULL)
		w->left = 0;
	switch (req->verb) {
	case CTL_STATUS:
		return status(d, info, now_ms, req->json, out);
	case CTL_LIST:
		return list(d, req, now_ms, out);
	case CTL_BLOCK:
		return block(d, req, w, out);
	case CTL_UNBLOCK:
		return unblock(d, req, w, out);
	}
	return put_error(out, req->json, "unknown request");
}

int
ctl_handle_line(struct ar_dispatch *d, const struct ctl_info *info,
    const char *line, size_t len, int64_t now_ms, struct ctl_wait *w,
    struct buf *out)
{
	struct ctl_request req;
	const char *why;

	if (w != NULL)
		w->left = 0;
	if (ctl_parse(line, len, &req, &why) != 0)
		return put_error(out, req.json, why);
	return ctl_handle(d, info, &req, now_ms, w, out);
}
