/*
 * Unit tests for analysis/feedfmt: every format's whole text for a list
 * of an address, a network and an IPv6 address (the RouterOS script
 * with its removal first and /ipv6 for IPv6, nginx deny lines, the
 * Apache block, JSON), the empty list, paths and Content-Types, the
 * canonical form that keeps anything but an address out, and sorting
 * with repeats dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "analysis/feedfmt.h"

static char *list3[] = {"192.0.2.77", "198.51.100.0/24", "2001:db8::7"};

static void
expect_text(const char *path, char *const *v, size_t n, const char *want)
{
	const struct feedfmt *f = feedfmt_find(path, strlen(path));
	struct buf b;

	assert_non_null(f);
	buf_init(&b, 1u << 16);
	assert_int_equal(feedfmt_write(f, &b, v, n), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_release(&b);
}

static void
test_formats(void **state)
{
	(void)state;
	expect_text("/blocklist.txt", list3, 3,
	    "192.0.2.77\n198.51.100.0/24\n2001:db8::7\n");
	expect_text("/blocklist.json", list3, 3,
	    "[\"192.0.2.77\",\"198.51.100.0/24\",\"2001:db8::7\"]\n");
	expect_text("/mikrotik.rsc", list3, 3,
	    "/ip firewall address-list remove [find list=arx]\n"
	    "/ipv6 firewall address-list remove [find list=arx]\n"
	    "/ip firewall address-list add list=arx address=192.0.2.77 "
	    "comment=\"arx blocklist\"\n"
	    "/ip firewall address-list add list=arx address=198.51.100.0/24 "
	    "comment=\"arx blocklist\"\n"
	    "/ipv6 firewall address-list add list=arx address=2001:db8::7 "
	    "comment=\"arx blocklist\"\n");
	expect_text("/nginx.conf", list3, 3,
	    "# arx blocklist\ndeny 192.0.2.77;\ndeny 198.51.100.0/24;\n"
	    "deny 2001:db8::7;\n");
	expect_text("/apache.conf", list3, 3,
	    "# arx blocklist\n<RequireAll>\n    Require all granted\n"
	    "    Require not ip 192.0.2.77\n"
	    "    Require not ip 198.51.100.0/24\n"
	    "    Require not ip 2001:db8::7\n</RequireAll>\n");
}

static void
test_empty_and_table(void **state)
{
	const struct feedfmt *f;
	size_t i;

	(void)state;
	expect_text("/blocklist.txt", NULL, 0, "");
	expect_text("/blocklist.json", NULL, 0, "[]\n");
	expect_text("/apache.conf", NULL, 0,
	    "# arx blocklist\n<RequireAll>\n    Require all granted\n"
	    "</RequireAll>\n");
	assert_null(feedfmt_find("/blocklist", 10));
	assert_null(feedfmt_find("/blocklist.txtx", 15));
	assert_null(feedfmt_find("/", 1));
	f = feedfmt_find("/blocklist.json", 15);
	assert_string_equal(f->type, "application/json");
	for (i = 0; (f = feedfmt_at(i)) != NULL; i++)
		assert_ptr_equal(feedfmt_find(f->path, strlen(f->path)), f);
	assert_int_equal(i, 5);
}

static void
test_full_buffer(void **state)
{
	const struct feedfmt *f = feedfmt_find("/nginx.conf", 11);
	struct buf b;

	(void)state;
	buf_init(&b, 40);
	assert_int_equal(buf_puts(&b, "x"), 0);
	assert_int_not_equal(feedfmt_write(f, &b, list3, 3), 0);
	assert_string_equal(buf_cstr(&b), "x"); /* nothing half-written */
	buf_release(&b);
}

static void
test_canon_and_sort(void **state)
{
	char out[CIDR_STRLEN];
	char *v[5];
	size_t n;

	(void)state;
	assert_true(feedfmt_canon("2001:DB8:0::7", out));
	assert_string_equal(out, "2001:db8::7");
	assert_true(feedfmt_canon("203.0.113.0/24", out));
	assert_string_equal(out, "203.0.113.0/24");
	assert_false(feedfmt_canon("192.0.2.1;reboot", out));
	assert_string_equal(out, "");
	assert_false(feedfmt_canon("1.2.3.4 comment=x", out));
	assert_false(feedfmt_canon("203.0.113.7/24", out));
	assert_false(feedfmt_canon("", out));
	v[0] = strdup("198.51.100.9");
	v[1] = strdup("192.0.2.77");
	v[2] = strdup("198.51.100.9");
	v[3] = strdup("192.0.2.77");
	v[4] = strdup("2001:db8::7");
	n = feedfmt_sort(v, 5);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "192.0.2.77");
	assert_string_equal(v[1], "198.51.100.9");
	assert_string_equal(v[2], "2001:db8::7");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	assert_int_equal(feedfmt_sort(NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_empty_and_table),
	    cmocka_unit_test(test_full_buffer),
	    cmocka_unit_test(test_canon_and_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
