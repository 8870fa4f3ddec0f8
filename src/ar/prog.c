/*
 * Program side of the response protocols (see prog.h).
 */
#include <stdio.h>
#include <string.h>

#include "ar/prog.h"
#include "core/err.h"
#include "core/strparse.h"

/* rq's address: a network (ADDR/LEN) only in a message of arxd's, which
 * checked it against the white list and the backend; OSSEC's and
 * Wazuh's callers pass an address. */
static int
parse_addr(struct ar_prog_request *rq)
{
	return rq->from_arx ? addr_parse_net_str(rq->addr_text, &rq->addr)
			    : addr_parse_str(rq->addr_text, &rq->addr);
}

/* The word after "--name" in words separated by spaces or commas. */
static bool
option_in(const char *words, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name), n = 0;
	const char *p = words;

	while ((p = strstr(p, "--")) != NULL) {
		p += 2;
		if (strncmp(p, name, nlen) == 0 &&
		    strchr(" ,=", p[nlen]) != NULL && p[nlen] != '\0')
			break;
	}
	if (p == NULL || size == 0)
		return false;
	for (p += nlen; *p == ' ' || *p == ',' || *p == '='; p++)
		;
	while (p[n] != '\0' && p[n] != ' ' && p[n] != ',' && n + 1 < size) {
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
	return n > 0;
}

bool
ar_prog_option(
    const struct ar_prog_request *rq, const char *name, char *out, size_t size)
{
	return option_in(rq->extra, name, out, size);
}

static void
find_timeout(const char *words, uint64_t *out)
{
	char num[24];

	if (option_in(words, "timeout", num, sizeof(num)))
		(void)str_to_uint(num, 0, UINT32_MAX, out);
}

static int
from_argv(int argc, char **argv, struct ar_prog_request *rq)
{
	char *extra = rq->extra;
	size_t size = sizeof(rq->extra);
	int i;

	if (argc < 4)
		return ARX_ERR_INVAL;
	str_lcpy(rq->command, argv[1], sizeof(rq->command));
	str_lcpy(rq->user, argv[2], sizeof(rq->user));
	str_lcpy(rq->addr_text, argv[3], sizeof(rq->addr_text));
	if (argc > 5) {
		str_lcpy(rq->alert_id, argv[4], sizeof(rq->alert_id));
		str_lcpy(rq->rule_id, argv[5], sizeof(rq->rule_id));
	}
	/* The arguments after the address, space-separated, cut at the
	 * buffer (snprintf never writes past it). */
	for (i = 4; i < argc; i++) {
		size_t used = strlen(extra);

		if (size - used < 2)
			break;
		snprintf(extra + used, size - used, "%s ", argv[i]);
	}
	find_timeout(extra, &rq->timeout_s);
	return 0;
}

void
ar_prog_field(
    const struct json_doc *msg, const char *name, char *out, size_t size)
{
	const char *v = json_doc_get(msg, name);

	str_lcpy(out, v != NULL ? v : "", size);
}

/* One line of stdin, decoded into msg. */
static int
read_json(char *line, size_t size, struct json_doc *msg)
{
	if (fgets(line, (int)size, stdin) == NULL)
		return ARX_ERR_INVAL;
	return json_doc_parse(msg, line, strcspn(line, "\n"));
}

static void from_message(
    const struct json_doc *msg, struct ar_prog_request *rq);

int
ar_prog_parse(const char *line, size_t len, struct ar_prog_request *rq,
    struct json_doc *msg)
{
	int r;

	memset(rq, 0, sizeof(*rq));
	if ((r = json_doc_parse(msg, line, len)) != 0)
		return r;
	from_message(msg, rq);
	if (rq->addr_text[0] != '\0' && strcmp(rq->addr_text, "-") != 0 &&
	    parse_addr(rq) != 0)
		return ARX_ERR_INVAL;
	return 0;
}

static void
send_check_keys(const char *name, const char *addr)
{
	printf("{\"version\":1,\"origin\":{\"name\":\"%s\",\"module\":"
	       "\"active-response\"},\"command\":\"check_keys\","
	       "\"parameters\":{\"keys\":[\"%s\"]}}\n",
	    name, strpbrk(addr, "\"\\") == NULL ? addr : "-");
	fflush(stdout);
}

