/*
 * The privilege-boundary codec (priv.h): encoding the analysis child's
 * messages and checking every byte of them on the root side. Owns
 * nothing beyond the caller's buffers.
 */
#include <stddef.h>
#include <string.h>

#include "core/err.h"
#include "core/strparse.h"
#include "transport/priv.h"

/* ---- the messages' fields, in wire order: one table per message
 * type drives both the writer and the reader ---- */

enum pf_kind {
	PF_U32, /* uint32_t */
	PF_I32, /* int32_t, sent as its 32 bits */
	PF_U64, /* uint64_t */
	PF_STR, /* const char *: length, bytes, NUL; NULL sent as "" */
};

struct pfield {
	enum pf_kind kind;
	size_t off;       /* in the message's struct */
	uint32_t max;     /* PF_STR: longest */
	const char *what; /* the reader's complaint when it is wrong */
};

#define PF(kind, type, member, max, what)               \
	{                                               \
		kind, offsetof(type, member), max, what \
	}
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static const struct pfield trigger_fields[] = {
    PF(PF_U32, struct priv_trigger, rule_id, 0, "trigger: short rule id"),
    PF(PF_I32, struct priv_trigger, level, 0, "trigger: short level"),
    PF(PF_U32, struct priv_trigger, options, 0, "trigger: short options"),
    PF(PF_STR, struct priv_trigger, groups, PRIV_GROUPS_MAX,
	"trigger: bad groups"),
    PF(PF_STR, struct priv_trigger, srcip, PRIV_FIELD_MAX,
	"trigger: bad srcip"),
    PF(PF_STR, struct priv_trigger, user, PRIV_FIELD_MAX, "trigger: bad user"),
    PF(PF_STR, struct priv_trigger, location, PRIV_FIELD_MAX,
	"trigger: bad location"),
    PF(PF_STR, struct priv_trigger, alert_id, PRIV_FIELD_MAX,
	"trigger: bad alert id"),
    PF(PF_STR, struct priv_trigger, alert_json, PRIV_MSG_MAX,
	"trigger: bad alert"),
};

static const struct pfield response_fields[] = {
    PF(PF_U32, struct priv_response, target, 0, "response: short target"),
    PF(PF_STR, struct priv_response, agent, PRIV_FIELD_MAX,
	"response: bad agent"),
    PF(PF_STR, struct priv_response, command, PRIV_FIELD_MAX,
	"response: bad command"),
    PF(PF_STR, struct priv_response, action, PRIV_FIELD_MAX,
	"response: bad action"),
    PF(PF_STR, struct priv_response, address, PRIV_FIELD_MAX,
	"response: bad address"),
    PF(PF_U64, struct priv_response, timeout_s, 0, "response: short timeout"),
    PF(PF_U32, struct priv_response, rule_id, 0, "response: short rule id"),
    PF(PF_STR, struct priv_response, alert_id, PRIV_FIELD_MAX,
	"response: bad alert id"),
    PF(PF_U32, struct priv_response, offences, 0, "response: short offences"),
};

static const struct pfield offence_fields[] = {
    PF(PF_STR, struct priv_offence, command, PRIV_FIELD_MAX,
	"offence: bad command"),
    PF(PF_STR, struct priv_offence, address, PRIV_FIELD_MAX,
	"offence: bad address"),
    PF(PF_U32, struct priv_offence, count, 0, "offence: short count"),
    PF(PF_U64, struct priv_offence, last_ms, 0, "offence: short time"),
};

static const struct pfield stat_fields[] = {
    PF(PF_STR, struct priv_stat_row, name, COUNTER_NAME_MAX - 1,
	"stats: bad counter name"),
    PF(PF_STR, struct priv_stat_row, k1, COUNTER_KEY_MAX - 1,
	"stats: bad label"),
    PF(PF_STR, struct priv_stat_row, v1, COUNTER_VALUE_MAX - 1,
	"stats: bad label value"),
    PF(PF_STR, struct priv_stat_row, k2, COUNTER_KEY_MAX - 1,
	"stats: bad label"),
    PF(PF_STR, struct priv_stat_row, v2, COUNTER_VALUE_MAX - 1,
	"stats: bad label value"),
    PF(PF_U64, struct priv_stat_row, value, 0, "stats: short counter"),
};

