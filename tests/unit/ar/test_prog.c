/*
 * Unit tests for the program side of the response protocols (prog.c):
 * the legacy argv with many long extra arguments is cut at the buffer
 * (found by fuzz_arproto: the old strncat arithmetic wrapped and wrote
 * past the stack buffer), options and the timeout are found, and a JSON
 * message decodes into the request with its address parsed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

#include "ar/prog.h"
#include "core/err.h"
#include "core/jsonin.h"

static void
test_legacy_long_extras(void **state)
{
	char long_arg[200], *argv[16];
	struct ar_prog_request rq;
	char opt[32];
	int argc = 0;

	(void)state;
	memset(long_arg, 'x', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	argv[argc++] = "firewall-drop";
	argv[argc++] = "add";
	argv[argc++] = "-";
	argv[argc++] = "192.0.2.6";
	argv[argc++] = "--timeout=600";
	while (argc < 15)
		argv[argc++] = long_arg;
	argv[argc] = NULL;
	assert_int_equal(ar_prog_read(argc, argv, "test", &rq), 0);
	assert_true(strlen(rq.extra) < sizeof(rq.extra));
	assert_int_equal(rq.timeout_s, 600);
	assert_true(ar_prog_option(&rq, "timeout", opt, sizeof(opt)));
	assert_string_equal(opt, "600");
	assert_string_equal(rq.addr_text, "192.0.2.6");

	/* Exactly at the edge: extra one byte short of full, twice. */
	for (size_t n = sizeof(rq.extra) - 4; n < sizeof(rq.extra) + 2; n++) {
		char *edge = malloc(n + 1);

		memset(edge, 'y', n);
		edge[n] = '\0';
		char *args[] = {
		    "p", "add", "-", "192.0.2.6", edge, edge, "z", NULL};
		assert_int_equal(ar_prog_read(7, args, "test", &rq), 0);
		assert_true(strlen(rq.extra) < sizeof(rq.extra));
		free(edge);
	}
}

static void
test_json(void **state)
{
	static const char msg[] =
	    "{\"version\":1,\"command\":\"add\",\"parameters\":{"
	    "\"extra_args\":[],\"arx_timeout\":120,\"alert\":{\"id\":\"1.2\","
	    "\"rule\":{\"id\":\"5712\"},\"data\":{\"srcip\":\"::ffff:192.0.2."
	    "9\",\"dstuser\":\"root\"}}}}";
	struct ar_prog_request rq;
	struct json_doc ev;
	char a[64];

	(void)state;
	json_doc_init(&ev);
	assert_int_equal(ar_prog_parse(msg, sizeof(msg) - 1, &rq, &ev), 0);
	assert_string_equal(rq.command, "add");
	assert_string_equal(rq.rule_id, "5712");
	assert_int_equal(rq.timeout_s, 120);
	addr_format(&rq.addr, a, sizeof(a));
	assert_string_equal(a, "192.0.2.9");
	assert_int_equal(ar_prog_parse("{\"command\":\"add\",\"parameters\":"
				       "{\"alert\":{\"data\":{\"srcip\":"
				       "\"1.2.3.4; rm\"}}}}",
			     73, &rq, &ev),
	    ARX_ERR_INVAL);
	assert_int_equal(ar_prog_parse("not json", 8, &rq, &ev), ARX_ERR_INVAL);
	json_doc_release(&ev);
}

/* A network only in arxd's own messages (arx block), never from OSSEC's
 * or Wazuh's callers, whose srcip comes from a log line. */
static void
test_network(void **state)
{
	static const char fmt[] =
	    "{\"version\":1,\"origin\":{\"name\":\"n\",\"module\":\"%s\"},"
	    "\"command\":\"delete\",\"parameters\":{\"alert\":{\"data\":{"
	    "\"srcip\":\"198.51.100.0/24\"}}}}";
	struct ar_prog_request rq;
	struct json_doc ev;
	char msg[256], a[64];
	int n;

	(void)state;
	json_doc_init(&ev);
	n = snprintf(msg, sizeof(msg), fmt, "arx");
	assert_int_equal(ar_prog_parse(msg, (size_t)n, &rq, &ev), 0);
	assert_true(rq.from_arx);
	addr_format(&rq.addr, a, sizeof(a));
	assert_string_equal(a, "198.51.100.0/24");
	n = snprintf(msg, sizeof(msg), fmt, "wazuh-execd");
	assert_int_equal(
	    ar_prog_parse(msg, (size_t)n, &rq, &ev), ARX_ERR_INVAL);
	json_doc_release(&ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy_long_extras),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_network),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
