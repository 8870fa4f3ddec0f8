/*
 * Implementation of wire.h. Two tables drive it: the kind and largest
 * length of each tag, and the tags each type requires. Parsing reads the
 * header, then the fields in one pass; writing checks the message with
 * the same tables before it appends anything, so what wire_put() writes
 * always parses.
 */
#include <string.h>

#include "core/err.h"
#include "transport/wire.h"

#define KIB 1024u

static const struct {
	const char *name;
	enum wire_kind kind;
	uint32_t max; /* longest value (strings and bytes) */
} tags[WT_NTAGS] = {
    [WT_AGENT_ID] = {"agent_id", WK_U64, 8},
    [WT_NAME] = {"name", WK_STRING, 255},
    [WT_VERSION] = {"version", WK_STRING, 64},
    [WT_CONFIG_HASH] = {"config_hash", WK_STRING, 128},
    [WT_LOCATION] = {"location", WK_STRING, 4 * KIB},
    [WT_TIME_MS] = {"time_ms", WK_U64, 8},
    [WT_LINE] = {"line", WK_BYTES, 64 * KIB},
    [WT_ACK_SEQ] = {"ack_seq", WK_U64, 8},
    [WT_INTERVAL_S] = {"interval_s", WK_U64, 8},
    [WT_RESPONSE_ID] = {"response_id", WK_U64, 8},
    [WT_ACTION] = {"action", WK_STRING, 16},
    [WT_COMMAND] = {"command", WK_STRING, 128},
    [WT_ADDRESS] = {"address", WK_STRING, 64},
    [WT_TIMEOUT_S] = {"timeout_s", WK_U64, 8},
    [WT_RULE_ID] = {"rule_id", WK_U64, 8},
    [WT_ALERT_ID] = {"alert_id", WK_STRING, 64},
    [WT_STATUS] = {"status", WK_STRING, 32},
    [WT_MESSAGE] = {"message", WK_STRING, 4 * KIB},
    [WT_GROUP] = {"group", WK_STRING, 255},
    [WT_FILE] = {"file", WK_BYTES, 1024 * KIB},
    [WT_KEY] = {"key", WK_BYTES, 32},
    [WT_FROM] = {"from", WK_STRING, 64},
};

#define T(x) (1u << (x))

static const struct {
	const char *name;
	uint32_t required; /* bit per tag */
} types[WIRE_NTYPES] = {
    [WIRE_HELLO] = {"hello", T(WT_AGENT_ID) | T(WT_NAME) | T(WT_VERSION)},
    [WIRE_WELCOME] = {"welcome", T(WT_NAME) | T(WT_INTERVAL_S)},
    [WIRE_EVENT] = {"event", T(WT_LOCATION) | T(WT_TIME_MS) | T(WT_LINE)},
    [WIRE_ACK] = {"ack", T(WT_ACK_SEQ)},
    [WIRE_KEEPALIVE] = {"keepalive", 0},
    [WIRE_RESPONSE] = {"response",
	T(WT_RESPONSE_ID) | T(WT_ACTION) | T(WT_COMMAND) | T(WT_ADDRESS) |
	    T(WT_TIMEOUT_S)},
    [WIRE_RESULT] = {"result", T(WT_RESPONSE_ID) | T(WT_STATUS)},
    [WIRE_CONFIG] = {"config", T(WT_GROUP) | T(WT_CONFIG_HASH) | T(WT_FILE)},
    [WIRE_CONFIG_RESULT] = {"config_result", T(WT_CONFIG_HASH) | T(WT_STATUS)},
    [WIRE_BYE] = {"bye", 0},
    [WIRE_ENROLL] = {"enroll", T(WT_NAME)},
    [WIRE_ENROLLED] = {"enrolled", T(WT_AGENT_ID) | T(WT_NAME) | T(WT_KEY)},
};

const char *
wire_type_name(unsigned type)
{
	return type > 0 && type < WIRE_NTYPES ? types[type].name : "?";
}

const char *
wire_tag_name(unsigned tag)
{
	return tag > 0 && tag < WT_NTAGS ? tags[tag].name : "?";
}

/* ---- big-endian integers ---- */

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static int
append_be(struct buf *out, uint64_t v, int n)
{
	unsigned char b[8];

	put_be(b, v, n);
	return buf_append(out, b, (size_t)n);
}

/* ---- parsing ---- */

int
wire_frame_len(const void *p, size_t avail, size_t *total, const char **why)
{
	uint64_t len;

	if (avail < 4)
		return ARX_ERR_AGAIN;
	len = get_be(p, 4);
	if (len < WIRE_HEADER - 4 || len > WIRE_FRAME_MAX) {
		*why = "frame length out of range";
		return ARX_ERR_INVAL;
	}
	*total = (size_t)len + 4;
	return 0;
}

