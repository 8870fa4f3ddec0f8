/*
 * Unit tests for the alert file writer (writer.c): alerts below the
 * configured level or marked no_log are filtered and counted, an alert's
 * id offset is its byte position in alerts.log and is the same in
 * alerts.json, a reopened writer continues from the file's size, and
 * nothing reaches the files before a flush.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "alert/writer.h"
#include "core/err.h"
#include "engine/ruleset.h"

static const char decoders[] =
    "<decoder name=\"t\"><prematch>^t: </prematch>"
    "<regex offset=\"after_prematch\">^(\\S+) (\\S+)</regex>"
    "<order>action, srcip</order></decoder>\n";

static const char rules[] =
    "<group name=\"t,\">"
    "<rule id=\"100\" level=\"3\"><decoded_as>t</decoded_as>"
    "<description>base</description></rule>"
    "<rule id=\"101\" level=\"2\"><if_sid>100</if_sid><action>low</action>"
    "<description>below</description></rule>"
    "<rule id=\"102\" level=\"9\"><if_sid>100</if_sid><action>quiet</action>"
    "<options>no_log</options><description>quiet</description></rule>"
    "<rule id=\"103\" level=\"1\"><if_sid>100</if_sid><action>forced</action>"
    "<options>alert_by_email</options><options>log_alert</options>"
    "<description>forced</description></rule>"
    "</group>\n";

static char dir[64];

static char *
read_file(const char *name)
{
	static char text[65536];
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static struct ruleset *
load(void)
{
	struct ruleset *rs = NULL;
	const char *dirs[1] = {dir};
	char sub[128];

	strcpy(dir, "/tmp/arx-writer-XXXXXX");
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

/* Analyse one line and hand its result to the writer. */
static void
feed(struct ruleset *rs, struct corr *c, struct alert_writer *w,
    const char *line, int64_t t_ms)
{
	struct pattern_scratch sc = {0};
	struct rule_result res;
	struct event ev;
	struct alert a;

	event_init(&ev);
	event_set_line(&ev, line, strlen(line), "test");
	ruleset_analyse(rs, c, &ev, t_ms, &sc, NULL, &res);
	a = (struct alert){res.rule, &ev, NULL, 1, t_ms};
	assert_int_equal(alert_writer_write(w, &a), 0);
	event_release(&ev);
	pattern_scratch_release(&sc);
}

static void
test_filter_and_ids(void **state)
{
	struct ruleset *rs = load();
	struct corr *c = corr_new(rs->rules);
	struct alert_writer *w = alert_file_writer_open(dir, 3, "host");
	char want[128];
	char *log, *second;
	size_t off;

	(void)state;
	assert_non_null(w);
	feed(rs, c, w, "t: first 192.0.2.1", 1700000000000);
	feed(rs, c, w, "t: low 192.0.2.2", 1700000001000);
	feed(rs, c, w, "t: quiet 192.0.2.3", 1700000002000);
	feed(rs, c, w, "t: forced 192.0.2.4", 1700000003000);
	assert_int_equal(w->nwritten, 2);
	assert_int_equal(w->nfiltered, 2);
	assert_string_equal(read_file("alerts.log"), "");
	assert_int_equal(alert_writer_flush(w), 0);
	log = read_file("alerts.log");
	assert_non_null(strstr(log, "** Alert 1700000000.0:"));
	assert_null(strstr(log, "192.0.2.2"));
	assert_null(strstr(log, "192.0.2.3"));
	second = strstr(log, "** Alert 1700000003.");
	assert_non_null(second);
	off = (size_t)(second - log);
	snprintf(want, sizeof(want), "** Alert 1700000003.%zu:", off);
	assert_non_null(strstr(log, want));
	snprintf(want, sizeof(want), "\"id\":\"1700000003.%zu\"", off);
	assert_non_null(strstr(read_file("alerts.json"), want));
	alert_writer_close(w);

	/* A new writer continues where the file ends. */
	off = strlen(read_file("alerts.log"));
	w = alert_file_writer_open(dir, 3, "host");
	assert_non_null(w);
	feed(rs, c, w, "t: again 192.0.2.5", 1700000004000);
	alert_writer_close(w);
	snprintf(want, sizeof(want), "** Alert 1700000004.%zu:", off);
	assert_non_null(strstr(read_file("alerts.log"), want));
	corr_free(c);
	ruleset_free(rs);
	snprintf(want, sizeof(want), "rm -rf %s", dir);
	assert_int_equal(system(want), 0);
}

static void
test_open_failure(void **state)
{
	struct log_capture lc;
	struct alert_writer *w;

	(void)state;
	capture_start(&lc);
	w = alert_file_writer_open("/nonexistent/arx", 3, "host");
	capture_stop();
	assert_null(w);
	assert_captured(&lc, "/nonexistent/arx");
	alert_writer_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter_and_ids),
	    cmocka_unit_test(test_open_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
