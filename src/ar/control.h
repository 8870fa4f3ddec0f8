/*
 * The control protocol: what `arx status|list|block|unblock` asks the
 * daemon over its root-only socket, and what it answers. One request
 * line, then the answer until the daemon closes the connection:
 *
 *   [json] status
 *   [json] list [command=NAME] [rule=ID]
 *   [json] block ADDRESS [DURATION|-] [COMMAND]
 *   [json] unblock ADDRESS [COMMAND]
 *   [json] unblock all [COMMAND]
 *
 * DURATION is a number of seconds or a number with a unit (s m h d w);
 * "-" or nothing means the response's <timeout>. Answers are text for
 * people, a failure being one line "error: ..."; with the json prefix,
 * one JSON line, {"ok":true,...} or {"ok":false,"error":"..."}. Parsing
 * is pure (no dispatcher needed) so it can be fuzzed; ctl_handle() runs
 * a request against a dispatcher.
 */
#ifndef ARX_AR_CONTROL_H
#define ARX_AR_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/dispatch.h"
#include "core/buf.h"
#include "core/counters.h"

#define CTL_LINE_MAX 1024 /* longest request line */

enum ctl_verb {
	CTL_STATUS,
	CTL_LIST,
	CTL_BLOCK,
	CTL_UNBLOCK
};

struct ctl_request {
	enum ctl_verb verb;
	char addr[64];      /* BLOCK, UNBLOCK */
	char command[128];  /* empty: default / every command */
	uint64_t timeout_s; /* BLOCK; 0: the response's own */
	bool offence;       /* BLOCK: count it as an offence ("+offence") */
	bool all;           /* UNBLOCK: every block ("all") */
	unsigned rule;      /* LIST: only blocks this rule asked for */
	bool json;          /* answer in JSON */
};

/* Parse one request line (without its newline). 0, or ARX_ERR_INVAL
 * with the reason in why. */
int ctl_parse(
    const char *line, size_t len, struct ctl_request *out, const char **why);

/* A line of the text status: its title and the counters on it, by
 * name (at most 16; a name the analysis did not send shows as 0). A
 * group whose counters are all 0 is left out unless it is always
 * shown. */
struct ctl_stage_group {
	const char *title;
	const char *names[16];
	bool always;
};

/* What the daemon says about itself in a status answer. */
struct ctl_info {
	const char *version;
	const char *node;
	int64_t started_ms;
	unsigned max_blocks;
	/* The analysis counters, read when a status is asked for:
	 * stages_read fills the named rows and says whether the analysis
	 * runs. NULL: no analysis to report. */
	bool (*stages_read)(void *ctx, struct counters *rows);
	void *stages_ctx;
	/* The root side's counters as rows (the dispatcher's and the
	 * supervision's): added to rows. NULL: the dispatcher's alone. */
	void (*root_read)(void *ctx, struct counters *rows);
	/* How the text status lays them out; NULL: one line. */
	const struct ctl_stage_group *stage_groups;
	size_t ngroups;
	/* A manager's agents: appends the text lines, or the JSON member
	 * ,"agents":[...]. NULL: not a manager. */
	int (*agents_put)(void *ctx, bool json, struct buf *out);
	/* The <blocklist>s: a text line each, or the JSON member
	 * ,"blocklists":{...}. NULL: none. */
	int (*lists_put)(void *ctx, bool json, struct buf *out);
};

/*
 * A manual block or unblock answers once its program ran: the request
 * leaves a wait (left > 0) for the AR_EV_DONE/AR_EV_FAIL reports of its
 * runs (the address's add, or a delete per lifted block), and the answer
 * is the program's result, its error text included when it failed.
 */
struct ctl_wait {
	char addr[64];      /* "*": unblock all */
	char command[128];  /* unblock all -C: only this command's runs */
	const char *action; /* "add" (block) or "delete" (unblock) */
	unsigned left;      /* runs still to report; 0: answered now */
	unsigned lifted;    /* unblock: blocks lifted */
	bool json;
	char failed[512]; /* the first failure, or empty */
};

/* Run req against d and append the answer line (with its newline); with
 * w, a block or unblock whose program runs leaves the answer to
 * ctl_wait_answer() (w->left > 0). w may be NULL: answer at once. */
int ctl_handle(struct ar_dispatch *d, const struct ctl_info *info,
    const struct ctl_request *req, int64_t now_ms, struct ctl_wait *w,
    struct buf *out);

/* Parse and run one line; a bad line gets an error answer. */
int ctl_handle_line(struct ar_dispatch *d, const struct ctl_info *info,
    const char *line, size_t len, int64_t now_ms, struct ctl_wait *w,
    struct buf *out);

/* Note a run's report; true once every run of w reported. */
bool ctl_wait_event(struct ctl_wait *w, const struct ar_event *ev);

/* The answer of a wait that ended (timed_out: no report in time). */
int ctl_wait_answer(const struct ctl_wait *w, bool timed_out, struct buf *out);

#endif
