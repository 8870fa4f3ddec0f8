/*
 * The response dispatcher: what turns a fired rule into blocks and lifts
 * them on time. It ties the parts of src/ar together:
 *
 *   rule -> bindings -> white list -> block table (+ journal) -> runner
 *        -> active-responses.log
 *
 * and keeps one timer on the event loop at the earliest deadline, so a
 * block is lifted within milliseconds of its expiry. Every change to the
 * table is journaled before the program runs; at start the journal is
 * replayed, every pending lift re-armed and the overdue ones run at once,
 * so a restart, a crash or SIGKILL never leaves a block in place for
 * longer than it was given, nor lifts one early. The kernel is made to
 * hold what the table says (kcheck.h): at arxd's start every block goes
 * back through its backend (ar_dispatch_restore), and while it runs the
 * kernel is looked at and what a firewall reload took is put back.
 *
 * Owns the block table, the journal, the runner and the bindings; reads
 * the configuration it was given (which must outlive it). Everything it
 * decides is reported through one callback (struct ar_event), which the
 * daemon logs and `arx replay` prints.
 */
#ifndef ARX_AR_DISPATCH_H
#define ARX_AR_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/kcheck.h"
#include "ar/policy.h"
#include "ar/table.h"
#include "config/conf.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/evloop.h"

enum ar_event_type {
	AR_EV_BLOCK,     /* a new block; the add runs */
	AR_EV_EXTEND,    /* already blocked: deadline moved */
	AR_EV_UNBLOCK,   /* a block lifted; the delete runs */
	AR_EV_RUN,       /* a response without an address (notification) */
	AR_EV_WHITELIST, /* skipped: the address is white-listed */
	AR_EV_REFUSED,   /* not done: bad value, table or queue full */
	AR_EV_FAIL,      /* the program failed */
	AR_EV_DONE,      /* the program succeeded */
	AR_EV_NTYPES
};

struct ar_event {
	enum ar_event_type type;
	int64_t now_ms;
	const char *command; /* <command> name */
	const char *action;  /* "add" or "delete" for RUN/FAIL/DONE */
	const char *addr;    /* normalised address, or NULL */
	unsigned rule_id;    /* 0: none (manual or a timer) */
	uint64_t timeout_s;  /* block length; 0: until lifted */
	int64_t expires_ms;  /* AR_NEVER: never */
	unsigned offences;   /* offences of this key, this one included */
	const char *why;     /* REFUSED, FAIL, UNBLOCK: the reason */
	const char *said;    /* FAIL, DONE: the program's stderr as one
			      * line, or NULL */
};

typedef void ar_event_fn(const struct ar_event *ev, void *ctx);

/* A response for agents (manager/agent mode): run command on addr there. */
enum ar_remote_to {
	AR_TO_AGENT_NAME =
	    1,          /* the agent that saw the event (location local) */
	AR_TO_AGENT_ID, /* <agent_id> (defined-agent) */
	AR_TO_ALL,      /* every agent (all) */
};

struct ar_remote {
	enum ar_remote_to to;
	const char *agent; /* name or id; NULL for all */
	const char *command;
	const char *addr; /* canonical */
	uint64_t timeout_s;
	unsigned rule_id;
	const char *alert_id;
	unsigned offences; /* the address's offence count under command */
};

typedef void ar_remote_fn(const struct ar_remote *r, void *ctx);

struct ar_dispatch_opts {
	const struct arx_conf *conf;
	/* Where <location> sends a response to agents; NULL: a host without
	 * agents, and such responses are skipped. */
	ar_remote_fn *remote;
	struct evloop *loop;
	const struct arx_clock *clock;
	const char *journal_path; /* NULL: nothing persists */
	const char *arlog_path;   /* active-responses.log; NULL: none */
	bool dry_run;             /* decide and report, run nothing */
	ar_event_fn *on_event;    /* may be NULL */
	void *ctx;
};

struct ar_dispatch;

/*
 * Compile the bindings, check every bound program exists and is
 * executable (an error names its path), replay the journal and arm the
 * timer; blocks already overdue are lifted on the loop's first turn.
 */
int ar_dispatch_new(const struct ar_dispatch_opts *o, struct ar_dispatch **out);
void ar_dispatch_free(struct ar_dispatch *d);

/* What a fired rule brings to active response. */
struct ar_trigger {
	struct ar_rule rule;    /* id 0: none */
	const char *srcip;      /* the event's srcip, or NULL */
	const char *user;       /* dstuser, or NULL */
	const char *location;   /* the event's location */
	const char *alert_id;   /* as in alerts.json, or NULL */
	const char *alert_json; /* the alert, for the JSON protocol */
};

/* Run every response bound to t->rule. Returns how many were started
 * or extended. */
int ar_dispatch_trigger(struct ar_dispatch *d, const struct ar_trigger *t);

