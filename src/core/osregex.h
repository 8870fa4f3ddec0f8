/*
 * OS_Regex and OS_Match, the two pattern languages of OSSEC and Wazuh, with
 * their exact semantics (docs/RULESET.md, "Pattern languages"):
 *
 * OS_Regex: escapes \w \W \d \D \s \S \p \t \. and the literal escapes
 * \\ \( \) \$ \| \<; + and * only after an escape; ^ and $ anchors per
 * alternative; | alternatives at top level; one level of ( ) captures;
 * case-insensitive (ASCII); lazy repetition with at most four remembered
 * backtrack points, which is why some patterns match differently from PCRE.
 * The matcher is a re-implementation of that behaviour, step for step, with
 * a step budget so that no input can make it run for long.
 *
 * OS_Match: literal alternatives separated by |, each optionally anchored
 * with ^ and $, case-insensitive, a leading ! negating the whole pattern.
 *
 * Compiled patterns are immutable and may be shared; matching allocates
 * nothing.
 */
#ifndef ARX_CORE_OSREGEX_H
#define ARX_CORE_OSREGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strparse.h"

#define OSREGEX_MAX_LEN  20480
#define OSREGEX_MAX_CAPS 32

struct osregex;
struct osmatch;

/*
 * Compile an OS_Regex pattern. capture: record ( ) groups (decoders).
 * On error returns NULL and writes a message into err[err_size].
 */
struct osregex *osregex_compile(
    const char *pattern, bool capture, char *err, size_t err_size);
void osregex_free(struct osregex *re);
/* Number of capture groups of the alternative with the most. */
size_t osregex_ncaps(const struct osregex *re);

struct osregex_result {
	/* Index of the last character matched (OSSEC's return pointer); may
	 * be -1 for a match before the first character. */
	long end;
	size_t ncaps;
	struct span caps[OSREGEX_MAX_CAPS];
	bool budget_exceeded; /* gave up: counted as no match */
};

/*
 * Match subject (NUL-terminated; len = strlen). Returns true on a match and
 * fills res (may be NULL when not needed).
 */
bool osregex_exec(const struct osregex *re, const char *subject, size_t len,
    struct osregex_result *res);

struct osmatch *osmatch_compile(
    const char *pattern, char *err, size_t err_size);
void osmatch_free(struct osmatch *m);
bool osmatch_exec(const struct osmatch *m, const char *subject, size_t len);

/*
 * The literals a subject must hold for the pattern to match: one per
 * alternative (lower-cased; compare ignoring ASCII case), at most max of
 * them. How many, or 0 when the pattern gives no such guarantee
 * (negated, an alternative without a literal, more than max
 * alternatives). OS_Match gives literals of two bytes or more; an
 * OS_Regex alternative without a run of two gives the rarest single byte
 * every match of it holds ("\\d+:\\s+%" gives "%"). Pointers stay
 * valid while the pattern lives.
 */
size_t osmatch_literals(
    const struct osmatch *m, const char **lits, size_t *lens, size_t max);
size_t osregex_literals(
    const struct osregex *re, const char **lits, size_t *lens, size_t max);

/* The longest alternative when m matches exactly the subjects that hold
 * one of its literals, ignoring ASCII case (not negated, no anchors, each
 * at least 2 bytes: osmatch_literals() gives them all); else 0. */
size_t osmatch_plain_len(const struct osmatch *m);

#endif
