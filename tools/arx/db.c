/*
 * arx db: the shared database of a <cluster> (db/schema.h), by hand.
 *
 *   arx db [-c conf] migrate          bring its schema to this build's
 *   arx db [-c conf] status [--json]  its schema version, managers, counts
 *
 * The database and its password come from the configuration's <cluster>
 * (<database>, <password_file>, read as arxd reads its secrets: a file
 * others can read is refused); migrate registers this manager
 * (<node_name>). Both exit 0, or 1 with a one-line reason on standard
 * error. Owns nothing past the call; the password is wiped.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "arx.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/jsonout.h"
#include "core/secretfile.h"
#include "db/schema.h"

#define DB_PASSWORD_MAX 1024

struct db_cli {
	const char *conf_path;
	bool json;
	const struct arx_conf *conf;
	const char *password; /* NULL: none */
};

static int
db_usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: arx db [-c conf] migrate\n"
	    "       arx db [-c conf] status [--json]\n");
	return rc;
}

static int
db_migrate_cmd(const struct db_cli *d)
{
	const char *node = conf_cluster_node(d->conf);
	char why[512];

	if (db_migrate(d->conf->cluster.database, d->password, node, why,
		sizeof(why)) != 0) {
		fprintf(stderr, "arx db: %s\n", why);
		return 1;
	}
	printf("the database's schema is version %d; manager %s registered\n",
	    DB_SCHEMA_VERSION, node);
	return 0;
}

static const char *
db_state_word(const struct db_status *st)
{
	if (st->version == st->known)
		return "current";
	return st->version < st->known ? "older: run arx db migrate"
				       : "newer than this arx";
}

static void
db_print_json(const struct db_status *st)
{
	struct buf b;

	buf_init(&b, 1u << 20);
	(void)buf_printf(&b,
	    "{\"version\":%d,\"known\":%d,\"state\":\"%s\",\"agents\":%zu,"
	    "\"agents_removed\":%zu,\"tokens\":%zu,\"blocks_active\":%zu,"
	    "\"blocks\":%zu,\"offences\":%zu,\"managers\":[",
	    st->version, st->known,
	    st->version == st->known      ? "current"
		: st->version < st->known ? "older"
					  : "newer",
	    st->agents, st->agents_removed, st->tokens, st->blocks_active,
	    st->blocks, st->offences);
	for (size_t i = 0; i < st->nmanagers; i++) {
		(void)buf_printf(&b, "%s{\"name\":", i ? "," : "");
		(void)json_put_string(
		    &b, st->managers[i].name, strlen(st->managers[i].name));
		(void)buf_printf(&b, ",\"seen\":\"%s\",\"seen_s_ago\":%lld}",
		    st->managers[i].seen, (long long)st->managers[i].age_s);
	}
	(void)buf_printf(&b, "]}");
	printf("%s\n", buf_cstr(&b));
	buf_release(&b);
}

static void
db_print_text(const struct db_status *st)
{
	printf("schema version %d (this arx knows %d): %s\n", st->version,
	    st->known, db_state_word(st));
	printf("agents %zu (%zu removed), tokens %zu, blocks %zu active of "
	       "%zu, offences %zu\n",
	    st->agents, st->agents_removed, st->tokens, st->blocks_active,
	    st->blocks, st->offences);
	printf("managers %zu%s\n", st->nmanagers, st->nmanagers ? ":" : "");
	/* a manager heard from within 30 s (three heartbeats) is up */
	for (size_t i = 0; i < st->nmanagers; i++)
		printf("  %-24s seen %s, %llds ago%s\n", st->managers[i].name,
		    st->managers[i].seen, (long long)st->managers[i].age_s,
		    st->managers[i].age_s > 30 ? " (not running, or apart "
						 "from the database)"
					       : "");
}

static int
db_status_cmd(const struct db_cli *d)
{
	static struct db_status st;
	char why[512];

	if (db_status_read(d->conf->cluster.database, d->password, &st, why,
		sizeof(why)) != 0) {
		fprintf(stderr, "arx db: %s\n", why);
		return 1;
	}
	if (d->json)
		db_print_json(&st);
	else
		db_print_text(&st);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(const struct db_cli *d);
	bool json; /* takes --json */
} db_verbs[] = {
    {"migrate", db_migrate_cmd, false},
    {"status", db_status_cmd, true},
};

static int
db_args(int argc, char **argv, struct db_cli *d)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:jh", longopts, NULL)) != -1) {
		if (c == 'c')
			d->conf_path = optarg;
		else if (c == 'j')
			d->json = true;
		else
			return db_usage(c == 'h' ? stdout : stderr,
			    c == 'h' ? EX_OK : EX_USAGE);
	}
	return -1;
}

/* The configuration's <cluster> and its password, then verb. */
static int
db_run(struct db_cli *d, int (*run)(const struct db_cli *d))
{
	static char password[DB_PASSWORD_MAX];
	struct arx_conf *conf;
	int rc = 1;

	if (conf_load(d->conf_path, &conf) != 0) {
		fprintf(stderr, "arx db: the configuration %s is invalid\n",
		    d->conf_path);
		return 1;
	}
	d->conf = conf;
	if (!conf->cluster.present) {
		fprintf(stderr,
		    "arx db: %s has no <cluster> with a <database>\n",
		    d->conf_path);
		goto out;
	}
	if (conf->cluster.password_file != NULL) {
		if (secretfile_read(conf->cluster.password_file,
			"<cluster> password file", password,
			sizeof(password)) != 0)
			goto out; /* said why */
		d->password = password;
	}
	rc = run(d);
out:
	explicit_bzero(password, sizeof(password));
	conf_free(conf);
	return rc;
}

int
cmd_db(int argc, char **argv)
{
	struct db_cli d = {.conf_path = ARX_DEFAULT_CONF};
	int rc;

	if ((rc = db_args(argc, argv, &d)) >= 0)
		return rc;
	if (optind + 1 != argc)
		return db_usage(stderr, EX_USAGE);
	for (size_t i = 0; i < sizeof(db_verbs) / sizeof(db_verbs[0]); i++) {
		if (strcmp(argv[optind], db_verbs[i].name) != 0)
			continue;
		if (d.json && !db_verbs[i].json)
			return db_usage(stderr, EX_USAGE);
		return db_run(&d, db_verbs[i].run);
	}
	return db_usage(stderr, EX_USAGE);
}
