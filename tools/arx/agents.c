/*
 * arx agents: the manager's agent table (transport/keys.h), by hand.
 *
 *   arx agents [-c conf | -f file] list [--json]
 *   arx agents [-c conf | -f file] add NAME [--from any|ADDR|CIDR]
 *   arx agents [-c conf | -f file] remove ID|NAME
 *   arx agents [-c conf | -f file] group ID|NAME GROUP
 *   arx agents [-c conf | -f file] token [--ttl DURATION] [--name NAME]
 *
 * The table is <state_dir>/analysis/agents of the configuration (arxd's
 * enrollment server, in the analysis child, writes it too), or the file
 * given with -f. add prints the new agent's line, which holds its key:
 * it goes to the agent host by a channel the administrator trusts (the
 * usual way is enrollment, which needs no copying). remove keeps the
 * line, so the id is never given again and the key never accepted again.
 * group puts an agent in an agent.conf group (<shared_dir>/GROUP on the
 * manager; "default" until then); the manager pushes it within a second.
 * token prints a one-time enrollment token (valid for --ttl, 1 h by
 * default, for the agent name given with --name or any): `arx agent
 * enroll MANAGER -n NAME -T TOKEN` uses it once; the table keeps only a
 * key derived from it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "arx.h"
#include "config/conf.h"
#include "core/err.h"
#include "core/strparse.h"
#include "transport/keys.h"

struct agents {
	const char *conf_path;
	char path[4200];
	const char *from;
	const char *token_name;
	uint64_t ttl_s;
	bool json;
};

static int
agents_usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: arx agents [-c conf | -f file] list [--json]\n"
	    "       arx agents [-c conf | -f file] add NAME "
	    "[--from any|ADDR|CIDR]\n"
	    "       arx agents [-c conf | -f file] remove ID|NAME\n"
	    "       arx agents [-c conf | -f file] group ID|NAME GROUP\n"
	    "       arx agents [-c conf | -f file] token [--ttl DURATION] "
	    "[--name NAME]\n");
	return rc;
}

static int
agents_path(struct agents *ag)
{
	struct arx_conf *conf;

	if (ag->path[0] != '\0')
		return EX_OK;
	if (conf_load(ag->conf_path, &conf) != 0)
		return EX_CONFIG;
	snprintf(ag->path, sizeof(ag->path), "%s/analysis/agents",
	    conf->daemon.state_dir);
	conf_free(conf);
	return EX_OK;
}

static void
list_one(const struct agent_key *k, bool json, bool first)
{
	if (json) {
		printf("%s{\"id\":%llu,\"name\":\"%s\",\"from\":\"%s\","
		       "\"group\":\"%s\",\"state\":\"%s\"",
		    first ? "" : ",", (unsigned long long)k->id, k->name,
		    k->from, k->group, k->removed ? "removed" : "active");
		if (k->removed)
			printf(
			    ",\"removed_at\":%lld", (long long)k->removed_at);
		printf("}");
		return;
	}
	printf("%-6llu %-24s %-20s %-16s %s\n", (unsigned long long)k->id,
	    k->name, k->from, k->group, k->removed ? "removed" : "active");
}

static int
agents_list(const struct agent_keys *ks, bool json)
{
	if (json)
		printf("[");
	else
		printf("%-6s %-24s %-20s %-16s %s\n", "id", "name", "from",
		    "group", "state");
	for (size_t i = 0; i < ks->n; i++)
		list_one(&ks->v[i], json, i == 0);
	if (json) {
		printf("]\n");
		return EX_OK;
	}
	for (size_t i = 0; i < ks->ntokens; i++)
		printf("token %016llx for %s, expires %lld\n",
		    (unsigned long long)ks->tokens[i].id,
		    ks->tokens[i].name[0] ? ks->tokens[i].name : "any name",
		    (long long)ks->tokens[i].expires);
	return EX_OK;
}

static int
agents_add(struct agents *ag, struct agent_keys *ks, const char *name)
{
	struct agent_key k;
	int r = keys_add(ks, name, ag->from ? ag->from : "any", &k);

	if (r == ARX_ERR_EXISTS || r == ARX_ERR_INVAL) {
		fprintf(stderr, "arx agents: %s\n",
		    r == ARX_ERR_EXISTS
			? "an active agent has this name"
			: "the name must be 1-64 of A-Z a-z 0-9 . _ -, and "
			  "--from any, an address or a network");
		return EX_DATAERR;
	}
	if (r != 0 || keys_save(ag->path, ks) != 0) {
		fprintf(stderr, "arx agents: cannot write %s\n", ag->path);
		return EX_CANTCREAT;
	}
	printf("%llu %s %s ", (unsigned long long)k.id, k.name, k.from);
	for (size_t i = 0; i < TLS_KEY_LEN; i++)
		printf("%02x", k.key[i]);
	printf("\n");
	explicit_bzero(&k, sizeof(k));
	return EX_OK;
}

static int
agents_remove(struct agents *ag, struct agent_keys *ks, const char *which)
{
	if (keys_remove(ks, which, (int64_t)time(NULL)) != 0) {
		fprintf(stderr, "arx agents: no active agent %s\n", which);
		return EX_DATAERR;
	}
	if (keys_save(ag->path, ks) != 0) {
		fprintf(stderr, "arx agents: cannot write %s\n", ag->path);
		return EX_CANTCREAT;
	}
	printf("agent %s removed from %s; its id is never given again\n", which,
	    ag->path);
	return EX_OK;
}

static int
agents_group(struct agents *ag, struct agent_keys *ks, const char *which,
    const char *group)
{
	int r = keys_set_group(ks, which, group);

	if (r != 0) {
		fprintf(stderr, "arx agents: %s\n",
		    r == ARX_ERR_INVAL
			? "the group must be 1-64 of A-Z a-z 0-9 . _ -"
			: "no such agent");
		return EX_DATAERR;
	}
	if (keys_save(ag->path, ks) != 0) {
		fprintf(stderr, "arx agents: cannot write %s\n", ag->path);
		return EX_CANTCREAT;
	}
	printf("agent %s is in group %s\n", which, group);
	return EX_OK;
}

static int
agents_token(struct agents *ag, struct agent_keys *ks)
{
	char text[KEYS_TOKEN_TEXT];
	int r = keys_token_add(
	    ks, (int64_t)time(NULL), (int64_t)ag->ttl_s, ag->token_name, text);

	if (r != 0) {
		fprintf(stderr, "arx agents: %s\n",
		    r == ARX_ERR_INVAL ? "the name must be 1-64 of A-Z a-z "
					 "0-9 . _ -"
			: r == ARX_ERR_TOOBIG ? "too many tokens waiting"
					      : "cannot make a token");
		return EX_DATAERR;
	}
	if (keys_save(ag->path, ks) != 0) {
		explicit_bzero(text, sizeof(text));
		fprintf(stderr, "arx agents: cannot write %s\n", ag->path);
		return EX_CANTCREAT;
	}
	printf("%s\n", text);
	explicit_bzero(text, sizeof(text));
	return EX_OK;
}

static int
agents_args(int argc, char **argv, struct agents *ag)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"file", required_argument, NULL, 'f'},
	    {"from", required_argument, NULL, 'F'},
	    {"json", no_argument, NULL, 'j'},
	    {"ttl", required_argument, NULL, 't'},
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:f:F:jt:n:h", longopts, NULL)) !=
	    -1) {
		if (c == 'c')
			ag->conf_path = optarg;
		else if (c == 'f')
			snprintf(ag->path, sizeof(ag->path), "%s", optarg);
		else if (c == 'F')
			ag->from = optarg;
		else if (c == 'j')
			ag->json = true;
		else if (c == 'n')
			ag->token_name = optarg;
		else if (c == 't') {
			if (str_to_duration(
				optarg, 1, 30 * 86400, &ag->ttl_s) != 0 ||
			    ag->ttl_s == 0) {
				fprintf(
				    stderr, "arx agents: --ttl: 1s to 30d\n");
				return EX_USAGE;
			}
		} else
			return agents_usage(c == 'h' ? stdout : stderr,
			    c == 'h' ? EX_OK : EX_USAGE);
	}
	return -1;
}

int
cmd_agents(int argc, char **argv)
{
	struct agents ag = {.conf_path = ARX_DEFAULT_CONF, .ttl_s = 3600};
	struct agent_keys ks;
	const char *verb;
	int rc;

	if ((rc = agents_args(argc, argv, &ag)) >= 0)
		return rc;
	if (optind >= argc)
		return agents_usage(stderr, EX_USAGE);
	verb = argv[optind];
	if ((rc = agents_path(&ag)) != EX_OK)
		return rc;
	if (keys_load(ag.path, &ks) != 0) {
		fprintf(stderr, "arx agents: cannot read %s\n", ag.path);
		return EX_NOINPUT;
	}
	if (strcmp(verb, "list") == 0 && optind + 1 == argc)
		rc = agents_list(&ks, ag.json);
	else if (strcmp(verb, "add") == 0 && optind + 2 == argc)
		rc = agents_add(&ag, &ks, argv[optind + 1]);
	else if (strcmp(verb, "remove") == 0 && optind + 2 == argc)
		rc = agents_remove(&ag, &ks, argv[optind + 1]);
	else if (strcmp(verb, "token") == 0 && optind + 1 == argc)
		rc = agents_token(&ag, &ks);
	else if (strcmp(verb, "group") == 0 && optind + 3 == argc)
		rc = agents_group(&ag, &ks, argv[optind + 1], argv[optind + 2]);
	else
		rc = agents_usage(stderr, EX_USAGE);
	keys_release(&ks);
	return rc;
}
