/*
 * One source for one message: the same sshd line from auth.log and from
 * journald (different headers, same program, pid and message) within a
 * second is noticed; the same source twice, another message, or a
 * second copy after more than a second is not.
 */
#include <string.h>

#include "testutil.h"

#include "analysis/dupcheck.h"
#include "engine/event.h"
#include "engine/predecode.h"

static struct dupcheck dc;
static const int file_src = 1, journal_src = 2;

static bool
seen(const char *line, const void *src, int64_t t, const void **other)
{
	struct event ev;
	bool r;

	event_init(&ev);
	assert_int_equal(event_set_line(&ev, line, strlen(line), "x"), 0);
	assert_int_equal(predecode(&ev), 0);
	r = dupcheck_seen(&dc, &ev, src, t, other);
	event_release(&ev);
	return r;
}

static void
test_two_sources(void **state)
{
	const void *other = NULL;

	(void)state;
	memset(&dc, 0, sizeof(dc));
	assert_false(seen("Dec  7 12:00:00 bastion sshd[4242]: Invalid user "
			  "bob from 192.0.2.6 port 4242",
	    &file_src, 1000, &other));
	/* journalctl's form of the same line, 300 ms later */
	assert_true(seen("2026-12-07T12:00:00+0000 bastion sshd[4242]: "
			 "Invalid user bob from 192.0.2.6 port 4242",
	    &journal_src, 1300, &other));
	assert_ptr_equal(other, &file_src);
	assert_int_equal(dc.duplicates, 1);
	/* the same source again: a repeated line, not a duplicate */
	assert_false(seen("Dec  7 12:00:00 bastion sshd[4242]: Invalid user "
			  "bob from 192.0.2.6 port 4242",
	    &journal_src, 1400, &other));
	/* another pid: another line */
	assert_false(seen("Dec  7 12:00:00 bastion sshd[4243]: Invalid user "
			  "bob from 192.0.2.6 port 4242",
	    &file_src, 1500, &other));
	/* more than a second after */
	assert_false(seen("Dec  7 12:00:01 bastion sshd[4243]: Invalid user "
			  "bob from 192.0.2.6 port 4242",
	    &journal_src, 2600, &other));
	assert_int_equal(dc.duplicates, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
