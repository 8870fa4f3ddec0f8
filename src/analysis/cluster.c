/*
 * Implementation of cluster.h: the statements a manager sends to the
 * shared database, and what it does with their answers. Every number
 * goes as text ($n parameters); every answer is read through
 * db/pg.h's typed getters, and a row that does not read is counted and
 * skipped. The fleet's rows are read in id order from a cursor
 * (blocks_seen): arx_block_add commits ids in order, so "id > cursor"
 * never skips one.
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/cluster.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/err.h"
#include "core/evloop.h"
#include "core/log.h"
#include "db/pg.h"
#include "db/schema.h"
#include "transport/keys.h"

#define TICK_MS      1000u
#define CATCHUP_S    5u   /* the fleet's rows read again, notified or not */
#define AGENTS_S     30u  /* the agent table compared, changed or not */
#define HEARTBEAT_S  10u  /* arx_managers.seen_at */
#define HOUSEKEEP_S  600u /* rows of blocks over for a day deleted */
#define FETCH_ROWS   1000
#define HELLO_ROWS   1000
#define OFFENCE_DAYS 30
#define TABLE        "agents"
#define SYNCED       "agents.synced" /* the table as the database had it */

#define ROW_COLS                                                  \
	"id, manager, command, address, target, agent, made_ms, " \
	"deadline_ms, offences, rule_id, alert_id, key"

static const char SQL_BLOCK_ADD[] =
    "SELECT arx_block_add($1, $2, $3, $4, $5::smallint, $6, $7::bigint, "
    "$8::bigint, $9::integer, $10::integer, $11)";
static const char SQL_FETCH[] = "SELECT " ROW_COLS " FROM arx_blocks "
				"WHERE id > $1::bigint ORDER BY id LIMIT 1000";
static const char SQL_MAXID[] = "SELECT coalesce(max(id), 0) FROM arx_blocks";
static const char SQL_OFFENCES[] =
    "SELECT command, address, count, last_ms FROM arx_offences "
    "WHERE manager <> $1 AND last_ms > $2::bigint "
    "ORDER BY last_ms DESC LIMIT 10000";
static const char SQL_HELLO[] =
    "SELECT a.last_seq, a.last_block, b.id, b.manager, b.command, "
    "b.address, b.target, b.agent, b.made_ms, b.deadline_ms, b.offences, "
    "b.rule_id, b.alert_id, b.key FROM arx_agents a "
    "LEFT JOIN arx_blocks b "
    "ON b.id > GREATEST(a.last_block, $3::bigint) AND "
    "b.deadline_ms > $2::bigint AND "
    "(b.target = 3 OR (b.target = 1 AND b.agent = a.name) OR "
    "(b.target = 2 AND b.agent = a.id::text)) "
    "WHERE a.id = $1::bigint ORDER BY b.id LIMIT 1000";
/* the key makes a write run twice (a connection lost under it) count
 * its events once */
static const char SQL_PROGRESS[] =
    "UPDATE arx_agents SET last_seq = GREATEST(last_seq, $2::bigint), "
    "events = events + CASE WHEN progress_key IS NOT DISTINCT FROM $6 "
    "THEN 0 ELSE $3::bigint END, "
    "last_block = GREATEST(last_block, $4::bigint), manager = $5, "
    "seen_at = now(), progress_key = $6 WHERE id = $1::bigint";
static const char SQL_AGENT_PUT[] =
    "SELECT arx_agent_put($1::bigint, $2, $3, $4::boolean)";
static const char SQL_TOKEN_PUT[] =
    "SELECT arx_token_put($1, $2, $3::boolean, $4)";
static const char SQL_AGENTS[] =
    "SELECT line, removed FROM arx_agents UNION ALL "
    "SELECT line, used_at IS NOT NULL FROM arx_tokens";
/* the row as it was (another process's boot under this name, and how
 * long ago it was seen), then this one's */
static const char SQL_HEARTBEAT[] =
    "WITH was AS (SELECT boot, extract(epoch FROM now() - seen_at) AS age "
    "FROM arx_managers WHERE name = $1) "
    "INSERT INTO arx_managers AS m(name, version, boot) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET seen_at = now(), "
    "version = EXCLUDED.version, boot = EXCLUDED.boot "
    "RETURNING (SELECT boot FROM was), (SELECT age FROM was)::integer";
