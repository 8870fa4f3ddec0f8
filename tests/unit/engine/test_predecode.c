/*
 * Unit tests for engine/predecode and event_set_line: every header form
 * of the pre-decoder, host and program forms, lines without a header, and
 * control characters that must never start a second event.
 */
#include <stdlib.h>

#include "testutil.h"

#include "engine/event.h"
#include "engine/predecode.h"

struct pd_case {
	const char *line;
	const char *ts, *host, *prog, *log; /* NULL: unset */
};

static const struct pd_case pd_cases[] = {
    {"Dec 29 10:00:01 web1 sshd[42]: Invalid user x", "Dec 29 10:00:01", "web1",
	"sshd", "Invalid user x"},
    {"Dec  9 10:00:01 web1 sshd: msg", "Dec  9 10:00:01", "web1", "sshd",
	"msg"},
    {"Dec 29 10:00:01 web1 sshd-session[42]: Failed x", "Dec 29 10:00:01",
	"web1", "sshd-session", "Failed x"},
    {"Dec 29 10:00:01 web1 postfix/smtpd[7]:msg", "Dec 29 10:00:01", "web1",
	"postfix/smtpd", "msg"},
    {"Dec 29 10:00:01 web1 prog[7] msg", "Dec 29 10:00:01", "web1", "prog",
	"msg"},
    {"Dec 29 10:00:01 web1 just some text", "Dec 29 10:00:01", "web1", NULL,
	"just some text"},
    {"Dec 29 10:00:01 sshd: solaris style", "Dec 29 10:00:01", NULL, "sshd",
	"solaris style"},
    {"Dec 29 10:00:01 host,bad text", "Dec 29 10:00:01", NULL, NULL,
	"host,bad text"},
    {"Dec 29 10:00:01 h sshd[1]: [ID 800047 auth.info] msg", "Dec 29 10:00:01",
	"h", "sshd", "msg"},
    {"Dec 29 10:00:01 h |auth:info sshd[4]: msg", "Dec 29 10:00:01", "h",
	"sshd", "msg"},
    {"M\xc3\xa4r  2 17:30:52 h prog: msg", "M\xc3\xa4r  2 17:30:52", "h",
	"prog", "msg"},
    {"2015-04-16 21:51:02,805 h proftpd[1]: msg", "2015-04-16 21:51:02,805",
	"h", "proftpd", "msg"},
    {"2007-06-14T15:48:55-04:00 h prog: msg", "2007-06-14T15:48:55-04:00", "h",
	"prog", "msg"},
    {"2022-12-19T15:02:53.288+00:00 h prog: msg",
	"2022-12-19T15:02:53.288+00:00", "h", "prog", "msg"},
    {"2009-05-22T09:36:46.214994-07:00 h prog[1]: msg",
	"2009-05-22T09:36:46.214994-07:00", "h", "prog", "msg"},
    {"2014-06-10T18:18:26Z 14299 TID-55 INFO: x", NULL, NULL, NULL,
	"2014-06-10T18:18:26Z 14299 TID-55 INFO: x"},
    {"2015 Dec 29 10:00:01 h prog: msg", "2015 Dec 29 10:00:01", "h", "prog",
	"msg"},
    {"2021-04-21 10:16:09.404756-0700 h prog[1]: msg",
	"2021-04-21 10:16:09.404756-0700", "h", "prog", "msg"},
    {"Dec 29 10:00:01.123456 h prog: msg", "Dec 29 10:00:01.123456", "h",
	"prog", "msg"},
    {"Dec 29 2015 10:00:01 h prog: msg", "Dec 29 2015 10:00:01", "h", "prog",
	"msg"},
    {"<34>Dec 29 10:00:01 h prog: msg", "Dec 29 10:00:01", "h", "prog", "msg"},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' "
     "failed",
	"2003-10-11T22:14:15.003Z", "mymachine", "su", "'su root' failed"},
    {"<165>1 2003-10-11T22:14:15.003Z host app 1 ID [a@1 b=\"]\"] msg",
	"2003-10-11T22:14:15.003Z", "host", "app", "msg"},
    /* found by fuzz_line: an escape as the last byte of structured data
     * stepped the message start past the end of the line */
    {"<38>1 2026-11-25T10:00:00Z h app - - [a b=\"\\", "2026-11-25T10:00:00Z",
	"h", "app", ""},
    {"Mon Apr 17 18:27:14 2006 1 64.160.42.130 5 /x b _ i r u ftp 0 * c",
	"Mon Apr 17 18:27:14 2006", NULL, NULL,
	"1 64.160.42.130 5 /x b _ i r u ftp 0 * c"},
    {"01/28-09:13:16.240702  [**] [1:2:3] x", "01/28-09:13:16.240702", NULL,
	NULL, "[**] [1:2:3] x"},
    {"01/28/1979-09:13:16.240702  [**] x", "01/28/1979-09:13:16.240702", NULL,
	NULL, "[**] x"},
    {"[Fri Feb 11 18:06:35 2004] [warn] x", "Fri Feb 11 18:06:35 2004", NULL,
	NULL, "[warn] x"},
    {"[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] "
     "[PID 483] [Message error: PAM: fail for x] [Level 3] [Host mac]",
	"2006.12.28 15:53:55 UTC", "mac", "sshd", "error: PAM: fail for x"},
    {"1140804070.368  11623 10.1.1.1 TCP_MISS/200 x", "1140804070.368", NULL,
	NULL, "11623 10.1.1.1 TCP_MISS/200 x"},
    /* issue 17: header forms of real hosts */
    {"Dec  7 08:04:31 sshd[811]: Invalid user x", "Dec  7 08:04:31", NULL,
	"sshd", "Invalid user x"},
    {"Dec  7 08:04:31 web1 [sshd] Invalid user x", "Dec  7 08:04:31", "web1",
	"sshd", "Invalid user x"},
    {"Dec  7 08:04:31 web1 [sshd]: Invalid user x", "Dec  7 08:04:31", "web1",
	"sshd", "Invalid user x"},
    {"Dec  7 08:04:31 web1 sshd[]: Invalid user x", "Dec  7 08:04:31", "web1",
	"sshd", "Invalid user x"},
    {"2026-12-07T08:04:31+0000 web1 sshd[1]: m", "2026-12-07T08:04:31+0000",
	"web1", "sshd", "m"},
    {"2026-12-07T08:04:31.123456+00:00 a.example.org sshd[1]: m",
	"2026-12-07T08:04:31.123456+00:00", "a.example.org", "sshd", "m"},
    /* no header: no host, no program (as in Wazuh) */
    {"sshd[123]: Failed password", NULL, NULL, NULL,
	"sshd[123]: Failed password"},
    {"", NULL, NULL, NULL, ""},
    {"Dec", NULL, NULL, NULL, "Dec"},
};

