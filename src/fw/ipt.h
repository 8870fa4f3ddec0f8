/*
 * The iptables backend of firewall-drop: a dedicated chain "arx" in the
 * filter table, jumped to from INPUT and FORWARD, holding one DROP rule
 * per blocked source; ip6tables for IPv6. Every call passes -w so that
 * concurrent runs wait for the xtables lock instead of failing. iptables
 * rules have no timeout: the caller's delete lifts a block.
 *
 * This module decides which commands to run and in what order; running
 * them is the caller's (fw_run_fn), so the fw layer needs no process
 * code and tests can record the commands. The listings of both (iptables
 * -S, ipset save) are read back line by line into what of the set-up is
 * there and which addresses are blocked.
 */
#ifndef ARX_FW_IPT_H
#define ARX_FW_IPT_H

#include <stdint.h>

#include "core/addr.h"

#define IPT_CHAIN "arx"

/* Run argv (argv[0] is "iptables" or "ip6tables"); 0 when it exits 0. */
typedef int fw_run_fn(char *const *argv, void *ctx);

/* Make sure the chain and its jumps exist, then the DROP rule for a. */
int ipt_add(const struct arx_addr *a, fw_run_fn *run, void *ctx);
/* Remove every DROP rule for a; not an error if there is none. */
int ipt_delete(const struct arx_addr *a, fw_run_fn *run, void *ctx);

/*
 * The ipset backend: sets arx4/arx6 (hash:ip with per-element timeouts,
 * so the kernel lifts a block on time) matched by one DROP rule each in
 * the same chain. argv[0] may also be "ipset".
 */
int ipset_add(
    const struct arx_addr *a, uint64_t timeout_s, fw_run_fn *run, void *ctx);
int ipset_delete(const struct arx_addr *a, fw_run_fn *run, void *ctx);

/* The argv that list what the backends hold: iptables -w -S, the same
 * with ip6tables, ipset save (each run from /usr/sbin). */
extern char *const ipt_list_argv4[], *const ipt_list_argv6[];
extern char *const ipset_list_argv[];

/* What a listing showed of the set-up. */
enum ipt_seen {
	IPT_SEEN_CHAIN = 1u << 0,   /* -N arx */
	IPT_SEEN_INPUT = 1u << 1,   /* -A INPUT -j arx */
	IPT_SEEN_FORWARD = 1u << 2, /* -A FORWARD -j arx */
	IPT_SEEN_MATCH = 1u << 3,   /* -A arx -m set --match-set arxN ... */
	IPT_SEEN_SET4 = 1u << 4,    /* ipset: create arx4 */
	IPT_SEEN_SET6 = 1u << 5,
};

/* One blocked address as a listing shows it. */
typedef void ipt_elem_fn(const struct arx_addr *a, void *ctx);

struct ipt_listing {
	unsigned seen; /* enum ipt_seen */
};

/* One line of `iptables -w -S` (or ip6tables): elem is called for each
 * "-A arx -s ADDR/32 -j DROP" (/128). */
void ipt_listing_line(struct ipt_listing *l, const char *line, size_t len,
    ipt_elem_fn *elem, void *ctx);
/* One line of `ipset save`: elem is called for each "add arx4 ADDR"
 * (arx6). */
void ipset_listing_line(struct ipt_listing *l, const char *line, size_t len,
    ipt_elem_fn *elem, void *ctx);

#endif
