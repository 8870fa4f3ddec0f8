/*
 * The response runner (runner.h): a FIFO of runs, a bounded set of
 * running programs, and the two protocols. Owns every run from submit
 * until its done report has returned; each run keeps its own copies of
 * the values in an arena, so nothing it points to can go away under it.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar/nftbatch.h"
#include "ar/runner.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"

/* A JSON program that says nothing for this long gets its stdin closed
 * (it may read until end of file instead of doing check_keys). */
#define HANDSHAKE_MS 5000u

struct ar_run {
	struct ar_run *next; /* FIFO link while queued */
	struct ar_runner *r;
	struct arena arena; /* the copies below */
	const char *path, *command;
	unsigned protocol;
	bool restore, builtin;
	struct ar_run *then; /* a precheck's: the add it guards */
	uint64_t exec_timeout_ms, timeout_s;
	struct ar_request req; /* strings in arena; srcip normalised */
	char addr[64];
	struct arx_addr a; /* req.addr, when the request carried one */
	struct buf msg, argstore;
	char *argv[AR_ARGV_MAX];
	struct exec_job *job;
	struct evtimer handshake;
	size_t slot; /* index in r->running while running */
};

struct ar_runner {
	struct evloop *loop;
	struct ar_run **running;
	unsigned max_running, max_queued;
	size_t nrunning, nqueued;
	struct ar_run *head, *tail;
	ar_run_done_fn *done;
	ar_run_raise_fn *raise;
	void *ctx;
	struct ar_runner_stats st;
	struct ar_nftbatch *nft; /* builtin:nftables, made when first used */
	struct ar_nftbatch_client nft_client; /* its runs' reports */
};

void
ar_runner_set_raise(struct ar_runner *r, ar_run_raise_fn *raise)
{
	r->raise = raise;
}

struct ar_runner *
ar_runner_new(struct evloop *loop, unsigned max_running, unsigned max_queued,
    ar_run_done_fn *done, void *ctx)
{
	struct ar_runner *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->running = calloc(max_running ? max_running : 1, sizeof(*r->running));
	if (r->running == NULL) {
		free(r);
		return NULL;
	}
	r->loop = loop;
	r->max_running = max_running ? max_running : 1;
	r->max_queued = max_queued;
	r->done = done;
	r->ctx = ctx;
	return r;
}

static void
run_free(struct ar_run *run)
{
	if (run == NULL)
		return;
	run_free(run->then);
	buf_release(&run->msg);
	buf_release(&run->argstore);
	arena_release(&run->arena);
	free(run);
}

static void
run_drop(void *op)
{
	run_free(op);
}

void
ar_runner_free(struct ar_runner *r)
{
	struct ar_run *run, *next;
	size_t i;

	if (r == NULL)
		return;
	for (run = r->head; run != NULL; run = next) {
		next = run->next;
		run_free(run);
	}
	for (i = 0; i < r->nrunning; i++) {
		run = r->running[i];
		evloop_timer_stop(r->loop, &run->handshake);
		exec_close_stdin(run->job);
		exec_abandon(run->job);
		run_free(run);
	}
	ar_nftbatch_free(r->nft);
	free(r->running);
	free(r);
}

static const char *
dup_or_null(struct arena *a, const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = arena_strdup(a, s)) == NULL)
		*fail = true;
	return d;
}

/* Copy spec into a new run; the address is the normalised one. */
static struct ar_run *
run_new(struct ar_runner *r, const struct ar_run_spec *spec, const char *addr)
{
	struct ar_run *run = calloc(1, sizeof(*run));
	struct arena *a;
	bool fail = false;

	if (run == NULL)
		return NULL;
	a = &run->arena;
	arena_init(a, 1024, 0);
	buf_init(&run->msg, 1u << 20);
	buf_init(&run->argstore, 1u << 16);
	run->r = r;
	run->path = dup_or_null(a, spec->path, &fail);
	run->command = dup_or_null(a, spec->cmd->name, &fail);
	run->protocol = spec->cmd->protocol;
	run->exec_timeout_ms = spec->cmd->exec_timeout * 1000u;
	run->timeout_s = spec->timeout_s;
	run->restore = spec->restore;
	run->builtin = spec->cmd->builtin == CONF_BUILTIN_NFTABLES;
	snprintf(run->addr, sizeof(run->addr), "%s", addr);
	run->req = spec->req;
	run->req.srcip = run->addr[0] != '\0' ? run->addr : NULL;
	if (spec->req.addr != NULL) {
		run->a = *spec->req.addr;
		run->req.addr = &run->a;
	}
	run->req.command = dup_or_null(a, spec->req.command, &fail);
	run->req.program = dup_or_null(a, spec->req.program, &fail);
	run->req.origin = dup_or_null(a, spec->req.origin, &fail);
	run->req.user = dup_or_null(a, spec->req.user, &fail);
	run->req.alert_id = dup_or_null(a, spec->req.alert_id, &fail);
	run->req.location = dup_or_null(a, spec->req.location, &fail);
	run->req.alert_json = dup_or_null(a, spec->req.alert_json, &fail);
	run->req.extra_args = dup_or_null(a, spec->req.extra_args, &fail);
	if (fail) {
		run_free(run);
		return NULL;
	}
	return run;
}

