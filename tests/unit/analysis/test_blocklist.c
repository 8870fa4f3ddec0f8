/*
 * Unit tests for the <blocklist> parser (analysis/blocklist.c): the
 * three formats, comments and blank lines, what is a bad line in each
 * (logged with origin:line), host bits, a line too long, and the bound
 * on entries (dropped and counted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "analysis/blocklist.h"

static const char drop[] = "; Spamhaus DROP List 2026/12/07\n"
			   "198.51.100.0/24 ; SBL000001\n"
			   "\n"
			   "203.0.113.0/25 ; SBL000002\r\n"
			   "this is not a network ; SBL3\n"
			   "10.1.2.3/8 ; host bits set\n"
			   "2001:db8::/32 ; SBL4";

static void
test_drop(void **state)
{
	struct bl_parsed p = {.max = 100};
	struct log_capture c;
	char text[64];

	(void)state;
	capture_start(&c);
	assert_int_equal(bl_parse("drop", "http://x/drop.txt", BL_FORMAT_DROP,
			     drop, strlen(drop), &p),
	    0);
	capture_stop();
	assert_int_equal(p.n, 3);
	addr_format(&p.v[0], text, sizeof(text));
	assert_string_equal(text, "198.51.100.0/24");
	addr_format(&p.v[2], text, sizeof(text));
	assert_string_equal(text, "2001:db8::/32");
	assert_int_equal(p.bad, 2);
	assert_captured(&c,
	    "blocklist drop: http://x/drop.txt:5: not an address or network: "
	    "'this is not a network ; SBL3'");
	assert_captured(&c, "http://x/drop.txt:6: not an address or network");
	bl_parsed_free(&p);
}

static void
test_plain(void **state)
{
	static const char plain[] = "# comment\n"
				    "  192.0.2.7   # with a comment\n"
				    "192.0.2.8\t3\n"
				    "198.51.100.0/24\n"
				    "2001:db8::1\n";
	struct bl_parsed p = {.max = 100};
	struct log_capture c;

	(void)state;
	capture_start(&c);
	assert_int_equal(bl_parse("p", "/etc/p.txt", BL_FORMAT_PLAIN, plain,
			     strlen(plain), &p),
	    0);
	capture_stop();
	assert_int_equal(p.n, 3); /* a network is not a plain entry */
	assert_int_equal(p.bad, 1);
	assert_captured(&c, "/etc/p.txt:4: not an address: '198.51.100.0/24'");
	/* the same text as cidr takes the network */
	assert_int_equal(bl_parse("p", "/etc/p.txt", BL_FORMAT_CIDR, plain,
			     strlen(plain), &p),
	    0);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.bad, 0);
	bl_parsed_free(&p);
}

/* Bounds: a line longer than BL_LINE_MAX is bad; entries past max are
 * dropped and counted; only the first BL_LOG_BAD bad lines are logged. */
static void
test_bounds(void **state)
{
	struct bl_parsed p = {.max = 5};
	struct log_capture c;
	char *text = malloc(1 << 16);
	size_t n = 0;

	(void)state;
	memset(text, 'a', BL_LINE_MAX + 10);
	n = BL_LINE_MAX + 10;
	text[n++] = '\n';
	for (int i = 0; i < 20; i++)
		n +=
		    (size_t)snprintf(text + n, 64, "192.0.2.%d\nbad%d\n", i, i);
	capture_start(&c);
	assert_int_equal(bl_parse("b", "f", BL_FORMAT_PLAIN, text, n, &p), 0);
	capture_stop();
	assert_int_equal(p.n, 5);
	assert_int_equal(p.dropped, 15);
	assert_int_equal(p.bad, 21);
	assert_captured(&c, "f:1: line too long");
	assert_captured(&c, "21 bad lines in all (the first 10 logged)");
	assert_captured(&c, "15 entries beyond <max_entries> 5 dropped");
	assert_null(strstr(c.text, "bad19"));
	free(text);
	bl_parsed_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