/* One field's value, checked against its tag's kind and bound. */
static const char *
field_read(struct wire_field *f, unsigned tag, const char *v, uint32_t len)
{
	if (f->set)
		return "a field appears twice";
	if (len > tags[tag].max)
		return "a field is too long";
	if (tags[tag].kind == WK_U64) {
		if (len != 8)
			return "a number field is not 8 bytes";
		f->u = get_be((const unsigned char *)v, 8);
	} else if (tags[tag].kind == WK_STRING && memchr(v, '\0', len)) {
		return "a string field holds a NUL byte";
	}
	f->set = true;
	f->p = v;
	f->len = len;
	return NULL;
}

static const char *
fields_read(struct wire_msg *m, const unsigned char *p, size_t len)
{
	size_t i = 0;
	unsigned tag;
	uint32_t flen;
	const char *why;

	while (i < len) {
		if (len - i < 6)
			return "a field header is cut short";
		tag = (unsigned)get_be(p + i, 2);
		flen = (uint32_t)get_be(p + i + 2, 4);
		i += 6;
		if (flen > len - i)
			return "a field is cut short";
		if (tag == 0)
			return "field tag 0";
		if (tag < WT_NTAGS &&
		    (why = field_read(
			 &m->f[tag], tag, (const char *)p + i, flen)) != NULL)
			return why;
		i += flen;
	}
	return NULL;
}

static const char *
required_check(const struct wire_msg *m)
{
	uint32_t need = types[m->type].required;

	for (unsigned t = 1; t < WT_NTAGS; t++)
		if ((need & T(t)) && !m->f[t].set)
			return "a required field is missing";
	return NULL;
}

int
wire_parse(const void *frame, size_t len, struct wire_msg *m, const char **why)
{
	const unsigned char *p = frame;
	size_t total;

	memset(m, 0, sizeof(*m));
	*why = NULL;
	if (wire_frame_len(p, len, &total, why) == ARX_ERR_AGAIN)
		*why = "frame shorter than its header";
	else if (*why == NULL && total != len)
		*why = "frame length does not match";
	else if (*why == NULL && p[4] != WIRE_VERSION)
		*why = "unknown version";
	else if (*why == NULL && (p[5] == 0 || p[5] >= WIRE_NTYPES))
		*why = "unknown message type";
	else if (*why == NULL && get_be(p + 6, 2) != 0)
		*why = "unknown flags";
	if (*why != NULL)
		return ARX_ERR_INVAL;
	m->type = p[5];
	m->seq = get_be(p + 8, 8);
	if (m->seq == 0)
		*why = "sequence number 0";
	else if ((*why = fields_read(m, p + WIRE_HEADER, len - WIRE_HEADER)) ==
	    NULL)
		*why = required_check(m);
	return *why == NULL ? 0 : ARX_ERR_INVAL;
}

/* ---- writing ---- */

void
wire_msg_init(struct wire_msg *m, enum wire_type type, uint64_t seq)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)type;
	m->seq = seq;
}

void
wire_set_bytes(struct wire_msg *m, enum wire_tag tag, const void *p, size_t len)
{
	m->f[tag] = (struct wire_field){true, p, len, 0};
}

void
wire_set_str(struct wire_msg *m, enum wire_tag tag, const char *s)
{
	wire_set_bytes(m, tag, s, strlen(s));
}

void
wire_set_u64(struct wire_msg *m, enum wire_tag tag, uint64_t v)
{
	m->f[tag] = (struct wire_field){true, NULL, 8, v};
}

/* Whether m would parse: the same rules, before anything is written. */
static bool
msg_ok(const struct wire_msg *m, size_t *body)
{
	const struct wire_field *f;

	*body = 0;
	if (m->type == 0 || m->type >= WIRE_NTYPES || m->seq == 0 ||
	    m->flags != 0 || required_check(m) != NULL)
		return false;
	for (unsigned t = 1; t < WT_NTAGS; t++) {
		f = &m->f[t];
		if (!f->set)
			continue;
		if (f->len > tags[t].max ||
		    (tags[t].kind == WK_U64 && f->len != 8) ||
		    (tags[t].kind == WK_STRING && memchr(f->p, '\0', f->len)))
			return false;
		*body += 6 + f->len;
	}
	return WIRE_HEADER - 4 + *body <= WIRE_FRAME_MAX;
}

int
wire_put(struct buf *out, const struct wire_msg *m)
{
	size_t body, start = out->len;
	int r;

	if (!msg_ok(m, &body))
		return ARX_ERR_INVAL;
	r = append_be(out, WIRE_HEADER - 4 + body, 4);
	if (r == 0)
		r = append_be(out, (uint64_t)WIRE_VERSION << 8 | m->type, 2);
	if (r == 0)
		r = append_be(out, m->flags, 2);
	if (r == 0)
		r = append_be(out, m->seq, 8);
	for (unsigned t = 1; r == 0 && t < WT_NTAGS; t++) {
		const struct wire_field *f = &m->f[t];

		if (!f->set)
			continue;
		if ((r = append_be(out, t, 2)) == 0 &&
		    (r = append_be(out, f->len, 4)) == 0)
			r = tags[t].kind == WK_U64
			    ? append_be(out, f->u, 8)
			    : buf_append(out, f->p, f->len);
	}
	if (r != 0)
		buf_truncate(out, start);
	return r;
}
