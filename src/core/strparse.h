/*
 * Small, strict parsers for text that comes from configuration files and
 * protocol messages: unsigned integers with bounds, durations with units,
 * yes/no flags, comma lists, plus string helpers (bounded copy, trimming,
 * "did you mean" suggestions). Every parser reads the whole string and
 * rejects trailing garbage; none of them uses atoi/strtol's lax rules.
 */
#ifndef ARX_CORE_STRPARSE_H
#define ARX_CORE_STRPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte range inside a longer string; not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

/*
 * Parse a decimal unsigned integer in [min, max]. Leading and trailing blanks
 * are allowed, signs and other characters are not. 0, ARX_ERR_INVAL (not a
 * number) or ARX_ERR_RANGE (outside the bounds).
 */
int str_to_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Parse a duration: digits optionally followed by one unit letter, s, m, h,
 * d or w. A bare number is multiplied by default_unit (1 for seconds, 60 for
 * minutes). The result, in seconds, must not exceed max_secs.
 */
int str_to_duration(
    const char *s, uint64_t default_unit, uint64_t max_secs, uint64_t *out);

/* Write secs with the largest unit that divides it exactly ("90s", "2h"). */
void str_format_duration(char *dst, size_t dst_size, uint64_t secs);

/* "yes" or "no" (case-insensitive, blanks allowed around). */
int str_to_bool(const char *s, bool *out);

/* Copy src into dst (size > 0), always NUL-terminated; returns strlen(src). */
size_t str_lcpy(char *dst, const char *src, size_t dst_size);

/* Copy src into dst only when it fits whole; false (dst untouched) when
 * it would be cut. */
bool str_copy_fits(char *dst, const char *src, size_t dst_size);

/*
 * A signed decimal integer in [min, max] ("-" allowed first; blanks
 * around as str_to_uint). 0, ARX_ERR_INVAL or ARX_ERR_RANGE.
 */
int str_to_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* 1 to 16 hexadecimal digits (either case), nothing else. 0 or
 * ARX_ERR_INVAL. */
int str_to_hex(const char *s, uint64_t *out);

/*
 * Split s in place on spaces (runs of them count as one) into at most
 * max words; returns how many, or max + 1 when there are more (the
 * caller refuses the line). The words point into s.
 */
size_t str_words(char *s, char **w, size_t max);

/* s[0..len) as one line in dst (a program's stderr for a log line or an
 * answer): its lines joined by " | ", blank ones and trailing white
 * space dropped, other control bytes as '?', cut to fit. Returns dst. */
char *str_one_line(char *dst, size_t dst_size, const char *s, size_t len);

/* True for a name arx accepts for commands, nodes and program files:
 * 1-127 of A-Z a-z 0-9 - _ . (s[0..len); no NUL inside). */
bool str_is_name(const char *s, size_t len);

/* The span of s without leading and trailing blanks (space, tab, CR, LF). */
struct span str_trim(const char *s);

/*
 * Split s on commas into trimmed, non-empty items; calls fn for each one
 * (item is NUL-terminated and only valid during the call). Stops at the
 * first non-zero return of fn and returns it. Items longer than 255 bytes
 * give ARX_ERR_TOOBIG.
 */
int str_split_list(
    const char *s, int (*fn)(void *ctx, const char *item), void *ctx);

/* Levenshtein distance, case-insensitive; gives up (returns 99) past 64 bytes. */
size_t str_distance(const char *a, const char *b);

/*
 * The candidate closest to word, if it is close enough to be a plausible
 * misspelling (distance at most 2, or a third of its length); else NULL.
 */
const char *str_suggest(
    const char *word, const char *const *candidates, size_t ncandidates);

#endif