static void
run_report_as(struct ar_run *run, const struct exec_result *res,
    const char *why, bool declined)
{
	struct ar_run_info info = {
	    .command = run->command,
	    .action = run->req.command,
	    .addr = run->req.srcip,
	    .rule_id = run->req.rule_id,
	    .alert_id = run->req.alert_id,
	    .timeout_s = run->timeout_s,
	    .restore = run->restore,
	    .ok = why == NULL,
	    .declined = declined,
	    .why = why,
	    .res = res,
	};

	if (why != NULL && !declined)
		run->r->st.failed++;
	if (run->r->done != NULL)
		run->r->done(&info, run->r->ctx);
}

static void
run_report(struct ar_run *run, const struct exec_result *res, const char *why)
{
	run_report_as(run, res, why, false);
}

static bool
is_add(const struct ar_run *run)
{
	return strcmp(run->req.command, "add") == 0;
}

/* The program's stdout: for a JSON add, its check_keys line. */
static void
run_on_line(struct exec_job *job, const char *line, size_t len, void *ctx)
{
	struct ar_run *run = ctx;
	char keys[512];

	if (run->protocol != AR_PROTO_JSON || !is_add(run) ||
	    ar_parse_check_keys(line, len, keys, sizeof(keys)) != 0)
		return;
	evloop_timer_stop(run->r->loop, &run->handshake);
	buf_reset(&run->msg);
	if (ar_msg_json(&run->msg, &run->req, "continue") == 0)
		(void)exec_write(job, run->msg.data, run->msg.len);
	exec_close_stdin(job);
}

static void
run_on_handshake(struct evloop *loop, struct evtimer *t)
{
	struct ar_run *run = t->ctx;

	(void)loop;
	exec_close_stdin(run->job);
}

static void runner_pump(struct ar_runner *r);

static const char *
result_why(const struct exec_result *res)
{
	if (res->timed_out)
		return "killed at its time limit";
	if (WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0)
		return NULL;
	return WIFEXITED(res->status) ? "exited with an error"
				      : "killed by a signal";
}

static int builtin_submit(struct ar_runner *r, struct ar_run *run);

/* A precheck asked for a longer block: the add goes on with the length
 * the dispatcher gave the block. */
static void
check_raise(struct ar_runner *r, struct ar_run *then, const char *check,
    const char *said)
{
	uint64_t timeout_s = then->timeout_s,
		 safety_s = then->req.arx_timeout_s;

	r->st.raised++;
	if (r->raise == NULL ||
	    !r->raise(then->command, then->addr, &timeout_s, &safety_s, r->ctx))
		return;
	then->timeout_s = timeout_s;
	then->req.arx_timeout_s = safety_s;
	log_notice("response %s add %s: raised to %llu s by its precheck "
		   "%s%s%s",
	    then->command, then->addr, (unsigned long long)timeout_s, check,
	    said[0] ? ": " : "", said);
}

/* A precheck is over: its add is declined (reported, not run) or goes
 * on, first in the queue, so that a delete queued meanwhile for the
 * same address still comes after it. */
static void
check_done(
    struct ar_runner *r, struct ar_run *run, const struct exec_result *res)
{
	struct ar_run *then = run->then;
	char said[512];
	bool decline = !res->timed_out && WIFEXITED(res->status) &&
	    WEXITSTATUS(res->status) == AR_PRECHECK_DECLINE;

	run->then = NULL;
	said[0] = '\0';
	if (res->err_len > 0)
		str_one_line(said, sizeof(said), res->err, res->err_len);
	if (decline) {
		r->st.declined++;
		log_notice(
		    "response %s add %s: declined by its precheck %s%s%s",
		    then->command, then->addr, run->command,
		    said[0] ? ": " : "", said);
		run_report_as(then, NULL, "declined by its precheck", true);
		run_free(then);
		return;
	}
	if (!res->timed_out && WIFEXITED(res->status) &&
	    WEXITSTATUS(res->status) == AR_PRECHECK_RAISE)
		check_raise(r, then, run->command, said);
	else if (result_why(res) != NULL)
		log_warn("response %s add %s: its precheck %s %s%s%s; the add "
			 "goes on",
		    then->command, then->addr, run->command, result_why(res),
		    said[0] ? ": " : "", said);
	if (then->builtin) {
		(void)builtin_submit(r, then);
		return;
	}
	then->next = r->head;
	r->head = then;
	if (r->tail == NULL)
		r->tail = then;
	r->nqueued++;
}

