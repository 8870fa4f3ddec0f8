/*
 * firewall-drop: the stock blocking program, usable by arx, OSSEC and
 * Wazuh alike. It speaks both protocols (src/ar/prog.c): with arguments,
 * OSSEC's legacy argv; without, Wazuh's JSON line on stdin, answering an
 * add with check_keys for the address and acting only on "continue".
 *
 * "--backend nftables" (the default) puts the block into nftables
 * (fw/nft.c) with the timeout given by "--timeout SECONDS", so the kernel
 * lifts it on time even if the caller is gone. "--backend iptables" uses
 * a dedicated iptables/ip6tables chain (fw/ipt.c), lifted by the
 * caller's delete; "--backend ipset" puts it into ipset sets with
 * timeouts matched from that chain. A network (NET/LEN, from arx block)
 * goes into nftables' interval sets or an iptables rule; ipset's hash:ip
 * sets refuse it. Exit status: 0 done or aborted, 64 bad input, 69 the
 * firewall tool failed.
 */
#include <sysexits.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ar/prog.h"
#include "core/err.h"
#include "exec/exec.h"
#include "fw/ipt.h"
#include "fw/nft.h"

#define NFT_PATH "/usr/sbin/nft"

/* Run "nft -f -" with script as one transaction; quiet: no message on
 * failure (the caller tries again with the setup). */
static int
nft_run_script(const struct buf *script, bool quiet)
{
	char *const nft[] = {"nft", "-f", "-", NULL};
	struct exec_result res;
	int r;

	r = exec_run(NFT_PATH, nft, script->data, script->len, 30000, &res);
	if (r != 0 && !quiet)
		fprintf(stderr, "firewall-drop: nft failed: %s\n", res.err);
	return r;
}

/*
 * One change, cheapest first: "create" (or a plain "delete") alone, which
 * is all the kernel needs when arx's table exists and the address is new
 * (or blocked); then the idempotent form, which also updates the timeout
 * of an address already blocked; then that with the setup, for a
 * missing table. Each step is one transaction.
 */
static int
nft_change(const struct ar_prog_request *rq, bool add)
{
	struct buf quick, change, full;
	int r;

	buf_init(&quick, 1 << 12);
	buf_init(&change, 1 << 12);
	buf_init(&full, 1 << 16);
	r = add ? nft_script_create(&quick, &rq->addr, rq->timeout_s)
		: nft_script_remove(&quick, &rq->addr);
	if (r == 0)
		r = add ? nft_script_add(&change, &rq->addr, rq->timeout_s)
			: nft_script_delete(&change, &rq->addr);
	if (r == 0 && (r = nft_run_script(&quick, true)) != 0 &&
	    (r = nft_run_script(&change, true)) != 0 &&
	    (r = nft_script_setup(&full)) == 0 &&
	    (r = buf_append(&full, change.data, change.len)) == 0)
		r = nft_run_script(&full, false);
	buf_release(&quick);
	buf_release(&change);
	buf_release(&full);
	return r;
}

static int
nft_add(const struct ar_prog_request *rq)
{
	return nft_change(rq, true);
}

static int
nft_del(const struct ar_prog_request *rq)
{
	return nft_change(rq, false);
}

/* fw_run_fn for ipt.c: argv[0] is "iptables", "ip6tables" or "ipset". */
static int
ipt_run(char *const *argv, void *ctx)
{
	char path[64];
	struct exec_result res;

	(void)ctx;
	snprintf(path, sizeof(path), "/usr/sbin/%s", argv[0]);
	return exec_run(path, argv, NULL, 0, 30000, &res);
}

static int
ipt_add_rq(const struct ar_prog_request *rq)
{
	return ipt_add(&rq->addr, ipt_run, NULL);
}

static int
ipt_del_rq(const struct ar_prog_request *rq)
{
	return ipt_delete(&rq->addr, ipt_run, NULL);
}

static int
ipset_add_rq(const struct ar_prog_request *rq)
{
	return ipset_add(&rq->addr, rq->timeout_s, ipt_run, NULL);
}

static int
ipset_del_rq(const struct ar_prog_request *rq)
{
	return ipset_delete(&rq->addr, ipt_run, NULL);
}

typedef int backend_fn(const struct ar_prog_request *rq);

static const struct backend {
	const char *name;
	backend_fn *add, *del;
} backends[] = {
    {"nftables", nft_add, nft_del},
    {"iptables", ipt_add_rq, ipt_del_rq},
    {"ipset", ipset_add_rq, ipset_del_rq},
};

static const struct backend *
backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i].name, name) == 0)
			return &backends[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	struct ar_prog_request rq;
	const struct backend *b;
	char name[32] = "nftables";
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (ar_prog_help(argc, argv, "firewall-drop",
		"  --backend NAME  nftables (default), iptables or ipset\n"
		"  --timeout S     the kernel drops the block by itself after S "
		"seconds\n"))
		return 0;
	if (ar_prog_read(argc, argv, "firewall-drop", &rq) != 0)
		return EX_USAGE;
	if (strcmp(rq.command, "abort") == 0)
		return 0;
	(void)ar_prog_option(&rq, "backend", name, sizeof(name));
	if ((b = backend_find(name)) == NULL) {
		fprintf(stderr, "firewall-drop: unknown backend '%s'\n", name);
		return EX_USAGE;
	}
	if (rq.addr.plen != 0 && b->add == ipset_add_rq) {
		fprintf(stderr,
		    "firewall-drop: %s is a network: the ipset backend's "
		    "hash:ip sets hold single addresses (use nftables or "
		    "iptables)\n",
		    rq.addr_text);
		return EX_USAGE;
	}
	if (strcmp(rq.command, "add") == 0) {
		r = b->add(&rq);
	} else if (strcmp(rq.command, "delete") == 0) {
		r = b->del(&rq);
	} else {
		fprintf(stderr, "firewall-drop: unknown command '%s'\n",
		    rq.command);
		return EX_USAGE;
	}
	if (r != 0 && r != ARX_ERR_INVAL)
		fprintf(stderr, "firewall-drop: %s failed\n", name);
	return r == 0 ? 0 : r == ARX_ERR_INVAL ? EX_USAGE : EX_UNAVAILABLE;
}
