/*
 * The response dispatcher (dispatch.h). Decisions are taken here, in
 * order: bindings, crafted-value checks, white list, table; then the
 * journal records the change (dispatch_log.c) and the runner runs the
 * program. The timer and the runner's reports come back here.
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

/* Keep the timer at the earliest deadline (wall clock). */
void
dp_timer_arm(struct ar_dispatch *d)
{
	int64_t next = ar_table_next_deadline(d->table);
	int64_t now = clock_wall_ms(d->o.clock);

	if (next == AR_NEVER) {
		evloop_timer_stop(d->o.loop, &d->timer);
		return;
	}
	(void)evloop_timer_start(
	    d->o.loop, &d->timer, next > now ? (uint64_t)(next - now) : 0);
}

struct ar_escalation
dp_escalation_of(const struct arx_conf *conf, const struct conf_ar *ar)
{
	struct ar_escalation e = {
	    .base_s = ar->timeout, .decay_s = ar->decay, .grace_s = ar->grace};

	if (ar->nrepeated > 0) {
		e.steps_s = ar->repeated;
		e.nsteps = ar->nrepeated;
	} else {
		e.steps_s = conf->default_repeated;
		e.nsteps = conf->ndefault_repeated;
	}
	return e;
}

/* Seconds from now_ms to b's deadline, rounded up; 0: never lifted. */
uint64_t
dp_remaining_s(const struct ar_block *b, int64_t now_ms)
{
	if (b->expires_ms == AR_NEVER)
		return 0;
	if (b->expires_ms <= now_ms)
		return 1;
	return (uint64_t)((b->expires_ms - now_ms + 999) / 1000);
}

/*
 * How long a program that keeps its own expiry should hold a block of
 * timeout_s if arx is not there to lift it: past arx's own deadline by
 * the longest block the response can give (at least a minute), so arx
 * lifts first while it runs, and an extension by one more offence
 * stays inside it. 0 (never lifted) stays 0.
 */
uint64_t
dp_safety_timeout(const struct ar_escalation *e, uint64_t timeout_s)
{
	uint64_t longest = e != NULL ? e->base_s : 0;
	size_t i;

	if (timeout_s == 0)
		return 0;
	for (i = 0; e != NULL && i < e->nsteps; i++)
		if (e->steps_s[i] > longest)
			longest = e->steps_s[i];
	return timeout_s + (longest > 60 ? longest : 60);
}

/* The run of command cmd's action for addr (NULL: none). */
struct ar_run_spec
dp_run_spec(const struct ar_dispatch *d, unsigned cmd, const char *action,
    const struct arx_addr *addr, uint64_t timeout_s, uint64_t safety_s)
{
	const struct conf_command *c = &d->conf->commands[cmd];

	return (struct ar_run_spec){
	    .path = d->paths[cmd],
	    .cmd = c,
	    .timeout_s = timeout_s,
	    .must_run = strcmp(action, "delete") == 0,
	    .req =
		{
		    .command = action,
		    .program = c->executable,
		    .origin = d->conf->daemon.node_name,
		    .addr = addr,
		    .extra_args = c->extra_args,
		    .arx_timeout_s = safety_s,
		},
	};
}

/* Hand one run to the runner (or, in a dry run, only count it). */
static int
submit(struct ar_dispatch *d, unsigned cmd, const char *action,
    const struct ar_trigger *t, const struct arx_addr *addr, uint64_t timeout_s,
    uint64_t safety_s, bool precheck)
{
	struct ar_run_spec spec =
	    dp_run_spec(d, cmd, action, addr, timeout_s, safety_s);
	const struct conf_command *c = &d->conf->commands[cmd];

	if (precheck && addr != NULL && c->precheck != NULL) {
		spec.check_cmd = &d->conf->commands[c->precheck_idx];
		spec.check_path = d->paths[c->precheck_idx];
	}

	if (t != NULL) {
		spec.req.user = t->user;
		spec.req.alert_id = t->alert_id;
		spec.req.rule_id = t->rule.id;
		spec.req.location = t->location;
		spec.req.alert_json = t->alert_json;
	}
	if (d->runner == NULL)
		return 0;
	return ar_runner_submit(d->runner, &spec);
}

