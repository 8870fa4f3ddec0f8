/*
 * The iptables backend of firewall-drop: a dedicated chain "arx" in the
 * filter table, jumped to from INPUT and FORWARD, holding one DROP rule
 * per blocked source; ip6tables for IPv6. Every call passes -w so that
 * concurrent runs wait for the xtables lock instead of failing. iptables
 * rules have no timeout: the caller's delete lifts a block.
 *
 * This module decides which commands to run and in what order; running
 * them is the caller's (fw_run_fn), so the fw layer needs no process
 * code and tests can record the commands.
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

#endif
