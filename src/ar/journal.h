/*
 * The block journal: what keeps every pending unblock across a restart,
 * a crash or SIGKILL. An append-only text file, one record per change,
 * written with O_APPEND, and fsync'd before the change is acted on
 * (or, after ar_journal_defer(), by ar_journal_sync(): the daemon syncs
 * once at the end of each loop turn, so a burst of changes costs one
 * fsync; a killed process loses nothing written, a power cut at most
 * that turn's records):
 *
 *   add <command> <address> <added_ms> <expires_ms|never> <offences>
 *       [<rule>,...] [o<origins>] [ok] ~<crc>
 *   ok <command> <address> ~<crc>
 *   del <command> <address> ~<crc>
 *   off <command> <address> <count> <last_ms> ~<crc>
 *
 * A block is pending from its add record until its ok record: the
 * backend said it is in place (an add record a rewrite writes ends in
 * "ok" for such a block). A del record is written when the block's
 * delete has ended, not when it began: a stop or a crash in between
 * leaves the block live in the journal, and the next start treats it
 * as any block (lifted at once when its deadline has passed) instead of
 * forgetting an element the kernel may still hold.
 *
 * An off record keeps what is known of an address's offences once its
 * block is lifted, so a restart does not turn a repeat offender back
 * into a first offender.
 * Every record ends with " ~" and the CRC-32 of its text (8 hex
 * digits), so a record damaged on disk is told from one that was
 * written even when it still parses; records without one are taken only
 * at the start of a file (a journal of an older arx).
 * Loading replays the records in order; a damaged line (a torn last
 * write, a checksum that does not match, an edit by hand) is reported as
 * path:line with the reason, counted and skipped, and loses nothing
 * else. When the file has grown well past the live
 * set it is rewritten from the table: a new file is written, fsync'd and
 * renamed over the old one, so a crash leaves one whole journal or the
 * other. Blocks are named by command name, not by index, so a reload
 * that reorders the configuration keeps them. A journal that cannot be
 * written (below) never stops a block: only a restart's memory of it.
 */
#ifndef ARX_AR_JOURNAL_H
#define ARX_AR_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ar/table.h"

struct ar_journal;

/* Called for each block live at the end of the replay. */
typedef int (*ar_journal_fn)(
    const char *command, const struct ar_block *b, void *ctx);
/* Called for each offence record, the oldest first, before the blocks. */
typedef int (*ar_journal_off_fn)(const char *command, const struct arx_addr *a,
    const struct ar_offence *o, void *ctx);

/*
 * Replay path (a missing file is an empty journal). fn gets each live
 * block (b->cmd is meaningless there); *nbad counts skipped lines.
 */
int ar_journal_load(const char *path, ar_journal_fn fn,
    ar_journal_off_fn off_fn, void *ctx, unsigned *nbad);

/*
 * Keep the journal at path, as it is now, as "<path>.damaged" (a hard
 * link, replacing an older copy; the name is written to copy), so the
 * records a load had to skip can be looked at after the rewrite that
 * drops them.
 */
int ar_journal_set_aside(const char *path, char *copy, size_t size);

/* Open path for appending (created 0600 if missing). */
int ar_journal_open(const char *path, struct ar_journal **out);
void ar_journal_close(struct ar_journal *j);
/* Write records without fsync from now on; ar_journal_sync() makes
 * those written since its last call durable (0 when there were none). */
void ar_journal_defer(struct ar_journal *j);
int ar_journal_sync(struct ar_journal *j);
bool ar_journal_unsynced(const struct ar_journal *j);

int ar_journal_add(
    struct ar_journal *j, const char *command, const struct ar_block *b);
int ar_journal_del(
    struct ar_journal *j, const char *command, const struct arx_addr *a);
int ar_journal_ok(
    struct ar_journal *j, const char *command, const struct arx_addr *a);
int ar_journal_offence(struct ar_journal *j, const char *command,
    const struct arx_addr *a, const struct ar_offence *o);

/* True when the file holds many more records than live ones (blocks
 * and offence records). */
bool ar_journal_wants_rewrite(const struct ar_journal *j, size_t live);

/* Replace the file by the table's offence records and live blocks, and
 * the blocks of lifting (NULL: none) that t does not hold: lifted, their
 * delete not ended, so they stay live here until their del record;
 * names[cmd] is the command name of table index cmd. The way back from
 * failing: 0 and the journal is whole again, or an error (and it is
 * failing, the file as it was before). */
int ar_journal_rewrite(struct ar_journal *j, const struct ar_table *t,
    const struct ar_table *lifting, const char *const *names, size_t nnames);

/*
 * A write, sync or rewrite that fails (a full disk) does not log: the
 * journal fails, keeps why, and appends nothing more (a record after
 * one that was lost would be read as if it were the whole story; a torn
 * record is cut off) until ar_journal_rewrite() succeeds. Each record
 * not written meanwhile returns ARX_ERR_SYS and is counted. The caller
 * says it, once and rate-limited, and retries the rewrite.
 */
bool ar_journal_failing(const struct ar_journal *j);
/* "<path>: cannot write: No space left on device"; NULL when whole. */
const char *ar_journal_why(const struct ar_journal *j);
/* Records not written since it began failing (0 once it is whole:
 * the rewrite holds them all). */
unsigned long ar_journal_skipped(const struct ar_journal *j);

#endif