int
dp_command_index(const struct arx_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->ncommands; i++)
		if (strcmp(conf->commands[i].name, name) == 0)
			return (int)i;
	return ARX_ERR_NOTFOUND;
}

/* A block whose add failed is not in place: drop it (its offence stays
 * counted), so the next offence runs the add again. */
static void
forget(struct ar_dispatch *d, const char *command, const char *addr)
{
	struct arx_addr a;
	struct ar_block b;
	int cmd = dp_command_index(d->conf, command);

	if (cmd < 0 || addr_parse_net_str(addr, &a) != 0 ||
	    ar_table_remove(d->table, (unsigned)cmd, &a,
		clock_wall_ms(d->o.clock), &b) != 0)
		return;
	dp_journal_del(d, (unsigned)cmd, &a);
	dp_timer_arm(d);
}

/* The backend said the block of (cmd, a) is in place: the first time,
 * its ok record (it is no longer pending). */
static void
confirm(struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a)
{
	if (ar_table_confirm(d->table, cmd, a) != 1 || d->journal == NULL)
		return;
	if (ar_journal_ok(d->journal, d->names[cmd], a) != 0)
		d->st.journal_errors++;
	dp_journal_touched(d);
	dp_journal_health(d);
}

/* kcheck's applied: a restore of (cmd, a) succeeded. */
void
dp_restore_applied(unsigned cmd, const struct arx_addr *a, void *ctx)
{
	confirm(ctx, cmd, a);
}

/* A delete ended (or could not run): the block is gone, journal it,
 * unless (cmd, a) was blocked again meanwhile (its add record is the
 * newer one). */
static void
deleted(struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a)
{
	(void)ar_table_remove(d->lifting, cmd, a, 0, NULL);
	if (ar_table_find(d->table, cmd, a) == NULL)
		dp_journal_del(d, cmd, a);
}

/* What a run's end says of the kernel: a restore's end goes to the
 * kernel check (true: nothing else to do for it); a block whose add
 * ended well is held from now on. */
static bool
kernel_note(struct ar_dispatch *d, const struct ar_run_info *info)
{
	int cmd = dp_command_index(d->conf, info->command);
	struct arx_addr a;

	if (cmd < 0 || info->addr == NULL ||
	    addr_parse_net_str(info->addr, &a) != 0)
		return info->restore;
	if (info->restore) {
		ar_kcheck_run_done(d->kcheck, (unsigned)cmd, &a, info->ok);
		return true;
	}
	if (strcmp(info->action, "delete") == 0)
		deleted(d, (unsigned)cmd, &a);
	if (!info->ok || strcmp(info->action, "add") != 0 ||
	    ar_table_set_kernel(d->table, (unsigned)cmd, &a,
		clock_wall_ms(d->o.clock), false) != 0)
		return false;
	confirm(d, (unsigned)cmd, &a);
	if (ar_backend_checked(d->backends[cmd]))
		ar_kcheck_arm(d->kcheck);
	return false;
}

/* The runner's report: log the run and undo a failed add. A program's
 * stderr is logged as one line (its lines joined by " | "). */
