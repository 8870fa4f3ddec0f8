/*
 * The response runner: runs response programs for the dispatcher, a
 * bounded number at a time, in either protocol, and reports each run's
 * end. It owns a copy of everything a run needs (the message, argv, the
 * values for the log), so the caller's strings may go away at once.
 *
 *  - JSON (Wazuh >= 4.2): the add or delete message is written to stdin;
 *    on an add the program's check_keys line is answered with
 *    "continue" (the block table already stops duplicate adds), then
 *    stdin is closed.
 *  - legacy (OSSEC): the values are passed in argv; stdin is closed.
 *
 * At most max_running programs run at once; further runs wait in a FIFO
 * of at most max_queued entries. A run that must not be lost (a delete,
 * which lifts a block) is queued even past that bound: deletes are
 * bounded by the block table itself. Two runs for the same command and
 * address never overlap, so a delete never overtakes its add.
 *
 * A command with a <precheck> has each add preceded by a run of the
 * precheck's command (its own program, protocol and extra_args, with
 * the same request): exit status 0 and any failure to check let the
 * add go on (a check that cannot be made never stops a block); exit
 * status AR_PRECHECK_DECLINE cancels it: the add is reported failed
 * and declined, without a run; AR_PRECHECK_RAISE lets it go on longer,
 * as long as the raise function set by ar_runner_set_raise() says. The check is not reported itself (it is
 * logged), and while it runs, runs of the guarded command for the same
 * address wait.
 */
#ifndef ARX_AR_RUNNER_H
#define ARX_AR_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/nftbatch.h"
#include "ar/protocol.h"
#include "config/conf.h"
#include "core/evloop.h"
#include "exec/exec.h"

#define AR_PRECHECK_DECLINE 3 /* a precheck's "do not block" */
#define AR_PRECHECK_RAISE   4 /* a precheck's "block it longer" */

struct ar_runner;

/* What the runner reports when a run ends (valid during the callback). */
struct ar_run_info {
	const char *command; /* the <command> name */
	const char *action;  /* "add" or "delete" */
	const char *addr;    /* checked address text, or NULL */
	unsigned rule_id;
	const char *alert_id;          /* or NULL */
	uint64_t timeout_s;            /* block length, for the log; 0: none */
	bool restore;                  /* a restore's add (ar_run_spec) */
	bool ok;                       /* started, exited 0 */
	bool declined;                 /* !ok: its precheck said no */
	const char *why;               /* when !ok: what went wrong */
	const struct exec_result *res; /* NULL if it never started */
};

typedef void ar_run_done_fn(const struct ar_run_info *info, void *ctx);

/* A precheck asked for a longer block of addr by command: true with the
 * add's new block length and kernel timeout, or false to keep them. */
typedef bool ar_run_raise_fn(const char *command, const char *addr,
    uint64_t *timeout_s, uint64_t *safety_s, void *ctx);

struct ar_run_spec {
	const char *path; /* absolute executable */
	const struct conf_command *cmd;
	struct ar_request req; /* req.command is "add" or "delete" */
	uint64_t timeout_s;    /* block length, for the log */
	bool must_run;         /* queue even when the queue is full */
	bool restore;          /* an add run again to put a block back */
	/* An add's precheck: its command and program; NULL: none. */
	const struct conf_command *check_cmd;
	const char *check_path;
};

struct ar_runner_stats {
	unsigned long started, failed, timed_out, dropped;
	unsigned long checks, declined; /* prechecks run, adds declined */
	unsigned long raised;           /* adds a precheck made longer */
	size_t running, queued;
	/* builtin:nftables: transactions, operations in them, the largest */
	unsigned long nft_batches, nft_ops, nft_largest;
};

struct ar_runner *ar_runner_new(struct evloop *loop, unsigned max_running,
    unsigned max_queued, ar_run_done_fn *done, void *ctx);
/* Who answers a precheck's AR_PRECHECK_RAISE (the done callback's ctx
 * is passed); without one the add goes on as it was. */
void ar_runner_set_raise(struct ar_runner *r, ar_run_raise_fn *raise);
/* Forget every waiting run and free; running programs are left to end
 * on their own (no report comes for them). */
void ar_runner_free(struct ar_runner *r);

/*
 * Start or queue a run. 0, ARX_ERR_TOOBIG when the queue is full (the
 * run is dropped and counted), ARX_ERR_INVAL for a request that fails
 * ar_request_check, ARX_ERR_NOMEM.
 */
int ar_runner_submit(struct ar_runner *r, const struct ar_run_spec *spec);

/* Runs started and not ended, plus runs waiting. */
size_t ar_runner_pending(const struct ar_runner *r);

/* How many runs could start at once now: free slots beyond the runs
 * already waiting for one. */
size_t ar_runner_room(const struct ar_runner *r);

/* The builtin:nftables batcher (made when first asked for; NULL when it
 * cannot be), for operations of other clients (the kernel check's
 * restores) in the same order as the runs'. Owned by the runner. */
struct ar_nftbatch *ar_runner_nft(struct ar_runner *r);

void ar_runner_stats(const struct ar_runner *r, struct ar_runner_stats *st);

#endif
