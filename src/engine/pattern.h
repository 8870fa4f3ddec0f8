/*
 * One compiled pattern of any of the three languages a rule or decoder may
 * use (OS_Regex, OS_Match, PCRE2), with its negation flag, behind one match
 * call. PCRE2 patterns are compiled as Wazuh compiles them (no flags: case
 * sensitive), JIT-compiled when the platform allows, and matched under
 * match and depth limits so that no subject can make them run long.
 *
 * A struct pattern is immutable after pattern_compile(); matching writes
 * only into the caller's struct pattern_result and struct pattern_scratch.
 */
#ifndef ARX_ENGINE_PATTERN_H
#define ARX_ENGINE_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/log.h"
#include "core/osregex.h"
#include "core/strparse.h"

enum pattern_type {
	PAT_NONE = 0, /* not set */
	PAT_OSREGEX,
	PAT_OSMATCH,
	PAT_PCRE2,
	PAT_EXACT, /* whole-string, case-sensitive equality (rule <action>) */
};

struct pattern {
	enum pattern_type type;
	bool negate;
	bool jit;   /* PCRE2: compiled by the JIT, matched through it */
	char *text; /* the source, for reports (arx patterns) */
	char *lits; /* PCRE2: the literals it requires, NUL-separated
		     * (pcrelit.h), or NULL */
	size_t nlits;
	union {
		struct osregex *re;
		struct osmatch *m;
		void *pcre; /* pcre2_code_8 */
		char *exact;
	} u;
};

#define PATTERN_MAX_CAPS 256 /* as many as a decoder <order> may name */

struct pattern_result {
	long end; /* index of the last character matched (OSSEC convention) */
	size_t ncaps;
	struct span caps[PATTERN_MAX_CAPS];
};

struct rule;
struct decoder;

/*
 * Mutable per-thread scratch: PCRE2's match data, and who was matching
 * when a match was abandoned at its limit. The evaluators set at_rule
 * (rules) or at_decoder (decoders) before they match; a match abandoned
 * at a limit (OS_Regex's step budget, PCRE2's match and depth limits)
 * counts in nlimit and copies them to hit_rule / hit_decoder.
 */
struct pattern_scratch {
	void *match_data;     /* pcre2_match_data_8, created on first use */
	void *match_ctx;      /* pcre2_match_context_8 with our limits */
	unsigned long nlimit; /* matches abandoned at a limit */
	const struct rule *at_rule, *hit_rule;
	const struct decoder *at_decoder, *hit_decoder;
	struct log_limit limit_log; /* reports: 10 a minute (0: not yet set) */
};

/* Name of a type ("osregex", "osmatch", "pcre2"); type attribute parser. */
const char *pattern_type_name(enum pattern_type t);
enum pattern_type pattern_type_parse(const char *s);

/*
 * Compile text as type. capture: OS_Regex groups are wanted (decoders).
 * 0, or ARX_ERR_INVAL with a message in err.
 */
int pattern_compile(struct pattern *p, const char *text, enum pattern_type type,
    bool capture, bool negate, char *err, size_t err_size);
void pattern_release(struct pattern *p);

/*
 * Match subject[0..len) (NUL-terminated at len). Negation applies to the
 * result; a negated pattern fills no captures. res may be NULL.
 */
/* Literals (lower-cased) one of which a subject must hold for p to
 * match, as osmatch_literals(); 0 when p gives none (negated, PCRE2,
 * exact). */
/* When p matches exactly the subjects holding one of its literals (as
 * osmatch_plain_len()), the longest of them; else 0. */
size_t pattern_plain_len(const struct pattern *p);
size_t pattern_literals(
    const struct pattern *p, const char **lits, size_t *lens, size_t max);

bool pattern_match(const struct pattern *p, const char *subject, size_t len,
    struct pattern_result *res, struct pattern_scratch *scratch);

void pattern_scratch_release(struct pattern_scratch *s);

#endif