static void
on_run_done(const struct ar_run_info *info, void *ctx)
{
	struct ar_dispatch *d = ctx;
	bool add = strcmp(info->action, "add") == 0;
	char said[1024];
	struct ar_log_entry le = {
	    .command = info->command,
	    .type = info->ok ? info->action : "fail",
	    .addr = info->addr,
	    .rule_id = info->rule_id,
	    .alert_id = info->alert_id,
	    .timeout_s = add ? info->timeout_s : 0,
	};
	struct ar_event ev = {
	    .type = info->ok ? AR_EV_DONE : AR_EV_FAIL,
	    .command = info->command,
	    .action = info->action,
	    .addr = info->addr,
	    .rule_id = info->rule_id,
	    .why = info->why,
	};

	said[0] = '\0';
	if (info->res != NULL && info->res->err_len > 0)
		ev.said = str_one_line(
		    said, sizeof(said), info->res->err, info->res->err_len);
	if (info->declined) {
		d->st.declined++;
		le.type = "declined";
	} else if (!info->ok) {
		d->st.failed++;
		log_warn("response %s %s %s failed: %s%s%s", info->command,
		    info->action, info->addr ? info->addr : "-", info->why,
		    said[0] ? ": " : "", said);
	} else if (said[0] != '\0')
		log_info("response %s %s %s said: %s", info->command,
		    info->action, info->addr ? info->addr : "-", said);
	if (!kernel_note(d, info)) {
		dp_arlog(d, &le);
		dp_emit(d, &ev);
		if (!info->ok && add && info->addr != NULL)
			forget(d, info->command, info->addr);
	}
	ar_kcheck_pump(d->kcheck); /* a slot is free */
}

/* Lift b (already out of the table): event, delete run; its del
 * record when the delete has ended (deleted()), or now when there is
 * no program to wait for. */
void
dp_lift(struct ar_dispatch *d, const struct ar_block *b, const char *why)
{
	char addr[64];
	struct ar_event ev = {
	    .type = AR_EV_UNBLOCK,
	    .command = d->names[b->cmd],
	    .addr = addr,
	    .expires_ms = b->expires_ms,
	    .offences = b->offences,
	    .why = why,
	};

	addr_format(&b->addr, addr, sizeof(addr));
	d->st.unblocks++;
	dp_emit(d, &ev);
	if (d->runner == NULL) {
		dp_journal_del(d, b->cmd, &b->addr);
		return;
	}
	if (ar_table_restore(d->lifting, b) == ARX_ERR_TOOBIG) /* deleted() */
		d->lifting_dropped++;
	if (submit(d, b->cmd, "delete", NULL, &b->addr, 0, 0, false) != 0) {
		log_error("block of %s by %s lifted from the table, but its "
			  "delete could not run",
		    addr, d->names[b->cmd]);
		deleted(d, b->cmd, &b->addr);
	}
}

static void
on_timer(struct evloop *loop, struct evtimer *t)
{
	struct ar_dispatch *d = t->ctx;
	struct ar_block out[EXPIRE_MAX];
	size_t i, n;

	(void)loop;
	n = ar_table_expire(
	    d->table, clock_wall_ms(d->o.clock), out, EXPIRE_MAX);
	for (i = 0; i < n; i++)
		dp_lift(d, &out[i], "expired");
	dp_timer_arm(d);
}

void
dp_refuse(struct ar_dispatch *d, const char *command, const char *addr,
    unsigned rule_id, const char *why)
{
	struct ar_event ev = {
	    .type = AR_EV_REFUSED,
	    .command = command,
	    .addr = addr,
	    .rule_id = rule_id,
	    .why = why,
	};

	unsigned long held;

	d->st.refused++;
	if (!log_limit_pass(
		&d->refuse_limit, clock_wall_ms(d->o.clock), &held)) {
		dp_emit(d, &ev);
		return;
	}
	if (held > 0)
		log_warn("response %s for %s (rule %u) not run: %s (%lu more "
			 "refused since the last message)",
		    command ? command : "-", addr ? addr : "-", rule_id, why,
		    held);
	else
		log_warn("response %s for %s (rule %u) not run: %s",
		    command ? command : "-", addr ? addr : "-", rule_id, why);
	dp_emit(d, &ev);
}

/* Block (or extend) addr for one response; the common path of rules and
 * of manual blocks. offence: the trigger is a new attack unless the
 * address is blocked or just was (ar_table_add). 1: a new block, its add
 * handed to the runner; 0: extended, nothing runs; or an error. */
