/*
 * The ruleset: everything analysis needs that is loaded from files and
 * never changes afterwards: decoders, CDB lists and rules. It is built
 * whole from a configuration's <ruleset> section or from directories in
 * Wazuh's layout (DIR/decoders, DIR/lists, DIR/rules), and swapped whole
 * on reload. As in Wazuh, the files of all directories are loaded in the
 * order of their base names.
 *
 * ruleset_analyse() runs one event through pre-decoding, decoding and the
 * rules; the mutable correlation state it needs is the caller's.
 */
#ifndef ARX_ENGINE_RULESET_H
#define ARX_ENGINE_RULESET_H

#include "config/conf.h"
#include "engine/corr.h"
#include "engine/decoder.h"
#include "engine/event.h"
#include "engine/pattern.h"
#include "engine/rule.h"
#include "engine/rule_eval.h"

struct ruleset {
	struct decoder_set *decoders;
	struct rule_set *rules;
};

/* From <ruleset>: decoder/rule dirs and includes, exclusions, lists. */
int ruleset_load_conf(const struct conf_ruleset *rc, struct ruleset **out);
/* From directories laid out as Wazuh's ruleset. */
int ruleset_load_dirs(
    const char *const *dirs, size_t ndirs, struct ruleset **out);
void ruleset_free(struct ruleset *rs);

/* Drop every prefilter and gate, right after loading: each decoder and
 * rule is then tried in full, the reference they must agree with (arx
 * logtest --no-prefilter, for tests). */
void ruleset_prefilters_off(struct ruleset *rs);

/*
 * Pre-decode, decode and evaluate ev at event time now_ms. Returns true if
 * a decoder matched; res (may be NULL) gets the rule result.
 */
bool ruleset_analyse(const struct ruleset *rs, struct corr *c, struct event *ev,
    int64_t now_ms, struct pattern_scratch *scratch,
    const struct rule_trace *trace, struct rule_result *res);

/* Where a pattern of the ruleset is used (arx patterns). */
struct pattern_site {
	const struct pattern *pat;
	const char *kind; /* "decoder" or "rule" */
	const char *name; /* the decoder's name; NULL for a rule */
	unsigned id;      /* the rule's id; 0 for a decoder */
	const char *role; /* program_name, prematch, regex, or the rule's
			   * element (match, regex, srcuser ...) */
	const char *file;
	unsigned line;
};

typedef void ruleset_pattern_fn(const struct pattern_site *site, void *ctx);

/* Every compiled pattern of every decoder and rule, in load order. */
void ruleset_foreach_pattern(
    const struct ruleset *rs, ruleset_pattern_fn *fn, void *ctx);

#endif
