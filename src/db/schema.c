/*
 * The schema of the shared database and its migrations (schema.h): a
 * table of {version, what, SQL}, applied in order, each in one
 * transaction with its row in arx_schema, under a session advisory lock
 * so that managers starting together do not race; and what `arx db
 * status` reads. Owns nothing past a call: each helper connects, works
 * and disconnects.
 *
 * The functions of migration 1 keep the rules of sharing in the
 * database: block ids commit in id order (a transaction advisory lock
 * taken before the id is drawn), so a reader's cursor "id > N" never
 * skips a row; a removed agent stays removed; a used token stays used.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/err.h"
#include "core/strparse.h"
#include "db/db_int.h"
#include "db/schema.h"

/* pg_advisory_lock key of the migrations ("ARX" and 1) */
#define DB_LOCK_MIGRATE "1095915521"

struct db_migration {
	int version;
	const char *what;
	const char *sql;
};

static const char migration1[] =
    "CREATE TABLE arx_schema(version integer PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now(),"
    " applied_by text NOT NULL);\n"
    "CREATE TABLE arx_managers(name text PRIMARY KEY, version text NOT NULL,"
    " started_at timestamptz NOT NULL DEFAULT now(),"
    " seen_at timestamptz NOT NULL DEFAULT now(), boot text);\n"
    "CREATE TABLE arx_agents(id bigint PRIMARY KEY, name text NOT NULL,"
    " line text NOT NULL, removed boolean NOT NULL DEFAULT false,"
    " last_seq bigint NOT NULL DEFAULT 0, events bigint NOT NULL DEFAULT 0,"
    " last_block bigint NOT NULL DEFAULT 0, manager text,"
    " seen_at timestamptz, progress_key text);\n"
    "CREATE TABLE arx_tokens(id text PRIMARY KEY, line text NOT NULL,"
    " used_at timestamptz, used_by text);\n"
    "CREATE TABLE arx_blocks(id bigserial PRIMARY KEY,"
    " key text NOT NULL UNIQUE, manager text NOT NULL,"
    " command text NOT NULL, address text NOT NULL,"
    " target smallint NOT NULL, agent text NOT NULL DEFAULT '',"
    " made_ms bigint NOT NULL, deadline_ms bigint NOT NULL,"
    " offences integer NOT NULL, rule_id integer NOT NULL,"
    " alert_id text NOT NULL DEFAULT '');\n"
    "CREATE INDEX arx_blocks_deadline ON arx_blocks(deadline_ms);\n"
    "CREATE TABLE arx_offences(command text NOT NULL, address text NOT NULL,"
    " count integer NOT NULL, last_ms bigint NOT NULL,"
    " manager text NOT NULL, PRIMARY KEY(command, address));\n"
    /* ids commit in id order: the lock is held until the commit */
    "CREATE FUNCTION arx_block_add(p_key text, p_manager text,"
    " p_command text, p_address text, p_target smallint, p_agent text,"
    " p_made bigint, p_deadline bigint, p_offences integer,"
    " p_rule integer, p_alert text) RETURNS bigint LANGUAGE plpgsql AS $f$\n"
    "DECLARE v_id bigint;\n"
    "BEGIN\n"
    "  PERFORM pg_advisory_xact_lock(1095915522);\n"
    "  INSERT INTO arx_blocks(key, manager, command, address, target, agent,"
    " made_ms, deadline_ms, offences, rule_id, alert_id)"
    " VALUES (p_key, p_manager, p_command, p_address, p_target, p_agent,"
    " p_made, p_deadline, p_offences, p_rule, p_alert)"
    " ON CONFLICT (key) DO NOTHING RETURNING id INTO v_id;\n"
    "  INSERT INTO arx_offences AS o(command, address, count, last_ms,"
    " manager) VALUES (p_command, p_address, p_offences, p_made, p_manager)"
    " ON CONFLICT (command, address) DO UPDATE SET"
    " count = GREATEST(o.count, excluded.count),"
    " last_ms = GREATEST(o.last_ms, excluded.last_ms),"
    " manager = excluded.manager;\n"
    "  IF v_id IS NOT NULL THEN\n"
    "    PERFORM pg_notify('arx_blocks', v_id::text);\n"
    "  END IF;\n"
    "  RETURN v_id;\n"
    "END $f$;\n"
    /* a removed agent is never changed again: its line is kept */
    "CREATE FUNCTION arx_agent_put(p_id bigint, p_name text, p_line text,"
    " p_removed boolean) RETURNS boolean LANGUAGE plpgsql AS $f$\n"
    "DECLARE v_n integer;\n"
    "BEGIN\n"
    "  INSERT INTO arx_agents AS a(id, name, line, removed)"
    " VALUES (p_id, p_name, p_line, p_removed)"
    " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
    " line = excluded.line, removed = excluded.removed"
    " WHERE NOT a.removed"
    " AND split_part(a.line, ' ', 4) = split_part(excluded.line, ' ', 4)"
    " AND (a.name, a.line, a.removed)"
    " IS DISTINCT FROM (excluded.name, excluded.line, excluded.removed);\n"
    "  GET DIAGNOSTICS v_n = ROW_COUNT;\n"
    "  IF v_n = 0 THEN\n"
    "    RETURN false;\n"
    "  END IF;\n"
    "  PERFORM pg_notify('arx_agents', p_id::text);\n"
    "  RETURN true;\n"
    "END $f$;\n"
    /* a used token stays used: used_at and used_by are set once */
    "CREATE FUNCTION arx_token_put(p_id text, p_line text, p_used boolean,"
    " p_by text) RETURNS boolean LANGUAGE plpgsql AS $f$\n"
    "DECLARE v_n integer;\n"
    "BEGIN\n"
    "  INSERT INTO arx_tokens AS t(id, line, used_at, used_by)"
    " VALUES (p_id, p_line, CASE WHEN p_used THEN now() END,"
    " CASE WHEN p_used THEN p_by END)"
    " ON CONFLICT (id) DO UPDATE SET used_at = now(), used_by = p_by"
    " WHERE t.used_at IS NULL AND p_used;\n"
    "  GET DIAGNOSTICS v_n = ROW_COUNT;\n"
    "  IF v_n = 0 THEN\n"
    "    RETURN false;\n"
    "  END IF;\n"
    "  PERFORM pg_notify('arx_agents', 'token:' || p_id);\n"
    "  RETURN true;\n"
    "END $f$;\n";

