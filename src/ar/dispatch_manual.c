/*
 * Blocks asked for by hand or by a manager (dispatch.h): arx block and
 * unblock, an agent's RESPONSE, lifting every block of a command or all
 * of them. A manual block is refused for a white-listed address or
 * network, one not unicast, or a network that overlaps another's;
 * otherwise it takes the rules' path (dispatch.c's dp_block_one()).
 * Owns nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar/dispatch.h"
#include "ar/dispatch_int.h"

/* The first enabled response using command cmd (or any, when cmd < 0). */
const struct conf_ar *
dp_response_of(const struct arx_conf *conf, int cmd)
{
	size_t i;

	for (i = 0; i < conf->nars; i++) {
		const struct conf_ar *ar = &conf->ars[i];

		if (!ar->disabled &&
		    (cmd < 0 || ar->command_idx == (size_t)cmd))
			return ar;
	}
	return NULL;
}

/* ar_table_foreach over the networks in arx's nftables sets (every
 * command on nftables shares them), blocked or being lifted: the first
 * that overlaps want (another than want itself), and whose it is. */
struct overlap {
	const enum ar_backend *backends;
	struct arx_addr want, found;
	unsigned cmd;
};

static void
overlap_find(const struct ar_block *b, void *ctx)
{
	struct overlap *o = ctx;

	if (o->backends[b->cmd] == AR_BACKEND_NFT && b->addr.plen != 0 &&
	    o->found.plen == 0 && !addr_equal(&b->addr, &o->want) &&
	    addr_overlaps(&b->addr, &o->want)) {
		o->found = b->addr;
		o->cmd = b->cmd;
	}
}

/* Why a manual block of (cmd, a) cannot be: the white list (a network
 * must not hold a white-listed address), an address no peer sends from,
 * a network the command cannot hold or (nftables: its interval sets
 * refuse overlaps) one that overlaps a network they hold. NULL: none. */
const char *
dp_manual_refusal(struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a)
{
	char *why = d->refusal;
	struct overlap o = {.backends = d->backends, .want = *a};
	char text[CIDR_STRLEN];

	if (ar_whitelisted(&d->conf->global.white_list, a)) {
		addr_format(a, text, sizeof(text));
		dp_skip_whitelisted(d, cmd, text, 0, NULL);
		return a->plen != 0 ? "the network holds white-listed addresses"
				    : "the address is white-listed";
	}
	if (a->plen == 0)
		return dp_unblockable(d, a);
	if (!ar_command_ranges(&d->conf->commands[cmd]))
		return "this command blocks single addresses only (networks: "
		       "builtin:nftables, firewall-drop on nftables or "
		       "iptables, route-null)";
	if (addr_kind(a) != ADDR_UNICAST && dp_unblockable(d, a) != NULL) {
		snprintf(why, sizeof(d->refusal),
		    "the network holds %s addresses",
		    addr_kind_name(addr_kind(a)));
		return why;
	}
	if (d->backends[cmd] != AR_BACKEND_NFT)
		return NULL;
	ar_table_foreach(d->table, overlap_find, &o);
	if (o.found.plen == 0)
		ar_table_foreach(d->lifting, overlap_find, &o);
	if (o.found.plen == 0)
		return NULL;
	addr_format(&o.found, text, sizeof(text));
	snprintf(why, sizeof(d->refusal),
	    "the network overlaps %s, which %s blocks in the same nftables "
	    "set (lift it first)",
	    text, d->names[o.cmd]);
	return why;
}