static const char SQL_HOUSEKEEP[] =
    "DELETE FROM arx_blocks WHERE deadline_ms < $1::bigint";

struct cluster_stats {
	unsigned long blocks_written, blocks_read, offences_read, hellos,
	    hello_failed, progress, agents_pushed, agents_pulled,
	    agents_conflicts, bad_rows, write_errors, name_clashes;
};

struct cluster {
	struct evloop *loop;
	struct pg *pg;
	struct cluster_hooks h;
	char node[128];
	char keyp[200]; /* "node:start:pid:", this process's keys' prefix */
	int dirfd;
	uint64_t blocks_seen;
	bool seen_known;            /* blocks_seen read once */
	bool fetching, fetch_again; /* one read of the fleet's rows at once */
	bool pulling, pull_again;
	struct evtimer tick;
	unsigned ticks;
	int64_t boot_ms;
	uint64_t nkeys;         /* this manager's decisions, for their keys */
	struct agent_keys prev; /* what the database had at the last pull
				 * (SYNCED), the base of what changed here */
	bool prev_known;
	struct agent_keys pushed; /* the file as pushed, while its pull runs */
	struct timespec local_mtime;
	off_t local_size;
	struct log_limit conflict_log;
	struct cluster_stats st;
	bool migrated;       /* the schema is this arx's (db_migrate ran) */
	bool beaten;         /* a heartbeat of this process is in the table */
	char *conninfo, *pw; /* for db_migrate at the first touch */
};

static int64_t
now_ms(void)
{
	return clock_wall_ms(clock_real());
}

static void
u64_text(char *out, size_t n, uint64_t v)
{
	snprintf(out, n, "%" PRIu64, v);
}

static void
i64_text(char *out, size_t n, int64_t v)
{
	snprintf(out, n, "%" PRId64, v);
}

/* A write the database refused: said and counted (the queue's losses
 * are db/pg.h's). */
static void
on_written(const struct pg_res *r, const char *err, void *ctx)
{
	struct cluster *c = ctx;

	if (r == NULL && err != NULL && strcmp(err, "dropped") != 0) {
		c->st.write_errors++;
		log_warn("cluster: the database refused a write: %s", err);
	}
}

/* ---- the fleet's rows ---- */

/* Row i of r from column col on (the ROW_COLS order); false when it does
 * not read. */
static bool
row_read(const struct pg_res *r, size_t i, unsigned col, const char *keyp,
    struct cluster_row *out)
{
	uint64_t target, offences, rule;
	const char *key = pg_res_value(r, i, col + 11);

	memset(out, 0, sizeof(*out));
	out->manager = pg_res_value(r, i, col + 1);
	out->command = pg_res_value(r, i, col + 2);
	out->address = pg_res_value(r, i, col + 3);
	out->agent = pg_res_value(r, i, col + 5);
	out->alert_id = pg_res_value(r, i, col + 10);
	if (!pg_res_u64(r, i, col, &out->id) ||
	    !pg_res_u64(r, i, col + 4, &target) ||
	    !pg_res_i64(r, i, col + 6, &out->made_ms) ||
	    !pg_res_i64(r, i, col + 7, &out->deadline_ms) ||
	    !pg_res_u64(r, i, col + 8, &offences) ||
	    !pg_res_u64(r, i, col + 9, &rule) || out->manager == NULL ||
	    out->command == NULL || out->address == NULL ||
	    out->agent == NULL || out->alert_id == NULL || key == NULL ||
	    target > 3 || offences > 1000 || rule > 99999999)
		return false;
	out->target = (unsigned)target;
	out->offences = (unsigned)offences;
	out->rule_id = (unsigned)rule;
	/* this process's own (its key's prefix), not the name's: a second
	 * manager given the same name by mistake still gets the other's */
	out->mine = strncmp(key, keyp, strlen(keyp)) == 0;
	return true;
}

static void fetch(struct cluster *c);

