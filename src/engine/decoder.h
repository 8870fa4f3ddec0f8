/*
 * Decoders: what turns a pre-decoded log line into named fields, in the
 * XML format of OSSEC and Wazuh (docs/RULESET.md). A struct decoder_set is
 * loaded once from decoder files, immutable afterwards, and indexed as
 * Wazuh indexes it: top-level decoders with a <program_name> are tried only
 * on events that have a program name, the others only on events without
 * one, each list in load order; children hang under every top-level
 * decoder of their parent's name.
 *
 * decoder_decode() runs Wazuh's algorithm (first matching top-level
 * decoder wins; first matching child; sibling chains of same-named children
 * with after_regex offsets) and writes fields into the event.
 */
#ifndef ARX_ENGINE_DECODER_H
#define ARX_ENGINE_DECODER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/jsonin.h"
#include "engine/event.h"
#include "engine/pattern.h"

#define DECODER_MAX_ORDER     256
#define DECODER_PREFILTER_MIN 8 /* children for a prematch prefilter */

enum decoder_offset {
	DEC_OFF_NONE = 0,
	DEC_OFF_AFTER_PARENT = 1,
	DEC_OFF_AFTER_PREMATCH = 2,
	DEC_OFF_AFTER_REGEX = 4,
};

enum decoder_plugin {
	DEC_PLUGIN_NONE = 0,
	DEC_PLUGIN_JSON,
	DEC_PLUGIN_UNSUPPORTED, /* a Wazuh plugin arx does not implement */
};

struct prefilter;

struct decoder {
	const char *name;        /* as written */
	const char *report_name; /* the parent's, unless use_own_name */
	const char *parent_name; /* NULL for a top-level decoder */
	unsigned id;
	unsigned name_id; /* report_name among the set's names, from 1
			   * (rule_set_bind()); 0 before */
	const char *file;
	unsigned line;
	struct pattern program_name; /* type PAT_NONE when absent */
	struct pattern prematch;
	struct pattern regex;
	unsigned prematch_offset, regex_offset; /* enum decoder_offset */
	const char **order; /* field name per capture; NULL entries: drop */
	int *order_field;   /* its static field (enum event_field), or -1 */
	size_t norder;
	enum decoder_plugin plugin;
	unsigned plugin_offset;
	const char *plugin_name;
	enum json_null_mode json_null;
	bool json_array_csv;
	const char *type; /* "syslog" unless set */
	const char *fts;  /* kept as written */
	const char *ftscomment;
	bool use_own_name, accumulate;
	bool session;  /* <session>pid</session>: lines form sessions by
			* process (session.h); on top-level decoders */
	unsigned step; /* <attempt>: enum session_step */
	bool get_next; /* the next child has the same name: a chain */
	/* children, for top-level decoders, in load order */
	struct decoder **children;
	size_t nchildren, children_cap;
	struct prefilter *child_pf; /* which children's prematch a line can
				     * match (prefilter.h), or NULL */
};

struct decoder_set {
	struct arena arena;
	struct decoder **all; /* every decoder, load order (owns them) */
	size_t nall, all_cap;
	struct decoder **pn, **nopn; /* top-level lists */
	size_t npn, pn_cap, nnopn, nopn_cap;
	struct prefilter *pn_pf; /* which of pn a program name can match */
	/* which of pn (of nopn) a message can match, by their prematches'
	 * literals; a line tries only decoders marked by both */
	struct prefilter *pn_pm_pf, *nopn_pm_pf;
	unsigned nfiles;
	unsigned nunsupported; /* plugin decoders arx does not implement */
	const char *cur_file;  /* file being loaded (in the arena) */
};

/* Trace of decoding, for logtest; may be NULL. */
struct decode_trace {
	void (*step)(void *ctx, const char *what, const struct decoder *d);
	void *ctx;
};

struct decoder_set *decoder_set_new(void);
void decoder_set_free(struct decoder_set *set);

/* After the last file: build the top-level decoders' child prefilters. */
void decoder_set_finish(struct decoder_set *set);
/* Free every prefilter of the set (ruleset_prefilters_off()). */
void decoder_set_prefilters_off(struct decoder_set *set);

/*
 * Load every decoder of one XML file into set (errors are logged with
 * file:line). 0, ARX_ERR_CONFIG or ARX_ERR_NOMEM.
 */
int decoder_load_file(struct decoder_set *set, const char *path);

/*
 * The category of a decoded event (the decoder's <type>; a child without
 * one has its matched parent's; "syslog" when nothing decoded it).
 */
const char *decoder_event_type(const struct event *ev);

/* The event types (<type>, a rule's <category>) as one set of strings:
 * the canonical pointer for s, or NULL when s is none of them. Equal
 * types are then equal pointers, which the rules compare first. */
const char *decoder_type_canon(const char *s);
extern const char decoder_type_syslog[]; /* its "syslog" */

/* Decode ev (pre-decoded) against set. Returns true if a decoder matched. */
bool decoder_decode(const struct decoder_set *set, struct event *ev,
    struct pattern_scratch *scratch);

#endif
