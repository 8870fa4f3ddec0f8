/*
 * Rules: OSSEC/Wazuh rule XML compiled into an immutable tree. A struct
 * rule_set is built once from rule files (rule_load.c), never changed
 * afterwards, and swapped whole on reload; everything that changes while
 * events flow (correlation windows, fired counters, suppression windows)
 * lives in struct corr (corr.h), which refers to rules by index.
 *
 * Tree (docs/RULESET.md): rules with id < 10 are roots, one per category;
 * if_sid / if_group / if_level hang a rule under every matching earlier
 * rule; children are ordered level 0 first, then by descending level.
 * Evaluation is depth-first, first match wins, noalert rules are
 * transparent, the deepest match is the result (rule_eval.c).
 */
#ifndef ARX_ENGINE_RULE_H
#define ARX_ENGINE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/arena.h"
#include "engine/event.h"
#include "engine/lists.h"
#include "engine/pattern.h"

#define RULE_MAX_ID            999999
#define RULE_DEFAULT_TIMEFRAME 360

/* What a string condition is tested against. */
enum rule_subject {
	SUBJ_LOG = 0,  /* the message after the header */
	SUBJ_PROGRAM,  /* pre-decoded program name */
	SUBJ_HOSTNAME, /* pre-decoded host name */
	SUBJ_LOCATION, /* where the event came from */
	SUBJ_FIELD,    /* a static field (field_idx) */
	SUBJ_USER,     /* dstuser, else srcuser */
	SUBJ_DYNAMIC,  /* a dynamic field (name) */
};

struct rule_cond {
	enum rule_subject subject;
	int field_idx;    /* SUBJ_FIELD */
	const char *name; /* SUBJ_DYNAMIC, and the element name for traces */
	struct pattern pat;
};

struct rule_addrs {
	struct arx_cidr *cidrs;
	bool *neg; /* per entry: "!a.b.c.d" */
	size_t n;
	bool negate; /* negate="yes" on the element */
};

struct rule_list_cond {
	int field_idx;    /* static field, or -1 */
	const char *name; /* dynamic field name when field_idx < 0 */
	enum list_lookup lookup;
	const struct cdb_list *list;
	struct pattern check_value; /* PAT_NONE when unset */
};

/* Time of day and weekday windows (local time). */
struct rule_time {
	bool set, negate;
	unsigned start_min, end_min; /* minutes since midnight */
};

struct rule_weekday {
	bool set, negate;
	uint8_t days; /* bit 0 = Sunday */
};

#define RULE_OPT_NO_LOG 0x01u
#define RULE_OPT_NO_AR  0x02u

/* Parents with at least this many children get a prefilter (prefilter.h)
 * that finds the children a line can match in one pass. */
#define RULE_PREFILTER_MIN    4
#define RULE_PREFILTER_SPARSE 64 /* children: a prefilter whatever they give */

struct prefilter;
#define RULE_OPT_NO_FULL_LOG 0x04u
#define RULE_OPT_NO_COUNTER  0x08u
#define RULE_OPT_ALERT_EMAIL 0x10u
#define RULE_OPT_NO_EMAIL    0x20u
#define RULE_OPT_LOG_ALERT   0x40u

