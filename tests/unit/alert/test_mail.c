/*
 * Unit tests for the e-mail alerts' text and queue (mail.c, mailq.c):
 * the subject and body in OSSEC's structure with arx's name, the sms
 * form, control characters in the line and in $(field) kept out of the
 * header, the message's header and long lines broken; the queue's
 * grouping (quiet window, hold limit, do_not_delay, do_not_group),
 * the highest-level subject, the hourly cap and the bound.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "alert/mail.h"
#include "alert/mailq.h"
#include "core/err.h"
#include "engine/ruleset.h"

static const char decoders[] =
    "<decoder name=\"t\"><prematch>^t: </prematch>"
    "<regex offset=\"after_prematch\">^(\\S+) (\\S+) (\\S+)</regex>"
    "<order>action, srcip, user</order></decoder>\n";

static const char rules[] =
    "<group name=\"t,\">"
    "<rule id=\"100\" level=\"10\"><decoded_as>t</decoded_as>"
    "<description>bad $(dstuser) from $(srcip)</description></rule>"
    "</group>\n";

static char dir[64];

static struct ruleset *
load(void)
{
	struct ruleset *rs = NULL;
	const char *dirs[1] = {dir};
	char sub[128];

	snprintf(dir, sizeof(dir), "/tmp/arx-mail-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/decoders", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/rules", dir);
	mkdir(sub, 0700);
	test_write_file(dir, "decoders/d.xml", decoders);
	test_write_file(dir, "rules/r.xml", rules);
	assert_int_equal(ruleset_load_dirs(dirs, 1, &rs), 0);
	return rs;
}

/* Remove what load() wrote. */
static void
test_rm_rf(const char *d)
{
	static const char *const names[] = {
	    "decoders/d.xml", "rules/r.xml", "decoders", "rules", ""};
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, names[i]);
		(void)remove(path);
	}
}

/* The rule line fires on, the event left in ev. */
static const struct rule *
fire(struct ruleset *rs, struct event *ev, const char *line)
{
	struct pattern_scratch sc = {0};
	struct corr *c = corr_new(rs->rules);
	struct rule_result res;

	event_set_line(ev, line, strlen(line), "/var/log/t.log");
	ruleset_analyse(rs, c, ev, 1700000000000, &sc, NULL, &res);
	pattern_scratch_release(&sc);
	corr_free(c);
	assert_non_null(res.rule);
	return res.rule;
}

static void
test_subject_and_body(void **state)
{
	struct ruleset *rs = load();
	struct event ev;
	const struct rule *r;
	char subj[MAIL_SUBJECT_MAX];
	struct buf b;

	(void)state;
	event_init(&ev);
	buf_init(&b, 1 << 20);
	r = fire(rs, &ev, "t: x 192.0.2.7 ro\rot");
	mail_subject(subj, sizeof(subj), r, &ev, "web01", false);
	assert_string_equal(subj, "arx Notification - web01 - Alert level 10");
	mail_subject(subj, sizeof(subj), r, &ev, "web01", true);
	assert_string_equal(subj, "arx 10 - 100 - bad ro#015ot from 192.0.2.7");
	assert_int_equal(
	    mail_body(&b, r, &ev, NULL, 1700000000000, "web01"), 0);
	assert_non_null(strstr(buf_cstr(&b), "\r\narx Notification.\r\n"));
	assert_non_null(strstr(buf_cstr(&b),
	    "\r\n\r\nReceived From: web01->/var/log/t.log\r\n"
	    "Rule: 100 fired (level 10) -> \"bad ro#015ot from 192.0.2.7\"\r\n"
	    "Src IP: 192.0.2.7\r\nUser: ro#015ot\r\n"
	    "Portion of the log(s):\r\n\r\nt: x 192.0.2.7 ro#015ot\r\n"
	    "\r\n\r\n --END OF NOTIFICATION\r\n\r\n\r\n"));
	buf_reset(&b);
	mail_sms_body(&b, &ev);
	assert_string_equal(buf_cstr(&b), "t: x 192.0.2.7 ro#015ot\r\n");
	buf_release(&b);
	event_release(&ev);
	ruleset_free(rs);
	test_rm_rf(dir);
}

static void
test_subject_clean(void **state)
{
	struct ruleset *rs = load();
	struct event ev;
	const struct rule *r;
	char subj[24];

	(void)state;
	event_init(&ev);
	/* a field with a byte above 0x7f: '?' in a header, and cut */
	r = fire(rs, &ev, "t: x 192.0.2.7 r\xc3\xa9mi");
	mail_subject(subj, sizeof(subj), r, &ev, "w", true);
	assert_string_equal(subj, "arx 10 - 100 - bad r??m");
	event_release(&ev);
	ruleset_free(rs);
	test_rm_rf(dir);
}