static void
on_fetched(const struct pg_res *r, const char *err, void *ctx)
{
	struct cluster *c = ctx;
	struct cluster_row row;
	size_t n = r != NULL ? pg_res_rows(r) : 0;
	uint64_t before = c->blocks_seen;

	c->fetching = false;
	if (r == NULL) {
		log_info("cluster: the fleet's blocks not read: %s", err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!row_read(r, i, 0, c->keyp, &row)) {
			c->st.bad_rows++; /* skipped, and not read again */
			if (pg_res_u64(r, i, 0, &row.id) &&
			    row.id > c->blocks_seen)
				c->blocks_seen = row.id;
			continue;
		}
		c->blocks_seen = row.id;
		c->st.blocks_read++;
		if (!row.mine && row.offences > 0 && c->h.offence != NULL)
			c->h.offence(row.command, row.address, row.offences,
			    row.made_ms, c->h.offence_ctx);
		if (c->h.row != NULL)
			c->h.row(&row, c->h.ctx);
	}
	if ((n == FETCH_ROWS && c->blocks_seen > before) || c->fetch_again) {
		c->fetch_again = false;
		fetch(c);
	}
}

/* Read the rows after the cursor (one read at a time; a notification
 * meanwhile asks for another). */
static void
fetch(struct cluster *c)
{
	char since[24];
	const char *p[1] = {since};

	if (!c->seen_known || !pg_is_up(c->pg))
		return;
	if (c->fetching) {
		c->fetch_again = true;
		return;
	}
	u64_text(since, sizeof(since), c->blocks_seen);
	c->fetching = true;
	if (pg_query(c->pg, PG_READ, SQL_FETCH, 1, p, on_fetched, c) != 0)
		c->fetching = false;
}

static void
on_maxid(const struct pg_res *r, const char *err, void *ctx)
{
	struct cluster *c = ctx;

	(void)err;
	if (r == NULL || !pg_res_u64(r, 0, 0, &c->blocks_seen))
		return;
	c->seen_known = true;
	fetch(c);
}

static void
on_offences(const struct pg_res *r, const char *err, void *ctx)
{
	struct cluster *c = ctx;
	size_t n = r != NULL ? pg_res_rows(r) : 0;
	uint64_t count;
	int64_t last;

	(void)err;
	for (size_t i = n; i-- > 0;) { /* oldest first */
		const char *cmd = pg_res_value(r, i, 0);
		const char *addr = pg_res_value(r, i, 1);

		if (cmd == NULL || addr == NULL ||
		    !pg_res_u64(r, i, 2, &count) || count == 0 ||
		    count > 1000 || !pg_res_i64(r, i, 3, &last)) {
			c->st.bad_rows++;
			continue;
		}
		c->st.offences_read++;
		if (c->h.offence != NULL)
			c->h.offence(
			    cmd, addr, (unsigned)count, last, c->h.offence_ctx);
	}
}

/* ---- this manager's decisions, and its agents' progress ---- */

void
cluster_block(struct cluster *c, unsigned target, const char *agent,
    const char *command, const char *address, uint64_t timeout_s,
    unsigned offences, unsigned rule_id, const char *alert_id)
{
	char key[256], tg[24], made[24], deadline[24], off[24], rule[24];
	int64_t now = now_ms();
	const char *p[11] = {key, c->node, command, address, tg,
	    agent != NULL ? agent : "", made, deadline, off, rule,
	    alert_id != NULL ? alert_id : ""};

	/* the key makes a write sent twice (a connection lost while it
	 * ran) one row */
	snprintf(key, sizeof(key), "%s%" PRIu64, c->keyp, ++c->nkeys);
	u64_text(tg, sizeof(tg), target);
	i64_text(made, sizeof(made), now);
	i64_text(deadline, sizeof(deadline),
	    timeout_s == 0 ? CLUSTER_NEVER_MS
			   : now + (int64_t)timeout_s * 1000);
	u64_text(off, sizeof(off), offences);
	u64_text(rule, sizeof(rule), rule_id);
	if (pg_query(c->pg, PG_WRITE, SQL_BLOCK_ADD, 11, p, on_written, c) == 0)
		c->st.blocks_written++;
}

