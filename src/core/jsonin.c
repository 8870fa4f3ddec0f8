/*
 * Implementation of jsonin.h: a small recursive-descent parser, bounded
 * by JSON_MAX_DEPTH, that walks the text once and hands each leaf to
 * the caller under its dotted name; and json_doc, which keeps them.
 */
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/jsonin.h"
#include "core/jsonout.h"

struct jp {
	json_leaf_fn *fn;
	void *ctx;
	const char *s;
	size_t len, i;
	enum json_null_mode null_mode;
	bool csv;
	struct buf name; /* dotted path of the value being parsed */
	int depth;
};

static int jp_value(struct jp *p);

static void
jp_ws(struct jp *p)
{
	while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]) != NULL &&
	    p->s[p->i] != '\0')
		p->i++;
}

static int
jp_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		char c = s[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void
put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80)
		u[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)),
		n = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xe0 | cp >> 12),
		u[1] = (char)(0x80 | ((cp >> 6) & 63)),
		u[2] = (char)(0x80 | (cp & 63)), n = 3;
	else
		u[0] = (char)(0xf0 | cp >> 18),
		u[1] = (char)(0x80 | ((cp >> 12) & 63)),
		u[2] = (char)(0x80 | ((cp >> 6) & 63)),
		u[3] = (char)(0x80 | (cp & 63)), n = 4;
	(void)buf_append(b, u, n);
}

