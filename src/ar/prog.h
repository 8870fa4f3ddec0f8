/*
 * The program side of the response protocols, shared by arx's stock
 * programs (firewall-drop, route-null, ...): read what to do from argv
 * (OSSEC legacy) or from the JSON line on stdin (Wazuh >= 4.2), answer an
 * add with check_keys for the address, and hand back the final command
 * ("add", "delete" or "abort") with the address already parsed.
 */
#ifndef ARX_AR_PROG_H
#define ARX_AR_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/jsonin.h"

struct ar_prog_request {
	char command[16];     /* "add", "delete" or "abort" */
	char addr_text[64];   /* as received, for messages */
	struct arx_addr addr; /* parsed; valid when read returned 0 */
	uint64_t timeout_s;   /* "--timeout S" among extra args, else the
			       * JSON parameters.arx_timeout; 0: none */
	char extra[512];      /* extra args, space separated */
	char user[128];       /* dstuser, "-" or empty when none */
	char alert_id[64];
	char rule_id[16];
	bool from_arx; /* a JSON message of arxd's (origin.module "arx"):
			* the address may be a network (arx block) */
};

/* The value after "--name" (or "--name=") in the extra args, copied into
 * out; false when absent. */
bool ar_prog_option(
    const struct ar_prog_request *rq, const char *name, char *out, size_t size);

/*
 * A program's only arguments are -h/--help (usage, the protocols and
 * its options on stdout) or -V/--version: say it and return true (the
 * program exits 0). Anything else is a request.
 */
bool ar_prog_help(int argc, char **argv, const char *name, const char *options);

/*
 * Read the request (argc > 1: legacy argv, else JSON on stdin, with the
 * handshake on stdout). 0; ARX_ERR_INVAL when the request cannot be read
 * or its address does not parse (a message went to stderr).
 */
int ar_prog_read(
    int argc, char **argv, const char *name, struct ar_prog_request *rq);

/*
 * The program side of the JSON protocol without its I/O: decode one
 * message line (len bytes) into msg (json_doc_init'ed) and rq. 0, or
 * ARX_ERR_INVAL when it is not JSON or its address does not parse.
 */
int ar_prog_parse(const char *line, size_t len, struct ar_prog_request *rq,
    struct json_doc *msg);

/* Copy the field name of a decoded JSON message (e.g.
 * "parameters.alert.rule.id") into out; empty when absent. */
void ar_prog_field(
    const struct json_doc *msg, const char *name, char *out, size_t size);

/*
 * For programs that act on the whole alert (webhook): the same, but the
 * address may be absent (addr_text is then empty), and msg (json_doc_init'ed
 * by the caller) receives the decoded JSON message, its alert under
 * "parameters.alert." (the legacy protocol leaves msg empty).
 */
int ar_prog_read_alert(int argc, char **argv, const char *name,
    struct ar_prog_request *rq, struct json_doc *msg);

#endif