struct hello_ask {
	struct cluster *c;
	cluster_hello_fn *fn;
	void *ctx;
	uint64_t tag, id, after; /* after: the last block of a part */
};

static int hello_ask(struct hello_ask *q);

/* The place (the first row's), then the blocks it missed, handed to fn
 * in parts of 64; a full page (HELLO_ROWS) asks for the next before
 * the last call (done). */
static void
on_hello(const struct pg_res *r, const char *err, void *ctx)
{
	struct hello_ask *q = ctx;
	struct cluster_row rows[64];
	struct cluster_hello h = {.rows = rows};
	size_t n = r != NULL ? pg_res_rows(r) : 0;
	uint64_t id;

	if (r == NULL)
		log_info("cluster: an agent's place not read: %s", err);
	h.ok = r != NULL &&
	    (n == 0 ||
		(pg_res_u64(r, 0, 0, &h.last_seq) &&
		    pg_res_u64(r, 0, 1, &h.last_block)));
	if (!h.ok)
		q->c->st.hello_failed++;
	for (size_t i = 0; h.ok && i < n; i++) {
		if (pg_res_value(r, i, 2) == NULL)
			continue; /* no block: the LEFT JOIN's empty side */
		if (pg_res_u64(r, i, 2, &id) && id > q->after)
			q->after =
			    id; /* bad or not: the next page is past it */
		if (!row_read(r, i, 2, q->c->keyp, &rows[h.nrows])) {
			q->c->st.bad_rows++;
			continue;
		}
		if (++h.nrows == 64) {
			q->fn(q->ctx, q->tag, &h);
			h.nrows = 0;
		}
	}
	if (h.ok && n == HELLO_ROWS && hello_ask(q) == 0) {
		q->fn(q->ctx, q->tag, &h); /* more to come */
		return;
	}
	h.done = true;
	q->fn(q->ctx, q->tag, &h);
	free(q);
}

static int
hello_ask(struct hello_ask *q)
{
	char ids[24], now[24], after[24];
	const char *p[3] = {ids, now, after};

	u64_text(ids, sizeof(ids), q->id);
	i64_text(now, sizeof(now), now_ms());
	u64_text(after, sizeof(after), q->after);
	return pg_query(q->c->pg, PG_READ, SQL_HELLO, 3, p, on_hello, q);
}

void
cluster_hello(struct cluster *c, uint64_t id, cluster_hello_fn *fn, void *ctx,
    uint64_t tag)
{
	struct hello_ask *q = malloc(sizeof(*q));
	struct cluster_hello none = {.done = true};

	c->st.hellos++;
	if (q != NULL)
		*q = (struct hello_ask){c, fn, ctx, tag, id, 0};
	if (q == NULL || hello_ask(q) != 0) {
		free(q);
		c->st.hello_failed++;
		fn(ctx, tag, &none);
	}
}

struct progress_ask {
	cluster_progress_fn *fn;
	void *ctx;
	uint64_t tag, seq;
};

static void
on_progress(const struct pg_res *r, const char *err, void *ctx)
{
	struct progress_ask *q = ctx;

	(void)err;
	if (q->fn != NULL)
		q->fn(q->ctx, q->tag, r != NULL, q->seq);
	free(q);
}

void
cluster_progress(struct cluster *c, uint64_t id, uint64_t seq, uint64_t events,
    uint64_t last_block, cluster_progress_fn *fn, void *ctx, uint64_t tag)
{
	struct progress_ask *q;
	char ids[24], seqs[24], evs[24], blk[24], key[256];
	const char *p[6] = {ids, seqs, evs, blk, c->node, key};
	bool up = pg_is_up(c->pg);

	u64_text(ids, sizeof(ids), id);
	u64_text(seqs, sizeof(seqs), seq);
	u64_text(evs, sizeof(evs), events);
	u64_text(blk, sizeof(blk), last_block);
	snprintf(key, sizeof(key), "%s%" PRIu64, c->keyp, ++c->nkeys);
	if ((q = malloc(sizeof(*q))) == NULL) {
		if (fn != NULL)
			fn(ctx, tag, false, seq);
		return;
	}
	/* while the database is away the write waits in the queue, and
	 * the caller goes on without it */
	*q = (struct progress_ask){up ? fn : NULL, ctx, tag, seq};
	c->st.progress++;
	if (pg_query(c->pg, PG_WRITE, SQL_PROGRESS, 6, p, on_progress, q) !=
	    0) {
		free(q);
		up = false;
	}
	if (!up && fn != NULL)
		fn(ctx, tag, false, seq);
}