int
dp_block_one(struct ar_dispatch *d, unsigned cmd, const struct ar_escalation *e,
    const struct arx_addr *a, const struct ar_trigger *t, unsigned flags)
{
	char addr[64];
	unsigned rule_id = t != NULL ? t->rule.id : 0;
	int64_t now = clock_wall_ms(d->o.clock);
	struct ar_add_req rq = {e, now, rule_id,
	    (flags & AR_BLOCK_OFFENCE) != 0,
	    flags & (AR_ORIGIN_RULE | AR_ORIGIN_MANUAL | AR_ORIGIN_MANAGER)};
	struct ar_block b;
	struct ar_event ev = {.command = d->names[cmd], .addr = addr};
	int rc;

	addr_format(a, addr, sizeof(addr));
	rc = ar_table_add(d->table, cmd, a, &rq, &b);
	if (rc < 0) {
		dp_refuse(d, d->names[cmd], addr, rule_id, "block table full");
		return rc;
	}
	dp_journal_add(d, &b);
	ev.type = rc == AR_ADD_NEW ? AR_EV_BLOCK : AR_EV_EXTEND;
	ev.rule_id = rule_id;
	ev.timeout_s = dp_remaining_s(&b, now);
	ev.expires_ms = b.expires_ms;
	ev.offences = b.offences;
	dp_emit(d, &ev);
	dp_timer_arm(d);
	if (rc == AR_ADD_EXTENDED) {
		d->st.extends++;
		dp_arlog(d,
		    &(struct ar_log_entry){.command = d->names[cmd],
			.type = "extend",
			.addr = addr,
			.rule_id = rule_id,
			.alert_id = t ? t->alert_id : NULL,
			.timeout_s = ev.timeout_s});
		return 0;
	}
	d->st.blocks++;
	if ((rc = submit(d, cmd, "add", t, a, ev.timeout_s,
		 dp_safety_timeout(e, ev.timeout_s),
		 (flags & AR_ORIGIN_MANUAL) == 0)) != 0) {
		forget(d, d->names[cmd], addr);
		dp_refuse(d, d->names[cmd], addr, rule_id,
		    rc == ARX_ERR_TOOBIG ? "too many runs waiting"
					 : "request refused");
		return rc;
	}
	return 1;
}

/* A response spared a white-listed address: counted, logged, written
 * to active-responses.log (rule 604) and reported. rule_id 0: asked for
 * by hand or by a manager. */
void
dp_skip_whitelisted(struct ar_dispatch *d, unsigned cmd, const char *addr,
    unsigned rule_id, const char *alert_id)
{
	struct ar_event ev = {
	    .type = AR_EV_WHITELIST,
	    .command = d->names[cmd],
	    .addr = addr,
	    .rule_id = rule_id,
	    .why = "white-listed",
	};

	d->st.whitelisted++;
	log_notice("response %s for %s (rule %u) skipped: white-listed",
	    d->names[cmd], addr, rule_id);
	dp_arlog(d,
	    &(struct ar_log_entry){.command = d->names[cmd],
		.type = "whitelisted",
		.addr = addr,
		.rule_id = rule_id,
		.alert_id = alert_id});
	dp_emit(d, &ev);
}

/* A response without an address: run the add once, nothing to undo,
 * unless the command (OSSEC's <expect>) needs an address. */
static int
notify_one(struct ar_dispatch *d, unsigned cmd, const struct ar_trigger *t)
{
	const struct conf_command *c = &d->conf->commands[cmd];
	struct ar_event ev = {
	    .type = AR_EV_RUN,
	    .command = c->name,
	    .action = "add",
	    .rule_id = t->rule.id,
	};

	if (c->expect != NULL && strstr(c->expect, "srcip") != NULL)
		return 0;
	d->st.notifications++;
	dp_emit(d, &ev);
	return submit(d, cmd, "add", t, NULL, 0, 0, false);
}

