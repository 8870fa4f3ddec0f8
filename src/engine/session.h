/*
 * Sessions by process: what one process of a program that serves one
 * client per process (an sshd connection, a dropbear child) said before.
 * Two things need it:
 *
 *   - a line that does not carry the client's address ("Disconnecting:
 *     Too many authentication failures [preauth]") gets the address of an
 *     earlier line of the same host, program and pid, and says so
 *     (srcip_from: session), when its decoder has an <attempt> (so a
 *     listener's own lines never take a client's address);
 *   - one authentication attempt that the program writes as several lines
 *     ("Invalid user x from A" then "Failed password for invalid user x
 *     from A") counts once: the decoder of each line says what the line
 *     is in an attempt (<attempt> start, end, summary or success) and the
 *     event gets session.attempt = new (or first), repeat or authenticated, which
 *     rules test with <field name="session.attempt">.
 *
 * Only events whose top-level decoder has <session>pid</session> and whose
 * header has a pid take part. The table is mutable analysis state (it
 * lives in struct corr, beside correlation), bounded by SESSION_MAX
 * entries, least recently used out first and counted; an entry idle for
 * SESSION_IDLE_MS is forgotten, and a line with another address starts a
 * new session (the pid was reused).
 */
#ifndef ARX_ENGINE_SESSION_H
#define ARX_ENGINE_SESSION_H

#include <stdint.h>

#include "core/lru.h"
#include "engine/event.h"

#define SESSION_MAX     65536
#define SESSION_IDLE_MS (10 * 60 * 1000)

/* What a line is in an authentication attempt (decoder <attempt>). */
enum session_step {
	SESSION_STEP_NONE = 0,
	SESSION_STEP_START, /* opens an attempt: "Invalid user", "not allowed" */
	SESSION_STEP_END,   /* ends one: "Failed password for" */
	SESSION_STEP_SUMMARY, /* sums up the connection: "Too many failures",
			       * "Connection closed by authenticating user" */
	SESSION_STEP_SUCCESS, /* "Accepted ..." */
	SESSION_STEP_OTHER,   /* part of the session (takes its address),
			       * not of an attempt: PAM's copy of one */
};

/* "start", "end", "summary", "success", "other" -> step; -1 if not. */
int session_step_parse(const char *name);

struct session_table {
	struct lru_map map;
	unsigned long filled; /* addresses given to lines from their session */
};

void session_table_init(struct session_table *t);
void session_table_release(struct session_table *t);

/*
 * Take ev (decoded) into its session: remember or fill its srcip, and set
 * session.attempt for a line with a step. 0 or ARX_ERR_NOMEM.
 */
int session_apply(struct session_table *t, struct event *ev, int64_t now_ms);

#endif
