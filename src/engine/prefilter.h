/*
 * One pass over a line instead of one search per candidate: a set of
 * candidates (the children of a rule, in order), each either tied to a
 * few literals one of which the line must hold for it to match, or
 * always possible. An Aho-Corasick automaton over every literal, built
 * once at load, reads the line once (ignoring ASCII case) and marks the
 * candidates whose literals it saw; the caller then tries only those, in
 * their order. It only ever rules out candidates that could not match,
 * so results are the same as trying them all.
 *
 * Owns its automaton: transitions over byte classes (the bytes the
 * literals use, and "any other"), and per state the candidates it marks.
 */
#ifndef ARX_ENGINE_PREFILTER_H
#define ARX_ENGINE_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFILTER_MAX_CANDS 4096 /* more candidates: no prefilter */
#define PREFILTER_MAX_LITS  16   /* literals per candidate */
#define PREFILTER_MIN_WITH  8    /* candidates with literals, at least */

struct prefilter;

/* Build for ncands candidates; lits(i, out_lits, out_lens, max) gives
 * candidate i's literals (lower-cased) or 0 for "always possible".
 * NULL when nothing would be gained (no candidate has literals, too
 * many candidates) or on allocation failure. */
typedef size_t prefilter_lits_fn(
    size_t i, const char **lits, size_t *lens, size_t max, void *ctx);
struct prefilter *prefilter_build(
    size_t ncands, prefilter_lits_fn *lits, void *ctx);
void prefilter_free(struct prefilter *pf);

/* The same, built whenever PREFILTER_MIN_WITH candidates have literals,
 * however many others are always possible: for a list every line would
 * otherwise try whole (top-level decoders). */
struct prefilter *prefilter_build_sparse(
    size_t ncands, prefilter_lits_fn *lits, void *ctx);

/* Words of the candidate bitmap scan fills. */
size_t prefilter_nwords(const struct prefilter *pf);

/* A literal longer than this is looked for by its last this many bytes
 * (still necessary for the literal, so no candidate that could match is
 * ruled out; the window keeps the automaton small). */
size_t prefilter_window(const struct prefilter *pf);

/* Whether candidate i is marked on every line (it gave no literal). */
bool prefilter_always(const struct prefilter *pf, size_t i);

/* Mark in bits (prefilter_nwords() words) every candidate that can
 * match s. */
void prefilter_scan(
    const struct prefilter *pf, const char *s, size_t len, uint64_t *bits);

#endif
