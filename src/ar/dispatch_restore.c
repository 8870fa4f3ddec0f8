/*
 * The response dispatcher (dispatch_int.h): the start. Blocks back from
 * the journal (those it no longer allows dropped, with the reason), then
 * into the kernel through their programs before readiness, and the
 * kernel check started.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar/arlog.h"
#include "ar/dispatch.h"
#include "ar/dispatch_int.h"
#include "ar/journal.h"
#include "ar/kcheck.h"
#include "ar/kview.h"
#include "ar/nftbatch.h"
#include "ar/policy.h"
#include "ar/runner.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "exec/exec.h"

/* A block read back from the journal. */
static int
restore_one(const char *command, const struct ar_block *b, void *ctx)
{
	struct ar_dispatch *d = ctx;
	struct ar_block copy = *b;
	const char *why;
	char addr[64];
	int cmd = dp_command_index(d->conf, command);

	addr_format(&b->addr, addr, sizeof(addr));
	if (cmd < 0) {
		log_error("journal: block of %s by '%s' dropped: no such "
			  "command in the configuration",
		    addr, command);
		d->st.journal_errors++;
		return 0;
	}
	/* a network is checked again: the configuration may have changed
	 * (the white list, the command's backend, who shares the sets) */
	if (b->addr.plen != 0 &&
	    (why = dp_manual_refusal(d, (unsigned)cmd, &b->addr)) != NULL) {
		log_error("journal: block of %s by '%s' dropped: %s", addr,
		    command, why);
		d->st.journal_errors++;
		return 0;
	}
	copy.cmd = (unsigned)cmd;
	/* a confirmed block was held before, likely; a pending one is
	 * not known to be (its add goes again with every other) */
	copy.kernel_ms = b->confirmed ? clock_wall_ms(d->o.clock) : 0;
	copy.missing = false;
	if (!b->confirmed)
		d->pending_at_start++;
	if (ar_table_restore(d->table, &copy) != 0) {
		log_error("journal: block of %s by '%s' dropped: table full",
		    addr, command);
		d->st.journal_errors++;
	}
	return 0;
}

/* An offence record read back from the journal. */
static int
restore_offence(const char *command, const struct arx_addr *a,
    const struct ar_offence *o, void *ctx)
{
	struct ar_dispatch *d = ctx;
	int cmd = dp_command_index(d->conf, command);

	if (cmd >= 0)
		ar_table_restore_offence(d->table, (unsigned)cmd, a, o);
	return 0;
}

int
dp_journal_start(struct ar_dispatch *d)
{
	struct ar_table_stats ts;
	char copy[1100];
	int rc;

	if (d->o.journal_path == NULL)
		return 0;
	rc = ar_journal_load(d->o.journal_path, restore_one, restore_offence, d,
	    &d->st.journal_bad);
	if (rc != 0) {
		log_error("cannot read the block journal %s: %s",
		    d->o.journal_path, arx_strerror(rc));
		return rc;
	}
	if (d->st.journal_bad > 0 &&
	    ar_journal_set_aside(d->o.journal_path, copy, sizeof(copy)) == 0)
		log_warn("%s: %u damaged records skipped, every other one "
			 "restored; the file as it was is kept as %s",
		    d->o.journal_path, d->st.journal_bad, copy);
	if ((rc = ar_journal_open(d->o.journal_path, &d->journal)) != 0) {
		log_error("cannot open the block journal %s: %s",
		    d->o.journal_path, arx_strerror(rc));
		return rc;
	}
	if (d->o.loop != NULL)
		ar_journal_defer(d->journal);
	ar_table_stats(d->table, &ts);
	if (ts.active > 0)
		log_notice("%zu blocks restored from %s (%zu pending: their "
			   "add had not been confirmed when arxd stopped)",
		    ts.active, d->o.journal_path, d->pending_at_start);
	/* Start from a compact file holding exactly the live blocks; a
	 * full disk does not stop the start (journal_health says it). */
	if (ar_journal_rewrite(d->journal, d->table, d->lifting, d->names,
		d->conf->ncommands) != 0)
		d->st.journal_errors++;
	return 0;
}

/* Run b's add again to put it back (kcheck's readd). */
static int
readd(const struct ar_block *b, void *ctx)
{
	struct ar_dispatch *d = ctx;
	int64_t now = clock_wall_ms(d->o.clock);
	const struct conf_ar *ar = dp_response_of(d->conf, (int)b->cmd);
	struct ar_escalation e = {0};
	struct ar_run_spec spec;

	if (ar != NULL)
		e = dp_escalation_of(d->conf, ar);
	spec = dp_run_spec(d, b->cmd, "add", &b->addr, dp_remaining_s(b, now),
	    dp_safety_timeout(&e, dp_remaining_s(b, now)));
	spec.restore = true;
	return ar_runner_submit(d->runner, &spec);
}

/* The kernel timeout of b put back at now: what is left of it plus the
 * margin an add of its response gets (kcheck's timeout). */
static uint64_t
restore_timeout(const struct ar_block *b, int64_t now, void *ctx)
{
	struct ar_dispatch *d = ctx;
	const struct conf_ar *ar = dp_response_of(d->conf, (int)b->cmd);
	struct ar_escalation e = {0};

	if (ar != NULL)
		e = dp_escalation_of(d->conf, ar);
	return dp_safety_timeout(&e, dp_remaining_s(b, now));
}

/* The kernel check, when programs run on a loop. */
int
dp_kcheck_start(struct ar_dispatch *d)
{
	struct ar_kcheck_opts ko = {
	    .loop = d->o.loop,
	    .clock = d->o.clock,
	    .table = d->table,
	    .runner = d->runner,
	    .backends = d->backends,
	    .ncommands = d->conf->ncommands,
	    .readd = readd,
	    .timeout = restore_timeout,
	    .applied = dp_restore_applied,
	    .ctx = d,
	};

	if (d->runner == NULL || d->o.loop == NULL)
		return 0;
	if ((d->kcheck = ar_kcheck_new(&ko)) == NULL)
		return ARX_ERR_NOMEM;
	ar_kcheck_arm(d->kcheck); /* blocks from the journal: look at them */
	return 0;
}

size_t
ar_dispatch_restore(struct ar_dispatch *d)
{
	size_t n;

	if (d->kcheck == NULL)
		return 0;
	if ((n = ar_kcheck_restore_all(d->kcheck)) > 0)
		log_notice("%zu blocks from the journal going back into the "
			   "kernel through their responses",
		    n);
	return n;
}

size_t
ar_dispatch_restoring(const struct ar_dispatch *d)
{
	return ar_kcheck_restoring(d->kcheck);
}
