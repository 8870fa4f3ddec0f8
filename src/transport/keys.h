/*
 * The manager's agent table: who may connect, with which key. A text
 * file, one agent per line, written whole (temporary file, fsync,
 * rename, fsync of the directory) and mode 0600:
 *
 *   <id> <name> <from> <key, 64 hex digits> active
 *   <id> <name> <from> <key> removed <unix time>
 *
 * either followed by " group=<group>" when the agent's agent.conf group
 * is not "default" (the directory <shared_dir>/<group> on the manager),
 * and one-time enrollment tokens not yet used:
 *
 *   token <id, 16 hex digits> <key, 64 hex digits> <expires, unix time>
 *         <name the agent must take, or ->
 *
 * The key is derived from the token's secret (tls_enroll_key); the
 * secret itself is only ever printed once, by `arx agents token`.
 *
 * <from> is "any" or the address or CIDR network the agent must connect
 * from. Ids start at 1 and are never given twice: a removed agent keeps
 * its line (and its id) so that its key can never be used again and its
 * old events stay attributable. Names are 1-64 of A-Z a-z 0-9 . _ - and
 * unique among active agents. Lines starting with '#' are comments.
 *
 * Loading refuses a damaged line with file:line and what was wrong, and
 * keeps every other one; the caller decides whether that is fatal.
 */
#ifndef ARX_TRANSPORT_KEYS_H
#define ARX_TRANSPORT_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "transport/tls.h"

#define KEYS_NAME_MAX      64
#define KEYS_GROUP_DEFAULT "default"

struct agent_key {
	uint64_t id;
	char name[KEYS_NAME_MAX + 1];
	char from[64]; /* "any" or an address or CIDR, as written */
	char group[KEYS_NAME_MAX + 1]; /* agent.conf group */
	struct arx_cidr from_net;
	bool any;
	unsigned char key[TLS_KEY_LEN];
	bool removed;
	int64_t removed_at; /* seconds since 1970 */
};

struct enroll_token {
	uint64_t id;
	unsigned char key[TLS_KEY_LEN];
	int64_t expires;              /* seconds since 1970 */
	char name[KEYS_NAME_MAX + 1]; /* "" when any name will do */
};

#define KEYS_MAX_TOKENS 256u

struct agent_keys {
	struct agent_key *v;
	size_t n, cap;
	struct enroll_token tokens[KEYS_MAX_TOKENS];
	size_t ntokens;
	unsigned damaged; /* lines refused by the last load */
};

/* A missing file is an empty table. 0, or ARX_ERR_NOMEM / ARX_ERR_SYS. */
int keys_load(const char *path, struct agent_keys *ks);
int keys_save(const char *path, const struct agent_keys *ks);
/* The same with path relative to the directory dirfd (or AT_FDCWD). */
int keys_load_at(int dirfd, const char *path, struct agent_keys *ks);
int keys_save_at(int dirfd, const char *path, const struct agent_keys *ks);
void keys_release(struct agent_keys *ks);
/* A copy of src (its own memory) into dst. 0, or ARX_ERR_NOMEM. */
int keys_copy(struct agent_keys *dst, const struct agent_keys *src);

/* The active agent with this id or name; NULL when there is none. */
const struct agent_key *keys_find(const struct agent_keys *ks, uint64_t id);
const struct agent_key *keys_find_name(
    const struct agent_keys *ks, const char *name);

/* Whether s is a valid agent name. */
bool keys_name_ok(const char *s);

/*
 * Add an agent with a new random key: the next id after every one ever
 * given. ARX_ERR_INVAL (bad name or from), ARX_ERR_EXISTS (an active
 * agent has the name). The new entry is copied to *out.
 */
int keys_add(struct agent_keys *ks, const char *name, const char *from,
    struct agent_key *out);

/* Mark the active agent named by id or name (text) removed at now_s.
 * ARX_ERR_NOTFOUND when there is none. */
int keys_remove(struct agent_keys *ks, const char *id_or_name, int64_t now_s);

/*
 * A new one-time token valid for ttl_s from now_s, for any name (name
 * NULL) or one: its text ("arx-token:<id>:<secret>", to give to the
 * agent's administrator) into out[KEYS_TOKEN_TEXT]. ARX_ERR_TOOBIG when
 * KEYS_MAX_TOKENS are waiting, ARX_ERR_INVAL on a bad name.
 */
#define KEYS_TOKEN_TEXT 128
int keys_token_add(struct agent_keys *ks, int64_t now_s, int64_t ttl_s,
    const char *name, char out[KEYS_TOKEN_TEXT]);
/* The unexpired token id; NULL when there is none. */
const struct enroll_token *keys_token_find(
    const struct agent_keys *ks, uint64_t id, int64_t now_s);
/* Forget token id, and every expired one. */
void keys_token_drop(struct agent_keys *ks, uint64_t id, int64_t now_s);
/* Split a token's text: its id and its secret (into secret[65]). */
bool keys_token_parse(const char *text, uint64_t *id, char secret[65]);

/* One agent's or token's line as the file holds it, without its
 * newline, appended to b. */
struct buf;
int keys_agent_format(struct buf *b, const struct agent_key *k);
int keys_token_format(struct buf *b, const struct enroll_token *t);

/*
 * Merge one line from another copy of the table (a <cluster>'s database)
 * into ks: a new agent is added; a removal is taken, an un-removal never;
 * a group or source change is taken; an agent whose id or name is
 * another's here is refused (NULL, or what is wrong). A token's line
 * adds the token, unless used (or expired), when it is forgotten here.
 * *changed is set when ks changed.
 */
const char *keys_merge_line(struct agent_keys *ks, const char *line, bool used,
    int64_t now_s, bool *changed);

/* Put the active agent named by id or name in group (a valid name).
 * ARX_ERR_INVAL, ARX_ERR_NOTFOUND. */
int keys_set_group(
    struct agent_keys *ks, const char *id_or_name, const char *group);

#endif
