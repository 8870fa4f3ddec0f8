/*
 * The ruleset: everything analysis needs that is loaded from files and
 * never changes afterwards (today the decoders; rules and lists join with
 * the rules engine). It is built whole from a configuration's <ruleset>
 * section or from directories in Wazuh's layout, and swapped whole on
 * reload. ruleset_analyse() runs one event through pre-decoding and
 * decoding.
 */
#ifndef ARX_ENGINE_RULESET_H
#define ARX_ENGINE_RULESET_H

#include "config/conf.h"
#include "engine/decoder.h"
#include "engine/event.h"
#include "engine/pattern.h"

struct ruleset {
	struct decoder_set *decoders;
};

/* From <ruleset>: decoder_dir (in order), decoder_include, exclusions. */
int ruleset_load_conf(const struct conf_ruleset *rc, struct ruleset **out);
/* From directories laid out as Wazuh's ruleset: DIR/decoders/ ... */
int ruleset_load_dirs(
    const char *const *dirs, size_t ndirs, struct ruleset **out);
void ruleset_free(struct ruleset *rs);

/* Pre-decode and decode ev. Returns true if a decoder matched. */
bool ruleset_analyse(const struct ruleset *rs, struct event *ev,
    struct pattern_scratch *scratch);

#endif
