/*
 * The database's schema: its versioned migrations (schema.c holds their
 * SQL in a table) and the two synchronous helpers that use them, for
 * arxd's check at start and for `arx db`. Both connect, do their work
 * and disconnect; they block (a connect timeout of 10 s), so they are
 * not for the event loop (that is pg.h).
 */
#ifndef ARX_DB_SCHEMA_H
#define ARX_DB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#define DB_SCHEMA_VERSION  1
#define DB_STATUS_MANAGERS 16

/*
 * Connect (blocking, connect_timeout 10 s), take pg_advisory_lock, apply
 * every migration newer than the database's version, each in one
 * transaction with its row in arx_schema, register the manager in
 * arx_managers (upsert, version ARX_VERSION), unlock. A database newer
 * than this build is refused. 0, or a negative ARX_ERR_* with why (n
 * bytes) holding a one-line reason ("cannot connect to the database:
 * ...", "the database's schema is version 3; this arx knows 1", ...).
 * password may be NULL (none beyond conninfo).
 */
int db_migrate(const char *conninfo, const char *password, const char *manager,
    char *why, size_t n);

struct db_status {
	int version, known; /* the database's; this build's */
	size_t agents, agents_removed, tokens, blocks_active, blocks, offences;
	struct {
		char name[64];
		char seen[40]; /* UTC, 2026-12-07T23:59:01Z */
		int64_t age_s; /* how long ago */
	} managers[DB_STATUS_MANAGERS];
	size_t nmanagers;
};

/* What the database holds, into st (cleared first; counts stay 0 for a
 * database not yet migrated, version 0). 0, or a negative ARX_ERR_* with
 * why as for db_migrate(). */
int db_status_read(const char *conninfo, const char *password,
    struct db_status *st, char *why, size_t n);

#endif
