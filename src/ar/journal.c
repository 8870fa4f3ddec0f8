/*
 * Block journal (see journal.h). Owns the journal's file descriptor,
 * its record count and whether it is failing (and why); replay builds
 * its own temporary table, keyed by an index into the command names it
 * has met.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar/journal.h"
#include "core/buf.h"
#include "core/crc32.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/log.h"
#include "core/statefile.h"
#include "core/strparse.h"

#define JOURNAL_MAX_NAMES 256
#define JOURNAL_NAME_MAX  64
#define JOURNAL_LINES_MAX (1u << 22) /* records replayed at most */
#define JOURNAL_REC_MAX   256

struct ar_journal {
	int fd;
	size_t records;
	bool deferred, unsynced; /* ar_journal_defer(), and writes since */
	bool failing;            /* records are not appended until a rewrite */
	unsigned long skipped;   /* records not written since it failed */
	char why[1200];          /* the failure: path, what, the cause */
	char path[1024];
};

struct replay {
	struct ar_table *t;
	char names[JOURNAL_MAX_NAMES][JOURNAL_NAME_MAX];
	size_t nnames;
};

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < JOURNAL_NAME_MAX && strpbrk(s, " \t\r\n") == NULL;
}

static int
replay_name(struct replay *rp, const char *s)
{
	size_t i;

	for (i = 0; i < rp->nnames; i++)
		if (strcmp(rp->names[i], s) == 0)
			return (int)i;
	if (rp->nnames == JOURNAL_MAX_NAMES || !name_ok(s))
		return ARX_ERR_TOOBIG;
	str_lcpy(rp->names[rp->nnames], s, JOURNAL_NAME_MAX);
	return (int)rp->nnames++;
}

static int
parse_i64(const char *s, int64_t *out)
{
	uint64_t v;

	if (strcmp(s, "never") == 0) {
		*out = AR_NEVER;
		return 0;
	}
	if (str_to_uint(s, 0, INT64_MAX - 1, &v) != 0)
		return ARX_ERR_INVAL;
	*out = (int64_t)v;
	return 0;
}

/* "off <command> <address> <count> <last_ms>": an offence record. */
static int
replay_offence(struct replay *rp, const struct ar_block *b, char **f)
{
	struct ar_offence o;
	uint64_t count;

	if (str_to_uint(f[3], 1, UINT32_MAX, &count) != 0 ||
	    parse_i64(f[4], &o.last_ms) != 0 || o.last_ms == AR_NEVER)
		return ARX_ERR_INVAL;
	o.count = (unsigned)count;
	ar_table_restore_offence(rp->t, b->cmd, &b->addr, &o);
	return 0;
}