/*
 * Block addr by hand with the named command (NULL: the command of the
 * first enabled <active-response>) for timeout_s seconds (0: that
 * response's <timeout>). flags: AR_BLOCK_OFFENCE, and who asks
 * (AR_ORIGIN_MANUAL for arx block, AR_ORIGIN_MANAGER for an agent's
 * manager). A manual block is not an offence unless AR_BLOCK_OFFENCE is
 * set: then it counts as a rule's trigger would (and, without
 * timeout_s, escalates as the response's <repeated_offenders> say).
 * White-listed addresses are refused. 1: a new block, whose add runs
 * (its AR_EV_DONE or AR_EV_FAIL follows); 0: the address was blocked
 * and the block extended (nothing runs); or ARX_ERR_INVAL (bad address,
 * white-listed), ARX_ERR_NOTFOUND (no such command), ARX_ERR_TOOBIG
 * (table full).
 */
#define AR_BLOCK_OFFENCE 0x100u
int ar_dispatch_block(struct ar_dispatch *d, const char *command,
    const char *addr, uint64_t timeout_s, unsigned flags, const char **why);

/* Lift addr's blocks (one command, or every command when NULL) now, for
 * origin: 0, the administrator (arx unblock), lifts any; an origin
 * (AR_ORIGIN_MANAGER) lifts only what it placed, and a block another
 * origin placed too stays. Returns how many were lifted, 0 when every
 * one is still held by another origin, or ARX_ERR_INVAL /
 * ARX_ERR_NOTFOUND / ARX_ERR_PERM (only others' blocks). */
int ar_dispatch_unblock(struct ar_dispatch *d, const char *command,
    const char *addr, unsigned origin);

/* Lift every block (a clean stop with lift_on_stop). */
void ar_dispatch_lift_all(struct ar_dispatch *d, const char *why);

/*
 * An offence another manager of the <cluster> decided (count offences of
 * addr under command, the last at last_ms): counted in this host's
 * history when it is more than it knows, and journaled, so the next
 * offence here escalates from the fleet's count. 1 counted, 0 known
 * already, or ARX_ERR_NOTFOUND (no such command), ARX_ERR_INVAL (not an
 * address).
 */
int ar_dispatch_offence(struct ar_dispatch *d, const char *command,
    const char *addr, unsigned count, int64_t last_ms);

/* Lift every block of command (NULL: of every command) for the
 * administrator (arx unblock --all); how many, or ARX_ERR_NOTFOUND
 * when there is no such command. */
int ar_dispatch_unblock_all(struct ar_dispatch *d, const char *command);

/* The earliest deadline of a block (wall ms), or AR_NEVER. */
int64_t ar_dispatch_next_deadline(const struct ar_dispatch *d);

/* Programs running or waiting; the daemon waits for 0 before exit. */
size_t ar_dispatch_pending(const struct ar_dispatch *d);

/*
 * Put every block read back from the journal back into the kernel
 * through its backend: arx's nftables sets in one batch (builtin:nftables,
 * firewall-drop on nftables), any other program but the stock webhook by
 * its add again, each with the time it has left (plus the margin an add
 * gets). For arxd's start (a reload does not: its blocks are in place);
 * returns how many are going back. Needs the loop to be run until
 * ar_dispatch_restoring() is 0.
 */
size_t ar_dispatch_restore(struct ar_dispatch *d);
size_t ar_dispatch_restoring(const struct ar_dispatch *d);

/* One active block, for listings. */
struct ar_block_view {
	const char *command;
	char addr[64];
	int64_t added_ms, expires_ms;
	unsigned offences;
	unsigned rules[AR_BLOCK_RULES]; /* that asked for it; 0: none */
	int in_kernel; /* 1 held, 0 the kernel has it not (found missing by
			* the last look, or its restore failed), -1 not
			* known (a backend arx cannot look at, or its add has
			* not ended) */
	bool pending;  /* its backend has not confirmed it yet */
};

void ar_dispatch_foreach(const struct ar_dispatch *d,
    void (*fn)(const struct ar_block_view *v, void *ctx), void *ctx);

struct ar_dispatch_stats {
	struct ar_table_stats table;
	unsigned long triggers, blocks, extends, unblocks, whitelisted, refused,
	    failed, notifications, journal_errors;
	unsigned journal_bad; /* damaged journal lines skipped at start */
	size_t running, queued;
	unsigned long runs_dropped, runs_timed_out;
	unsigned long prechecks, declined; /* <precheck> runs, adds declined */
	unsigned long raised;              /* blocks a precheck made longer */
	unsigned long fleet_offences; /* <cluster>: other managers' counted */
	unsigned long nft_batches, nft_ops, nft_largest; /* builtin:nftables */
	struct ar_kcheck_stats kernel; /* looks at the kernel, restores */
};

void ar_dispatch_stats(
    const struct ar_dispatch *d, struct ar_dispatch_stats *st);

/*
 * The same counters as named rows (core/counters.h), added to c, for
 * arx status and the metrics endpoint: blocks_active, blocks_max,
 * offences_remembered, ar_triggers, runs_running, runs_timed_out,
 * nft_*, journal_errors, journal_damaged_lines, kernel_*, the families
 * responses{command,outcome} (every command, every outcome),
 * dropped{table} (blocks, offences, runs, lifting) and
 * queue_depth{queue="runner"}.
 */
void ar_dispatch_counters(const struct ar_dispatch *d, struct counters *c);

#endif
