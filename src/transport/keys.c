/*
 * Implementation of keys.h: an array of entries in file order, parsed
 * and written as the header describes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "transport/keys.h"

#define LINE_MAX_LEN 512

bool
keys_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= KEYS_NAME_MAX &&
	    strspn(s,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789._-") == n;
}

static bool
from_set(struct agent_key *k, const char *from)
{
	if (!str_copy_fits(k->from, from, sizeof(k->from)))
		return false;
	k->any = strcmp(from, "any") == 0;
	return k->any || cidr_parse(from, &k->from_net) == 0;
}

static bool
hex_key(const char *s, unsigned char key[TLS_KEY_LEN])
{
	static const char digits[] = "0123456789abcdef";

	if (strlen(s) != 2 * TLS_KEY_LEN)
		return false;
	for (size_t i = 0; i < 2 * TLS_KEY_LEN; i++) {
		const char *d = strchr(digits, s[i]);

		if (d == NULL || s[i] == '\0')
			return false;
		key[i / 2] = (unsigned char)(key[i / 2] << 4 | (d - digits));
	}
	return true;
}

static int
push(struct agent_keys *ks, const struct agent_key *k)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;
		struct agent_key *v = realloc(ks->v, cap * sizeof(*v));

		if (v == NULL)
			return ARX_ERR_NOMEM;
		ks->v = v;
		ks->cap = cap;
	}
	ks->v[ks->n++] = *k;
	return 0;
}

/* One line into k: NULL, or what is wrong with it. */
static const char *
line_parse(char *line, struct agent_key *k)
{
	char *f[7], *save = NULL;
	size_t n = 0;
	uint64_t v;

	for (char *p = strtok_r(line, " ", &save); p != NULL && n < 7;
	     p = strtok_r(NULL, " ", &save))
		f[n++] = p;
	memset(k, 0, sizeof(*k));
	str_lcpy(k->group, KEYS_GROUP_DEFAULT, sizeof(k->group));
	if (n > 5 && strncmp(f[n - 1], "group=", 6) == 0) {
		if (!keys_name_ok(f[n - 1] + 6))
			return "the group is not 1-64 of A-Z a-z 0-9 . _ -";
		str_lcpy(k->group, f[--n] + 6, sizeof(k->group));
	}
	if (n < 5 || str_to_uint(f[0], 1, UINT32_MAX, &k->id) != 0)
		return "expected: id name from key state";
	if (!keys_name_ok(f[1]))
		return "the name is not 1-64 of A-Z a-z 0-9 . _ -";
	str_lcpy(k->name, f[1], sizeof(k->name));
	if (!from_set(k, f[2]))
		return "the source is not 'any', an address or a network";
	if (!hex_key(f[3], k->key))
		return "the key is not 64 hexadecimal digits";
	if (strcmp(f[4], "active") == 0 && n == 5)
		return NULL;
	if (strcmp(f[4], "removed") != 0 || n != 6 ||
	    str_to_uint(f[5], 0, INT64_MAX, &v) != 0)
		return "the state is not 'active' or 'removed <time>'";
	k->removed = true;
	k->removed_at = (int64_t)v;
	return NULL;
}

static const char *
token_parse(struct agent_keys *ks, char *line)
{
	struct enroll_token t = {0};
	const char *name;
	char *w[6];
	int64_t exp;

	if (str_words(line, w, 5) != 5 || strlen(w[1]) != 16 ||
	    str_to_hex(w[1], &t.id) != 0 || !hex_key(w[2], t.key) ||
	    str_to_int(w[3], 0, INT64_MAX, &exp) != 0)
		return "expected: token id key expires name";
	name = w[4];
	if (strcmp(name, "-") != 0 && !keys_name_ok(name))
		return "the name is not 1-64 of A-Z a-z 0-9 . _ -";
	if (ks->ntokens >= KEYS_MAX_TOKENS)
		return "too many tokens";
	snprintf(
	    t.name, sizeof(t.name), "%s", strcmp(name, "-") == 0 ? "" : name);
	t.expires = exp;
	ks->tokens[ks->ntokens++] = t;
	explicit_bzero(&t, sizeof(t));
	return NULL;
}