static void
run_on_done(struct exec_job *job, const struct exec_result *res, void *ctx)
{
	struct ar_run *run = ctx;
	struct ar_runner *r = run->r;

	(void)job;
	evloop_timer_stop(r->loop, &run->handshake);
	r->running[run->slot] = r->running[--r->nrunning];
	r->running[run->slot]->slot = run->slot;
	if (res->timed_out)
		r->st.timed_out++;
	if (run->then != NULL)
		check_done(r, run, res);
	else
		run_report(run, res, result_why(res));
	run_free(run);
	runner_pump(r);
}

/* Build the protocol's input: the JSON message, or the legacy argv. */
static int
run_prepare(struct ar_run *run, char **argv_json)
{
	if (run->protocol == AR_PROTO_LEGACY)
		return ar_argv_legacy(
		    &run->req, run->path, &run->argstore, run->argv);
	argv_json[0] = (char *)run->path;
	argv_json[1] = NULL;
	return ar_msg_json(&run->msg, &run->req, run->req.command);
}

static int
run_start(struct ar_runner *r, struct ar_run *run)
{
	char *argv_json[2];
	struct exec_spec spec = {
	    .path = run->path,
	    .timeout_ms = run->exec_timeout_ms,
	    .on_line = run_on_line,
	    .on_done = run_on_done,
	    .ctx = run,
	};
	int rc;

	if ((rc = run_prepare(run, argv_json)) != 0)
		return rc;
	spec.argv = run->protocol == AR_PROTO_LEGACY ? run->argv : argv_json;
	if ((rc = exec_start(r->loop, &spec, &run->job)) != 0)
		return rc;
	r->st.started++;
	run->slot = r->nrunning;
	r->running[r->nrunning++] = run;
	if (run->protocol == AR_PROTO_LEGACY) {
		exec_close_stdin(run->job);
		return 0;
	}
	if (exec_write(run->job, run->msg.data, run->msg.len) != 0 ||
	    !is_add(run)) {
		exec_close_stdin(run->job);
		return 0;
	}
	evtimer_init(&run->handshake, run_on_handshake, run);
	(void)evloop_timer_start(r->loop, &run->handshake,
	    run->exec_timeout_ms && run->exec_timeout_ms < HANDSHAKE_MS
		? run->exec_timeout_ms
		: HANDSHAKE_MS);
	return 0;
}

/* True when a run for the same command and address is running. */
static bool
key_busy(const struct ar_runner *r, const struct ar_run *run)
{
	size_t i;

	for (i = 0; i < r->nrunning; i++) {
		const struct ar_run *o = r->running[i];

		if (strcmp(o->addr, run->addr) == 0 &&
		    (strcmp(o->command, run->command) == 0 ||
			(o->then != NULL &&
			    strcmp(o->then->command, run->command) == 0)))
			return true;
	}
	return false;
}

/* Take the first queued run whose key is free off the queue. */
static struct ar_run *
queue_take(struct ar_runner *r)
{
	struct ar_run *run, *prev = NULL;

	for (run = r->head; run != NULL; prev = run, run = run->next) {
		if (key_busy(r, run))
			continue;
		if (prev == NULL)
			r->head = run->next;
		else
			prev->next = run->next;
		if (r->tail == run)
			r->tail = prev;
		r->nqueued--;
		run->next = NULL;
		return run;
	}
	return NULL;
}

static void
runner_pump(struct ar_runner *r)
{
	struct ar_run *run;
	int rc;

	while (r->nrunning < r->max_running && (run = queue_take(r)) != NULL) {
		if (run->builtin) {
			(void)builtin_submit(r, run);
			continue;
		}
		if ((rc = run_start(r, run)) != 0) {
			log_error("response %s %s %s: cannot start %s: %s",
			    run->command, run->req.command,
			    run->addr[0] ? run->addr : "-", run->path,
			    arx_strerror(rc));
			run_report(run, NULL, "could not be started");
			run_free(run);
		}
	}
}

/* A builtin:nftables run is over (reported like a program's). */
static void
nft_done(void *op, const char *why, void *ctx)
{
	struct ar_run *run = op;

	(void)ctx;
	run_report(run, NULL, why);
	run_free(run);
}