/* "5712,5763" into b->rules (ids past AR_BLOCK_RULES are dropped). */
static int
parse_rules(const char *s, struct ar_block *b)
{
	uint64_t id;
	char one[16];
	size_t i = 0, n;

	while (*s != '\0') {
		n = strcspn(s, ",");
		if (n == 0 || n >= sizeof(one))
			return ARX_ERR_INVAL;
		memcpy(one, s, n);
		one[n] = '\0';
		if (str_to_uint(one, 1, UINT32_MAX, &id) != 0)
			return ARX_ERR_INVAL;
		if (i < AR_BLOCK_RULES)
			b->rules[i++] = (unsigned)id;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* A field after the offences: "ok" (confirmed), "o<bits>" (who placed
 * it) or the rules. */
static int
parse_extra(const char *s, struct ar_block *b)
{
	uint64_t bits;

	if (strcmp(s, "ok") == 0) {
		b->confirmed = true;
		return 0;
	}
	if (s[0] != 'o')
		return parse_rules(s, b);
	if (str_to_uint(s + 1, 1, 0xff, &bits) != 0)
		return ARX_ERR_INVAL;
	b->origins = (unsigned)bits;
	return 0;
}

/* One record: split on spaces, check the shape, apply it. */
static int
replay_line(struct replay *rp, char *line)
{
	char *f[10], *save = NULL;
	struct ar_block b = {0};
	uint64_t off;
	size_t n = 0;
	int cmd;

	for (char *p = strtok_r(line, " ", &save); p != NULL && n < 10;
	     p = strtok_r(NULL, " ", &save))
		f[n++] = p;
	if (n < 3 || addr_parse_net_str(f[2], &b.addr) != 0 ||
	    (cmd = replay_name(rp, f[1])) < 0)
		return ARX_ERR_INVAL;
	b.cmd = (unsigned)cmd;
	if (strcmp(f[0], "off") == 0 && n == 5)
		return replay_offence(rp, &b, f);
	if (strcmp(f[0], "del") == 0 && n == 3) {
		(void)ar_table_remove(rp->t, b.cmd, &b.addr, 0, NULL);
		return 0;
	}
	if (strcmp(f[0], "ok") == 0 && n == 3) {
		(void)ar_table_confirm(rp->t, b.cmd, &b.addr);
		return 0;
	}
	if (strcmp(f[0], "add") != 0 || n < 6 || n > 9 ||
	    parse_i64(f[3], &b.added_ms) != 0 ||
	    parse_i64(f[4], &b.expires_ms) != 0 ||
	    str_to_uint(f[5], 0, UINT32_MAX, &off) != 0)
		return ARX_ERR_INVAL;
	for (size_t i = 6; i < n; i++)
		if (parse_extra(f[i], &b) != 0)
			return ARX_ERR_INVAL;
	b.offences = (unsigned)off;
	(void)ar_table_remove(rp->t, b.cmd, &b.addr, 0, NULL);
	return ar_table_restore(rp->t, &b);
}

struct emit {
	struct replay *rp;
	ar_journal_fn fn;
	ar_journal_off_fn off_fn;
	void *ctx;
	int r;
};

static void
emit_offence(unsigned cmd, const struct arx_addr *a, const struct ar_offence *o,
    void *ctx)
{
	struct emit *e = ctx;

	if (e->r == 0 && e->off_fn != NULL)
		e->r = e->off_fn(e->rp->names[cmd], a, o, e->ctx);
}

static void
emit_one(const struct ar_block *b, void *ctx)
{
	struct emit *e = ctx;

	if (e->r == 0)
		e->r = e->fn(e->rp->names[b->cmd], b, e->ctx);
}

/* Eight lower-case hex digits, as record_end() writes them. */
static bool
hex32(const char *s, uint32_t *out)
{
	static const char digits[] = "0123456789abcdef";
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		const char *d = s[i] ? strchr(digits, s[i]) : NULL;

		if (d == NULL)
			return false;
		v = v << 4 | (uint32_t)(d - digits);
	}
	*out = v;
	return s[8] == '\0';
}

/* Check a record's " ~crc" ending and cut it off; the reason it is
 * damaged, or NULL. Records without one are an older journal's and are
 * taken only until the first record that has one (*sums). */
static const char *
record_check(char *line, bool *sums)
{
	char *tilde = strrchr(line, '~');
	uint32_t want;

	if (tilde == NULL || tilde == line || tilde[-1] != ' ' ||
	    strlen(tilde + 1) != 8)
		return *sums ? " (no checksum)" : NULL;
	if (!hex32(tilde + 1, &want))
		return " (no checksum)";
	*sums = true;
	tilde[-1] = '\0';
	if (crc32_of(line, (size_t)(tilde - 1 - line)) != want)
		return " (checksum mismatch)";
	return NULL;
}

static int
replay_file(FILE *f, const char *path, struct replay *rp, unsigned *nbad)
{
	char line[JOURNAL_REC_MAX + 2];
	unsigned long lineno = 0;
	const char *why;
	bool sums = false;
	size_t len;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n') {
			log_warn("%s:%lu: damaged record (no end of line), "
				 "skipped",
			    path, lineno);
			(*nbad)++;
			while (len > 0 && line[len - 1] != '\n' &&
			    fgets(line, sizeof(line), f) != NULL)
				len = strlen(line);
			continue;
		}
		line[len - 1] = '\0';
		if ((why = record_check(line, &sums)) == NULL &&
		    replay_line(rp, line) != 0)
			why = "";
		if (why != NULL) {
			log_warn("%s:%lu: damaged record%s, skipped", path,
			    lineno, why);
			(*nbad)++;
		}
	}
	return ferror(f) ? ARX_ERR_SYS : 0;
}