static const struct pfield agent_fields[] = {
    PF(PF_U64, struct priv_agent, id, 0, "agents: short id"),
    PF(PF_STR, struct priv_agent, name, 64, "agents: bad name"),
    PF(PF_U32, struct priv_agent, state, 0, "agents: short state"),
    PF(PF_U64, struct priv_agent, last_seen_ms, 0, "agents: short time"),
    PF(PF_U64, struct priv_agent, events, 0, "agents: short count"),
    PF(PF_U32, struct priv_agent, eps, 0, "agents: short rate"),
    PF(PF_U32, struct priv_agent, blocks, 0, "agents: short blocks"),
    PF(PF_STR, struct priv_agent, group, 64, "agents: bad group"),
    PF(PF_U32, struct priv_agent, config, 0, "agents: short config state"),
};

static const struct pfield blocklist_fields[] = {
    PF(PF_U32, struct priv_blocklist, list, 0, "blocklist: short index"),
    PF(PF_STR, struct priv_blocklist, name, 64, "blocklist: bad name"),
    PF(PF_U32, struct priv_blocklist, flags, 0, "blocklist: short flags"),
    PF(PF_U32, struct priv_blocklist, count, 0, "blocklist: short count"),
};

/* ---- encoding ---- */

static int
put_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {
	    v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff};

	return buf_append(b, p, sizeof(p));
}

static int
put_u64(struct buf *b, uint64_t v)
{
	int r;

	if ((r = put_u32(b, (uint32_t)v)) != 0)
		return r;
	return put_u32(b, (uint32_t)(v >> 32));
}

static int
put_str(struct buf *b, const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;
	int r;

	if (len > max)
		return ARX_ERR_TOOBIG;
	if ((r = put_u32(b, (uint32_t)len)) != 0 ||
	    (r = buf_append(b, s != NULL ? s : "", len)) != 0)
		return r;
	return buf_append(b, "", 1);
}

/* The fields of obj, as its table says. */
static int
put_fields(struct buf *b, const void *obj, const struct pfield *f, size_t n)
{
	const char *base = obj;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		const void *p = base + f[i].off;

		switch (f[i].kind) {
		case PF_U32:
			r = put_u32(b, *(const uint32_t *)p);
			break;
		case PF_I32:
			r = put_u32(b, (uint32_t) * (const int32_t *)p);
			break;
		case PF_U64:
			r = put_u64(b, *(const uint64_t *)p);
			break;
		case PF_STR:
			r = put_str(b, *(const char *const *)p, f[i].max);
			break;
		}
	}
	return r;
}

static int
put_head(struct buf *out, enum priv_type type)
{
	int r;

	buf_reset(out);
	if ((r = put_u32(out, PRIV_VERSION)) != 0)
		return r;
	return put_u32(out, (uint32_t)type);
}

int
priv_put_ready(struct buf *out)
{
	return put_head(out, PRIV_READY);
}

int
priv_put_trigger(struct buf *out, const struct priv_trigger *t)
{
	int r;

	if ((r = put_head(out, PRIV_TRIGGER)) != 0 ||
	    (r = put_fields(out, t, trigger_fields, NFIELDS(trigger_fields))) !=
		0)
		return r;
	return out->len <= PRIV_MSG_MAX ? 0 : ARX_ERR_TOOBIG;
}

static int
put_rows(struct buf *out, enum priv_type type, const struct counters *stats)
{
	const struct counter *c;
	struct priv_stat_row row;
	int r;

	if ((r = put_head(out, type)) != 0 ||
	    (r = put_u32(out, (uint32_t)stats->n)) != 0)
		return r;
	for (size_t i = 0; r == 0 && i < stats->n; i++) {
		c = &stats->row[i];
		row = (struct priv_stat_row){c->name, c->label[0].key,
		    c->label[0].value, c->label[1].key, c->label[1].value,
		    c->value};
		r = put_fields(out, &row, stat_fields, NFIELDS(stat_fields));
	}
	if (r == 0 && out->len > PRIV_MSG_MAX)
		r = ARX_ERR_TOOBIG;
	return r;
}