static void
expect_span(
    const char *what, const char *line, struct span got, const char *want)
{
	if (want == NULL && got.p == NULL)
		return;
	if (want == NULL || got.p == NULL || strlen(want) != got.len ||
	    memcmp(want, got.p, got.len) != 0)
		fail_msg("'%s': %s is '%.*s', want '%s'", line, what,
		    got.p ? (int)got.len : 6, got.p ? got.p : "(none)",
		    want ? want : "(none)");
}

/* The pid: prog[pid], RFC 5424 PROCID; none for "prog:" and "[prog]". */
static void
test_pid(void **state)
{
	static const struct {
		const char *line, *pid;
	} cases[] = {
	    {"Dec  7 08:04:31 web1 sshd[811]: m", "811"},
	    {"Dec  7 08:04:31 sshd-session[12]: m", "12"},
	    {"<38>1 2026-12-07T08:04:31Z h sshd 4242 - - m", "4242"},
	    {"<38>1 2026-12-07T08:04:31Z h sshd - - - m", NULL},
	    {"Dec  7 08:04:31 web1 sshd: m", NULL},
	    {"Dec  7 08:04:31 web1 [sshd] m", NULL},
	    {"Dec  7 08:04:31 web1 just text", NULL},
	};
	struct event ev;
	size_t i;

	(void)state;
	event_init(&ev);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(event_set_line(&ev, cases[i].line,
				     strlen(cases[i].line), "test"),
		    0);
		assert_int_equal(predecode(&ev), 0);
		expect_span("pid", cases[i].line, ev.pid, cases[i].pid);
	}
	event_release(&ev);
}