static size_t
count_lines(FILE *f)
{
	size_t n = 1;
	int c;

	while ((c = getc(f)) != EOF)
		n += c == '\n';
	rewind(f);
	return n;
}

int
ar_journal_load(const char *path, ar_journal_fn fn, ar_journal_off_fn off_fn,
    void *ctx, unsigned *nbad)
{
	struct replay *rp = NULL;
	struct emit e = {NULL, fn, off_fn, ctx, 0};
	FILE *f;
	size_t n;
	int r = ARX_ERR_NOMEM;

	*nbad = 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_error("%s: %s", path, strerror(errno));
		return ARX_ERR_SYS;
	}
	if ((n = count_lines(f)) > JOURNAL_LINES_MAX) {
		log_error("%s: %zu records, more than %u: not replayed", path,
		    n, JOURNAL_LINES_MAX);
		r = ARX_ERR_TOOBIG;
		goto out;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL ||
	    (rp->t = ar_table_new(n, n)) == NULL)
		goto out;
	e.rp = rp;
	if ((r = replay_file(f, path, rp, nbad)) != 0)
		log_error("%s: read error: %s", path, strerror(errno));
	ar_table_foreach_offence(rp->t, emit_offence, &e);
	ar_table_foreach(rp->t, emit_one, &e);
	if (r == 0)
		r = e.r;
out:
	fclose(f);
	if (rp != NULL)
		ar_table_free(rp->t);
	free(rp);
	return r;
}

int
ar_journal_set_aside(const char *path, char *copy, size_t size)
{
	if ((size_t)snprintf(copy, size, "%s.damaged", path) >= size)
		return ARX_ERR_TOOBIG;
	/* the journal's own mode whatever the file was made with (by
	 * hand, by an older arx): who is blocked is root's to read */
	if ((unlink(copy) != 0 && errno != ENOENT) || link(path, copy) != 0 ||
	    chmod(copy, 0600) != 0) {
		log_error("%s: cannot keep a copy: %s", copy, strerror(errno));
		return ARX_ERR_SYS;
	}
	return 0;
}

int
ar_journal_open(const char *path, struct ar_journal **out)
{
	struct ar_journal *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (j == NULL)
		return ARX_ERR_NOMEM;
	str_lcpy(j->path, path, sizeof(j->path));
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd == -1) {
		log_error("%s: %s", path, strerror(errno));
		free(j);
		return ARX_ERR_SYS;
	}
	*out = j;
	return 0;
}

void
ar_journal_close(struct ar_journal *j)
{
	if (j == NULL)
		return;
	if (!j->failing)
		(void)ar_journal_sync(j);
	close(j->fd);
	free(j);
}

/* End the record that starts at the last newline of b (or at its start)
 * with " ~" and the CRC-32 of its text, then a newline; r is the result
 * of writing the text. */
static int
record_end(struct buf *b, int r)
{
	size_t start = b->len;

	if (r != 0)
		return r;
	while (start > 0 && b->data[start - 1] != '\n')
		start--;
	return buf_printf(
	    b, " ~%08" PRIx32 "\n", crc32_of(b->data + start, b->len - start));
}

/* " r1,r2" after an add record: the rules that asked for the block. */
static int
put_rules(struct buf *b, const struct ar_block *blk)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < AR_BLOCK_RULES && blk->rules[i] != 0; i++)
		r = buf_printf(b, "%c%u", i == 0 ? ' ' : ',', blk->rules[i]);
	return r;
}

