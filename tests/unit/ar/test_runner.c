/*
 * Both response protocols end to end with a real program (the recorder
 * in tests/helpers): the Wazuh JSON add, its check_keys line read back
 * and answered with continue or abort, a delete without handshake, and
 * the legacy argv as the program receives it.
 */
#include <stdlib.h>

#include "testutil.h"

#include "ar/protocol.h"
#include "core/clock.h"
#include "core/err.h"
#include "exec/exec.h"

static const struct ar_request base = {
    .command = "add",
    .program = "active-response/bin/recorder",
    .origin = "node01",
    .srcip = "192.0.2.6",
    .alert_id = "1700000000.0",
    .rule_id = 5712,
    .location = "/var/log/auth.log",
    .alert_json = "{\"data\":{\"srcip\":\"192.0.2.6\"}}",
};

struct run {
	const struct ar_request *req;
	const char *answer; /* "continue" or "abort" */
	char keys[128];
	struct exec_result res;
	bool done;
};

static void
on_line(struct exec_job *job, const char *line, size_t len, void *ctx)
{
	struct run *r = ctx;
	struct buf b;

	assert_int_equal(
	    ar_parse_check_keys(line, len, r->keys, sizeof(r->keys)), 0);
	buf_init(&b, 1 << 16);
	assert_int_equal(ar_msg_json(&b, r->req, r->answer), 0);
	assert_int_equal(exec_write(job, b.data, b.len), 0);
	exec_close_stdin(job);
	buf_release(&b);
}

static void
on_done(struct exec_job *job, const struct exec_result *res, void *ctx)
{
	struct run *r = ctx;

	(void)job;
	r->res = *res;
	r->done = true;
}

static void
run(char *const *argv, const char *msg, struct run *r)
{
	struct evloop *loop = evloop_new(clock_real());
	struct exec_spec spec = {RECORDER, argv, 5000, on_line, on_done, r};
	struct exec_job *job;
	int i;

	assert_int_equal(exec_start(loop, &spec, &job), 0);
	if (msg != NULL) {
		assert_int_equal(exec_write(job, msg, strlen(msg)), 0);
		if (strcmp(r->req->command, "delete") == 0)
			exec_close_stdin(job);
	} else {
		exec_close_stdin(job);
	}
	for (i = 0; i < 100 && !r->done; i++)
		assert_true(evloop_run_once(loop, 100) >= 0);
	assert_true(r->done);
	evloop_free(loop);
}

static void
json_case(const char *command, const char *answer, const char *want)
{
	char *const argv[] = {"recorder", NULL};
	struct ar_request req = base;
	struct run r = {&req, answer, "", {0}, false};
	struct buf b;

	req.command = command;
	buf_init(&b, 1 << 16);
	assert_int_equal(ar_msg_json(&b, &req, command), 0);
	run(argv, buf_cstr(&b), &r);
	buf_release(&b);
	assert_false(r.res.timed_out);
	assert_string_equal(r.res.err, want);
	if (strcmp(command, "add") == 0)
		assert_string_equal(r.keys, "192.0.2.6");
}

static void
test_json(void **state)
{
	(void)state;
	json_case("add", "continue", "IN:add 192.0.2.6\nREPLY:continue\n");
	json_case("add", "abort", "IN:add 192.0.2.6\nREPLY:abort\n");
	json_case("delete", "continue", "IN:delete 192.0.2.6\n");
}

static void
test_legacy(void **state)
{
	struct run r = {&base, "continue", "", {0}, false};
	char *argv[AR_ARGV_MAX];
	struct buf store;

	(void)state;
	buf_init(&store, 1 << 16);
	assert_int_equal(ar_argv_legacy(&base, "recorder", &store, argv), 0);
	run(argv, NULL, &r);
	assert_string_equal(r.res.err,
	    "add|-|192.0.2.6|1700000000.0|5712|/var/log/auth.log|-\n");
	buf_release(&store);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_legacy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
