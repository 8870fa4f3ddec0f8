/*
 * Implementation of session.h. An entry is keyed by the event's location,
 * host name, program name and pid, and holds the client's address and the
 * state of the attempt in progress:
 *
 *   start    repeat if an attempt opened by another kind of line is
 *            open, else new; opens one
 *   end      repeat if an attempt is open (and closes it), else new
 *   summary  repeat if the session counted an attempt, else new ("first"
 *            when it is the session's first line: nothing is known of
 *            what came before); without an address it counts nothing
 *   success  marks the session authenticated
 *   other    nothing (the line only takes the session's address)
 *
 * A line with a step after a success is "authenticated" (a client that
 * logged in and then disconnected is no attack).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "engine/decoder.h"
#include "engine/session.h"

#define SESSION_KEY_PART 256
#define SESSION_ADDR_MAX 64

struct session {
	char addr[SESSION_ADDR_MAX];
	unsigned counted;      /* attempts counted as new */
	unsigned long lines;   /* lines of the session before this one */
	const void *opened_by; /* the decoder that opened the attempt */
	bool open, authenticated;
};

int
session_step_parse(const char *name)
{
	static const char *const names[] = {
	    [SESSION_STEP_START] = "start",
	    [SESSION_STEP_END] = "end",
	    [SESSION_STEP_SUMMARY] = "summary",
	    [SESSION_STEP_SUCCESS] = "success",
	    [SESSION_STEP_OTHER] = "other",
	};
	size_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

void
session_table_init(struct session_table *t)
{
	memset(t, 0, sizeof(*t));
	lru_init(&t->map, SESSION_MAX, free);
}

void
session_table_release(struct session_table *t)
{
	lru_release(&t->map);
	session_table_init(t);
}

/* Append a key part (cut at SESSION_KEY_PART) and a NUL. */
static size_t
key_part(char *key, size_t n, const char *p, size_t len)
{
	if (len > SESSION_KEY_PART)
		len = SESSION_KEY_PART;
	if (p != NULL)
		memcpy(key + n, p, len);
	key[n + len] = '\0';
	return n + len + 1;
}

/* The session of ev, new or reset when idle too long; NULL: no memory. */
static struct session *
session_find(struct session_table *t, const struct event *ev, int64_t now)
{
	char key[4 * (SESSION_KEY_PART + 1)];
	const char *loc = ev->location ? ev->location : "";
	struct lru_node *x;
	bool added;
	size_t n;

	n = key_part(key, 0, loc, strlen(loc));
	n = key_part(key, n, ev->hostname.p, ev->hostname.len);
	n = key_part(key, n, ev->program_name.p, ev->program_name.len);
	n = key_part(key, n, ev->pid.p, ev->pid.len);
	/* sessions idle too long are forgotten, oldest first */
	while (
	    t->map.oldest != NULL && now - t->map.oldest->t > SESSION_IDLE_MS)
		lru_remove(&t->map, t->map.oldest);
	if ((x = lru_get_or_put(&t->map, key, n, &added)) == NULL)
		return NULL;
	if (added) {
		if ((x->val = calloc(1, sizeof(struct session))) == NULL) {
			lru_remove(&t->map, x);
			return NULL;
		}
	}
	x->t = now;
	return x->val;
}

/* Remember ev's address, or give it the session's (fill: the line is
 * part of a session). */
static int
session_addr(
    struct session_table *t, struct session *s, struct event *ev, bool fill)
{
	struct span ip = ev->fields[EF_SRCIP];
	char *copy;

	if (span_is_set(ip) && ip.len > 0) {
		if (ip.len >= sizeof(s->addr))
			return 0;
		/* another client under the same pid: the pid was reused */
		if (s->addr[0] != '\0' &&
		    (strlen(s->addr) != ip.len ||
			memcmp(s->addr, ip.p, ip.len) != 0))
			memset(s, 0, sizeof(*s));
		memcpy(s->addr, ip.p, ip.len);
		s->addr[ip.len] = '\0';
		return 0;
	}
	if (!fill || s->addr[0] == '\0')
		return 0;
	if ((copy = arena_strdup(&ev->arena, s->addr)) == NULL)
		return ARX_ERR_NOMEM;
	ev->fields[EF_SRCIP] = (struct span){copy, strlen(copy)};
	t->filled++;
	return event_set_dyn(ev, "srcip_from", (struct span){"session", 7});
}

/* A line that opens an attempt: the same attempt when another kind of
 * line opened it ("input_userauth_request" after "Invalid user"), a new
 * one when the same kind did (the attempt before never ended). */
static bool
session_start(struct session *s, const struct decoder *d)
{
	bool repeat = s->open && s->opened_by != d;

	s->open = true;
	s->opened_by = d;
	return repeat;
}

/* session.attempt for a line of decoder d, and the session's new state.
 * A summary without an address counts nothing (the line after it that
 * names the client does); "first" is a summary that opens its session. */
static const char *
session_step(struct session *s, const struct decoder *d, bool addr)
{
	bool repeat = false;

	if (d->step == SESSION_STEP_OTHER)
		return NULL;
	if (d->step == SESSION_STEP_SUCCESS) {
		s->authenticated = true;
		s->open = false;
		return NULL;
	}
	if (s->authenticated)
		return "authenticated";
	if (d->step == SESSION_STEP_START)
		repeat = session_start(s, d);
	else if (d->step == SESSION_STEP_END) {
		repeat = s->open;
		s->open = false;
	} else {
		repeat = s->counted > 0;
		if (!repeat && !addr)
			return "new";
	}
	if (repeat)
		return "repeat";
	s->counted++;
	return d->step == SESSION_STEP_SUMMARY && s->lines == 0 ? "first"
								: "new";
}

int
session_apply(struct session_table *t, struct event *ev, int64_t now_ms)
{
	const struct decoder *top = ev->parent, *d = ev->decoder;
	struct session *s;
	const char *att;
	int r;

	if (top == NULL || !top->session || !span_is_set(ev->pid) || d == NULL)
		return 0;
	/* a line that neither takes part nor names a client: nothing to do */
	if (d->step == SESSION_STEP_NONE && !span_is_set(ev->fields[EF_SRCIP]))
		return 0;
	if ((s = session_find(t, ev, now_ms)) == NULL)
		return ARX_ERR_NOMEM;
	r = session_addr(t, s, ev, d->step != SESSION_STEP_NONE);
	if (r == 0 && d->step != SESSION_STEP_NONE &&
	    (att = session_step(s, d, span_is_set(ev->fields[EF_SRCIP]))) !=
		NULL)
		r = event_set_dyn(
		    ev, "session.attempt", (struct span){att, strlen(att)});
	s->lines++;
	return r;
}
