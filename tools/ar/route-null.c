/*
 * route-null: the stock null-routing program, usable by arx, OSSEC and
 * Wazuh alike, speaking both protocols (src/ar/prog.c). An add installs
 * a blackhole route for the address (/32 or /128) or the network
 * (NET/LEN, from arx block), so the host sends nothing back to it; a
 * delete removes it. Both are idempotent: adding
 * twice is one route, deleting what is gone succeeds. Routes have no
 * timeout of their own: the caller's delete lifts them. Exit status: 0
 * done or aborted, 64 bad input, 69 ip failed.
 */
#include <sysexits.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ar/prog.h"
#include "core/err.h"
#include "exec/exec.h"

#define IP_PATH "/usr/sbin/ip"

/* ip [-4|-6] route VERB blackhole ADDR/LEN */
static int
ip_route(
    const struct ar_prog_request *rq, const char *verb, struct exec_result *res)
{
	bool v4 = rq->addr.family == ADDR_V4;
	char prefix[80], text[64];
	char *argv[] = {"ip", v4 ? "-4" : "-6", "route", (char *)verb,
	    "blackhole", prefix, NULL};

	addr_format(&rq->addr, text, sizeof(text));
	if (rq->addr.plen != 0) /* a network: "NET/LEN" already */
		snprintf(prefix, sizeof(prefix), "%s", text);
	else
		snprintf(prefix, sizeof(prefix), "%s/%d", text, v4 ? 32 : 128);
	return exec_run(IP_PATH, argv, NULL, 0, 30000, res);
}

int
main(int argc, char **argv)
{
	struct ar_prog_request rq;
	struct exec_result res;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (ar_prog_help(argc, argv, "route-null",
		"  (none: a blackhole route per address, /32 or /128, or per\n"
		"   network NET/LEN)\n"))
		return 0;
	if (ar_prog_read(argc, argv, "route-null", &rq) != 0)
		return EX_USAGE;
	if (strcmp(rq.command, "abort") == 0)
		return 0;
	if (strcmp(rq.command, "add") == 0) {
		r = ip_route(&rq, "replace", &res);
	} else if (strcmp(rq.command, "delete") == 0) {
		r = ip_route(&rq, "del", &res);
		if (r != 0 && strstr(res.err, "No such process") != NULL)
			r = 0; /* already gone */
	} else {
		fprintf(
		    stderr, "route-null: unknown command '%s'\n", rq.command);
		return EX_USAGE;
	}
	if (r != 0)
		fprintf(stderr, "route-null: ip failed: %s\n", res.err);
	return r == 0 ? 0 : EX_UNAVAILABLE;
}