/* Wazuh's crafted-value checks: a bad srcip or user skips every
 * response of the alert. Fills a and addr when there is an address. */
static int
trigger_check(struct ar_dispatch *d, const struct ar_trigger *t,
    struct arx_addr *a, char *addr)
{
	char why[160];

	addr[0] = '\0';
	why[0] = '\0';
	if (t->srcip != NULL && t->srcip[0] != '\0' &&
	    addr_parse_str(t->srcip, a) != 0)
		snprintf(why, sizeof(why),
		    "srcip '%.64s' is not an address (possible logging attack)",
		    t->srcip);
	else if (t->user != NULL && !ar_user_safe(t->user))
		snprintf(why, sizeof(why),
		    "user name '%.64s' refused (possible logging attack)",
		    t->user);
	if (why[0] != '\0') {
		dp_refuse(d, NULL, NULL, t->rule.id, why);
		return ARX_ERR_INVAL;
	}
	if (t->srcip != NULL && t->srcip[0] != '\0')
		addr_format(a, addr, 64);
	return 0;
}

/* Why a could not be blocked, or NULL: only a unicast peer sends an
 * attack; loopback and link-local ones only with <block_local>. */
const char *
dp_unblockable(const struct ar_dispatch *d, const struct arx_addr *a)
{
	enum addr_kind k = addr_kind(a);

	if (k == ADDR_UNICAST ||
	    ((k == ADDR_LOOPBACK || k == ADDR_LINKLOCAL) &&
		d->conf->global.block_local))
		return NULL;
	switch (k) {
	case ADDR_LOOPBACK:
		return "a loopback address (this host; <block_local> allows it)";
	case ADDR_LINKLOCAL:
		return "a link-local address (<block_local> allows it)";
	default:
		return "not a unicast address: no peer sends from it";
	}
}

int
ar_dispatch_trigger(struct ar_dispatch *d, const struct ar_trigger *t)
{
	const char *why;
	size_t idx[MAX_BOUND], i, n;
	struct arx_addr a;
	char addr[64], name[AGENT_NAME_MAX];
	const char *agent;
	bool wl;
	int done = 0;

	if (d->conf->ar_disabled || t->rule.id == 0 ||
	    (n = ar_bindings_match(d->bindings, &t->rule, idx, MAX_BOUND)) == 0)
		return 0;
	d->st.triggers++;
	if (trigger_check(d, t, &a, addr) != 0)
		return 0;
	wl = addr[0] != '\0' && ar_whitelisted(&d->conf->global.white_list, &a);
	if (addr[0] != '\0' && !wl && (why = dp_unblockable(d, &a)) != NULL) {
		dp_refuse(
		    d, NULL, addr, t->rule.id, why); /* here nor anywhere */
		return 0;
	}
	agent = dp_agent_of(t->location, name, sizeof(name));
	for (i = 0; i < n; i++) {
		const struct conf_ar *ar = &d->conf->ars[idx[i]];
		unsigned cmd = (unsigned)ar->command_idx;
		struct ar_escalation e = dp_escalation_of(d->conf, ar);

		if (!dp_route(d, ar, t, &a, addr, agent, wl))
			continue; /* for agents only */
		if (addr[0] == '\0')
			done += notify_one(d, cmd, t) == 0;
		else if (wl && ar->apply_white_list)
			dp_skip_whitelisted(
			    d, cmd, addr, t->rule.id, t->alert_id);
		else
			done += dp_block_one(d, cmd, &e, &a, t,
				    AR_BLOCK_OFFENCE | AR_ORIGIN_RULE) >= 0;
	}
	return done;
}

/* A precheck asked for a longer block (ar_run_raise_fn): it lasts as
 * the next offence's step of <repeated_offenders> would, or twice its
 * <timeout> without them; journaled, and an extend line written. */