/* ---- the agent table, the same on every manager ---- */

static void
put_agent(struct cluster *c, const struct agent_key *k)
{
	char ids[24];
	struct buf line;
	const char *p[4];

	buf_init(&line, 1024);
	if (keys_agent_format(&line, k) == 0 && buf_putc(&line, '\0') == 0) {
		u64_text(ids, sizeof(ids), k->id);
		p[0] = ids;
		p[1] = k->name;
		p[2] = line.data;
		p[3] = k->removed ? "true" : "false";
		if (pg_query(c->pg, PG_WRITE, SQL_AGENT_PUT, 4, p, on_written,
			c) == 0)
			c->st.agents_pushed++;
	}
	explicit_bzero(line.data, line.len);
	buf_release(&line);
}

static void
put_token(struct cluster *c, const struct enroll_token *t, bool used)
{
	char ids[24];
	struct buf line;
	const char *p[4] = {ids, NULL, used ? "true" : "false", c->node};

	buf_init(&line, 1024);
	if (keys_token_format(&line, t) == 0 && buf_putc(&line, '\0') == 0) {
		snprintf(ids, sizeof(ids), "%016" PRIx64, t->id);
		p[1] = line.data;
		if (pg_query(c->pg, PG_WRITE, SQL_TOKEN_PUT, 4, p, on_written,
			c) == 0)
			c->st.agents_pushed++;
	}
	explicit_bzero(line.data, line.len);
	buf_release(&line);
}

static const struct agent_key *
prev_agent(const struct agent_keys *ks, uint64_t id)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].id == id)
			return &ks->v[i];
	return NULL;
}

static bool
has_token(const struct agent_keys *ks, uint64_t id)
{
	for (size_t i = 0; i < ks->ntokens; i++)
		if (ks->tokens[i].id == id)
			return true;
	return false;
}

/* What changed here since the last comparison goes to the database:
 * new or changed agents, new tokens, tokens gone (used here). */
static void
push_changes(struct cluster *c, const struct agent_keys *now)
{
	const struct agent_keys *was = c->prev_known ? &c->prev : NULL;
	const struct agent_key *k, *p;

	for (size_t i = 0; i < now->n; i++) {
		k = &now->v[i];
		p = was != NULL ? prev_agent(was, k->id) : NULL;
		if (p == NULL || memcmp(p, k, sizeof(*k)) != 0)
			put_agent(c, k);
	}
	for (size_t i = 0; i < now->ntokens; i++)
		if (was == NULL || !has_token(was, now->tokens[i].id))
			put_token(c, &now->tokens[i], false);
	for (size_t i = 0; was != NULL && i < was->ntokens; i++)
		if (!has_token(now, was->tokens[i].id))
			put_token(c, &was->tokens[i], true);
}

/* The file's state now: a change after it is pushed at the next tick. */
static void
local_mark(struct cluster *c)
{
	struct stat st;

	if (fstatat(c->dirfd, TABLE, &st, 0) == 0) {
		c->local_mtime = st.st_mtim;
		c->local_size = st.st_size;
	}
}

static void
merge_conflict(struct cluster *c, const char *line, const char *why)
{
	unsigned long held;

	c->st.agents_conflicts++;
	if (log_limit_pass(
		&c->conflict_log, clock_mono_ms(clock_real()), &held))
		log_warn("cluster: agent %.20s... of the database not taken: "
			 "%s",
		    line, why);
}

/* Each row of the database's table into ks (keys_merge_line's rules);
 * *changed set when ks changed. */
