/*
 * Unit tests for engine/osregex and engine/pattern: every escape of
 * OS_Regex, its quirks (literal '.', quantifiers only after escapes, anchors
 * only at the ends of an alternative, lazy repetition, OSSEC's capture
 * results), OS_Match, PCRE2 through pattern.h, and bounded time on hostile
 * input. Expected results follow OSSEC's matcher, not PCRE.
 */
#include <stdlib.h>

#include "testutil.h"

#include "core/osregex.h"
#include "engine/pattern.h"

struct re_case {
	const char *pattern, *subject;
	int match;
	const char *caps[4]; /* expected captures, NULL-terminated */
};

static const struct re_case re_cases[] = {
    /* \d \D */
    {"(\\d+)", "abc123def", 1, {"123"}},
    {"^\\D+$", "abc", 1, {NULL}},
    {"^\\D+$", "ab1", 0, {NULL}},
    /* \w matches letters, digits, '-', '@' and '_' */
    {"^\\w+$", "a-b@c_D9", 1, {NULL}},
    {"^\\w+$", "a.b", 0, {NULL}},
    {"^\\W$", ".", 1, {NULL}},
    {"^\\W$", "_", 0, {NULL}},
    /* \s is a space only, \t a tab */
    {"a\\sb", "a b", 1, {NULL}},
    {"a\\sb", "a\tb", 0, {NULL}},
    {"a\\tb", "a\tb", 1, {NULL}},
    {"^\\S+$", "a\tb", 1, {NULL}},
    /* \p: punctuation, but not / @ \\ ^ _ ~ ` */
    {"^\\p+$", "!\"#$%&'()*+,-.:;<=>?[]{|}", 1, {NULL}},
    {"\\p", "/", 0, {NULL}},
    {"\\p", "@", 0, {NULL}},
    {"\\p", "_", 0, {NULL}},
    {"\\p", "~", 0, {NULL}},
    /* \. is any character, a plain . is a dot */
    {"a\\.c", "abc", 1, {NULL}},
    {"a.c", "abc", 0, {NULL}},
    {"a.c", "a.c", 1, {NULL}},
    /* literal escapes */
    {"\\\\\\(\\)\\$\\|\\<", "x\\()$|<", 1, {NULL}},
    /* + and * are quantifiers only after an escape */
    {"a+", "aa", 0, {NULL}},
    {"^a+$", "a+", 1, {NULL}},
    {"^a*b$", "a*b", 1, {NULL}},
    {"x(\\d*)y", "xy", 1, {""}},
    {"x(\\d*)y", "x12y", 1, {"12"}},
    /* ^ and $ anchor only at the ends of an alternative */
    {"a^b", "xa^b", 1, {NULL}},
    {"a$b", "xa$b", 1, {NULL}},
    {"^abc$", "abcd", 0, {NULL}},
    {"abc$", "abcabc", 1, {NULL}},
    {"^foo|bar$", "xbar", 1, {NULL}},
    {"^foo|bar$", "barx", 0, {NULL}},
    {"^foo|bar$", "foox", 1, {NULL}},
    /* case-insensitive both ways */
    {"FOO", "xfoo", 1, {NULL}},
    {"foo", "XFOO", 1, {NULL}},
    /* lazy repetition: the first " from" ends the capture */
    {"(\\.+) from", "a from b from c", 1, {"a"}},
    {"^(\\S+) (\\S+)$", "ab cd", 1, {"ab", "cd"}},
    {"(\\w+) (\\w+)$", "one two three", 1, {"two", "three"}},
    {"(\\w+)@(\\w+)", "mail joe-x@example ok", 1, {"joe-x", "example"}},
    {"port (\\d+)$", "port 22", 1, {"22"}},
    /* OSSEC's own result: \. takes the second digit, the group after it
	 * ends empty (a PCRE user would expect "12" and "34"). */
    {"(\\d+)\\.(\\d+)", "12.34", 1, {"1", ""}},
    /* a trailing repetition is greedy to the end */
    {"^x (\\.*)", "x all of it", 1, {"all of it"}},
    {"^(\\.*)$", "all of it", 1, {"all of it"}},
    {"(\\w+)x", "abcx", 1, {"abc"}},
    /* captures restart in each alternative */
    {"^A (\\S+)$|^B (\\S+) (\\d+)$", "B x 7", 1, {"x", "7"}},
    {"^A (\\S+)$|^B (\\S+) (\\d+)$", "A y", 1, {"y"}},
    /* Wazuh 4.x starts "the last character matched" at the subject's
	 * start: empty patterns and lone '*' repetitions match */
    {"^$", "", 1, {NULL}},
    {"", "abc", 1, {NULL}},
    {"^\\D*$", "", 1, {NULL}},
    {"^\\d+$", "", 0, {NULL}},
    /* OSSEC's quirk: a class without quantifier that refuses a
     * character after a repetition ends the match without the one
     * element after it, so that last byte is not needed (Wazuh's
     * huawei-usg prematch matches "%%01SHELL/5/CMD(lx") */
    {"\\w+\\w\\dX", "aa!", 1, {NULL}},
    {"\\w+\\w\\dX", "foo bar", 1, {NULL}},
    {"^%%\\d\\d\\S+/\\d/\\S+\\(\\w\\):", "%%01SHELL/5/CMD(lx", 1, {NULL}},
    /* every other plain byte is needed: a line without it is refused
     * before the matcher, with the same result */
    {"\\p*\\w+\\s+%", "Dec 7 10:00:00 sshd", 0, {NULL}},
    {"\\p*\\w+\\s+%", "10 %SYS", 1, {NULL}},
    {"\\s+Q\\d", "a q1", 1, {NULL}},
};

