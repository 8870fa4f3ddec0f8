/*
 * The agent protocol's messages between a manager and its agents, as
 * bytes. This module is the codec alone: no descriptors, no clock and no
 * cryptography (the transport carries every frame inside TLS 1.3), so it
 * is fuzzed on its own and both ends share it.
 *
 * A frame, all integers big-endian:
 *
 *   u32 length   bytes after this field, 16 to WIRE_FRAME_MAX
 *   u8  version  WIRE_VERSION
 *   u8  type     enum wire_type
 *   u16 flags    0 in version 1
 *   u64 seq      the sender's message number, from 1, one more each
 *                message: acknowledgements and duplicate checks use it
 *   fields       u16 tag, u32 length, that many bytes; repeated to the end
 *
 * Each tag has one kind: a string (no NUL byte), a u64 (exactly 8 bytes)
 * or bytes (anything). A tag appears at most once; the tags a type needs
 * must be there (wire_types[]); a tag this version does not know is
 * skipped, so a newer peer may add fields. Anything else makes
 * wire_parse() refuse the frame with a reason; the transport then closes
 * the connection.
 */
#ifndef ARX_TRANSPORT_WIRE_H
#define ARX_TRANSPORT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define WIRE_VERSION   1u
#define WIRE_HEADER    16u                   /* length to seq */
#define WIRE_FRAME_MAX (1024u * 1024u + 64u) /* length field's maximum */

enum wire_type {
	WIRE_HELLO = 1, /* agent: who it is (first message) */
	WIRE_WELCOME,   /* manager: accepted, the keepalive interval */
	WIRE_EVENT,     /* agent: one log line and where it came from */
	WIRE_ACK,       /* either: every message up to ack_seq is safe */
	WIRE_KEEPALIVE, /* either: still here */
	WIRE_RESPONSE,  /* manager: run a configured command on an address */
	WIRE_RESULT,    /* agent: what became of a response */
	WIRE_CONFIG,    /* manager: the agent's centralised configuration */
	WIRE_CONFIG_RESULT, /* agent: applied, or refused and why */
	WIRE_BYE,           /* either: closing, and why */
	WIRE_ENROLL,        /* agent to be: its name (enrollment channel) */
	WIRE_ENROLLED,      /* manager: the new agent's id and key */
	WIRE_NTYPES
};

enum wire_tag {
	WT_AGENT_ID = 1, /* u64 */
	WT_NAME,         /* string: agent or manager name */
	WT_VERSION,      /* string: arx version */
	WT_CONFIG_HASH,  /* string: hash of the configuration in force */
	WT_LOCATION,     /* string: the log the line came from */
	WT_TIME_MS,      /* u64: when the line was read (ms since 1970) */
	WT_LINE,         /* bytes: the log line */
	WT_ACK_SEQ,      /* u64 */
	WT_INTERVAL_S,   /* u64: keepalive interval */
	WT_RESPONSE_ID,  /* u64: the manager's number for a response */
	WT_ACTION,       /* string: "add" or "delete" */
	WT_COMMAND,      /* string: a configured command name */
	WT_ADDRESS,      /* string: an address, canonical */
	WT_TIMEOUT_S,    /* u64: 0 for no timeout */
	WT_RULE_ID,      /* u64 */
	WT_ALERT_ID,     /* string */
	WT_STATUS,       /* string: "ok", "failed", "refused", "expired" ... */
	WT_MESSAGE,      /* string: for people */
	WT_GROUP,        /* string: agent.conf group */
	WT_FILE,         /* bytes: agent.conf text */
	WT_KEY,          /* bytes: an agent's key (enrollment) */
	WT_FROM,         /* string: "any", "src" or an address or network */
	WT_NTAGS
};

enum wire_kind {
	WK_STRING = 1,
	WK_U64,
	WK_BYTES
};

struct wire_field {
	bool set;
	const char *p; /* string and bytes: into the frame */
	size_t len;
	uint64_t u; /* u64 */
};

struct wire_msg {
	uint8_t type;
	uint16_t flags;
	uint64_t seq;
	struct wire_field f[WT_NTAGS];
};

/* Name of a type or tag, for messages ("?" when out of range). */
const char *wire_type_name(unsigned type);
const char *wire_tag_name(unsigned tag);

/*
 * How long the frame starting at p is (avail bytes there so far): 0 and
 * *total (header included) once the length field is in; ARX_ERR_AGAIN
 * before that; ARX_ERR_INVAL (with why) when the length is out of range.
 */
int wire_frame_len(
    const void *p, size_t avail, size_t *total, const char **why);

/* Check and read one whole frame. 0, or ARX_ERR_INVAL and why. Strings
 * and bytes in m point into frame. */
int wire_parse(
    const void *frame, size_t len, struct wire_msg *m, const char **why);

/* Start a message; then set its fields and write it with wire_put(). */
void wire_msg_init(struct wire_msg *m, enum wire_type type, uint64_t seq);
void wire_set_str(struct wire_msg *m, enum wire_tag tag, const char *s);
void wire_set_bytes(
    struct wire_msg *m, enum wire_tag tag, const void *p, size_t len);
void wire_set_u64(struct wire_msg *m, enum wire_tag tag, uint64_t v);

/* Append m as one frame to out; ARX_ERR_INVAL when it would not parse
 * (a missing field, a NUL in a string, too long). */
int wire_put(struct buf *out, const struct wire_msg *m);

#endif
