/* Fuzz target: OS_Regex and OS_Match. The input's first line is the
 * pattern, the rest the subject (NUL-terminated, as the engine passes
 * it); both languages compile the pattern and run it, and the prefilter
 * literals they report must be in every subject they match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/osregex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A match must contain one of the literals (ignoring ASCII case). */
static void
check_lits(
    const char **lits, const size_t *lens, size_t n, const char *s, size_t len)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k + lens[i] <= len; k++)
			if (strncasecmp(s + k, lits[i], lens[i]) == 0)
				return;
	if (n > 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - (const char *)data) : size;
	char *pat = strndup((const char *)data, plen);
	char *subj = strndup(nl ? nl + 1 : "", nl ? size - plen - 1 : 0);
	const char *lits[16];
	size_t lens[16], n, slen;
	struct osregex_result res;
	struct osregex *re;
	struct osmatch *m;
	char err[256];

	if (pat == NULL || subj == NULL)
		goto out;
	slen = strlen(subj);
	if ((re = osregex_compile(pat, true, err, sizeof(err))) != NULL) {
		n = osregex_literals(re, lits, lens, 16);
		if (osregex_exec(re, subj, slen, &res))
			check_lits(lits, lens, n, subj, slen);
		osregex_free(re);
	}
	if ((m = osmatch_compile(pat, err, sizeof(err))) != NULL) {
		n = osmatch_literals(m, lits, lens, 16);
		if (osmatch_exec(m, subj, slen))
			check_lits(lits, lens, n, subj, slen);
		osmatch_free(m);
	}
out:
	free(pat);
	free(subj);
	return 0;
}