static void
test_headers(void **state)
{
	struct event ev;
	size_t i;

	(void)state;
	event_init(&ev);
	for (i = 0; i < sizeof(pd_cases) / sizeof(pd_cases[0]); i++) {
		const struct pd_case *c = &pd_cases[i];
		struct span log;
		assert_int_equal(
		    event_set_line(&ev, c->line, strlen(c->line), "test"), 0);
		assert_int_equal(predecode(&ev), 0);
		expect_span("timestamp", c->line, ev.timestamp, c->ts);
		expect_span("hostname", c->line, ev.hostname, c->host);
		expect_span("program_name", c->line, ev.program_name, c->prog);
		log.p = ev.log;
		log.len = ev.log_len;
		expect_span("log", c->line, log, c->log);
		assert_int_equal(ev.log[ev.log_len], '\0');
	}
	event_release(&ev);
}

/* CVE-2020-8445: control characters never make a second event. */
static void
test_control_characters(void **state)
{
	static const char line[] =
	    "Dec 29 10:00:01 h sshd[1]: Invalid user a\nDec 29 10:00:02 h "
	    "sshd[1]: Accepted\r\x1b[2K\x7f\x00"
	    "end";
	struct event ev;

	(void)state;
	event_init(&ev);
	assert_int_equal(event_set_line(&ev, line, sizeof(line) - 1, "t"), 0);
	assert_int_equal(predecode(&ev), 0);
	assert_null(memchr(ev.full_log, '\n', ev.full_len));
	assert_null(memchr(ev.full_log, '\r', ev.full_len));
	assert_null(memchr(ev.full_log, '\x1b', ev.full_len));
	assert_int_equal(strlen(ev.full_log), ev.full_len);
	assert_non_null(strstr(ev.full_log, "user a#012Dec 29"));
	assert_non_null(strstr(ev.full_log, "Accepted#015#033[2K#177#000end"));
	expect_span("program", line, ev.program_name, "sshd");
	event_release(&ev);
}

static void
test_truncation(void **state)
{
	size_t n = EVENT_MAX_LINE + 100;
	char *big = malloc(n);
	struct event ev;

	(void)state;
	memset(big, 'x', n);
	event_init(&ev);
	assert_int_equal(event_set_line(&ev, big, n, "t"), 0);
	assert_int_equal(ev.full_len, EVENT_MAX_LINE);
	assert_true(ev.truncated);
	assert_int_equal(predecode(&ev), 0);
	event_reset(&ev);
	assert_false(ev.truncated);
	event_release(&ev);
	free(big);
}

static void
test_fields(void **state)
{
	struct event ev;
	struct span v = {"192.0.2.6", 9}, u = {"root", 4}, d = {"x", 1};

	(void)state;
	event_init(&ev);
	assert_int_equal(event_set(&ev, "srcip", v), 0);
	assert_int_equal(event_set(&ev, "user", u), 0);
	assert_int_equal(event_set(&ev, "win.eventdata.ip", d), 0);
	assert_int_equal(ev.fields[EF_SRCIP].len, 9);
	assert_int_equal(ev.fields[EF_DSTUSER].len, 4);
	assert_int_equal(event_get(&ev, "dstuser").len, 4);
	assert_int_equal(event_get(&ev, "WIN.eventdata.IP").len, 1);
	assert_null(event_get(&ev, "nothing").p);
	assert_int_equal(event_field_lookup("extra_data", 10), EF_EXTRA_DATA);
	assert_int_equal(event_field_lookup("filename", 8), -1);
	event_release(&ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_pid),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
