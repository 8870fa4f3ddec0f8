/*
 * The privilege boundary of arxd: the messages the unprivileged
 * analysis child sends to the root process over their socketpair
 * (SOCK_SEQPACKET, so one send is one message), and their checks.
 *
 * The child never sends a command line or a program name to run. It
 * says "rule R of level L and groups G fired for source address A and
 * user U" (PRIV_TRIGGER); the root process decides, from its own
 * configuration, which configured responses that calls for, and its
 * dispatcher parses the address, checks the user name and the white
 * list again. Besides triggers the child says once that it is ready
 * (PRIV_READY) and, once a second while something changed, how much it
 * has read and found (PRIV_STATS, as named rows). The root process
 * sends the child its own counters the same way (PRIV_ROOT_STATS), for
 * the metrics endpoint the child serves; the child checks them as the
 * root checks the child's.
 *
 * Wire format, all integers little-endian: u32 version (PRIV_VERSION),
 * u32 type, then the type's fields in order; a u32/i32 is 4 bytes, a
 * u64 8, a string a u32 length, that many bytes, and a NUL that must be
 * the only NUL. A message must end exactly after its last field. This
 * module is pure (no descriptors, no dispatcher), so it can be fuzzed;
 * anything priv_parse() refuses is a protocol violation and the root
 * process kills the child that sent it.
 */
#ifndef ARX_TRANSPORT_PRIV_H
#define ARX_TRANSPORT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/counters.h"

#define PRIV_VERSION    1u
#define PRIV_MSG_MAX    (256u * 1024u) /* longest message */
#define PRIV_GROUPS_MAX 4096u          /* longest groups string */
#define PRIV_FIELD_MAX  1024u          /* srcip, user, location, id */

enum priv_type {
	PRIV_READY = 1,
	PRIV_TRIGGER = 2,
	PRIV_STATS = 3,
	PRIV_RESPONSE = 4,   /* both ways; see struct priv_response */
	PRIV_AGENTS = 5,     /* manager's child: its agents, once a second */
	PRIV_BLOCKLIST = 6,  /* a part of a <blocklist>'s entries */
	PRIV_ROOT_STATS = 7, /* root to child: the root's counters */
	PRIV_OFFENCE = 8,    /* a <cluster> manager's child: another
			      * manager's offence, from the database */
	PRIV_NTYPES
};

/* PRIV_STATS and PRIV_ROOT_STATS: counters as named rows
 * (core/counters.h): u32 count, then per row its name (a string of
 * [a-z0-9_]), two labels (key and value strings; "" when unused) and
 * its u64 value; at most COUNTERS_MAX rows, no row (name and labels)
 * twice, every row as counters_row_ok() wants it. */
struct priv_stat_row {
	const char *name;
	const char *k1, *v1, *k2, *v2;
	uint64_t value;
};

/* A trigger as sent; strings may be NULL (sent as empty). */
struct priv_trigger {
	uint32_t rule_id;
	int32_t level;
	uint32_t options; /* RULE_OPT_NO_AR only */
	const char *groups;
	const char *srcip;
	const char *user;
	const char *location;
	const char *alert_id;
	const char *alert_json; /* empty: none (the minimal alert is sent) */
};

/*
 * A response by name, for the manager/agent mode. From an agent's child
 * to its root process (target PRIV_HERE): the manager asked this host to
 * run a configured command on an address; the root process accepts it
 * only when it is an agent (<client>), checks the command and address,
 * and runs it through its dispatcher, white list and table. From a
 * manager's root process to its child (target an agent, or all): send it
 * to those agents.
 */
enum priv_target {
	PRIV_HERE = 0,
	PRIV_AGENT_NAME = 1,
	PRIV_AGENT_ID = 2,
	PRIV_ALL_AGENTS = 3,
};

struct priv_response {
	uint32_t target;   /* enum priv_target */
	const char *agent; /* name or id, as text; empty for HERE and ALL */
	const char *command;
	const char *action; /* "add" or "delete" */
	const char *address;
	uint64_t timeout_s;
	uint32_t rule_id;
	const char *alert_id;
	uint32_t offences; /* root to child: the address's offence count
			    * this block is for (0: not known) */
};

/*
 * An offence decided by another manager of the <cluster> (the child read
 * it from the shared database): the root side counts it in its own
 * history, so the next offence here escalates from the fleet's count.
 * It only ever raises a count, never lowers one, and names a command
 * and an address the root side checks again.
 */
#define PRIV_OFFENCES_MAX 1000u

struct priv_offence {
	const char *command;
	const char *address;
	uint32_t count;   /* 1-PRIV_OFFENCES_MAX */
	uint64_t last_ms; /* when it was decided (wall clock) */
};

