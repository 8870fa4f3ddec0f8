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
 * timeouts matched from that chain. Exit status: 0 done or aborted, 64 bad input, 69 the
 * firewall tool failed.
 */
#include <sysexits.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ar/prog.h"
#include "core/err.h"
#include "exec/exec.h"
#include "fw/ipt.h"
#include "fw/nft.h"

#define NFT_PATH "/usr/sbin/nft"

static int
script_for(const struct ar_prog_request *rq, struct buf *script)
{
	int r = nft_script_setup(script);

	if (r != 0)
		return r;
	if (strcmp(rq->command, "add") == 0)
		return nft_script_add(script, &rq->addr, rq->timeout_s);
	if (strcmp(rq->command, "delete") == 0)
		return nft_script_delete(script, &rq->addr);
	fprintf(stderr, "firewall-drop: unknown command '%s'\n", rq->command);
	return ARX_ERR_INVAL;
}

static int
nft_apply(const struct ar_prog_request *rq)
{
	char *const nft[] = {"nft", "-f", "-", NULL};
	struct exec_result res;
	struct buf script;
	int r;

	buf_init(&script, 1 << 16);
	if ((r = script_for(rq, &script)) == 0 &&
	    (r = exec_run(
		 NFT_PATH, nft, script.data, script.len, 30000, &res)) != 0)
		fprintf(stderr, "firewall-drop: nft failed: %s\n", res.err);
	buf_release(&script);
	return r;
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
ipt_apply(const struct ar_prog_request *rq)
{
	if (strcmp(rq->command, "add") == 0)
		return ipt_add(&rq->addr, ipt_run, NULL);
	if (strcmp(rq->command, "delete") == 0)
		return ipt_delete(&rq->addr, ipt_run, NULL);
	fprintf(stderr, "firewall-drop: unknown command '%s'\n", rq->command);
	return ARX_ERR_INVAL;
}

static int
ipset_apply(const struct ar_prog_request *rq)
{
	if (strcmp(rq->command, "add") == 0)
		return ipset_add(&rq->addr, rq->timeout_s, ipt_run, NULL);
	if (strcmp(rq->command, "delete") == 0)
		return ipset_delete(&rq->addr, ipt_run, NULL);
	fprintf(stderr, "firewall-drop: unknown command '%s'\n", rq->command);
	return ARX_ERR_INVAL;
}

static const struct {
	const char *name;
	int (*apply)(const struct ar_prog_request *rq);
} backends[] = {
    {"nftables", nft_apply},
    {"iptables", ipt_apply},
    {"ipset", ipset_apply},
};

int
main(int argc, char **argv)
{
	struct ar_prog_request rq;
	char name[32] = "nftables";
	size_t i;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (ar_prog_read(argc, argv, "firewall-drop", &rq) != 0)
		return EX_USAGE;
	if (strcmp(rq.command, "abort") == 0)
		return 0;
	(void)ar_prog_option(&rq, "backend", name, sizeof(name));
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i].name, name) == 0)
			break;
	if (i == sizeof(backends) / sizeof(backends[0])) {
		fprintf(stderr, "firewall-drop: unknown backend '%s'\n", name);
		return EX_USAGE;
	}
	r = backends[i].apply(&rq);
	if (r != 0 && r != ARX_ERR_INVAL)
		fprintf(stderr, "firewall-drop: %s failed\n", name);
	return r == 0 ? 0 : r == ARX_ERR_INVAL ? EX_USAGE : EX_UNAVAILABLE;
}