/* One escape after the backslash at p->i; appends the character. */
static int
jp_escape(struct jp *p, struct buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	unsigned cp, lo;

	if (p->i >= p->len)
		return ARX_ERR_INVAL;
	if ((k = strchr(from, p->s[p->i])) != NULL && *k != '\0') {
		p->i++;
		return buf_putc(out, to[k - from]);
	}
	if (p->s[p->i] != 'u' || p->len - p->i < 5 ||
	    jp_hex4(p->s + p->i + 1, &cp) != 0)
		return ARX_ERR_INVAL;
	p->i += 5;
	if (cp >= 0xd800 && cp < 0xdc00 && p->len - p->i >= 6 &&
	    p->s[p->i] == '\\' && p->s[p->i + 1] == 'u' &&
	    jp_hex4(p->s + p->i + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p->i += 6;
	}
	put_utf8(out, cp);
	return 0;
}

/* A string at p->i (on the quote); its unescaped text into out. */
static int
jp_string(struct jp *p, struct buf *out)
{
	int r;

	p->i++;
	while (p->i < p->len && p->s[p->i] != '"') {
		if (p->s[p->i] == '\\') {
			p->i++;
			if ((r = jp_escape(p, out)) != 0)
				return r;
			continue;
		}
		if ((r = buf_putc(out, p->s[p->i++])) != 0)
			return r;
	}
	if (p->i >= p->len)
		return ARX_ERR_INVAL;
	p->i++;
	return 0;
}

/* Hand the current path and value over. */
static int
jp_leaf(struct jp *p, const char *v, size_t len)
{
	struct buf val;
	int r;

	if (buf_putc(&p->name, '\0') != 0)
		return ARX_ERR_NOMEM;
	p->name.len--;
	if (v < p->s || v >= p->s + p->len) /* unescaped: ends in a NUL */
		return p->fn(p->ctx, p->name.data, p->name.len, v, len);
	buf_init(&val, JSON_MAX_VALUE + 1);
	r = buf_append(&val, v, len);
	if (r == 0)
		r = p->fn(
		    p->ctx, p->name.data, p->name.len, buf_cstr(&val), len);
	buf_release(&val);
	return r;
}

/* Scalar literal (number, true, false, null) at p->i: its span. */
static int
jp_literal(struct jp *p, size_t *start, size_t *len)
{
	*start = p->i;
	while (p->i < p->len && strchr(",}] \t\r\n", p->s[p->i]) == NULL)
		p->i++;
	*len = p->i - *start;
	return *len == 0 ? ARX_ERR_INVAL : 0;
}

static int
jp_scalar(struct jp *p)
{
	struct buf tmp;
	size_t start, len;
	int r;

	if (p->s[p->i] == '"') {
		buf_init(&tmp, JSON_MAX_VALUE);
		if ((r = jp_string(p, &tmp)) == 0)
			r = jp_leaf(p, buf_cstr(&tmp), tmp.len);
		buf_release(&tmp);
		return r;
	}
	if ((r = jp_literal(p, &start, &len)) != 0)
		return r;
	if (len == 4 && memcmp(p->s + start, "null", 4) == 0) {
		if (p->null_mode == JSON_NULL_DISCARD)
			return 0;
		if (p->null_mode == JSON_NULL_EMPTY)
			return jp_leaf(p, "", 0);
	}
	return jp_leaf(p, p->s + start, len);
}

static void
jp_tabs(struct buf *out, int n)
{
	while (n-- > 0)
		buf_putc(out, '\t');
}

/*
 * Re-print the value at p->i the way Wazuh stores a JSON array in a field
 * (cJSON's formatted printer): objects on separate lines indented with
 * tabs, "key":<tab>value, array items separated by ", ". Rules written for
 * Wazuh match that text (e.g. "granted":\strue).
 */
static int
jp_format(struct jp *p, int depth, struct buf *out)
{
	struct buf tmp;
	size_t s, len;
	bool first = true;
	char open, close;
	int r = 0;

	jp_ws(p);
	if (p->i >= p->len || depth > JSON_MAX_DEPTH)
		return ARX_ERR_INVAL;
	if (p->s[p->i] == '"') {
		buf_init(&tmp, JSON_MAX_VALUE);
		if ((r = jp_string(p, &tmp)) == 0)
			r = json_put_string(out, buf_cstr(&tmp), tmp.len);
		buf_release(&tmp);
		return r;
	}
	if (p->s[p->i] != '[' && p->s[p->i] != '{') {
		if ((r = jp_literal(p, &s, &len)) == 0)
			r = buf_append(out, p->s + s, len);
		return r;
	}
	open = p->s[p->i++];
	close = open == '[' ? ']' : '}';
	buf_putc(out, open);
	if (open == '{')
		buf_putc(out, '\n');
	for (;;) {
		jp_ws(p);
		if (p->i < p->len && p->s[p->i] == close) {
			p->i++;
			break;
		}
		if (!first) {
			if (p->i >= p->len || p->s[p->i++] != ',')
				return ARX_ERR_INVAL;
			buf_puts(out, open == '[' ? ", " : ",\n");
		}
		first = false;
		if (open == '{') {
			jp_tabs(out, depth + 1);
			jp_ws(p);
			if (p->i >= p->len || p->s[p->i] != '"' ||
			    (r = jp_format(p, depth + 1, out)) != 0)
				return r ? r : ARX_ERR_INVAL;
			jp_ws(p);
			if (p->i >= p->len || p->s[p->i++] != ':')
				return ARX_ERR_INVAL;
			buf_puts(out, ":\t");
		}
		if ((r = jp_format(p, depth + 1, out)) != 0)
			return r;
	}
	if (open == '{') {
		if (!first)
			buf_putc(out, '\n');
		jp_tabs(out, depth);
	}
	return buf_putc(out, close);
}

/* An array: its text, or its scalar items joined with commas (csv). */
static int
jp_array(struct jp *p)
{
	size_t s, len;
	struct buf csv, item;
	int r;

	if (!p->csv) {
		buf_init(&csv, JSON_MAX_VALUE);
		if ((r = jp_format(p, 0, &csv)) == 0)
			r = jp_leaf(p, buf_cstr(&csv), csv.len);
		buf_release(&csv);
		return r;
	}
	buf_init(&csv, JSON_MAX_VALUE);
	buf_init(&item, JSON_MAX_VALUE);
	p->i++;
	for (r = 0; r == 0;) {
		jp_ws(p);
		if (p->i < p->len && p->s[p->i] == ']') {
			p->i++;
			break;
		}
		if (csv.len > 0)
			(void)buf_putc(&csv, ',');
		if (p->i < p->len && p->s[p->i] == '"') {
			buf_reset(&item);
			if ((r = jp_string(p, &item)) == 0)
				r = buf_append(
				    &csv, item.data ? item.data : "", item.len);
		} else if ((r = jp_literal(p, &s, &len)) == 0)
			r = buf_append(&csv, p->s + s, len);
		jp_ws(p);
		if (r == 0 && p->i < p->len && p->s[p->i] == ',')
			p->i++;
		else if (r == 0 && (p->i >= p->len || p->s[p->i] != ']'))
			r = ARX_ERR_INVAL;
	}
	if (r == 0)
		r = jp_leaf(p, buf_cstr(&csv), csv.len);
	buf_release(&csv);
	buf_release(&item);
	return r;
}

/* Members of an object at p->i (on the brace), under the current path. */
static int
jp_object(struct jp *p)
{
	size_t saved = p->name.len;
	struct buf key;
	int r = 0;

	if (++p->depth > JSON_MAX_DEPTH)
		return ARX_ERR_TOOBIG;
	buf_init(&key, 4096);
	p->i++;
	jp_ws(p);
	if (p->i < p->len && p->s[p->i] == '}') {
		p->i++;
		goto out;
	}
	for (;;) {
		jp_ws(p);
		buf_reset(&key);
		if (p->i >= p->len || p->s[p->i] != '"') {
			r = ARX_ERR_INVAL; /* {"a":1,} included */
			break;
		}
		if ((r = jp_string(p, &key)) != 0)
			break;
		jp_ws(p);
		if (p->i >= p->len || p->s[p->i++] != ':') {
			r = ARX_ERR_INVAL;
			break;
		}
		p->name.len = saved;
		if (saved > 0)
			(void)buf_putc(&p->name, '.');
		if ((r = buf_append(&p->name, buf_cstr(&key), key.len)) != 0 ||
		    (r = jp_value(p)) != 0)
			break;
		jp_ws(p);
		if (p->i < p->len && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->len && p->s[p->i] == '}') {
			p->i++;
			break;
		}
		r = ARX_ERR_INVAL;
		break;
	}
out:
	p->name.len = saved;
	buf_release(&key);
	p->depth--;
	return r;
}

static int
jp_value(struct jp *p)
{
	jp_ws(p);
	if (p->i >= p->len)
		return ARX_ERR_INVAL;
	if (p->s[p->i] == '{')
		return jp_object(p);
	if (p->s[p->i] == '[')
		return jp_array(p);
	return jp_scalar(p);
}

int
json_walk(const char *text, size_t len, enum json_null_mode null_mode, bool csv,
    json_leaf_fn *fn, void *ctx)
{
	struct jp p = {fn, ctx, text, len, 0, null_mode, csv, {0}, 0};
	int r;

	buf_init(&p.name, 8192);
	jp_ws(&p);
	if (p.i >= p.len || text[p.i] != '{')
		r = ARX_ERR_INVAL;
	else
		r = jp_object(&p);
	buf_release(&p.name);
	return r;
}

/* ---- json_doc ---- */

static int
doc_keep(
    void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct json_doc *d = ctx;
	int r;

	if (d->kv.len + nlen + vlen + 2 > JSON_DOC_MAX)
		return ARX_ERR_TOOBIG;
	if ((r = buf_append(&d->kv, name, nlen + 1)) != 0)
		return r;
	return buf_append(&d->kv, value, vlen + 1);
}

void
json_doc_init(struct json_doc *d)
{
	buf_init(&d->kv, JSON_DOC_MAX);
}

void
json_doc_release(struct json_doc *d)
{
	buf_release(&d->kv);
}

int
json_doc_parse(struct json_doc *d, const char *text, size_t len)
{
	buf_reset(&d->kv);
	return json_walk(text, len, JSON_NULL_DISCARD, true, doc_keep, d);
}

const char *
json_doc_get(const struct json_doc *d, const char *name)
{
	const char *p = d->kv.data, *end = p + d->kv.len, *found = NULL;

	while (p != NULL && p < end) {
		const char *v = p + strlen(p) + 1;

		if (strcasecmp(p, name) == 0)
			found = v;
		p = v + strlen(v) + 1;
	}
	return found;
}