static void
merge_rows(struct cluster *c, const struct pg_res *r, struct agent_keys *ks,
    bool report, bool *changed)
{
	const char *why, *line, *flag;
	int64_t now_s = now_ms() / 1000;

	for (size_t i = 0; i < pg_res_rows(r); i++) {
		line = pg_res_value(r, i, 0);
		flag = pg_res_value(r, i, 1);
		if (line == NULL || flag == NULL) {
			c->st.bad_rows += report;
			continue;
		}
		why = keys_merge_line(ks, line, flag[0] == 't', now_s, changed);
		if (why != NULL && report)
			merge_conflict(c, line, why);
	}
}

static void agents_sync(struct cluster *c);

/* What changed in the file while a pull ran (before: the file now;
 * pushed: as it was pushed) wins over the database's older copy in ks: a
 * token used meanwhile stays gone, an agent changed meanwhile keeps its
 * change (unless the database removed it). */
static void
keep_local(const struct agent_keys *before, const struct agent_keys *pushed,
    struct agent_keys *ks, bool *changed)
{
	const struct agent_key *a, *p;
	struct agent_key *k;

	for (size_t i = 0; i < pushed->ntokens; i++)
		if (!has_token(before, pushed->tokens[i].id) &&
		    has_token(ks, pushed->tokens[i].id)) {
			keys_token_drop(ks, pushed->tokens[i].id, 0);
			*changed = true;
		}
	for (size_t i = 0; i < before->n; i++) {
		a = &before->v[i];
		p = prev_agent(pushed, a->id);
		k = (struct agent_key *)prev_agent(ks, a->id);
		if ((p != NULL && memcmp(p, a, sizeof(*a)) == 0) || k == NULL ||
		    k->removed || memcmp(k, a, sizeof(*a)) == 0)
			continue;
		*k = *a;
		*changed = true;
	}
}

/* The database's rows are what it has (SYNCED, kept across restarts,
 * so a manager that was away neither pushes its stale table nor misses
 * a token used while the database was away); merged into the file,
 * written when that changed it. */
static void
on_agents(const struct pg_res *r, const char *err, void *ctx)
{
	struct cluster *c = ctx;
	struct agent_keys ks, before, db;
	bool changed = false, ignored = false;

	c->pulling = false;
	if (r == NULL) {
		log_info("cluster: the agent table not read: %s", err);
		keys_release(&c->pushed);
		c->local_size = -1; /* again at the next tick */
		return;
	}
	memset(&db, 0, sizeof(db));
	merge_rows(c, r, &db, false, &ignored);
	keys_release(&c->prev);
	c->prev = db;
	c->prev_known = true;
	if (keys_save_at(c->dirfd, SYNCED, &c->prev) != 0)
		log_warn("cluster: cannot write %s", SYNCED);
	if (keys_load_at(c->dirfd, TABLE, &ks) == 0 &&
	    keys_copy(&before, &ks) == 0) {
		merge_rows(c, r, &ks, true, &changed);
		keep_local(&before, &c->pushed, &ks, &changed);
		if (changed && keys_save_at(c->dirfd, TABLE, &ks) != 0)
			log_error("cluster: cannot write the agent table");
		else if (changed)
			c->st.agents_pulled++;
		keys_release(&before);
	}
	keys_release(&ks);
	keys_release(&c->pushed);
	if (c->pull_again) {
		c->pull_again = false;
		agents_sync(c);
	}
}

/* Push what changed here, then read the fleet's table back. */
static void
agents_sync(struct cluster *c)
{
	struct agent_keys ks;

	if (c->pulling) {
		c->pull_again = true; /* a notification while it runs */
		return;
	}
	if (!pg_is_up(c->pg))
		return;
	local_mark(c);
	if (keys_load_at(c->dirfd, TABLE, &ks) != 0)
		return;
	push_changes(c, &ks);
	keys_release(&c->pushed);
	c->pushed = ks; /* taken over */
	c->pulling = true;
	if (pg_query(c->pg, PG_READ, SQL_AGENTS, 0, NULL, on_agents, c) != 0)
		c->pulling = false;
}

