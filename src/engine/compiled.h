/*
 * Compiled rules: the small built-in tests a rule names with
 * <compiled_rule>, as OSSEC and Wazuh ship them (comp_srcuser_dstuser,
 * check_id_size, comp_mswin_targetuser_calleruser_diff,
 * is_simple_http_request, is_valid_crawler). Each is a pure predicate
 * over one event.
 */
#ifndef ARX_ENGINE_COMPILED_H
#define ARX_ENGINE_COMPILED_H

#include <stdbool.h>

#include "engine/event.h"

typedef bool compiled_rule_fn(const struct event *ev);

/* The function of that name, or NULL. */
compiled_rule_fn *compiled_rule_find(const char *name);

#endif