static const char *
entry_check(const struct agent_keys *ks, const struct agent_key *k)
{
	for (size_t i = 0; i < ks->n; i++) {
		if (ks->v[i].id == k->id)
			return "the id is given twice";
		if (!k->removed && !ks->v[i].removed &&
		    strcmp(ks->v[i].name, k->name) == 0)
			return "the name is given twice";
	}
	return NULL;
}

int
keys_load(const char *path, struct agent_keys *ks)
{
	return keys_load_at(AT_FDCWD, path, ks);
}

struct load {
	struct agent_keys *ks;
	const char *path;
};

/* One line of the keys file: an agent, a token, a comment. */
static int
load_line(void *ctx, char *line, unsigned no)
{
	struct load *l = ctx;
	struct agent_key k;
	const char *why;
	int r;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (strncmp(line, "token ", 6) == 0) {
		if ((why = token_parse(l->ks, line)) != NULL) {
			log_error("%s:%u: %s; this token cannot be used",
			    l->path, no, why);
			l->ks->damaged++;
		}
		return 0;
	}
	if ((why = line_parse(line, &k)) == NULL)
		why = entry_check(l->ks, &k);
	if (why != NULL) {
		log_error(
		    "%s:%u: %s; this agent cannot connect", l->path, no, why);
		l->ks->damaged++;
		return 0;
	}
	r = push(l->ks, &k);
	explicit_bzero(&k, sizeof(k));
	return r;
}

int
keys_load_at(int dirfd, const char *path, struct agent_keys *ks)
{
	struct load l = {ks, path};
	unsigned too_long;
	int r;

	memset(ks, 0, sizeof(*ks));
	r = statefile_lines(
	    dirfd, path, LINE_MAX_LEN, load_line, &l, &too_long);
	if (too_long > 0) {
		log_error("%s: %u lines over %d bytes; those agents cannot "
			  "connect",
		    path, too_long, LINE_MAX_LEN);
		ks->damaged += too_long;
	}
	return r == ARX_ERR_NOTFOUND ? 0 : r;
}

static void
key_hex(const unsigned char key[TLS_KEY_LEN], char out[2 * TLS_KEY_LEN + 1])
{
	for (size_t i = 0; i < TLS_KEY_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", key[i]);
}

int
keys_agent_format(struct buf *b, const struct agent_key *k)
{
	char hex[2 * TLS_KEY_LEN + 1];
	int r;

	key_hex(k->key, hex);
	r = buf_printf(
	    b, "%" PRIu64 " %s %s %s ", k->id, k->name, k->from, hex);
	if (r == 0)
		r = k->removed
		    ? buf_printf(b, "removed %" PRId64, k->removed_at)
		    : buf_puts(b, "active");
	if (r == 0 && k->group[0] != '\0' &&
	    strcmp(k->group, KEYS_GROUP_DEFAULT) != 0)
		r = buf_printf(b, " group=%s", k->group);
	explicit_bzero(hex, sizeof(hex));
	return r;
}

int
keys_token_format(struct buf *b, const struct enroll_token *t)
{
	char hex[2 * TLS_KEY_LEN + 1];
	int r;

	key_hex(t->key, hex);
	r = buf_printf(b, "token %016" PRIx64 " %s %" PRId64 " %s", t->id, hex,
	    t->expires, t->name[0] ? t->name : "-");
	explicit_bzero(hex, sizeof(hex));
	return r;
}

static int
entries_format(struct buf *b, const struct agent_keys *ks)
{
	int r = 0;

	for (size_t i = 0; i < ks->n && r == 0; i++)
		if ((r = keys_agent_format(b, &ks->v[i])) == 0)
			r = buf_puts(b, "\n");
	for (size_t i = 0; i < ks->ntokens && r == 0; i++)
		if ((r = keys_token_format(b, &ks->tokens[i])) == 0)
			r = buf_puts(b, "\n");
	return r;
}

int
keys_save(const char *path, const struct agent_keys *ks)
{
	return keys_save_at(AT_FDCWD, path, ks);
}

int
keys_save_at(int dirfd, const char *path, const struct agent_keys *ks)
{
	struct buf b;
	int r;

	/* 0600 and owned by whoever owns the directory: root editing
	 * arxd's table (arx agents) leaves it readable by the analysis
	 * child's user */
	buf_init(&b, (size_t)1 << 26);
	if ((r = entries_format(&b, ks)) == 0)
		r = statefile_replace(dirfd, path, b.data, b.len,
		    &(struct statefile_opts){.mode = 0600,
			.sync = STATEFILE_DIR,
			.dir_owner = true});
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	buf_release(&b);
	return r;
}

int
keys_copy(struct agent_keys *dst, const struct agent_keys *src)
{
	*dst = *src;
	dst->v = NULL;
	dst->cap = src->n;
	if (src->n > 0 && (dst->v = malloc(src->n * sizeof(*src->v))) == NULL) {
		memset(dst, 0, sizeof(*dst));
		return ARX_ERR_NOMEM;
	}
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	return 0;
}

void
keys_release(struct agent_keys *ks)
{
	if (ks->v != NULL)
		explicit_bzero(ks->v, ks->cap * sizeof(*ks->v));
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

static struct agent_key *
find_mut(const struct agent_keys *ks, uint64_t id, const char *name)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!ks->v[i].removed &&
		    (name != NULL ? strcmp(ks->v[i].name, name) == 0
				  : ks->v[i].id == id))
			return &ks->v[i];
	return NULL;
}

