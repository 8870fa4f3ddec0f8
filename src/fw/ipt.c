/*
 * iptables commands for firewall-drop (see ipt.h).
 */
#include "fw/ipt.h"
#include <inttypes.h>
#include <stdio.h>

#include "core/err.h"

#define IPT_DELETE_MAX 64 /* duplicate rules removed at most */

static char *
tool(const struct arx_addr *a)
{
	return a->family == ADDR_V4 ? "iptables" : "ip6tables";
}

/* -C RULE, else (verb) RULE. */
static int
ensure(char *argv[], fw_run_fn *run, void *ctx, char *verb)
{
	argv[2] = "-C";
	if (run(argv, ctx) == 0)
		return 0;
	argv[2] = verb;
	return run(argv, ctx) == 0 ? 0 : ARX_ERR_SYS;
}

/* The chain, and a jump to it from INPUT and FORWARD. */
static int
ensure_chain(const struct arx_addr *a, fw_run_fn *run, void *ctx)
{
	static char *hooks[] = {"INPUT", "FORWARD"};
	char *create[] = {tool(a), "-w", "-N", IPT_CHAIN, NULL};
	size_t i;
	int r;

	(void)run(create, ctx); /* fails when it exists */
	for (i = 0; i < 2; i++) {
		char *jump[] = {
		    tool(a), "-w", NULL, hooks[i], "-j", IPT_CHAIN, NULL};

		if ((r = ensure(jump, run, ctx, "-I")) != 0)
			return r;
	}
	return 0;
}

int
ipt_add(const struct arx_addr *a, fw_run_fn *run, void *ctx)
{
	char text[64];
	char *drop[] = {
	    tool(a), "-w", NULL, IPT_CHAIN, "-s", text, "-j", "DROP", NULL};
	int r;

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	if ((r = ensure_chain(a, run, ctx)) != 0)
		return r;
	return ensure(drop, run, ctx, "-A");
}

int
ipt_delete(const struct arx_addr *a, fw_run_fn *run, void *ctx)
{
	char text[64];
	char *drop[] = {
	    tool(a), "-w", "-D", IPT_CHAIN, "-s", text, "-j", "DROP", NULL};
	int i;

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	for (i = 0; i < IPT_DELETE_MAX && run(drop, ctx) == 0; i++)
		;
	return 0;
}

static char *
set_name(const struct arx_addr *a)
{
	return a->family == ADDR_V4 ? "arx4" : "arx6";
}

/* The set (timeouts on) and the rule that drops its members. */
static int
ensure_set(const struct arx_addr *a, fw_run_fn *run, void *ctx)
{
	char *create[] = {"ipset", "create", set_name(a), "hash:ip", "family",
	    a->family == ADDR_V4 ? "inet" : "inet6", "timeout", "0", "-exist",
	    NULL};
	char *match[] = {tool(a), "-w", NULL, IPT_CHAIN, "-m", "set",
	    "--match-set", set_name(a), "src", "-j", "DROP", NULL};
	int r;

	if (run(create, ctx) != 0)
		return ARX_ERR_SYS;
	if ((r = ensure_chain(a, run, ctx)) != 0)
		return r;
	return ensure(match, run, ctx, "-A");
}

int
ipset_add(
    const struct arx_addr *a, uint64_t timeout_s, fw_run_fn *run, void *ctx)
{
	char text[64], secs[24];
	char *add[] = {
	    "ipset", "add", set_name(a), text, "timeout", secs, "-exist", NULL};
	int r;

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	snprintf(secs, sizeof(secs), "%" PRIu64,
	    timeout_s > 2147483 ? (uint64_t)2147483 : timeout_s);
	if ((r = ensure_set(a, run, ctx)) != 0)
		return r;
	return run(add, ctx) == 0 ? 0 : ARX_ERR_SYS;
}

int
ipset_delete(const struct arx_addr *a, fw_run_fn *run, void *ctx)
{
	char text[64];
	char *del[] = {"ipset", "del", set_name(a), text, "-exist", NULL};

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	return run(del, ctx) == 0 ? 0 : ARX_ERR_SYS;
}