int
priv_put_stats(struct buf *out, const struct counters *stats)
{
	return put_rows(out, PRIV_STATS, stats);
}

int
priv_put_root_stats(struct buf *out, const struct counters *stats)
{
	return put_rows(out, PRIV_ROOT_STATS, stats);
}

int
priv_put_response(struct buf *out, const struct priv_response *rs)
{
	int r;

	if ((r = put_head(out, PRIV_RESPONSE)) != 0)
		return r;
	return put_fields(out, rs, response_fields, NFIELDS(response_fields));
}

int
priv_put_offence(struct buf *out, const struct priv_offence *o)
{
	int r;

	if ((r = put_head(out, PRIV_OFFENCE)) != 0)
		return r;
	return put_fields(out, o, offence_fields, NFIELDS(offence_fields));
}

int
priv_put_agents_begin(struct buf *out)
{
	int r;

	if ((r = put_head(out, PRIV_AGENTS)) != 0)
		return r;
	return put_u32(out, 0);
}

int
priv_put_agent(struct buf *out, const struct priv_agent *a)
{
	return put_fields(out, a, agent_fields, NFIELDS(agent_fields));
}

void
priv_put_agents_end(struct buf *out, uint32_t n)
{
	unsigned char *p = (unsigned char *)out->data + 8;

	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(n >> (8 * i));
}

int
priv_put_blocklist_begin(struct buf *out, const struct priv_blocklist *h)
{
	struct priv_blocklist z = *h;
	int r;

	z.count = 0;
	if ((r = put_head(out, PRIV_BLOCKLIST)) != 0)
		return r;
	return put_fields(out, &z, blocklist_fields, NFIELDS(blocklist_fields));
}

int
priv_put_blocklist_entry(struct buf *out, const char *entry)
{
	return put_str(out, entry, PRIV_BL_ENTRY_MAX);
}

/* The count is the head's last field: 8 bytes of header, the index,
 * the name (length, bytes, NUL), the flags. */
void
priv_put_blocklist_end(struct buf *out, uint32_t n)
{
	unsigned char *p = (unsigned char *)out->data + 12;
	size_t namelen = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
	    (size_t)p[3] << 24;

	p += 4 + namelen + 1 + 4;
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(n >> (8 * i));
}

/* ---- decoding: every read is bounds-checked; the first failure
 * sticks and names what was wrong ---- */

struct rd {
	const unsigned char *p;
	size_t len, off;
	const char *why;
};