/* One agent of a manager, as its child reports it. */
enum priv_agent_state {
	PRIV_AGENT_NEVER = 0,        /* in the table, never connected */
	PRIV_AGENT_ACTIVE = 1,       /* connected now */
	PRIV_AGENT_DISCONNECTED = 2, /* was connected, is not */
};

/* Where an agent's agent.conf stands, as the manager knows it. */
enum priv_agent_config {
	PRIV_CONFIG_UNKNOWN = 0, /* not connected since the manager started */
	PRIV_CONFIG_CURRENT = 1, /* it runs its group's agent.conf */
	PRIV_CONFIG_SENT = 2,    /* sent, no answer yet */
	PRIV_CONFIG_REFUSED = 3, /* it refused the version in force */
};

#define PRIV_AGENTS_MAX 4096u

struct priv_agent {
	uint64_t id;
	const char *name;
	uint32_t state; /* enum priv_agent_state */
	uint64_t last_seen_ms;
	uint64_t events;
	uint32_t eps;    /* events a second, over the last second */
	uint32_t blocks; /* responses sent to it whose block is not over */
	const char *group;
	uint32_t config; /* enum priv_agent_config */
};

/*
 * PRIV_BLOCKLIST: the child fetched and parsed a <blocklist>; the whole
 * list as it now is goes in parts of at most PRIV_BL_CHUNK entries, the
 * first flagged FIRST, the last LAST (one part may be both; an empty
 * list is one part of no entry). Each entry is the text of an address
 * or network ("192.0.2.1", "198.51.100.0/24"), which the root side
 * parses again; it compares the whole with what its set holds.
 */
#define PRIV_BL_FIRST     0x1u
#define PRIV_BL_LAST      0x2u
#define PRIV_BL_CHUNK     4096u
#define PRIV_BL_ENTRY_MAX 49u /* an IPv6 network's text */

struct priv_blocklist {
	uint32_t list;    /* its index among the configuration's */
	const char *name; /* and its name, which must agree */
	uint32_t flags;   /* PRIV_BL_* */
	uint32_t count;   /* entries in this part, read with
			   * priv_blocklist_each */
};

struct priv_msg {
	enum priv_type type;
	struct priv_blocklist blocklist; /* PRIV_BLOCKLIST */
	uint32_t nagents; /* PRIV_AGENTS: records, read with priv_agents_each */
	struct priv_response response; /* PRIV_RESPONSE */
	struct priv_offence offence;   /* PRIV_OFFENCE */
	struct priv_trigger trigger;   /* PRIV_TRIGGER; strings point into
					* the parsed message */
	struct counters stats;         /* PRIV_STATS, PRIV_ROOT_STATS; stays
					* the last */
};

/* Encode into out (reset first). ARX_ERR_TOOBIG when a field is over
 * its bound: the caller drops alert_json and tries again, or drops the
 * trigger. */
int priv_put_ready(struct buf *out);
int priv_put_trigger(struct buf *out, const struct priv_trigger *t);
int priv_put_stats(struct buf *out, const struct counters *stats);
int priv_put_root_stats(struct buf *out, const struct counters *stats);
int priv_put_response(struct buf *out, const struct priv_response *r);
int priv_put_offence(struct buf *out, const struct priv_offence *o);
/* PRIV_AGENTS: begin (count patched by end), then one add per agent. */
int priv_put_agents_begin(struct buf *out);
int priv_put_agent(struct buf *out, const struct priv_agent *a);
void priv_put_agents_end(struct buf *out, uint32_t n);
/* Each record of a PRIV_AGENTS message that priv_parse() accepted. */
void priv_agents_each(const void *msg, size_t len,
    void (*fn)(const struct priv_agent *a, void *ctx), void *ctx);

/* PRIV_BLOCKLIST: the head, then one add per entry (the count is
 * patched by end). */
int priv_put_blocklist_begin(struct buf *out, const struct priv_blocklist *h);
int priv_put_blocklist_entry(struct buf *out, const char *entry);
void priv_put_blocklist_end(struct buf *out, uint32_t n);
/* Each entry of a PRIV_BLOCKLIST message that priv_parse() accepted. */
void priv_blocklist_each(const void *msg, size_t len,
    void (*fn)(const char *entry, void *ctx), void *ctx);

/* Decode one message of len bytes. The message must stay unchanged and
 * alive while out is used. 0, or ARX_ERR_INVAL with why. */
int priv_parse(
    const void *msg, size_t len, struct priv_msg *out, const char **why);

#endif
