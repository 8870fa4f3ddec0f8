/*
 * The dispatcher's counters as named rows (dispatch.h,
 * ar_dispatch_counters): what arx status shows of the root side and
 * what the metrics endpoint serves, read from the same struct
 * ar_dispatch_stats, so the two cannot disagree. Owns nothing.
 */
#include "ar/dispatch.h"
#include "ar/dispatch_int.h"

/* The outcome label of each event type. */
static const char *const outcome_names[AR_EV_NTYPES] = {
    [AR_EV_BLOCK] = "block",
    [AR_EV_EXTEND] = "extend",
    [AR_EV_UNBLOCK] = "unblock",
    [AR_EV_RUN] = "notification",
    [AR_EV_WHITELIST] = "whitelisted",
    [AR_EV_REFUSED] = "refused",
    [AR_EV_FAIL] = "failed",
    [AR_EV_DONE] = "done",
};

static void
outcome_rows(const struct ar_dispatch *d, struct counters *c)
{
	const char *name;

	for (size_t i = 0; i <= d->conf->ncommands; i++)
		for (size_t t = 0; t < AR_EV_NTYPES; t++) {
			name = i < d->conf->ncommands
			    ? d->conf->commands[i].name
			    : "-";
			(void)counters_add_l(c, "responses", "command", name,
			    "outcome", outcome_names[t], d->outcomes[i][t]);
		}
}

static void
drop_rows(const struct ar_dispatch *d, const struct ar_dispatch_stats *st,
    struct counters *c)
{
	const struct {
		const char *table;
		unsigned long n;
	} drops[] = {
	    {"blocks", st->table.refused_full},
	    {"offences", st->table.history_evicted},
	    {"runs", st->runs_dropped},
	    {"lifting", d->lifting_dropped},
	};

	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		(void)counters_add_l(c, "dropped", "table", drops[i].table,
		    NULL, NULL, drops[i].n);
}

static void
plain_rows(const struct ar_dispatch *d, const struct ar_dispatch_stats *st,
    struct counters *c)
{
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
	    {"blocks_active", st->table.active},
	    {"blocks_max", d->conf->daemon.max_blocks},
	    {"offences_remembered", st->table.history},
	    {"ar_triggers", st->triggers},
	    {"runs_running", st->running},
	    {"runs_timed_out", st->runs_timed_out},
	    {"nft_batches", st->nft_batches},
	    {"nft_ops", st->nft_ops},
	    {"nft_largest", st->nft_largest},
	    {"journal_errors", st->journal_errors},
	    {"journal_damaged_lines", st->journal_bad},
	    {"kernel_looks", st->kernel.looks},
	    {"kernel_restore_rounds", st->kernel.rounds},
	    {"kernel_restored", st->kernel.restored},
	    {"kernel_restore_failed", st->kernel.failed},
	    {"kernel_reapplied", st->kernel.reapplied},
	    {"prechecks", st->prechecks},
	    {"prechecks_declined", st->declined},
	    {"prechecks_raised", st->raised},
	    {"fleet_offences", st->fleet_offences},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		(void)counters_add(c, rows[i].name, rows[i].v);
}

void
ar_dispatch_counters(const struct ar_dispatch *d, struct counters *c)
{
	struct ar_dispatch_stats st;

	ar_dispatch_stats(d, &st);
	plain_rows(d, &st, c);
	outcome_rows(d, c);
	drop_rows(d, &st, c);
	(void)counters_add_l(
	    c, "queue_depth", "queue", "runner", NULL, NULL, st.queued);
}