/* Whether the file changed since it was last compared. */
static bool
local_changed(struct cluster *c)
{
	struct stat st;

	if (fstatat(c->dirfd, TABLE, &st, 0) != 0)
		return false;
	return st.st_mtim.tv_sec != c->local_mtime.tv_sec ||
	    st.st_mtim.tv_nsec != c->local_mtime.tv_nsec ||
	    st.st_size != c->local_size;
}

/* ---- the connection's life ---- */

/* Another live process under this manager's name (a clone, a copied
 * arx.conf): said loudly, counted; each must have its own <node_name>. */
static void
on_heartbeat(const struct pg_res *r, const char *err, void *ctx)
{
	struct cluster *c = ctx;
	const char *was;
	int64_t age;

	if (r == NULL) {
		on_written(r, err, ctx);
		return;
	}
	if (!c->beaten) { /* the row was this name's last process's */
		c->beaten = true;
		return;
	}
	if ((was = pg_res_value(r, 0, 0)) == NULL ||
	    strcmp(was, c->keyp) == 0 || !pg_res_i64(r, 0, 1, &age) ||
	    age > 3 * HEARTBEAT_S)
		return;
	c->st.name_clashes++;
	log_error("cluster: another manager named '%s' is in the cluster "
		  "(seen %llds ago): give each manager its own <node_name>",
	    c->node, (long long)age);
}

static void
heartbeat(struct cluster *c)
{
	const char *p[3] = {c->node, ARX_VERSION, c->keyp};

	(void)pg_query(c->pg, PG_WRITE, SQL_HEARTBEAT, 3, p, on_heartbeat, c);
}

static void
housekeep(struct cluster *c)
{
	char before[24];
	const char *p[1] = {before};

	i64_text(before, sizeof(before), now_ms() - 86400 * INT64_C(1000));
	(void)pg_query(c->pg, PG_WRITE, SQL_HOUSEKEEP, 1, p, on_written, c);
}

static void
on_tick(struct evloop *loop, struct evtimer *t)
{
	struct cluster *c = t->ctx;
	unsigned n = ++c->ticks;

	if (pg_is_up(c->pg)) {
		if (n % CATCHUP_S == 0)
			fetch(c);
		if (n % AGENTS_S == 0 || local_changed(c))
			agents_sync(c);
		if (n % HEARTBEAT_S == 0)
			heartbeat(c);
		if (n % HOUSEKEEP_S == 0)
			housekeep(c);
	}
	(void)evloop_timer_start(loop, t, TICK_MS);
}

/* The schema, made current the first time the database is there when
 * it was not at the start (db_migrate blocks the loop for that once;
 * nothing queued runs before it, as this runs in the connection's
 * callback). */
static void
schema_make(struct cluster *c)
{
	char why[512];

	if (db_migrate(c->conninfo, c->pw, c->node, why, sizeof(why)) != 0) {
		log_error("cluster: %s; run arx db migrate", why);
		return;
	}
	c->migrated = true;
	log_notice("cluster: the database's schema is current (version %d)",
	    DB_SCHEMA_VERSION);
}

/* (Back) in touch: where the fleet's rows stand, the other managers'
 * offences (the first time), the agent table, and what was missed. */
static void
on_state(bool up, const char *why, void *ctx)
{
	struct cluster *c = ctx;
	char node[128], since[24];
	const char *p[2] = {node, since};

	if (!up) {
		c->fetching = c->pulling = false;
		log_warn("cluster: the database is away (%s); this manager "
			 "goes on alone and keeps its writes",
		    why != NULL ? why : "-");
		return;
	}
	log_notice("cluster: in touch with the database as '%s'", c->node);
	if (!c->migrated)
		schema_make(c);
	heartbeat(c);
	if (!c->seen_known) {
		snprintf(node, sizeof(node), "%s", c->node);
		i64_text(since, sizeof(since),
		    now_ms() - OFFENCE_DAYS * 86400 * INT64_C(1000));
		(void)pg_query(
		    c->pg, PG_READ, SQL_OFFENCES, 2, p, on_offences, c);
		(void)pg_query(c->pg, PG_READ, SQL_MAXID, 0, NULL, on_maxid, c);
	} else
		fetch(c);
	agents_sync(c);
}

