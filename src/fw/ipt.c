/*
 * iptables commands for firewall-drop (see ipt.h).
 */
#include "fw/ipt.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

	/* hash:ip would take a network as every address in it */
	if ((a->family != ADDR_V4 && a->family != ADDR_V6) || a->plen != 0)
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

	if ((a->family != ADDR_V4 && a->family != ADDR_V6) || a->plen != 0)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	return run(del, ctx) == 0 ? 0 : ARX_ERR_SYS;
}

char *const ipt_list_argv4[] = {"iptables", "-w", "-S", NULL};
char *const ipt_list_argv6[] = {"ip6tables", "-w", "-S", NULL};
char *const ipset_list_argv[] = {"ipset", "save", NULL};

/* The lines of a listing that matter: the text before the address (all
 * of it when there is none), what must follow the address (NULL:
 * anything after a blank), what the line says is there. */
enum {
	NO_ADDR,
	HOST_PREFIX,
	WORD
};

struct pattern {
	const char *head, *tail;
	unsigned addr, seen;
};

static const struct pattern ipt_lines[] = {
    {"-N " IPT_CHAIN, "", NO_ADDR, IPT_SEEN_CHAIN},
    {"-A INPUT -j " IPT_CHAIN, "", NO_ADDR, IPT_SEEN_INPUT},
    {"-A FORWARD -j " IPT_CHAIN, "", NO_ADDR, IPT_SEEN_FORWARD},
    {"-A " IPT_CHAIN " -m set --match-set arx4 src -j DROP", "", NO_ADDR,
	IPT_SEEN_MATCH},
    {"-A " IPT_CHAIN " -m set --match-set arx6 src -j DROP", "", NO_ADDR,
	IPT_SEEN_MATCH},
    {"-A " IPT_CHAIN " -s ", " -j DROP", HOST_PREFIX, 0},
};

static const struct pattern ipset_lines[] = {
    {"create arx4 ", NULL, NO_ADDR, IPT_SEEN_SET4},
    {"create arx6 ", NULL, NO_ADDR, IPT_SEEN_SET6},
    {"add arx4 ", NULL, WORD, 0},
    {"add arx6 ", NULL, WORD, 0},
};

/* The address of p[0..n): for HOST_PREFIX "ADDR/32" or "ADDR/128", or
 * a blocked network "NET/LEN" as iptables -S writes them. */
static int
addr_of(const char *p, size_t n, unsigned how, struct arx_addr *a)
{
	if (how == WORD || memchr(p, '/', n) == NULL)
		return addr_parse(p, n, a);
	return addr_parse_net(p, n, a);
}

/* Whether line[0..len) is pt's; elem gets its address. */
static bool
pattern_match(const struct pattern *pt, const char *line, size_t len,
    ipt_elem_fn *elem, void *ctx)
{
	size_t hn = strlen(pt->head), tn = pt->tail ? strlen(pt->tail) : 0;
	const char *p = line + hn, *end = line + len;
	struct arx_addr a;

	if (len < hn || memcmp(line, pt->head, hn) != 0)
		return false;
	if (pt->addr == NO_ADDR)
		return pt->tail == NULL || len == hn;
	if (pt->tail != NULL) {
		if (len < hn + tn || memcmp(end - tn, pt->tail, tn) != 0)
			return false;
		end -= tn;
	} else {
		end = memchr(p, ' ', (size_t)(end - p));
		end = end != NULL ? end : line + len;
	}
	if (end <= p || addr_of(p, (size_t)(end - p), pt->addr, &a) != 0)
		return false;
	elem(&a, ctx);
	return true;
}

static void
lines_read(const struct pattern *pts, size_t n, struct ipt_listing *l,
    const char *line, size_t len, ipt_elem_fn *elem, void *ctx)
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i < n; i++)
		if (pattern_match(&pts[i], line, len, elem, ctx)) {
			l->seen |= pts[i].seen;
			return;
		}
}

void
ipt_listing_line(struct ipt_listing *l, const char *line, size_t len,
    ipt_elem_fn *elem, void *ctx)
{
	lines_read(ipt_lines, sizeof(ipt_lines) / sizeof(ipt_lines[0]), l, line,
	    len, elem, ctx);
}

void
ipset_listing_line(struct ipt_listing *l, const char *line, size_t len,
    ipt_elem_fn *elem, void *ctx)
{
	lines_read(ipset_lines, sizeof(ipset_lines) / sizeof(ipset_lines[0]), l,
	    line, len, elem, ctx);
}
