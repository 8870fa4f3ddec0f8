/*
 * The literals a PCRE2 pattern requires (engine/pcrelit.c): what a
 * prefilter may look for without ever ruling out a line the pattern
 * matches. Each case gives the literals expected ("" for none).
 */
#include <stdio.h>

#include "testutil.h"

#include "engine/pcrelit.h"

static const struct {
	const char *pattern, *want;
} cases[] = {
    {"^(?:Invalid|Illegal) user ", "[ user ]"},
    {"^(?:error: )?maximum authentication attempts exceeded for ",
	"[maximum authentication attempts exceeded for ]"},
    {"^User .* not allowed because ", "[ not allowed because ]"},
    {"^pam_[A-Za-z0-9_]+\\([^)]*\\): authentication failure;",
	"[): authentication failure;]"},
    {"abc|^def", "[abc][def]"},
    {"Failed|x", ""},         /* an alternative without a literal */
    {"ab?cd", ""},            /* b may be absent: "a", "cd" too short */
    {"foo{0,3}bar", "[bar]"}, /* o{0,3}: the o is not required */
    {"x\\.y+z", "[x.y]"},     /* y+: y required, then the run ends */
    {"(?i)Hello World", "[hello world]"}, /* lower-cased */
    {"(?x) a b c d", ""},    /* extended mode: blanks do not count */
    {"no\\Qliteral\\E", ""}, /* quoting: not read */
    {"[a-z]+ then \\d+ abc", "[ then ]"},
    {"a[]b]cde", "[cde]"}, /* ']' first in a class is a member */
    {"^(?!.* rhost=.* rhost=)logname=", "[logname=]"},
};

static void
test_literals(void **state)
{
	char buf[1024], got[1024];
	const char *lits[16];
	size_t lens[16], n, i, k, o;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = pcrelit_extract(
		    cases[i].pattern, buf, sizeof(buf), lits, lens, 16);
		for (k = 0, o = 0; k < n; k++)
			o += (size_t)snprintf(got + o, sizeof(got) - o,
			    "[%.*s]", (int)lens[k], lits[k]);
		got[o] = '\0';
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got '%s', want '%s'", cases[i].pattern,
			    got, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
