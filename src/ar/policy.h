/*
 * Response policy: the pure decisions of active response, kept apart from
 * the block table, the programs and the clock so each can be tested alone.
 *
 *  - Binding: which <active-response> blocks a rule triggers, with Wazuh's
 *    rule, (level AND group) OR rules_id, compiled once per configuration
 *    and ruleset into an immutable table.
 *  - White list: whether an address is covered by <global><white_list>
 *    (exact addresses and CIDR blocks; IPv4-mapped IPv6 counts as IPv4).
 *  - Escalation: the block duration for an offence, given how many times
 *    the key offended before and when it last did (repeated offenders).
 */
#ifndef ARX_AR_POLICY_H
#define ARX_AR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"
#include "core/addr.h"

struct ar_bindings;

/* A fired rule as the root side knows it: all a response decision
 * reads. The analysis side fills it from the engine's rule (ar/step.h
 * ar_step_rule()), the root side from the child's typed message. */
struct ar_rule {
	unsigned id; /* 0: no rule */
	int level;
	unsigned options; /* AR_RULE_NO_AR is the one read */
	const char *groups;
};

#define AR_RULE_NO_AR 0x02u /* <options>no_ar</options> */

/* Compile the bindings of conf's <active-response> blocks; NULL on an
 * invalid rules_group (logged with file:line) or out of memory. */
struct ar_bindings *ar_bindings_new(const struct arx_conf *conf);
void ar_bindings_free(struct ar_bindings *b);

/*
 * The indices (into conf->ars) of the blocks rule triggers, in
 * configuration order, written to out[max]; returns how many. Disabled
 * blocks, level-0 rules and rules with no_ar trigger nothing.
 */
size_t ar_bindings_match(const struct ar_bindings *b, const struct ar_rule *r,
    size_t *out, size_t max);

/* True when a lies in one of the list's addresses or blocks. */
bool ar_whitelisted(const struct cidrvec *list, const struct arx_addr *a);

/* What is remembered of a key's past offences. */
struct ar_offence {
	unsigned count;  /* offences so far (0: none) */
	int64_t last_ms; /* time of the last one */
};

struct ar_escalation {
	uint64_t base_s;         /* <timeout>; 0: never undone */
	const uint64_t *steps_s; /* <repeated_offenders> */
	size_t nsteps;
	uint64_t decay_s; /* forget offences older than this; 0: never */
	uint64_t grace_s; /* after a block ends, triggers re-block without
			   * a new offence for this long (late lines) */
};

/*
 * Record an offence at now_ms and return its block duration in seconds.
 * The first offence gets base_s; the n-th repeat gets steps_s[n-1], and
 * the last step once the list is used up (Wazuh's rule), but never less
 * than base_s: a repeat offender is never blocked for a shorter time than
 * a first one (a base of 0, never undone, stays 0). With decay_s set, an offence that comes more than decay_s
 * after the previous one starts counting again from the first.
 */
uint64_t ar_escalate(
    const struct ar_escalation *e, struct ar_offence *o, int64_t now_ms);

/* The block duration of offence number n (1: the first; 0 counts as 1),
 * as ar_escalate gives it, without recording anything: what a trigger
 * asks for while the offence it belongs to is still being answered. */
uint64_t ar_offence_duration(const struct ar_escalation *e, unsigned n);

#endif