static void
test_re_table(void **state)
{
	char err[128];
	struct osregex *re;
	struct osregex_result res;
	size_t i, k;
	bool m;

	(void)state;
	for (i = 0; i < sizeof(re_cases) / sizeof(re_cases[0]); i++) {
		const struct re_case *c = &re_cases[i];
		re = osregex_compile(c->pattern, true, err, sizeof(err));
		if (re == NULL)
			fail_msg("%s: %s", c->pattern, err);
		m = osregex_exec(re, c->subject, strlen(c->subject), &res);
		if (m != (c->match != 0))
			fail_msg("'%s' on '%s': match %d", c->pattern,
			    c->subject, m);
		for (k = 0; m && c->caps[k] != NULL; k++) {
			if (k >= res.ncaps ||
			    strlen(c->caps[k]) != res.caps[k].len ||
			    memcmp(c->caps[k], res.caps[k].p, res.caps[k].len))
				fail_msg("'%s' on '%s': capture %zu",
				    c->pattern, c->subject, k);
		}
		osregex_free(re);
	}
}

static void
test_re_compile_errors(void **state)
{
	static const char *const bad[] = {"\\n", "\\-", "\\x41", "\\_", "abc\\",
	    "(a|b)", "((a))", "(a", "a)", "(a)(b", "\\"};
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (osregex_compile(bad[i], false, err, sizeof(err)) != NULL)
			fail_msg("'%s' compiled", bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void
test_re_end_position(void **state)
{
	char err[64];
	struct osregex *re = osregex_compile("^Failed \\S+ ", false, err, 64);
	struct osregex_result res;

	(void)state;
	assert_true(osregex_exec(re, "Failed password for", 19, &res));
	assert_int_equal(res.end, 15); /* the space after "password" */
	osregex_free(re);
}

/* Hostile input ends within the step budget, as a non-match. */
static void
test_re_budget(void **state)
{
	size_t n = 65536;
	char *s = malloc(n + 1), err[64];
	struct osregex *re =
	    osregex_compile("(\\w+)\\w+\\w+\\w+\\w+\\w+!x", true, err, 64);
	struct osregex_result res;

	(void)state;
	memset(s, 'a', n);
	s[n] = '\0';
	assert_false(osregex_exec(re, s, n, &res));
	osregex_free(re);
	free(s);
}

static void
test_osmatch(void **state)
{
	static const struct {
		const char *pattern, *subject;
		bool match;
	} cases[] = {
	    {"sshd", "xsshdx", true},
	    {"^sshd", "sshd-session", true},
	    {"^sshd$", "sshd-session", false},
	    {"^sshd$|^sshd-session$", "sshd-session", true},
	    {"^sshd$|^sshd-session$", "SSHD", true},
	    {"session$", "sshd-session", true},
	    {"!^sshd", "sshd", false},
	    {"!^sshd", "cron", true},
	    {"", "anything", true},
	    {"a|", "zzz", true},
	    {"\\d", "\\d", true},
	    {"a.c", "abc", false},
	    {"x^y", "x^y", true},
	    {"^", "", true},
	};
	struct osmatch *m;
	char err[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = osmatch_compile(cases[i].pattern, err, sizeof(err));
		assert_non_null(m);
		if (osmatch_exec(m, cases[i].subject,
			strlen(cases[i].subject)) != cases[i].match)
			fail_msg("osmatch '%s' on '%s'", cases[i].pattern,
			    cases[i].subject);
		osmatch_free(m);
	}
}

/* The literals the prefilters use: what every match must hold. */
static void
test_literals(void **state)
{
	static const struct {
		const char *pattern;
		size_t n;
		const char *first; /* the first alternative's literal */
	} lit_cases[] = {
	    {"^Failed \\S+ for", 1, "failed "},
	    {"^\\d+:\\s+%", 1, "%"}, /* the rare byte, not ':' */
	    {"^\\w+ \\d+", 1, " "},  /* only the space is there */
	    {"^\\w+|abc", 0, NULL},  /* one alternative has none */
	};
	static const struct {
		const char *pattern;
		size_t plain;
	} m_cases[] = {
	    {"abc|defg", 4},
	    {"^abc|defg", 0},
	    {"abc$", 0},
	    {"!abc", 0},
	    {"a|bc", 0},
	    {"session opened", 14},
	};
	const char *lits[16];
	size_t lens[16], i, n;
	struct osregex *re;
	struct osmatch *m;
	char err[64];

	(void)state;
	for (i = 0; i < sizeof(lit_cases) / sizeof(lit_cases[0]); i++) {
		re = osregex_compile(
		    lit_cases[i].pattern, false, err, sizeof(err));
		assert_non_null(re);
		n = osregex_literals(re, lits, lens, 16);
		if (n != lit_cases[i].n ||
		    (n > 0 &&
			(lens[0] != strlen(lit_cases[i].first) ||
			    memcmp(lits[0], lit_cases[i].first, lens[0]) != 0)))
			fail_msg("literals of '%s': %zu '%.*s'",
			    lit_cases[i].pattern, n, n ? (int)lens[0] : 0,
			    n ? lits[0] : "");
		osregex_free(re);
	}
	for (i = 0; i < sizeof(m_cases) / sizeof(m_cases[0]); i++) {
		m = osmatch_compile(m_cases[i].pattern, err, sizeof(err));
		assert_non_null(m);
		if (osmatch_plain_len(m) != m_cases[i].plain)
			fail_msg("plain length of '%s'", m_cases[i].pattern);
		osmatch_free(m);
	}
}

static void
test_pattern_pcre2(void **state)
{
	struct pattern p;
	struct pattern_result res;
	struct pattern_scratch sc = {0};
	char err[128];
	const char *s = "Invalid user x from 203.0.113.9 from 192.0.2.6";

	(void)state;
	assert_int_equal(pattern_compile(&p, "from (\\S+)$", PAT_PCRE2, true,
			     false, err, sizeof(err)),
	    0);
	assert_true(pattern_match(&p, s, strlen(s), &res, &sc));
	assert_int_equal(res.ncaps, 1);
	assert_int_equal(res.caps[0].len, 9);
	assert_memory_equal(res.caps[0].p, "192.0.2.6", 9);
	assert_int_equal(res.end, (long)strlen(s) - 1);
	/* case-sensitive, as Wazuh compiles it */
	assert_false(pattern_match(&p, "FROM x", 6, &res, &sc));
	pattern_release(&p);
	/* negation */
	assert_int_equal(pattern_compile(&p, "^cron", PAT_OSMATCH, false, true,
			     err, sizeof(err)),
	    0);
	assert_true(pattern_match(&p, "sshd", 4, NULL, &sc));
	assert_false(pattern_match(&p, "cron", 4, NULL, &sc));
	pattern_release(&p);
	/* errors carry a message */
	assert_int_equal(pattern_compile(&p, "(unclosed", PAT_PCRE2, false,
			     false, err, sizeof(err)),
	    -2);
	assert_non_null(strstr(err, "offset"));
	pattern_scratch_release(&sc);
}

/* Catastrophic backtracking in PCRE2 stops at the match limit. */
static void
test_pattern_pcre2_limit(void **state)
{
	struct pattern p;
	struct pattern_scratch sc = {0};
	char err[128], s[64];

	(void)state;
	memset(s, 'a', sizeof(s) - 2);
	s[sizeof(s) - 2] = '!';
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(pattern_compile(&p, "^(a+)+$", PAT_PCRE2, false, false,
			     err, sizeof(err)),
	    0);
	assert_false(pattern_match(&p, s, strlen(s), NULL, &sc));
	pattern_release(&p);
	pattern_scratch_release(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_re_table),
	    cmocka_unit_test(test_re_compile_errors),
	    cmocka_unit_test(test_re_end_position),
	    cmocka_unit_test(test_re_budget),
	    cmocka_unit_test(test_osmatch),
	    cmocka_unit_test(test_literals),
	    cmocka_unit_test(test_pattern_pcre2),
	    cmocka_unit_test(test_pattern_pcre2_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
