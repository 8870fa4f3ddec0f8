/*
 * Implementation of ruleset.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/log.h"
#include "engine/predecode.h"
#include "engine/ruleset.h"

static struct ruleset *
ruleset_new(void)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	if (rs != NULL && (rs->decoders = decoder_set_new()) == NULL) {
		free(rs);
		rs = NULL;
	}
	return rs;
}

static int
ruleset_done(struct ruleset *rs, int r, struct ruleset **out)
{
	if (r == 0 && rs->decoders->nall == 0) {
		log_error("no decoders were loaded");
		r = ARX_ERR_CONFIG;
	}
	if (r != 0) {
		ruleset_free(rs);
		return r;
	}
	*out = rs;
	return 0;
}

int
ruleset_load_conf(const struct conf_ruleset *rc, struct ruleset **out)
{
	struct ruleset *rs;
	size_t i;
	int r = 0, r2;

	*out = NULL;
	if ((rs = ruleset_new()) == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < rc->decoder_dirs.n; i++)
		if ((r2 = decoder_load_dir(rs->decoders, rc->decoder_dirs.v[i],
			 rc->decoder_exclude.v, rc->decoder_exclude.n)) != 0)
			r = r2;
	for (i = 0; i < rc->decoder_include.n; i++)
		if ((r2 = decoder_load_file(
			 rs->decoders, rc->decoder_include.v[i])) != 0)
			r = r2;
	return ruleset_done(rs, r, out);
}

int
ruleset_load_dirs(const char *const *dirs, size_t ndirs, struct ruleset **out)
{
	struct ruleset *rs;
	char path[4096];
	size_t i;
	int r = 0, r2;

	*out = NULL;
	if ((rs = ruleset_new()) == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < ndirs; i++) {
		snprintf(path, sizeof(path), "%s/decoders", dirs[i]);
		if ((r2 = decoder_load_dir(rs->decoders, path, NULL, 0)) != 0)
			r = r2;
	}
	return ruleset_done(rs, r, out);
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	decoder_set_free(rs->decoders);
	free(rs);
}

bool
ruleset_analyse(
    const struct ruleset *rs, struct event *ev, struct pattern_scratch *scratch)
{
	if (predecode(ev) != 0)
		return false;
	return decoder_decode(rs->decoders, ev, scratch);
}
