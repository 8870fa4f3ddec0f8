/*
 * The manager's state that outlives a restart (remote_int.h): each
 * agent's last sequence number and events, the responses kept for
 * agents away, and the recent responses the feed reports; written whole
 * through core/statefile.h and read back line by line.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <malloc.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/remote.h"
#include "analysis/remote_int.h"
#include "analysis/shared.h"
#include "ar/arlog.h"
#include "core/addr.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "transport/chan.h"
#include "transport/keys.h"
#include "transport/priv.h"

/* ---- what outlives a restart (STATE_FILE) ----
 *
 *   seen <agent id> <last sequence number analysed> <events> <last
 *        seen, ms>
 *   pending <to> <agent> <command> <action> <address> <timeout s>
 *           <rule id> <made, ms> <alert id or ->
 *   sent <address> <until, ms>
 *
 * written whole (temporary file, rename) once a second when it changed
 * and at stop; a line that does not parse is reported and skipped.
 */

static int
state_put(const struct remote_srv *s, struct buf *b)
{
	int64_t now = clock_wall_ms(clock_real());
	unsigned n = s->nsent < SENT_MAX ? s->nsent : SENT_MAX;
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->nseen; i++)
		r = buf_printf(b,
		    "seen %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 "\n",
		    s->seen[i].id, s->seen[i].last_seq, s->seen[i].events,
		    s->seen[i].last_seen_ms);
	for (const struct pending *p = s->pending; r == 0 && p != NULL;
	     p = p->next)
		r = buf_printf(b,
		    "pending %u %s %s %s %s %" PRIu64 " %u %" PRId64 " %s\n",
		    p->to, p->agent, p->command, p->action, p->address,
		    p->timeout_s, p->rule_id, p->made_ms,
		    p->alert_id[0] != '\0' ? p->alert_id : "-");
	for (unsigned i = 0; r == 0 && i < n; i++)
		if (s->sent[i].until > now)
			r = buf_printf(b, "sent %s %" PRId64 "\n",
			    s->sent[i].addr, s->sent[i].until);
	return r;
}

void
rm_state_save(struct remote_srv *s)
{
	struct buf b;
	int r;

	buf_init(&b, (size_t)1 << 28);
	if ((r = state_put(s, &b)) == 0 &&
	    (r = statefile_replace(s->dirfd, STATE_FILE, b.data, b.len,
		 &(struct statefile_opts){
		     .mode = 0600, .sync = STATEFILE_FILE})) == 0)
		s->dirty = false;
	else
		log_warn("cannot save %s: %s", STATE_FILE,
		    r == ARX_ERR_SYS ? strerror(errno) : arx_strerror(r));
	buf_release(&b);
}

static bool
addr_ok(const char *text)
{
	struct arx_addr a;

	return addr_parse_str(text, &a) == 0;
}

/* A "pending" line's words (w[1..9]) into p; false if one is wrong. */
static bool
pending_parse(struct pending *p, char **w)
{
	uint64_t to, rule;

	if (str_to_uint(w[1], 1, 2, &to) != 0 ||
	    !str_copy_fits(p->agent, w[2], sizeof(p->agent)) ||
	    !str_copy_fits(p->command, w[3], sizeof(p->command)) ||
	    !str_copy_fits(p->action, w[4], sizeof(p->action)) ||
	    !str_copy_fits(p->address, w[5], sizeof(p->address)) ||
	    str_to_uint(w[6], 0, UINT64_MAX, &p->timeout_s) != 0 ||
	    str_to_uint(w[7], 0, UINT32_MAX, &rule) != 0 ||
	    str_to_int(w[8], INT64_MIN, INT64_MAX, &p->made_ms) != 0 ||
	    !str_copy_fits(p->alert_id, w[9], sizeof(p->alert_id)))
		return false;
	p->to = (unsigned)to;
	p->rule_id = (unsigned)rule;
	return keys_name_ok(p->agent) &&
	    str_is_name(p->command, strlen(p->command)) &&
	    (strcmp(p->action, "add") == 0 ||
		strcmp(p->action, "delete") == 0) &&
	    addr_ok(p->address);
}

static bool
state_pending(struct remote_srv *s, char **w)
{
	struct pending *p;

	if (s->npending >= MAX_PENDING || (p = calloc(1, sizeof(*p))) == NULL)
		return false;
	if (!pending_parse(p, w)) {
		free(p);
		return false;
	}
	if (strcmp(p->alert_id, "-") == 0)
		p->alert_id[0] = '\0';
	p->next = s->pending;
	s->pending = p;
	s->npending++;
	return true;
}

/* "seen ID SEQ EVENTS LAST": what an agent had sent. */
static bool
state_seen(struct remote_srv *s, char **w)
{
	uint64_t id, seq, events;
	struct seen *sn;
	int64_t last;

	if (str_to_uint(w[1], 0, UINT64_MAX, &id) != 0 ||
	    str_to_uint(w[2], 0, UINT64_MAX, &seq) != 0 ||
	    str_to_uint(w[3], 0, UINT64_MAX, &events) != 0 ||
	    str_to_int(w[4], INT64_MIN, INT64_MAX, &last) != 0 ||
	    (sn = rm_seen_of(s, id)) == NULL)
		return false;
	sn->last_seq = seq;
	sn->events = sn->events_mark = events;
	sn->last_seen_ms = last;
	return true;
}

/* "sent ADDRESS UNTIL": a response the feed reports. */
static bool
state_sent(struct remote_srv *s, char **w)
{
	struct sent *sent;
	int64_t until;

	if (strlen(w[1]) >= sizeof(sent->addr) || !addr_ok(w[1]) ||
	    str_to_int(w[2], INT64_MIN, INT64_MAX, &until) != 0)
		return false;
	sent = &s->sent[s->nsent++ % SENT_MAX];
	str_lcpy(sent->addr, w[1], sizeof(sent->addr));
	sent->until = until;
	return true;
}

/* One line of the state file, as state_save writes them. */
static bool
state_line(struct remote_srv *s, char *line)
{
	char *w[11];
	size_t n = str_words(line, w, 10);

	if (n == 5 && strcmp(w[0], "seen") == 0)
		return state_seen(s, w);
	if (n == 3 && strcmp(w[0], "sent") == 0)
		return state_sent(s, w);
	return n == 10 && strcmp(w[0], "pending") == 0 && state_pending(s, w);
}

struct restore {
	struct remote_srv *s;
	unsigned bad;
};

static int
restore_line(void *ctx, char *line, unsigned no)
{
	struct restore *rs = ctx;

	if (!state_line(rs->s, line) && rs->bad++ < 5)
		log_warn("%s:%u: damaged, skipped", STATE_FILE, no);
	return 0;
}

void
remote_restore(struct remote_srv *s)
{
	struct restore rs = {s, 0};
	unsigned too_long;
	int r;

	r = statefile_lines(
	    s->dirfd, STATE_FILE, STATE_LINE, restore_line, &rs, &too_long);
	if (r == ARX_ERR_NOTFOUND)
		return;
	if (r != 0)
		log_warn("%s: cannot read: %s", STATE_FILE, strerror(errno));
	if (too_long > 0)
		log_warn("%s: %u lines over %d bytes skipped", STATE_FILE,
		    too_long, STATE_LINE);
	log_info("%s: %zu agents' sequence numbers, %u responses kept for "
		 "agents away%s",
	    STATE_FILE, s->nseen, s->npending,
	    rs.bad + too_long ? " (damaged lines)" : "");
}
