/*
 * The two response-program protocols, as messages and argument vectors
 * built from validated values; nothing here runs a program.
 *
 *  - Wazuh >= 4.2: one JSON line on stdin, {"version":1,"origin":...,
 *    "command":"add"|"delete","parameters":{"extra_args":[...],
 *    "alert":{...},"program":"..."}}, then, for an add, the program's
 *    check_keys line on stdout answered by the same message with
 *    "command":"continue" or "abort".
 *    arx adds "arx_timeout" (seconds) to parameters on an add: how long
 *    a program that keeps its own expiry (firewall-drop's nftables and
 *    ipset timeouts) should keep the block if arx is not there to lift
 *    it. Programs that do not know it ignore it.
 *  - OSSEC legacy: argv = program add|delete user srcip alertid ruleid
 *    location filename [extra args].
 *
 * Every value is checked before use: the address must parse (IPv4-mapped
 * IPv6 is written as IPv4), a user name follows the stock programs' rule,
 * extra arguments never contain control characters.
 */
#ifndef ARX_AR_PROTOCOL_H
#define ARX_AR_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"

#define AR_ARGV_MAX 32

/* What one response run is about. */
struct ar_request {
	const char *command; /* "add" or "delete" */
	const char *program; /* as the program is named in messages */
	const char *origin;  /* this host's node name */
	const char *srcip;   /* address text or NULL (when addr is NULL) */
	/* The address as the root side parsed it at the boundary, carried
	 * to the backend so it is not parsed again; NULL: parse srcip. */
	const struct arx_addr *addr;
	const char *user;     /* dstuser or NULL */
	const char *alert_id; /* "<epoch>.<offset>" */
	unsigned rule_id;
	const char *location;   /* the event's location */
	const char *alert_json; /* the alerts.json object, or NULL */
	const char *extra_args; /* space separated, or NULL */
	uint64_t arx_timeout_s; /* JSON parameters.arx_timeout; 0: none */
};

/* True for a user name the stock programs accept (the account
 * programs: never root, no path or list characters). */
bool ar_user_ok(const char *user);

/* True for a user name that may travel in a request at all: Wazuh's
 * crafted-value check, [A-Za-z0-9._@?-]* (root included), and never
 * starting with '-' (so no program can take it for an option). */
bool ar_user_safe(const char *user);

/*
 * Check req and normalise its address into addr_out (64 bytes). 0 or
 * ARX_ERR_INVAL with a reason in why.
 */
int ar_request_check(
    const struct ar_request *req, char *addr_out, const char **why);

/* The JSON line for command ("add", "delete", "continue", "abort"). */
int ar_msg_json(
    struct buf *out, const struct ar_request *req, const char *command);

/*
 * The legacy argv into argv[AR_ARGV_MAX] (pointers into store, which must
 * outlive argv). path is argv[0].
 */
int ar_argv_legacy(const struct ar_request *req, const char *path,
    struct buf *store, char **argv);

/*
 * Read a program's check_keys line: 0 and the keys joined by '-' in
 * keys_out (Wazuh's dedup key without the program name), or
 * ARX_ERR_INVAL when the line is not a check_keys message.
 */
int ar_parse_check_keys(
    const char *line, size_t len, char *keys_out, size_t keys_size);

#endif