static void
on_notify(const char *channel, const char *payload, void *ctx)
{
	struct cluster *c = ctx;

	(void)payload;
	if (strcmp(channel, "arx_blocks") == 0)
		fetch(c);
	else if (strcmp(channel, "arx_agents") == 0)
		agents_sync(c);
}

/* The table as the database had it at the last pull, from before a
 * restart (SYNCED); none: everything here is new to it. */
static void
synced_load(struct cluster *c)
{
	struct stat st;

	if (fstatat(c->dirfd, SYNCED, &st, 0) != 0)
		return;
	if (keys_load_at(c->dirfd, SYNCED, &c->prev) == 0)
		c->prev_known = true;
}

int
cluster_start(struct evloop *loop, const struct arx_conf *conf,
    const char *password, bool migrated, int dirfd,
    const struct cluster_hooks *h, struct cluster **out)
{
	static const char *const channels[] = {
	    "arx_blocks", "arx_agents", NULL};
	struct cluster *c = calloc(1, sizeof(*c));
	char app[160];
	int r;

	*out = NULL;
	if (c == NULL)
		return ARX_ERR_NOMEM;
	c->loop = loop;
	c->h = *h;
	c->dirfd = dirfd;
	c->boot_ms = now_ms();
	c->conflict_log = (struct log_limit)LOG_LIMIT_INIT(1, 60000);
	c->migrated = migrated;
	evtimer_init(&c->tick, on_tick, c);
	if ((c->conninfo = strdup(conf->cluster.database)) == NULL ||
	    (password != NULL && (c->pw = strdup(password)) == NULL)) {
		cluster_stop(c);
		return ARX_ERR_NOMEM;
	}
	synced_load(c);
	snprintf(c->node, sizeof(c->node), "%s", conf_cluster_node(conf));
	snprintf(c->keyp, sizeof(c->keyp), "%s:%" PRId64 ":%ld:", c->node,
	    c->boot_ms, (long)getpid());
	snprintf(app, sizeof(app), "arx/%s", c->node);
	r = pg_open(&(struct pg_opts){.loop = loop,
			.conninfo = conf->cluster.database,
			.password = password,
			.app_name = app,
			.listen = channels,
			.max_writes = conf->cluster.max_queued,
			.on_notify = on_notify,
			.on_state = on_state,
			.ctx = c},
	    &c->pg);
	if (r == 0)
		r = evloop_timer_start(loop, &c->tick, TICK_MS);
	if (r != 0) {
		cluster_stop(c);
		return r;
	}
	*out = c;
	return 0;
}

void
cluster_stop(struct cluster *c)
{
	if (c == NULL)
		return;
	evloop_timer_stop(c->loop, &c->tick);
	pg_close(c->pg);
	if (c->pw != NULL)
		explicit_bzero(c->pw, strlen(c->pw));
	free(c->pw);
	free(c->conninfo);
	keys_release(&c->prev);
	keys_release(&c->pushed);
	free(c);
}

bool
cluster_up(const struct cluster *c)
{
	return c != NULL && pg_is_up(c->pg);
}

void
cluster_counters(const struct cluster *c, struct counters *rows)
{
	const struct cluster_stats *st = &c->st;
	const struct {
		const char *name;
		uint64_t v;
	} t[] = {
	    {"cluster_blocks_written", st->blocks_written},
	    {"cluster_blocks_read", st->blocks_read},
	    {"cluster_offences_read", st->offences_read},
	    {"cluster_hellos", st->hellos},
	    {"cluster_hellos_failed", st->hello_failed},
	    {"cluster_progress_writes", st->progress},
	    {"cluster_agents_pushed", st->agents_pushed},
	    {"cluster_agents_pulled", st->agents_pulled},
	    {"cluster_agents_conflicts", st->agents_conflicts},
	    {"cluster_bad_rows", st->bad_rows},
	    {"cluster_write_errors", st->write_errors},
	    {"cluster_name_clashes", st->name_clashes},
	    {"db_configured", 1},
	};

	pg_counters(c->pg, rows);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		(void)counters_add(rows, t[i].name, t[i].v);
}
