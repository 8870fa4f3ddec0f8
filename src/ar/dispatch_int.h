/*
 * What the files of the response dispatcher share (dispatch.c: the
 * decisions, the results of programs, lifting on time; dispatch_log.c:
 * the journal and active-responses.log of a loop turn;
 * dispatch_manual.c: blocks by hand or by a manager;
 * dispatch_route.c: responses for agents;
 * dispatch_programs.c: which program a command may run;
 * dispatch_restore.c: blocks back from the journal and into the kernel
 * at start): struct ar_dispatch and the functions one file calls in
 * another. Private to src/ar.
 */
#ifndef ARX_AR_DISPATCH_INT_H
#define ARX_AR_DISPATCH_INT_H

#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ar/arlog.h"
#include "ar/dispatch.h"
#include "ar/journal.h"
#include "ar/kcheck.h"
#include "ar/kview.h"
#include "ar/nftbatch.h"
#include "ar/policy.h"
#include "ar/runner.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "exec/exec.h"

#define AGENT_NAME_MAX 65    /* an agent name and its NUL */
#define MAX_BOUND      64    /* responses one rule may trigger */
#define LIFTING_MAX    65536 /* deletes in flight remembered */
#define EXPIRE_MAX     256   /* blocks lifted per timer turn */
#define JRETRY_MS      5000  /* a failing journal: rewrite tried this often */
#define JOURNAL_NAME   "arx-journal" /* its lines in active-responses.log */

struct ar_dispatch {
	struct ar_dispatch_opts o;
	const struct arx_conf *conf;
	struct ar_bindings *bindings;
	struct ar_table *table;
	/* Lifted, their delete not ended: journaled as live until then
	 * (a rewrite keeps them), so a crash meanwhile lifts them at the
	 * next start instead of forgetting what the kernel holds. At most
	 * LIFTING_MAX at once (more, as when a stop lifts them all, are
	 * journaled as lifted when a rewrite comes first). */
	struct ar_table *lifting;
	struct ar_journal *journal;
	struct ar_runner *runner;
	char refusal[160]; /* why a manual block was refused, when made up */
	struct ar_kcheck *kcheck;  /* with a loop and programs to run */
	char **paths;              /* per command: absolute program path */
	const char **names;        /* per command: its name, for the journal */
	enum ar_backend *backends; /* per command: where its blocks live */
	struct evtimer timer;
	struct evtimer turn; /* the loop turn's end: arpend, journal fsync */
	struct buf arpend;   /* active-responses.log lines of this turn */
	struct ar_dispatch_stats st;
	/* per command (conf->ncommands), the events reported for it by
	 * type (enum ar_event_type): responses by command and outcome */
	unsigned long (*outcomes)[AR_EV_NTYPES];
	unsigned long lifting_dropped; /* lifts not remembered: it was full */
	struct log_limit refuse_limit; /* refusals logged: 20 a second */
	struct evtimer jretry;         /* a failing journal's next rewrite */
	bool jfailing;                 /* said so (log, active-responses) */
	unsigned long jskipped;        /* records not written before it */
	size_t pending_at_start;       /* journaled blocks never confirmed */
	struct log_limit jlimit;       /* still failing: once a minute */
	struct log_limit arlog_limit;  /* active-responses.log: 1 a minute */
};

/* dispatch.c */
void dp_journal_touched(struct ar_dispatch *d);
void dp_journal_health(struct ar_dispatch *d);
int dp_command_index(const struct arx_conf *conf, const char *name);
const struct conf_ar *dp_response_of(const struct arx_conf *conf, int cmd);
struct ar_escalation dp_escalation_of(
    const struct arx_conf *conf, const struct conf_ar *ar);
uint64_t dp_remaining_s(const struct ar_block *b, int64_t now_ms);
uint64_t dp_safety_timeout(const struct ar_escalation *e, uint64_t timeout_s);
struct ar_run_spec dp_run_spec(const struct ar_dispatch *d, unsigned cmd,
    const char *action, const struct arx_addr *addr, uint64_t timeout_s,
    uint64_t safety_s);
void dp_restore_applied(unsigned cmd, const struct arx_addr *a, void *ctx);
const char *dp_manual_refusal(
    struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a);

/* dispatch_route.c: which agent a line came from; a response sent to
 * the agents its <location> names, true when it also runs here */
const char *dp_agent_of(const char *location, char *name, size_t size);
bool dp_route(struct ar_dispatch *d, const struct conf_ar *ar,
    const struct ar_trigger *t, const struct arx_addr *a, const char *addr,
    const char *agent, bool wl);

/* dispatch_programs.c: each command's program path, vetted */
int dp_paths_resolve(struct ar_dispatch *d);

/* dispatch_restore.c: the journal read back, the kernel check */
int dp_journal_start(struct ar_dispatch *d);
int dp_kcheck_start(struct ar_dispatch *d);

/* dispatch_log.c: an event to the listener; a line for
 * active-responses.log (written at the turn's end); a block's add and
 * a lifted block's del (and offence) records; the turn-end and
 * journal-retry timers. */
void dp_emit(struct ar_dispatch *d, struct ar_event *ev);
void dp_arlog(struct ar_dispatch *d, const struct ar_log_entry *e);
void dp_journal_add(struct ar_dispatch *d, const struct ar_block *b);
void dp_journal_del(
    struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a);
void dp_on_turn_end(struct evloop *loop, struct evtimer *t);
void dp_on_jretry(struct evloop *loop, struct evtimer *t);

/* dispatch.c, for dispatch_manual.c: keep the timer at the earliest
 * deadline; lift b (out of the table already); a refusal, logged and
 * counted; block (or extend) a for one response; a white-listed address
 * spared; why a cannot be blocked, or NULL. */
void dp_timer_arm(struct ar_dispatch *d);
void dp_lift(struct ar_dispatch *d, const struct ar_block *b, const char *why);
void dp_refuse(struct ar_dispatch *d, const char *command, const char *addr,
    unsigned rule_id, const char *why);
int dp_block_one(struct ar_dispatch *d, unsigned cmd,
    const struct ar_escalation *e, const struct arx_addr *a,
    const struct ar_trigger *t, unsigned flags);
void dp_skip_whitelisted(struct ar_dispatch *d, unsigned cmd, const char *addr,
    unsigned rule_id, const char *alert_id);
const char *dp_unblockable(
    const struct ar_dispatch *d, const struct arx_addr *a);

#endif
