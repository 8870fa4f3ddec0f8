/*
 * Literals a PCRE2 pattern requires: for each top-level alternative, the
 * longest run of plain characters that every match must contain, so the
 * prefilters (prefilter.h) can rule out a decoder or rule whose PCRE2
 * pattern cannot match a line without running it. Conservative: whatever
 * it cannot read for certain (groups, classes, escapes of letters,
 * quantifiers, extended mode, \Q...\E) only shortens or drops a literal,
 * and a pattern it cannot vouch for gives none ("always possible").
 */
#ifndef ARX_ENGINE_PCRELIT_H
#define ARX_ENGINE_PCRELIT_H

#include <stddef.h>

#define PCRELIT_MIN 3 /* shorter literals are not worth a prefilter */

/*
 * Extract from text into buf (lower-cased, each NUL-terminated; size
 * bytes) at most max literals; their starts in lits, lengths in lens.
 * Returns how many, 0 when the pattern does not allow it.
 */
size_t pcrelit_extract(const char *text, char *buf, size_t size,
    const char **lits, size_t *lens, size_t max);

#endif
