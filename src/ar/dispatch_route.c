/*
 * The response dispatcher (dispatch_int.h): responses for agents. Which
 * agent a line came from, and a response sent to it through the manager
 * (<location> all, defined-agent, or the agent of the line).
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

/* The agent name of an event from an agent: its location is
 * "(name) address->log"; NULL for this host's own events. */
const char *
dp_agent_of(const char *location, char *name, size_t size)
{
	const char *end;

	if (location == NULL || location[0] != '(' ||
	    (end = strchr(location, ')')) == NULL ||
	    (size_t)(end - location - 1) >= size)
		return NULL;
	memcpy(name, location + 1, (size_t)(end - location - 1));
	name[end - location - 1] = '\0';
	return name;
}

/* Whether a trigger at now belongs to the attack of offence o: the
 * block it was given (on the agents) still runs, or ended less than the
 * grace ago. As for blocks held here (ar_table_add), one attack is one
 * offence. */
static bool
remote_same_attack(
    const struct ar_escalation *e, const struct ar_offence *o, int64_t now)
{
	uint64_t dur;

	if (o->count == 0)
		return false;
	dur = ar_offence_duration(e, o->count);
	return dur == 0 ||
	    now - o->last_ms <= (int64_t)(dur + e->grace_s) * 1000;
}

/* How long a block sent to agents lasts: this host's record of the
 * address's offences under the command, escalated as for a block here
 * (<repeated_offenders>), and kept (and journaled) so the next offence
 * counts as a repeat even though no block is held here. */
static uint64_t
remote_timeout(
    struct ar_dispatch *d, const struct conf_ar *ar, const struct arx_addr *a)
{
	struct ar_escalation e = dp_escalation_of(d->conf, ar);
	unsigned cmd = (unsigned)ar->command_idx;
	struct ar_offence o = {0, 0};
	int64_t now = clock_wall_ms(d->o.clock);
	uint64_t timeout;

	(void)ar_table_offence(d->table, cmd, a, &o);
	if (remote_same_attack(&e, &o, now))
		return ar_offence_duration(&e, o.count);
	timeout = ar_escalate(&e, &o, now);
	ar_table_restore_offence(d->table, cmd, a, &o);
	if (d->journal != NULL &&
	    ar_journal_offence(d->journal, d->names[cmd], a, &o) != 0)
		d->st.journal_errors++;
	dp_journal_touched(d);
	dp_journal_health(d);
	return timeout;
}

static void
remote_send(struct ar_dispatch *d, const struct conf_ar *ar,
    const struct ar_trigger *t, const struct arx_addr *a, const char *addr,
    uint64_t timeout_s, enum ar_remote_to to, const char *agent)
{
	struct ar_offence o = {0, 0};
	struct ar_remote r = {.to = to,
	    .agent = agent,
	    .command = d->names[ar->command_idx],
	    .addr = addr,
	    .timeout_s = timeout_s,
	    .rule_id = t->rule.id,
	    .alert_id = t->alert_id};

	if (ar_table_offence(d->table, (unsigned)ar->command_idx, a, &o) == 0)
		r.offences = o.count;
	d->o.remote(&r, d->o.ctx);
}

/* Send what <location> gives to agents; true when it also runs here. */
bool
dp_route(struct ar_dispatch *d, const struct conf_ar *ar,
    const struct ar_trigger *t, const struct arx_addr *a, const char *addr,
    const char *agent, bool wl)
{
	/* As Wazuh: all is every agent, not this host (add server for
	 * that); unlike Wazuh, server and all in one block do both. */
	bool here = (ar->location & AR_LOC_SERVER) ||
	    ((ar->location & AR_LOC_LOCAL) && agent == NULL);
	bool to_named = (ar->location & AR_LOC_LOCAL) && agent != NULL;
	bool send = d->o.remote != NULL && addr[0] != '\0' &&
	    !(wl && ar->apply_white_list) &&
	    (to_named || (ar->location & (AR_LOC_DEFINED_AGENT | AR_LOC_ALL)));
	uint64_t timeout;

	if (!send)
		return here;
	timeout = remote_timeout(d, ar, a);
	if (to_named)
		remote_send(
		    d, ar, t, a, addr, timeout, AR_TO_AGENT_NAME, agent);
	for (size_t i = 0;
	     (ar->location & AR_LOC_DEFINED_AGENT) && i < ar->agents.n; i++) {
		const char *who = ar->agents.v[i];
		bool id = strspn(who, "0123456789") == strlen(who);

		remote_send(d, ar, t, a, addr, timeout,
		    id ? AR_TO_AGENT_ID : AR_TO_AGENT_NAME, who);
	}
	if (ar->location & AR_LOC_ALL)
		remote_send(d, ar, t, a, addr, timeout, AR_TO_ALL, NULL);
	return here;
}

int
ar_dispatch_offence(struct ar_dispatch *d, const char *command,
    const char *addr, unsigned count, int64_t last_ms)
{
	struct ar_offence o = {0, 0};
	struct arx_addr a;
	int cmd = dp_command_index(d->conf, command);

	if (cmd < 0)
		return ARX_ERR_NOTFOUND;
	if (addr_parse_str(addr, &a) != 0)
		return ARX_ERR_INVAL;
	(void)ar_table_offence(d->table, (unsigned)cmd, &a, &o);
	if (count <= o.count)
		return 0;
	o.count = count;
	if (last_ms > o.last_ms)
		o.last_ms = last_ms;
	ar_table_restore_offence(d->table, (unsigned)cmd, &a, &o);
	if (d->journal != NULL &&
	    ar_journal_offence(d->journal, d->names[cmd], &a, &o) != 0)
		d->st.journal_errors++;
	dp_journal_touched(d);
	dp_journal_health(d);
	d->st.fleet_offences++;
	return 1;
}
