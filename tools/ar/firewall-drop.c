/*
 * firewall-drop: the stock blocking program, usable by arx, OSSEC and
 * Wazuh alike. It speaks both protocols (src/ar/prog.c): with arguments,
 * OSSEC's legacy argv; without, Wazuh's JSON line on stdin, answering an
 * add with check_keys for the address and acting only on "continue".
 *
 * The block goes into nftables (fw/nft.c) with the timeout given by
 * "--timeout SECONDS" among the extra arguments, so the kernel lifts it
 * on time even if the caller is gone. Exit status: 0 done or aborted,
 * 64 bad input, 69 nft failed.
 */
#include <sysexits.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ar/prog.h"
#include "core/err.h"
#include "exec/exec.h"
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

int
main(int argc, char **argv)
{
	char *const nft[] = {"nft", "-f", "-", NULL};
	struct ar_prog_request rq;
	struct exec_result res;
	struct buf script;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (ar_prog_read(argc, argv, "firewall-drop", &rq) != 0)
		return EX_USAGE;
	if (strcmp(rq.command, "abort") == 0)
		return 0;
	buf_init(&script, 1 << 16);
	if ((r = script_for(&rq, &script)) == 0 &&
	    (r = exec_run(
		 NFT_PATH, nft, script.data, script.len, 30000, &res)) != 0)
		fprintf(stderr, "firewall-drop: nft failed: %s\n", res.err);
	buf_release(&script);
	return r == 0 ? 0 : r == ARX_ERR_INVAL ? EX_USAGE : EX_UNAVAILABLE;
}