struct rule {
	unsigned id;
	int level;      /* 0-16 */
	unsigned index; /* position in rule_set->rules */
	const char *file;
	unsigned line;
	const char *description;
	const char *groups;    /* "syslog,sshd,authentication_failed," */
	const char *groups_lc; /* the same in lower case, for if_group */
	unsigned options;      /* RULE_OPT_* */
	bool noalert;
	int sort_key; /* sibling order, descending */
	/* attributes */
	unsigned frequency, timeframe, ignore, maxsize;
	/* conditions, in evaluation order */
	const char *decoded_as;
	const char *category;
	struct rule_cond *conds;
	size_t nconds;
	struct rule_addrs srcip, dstip;
	struct rule_list_cond *lists;
	size_t nlists;
	struct rule_time time;
	struct rule_weekday weekday;
	bool never;  /* uses a feature arx does not have (check_diff ...) */
	bool if_fts; /* first time the decoder's <fts> fields are seen */
	bool (*compiled)(const struct event *ev); /* <compiled_rule> */
	/* tree */
	const unsigned *if_sid;
	size_t nif_sid;
	const char *if_group; /* word-match pattern */
	int if_level;         /* -1 when unset */
	bool has_parent_cond;
	struct rule **children;
	size_t nchildren, children_cap;
	struct prefilter *pf;    /* which children a line can match, or NULL */
	struct prefilter *pn_pf; /* which children a program name can match
				  * (their <program_name>'s literals) */
	/* Children whose mark in pf is their condition pf_cond's answer
	 * (its literals all fit the window): that condition is not tried
	 * again. NULL without pf. */
	uint64_t *pf_decides;
	int pf_cond; /* the condition parents' prefilters read, or -1 */
	/* Which children can see events of a decoder name (their
	 * decoded_as), by name id: children never tried on events they
	 * cannot match (rule_set_bind()); NULL when not worth it. */
	struct rule_gate *gate;
	unsigned decoded_as_id; /* decoded_as's name id; RULE_NO_NAME when
				 * no decoder has it; 0 without decoded_as */
	/* correlation */
	unsigned if_matched_sid; /* 0 when unset */
	struct pattern if_matched_group;
	struct pattern if_matched_regex;
	uint32_t same_mask, different_mask; /* bits: 1 << corr_field */
	const char **same_fields, **different_fields; /* dynamic names */
	size_t nsame_fields, ndifferent_fields;
	bool global_frequency;
	bool correlates;        /* has an if_matched_* option */
	struct rule **watchers; /* rules that count events ending here */
	size_t nwatchers;
	/* suppression by fields (<ignore>, <check_if_ignored>) */
	const char *ignore_fields, *check_if_ignored;
	/* informational, kept for output */
	const char *info, *cve, *mitre_ids;
};

struct rule_set {
	struct arena arena;
	struct rule **rules; /* load order; index = rule->index */
	size_t nrules, rules_cap;
	struct rule **roots; /* ids 1-9, and implicit ones */
	size_t nroots, roots_cap;
	struct list_set *lists;
	struct rule **regex_rules; /* rules with if_matched_regex */
	size_t nregex_rules;
	const char *cur_file;
	unsigned nskipped; /* rules dropped with a warning */
	/* rule id -> index in rules + 1 (0: empty), open addressing */
	uint32_t *by_id;
	size_t by_id_cap;           /* a power of two, at most half full */
	struct group_index *gindex; /* while loading (rule_groups.h) */
};

struct rule_set *rule_set_new(void);
void rule_set_free(struct rule_set *rs);
/* Lists must be loaded before the rules that use them. */
int rule_set_load_list(struct rule_set *rs, const char *path);
int rule_load_file(struct rule_set *rs, const char *path);
/* Link if_matched_* watchers; call once after the last file. */
int rule_set_finish(struct rule_set *rs);
/* Free every prefilter and gate of the set (ruleset_prefilters_off()). */
void rule_set_prefilters_off(struct rule_set *rs);

/*
 * After both sets are finished: number the decoders' report names and
 * the rules' decoded_as, and give each rule with many children that
 * name decoders its gate (rule_gate_allows()). Out of memory, a rule
 * goes without its gate (every child is tried).
 */
#define RULE_NO_NAME UINT32_MAX
struct decoder_set;
void rule_set_bind(struct rule_set *rs, struct decoder_set *ds);
/* Clear in bits (one per child) the children of a gated rule that
 * cannot match an event of decoder name id (0: no decoder). */
void rule_gate_mask(
    const struct rule_gate *g, unsigned name_id, uint64_t *bits);
void rule_gate_free(struct rule_gate *g);
const struct rule *rule_find(const struct rule_set *rs, unsigned id);

/* Whether the alert of a line ending on r is written, with
 * <log_alert_level> min_level: a level above 0, not no_log, and at least
 * min_level unless log_alert (the filter of every alert writer, and of
 * arx replay through ar/step.h). */
bool rule_alert_logged(const struct rule *r, unsigned min_level);

/* OSSEC's word match used by if_group: case-insensitive substrings,
 * '|' alternatives, a leading '^' anchors at the start. */
bool rule_group_match(const char *pattern, const char *groups);

#endif