const struct agent_key *
keys_find(const struct agent_keys *ks, uint64_t id)
{
	return find_mut(ks, id, NULL);
}

const struct agent_key *
keys_find_name(const struct agent_keys *ks, const char *name)
{
	return find_mut(ks, 0, name);
}

int
keys_add(struct agent_keys *ks, const char *name, const char *from,
    struct agent_key *out)
{
	struct agent_key k = {0};
	uint64_t next = 1;
	int r;

	if (!keys_name_ok(name) || !from_set(&k, from))
		return ARX_ERR_INVAL;
	if (keys_find_name(ks, name) != NULL)
		return ARX_ERR_EXISTS;
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].id >= next)
			next = ks->v[i].id + 1;
	k.id = next;
	str_lcpy(k.name, name, sizeof(k.name));
	str_lcpy(k.group, KEYS_GROUP_DEFAULT, sizeof(k.group));
	if ((r = tls_key_new(k.key)) != 0 || (r = push(ks, &k)) != 0)
		return r;
	*out = k;
	explicit_bzero(&k, sizeof(k));
	return 0;
}

int
keys_remove(struct agent_keys *ks, const char *id_or_name, int64_t now_s)
{
	struct agent_key *k = find_mut(ks, 0, id_or_name);
	uint64_t id;

	if (k == NULL && str_to_uint(id_or_name, 1, UINT32_MAX, &id) == 0)
		k = find_mut(ks, id, NULL);
	if (k == NULL)
		return ARX_ERR_NOTFOUND;
	k->removed = true;
	k->removed_at = now_s;
	return 0;
}

int
keys_set_group(struct agent_keys *ks, const char *id_or_name, const char *group)
{
	struct agent_key *k = find_mut(ks, 0, id_or_name);
	uint64_t id;

	if (!keys_name_ok(group))
		return ARX_ERR_INVAL;
	if (k == NULL && str_to_uint(id_or_name, 1, UINT32_MAX, &id) == 0)
		k = find_mut(ks, id, NULL);
	if (k == NULL)
		return ARX_ERR_NOTFOUND;
	snprintf(k->group, sizeof(k->group), "%s", group);
	return 0;
}

int
keys_token_add(struct agent_keys *ks, int64_t now_s, int64_t ttl_s,
    const char *name, char out[KEYS_TOKEN_TEXT])
{
	unsigned char raw[8 + 24];
	struct enroll_token t = {0};
	char secret[49];
	int r;

	keys_token_drop(ks, 0, now_s);
	if (name != NULL && !keys_name_ok(name))
		return ARX_ERR_INVAL;
	if (ks->ntokens >= KEYS_MAX_TOKENS)
		return ARX_ERR_TOOBIG;
	if ((r = tls_key_new(raw)) != 0) /* 32 random bytes */
		return r;
	for (size_t i = 0; i < 8; i++)
		t.id = t.id << 8 | raw[i];
	for (size_t i = 0; i < 24; i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[8 + i]);
	if ((r = tls_enroll_key(secret, t.key)) == 0) {
		t.expires = now_s + ttl_s;
		snprintf(t.name, sizeof(t.name), "%s", name ? name : "");
		ks->tokens[ks->ntokens++] = t;
		snprintf(out, KEYS_TOKEN_TEXT, "arx-token:%016" PRIx64 ":%s",
		    t.id, secret);
	}
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(&t, sizeof(t));
	return r;
}

