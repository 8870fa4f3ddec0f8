/*
 * Unit tests for the response-program protocols (protocol.c): the Wazuh
 * JSON message byte for byte, the legacy argv with a two-word location
 * and extra arguments, refusal of bad addresses, user names and control
 * characters, IPv4-mapped addresses written as IPv4, and check_keys.
 */
#include "testutil.h"

#include "ar/protocol.h"
#include "core/err.h"

static const struct ar_request base = {
    .command = "add",
    .program = "active-response/bin/firewall-drop",
    .origin = "node01",
    .srcip = "192.0.2.6",
    .user = "alice",
    .alert_id = "1700000000.1234",
    .rule_id = 5712,
    .location = "(agent01) 10.0.0.5->/var/log/auth.log",
    .alert_json = "{\"rule\":{\"id\":\"5712\"}}",
    .extra_args = "-a  --b",
};

static void
test_json(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 16);
	assert_int_equal(ar_msg_json(&b, &base, "continue"), 0);
	assert_string_equal(buf_cstr(&b),
	    "{\"version\":1,\"origin\":{\"name\":\"node01\",\"module\":\"arx\"},"
	    "\"command\":\"continue\",\"parameters\":{\"extra_args\":[\"-a\","
	    "\"--b\"],\"alert\":{\"rule\":{\"id\":\"5712\"}},\"program\":"
	    "\"active-response/bin/firewall-drop\"}}\n");
	buf_release(&b);
}

static void
test_legacy(void **state)
{
	struct ar_request req = base;
	char *argv[AR_ARGV_MAX];
	const char *want[] = {"/usr/lib/arx/firewall-drop", "add", "alice",
	    "192.0.2.6", "1700000000.1234", "5712", "(agent01)",
	    "10.0.0.5->/var/log/auth.log", "-", "-a", "--b", NULL};
	struct buf store;
	size_t i;

	(void)state;
	buf_init(&store, 1 << 16);
	assert_int_equal(ar_argv_legacy(&req, want[0], &store, argv), 0);
	for (i = 0; want[i] != NULL; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[i]);
	/* Missing values are "-"; a mapped address is written as IPv4. */
	buf_reset(&store);
	req.user = NULL;
	req.srcip = "::ffff:203.0.113.9";
	req.extra_args = NULL;
	req.location = "/var/log/auth.log";
	assert_int_equal(ar_argv_legacy(&req, want[0], &store, argv), 0);
	assert_string_equal(argv[2], "-");
	assert_string_equal(argv[3], "203.0.113.9");
	assert_string_equal(argv[6], "/var/log/auth.log");
	assert_string_equal(argv[7], "-");
	assert_null(argv[8]);
	buf_release(&store);
}

static void
test_refused(void **state)
{
	struct ar_request req = base;
	const char *why;
	char addr[64];

	(void)state;
	assert_int_equal(ar_request_check(&req, addr, &why), 0);
	assert_string_equal(addr, "192.0.2.6");
	req.srcip = "192.0.2.6; rm -rf /";
	assert_int_equal(ar_request_check(&req, addr, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "srcip is not an address");
	req = base;
	req.command = "remove";
	assert_int_equal(ar_request_check(&req, addr, &why), ARX_ERR_INVAL);
	req = base;
	req.extra_args = "a\nb";
	assert_int_equal(ar_request_check(&req, addr, &why), ARX_ERR_INVAL);
	assert_false(ar_user_ok("root"));
	assert_false(ar_user_ok("-oProxyCommand"));
	assert_false(ar_user_ok("a/b"));
	assert_false(ar_user_ok("a..b"));
	assert_false(ar_user_ok("a b"));
	assert_false(ar_user_ok(""));
	assert_true(ar_user_ok("alice.smith"));
	assert_true(ar_user_safe("root"));
	assert_true(ar_user_safe("alice.smith@example"));
	assert_true(ar_user_safe(""));
	assert_false(ar_user_safe("-oProxyCommand"));
	assert_false(ar_user_safe("x$(id)"));
	assert_false(ar_user_safe("a b"));
	assert_false(ar_user_safe("a\nb"));
}

static void
test_check_keys(void **state)
{
	const char ok[] =
	    "{\"version\":1,\"origin\":{\"name\":\"firewall-drop\",\"module\":"
	    "\"active-response\"},\"command\":\"check_keys\",\"parameters\":"
	    "{\"keys\":[\"203.0.113.7\",\"alice\"]}}";
	const char other[] =
	    "{\"command\":\"add\",\"parameters\":{\"keys\":[]}}";
	char keys[64];

	(void)state;
	assert_int_equal(
	    ar_parse_check_keys(ok, strlen(ok), keys, sizeof(keys)), 0);
	assert_string_equal(keys, "203.0.113.7-alice");
	assert_int_equal(
	    ar_parse_check_keys(other, strlen(other), keys, sizeof(keys)),
	    ARX_ERR_INVAL);
	assert_int_equal(ar_parse_check_keys("Starting", 8, keys, sizeof(keys)),
	    ARX_ERR_INVAL);
	assert_int_equal(
	    ar_parse_check_keys(ok, strlen(ok), keys, 8), ARX_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_legacy),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_check_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