struct ar_nftbatch *
ar_runner_nft(struct ar_runner *r)
{
	if (r->nft == NULL) {
		r->nft_client =
		    (struct ar_nftbatch_client){nft_done, run_drop, r};
		r->nft = ar_nftbatch_new(r->loop);
	}
	return r->nft;
}

/* A run of a builtin:nftables command: no program; into the next batch. */
static int
builtin_submit(struct ar_runner *r, struct ar_run *run)
{
	struct arx_addr a;
	bool add = strcmp(run->req.command, "delete") != 0;
	int rc;

	if (ar_runner_nft(r) == NULL)
		rc = ARX_ERR_NOMEM;
	else if (run->req.addr == NULL &&
	    (run->req.srcip == NULL ||
		addr_parse_net_str(run->req.srcip, &a) != 0))
		rc = ARX_ERR_INVAL; /* builtin:nftables needs an address */
	else
		rc = ar_nftbatch_submit(r->nft, &r->nft_client, add,
		    run->req.addr != NULL ? run->req.addr : &a,
		    add ? run->req.arx_timeout_s : 0, run);
	if (rc != 0) {
		run_report(run, NULL,
		    rc == ARX_ERR_INVAL ? "builtin:nftables needs an address"
					: arx_strerror(rc));
		run_free(run);
		return 0;
	}
	r->st.started++;
	return 0;
}

/* The precheck run in front of then (spec's add): the check command's
 * program, protocol and extra_args, the same request. NULL (then freed)
 * when out of memory. */
static struct ar_run *
check_new(
    struct ar_runner *r, const struct ar_run_spec *spec, struct ar_run *then)
{
	struct ar_run_spec cs = *spec;
	struct ar_run *check;

	cs.cmd = spec->check_cmd;
	cs.path = spec->check_path;
	cs.req.program = spec->check_cmd->executable;
	cs.req.extra_args = spec->check_cmd->extra_args;
	if ((check = run_new(r, &cs, then->addr)) == NULL) {
		run_free(then);
		return NULL;
	}
	check->then = then;
	r->st.checks++;
	return check;
}

/* True when a run waits in the queue for the same command and address
 * (or a precheck does for its add). */
static bool
key_queued(const struct ar_runner *r, const struct ar_run *run)
{
	for (const struct ar_run *o = r->head; o != NULL; o = o->next)
		if (strcmp(o->addr, run->addr) == 0 &&
		    (strcmp(o->command, run->command) == 0 ||
			(o->then != NULL &&
			    strcmp(o->then->command, run->command) == 0)))
			return true;
	return false;
}

int
ar_runner_submit(struct ar_runner *r, const struct ar_run_spec *spec)
{
	struct ar_run *run;
	char addr[64];
	const char *why;

	if (ar_request_check(&spec->req, addr, &why) != 0) {
		log_warn("response %s refused: %s", spec->cmd->name, why);
		return ARX_ERR_INVAL;
	}
	if (!spec->must_run && r->nqueued >= r->max_queued &&
	    r->nrunning >= r->max_running) {
		r->st.dropped++;
		log_warn("response %s %s %s dropped: %zu runs already wait",
		    spec->cmd->name, spec->req.command, addr, r->nqueued);
		return ARX_ERR_TOOBIG;
	}
	if ((run = run_new(r, spec, addr)) == NULL ||
	    (spec->check_cmd != NULL &&
		(run = check_new(r, spec, run)) == NULL))
		return ARX_ERR_NOMEM;
	if (run->builtin && !key_busy(r, run) && !key_queued(r, run))
		return builtin_submit(r, run);
	if (r->tail != NULL)
		r->tail->next = run;
	else
		r->head = run;
	r->tail = run;
	r->nqueued++;
	runner_pump(r);
	return 0;
}

size_t
ar_runner_pending(const struct ar_runner *r)
{
	return r->nrunning + r->nqueued +
	    (r->nft != NULL ? ar_nftbatch_pending(r->nft) : 0);
}

size_t
ar_runner_room(const struct ar_runner *r)
{
	size_t free_slots = r->max_running - r->nrunning;

	return free_slots > r->nqueued ? free_slots - r->nqueued : 0;
}

void
ar_runner_stats(const struct ar_runner *r, struct ar_runner_stats *st)
{
	struct ar_nftbatch_stats ns = {0};

	*st = r->st;
	st->running = r->nrunning;
	st->queued = r->nqueued;
	if (r->nft != NULL)
		ar_nftbatch_stats(r->nft, &ns);
	st->nft_batches = ns.batches;
	st->nft_ops = ns.ops;
	st->nft_largest = ns.largest;
}