static bool
on_raise(const char *command, const char *addr, uint64_t *timeout_s,
    uint64_t *safety_s, void *ctx)
{
	struct ar_dispatch *d = ctx;
	int cmd = dp_command_index(d->conf, command);
	const struct conf_ar *ar =
	    cmd >= 0 ? dp_response_of(d->conf, cmd) : NULL;
	const struct ar_block *cur = NULL;
	struct ar_escalation e;
	struct arx_addr a;
	struct ar_block b;
	uint64_t dur;

	if (ar == NULL || addr == NULL || addr_parse_net_str(addr, &a) != 0 ||
	    (cur = ar_table_find(d->table, (unsigned)cmd, &a)) == NULL)
		return false;
	e = dp_escalation_of(d->conf, ar);
	dur = e.nsteps > 0 ? ar_offence_duration(&e, cur->offences + 1)
			   : 2 * e.base_s;
	if (ar_table_lengthen(d->table, (unsigned)cmd, &a, dur, &b) != 0)
		return false;
	d->st.raised++;
	dp_journal_add(d, &b);
	dp_timer_arm(d);
	*timeout_s = dp_remaining_s(&b, clock_wall_ms(d->o.clock));
	*safety_s = dp_safety_timeout(&e, *timeout_s);
	dp_arlog(d,
	    &(struct ar_log_entry){.command = command,
		.type = "extend",
		.addr = addr,
		.timeout_s = *timeout_s});
	return true;
}

int
ar_dispatch_new(const struct ar_dispatch_opts *o, struct ar_dispatch **out)
{
	struct ar_dispatch *d = calloc(1, sizeof(*d));
	const struct conf_daemon *dc = &o->conf->daemon;
	int rc = ARX_ERR_NOMEM;

	*out = NULL;
	if (d == NULL)
		return ARX_ERR_NOMEM;
	d->o = *o;
	d->refuse_limit = (struct log_limit)LOG_LIMIT_INIT(20, 1000);
	d->jlimit = (struct log_limit)LOG_LIMIT_INIT(1, 60000);
	d->arlog_limit = (struct log_limit)LOG_LIMIT_INIT(1, 60000);
	d->o.journal_path = NULL;
	d->o.arlog_path = NULL;
	d->conf = o->conf;
	if ((o->journal_path != NULL &&
		(d->o.journal_path = strdup(o->journal_path)) == NULL) ||
	    (o->arlog_path != NULL &&
		(d->o.arlog_path = strdup(o->arlog_path)) == NULL))
		goto fail;
	evtimer_init(&d->timer, on_timer, d);
	evtimer_init(&d->turn, dp_on_turn_end, d);
	evtimer_init(&d->jretry, dp_on_jretry, d);
	buf_init(&d->arpend, 4u << 20);
	if ((d->bindings = ar_bindings_new(d->conf)) == NULL ||
	    (d->table = ar_table_new(dc->max_blocks, dc->max_history)) ==
		NULL ||
	    (d->lifting = ar_table_new(
		 dc->max_blocks < LIFTING_MAX ? dc->max_blocks : LIFTING_MAX,
		 1)) == NULL)
		goto fail;
	if (!o->dry_run &&
	    (d->runner = ar_runner_new(o->loop, dc->max_running, dc->max_queued,
		 on_run_done, d)) == NULL)
		goto fail;
	if (d->runner != NULL)
		ar_runner_set_raise(d->runner, on_raise);
	if ((d->outcomes = calloc(
		 d->conf->ncommands + 1, sizeof(*d->outcomes))) == NULL)
		goto fail;
	if ((rc = dp_paths_resolve(d)) != 0 ||
	    (rc = dp_journal_start(d)) != 0 || (rc = dp_kcheck_start(d)) != 0)
		goto fail;
	dp_journal_health(d);
	dp_timer_arm(d);
	*out = d;
	return 0;
fail:
	ar_dispatch_free(d);
	return rc;
}

