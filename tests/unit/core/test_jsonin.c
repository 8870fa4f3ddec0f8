/*
 * Unit tests for core/jsonin: leaves under dotted names, escapes
 * unescaped, arrays as comma lists or Wazuh's text, nulls as asked, bad
 * and too deep input refused, and json_doc's look-up (case ignored, the
 * last of a repeated name, a cap on its size).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/jsonin.h"

static const char *
get(struct json_doc *d, const char *name)
{
	const char *v = json_doc_get(d, name);

	return v != NULL ? v : "(absent)";
}

static void
test_doc(void **state)
{
	struct json_doc d;
	const char *msg =
	    "{\"version\":1,\"command\":\"add\",\"parameters\":{\"alert\":"
	    "{\"rule\":{\"id\":\"5712\"},\"data\":{\"srcip\":\"192.0.2.6\"}},"
	    "\"keys\":[\"192.0.2.6\",\"x\"],\"gone\":null},"
	    "\"esc\":\"a\\\"b\\u00e9\\n\",\"Command\":\"delete\"}";

	(void)state;
	json_doc_init(&d);
	assert_int_equal(json_doc_parse(&d, msg, strlen(msg)), 0);
	assert_string_equal(get(&d, "version"), "1");
	assert_string_equal(get(&d, "parameters.alert.rule.id"), "5712");
	assert_string_equal(
	    get(&d, "PARAMETERS.alert.data.srcip"), "192.0.2.6");
	assert_string_equal(get(&d, "parameters.keys"), "192.0.2.6,x");
	assert_string_equal(get(&d, "parameters.gone"), "(absent)");
	assert_string_equal(get(&d, "esc"), "a\"b\xc3\xa9\n");
	assert_string_equal(get(&d, "command"), "delete"); /* the last */
	/* parsed again: nothing of the first message is left */
	assert_int_equal(json_doc_parse(&d, "{\"a\":true}", 10), 0);
	assert_string_equal(get(&d, "a"), "true");
	assert_string_equal(get(&d, "version"), "(absent)");
	json_doc_release(&d);
}

static int
count_leaf(
    void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	(void)name, (void)value;
	assert_int_equal(name[nlen], '\0');
	assert_int_equal(value[vlen], '\0');
	++*(int *)ctx;
	return 0;
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {"", "[1]", "{\"a\" 1}", "{\"a\":}",
	    "{\"a\":1,}", "{\"a\":\"\\q\"}", "{\"a\":[1,2}", "x"};
	char deep[256];
	int n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(json_walk(bad[i], strlen(bad[i]),
				     JSON_NULL_STRING, true, count_leaf, &n),
		    ARX_ERR_INVAL);
	/* a value at the very end of the text, not NUL-terminated there */
	n = 0;
	assert_int_equal(json_walk("{\"a\":12}xx", 8, JSON_NULL_STRING, true,
			     count_leaf, &n),
	    0);
	assert_int_equal(n, 1);
	memset(deep, 0, sizeof(deep));
	for (int i = 0; i < 40; i++)
		memcpy(deep + 5 * i, "{\"a\":", 5);
	assert_int_equal(json_walk(deep, strlen(deep), JSON_NULL_STRING, true,
			     count_leaf, &n),
	    ARX_ERR_TOOBIG);
}

static void
test_modes(void **state)
{
	const char *arr = "{\"a\":[1,{\"b\":2}],\"n\":null}";
	int n = 0;

	(void)state;
	/* Wazuh's text of an array (csv off) goes through json_walk */
	assert_int_equal(json_walk(arr, strlen(arr), JSON_NULL_STRING, false,
			     count_leaf, &n),
	    0);
	assert_int_equal(n, 2); /* a, and n as "null" */
	n = 0;
	assert_int_equal(json_walk(arr, strlen(arr), JSON_NULL_DISCARD, false,
			     count_leaf, &n),
	    0);
	assert_int_equal(n, 1);
}

static void
test_doc_cap(void **state)
{
	struct json_doc d;
	size_t big = JSON_DOC_MAX / 60000 + 2, len = 0;
	char *text = malloc(big * 60020 + 16);

	(void)state;
	assert_non_null(text);
	text[len++] = '{';
	for (size_t i = 0; i < big; i++) {
		len += (size_t)snprintf(
		    text + len, 32, "%s\"k%zu\":\"", i ? "," : "", i);
		memset(text + len, 'v', 60000);
		len += 60000;
		text[len++] = '"';
	}
	text[len++] = '}';
	json_doc_init(&d);
	assert_int_equal(json_doc_parse(&d, text, len), ARX_ERR_TOOBIG);
	assert_true(d.kv.len <= JSON_DOC_MAX);
	json_doc_release(&d);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_doc_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