int
ar_dispatch_block(struct ar_dispatch *d, const char *command, const char *addr,
    uint64_t timeout_s, unsigned flags, const char **why)
{
	bool offence = (flags & AR_BLOCK_OFFENCE) != 0;
	const struct conf_ar *ar;
	struct ar_escalation e = {0};
	struct arx_addr a;
	int cmd = -1, rc;

	*why = NULL;
	if (command != NULL && (cmd = dp_command_index(d->conf, command)) < 0) {
		*why = "no such command";
		return ARX_ERR_NOTFOUND;
	}
	ar = dp_response_of(d->conf, cmd);
	if (cmd < 0 && ar == NULL) {
		*why = "no <active-response> is configured";
		return ARX_ERR_NOTFOUND;
	}
	if (cmd < 0)
		cmd = (int)ar->command_idx;
	if (addr_parse_net_str(addr, &a) != 0) {
		*why = "not an IPv4 or IPv6 address, nor a network ADDR/LEN";
		return ARX_ERR_INVAL;
	}
	if ((*why = dp_manual_refusal(d, (unsigned)cmd, &a)) != NULL)
		return ARX_ERR_INVAL;
	e.base_s = timeout_s != 0 ? timeout_s : (ar != NULL ? ar->timeout : 0);
	if (offence && timeout_s == 0 && ar != NULL)
		e = dp_escalation_of(
		    d->conf, ar); /* as a rule's trigger would */
	if ((rc = dp_block_one(d, (unsigned)cmd, &e, &a, NULL, flags)) < 0) {
		*why = "the block table or the run queue is full";
		return ARX_ERR_TOOBIG;
	}
	return rc;
}

/* Lift (cmd, a) for origin (0: the administrator, any origin): 1
 * lifted, 0 held on by another origin, or ARX_ERR_NOTFOUND/_PERM. */
static int
unblock_one(struct ar_dispatch *d, unsigned cmd, const struct arx_addr *a,
    unsigned origin)
{
	int64_t now = clock_wall_ms(d->o.clock);
	struct ar_block b;
	int r;

	r = origin == 0
	    ? (ar_table_remove(d->table, cmd, a, now, &b) == 0
		      ? 1
		      : ARX_ERR_NOTFOUND)
	    : ar_table_drop_origin(d->table, cmd, a, origin, now, &b);
	if (r == 1)
		dp_lift(d, &b, "lifted by request");
	return r;
}

int
ar_dispatch_unblock(struct ar_dispatch *d, const char *command,
    const char *addr, unsigned origin)
{
	struct arx_addr a;
	size_t i;
	int cmd = -1, n = 0, r, worst = ARX_ERR_NOTFOUND;

	if (command != NULL && (cmd = dp_command_index(d->conf, command)) < 0)
		return ARX_ERR_NOTFOUND;
	if (addr_parse_net_str(addr, &a) != 0)
		return ARX_ERR_INVAL;
	for (i = 0; i < d->conf->ncommands; i++) {
		if (cmd >= 0 && (size_t)cmd != i)
			continue;
		if ((r = unblock_one(d, (unsigned)i, &a, origin)) > 0)
			n++;
		else if (r == 0 || r == ARX_ERR_PERM)
			worst = r == 0 ? 0 : (worst == 0 ? 0 : r);
	}
	dp_timer_arm(d);
	return n > 0 ? n : worst;
}

static void
collect(const struct ar_block *b, void *ctx)
{
	struct buf *v = ctx;

	(void)buf_append(v, b, sizeof(*b));
}

/* Lift every block of command index cmd (-1: every command). */
static size_t
lift_every(struct ar_dispatch *d, int cmd, const char *why)
{
	struct buf all;
	const struct ar_block *b;
	struct ar_block out;
	size_t i, n, lifted = 0;

	buf_init(&all, SIZE_MAX / 2);
	ar_table_foreach(d->table, collect, &all);
	b = (const struct ar_block *)(const void *)all.data;
	n = all.len / sizeof(*b);
	for (i = 0; i < n; i++)
		if ((cmd < 0 || b[i].cmd == (unsigned)cmd) &&
		    ar_table_remove(d->table, b[i].cmd, &b[i].addr,
			clock_wall_ms(d->o.clock), &out) == 0) {
			dp_lift(d, &out, why);
			lifted++;
		}
	buf_release(&all);
	dp_timer_arm(d);
	return lifted;
}

void
ar_dispatch_lift_all(struct ar_dispatch *d, const char *why)
{
	(void)lift_every(d, -1, why);
}

int
ar_dispatch_unblock_all(struct ar_dispatch *d, const char *command)
{
	int cmd = command != NULL ? dp_command_index(d->conf, command) : -1;

	if (command != NULL && cmd < 0)
		return ARX_ERR_NOTFOUND;
	return (int)lift_every(d, cmd, "lifted by request (all)");
}