static uint32_t
get_u32(struct rd *r, const char *what)
{
	const unsigned char *p = r->p + r->off;

	if (r->why != NULL)
		return 0;
	if (r->len - r->off < 4) {
		r->why = what;
		return 0;
	}
	r->off += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(struct rd *r, const char *what)
{
	uint64_t lo = get_u32(r, what);

	return lo | (uint64_t)get_u32(r, what) << 32;
}

/* A string of at most max bytes, NUL-terminated, with no other NUL. */
static const char *
get_str(struct rd *r, size_t max, const char *what)
{
	uint32_t len = get_u32(r, what);
	const char *s = (const char *)r->p + r->off;

	if (r->why != NULL)
		return NULL;
	if (len > max || r->len - r->off < (size_t)len + 1 || s[len] != '\0' ||
	    memchr(s, '\0', len) != NULL) {
		r->why = what;
		return NULL;
	}
	r->off += (size_t)len + 1;
	return s;
}

/* The fields of obj, as its table says; the first that is wrong stops
 * the rest (r->why). */
static void
get_fields(struct rd *r, void *obj, const struct pfield *f, size_t n)
{
	char *base = obj;

	for (size_t i = 0; r->why == NULL && i < n; i++) {
		void *p = base + f[i].off;

		switch (f[i].kind) {
		case PF_U32:
			*(uint32_t *)p = get_u32(r, f[i].what);
			break;
		case PF_I32:
			*(int32_t *)p = (int32_t)get_u32(r, f[i].what);
			break;
		case PF_U64:
			*(uint64_t *)p = get_u64(r, f[i].what);
			break;
		case PF_STR:
			*(const char **)p = get_str(r, f[i].max, f[i].what);
			break;
		}
	}
}

static void
get_trigger(struct rd *r, struct priv_trigger *t)
{
	get_fields(r, t, trigger_fields, NFIELDS(trigger_fields));
	if (r->why != NULL)
		return;
	if (t->level < 0 || t->level > 16)
		r->why = "trigger: level outside 0-16";
	else if (t->rule_id == 0 || t->rule_id > 99999999)
		r->why = "trigger: rule id outside 1-99999999";
	else if ((t->options & ~0x02u) != 0)
		r->why = "trigger: unknown options";
}

static void
get_response(struct rd *r, struct priv_response *rs)
{
	get_fields(r, rs, response_fields, NFIELDS(response_fields));
	if (r->why != NULL)
		return;
	if (rs->target > PRIV_ALL_AGENTS)
		r->why = "response: unknown target";
	else if (strcmp(rs->action, "add") != 0 &&
	    strcmp(rs->action, "delete") != 0)
		r->why = "response: action is not add or delete";
	else if (!str_is_name(rs->command, strlen(rs->command)))
		r->why = "response: command is not a plain name";
	else if (rs->timeout_s > 10u * 365 * 86400)
		r->why = "response: timeout over ten years";
}

static void
get_offence(struct rd *r, struct priv_msg *m)
{
	struct priv_offence *o = &m->offence;

	get_fields(r, o, offence_fields, NFIELDS(offence_fields));
	if (r->why != NULL)
		return;
	if (!str_is_name(o->command, strlen(o->command)))
		r->why = "offence: command is not a plain name";
	else if (o->count == 0 || o->count > PRIV_OFFENCES_MAX)
		r->why = "offence: count outside 1-1000";
	else if (o->address[0] == '\0')
		r->why = "offence: no address";
}

static bool
name_ok(const char *s)
{
	return s[0] != '\0' &&
	    strspn(s,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
		"yz0123456789._-") == strlen(s);
}

static void
get_agent(struct rd *r, struct priv_agent *a)
{
	get_fields(r, a, agent_fields, NFIELDS(agent_fields));
	if (r->why != NULL)
		return;
	if (a->state > PRIV_AGENT_DISCONNECTED)
		r->why = "agents: unknown state";
	else if (a->config > PRIV_CONFIG_REFUSED)
		r->why = "agents: unknown config state";
	else if (!name_ok(a->name))
		r->why = "agents: bad name";
	else if (!name_ok(a->group))
		r->why = "agents: bad group";
}

static uint32_t
get_agents(struct rd *r)
{
	struct priv_agent a;
	uint32_t n = get_u32(r, "agents: short count");

	if (r->why == NULL && n > PRIV_AGENTS_MAX)
		r->why = "agents: too many";
	for (uint32_t i = 0; i < n && r->why == NULL; i++)
		get_agent(r, &a);
	return n;
}

void
priv_agents_each(const void *msg, size_t len,
    void (*fn)(const struct priv_agent *a, void *ctx), void *ctx)
{
	struct rd r = {.p = msg, .len = len, .off = 8};
	struct priv_agent a;
	uint32_t n = get_u32(&r, "count");

	for (uint32_t i = 0; i < n && r.why == NULL; i++) {
		get_agent(&r, &a);
		if (r.why == NULL)
			fn(&a, ctx);
	}
}

/* An entry's text: what an address or a network is written with. */
static const char *
get_bl_entry(struct rd *r)
{
	const char *e = get_str(r, PRIV_BL_ENTRY_MAX, "blocklist: bad entry");

	if (e != NULL &&
	    (e[0] == '\0' ||
		strspn(e, "0123456789abcdefABCDEF.:/") != strlen(e))) {
		r->why = "blocklist: an entry is not an address";
		return NULL;
	}
	return e;
}

static void
get_blocklist_msg(struct rd *r, struct priv_msg *m)
{
	struct priv_blocklist *h = &m->blocklist;

	get_fields(r, h, blocklist_fields, NFIELDS(blocklist_fields));
	if (r->why != NULL)
		return;
	if (h->count > PRIV_BL_CHUNK)
		r->why = "blocklist: too many entries in one part";
	else if ((h->flags & ~(PRIV_BL_FIRST | PRIV_BL_LAST)) != 0)
		r->why = "blocklist: unknown flags";
	else if (!name_ok(h->name))
		r->why = "blocklist: bad name";
	for (uint32_t i = 0; i < h->count && r->why == NULL; i++)
		(void)get_bl_entry(r);
}

void
priv_blocklist_each(const void *msg, size_t len,
    void (*fn)(const char *entry, void *ctx), void *ctx)
{
	struct rd r = {.p = msg, .len = len, .off = 8};
	struct priv_blocklist h;
	const char *e;

	get_fields(&r, &h, blocklist_fields, NFIELDS(blocklist_fields));
	for (uint32_t i = 0; i < h.count && r.why == NULL; i++)
		if ((e = get_bl_entry(&r)) != NULL)
			fn(e, ctx);
}

/* The wire's strings fit the row's arrays: get_str checked them. */
static void
get_stat(struct rd *r, struct counters *stats)
{
	struct priv_stat_row w;
	struct counter row;

	get_fields(r, &w, stat_fields, NFIELDS(stat_fields));
	if (r->why != NULL)
		return;
	memset(&row, 0, sizeof(row));
	memcpy(row.name, w.name, strlen(w.name) + 1);
	memcpy(row.label[0].key, w.k1, strlen(w.k1) + 1);
	memcpy(row.label[0].value, w.v1, strlen(w.v1) + 1);
	memcpy(row.label[1].key, w.k2, strlen(w.k2) + 1);
	memcpy(row.label[1].value, w.v2, strlen(w.v2) + 1);
	row.value = w.value;
	if (!counters_row_ok(&row))
		r->why = "stats: bad counter name or label";
	else if (counters_find_row(stats, &row) != NULL)
		r->why = "stats: a counter named twice";
	else if (counters_add_row(stats, &row) != 0)
		r->why = "stats: a family both with and without labels";
}

static void
get_stats(struct rd *r, struct priv_msg *m)
{
	uint32_t n = get_u32(r, "stats: short count");

	if (r->why == NULL && n > COUNTERS_MAX)
		r->why = "stats: too many counters";
	for (uint32_t i = 0; i < n && r->why == NULL; i++)
		get_stat(r, &m->stats);
}

static void
get_ready(struct rd *r, struct priv_msg *m)
{
	(void)r, (void)m;
}

static void
get_trigger_msg(struct rd *r, struct priv_msg *m)
{
	get_trigger(r, &m->trigger);
}

static void
get_response_msg(struct rd *r, struct priv_msg *m)
{
	get_response(r, &m->response);
}

static void
get_agents_msg(struct rd *r, struct priv_msg *m)
{
	m->nagents = get_agents(r);
}

/* The reader of each message type. */
static void (*const readers[PRIV_NTYPES])(struct rd *, struct priv_msg *) = {
    [PRIV_READY] = get_ready,
    [PRIV_TRIGGER] = get_trigger_msg,
    [PRIV_STATS] = get_stats,
    [PRIV_RESPONSE] = get_response_msg,
    [PRIV_AGENTS] = get_agents_msg,
    [PRIV_BLOCKLIST] = get_blocklist_msg,
    [PRIV_ROOT_STATS] = get_stats,
    [PRIV_OFFENCE] = get_offence,
};

int
priv_parse(const void *msg, size_t len, struct priv_msg *out, const char **why)
{
	struct rd r = {.p = msg, .len = len};
	uint32_t type;

	/* the counters, last and large, are only emptied */
	memset(out, 0, offsetof(struct priv_msg, stats));
	counters_clear(&out->stats);
	*why = NULL;
	if (len > PRIV_MSG_MAX)
		r.why = "message too long";
	else if (get_u32(&r, "short header") != PRIV_VERSION && r.why == NULL)
		r.why = "unknown version";
	type = get_u32(&r, "short header");
	if (r.why == NULL && (type >= PRIV_NTYPES || readers[type] == NULL))
		r.why = "unknown message type";
	else if (r.why == NULL)
		readers[type](&r, out);
	if (r.why == NULL && r.off != r.len)
		r.why = "trailing bytes";
	if (r.why != NULL) {
		*why = r.why;
		return ARX_ERR_INVAL;
	}
	out->type = (enum priv_type)type;
	return 0;
}
