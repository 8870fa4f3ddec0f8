/*
 * firewall-drop: the stock blocking program, usable by arx, OSSEC and
 * Wazuh alike. It speaks both protocols: with arguments, OSSEC's legacy
 * argv (add|delete user srcip alertid ruleid location... filename
 * [extra args]); without, Wazuh's JSON line on stdin, answering an add
 * with check_keys for the address and acting only on "continue".
 *
 * The block goes into nftables (fw/nft.c) with the timeout given by
 * "--timeout SECONDS" among the extra arguments, so the kernel lifts it
 * on time even if the caller is gone. Exit status: 0 done or aborted,
 * 64 bad input, 69 nft failed.
 */
#include <sysexits.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/strparse.h"
#include "engine/event.h"
#include "engine/json.h"
#include "exec/exec.h"
#include "fw/nft.h"

#define NFT_PATH "/usr/sbin/nft"

struct request {
	char command[16];
	char addr[64];
	uint64_t timeout_s;
};

struct nft_run {
	struct exec_result res;
	bool done;
};

static void
nft_done(struct exec_job *job, const struct exec_result *r, void *ctx)
{
	struct nft_run *n = ctx;

	(void)job;
	n->res = *r;
	n->done = true;
}

/* Run "nft -f -" with script on stdin; 0 when nft exits 0. */
static int
nft_apply(const struct buf *script)
{
	char *const argv[] = {"nft", "-f", "-", NULL};
	struct evloop *loop = evloop_new(clock_real());
	struct exec_spec spec = {NFT_PATH, argv, 30000, NULL, nft_done, NULL};
	struct nft_run n = {0};
	struct exec_job *job;
	int r = ARX_ERR_SYS;

	spec.ctx = &n;
	if (loop == NULL || exec_start(loop, &spec, &job) != 0)
		goto out;
	(void)exec_write(job, script->data, script->len);
	exec_close_stdin(job);
	while (!n.done && evloop_run_once(loop, 1000) >= 0)
		;
	if (n.done && !n.res.timed_out && n.res.status == 0)
		r = 0;
	else
		fprintf(stderr, "firewall-drop: nft failed: %s\n", n.res.err);
out:
	evloop_free(loop);
	return r;
}

/* "--timeout N" in a list of words separated by spaces or commas. */
static void
find_timeout(const char *words, uint64_t *out)
{
	const char *p = strstr(words, "--timeout");
	char num[24];
	size_t n = 0;

	if (p == NULL)
		return;
	for (p += 9; *p == ' ' || *p == ',' || *p == '='; p++)
		;
	while (p[n] >= '0' && p[n] <= '9' && n < sizeof(num) - 1) {
		num[n] = p[n];
		n++;
	}
	num[n] = '\0';
	(void)str_to_uint(num, 0, UINT32_MAX, out);
}

static int
from_argv(int argc, char **argv, struct request *rq)
{
	char extra[512] = "";
	int i;

	if (argc < 4)
		return ARX_ERR_INVAL;
	str_lcpy(rq->command, argv[1], sizeof(rq->command));
	str_lcpy(rq->addr, argv[3], sizeof(rq->addr));
	for (i = 4; i < argc; i++) {
		strncat(extra, argv[i], sizeof(extra) - strlen(extra) - 2);
		strcat(extra, " ");
	}
	find_timeout(extra, &rq->timeout_s);
	return 0;
}

/* Copy field name of a decoded JSON message into out. */
static void
field(const struct event *ev, const char *name, char *out, size_t size)
{
	struct span s = event_get(ev, name);
	size_t n = s.len < size - 1 ? s.len : size - 1;

	memcpy(out, s.p != NULL ? s.p : "", n);
	out[n] = '\0';
}

static int
read_json(char *line, size_t size, struct event *ev)
{
	event_reset(ev);
	if (fgets(line, (int)size, stdin) == NULL)
		return ARX_ERR_INVAL;
	return json_decode_event(
	    ev, line, strcspn(line, "\n"), JSON_NULL_DISCARD, true);
}

/* The JSON protocol: the message, then for an add the key handshake. */
static int
from_json(struct request *rq)
{
	static char line[1 << 20];
	char extra[512];
	struct event ev;
	int r;

	event_init(&ev);
	if ((r = read_json(line, sizeof(line), &ev)) != 0)
		goto out;
	field(&ev, "command", rq->command, sizeof(rq->command));
	field(&ev, "parameters.alert.data.srcip", rq->addr, sizeof(rq->addr));
	field(&ev, "parameters.extra_args", extra, sizeof(extra));
	find_timeout(extra, &rq->timeout_s);
	if (strcmp(rq->command, "add") != 0)
		goto out;
	printf("{\"version\":1,\"origin\":{\"name\":\"firewall-drop\","
	       "\"module\":\"active-response\"},\"command\":\"check_keys\","
	       "\"parameters\":{\"keys\":[\"%s\"]}}\n",
	    rq->addr[0] != '\0' && strpbrk(rq->addr, "\"\\") == NULL ? rq->addr
								     : "-");
	fflush(stdout);
	if ((r = read_json(line, sizeof(line), &ev)) != 0)
		goto out;
	field(&ev, "command", rq->command, sizeof(rq->command));
out:
	event_release(&ev);
	return r;
}

int
main(int argc, char **argv)
{
	struct request rq = {0};
	struct arx_addr a;
	struct buf script;
	int r;

	signal(SIGPIPE, SIG_IGN);
	r = argc > 1 ? from_argv(argc, argv, &rq) : from_json(&rq);
	if (r != 0) {
		fprintf(stderr, "firewall-drop: cannot read the request\n");
		return EX_USAGE;
	}
	if (strcmp(rq.command, "abort") == 0)
		return 0;
	if (addr_parse_str(rq.addr, &a) != 0) {
		fprintf(
		    stderr, "firewall-drop: not an address: '%s'\n", rq.addr);
		return EX_USAGE;
	}
	buf_init(&script, 1 << 16);
	r = nft_script_setup(&script);
	if (r == 0 &&
	    (strcmp(rq.command, "add") == 0 ||
		strcmp(rq.command, "continue") == 0))
		r = nft_script_add(&script, &a, rq.timeout_s);
	else if (r == 0 && strcmp(rq.command, "delete") == 0)
		r = nft_script_delete(&script, &a);
	else if (r == 0)
		r = ARX_ERR_INVAL;
	if (r == 0)
		r = nft_apply(&script);
	buf_release(&script);
	if (r == ARX_ERR_INVAL)
		fprintf(stderr, "firewall-drop: unknown command '%s'\n",
		    rq.command);
	return r == 0 ? 0 : r == ARX_ERR_INVAL ? EX_USAGE : EX_UNAVAILABLE;
}
