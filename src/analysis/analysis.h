/*
 * The analysis side of arxd, run in its unprivileged child: the
 * <localfile> files it follows, the syslog listeners, the ruleset and
 * correlation state, the alert files, and the hand-over of fired rules
 * (as typed triggers, priv.h) to the root process. Files are watched
 * with inotify on their directories (a write, a new file, a rename all
 * wake it) and looked at once a second as well; positions are saved to
 * <state_dir>/analysis/positions once a second when they changed and at
 * stop, so a restart goes on where it stopped.
 */
#ifndef ARX_ANALYSIS_ANALYSIS_H
#define ARX_ANALYSIS_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis/child.h"
#include "config/conf.h"
#include "core/evloop.h"
#include "transport/priv.h"

#define ANALYSIS_POS_FILE ANALYSIS_DIR "/positions"
#define ANALYSIS_AGENTS   ANALYSIS_DIR "/agents" /* the manager's table */

struct analysis;

/* A fired rule for active response (called for every one not inside an
 * ignore window). */
typedef void analysis_trigger_fn(const struct priv_trigger *t, void *ctx);

/* Load the ruleset, open the alert files, bind every syslog <remote>
 * and watch standard input when read_stdin: everything that may need
 * privilege. No line is read yet. 0, or a negative code (logged). */
int analysis_start(const struct arx_conf *conf, struct evloop *loop,
    analysis_trigger_fn *trigger, void *ctx, bool read_stdin,
    struct analysis **out);

/* Open the <localfile> files, go on from the saved positions and read
 * what is there: called once privileges are dropped. */
void analysis_begin(struct analysis *a);

/* Agent: where responses the manager sends go (the root process). */
typedef void analysis_relay_fn(const struct priv_response *r, void *ctx);
void analysis_set_relay(struct analysis *a, analysis_relay_fn *fn, void *ctx);

/* <cluster>: where another manager's offence goes (the root process). */
typedef void analysis_offence_fn(const struct priv_offence *o, void *ctx);
void analysis_set_offence(
    struct analysis *a, analysis_offence_fn *fn, void *ctx);

/* <cluster>: the database is reached, its schema made current (db/
 * schema.h) and this manager registered, before the sandbox; called
 * once privileges are dropped. A database that refuses this manager
 * (its password, its role, a schema newer than this arx) is fatal; one
 * that cannot be reached is not (the manager goes on alone and keeps
 * its writes until it is there). 0, or ARX_ERR_CONFIG (logged). */
int analysis_cluster_check(struct analysis *a);

/* Positions are saved only when ok(ctx) says the root process has taken
 * every trigger sent so far (and is still there): a line whose trigger
 * was lost with a root process that died is read again after a restart,
 * never skipped. Without a gate, positions are saved freely. */
void analysis_set_save_gate(
    struct analysis *a, bool (*ok)(void *ctx), void *ctx);

/* Manager: its agents as a PRIV_AGENTS message in out; false when this
 * is no manager (nothing to send). */
bool analysis_put_agents(struct analysis *a, struct buf *out);

/* Manager: a response the root process decided for agents. */
void analysis_response(struct analysis *a, const struct priv_response *r);

/* The root process's counters as it sent them (PRIV_ROOT_STATS),
 * kept for the metrics endpoint; ignored when <metrics> is off. */
void analysis_root_counters(struct analysis *a, const struct counters *rows);

/* The counters, as named rows (analysis_counters.c). */
void analysis_counters(const struct analysis *a, struct counters *c);

/* Read what is left, flush alerts, save positions, free. */
void analysis_stop(struct analysis *a);

#endif
