/*
 * The candidate prefilter: a candidate is marked exactly when one of
 * its literals occurs in the line (ignoring ASCII case), candidates
 * without literals always are, and it is never built when it would not
 * pay. A literal longer than the automaton's window is looked for by its
 * last window bytes: marked whenever the literal occurs, and only when
 * its tail does. Checked against a plain search on random lines over a
 * small alphabet, where literals overlap and repeat, short lines (one
 * chain) and long ones (read in quarters).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

#include "testutil.h"

#include "engine/prefilter.h"

struct cands {
	const char *lits[40][3]; /* NULL-terminated per candidate */
};

static size_t
lits_of(size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	const struct cands *c = ctx;
	size_t n = 0;

	while (n < 3 && n < max && c->lits[i][n] != NULL) {
		lits[n] = c->lits[i][n];
		lens[n] = strlen(lits[n]);
		n++;
	}
	return n;
}

static bool
has_ci(const char *s, const char *lit)
{
	size_t n = strlen(s), m = strlen(lit), i;

	for (i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, lit, m) == 0)
			return true;
	return false;
}

static void
test_marks(void **state)
{
	struct cands c = {.lits = {
			      {"invalid user ", NULL},
			      {"failed password", "failed none"},
			      {NULL},
			      {"accepted", NULL},
			      {"session opened", NULL},
			      {"session closed", NULL},
			      {"disconnect", NULL},
			      {"connection closed", NULL},
			      {"maximum auth", NULL},
			  }};
	struct prefilter *pf = prefilter_build(9, lits_of, &c);
	const char *line = "Failed password for invalid user x from 1 port 2";
	uint64_t bits[1];

	(void)state;
	assert_non_null(pf);
	assert_int_equal(prefilter_nwords(pf), 1);
	prefilter_scan(pf, line, strlen(line), bits);
	/* 1 (failed password), 2 (no literals); 0 wants "invalid user "
	 * with its space, which is there too */
	assert_int_equal(bits[0], 0x7);
	line = "CONNECTION CLOSED by 192.0.2.1 [preauth]";
	prefilter_scan(pf, line, strlen(line), bits);
	assert_int_equal(bits[0], (1u << 2) | (1u << 7));
	prefilter_free(pf);
}

static void
test_not_built(void **state)
{
	struct cands few = {.lits = {{"a1", NULL}, {"b2", NULL}, {NULL}}};
	struct cands most_without = {.lits = {{"ab", NULL}}};

	(void)state;
	/* fewer than PREFILTER_MIN_WITH candidates with literals */
	assert_null(prefilter_build(3, lits_of, &few));
	/* most without literals: nothing to rule out */
	assert_null(prefilter_build(40, lits_of, &most_without));
}

/* Built sparse, most candidates without literals (top-level decoders
 * without a prematch) do not stop it, and one-byte literals mark. */
static void
test_sparse(void **state)
{
	struct cands c = {.lits = {
			      {"%", NULL},
			      {"ab", NULL},
			      {"cd", NULL},
			      {"ef", NULL},
			      {"gh", NULL},
			      {"ij", NULL},
			      {"kl", NULL},
			      {"mn", NULL},
			  }};
	const char *line = "xx 100% EF";
	struct prefilter *pf;
	uint64_t bits[1];

	(void)state;
	/* 8 with literals, 32 always possible */
	assert_null(prefilter_build(40, lits_of, &c));
	pf = prefilter_build_sparse(40, lits_of, &c);
	assert_non_null(pf);
	assert_true(prefilter_always(pf, 39));
	assert_false(prefilter_always(pf, 0));
	prefilter_scan(pf, line, strlen(line), bits);
	assert_int_equal(bits[0], 0xffffffff00ull | 0x1 | 0x8);
	prefilter_free(pf);
}

/* Whether candidate i of c is marked for line: it has no literal, or
 * the last win bytes of one of its literals occur in it. */
static bool
want_mark(const struct cands *c, size_t i, const char *line, size_t win)
{
	bool want = c->lits[i][0] == NULL;
	size_t j, n;

	for (j = 0; j < 3 && c->lits[i][j] != NULL; j++) {
		n = strlen(c->lits[i][j]);
		want = want ||
		    has_ci(line, c->lits[i][j] + (n > win ? n - win : 0));
	}
	return want;
}

/* Copy a random literal of c into line across the boundary of a
 * random quarter (where the scan's chains meet), most of the time. */
static void
plant(const struct cands *c, char *line, size_t len)
{
	const char *lit = c->lits[rand() % 40][0];
	size_t n, at, q = len / 4;

	if (lit == NULL || rand() % 4 == 0)
		return;
	n = strlen(lit);
	if (n > len || q == 0)
		return;
	at = q * (1 + (size_t)rand() % 3);
	at = at > n - 1 ? at - (size_t)rand() % n : 0;
	if (at + n > len)
		at = len - n;
	memcpy(line + at, lit, n);
}

/* Random literals (2-24 bytes, some longer than the window) and lines
 * (0-299 bytes) over "abAB ": marks equal plain search for each
 * literal's window. */
static void
test_against_search(void **state)
{
	static const char abc[] = "abAB ";
	static char store[40][3][32];
	struct cands c;
	char line[320];
	uint64_t bits[1];
	size_t i, k, j, round, win;

	(void)state;
	srand(7);
	for (round = 0; round < 200; round++) {
		memset(&c, 0, sizeof(c));
		for (i = 0; i < 40; i++)
			for (k = 0;
			     k < (size_t)(i % 5 == 4 ? 0 : 1 + rand() % 2);
			     k++) {
				size_t len =
				    2 + (size_t)rand() % (round % 2 ? 4 : 23);

				for (j = 0; j < len; j++)
					store[i][k][j] = "ab "[rand() % 3];
				store[i][k][len] = '\0';
				c.lits[i][k] = store[i][k];
			}
		struct prefilter *pf = prefilter_build(40, lits_of, &c);
		assert_non_null(pf);
		win = prefilter_window(pf);
		assert_true(win >= 4);
		for (k = 0; k < 20; k++) {
			size_t len = (size_t)rand() % (k % 2 ? 60 : 300);

			for (j = 0; j < len; j++)
				line[j] = abc[rand() % 5];
			line[len] = '\0';
			plant(&c, line, len);
			prefilter_scan(pf, line, len, bits);
			for (i = 0; i < 40; i++)
				assert_int_equal((bits[0] >> i) & 1,
				    want_mark(&c, i, line, win) ? 1 : 0);
		}
		prefilter_free(pf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_marks),
	    cmocka_unit_test(test_not_built),
	    cmocka_unit_test(test_sparse),
	    cmocka_unit_test(test_against_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