static int
format_add(struct buf *b, const char *command, const struct ar_block *blk)
{
	char addr[64], exp[24];
	int r;

	if (!name_ok(command))
		return ARX_ERR_INVAL;
	addr_format(&blk->addr, addr, sizeof(addr));
	if (blk->expires_ms == AR_NEVER)
		str_lcpy(exp, "never", sizeof(exp));
	else
		snprintf(exp, sizeof(exp), "%" PRId64, blk->expires_ms);
	r = buf_printf(b, "add %s %s %" PRId64 " %s %u", command, addr,
	    blk->added_ms, exp, blk->offences);
	if (r == 0)
		r = put_rules(b, blk);
	if (r == 0 && blk->origins != 0)
		r = buf_printf(b, " o%u", blk->origins);
	if (r == 0 && blk->confirmed)
		r = buf_puts(b, " ok");
	return record_end(b, r);
}

/* The journal fails, for errno's cause: appends stop (whatever came
 * after the record that failed would be lost to a reader anyway) until
 * ar_journal_rewrite() succeeds. A torn record is cut off (end: the
 * file's length before it, -1: unknown). */
static void
journal_fail(struct ar_journal *j, const char *what, off_t end)
{
	int e = errno;

	if (end >= 0 && ftruncate(j->fd, end) != 0) {
		/* the partial record stays; it fails its checksum when the
		 * journal is read back */
	}
	snprintf(
	    j->why, sizeof(j->why), "%s: %s: %s", j->path, what, strerror(e));
	j->failing = true;
	j->unsynced = false;
	errno = e;
}

/* Write one whole record and make it durable before returning. */
static int
journal_put(struct ar_journal *j, const struct buf *b)
{
	off_t end;

	if (j->failing) {
		j->skipped++;
		return ARX_ERR_SYS;
	}
	end = lseek(j->fd, 0, SEEK_END);
	if (fdio_write_all(j->fd, b->data, b->len) != 0 ||
	    (!j->deferred && fsync(j->fd) != 0)) {
		journal_fail(j, "cannot write", end);
		j->skipped++;
		return ARX_ERR_SYS;
	}
	j->unsynced |= j->deferred;
	j->records++;
	return 0;
}

bool
ar_journal_failing(const struct ar_journal *j)
{
	return j->failing;
}

const char *
ar_journal_why(const struct ar_journal *j)
{
	return j->failing ? j->why : NULL;
}

unsigned long
ar_journal_skipped(const struct ar_journal *j)
{
	return j->skipped;
}

void
ar_journal_defer(struct ar_journal *j)
{
	j->deferred = true;
}

bool
ar_journal_unsynced(const struct ar_journal *j)
{
	return j->unsynced;
}

int
ar_journal_sync(struct ar_journal *j)
{
	if (!j->unsynced || j->failing)
		return 0;
	j->unsynced = false;
	if (fsync(j->fd) == 0)
		return 0;
	/* What the kernel could not write may be gone from its cache. */
	journal_fail(j, "cannot sync", -1);
	return ARX_ERR_SYS;
}

int
ar_journal_add(
    struct ar_journal *j, const char *command, const struct ar_block *blk)
{
	struct buf b;
	int r;

	buf_init(&b, JOURNAL_REC_MAX);
	if ((r = format_add(&b, command, blk)) == 0)
		r = journal_put(j, &b);
	buf_release(&b);
	return r;
}

/* A record of the form "<verb> <command> <address>". */
static int
journal_key(struct ar_journal *j, const char *verb, const char *command,
    const struct arx_addr *a)
{
	char addr[64];
	struct buf b;
	int r = ARX_ERR_INVAL;

	buf_init(&b, JOURNAL_REC_MAX);
	addr_format(a, addr, sizeof(addr));
	if (name_ok(command) &&
	    (r = record_end(
		 &b, buf_printf(&b, "%s %s %s", verb, command, addr))) == 0)
		r = journal_put(j, &b);
	buf_release(&b);
	return r;
}

