/*
 * Counter rows (core/counters.h) written in the Prometheus text
 * exposition format, version 0.0.4: per family (the rows of one name)
 * one "# HELP" and one "# TYPE" line, then a line per row,
 * PREFIX_NAME{key="value",...} VALUE, with "_total" after a counter's
 * name. Label values are escaped as the format wants (backslash,
 * double quote, line feed), help texts too (backslash, line feed).
 * Pure: writes into the caller's buffer, owns nothing; the HTTP side
 * is analysis/metrics.c.
 */
#ifndef ARX_CORE_PROMTEXT_H
#define ARX_CORE_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/counters.h"

#define PROMTEXT_SETS_MAX 4

/* What a family is: a gauge (a level that goes up and down) or a
 * counter (only grows, "_total"), and its help text. */
struct promtext_family {
	const char *name; /* the rows' name */
	bool gauge;
	const char *help;
};

/* Append s escaped: as a label value (help false: \\, \", \n) or as a
 * help text (help true: \\, \n). 0, or an error of buf. */
int promtext_escape(struct buf *out, const char *s, bool help);

/*
 * Append every row of sets[0..nsets) (at most PROMTEXT_SETS_MAX), each
 * family once and whole even when its rows are spread over several
 * sets; a row (name and labels) already written from an earlier set is
 * left out. A family not in fams[0..nfams) is a counter whose help
 * names the row. 0, or ARX_ERR_TOOBIG when out is full.
 */
int promtext_put(struct buf *out, const char *prefix,
    const struct counters *const *sets, size_t nsets,
    const struct promtext_family *fams, size_t nfams);

#endif