const struct enroll_token *
keys_token_find(const struct agent_keys *ks, uint64_t id, int64_t now_s)
{
	for (size_t i = 0; i < ks->ntokens; i++)
		if (ks->tokens[i].id == id && ks->tokens[i].expires > now_s)
			return &ks->tokens[i];
	return NULL;
}

void
keys_token_drop(struct agent_keys *ks, uint64_t id, int64_t now_s)
{
	size_t i = 0;

	while (i < ks->ntokens) {
		struct enroll_token *t = &ks->tokens[i];

		if ((id != 0 && t->id == id) || t->expires <= now_s) {
			*t = ks->tokens[--ks->ntokens];
			explicit_bzero(&ks->tokens[ks->ntokens], sizeof(*t));
		} else
			i++;
	}
}

bool
keys_token_parse(const char *text, uint64_t *id, char secret[65])
{
	static const char digits[] = "0123456789abcdef";
	const char *hex = text + 10, *sec = text + 27;
	char idhex[17];
	size_t n;

	/* arx-token:<16 hex digits>:<32 to 64 hex digits> */
	if (strncmp(text, "arx-token:", 10) != 0 || strspn(hex, digits) != 16 ||
	    hex[16] != ':' || (n = strspn(sec, digits)) < 32 || n > 64 ||
	    sec[n] != '\0')
		return false;
	memcpy(idhex, hex, 16);
	idhex[16] = '\0';
	memcpy(secret, sec, n + 1);
	return str_to_hex(idhex, id) == 0;
}

/* An agent's line from elsewhere (merge_line): added when new; a removal
 * is taken, never an un-removal; an active agent with the same id and
 * another name or key here is a conflict, kept as it is here. */
static const char *
merge_agent(struct agent_keys *ks, const struct agent_key *k, bool *changed)
{
	struct agent_key *have = NULL;

	for (size_t i = 0; i < ks->n && have == NULL; i++)
		if (ks->v[i].id == k->id)
			have = &ks->v[i];
	if (have == NULL) {
		if (!k->removed && keys_find_name(ks, k->name) != NULL)
			return "its name is another agent's here";
		*changed = true;
		return push(ks, k) == 0 ? NULL : "out of memory";
	}
	if (have->removed)
		return NULL;
	if (strcmp(have->name, k->name) != 0 ||
	    memcmp(have->key, k->key, TLS_KEY_LEN) != 0)
		return "another agent has its id here";
	if (k->removed || strcmp(have->group, k->group) != 0 ||
	    strcmp(have->from, k->from) != 0) {
		*have = *k;
		*changed = true;
	}
	return NULL;
}

/* A token's line from elsewhere: a used one is forgotten, a new one
 * that has not expired is added. */
static const char *
merge_token(
    struct agent_keys *ks, char *line, bool used, int64_t now_s, bool *changed)
{
	struct agent_keys one;
	const char *why;

	memset(&one, 0, sizeof(one));
	if ((why = token_parse(&one, line)) != NULL)
		return why;
	if (used || one.tokens[0].expires <= now_s) {
		if (keys_token_find(ks, one.tokens[0].id, now_s) != NULL) {
			keys_token_drop(ks, one.tokens[0].id, now_s);
			*changed = true;
		}
	} else if (keys_token_find(ks, one.tokens[0].id, now_s) == NULL) {
		if (ks->ntokens >= KEYS_MAX_TOKENS)
			why = "too many tokens";
		else {
			ks->tokens[ks->ntokens++] = one.tokens[0];
			*changed = true;
		}
	}
	explicit_bzero(&one, sizeof(one));
	return why;
}

const char *
keys_merge_line(struct agent_keys *ks, const char *text, bool used,
    int64_t now_s, bool *changed)
{
	char line[LINE_MAX_LEN];
	struct agent_key k;
	const char *why;

	if (strlen(text) >= sizeof(line))
		return "the line is too long";
	snprintf(line, sizeof(line), "%s", text);
	if (strncmp(line, "token ", 6) == 0)
		why = merge_token(ks, line, used, now_s, changed);
	else if ((why = line_parse(line, &k)) == NULL)
		why = merge_agent(ks, &k, changed);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&k, sizeof(k));
	return why;
}
