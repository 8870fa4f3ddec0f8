/*
 * Sessions by process (engine/session.c): the address of an earlier line
 * of the same host, program and pid is given to a line without one, only
 * when the line's decoder takes part; one attempt written as several
 * lines is new once and then repeat; a login makes the rest
 * "authenticated"; another address or a long silence starts a new
 * session; the table stays at its cap and counts what it drops.
 */
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

#include "core/err.h"
#include "engine/decoder.h"
#include "engine/event.h"
#include "engine/session.h"

static struct decoder top = {.name = "sshd", .session = true};
static struct decoder d_start = {.name = "invalid", .step = SESSION_STEP_START};
static struct decoder d_start2 = {
    .name = "userauth", .step = SESSION_STEP_START};
static struct decoder d_end = {.name = "failed", .step = SESSION_STEP_END};
static struct decoder d_sum = {.name = "closed", .step = SESSION_STEP_SUMMARY};
static struct decoder d_ok = {.name = "accepted", .step = SESSION_STEP_SUCCESS};
static struct decoder d_other = {.name = "pam", .step = SESSION_STEP_OTHER};
static struct decoder d_none = {.name = "notice"};

static struct span
S(const char *s) {
	return (struct span){s, strlen(s)};
}

/* One line of host h, pid, decoder d, address ip (may be NULL) at t;
 * returns session.attempt ("" when unset) and the srcip in ip_out. */
static const char *
line(struct session_table *t, const char *pid, const struct decoder *d,
    const char *ip, int64_t at, char *ip_out)
{
	static char att[32];
	struct event ev;
	struct span v;

	event_init(&ev);
	assert_int_equal(event_set_line(&ev, "x", 1, "auth.log"), 0);
	ev.hostname = S("web1");
	ev.program_name = S("sshd");
	ev.pid = S(pid);
	ev.parent = &top;
	ev.decoder = d;
	if (ip != NULL)
		ev.fields[EF_SRCIP] = S(ip);
	assert_int_equal(session_apply(t, &ev, at), 0);
	v = event_get(&ev, "session.attempt");
	snprintf(att, sizeof(att), "%.*s", (int)v.len, v.p ? v.p : "");
	v = ev.fields[EF_SRCIP];
	snprintf(ip_out, 64, "%.*s", (int)v.len, v.p ? v.p : "");
	event_release(&ev);
	return att;
}

static void
test_address_from_session(void **state)
{
	struct session_table t;
	char ip[64];

	(void)state;
	session_table_init(&t);
	line(&t, "7", &d_end, "192.0.2.6", 0, ip);
	line(&t, "7", &d_sum, NULL, 1, ip);
	assert_string_equal(ip, "192.0.2.6");
	line(&t, "7", &d_none, NULL, 2, ip); /* not part of a session */
	assert_string_equal(ip, "");
	line(&t, "8", &d_sum, NULL, 3, ip); /* another process */
	assert_string_equal(ip, "");
	assert_int_equal(t.filled, 1);
	session_table_release(&t);
}

static void
test_one_attempt_counts_once(void **state)
{
	struct session_table t;
	char ip[64];

	(void)state;
	session_table_init(&t);
	/* Invalid user, PAM, input_userauth_request, Failed: one attempt */
	assert_string_equal(line(&t, "1", &d_start, "192.0.2.6", 0, ip), "new");
	assert_string_equal(line(&t, "1", &d_other, NULL, 0, ip), "");
	assert_string_equal(line(&t, "1", &d_start2, NULL, 0, ip), "repeat");
	assert_string_equal(
	    line(&t, "1", &d_end, "192.0.2.6", 0, ip), "repeat");
	/* a second password in the same connection is a new attempt */
	assert_string_equal(line(&t, "1", &d_end, "192.0.2.6", 0, ip), "new");
	/* the end of the connection: already counted */
	assert_string_equal(line(&t, "1", &d_sum, NULL, 0, ip), "repeat");
	/* two Invalid user lines of one pid are two attempts */
	assert_string_equal(line(&t, "2", &d_start, "192.0.2.7", 0, ip), "new");
	assert_string_equal(line(&t, "2", &d_start, "192.0.2.7", 0, ip), "new");
	session_table_release(&t);
}

static void
test_summary(void **state)
{
	struct session_table t;
	char ip[64];

	(void)state;
	session_table_init(&t);
	/* alone: nothing is known of what came before */
	assert_string_equal(line(&t, "3", &d_sum, "192.0.2.6", 0, ip), "first");
	/* without an address nothing is counted: the line after is new */
	assert_string_equal(line(&t, "4", &d_sum, NULL, 0, ip), "new");
	assert_string_equal(line(&t, "4", &d_sum, "192.0.2.8", 0, ip), "new");
	assert_string_equal(line(&t, "4", &d_sum, NULL, 0, ip), "repeat");
	session_table_release(&t);
}

static void
test_login(void **state)
{
	struct session_table t;
	char ip[64];

	(void)state;
	session_table_init(&t);
	assert_string_equal(line(&t, "5", &d_end, "192.0.2.6", 0, ip), "new");
	assert_string_equal(line(&t, "5", &d_ok, "192.0.2.6", 0, ip), "");
	assert_string_equal(
	    line(&t, "5", &d_sum, "192.0.2.6", 0, ip), "authenticated");
	session_table_release(&t);
}

static void
test_new_session(void **state)
{
	struct session_table t;
	char ip[64];

	(void)state;
	session_table_init(&t);
	assert_string_equal(line(&t, "6", &d_end, "192.0.2.6", 0, ip), "new");
	/* the pid reused by another client: a new session */
	assert_string_equal(line(&t, "6", &d_sum, "192.0.2.9", 1, ip), "first");
	/* idle past SESSION_IDLE_MS: forgotten, its address too */
	line(&t, "6", &d_sum, NULL, 2 + SESSION_IDLE_MS, ip);
	assert_string_equal(ip, "");
	session_table_release(&t);
}

static void
test_bounded(void **state)
{
	struct session_table t;
	char ip[64], pid[16];
	int i;

	(void)state;
	session_table_init(&t);
	for (i = 0; i < SESSION_MAX + 100; i++) {
		snprintf(pid, sizeof(pid), "%d", i);
		line(&t, pid, &d_end, "192.0.2.6", i, ip);
	}
	assert_int_equal(t.map.n, SESSION_MAX);
	assert_int_equal(t.map.evicted, 100);
	session_table_release(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_address_from_session),
	    cmocka_unit_test(test_one_attempt_counts_once),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_login),
	    cmocka_unit_test(test_new_session),
	    cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