static const struct db_migration migrations[] = {
    {1, "agents, tokens, blocks and offences", migration1},
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

static void
db_quiet(void *arg, const char *message)
{
	(void)arg, (void)message;
}

/* A blocking connection, or NULL with why. */
static PGconn *
db_connect(const char *conninfo, const char *password, char *why, size_t n)
{
	const char *keys[5], *vals[5];
	char line[256];
	PGconn *c;
	int k = 0;

	keys[k] = "dbname", vals[k++] = conninfo;
	if (password != NULL)
		keys[k] = "password", vals[k++] = password;
	keys[k] = "connect_timeout", vals[k++] = "10";
	keys[k] = "application_name", vals[k++] = "arx";
	keys[k] = NULL, vals[k] = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	if (c != NULL && PQstatus(c) == CONNECTION_OK) {
		(void)PQsetNoticeProcessor(c, db_quiet, NULL);
		return c;
	}
	db_msg_line(c != NULL ? PQerrorMessage(c) : "out of memory", line,
	    sizeof(line));
	snprintf(why, n, "cannot connect to the database: %s", line);
	PQfinish(c);
	return NULL;
}

/* Run sql (with np params, or several statements without); r (when not NULL) gets the result on success.
 * 0, or ARX_ERR_STATE with why saying what (what) failed. */
static int
db_exec(PGconn *c, const char *what, const char *sql, int np,
    const char *const *params, PGresult **r, char *why, size_t n)
{
	/* several statements (a migration) only through the simple protocol */
	PGresult *res = np == 0
	    ? PQexec(c, sql)
	    : PQexecParams(c, sql, np, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	char line[256];

	if (r != NULL)
		*r = NULL;
	if (res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
		if (r != NULL)
			*r = res;
		else
			PQclear(res);
		return 0;
	}
	db_msg_line(res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(c),
	    line, sizeof(line));
	snprintf(why, n, "%s: %s", what, line);
	PQclear(res);
	return ARX_ERR_STATE;
}

/* The number in the first column of the first row of sql's result. */
static int
db_number(PGconn *c, const char *what, const char *sql, int64_t *out, char *why,
    size_t n)
{
	PGresult *r;
	int rc = db_exec(c, what, sql, 0, NULL, &r, why, n);

	*out = 0;
	if (rc != 0)
		return rc;
	if (PQntuples(r) < 1 || PQnfields(r) < 1 ||
	    str_to_int(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, out) != 0) {
		snprintf(why, n, "%s: not a number", what);
		rc = ARX_ERR_INVAL;
	}
	PQclear(r);
	return rc;
}

/* The database's schema version: 0 before the first migration. */
static int
db_version(PGconn *c, int *version, char *why, size_t n)
{
	int64_t v;
	int rc;

	*version = 0;
	rc = db_number(c, "reading the schema version",
	    "SELECT (to_regclass('arx_schema') IS NOT NULL)::int", &v, why, n);
	if (rc != 0 || v == 0)
		return rc;
	rc = db_number(c, "reading the schema version",
	    "SELECT coalesce(max(version), 0) FROM arx_schema", &v, why, n);
	if (rc == 0 && (v < 0 || v > 1000000)) {
		snprintf(why, n,
		    "the database's schema version %lld is not one",
		    (long long)v);
		return ARX_ERR_RANGE;
	}
	*version = (int)v;
	return rc;
}

static int
db_apply(PGconn *c, const struct db_migration *m, const char *manager,
    char *why, size_t n)
{
	char ver[16], what[128];
	const char *params[2] = {ver, manager};
	int rc;

	snprintf(ver, sizeof(ver), "%d", m->version);
	snprintf(what, sizeof(what), "migration %d (%s)", m->version, m->what);
	rc = db_exec(c, what, "BEGIN", 0, NULL, NULL, why, n);
	if (rc == 0)
		rc = db_exec(c, what, m->sql, 0, NULL, NULL, why, n);
	if (rc == 0)
		rc = db_exec(c, what,
		    "INSERT INTO arx_schema(version, applied_by) "
		    "VALUES ($1::integer, $2)",
		    2, params, NULL, why, n);
	if (rc == 0)
		rc = db_exec(c, what, "COMMIT", 0, NULL, NULL, why, n);
	if (rc != 0)
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}

/* Under the lock: migrate, then register the manager. */
static int
db_migrate_locked(PGconn *c, const char *manager, char *why, size_t n)
{
	const char *params[2] = {manager, ARX_VERSION};
	int version, rc;

	if ((rc = db_version(c, &version, why, n)) != 0)
		return rc;
	if (version > DB_SCHEMA_VERSION) {
		snprintf(why, n,
		    "the database's schema is version %d; this arx knows %d",
		    version, DB_SCHEMA_VERSION);
		return ARX_ERR_RANGE;
	}
	for (size_t i = 0; i < NMIGRATIONS && rc == 0; i++)
		if (migrations[i].version > version)
			rc = db_apply(c, &migrations[i], manager, why, n);
	if (rc != 0)
		return rc;
	return db_exec(c, "registering the manager",
	    "INSERT INTO arx_managers(name, version) VALUES ($1, $2) "
	    "ON CONFLICT (name) DO UPDATE SET version = excluded.version, "
	    "started_at = now(), seen_at = now()",
	    2, params, NULL, why, n);
}

int
db_migrate(const char *conninfo, const char *password, const char *manager,
    char *why, size_t n)
{
	PGconn *c;
	int rc;

	if (n > 0)
		why[0] = '\0';
	if (manager == NULL || manager[0] == '\0') {
		snprintf(why, n, "no manager name");
		return ARX_ERR_INVAL;
	}
	if ((c = db_connect(conninfo, password, why, n)) == NULL)
		return ARX_ERR_SYS;
	rc = db_exec(c, "taking the migration lock",
	    "SELECT pg_advisory_lock(" DB_LOCK_MIGRATE ")", 0, NULL, NULL, why,
	    n);
	if (rc == 0) {
		rc = db_migrate_locked(c, manager, why, n);
		PQclear(PQexec(
		    c, "SELECT pg_advisory_unlock(" DB_LOCK_MIGRATE ")"));
	}
	PQfinish(c);
	return rc;
}

/* The counts of status, one query each, into their fields. */
static int
db_counts(PGconn *c, struct db_status *st, char *why, size_t n)
{
	const struct {
		const char *sql;
		size_t *to;
	} counts[] = {
	    {"SELECT count(*) FROM arx_agents WHERE NOT removed", &st->agents},
	    {"SELECT count(*) FROM arx_agents WHERE removed",
		&st->agents_removed},
	    {"SELECT count(*) FROM arx_tokens", &st->tokens},
	    {"SELECT count(*) FROM arx_blocks WHERE deadline_ms > "
	     "(extract(epoch FROM now()) * 1000)::bigint",
		&st->blocks_active},
	    {"SELECT count(*) FROM arx_blocks", &st->blocks},
	    {"SELECT count(*) FROM arx_offences", &st->offences},
	};
	int64_t v;
	int rc;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		rc = db_number(c, "counting", counts[i].sql, &v, why, n);
		if (rc != 0)
			return rc;
		*counts[i].to = v > 0 ? (size_t)v : 0;
	}
	return 0;
}

static int
db_managers(PGconn *c, struct db_status *st, char *why, size_t n)
{
	PGresult *r;
	int rc = db_exec(c, "reading the managers",
	    "SELECT name, to_char(seen_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "extract(epoch FROM now() - seen_at)::bigint FROM arx_managers "
	    "ORDER BY name LIMIT 16",
	    0, NULL, &r, why, n);

	if (rc != 0)
		return rc;
	for (int i = 0; i < PQntuples(r) && st->nmanagers < DB_STATUS_MANAGERS;
	     i++, st->nmanagers++) {
		str_lcpy(st->managers[st->nmanagers].name, PQgetvalue(r, i, 0),
		    sizeof(st->managers[0].name));
		str_lcpy(st->managers[st->nmanagers].seen, PQgetvalue(r, i, 1),
		    sizeof(st->managers[0].seen));
		if (str_to_int(PQgetvalue(r, i, 2), 0, INT64_MAX,
			&st->managers[st->nmanagers].age_s) != 0)
			st->managers[st->nmanagers].age_s = 0;
	}
	PQclear(r);
	return 0;
}

int
db_status_read(const char *conninfo, const char *password, struct db_status *st,
    char *why, size_t n)
{
	PGconn *c;
	int rc;

	memset(st, 0, sizeof(*st));
	st->known = DB_SCHEMA_VERSION;
	if (n > 0)
		why[0] = '\0';
	if ((c = db_connect(conninfo, password, why, n)) == NULL)
		return ARX_ERR_SYS;
	rc = db_version(c, &st->version, why, n);
	if (rc == 0 && st->version > 0)
		rc = db_counts(c, st, why, n);
	if (rc == 0 && st->version > 0)
		rc = db_managers(c, st, why, n);
	PQfinish(c);
	return rc;
}
