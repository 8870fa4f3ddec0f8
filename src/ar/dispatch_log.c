/*
 * The response dispatcher's record of what it did (dispatch_int.h): the
 * events to its listener, the lines of active-responses.log gathered
 * until the loop turn's end and written at once, and the journal: each
 * change appended before it is acted on, its health watched (a failing
 * journal said once, rewritten from the table every JRETRY_MS until it
 * works again, rules 605 and 606). Owns nothing beyond struct
 * ar_dispatch's turn buffer and retry timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar/dispatch.h"
#include "ar/dispatch_int.h"

void
dp_emit(struct ar_dispatch *d, struct ar_event *ev)
{
	int cmd = ev->command != NULL ? dp_command_index(d->conf, ev->command)
				      : ARX_ERR_NOTFOUND;

	ev->now_ms = clock_wall_ms(d->o.clock);
	if (d->outcomes != NULL) /* the last slot: no known command */
		d->outcomes[cmd >= 0 ? (size_t)cmd : d->conf->ncommands]
			   [ev->type]++;
	if (d->o.on_event != NULL)
		d->o.on_event(ev, d->o.ctx);
}

/* active-responses.log could not be written (e: errno): said at most
 * once a minute, with how many more failed meanwhile. */
static void
arlog_failed(struct ar_dispatch *d, int e)
{
	unsigned long held;

	if (log_limit_pass(&d->arlog_limit, clock_mono_ms(d->o.clock), &held))
		log_error("%s: cannot append: %s (%lu more failures not "
			  "logged)",
		    d->o.arlog_path, strerror(e), held);
}

/* At the end of a loop turn: the active-responses.log lines of the
 * turn in one write, and the journal's records made durable together
 * (one fsync for a burst of blocks). */
void
dp_on_turn_end(struct evloop *loop, struct evtimer *t)
{
	struct ar_dispatch *d = t->ctx;

	(void)loop;
	if (d->arpend.len > 0 && ar_log_write(d->o.arlog_path, &d->arpend) != 0)
		arlog_failed(d, errno);
	buf_reset(&d->arpend);
	if (d->journal != NULL && ar_journal_sync(d->journal) != 0)
		d->st.journal_errors++;
	dp_journal_health(d);
}

static void
turn_end_arm(struct ar_dispatch *d)
{
	if (d->o.loop != NULL && !d->turn.active)
		(void)evloop_timer_start(d->o.loop, &d->turn, 0);
}

void
dp_journal_touched(struct ar_dispatch *d)
{
	if (d->journal != NULL && ar_journal_unsynced(d->journal))
		turn_end_arm(d);
}

/* A line for active-responses.log: gathered until the turn's end when
 * there is a loop (written at once past 1 MiB), else written now. */
void
dp_arlog(struct ar_dispatch *d, const struct ar_log_entry *e)
{
	int64_t now = clock_wall_ms(d->o.clock);

	if (d->o.arlog_path == NULL || e->addr == NULL)
		return;
	if (d->o.loop == NULL) {
		if (ar_log_append(d->o.arlog_path, now, e) != 0)
			arlog_failed(d, errno);
		return;
	}
	if (ar_log_format(&d->arpend, now, e) != 0)
		log_error("%s: a line not formatted", d->o.arlog_path);
	if (d->arpend.len > (1u << 20))
		dp_on_turn_end(d->o.loop, &d->turn);
	turn_end_arm(d);
}

/* One line in active-responses.log about the journal (rules 605, 606). */
static void
journal_arlog(struct ar_dispatch *d, const char *type, const char *error)
{
	dp_arlog(d,
	    &(struct ar_log_entry){.command = JOURNAL_NAME,
		.type = type,
		.addr = "-",
		.error = error});
}

/* A failing journal: its rewrite from the table, tried every JRETRY_MS
 * until there is room again. */
void
dp_on_jretry(struct evloop *loop, struct evtimer *t)
{
	struct ar_dispatch *d = t->ctx;
	unsigned long held;

	(void)loop;
	if (!ar_journal_failing(d->journal))
		return;
	if (ar_journal_rewrite(d->journal, d->table, d->lifting, d->names,
		d->conf->ncommands) != 0) {
		d->st.journal_errors++;
		if (log_limit_pass(
			&d->jlimit, clock_mono_ms(d->o.clock), &held))
			log_error("%s; %lu records not written since it "
				  "failed (%lu more messages like this not "
				  "logged)",
			    ar_journal_why(d->journal),
			    ar_journal_skipped(d->journal), held);
	}
	dp_journal_health(d);
}

/* Say when the journal starts failing (an error, and a fail line in
 * active-responses.log) and when it is whole again; keep its rewrite
 * coming meanwhile. Nothing more per record: a full disk does not
 * flood the log. */
void
dp_journal_health(struct ar_dispatch *d)
{
	bool failing = d->journal != NULL && ar_journal_failing(d->journal);
	char what[96];

	if (failing) {
		d->jskipped = ar_journal_skipped(d->journal);
		if (d->o.loop != NULL && !d->jretry.active)
			(void)evloop_timer_start(
			    d->o.loop, &d->jretry, JRETRY_MS);
	}
	if (failing == d->jfailing)
		return;
	d->jfailing = failing;
	if (failing) {
		log_error("%s; blocks go on into the kernel and the table but "
			  "not into the journal (a restart would forget them) "
			  "until it can be rewritten, tried every %u s",
		    ar_journal_why(d->journal), JRETRY_MS / 1000);
		(void)log_limit_pass(
		    &d->jlimit, clock_mono_ms(d->o.clock), &(unsigned long){0});
		journal_arlog(d, "fail", ar_journal_why(d->journal));
		return;
	}
	snprintf(what, sizeof(what),
	    "rewritten whole, with %lu records that had not been written",
	    d->jskipped);
	log_notice("%s: %s", d->o.journal_path, what);
	journal_arlog(d, "recovered", what);
}

void
dp_journal_add(struct ar_dispatch *d, const struct ar_block *b)
{
	if (d->journal != NULL &&
	    ar_journal_add(d->journal, d->names[b->cmd], b) != 0)
		d->st.journal_errors++;
	dp_journal_touched(d);
	dp_journal_health(d);
}

/* A lifted block: its del record, then its offence record so a restart
 * still knows the address as a repeat offender. */
void
dp_journal_del(struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a)
{
	struct ar_table_stats ts;
	struct ar_offence o;

	if (d->journal == NULL)
		return;
	if (ar_journal_del(d->journal, d->names[cmd], a) != 0)
		d->st.journal_errors++;
	if (ar_table_offence(d->table, cmd, a, &o) == 0 && o.count > 0 &&
	    ar_journal_offence(d->journal, d->names[cmd], a, &o) != 0)
		d->st.journal_errors++;
	ar_table_stats(d->table, &ts);
	if (ar_journal_wants_rewrite(d->journal, ts.active + ts.history) &&
	    ar_journal_rewrite(d->journal, d->table, d->lifting, d->names,
		d->conf->ncommands) != 0)
		d->st.journal_errors++;
	dp_journal_touched(d);
	dp_journal_health(d);
}
