/*
 * Unit tests for core/http: a request head parsed in place (method,
 * path, query, headers by name, case ignored), an incomplete head asked
 * for again, and what a client must not send refused with a reason: bare
 * LF, bad targets and versions, folding, control characters, too many
 * headers, a head too long. And an answer's head.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/http.h"

static int
parse(const char *s, struct http_request *req, const char **why)
{
	return http_request_parse(s, strlen(s), req, why);
}

static void
test_good(void **state)
{
	static const char head[] =
	    "GET /metrics?name=arx HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n"
	    "Authorization:  Basic dTpw \r\nAccept: */*\r\n\r\nrest";
	struct http_request req;
	const char *why;
	struct span v;

	(void)state;
	assert_int_equal(parse(head, &req, &why), 0);
	assert_true(http_is(&req, "GET", "/metrics"));
	assert_false(http_is(&req, "POST", "/metrics"));
	assert_false(http_is(&req, "GET", "/metric"));
	assert_int_equal(req.query.len, 8);
	assert_memory_equal(req.query.p, "name=arx", 8);
	assert_int_equal(req.minor, 1);
	assert_int_equal(req.nh, 3);
	v = http_header_get(&req, "authorization");
	assert_int_equal(v.len, 10);
	assert_memory_equal(v.p, "Basic dTpw", 10);
	assert_null(http_header_get(&req, "Cookie").p);
	assert_int_equal(req.head_len, strlen(head) - 4);
}

static void
test_again(void **state)
{
	static const char head[] = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";
	struct http_request req;
	const char *why;

	(void)state;
	for (size_t n = 0; n < sizeof(head) - 1; n++)
		assert_int_equal(
		    http_request_parse(head, n, &req, &why), ARX_ERR_AGAIN);
	assert_int_equal(
	    http_request_parse(head, sizeof(head) - 1, &req, &why), 0);
	assert_int_equal(req.minor, 0);
	assert_int_equal(req.query.len, 0);
}

static void
test_bad(void **state)
{
	static const struct {
		const char *head, *why;
	} bad[] = {
	    {"GET / HTTP/1.1\n\n", "a line not ended by CRLF"},
	    {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", "a line not ended by CRLF"},
	    {"GET\r\n\r\n", "no target in the request line"},
	    {"GET /\r\n\r\n", "no version in the request line"},
	    {"GET x HTTP/1.1\r\n\r\n", "a bad target"},
	    {"GET /a b HTTP/1.1\r\n\r\n", "not HTTP/1.x"},
	    {"GET / HTTP/2.0\r\n\r\n", "not HTTP/1.x"},
	    {"G(T / HTTP/1.1\r\n\r\n", "a bad method"},
	    {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "obsolete line folding"},
	    {"GET / HTTP/1.1\r\nA b\r\n\r\n", "a header without a colon"},
	    {"GET / HTTP/1.1\r\nA : b\r\n\r\n", "a bad header name"},
	    {"GET / HTTP/1.1\r\nA: b\001\r\n\r\n",
		"a control character in a header"},
	    {"\r\n\r\n", "no target in the request line"},
	};
	struct http_request req;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].head, &req, &why), ARX_ERR_INVAL);
		assert_string_equal(why, bad[i].why);
	}
}

static void
test_bounds(void **state)
{
	static char head[HTTP_HEAD_MAX + 64];
	struct http_request req;
	const char *why;
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(head, sizeof(head), "GET / HTTP/1.1\r\n");
	for (unsigned i = 0; i <= HTTP_HEADERS_MAX; i++)
		n += (size_t)snprintf(
		    head + n, sizeof(head) - n, "H%u: v\r\n", i);
	snprintf(head + n, sizeof(head) - n, "\r\n");
	assert_int_equal(parse(head, &req, &why), ARX_ERR_TOOBIG);
	assert_string_equal(why, "too many headers");
	n = (size_t)snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nX: ");
	memset(head + n, 'a', sizeof(head) - n);
	assert_int_equal(
	    http_request_parse(head, sizeof(head), &req, &why), ARX_ERR_TOOBIG);
	assert_string_equal(why, "a request head too long");
}

static void
test_answer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(http_answer_head(&b, 404, "Not Found", "text/plain", 0,
			     "X-A: 1\r\n"),
	    0);
	assert_string_equal(buf_cstr(&b),
	    "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 0\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\nX-A: 1\r\n\r\n");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_again),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