/* At the stop, a failing journal gets one more rewrite (room may be
 * back); if that fails too, the next start will not know every block. */
static void
journal_last_try(struct ar_dispatch *d)
{
	if (d->journal == NULL || !ar_journal_failing(d->journal))
		return;
	if (ar_journal_rewrite(d->journal, d->table, d->lifting, d->names,
		d->conf->ncommands) == 0)
		log_notice(
		    "%s: rewritten whole at the stop", d->o.journal_path);
	else
		log_error("%s; at the stop: %lu records not kept, the next "
			  "start will not know those blocks",
		    ar_journal_why(d->journal), ar_journal_skipped(d->journal));
}

void
ar_dispatch_free(struct ar_dispatch *d)
{
	size_t i;

	if (d == NULL)
		return;
	evloop_timer_stop(d->o.loop, &d->timer);
	evloop_timer_stop(d->o.loop, &d->jretry);
	if (d->turn.active)
		dp_on_turn_end(d->o.loop, &d->turn);
	evloop_timer_stop(d->o.loop, &d->turn);
	buf_release(&d->arpend);
	ar_runner_free(d->runner);
	ar_kcheck_free(d->kcheck); /* after the runner: ops in its batcher */
	journal_last_try(d);
	ar_journal_close(d->journal);
	ar_table_free(d->table);
	ar_table_free(d->lifting);
	ar_bindings_free(d->bindings);
	for (i = 0; d->paths != NULL && i < d->conf->ncommands; i++)
		free(d->paths[i]);
	free(d->paths);
	free(d->names);
	free(d->backends);
	free(d->outcomes);
	free((char *)d->o.journal_path);
	free((char *)d->o.arlog_path);
	free(d);
}

int64_t
ar_dispatch_next_deadline(const struct ar_dispatch *d)
{
	return ar_table_next_deadline(d->table);
}

size_t
ar_dispatch_pending(const struct ar_dispatch *d)
{
	return d->runner != NULL ? ar_runner_pending(d->runner) : 0;
}

struct view_ctx {
	const struct ar_dispatch *d;
	void (*fn)(const struct ar_block_view *v, void *ctx);
	void *ctx;
};

static void
view_one(const struct ar_block *b, void *ctx)
{
	struct view_ctx *vc = ctx;
	struct ar_block_view v = {
	    .command = vc->d->names[b->cmd],
	    .added_ms = b->added_ms,
	    .expires_ms = b->expires_ms,
	    .offences = b->offences,
	    .pending = !b->confirmed,
	};

	if (b->missing)
		v.in_kernel = 0;
	else if (ar_backend_checked(vc->d->backends[b->cmd]) &&
	    b->kernel_ms != 0)
		v.in_kernel = 1;
	else
		v.in_kernel = -1;
	memcpy(v.rules, b->rules, sizeof(v.rules));
	addr_format(&b->addr, v.addr, sizeof(v.addr));
	vc->fn(&v, vc->ctx);
}

void
ar_dispatch_foreach(const struct ar_dispatch *d,
    void (*fn)(const struct ar_block_view *v, void *ctx), void *ctx)
{
	struct view_ctx vc = {d, fn, ctx};

	ar_table_foreach(d->table, view_one, &vc);
}

void
ar_dispatch_stats(const struct ar_dispatch *d, struct ar_dispatch_stats *st)
{
	struct ar_runner_stats rs = {0};

	*st = d->st;
	ar_table_stats(d->table, &st->table);
	if (d->runner != NULL)
		ar_runner_stats(d->runner, &rs);
	st->running = rs.running;
	st->queued = rs.queued;
	st->runs_dropped = rs.dropped;
	st->runs_timed_out = rs.timed_out;
	st->prechecks = rs.checks;
	st->nft_batches = rs.nft_batches;
	st->nft_ops = rs.nft_ops;
	st->nft_largest = rs.nft_largest;
	ar_kcheck_stats(d->kcheck, &st->kernel);
}