int
ar_journal_del(
    struct ar_journal *j, const char *command, const struct arx_addr *a)
{
	return journal_key(j, "del", command, a);
}

int
ar_journal_ok(
    struct ar_journal *j, const char *command, const struct arx_addr *a)
{
	return journal_key(j, "ok", command, a);
}

static int
format_offence(struct buf *b, const char *command, const struct arx_addr *a,
    const struct ar_offence *o)
{
	char addr[64];

	if (!name_ok(command) || o->count == 0)
		return ARX_ERR_INVAL;
	addr_format(a, addr, sizeof(addr));
	return record_end(b,
	    buf_printf(b, "off %s %s %u %" PRId64, command, addr, o->count,
		o->last_ms));
}

int
ar_journal_offence(struct ar_journal *j, const char *command,
    const struct arx_addr *a, const struct ar_offence *o)
{
	struct buf b;
	int r;

	buf_init(&b, JOURNAL_REC_MAX);
	if ((r = format_offence(&b, command, a, o)) == 0)
		r = journal_put(j, &b);
	buf_release(&b);
	return r;
}

bool
ar_journal_wants_rewrite(const struct ar_journal *j, size_t live)
{
	return j->records > 1024 && j->records > 4 * live;
}

struct snap {
	struct buf b;
	const char *const *names;
	size_t nnames;
	const struct ar_table *live; /* lifting: keys live here are skipped */
	int r;
};

static void
snap_offence(unsigned cmd, const struct arx_addr *a, const struct ar_offence *o,
    void *ctx)
{
	struct snap *s = ctx;

	if (s->r == 0 && o->count > 0)
		s->r = cmd < s->nnames
		    ? format_offence(&s->b, s->names[cmd], a, o)
		    : ARX_ERR_INVAL;
}

static void
snap_one(const struct ar_block *blk, void *ctx)
{
	struct snap *s = ctx;

	if (s->live != NULL && ar_table_find(s->live, blk->cmd, &blk->addr))
		return; /* blocked again: its live record is written */
	if (s->r == 0)
		s->r = blk->cmd < s->nnames
		    ? format_add(&s->b, s->names[blk->cmd], blk)
		    : ARX_ERR_INVAL;
}

int
ar_journal_rewrite(struct ar_journal *j, const struct ar_table *t,
    const struct ar_table *lifting, const char *const *names, size_t nnames)
{
	struct snap s = {.names = names, .nnames = nnames};
	struct statefile_opts o = {.mode = 0600, .sync = STATEFILE_DIR};
	int fd = -1, r;

	buf_init(&s.b, (size_t)1 << 30);
	ar_table_foreach_offence(t, snap_offence, &s);
	ar_table_foreach(t, snap_one, &s);
	s.live = t;
	if (lifting != NULL)
		ar_table_foreach(lifting, snap_one, &s);
	if ((r = s.r) != 0 ||
	    (r = statefile_replace(AT_FDCWD, j->path, s.b.data, s.b.len, &o)) !=
		0 ||
	    (fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1) {
		if (r == 0 || r == ARX_ERR_SYS) {
			r = ARX_ERR_SYS;
			journal_fail(j, "cannot rewrite", -1);
		} else { /* not the disk's fault: errno means nothing */
			snprintf(j->why, sizeof(j->why),
			    "%s: cannot rewrite: %s", j->path, arx_strerror(r));
			j->failing = true;
		}
		buf_release(&s.b);
		return r;
	}
	close(j->fd);
	j->fd = fd;
	j->failing = j->unsynced = false;
	j->skipped = 0;
	j->records = 0;
	for (size_t i = 0; i < s.b.len; i++)
		j->records += s.b.data[i] == '\n';
	buf_release(&s.b);
	return 0;
}