static void
test_message(void **state)
{
	const char *to[] = {"a@example.org", "b@example.org"};
	struct mail_head h = {
	    "arx@example.org", NULL, to, 2, "S", 0, "web01", 7};
	char body[2100];
	struct buf b;
	const char *p;

	(void)state;
	memset(body, 'x', sizeof(body));
	memcpy(body + sizeof(body) - 2, "\r\n", 2);
	buf_init(&b, 1 << 20);
	assert_int_equal(mail_message(&b, &h, body, sizeof(body)), 0);
	p = buf_cstr(&b);
	assert_non_null(strstr(p,
	    "From: arx <arx@example.org>\r\n"
	    "To: <a@example.org>,\r\n <b@example.org>\r\n"
	    "Date: "));
	assert_non_null(strstr(p,
	    "\r\nSubject: S\r\nMessage-ID: <arx.0.7@web01>"
	    "\r\nX-IDS-arx: web01\r\n"));
	assert_null(strstr(p, "Reply-To"));
	p = strstr(p, "\r\n\r\n") + 4;
	/* 2098 x: lines of 990, 990 and 118 */
	assert_int_equal(strcspn(p, "\r"), MAIL_LINE_MAX);
	p += MAIL_LINE_MAX + 2;
	assert_int_equal(strcspn(p, "\r"), MAIL_LINE_MAX);
	p += MAIL_LINE_MAX + 2;
	assert_string_equal(p,
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxx\r\n");
	buf_release(&b);
}

static void
add(struct mailq *q, const char *subject, int level, unsigned flags, int64_t at,
    uint64_t rcpt)
{
	struct mailq_item it = {
	    .level = level, .flags = flags, .at_ms = at, .rcpt = rcpt};

	snprintf(it.subject, sizeof(it.subject), "%s", subject);
	it.body = strdup(subject);
	it.len = strlen(subject);
	mailq_add(q, &it);
}

static void
take(struct mailq *q, const char *subject, const char *body, size_t n)
{
	struct mailq_mail m;

	assert_int_equal(mailq_take(q, &m), 0);
	assert_string_equal(m.subject, subject);
	assert_int_equal(m.nalerts, n);
	assert_int_equal(m.body.len, strlen(body));
	assert_memory_equal(m.body.data, body, m.body.len);
	mailq_mail_release(&m);
}

static void
test_queue_grouping(void **state)
{
	struct mailq q;
	int64_t wait;

	(void)state;
	mailq_init(&q, 12);
	assert_int_equal(mailq_next(&q, 0, 1, &wait), MAILQ_IDLE);
	add(&q, "a5", 5, 0, 1000, 0);
	add(&q, "b9", 9, 0, 3000, 2);
	add(&q, "c9", 9, 0, 4000, 1);
	assert_int_equal(mailq_next(&q, 4000, 1, &wait), MAILQ_WAIT);
	assert_int_equal(wait, MAILQ_QUIET_MS);
	assert_int_equal(mailq_next(&q, 9000, 1, &wait), MAILQ_READY);
	take(&q, "b9", "a5b9c9", 3);
	/* alerts that keep coming: sent MAILQ_HOLD_MS after the first */
	for (int64_t t = 10000; t < 10000 + MAILQ_HOLD_MS; t += 4000)
		add(&q, "d", 7, 0, t, 0);
	assert_int_equal(
	    mailq_next(&q, 10000 + MAILQ_HOLD_MS - 1, 1, &wait), MAILQ_WAIT);
	assert_int_equal(wait, 1);
	assert_int_equal(
	    mailq_next(&q, 10000 + MAILQ_HOLD_MS, 1, &wait), MAILQ_READY);
	take(&q, "d", "ddddddddddddddd", 15);
	/* do_not_delay: at once; do_not_group: the group before, then it */
	add(&q, "e", 7, 0, 100000, 0);
	add(&q, "f", 7, MQ_NOW, 100001, 0);
	assert_int_equal(mailq_next(&q, 100001, 1, &wait), MAILQ_READY);
	take(&q, "e", "ef", 2);
	add(&q, "g", 7, 0, 100002, 0);
	add(&q, "h", 8, MQ_ALONE, 100003, 0);
	add(&q, "i", 7, 0, 100004, 0);
	assert_int_equal(mailq_next(&q, 100004, 1, &wait), MAILQ_READY);
	take(&q, "g", "g", 1);
	assert_int_equal(mailq_next(&q, 100004, 1, &wait), MAILQ_READY);
	take(&q, "h", "h", 1);
	assert_int_equal(mailq_next(&q, 100004, 1, &wait), MAILQ_WAIT);
	mailq_release(&q);
}

static void
test_queue_cap_and_bound(void **state)
{
	struct mailq q;
	int64_t wait;
	int i;

	(void)state;
	mailq_init(&q, 2);
	for (i = 0; i < 3; i++)
		add(&q, "x", 7, MQ_ALONE, 0, 0);
	assert_int_equal(mailq_next(&q, 0, 5, &wait), MAILQ_READY);
	take(&q, "x", "x", 1);
	assert_int_equal(mailq_next(&q, 0, 5, &wait), MAILQ_READY);
	take(&q, "x", "x", 1);
	assert_int_equal(mailq_next(&q, 0, 5, &wait), MAILQ_CAPPED);
	assert_int_equal(mailq_next(&q, 9, 5, &wait), MAILQ_CAPPED);
	assert_int_equal(q.capped, 1);
	assert_int_equal(mailq_next(&q, 9, 6, &wait), MAILQ_READY);
	take(&q, "x", "x", 1);
	for (i = 0; i < MAILQ_MAX + 5; i++)
		add(&q, i < 5 ? "old" : "new", 7, 0, 0, 0);
	assert_int_equal(q.dropped, 5);
	assert_int_equal(q.n, MAILQ_MAX);
	assert_int_equal(mailq_next(&q, MAILQ_QUIET_MS, 6, &wait), MAILQ_READY);
	{
		struct mailq_mail m;

		assert_int_equal(mailq_take(&q, &m), 0);
		assert_int_equal(m.nalerts, MAILQ_MAX);
		assert_int_equal(m.body.len, 3 * MAILQ_MAX);
		assert_null(strstr(buf_cstr(&m.body), "old"));
		mailq_mail_release(&m);
	}
	assert_int_equal(
	    mailq_take(&q, &(struct mailq_mail){0}), ARX_ERR_INVAL);
	mailq_release(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subject_and_body),
	    cmocka_unit_test(test_subject_clean),
	    cmocka_unit_test(test_message),
	    cmocka_unit_test(test_queue_grouping),
	    cmocka_unit_test(test_queue_cap_and_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