/* The values of a decoded JSON message that every program uses. */
static void
from_message(const struct json_doc *ev, struct ar_prog_request *rq)
{
	char num[24];
	uint64_t v;

	ar_prog_field(ev, "command", rq->command, sizeof(rq->command));
	ar_prog_field(ev, "origin.module", num, sizeof(num));
	rq->from_arx = strcmp(num, "arx") == 0;
	ar_prog_field(ev, "parameters.alert.data.srcip", rq->addr_text,
	    sizeof(rq->addr_text));
	ar_prog_field(
	    ev, "parameters.alert.data.dstuser", rq->user, sizeof(rq->user));
	ar_prog_field(
	    ev, "parameters.alert.id", rq->alert_id, sizeof(rq->alert_id));
	ar_prog_field(
	    ev, "parameters.alert.rule.id", rq->rule_id, sizeof(rq->rule_id));
	ar_prog_field(
	    ev, "parameters.extra_args", rq->extra, sizeof(rq->extra));
	find_timeout(rq->extra, &rq->timeout_s);
	ar_prog_field(ev, "parameters.arx_timeout", num, sizeof(num));
	if (rq->timeout_s == 0 && str_to_uint(num, 1, UINT32_MAX, &v) == 0)
		rq->timeout_s = v;
}

/* The JSON protocol: the message (decoded into msg), then for an add the
 * key handshake. */
static int
from_json(const char *name, struct ar_prog_request *rq, struct json_doc *msg)
{
	static char line[1 << 20];
	char reply[16];
	struct json_doc ev;
	int r;

	json_doc_init(&ev);
	if (fgets(line, sizeof(line), stdin) == NULL) {
		r = ARX_ERR_INVAL;
		goto out;
	}
	/* The address is checked by the callers, after this returns. */
	if ((r = ar_prog_parse(line, strcspn(line, "\n"), rq, msg)) != 0 &&
	    rq->command[0] == '\0')
		goto out;
	r = 0;
	if (strcmp(rq->command, "add") != 0)
		goto out;
	send_check_keys(name, rq->addr_text[0] ? rq->addr_text : rq->rule_id);
	if ((r = read_json(line, sizeof(line), &ev)) != 0)
		goto out;
	ar_prog_field(&ev, "command", reply, sizeof(reply));
	if (strcmp(reply, "continue") != 0)
		str_lcpy(rq->command, "abort", sizeof(rq->command));
out:
	json_doc_release(&ev);
	return r;
}

int
ar_prog_read_alert(int argc, char **argv, const char *name,
    struct ar_prog_request *rq, struct json_doc *msg)
{
	int r;

	memset(rq, 0, sizeof(*rq));
	r = argc > 1 ? from_argv(argc, argv, rq) : from_json(name, rq, msg);
	if (r != 0) {
		fprintf(stderr, "%s: cannot read the request\n", name);
		return ARX_ERR_INVAL;
	}
	if (strcmp(rq->addr_text, "-") == 0)
		rq->addr_text[0] = '\0';
	if (rq->addr_text[0] != '\0' && parse_addr(rq) != 0) {
		fprintf(
		    stderr, "%s: not an address: '%s'\n", name, rq->addr_text);
		return ARX_ERR_INVAL;
	}
	return 0;
}

bool
ar_prog_help(int argc, char **argv, const char *name, const char *options)
{
	if (argc != 2)
		return false;
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", name, ARX_VERSION);
		return true;
	}
	if (strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--help") != 0)
		return false;
	printf("usage: %s              (the request on stdin: Wazuh's JSON "
	       "protocol)\n"
	       "       %s add|delete USER ADDRESS [ALERT_ID RULE_ID ...] "
	       "(OSSEC's)\n"
	       "Run by arxd (or OSSEC's and Wazuh's execd) as a <command>'s "
	       "<executable>;\n"
	       "its options go in <extra_args>:\n%s",
	    name, name, options);
	return true;
}

int
ar_prog_read(
    int argc, char **argv, const char *name, struct ar_prog_request *rq)
{
	struct json_doc msg;
	int r;

	memset(rq, 0, sizeof(*rq));
	json_doc_init(&msg);
	r = argc > 1 ? from_argv(argc, argv, rq) : from_json(name, rq, &msg);
	json_doc_release(&msg);
	if (r != 0) {
		fprintf(stderr, "%s: cannot read the request\n", name);
		return ARX_ERR_INVAL;
	}
	if (strcmp(rq->command, "abort") == 0)
		return 0;
	if (parse_addr(rq) != 0) {
		fprintf(
		    stderr, "%s: not an address: '%s'\n", name, rq->addr_text);
		return ARX_ERR_INVAL;
	}
	return 0;
}
