/*
 * Following one log file (file.h): reading, line splitting with the
 * length cap, rotation and truncation, and positions.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "logsrc/file.h"

#define HEAD_BYTES   256
#define MAX_DIR_SCAN 100000 /* entries looked at for a rotated file */
#define CHUNK        65536

struct logsrc_file {
	char *path;
	int fd; /* -1: not open (missing) */
	uint64_t dev, ino;
	uint64_t off;        /* bytes of fd consumed */
	uint64_t line_start; /* offset of the pending line's first byte */
	uint64_t head;       /* head_hash once the first line is whole */
	struct logsrc_lines lines;
	struct logsrc_file_stats st;
	bool behind; /* the last poll stopped at its budget */
};

/* FNV-1a over the first line (at most HEAD_BYTES) of fd; 0 if empty. */
static uint64_t
head_hash(int fd)
{
	char b[HEAD_BYTES];
	uint64_t h = 14695981039346656037ull;
	ssize_t n = fd >= 0 ? pread(fd, b, sizeof(b), 0) : -1;
	ssize_t i;

	if (n <= 0)
		return 0;
	for (i = 0; i < n && b[i] != '\n'; i++)
		h = (h ^ (unsigned char)b[i]) * 1099511628211ull;
	return h;
}

/* Split data (which starts at offset base of the file) into lines. */
static void
feed(struct logsrc_file *f, const char *p, size_t n, uint64_t base)
{
	size_t k = logsrc_lines_feed(&f->lines, p, n);

	if (k != LOGSRC_NO_LINE)
		f->line_start = base + k;
}

static int
open_path(struct logsrc_file *f)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errno == ENOENT ? ARX_ERR_NOTFOUND : ARX_ERR_SYS;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ARX_ERR_INVAL;
	}
	f->fd = fd;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->off = f->line_start = f->head = 0;
	logsrc_lines_reset(&f->lines);
	return 0;
}

static int
seek_to(struct logsrc_file *f, uint64_t off)
{
	if (lseek(f->fd, (off_t)off, SEEK_SET) < 0)
		return ARX_ERR_SYS;
	f->off = f->line_start = off;
	return 0;
}

/* Where to start in a newly opened file: the saved position when it
 * is this file, else its end (from_end) or its start. */
static int
start_at(struct logsrc_file *f, const struct logsrc_pos *saved, bool from_end)
{
	struct stat st;

	if (fstat(f->fd, &st) != 0)
		return ARX_ERR_SYS;
	if (saved != NULL && saved->dev == f->dev && saved->ino == f->ino &&
	    saved->offset <= (uint64_t)st.st_size &&
	    saved->head == head_hash(f->fd))
		return seek_to(f, saved->offset);
	if (saved != NULL)
		log_info("%s: saved position does not match the file (rotated "
			 "or replaced): reading it from the start",
		    f->path);
	return seek_to(f, from_end && saved == NULL ? (uint64_t)st.st_size : 0);
}

/* Start as start_at() says, and know the file's first line from then on
 * (truncated() compares it). */
static int
start(struct logsrc_file *f, const struct logsrc_pos *saved, bool from_end)
{
	int r = start_at(f, saved, from_end);

	if (r == 0 && f->off > 0)
		f->head = head_hash(f->fd);
	return r;
}

/* Does path name the file saved describes? */
static bool
path_is(const char *path, const struct logsrc_pos *saved)
{
	struct stat st;

	return stat(path, &st) == 0 && (uint64_t)st.st_dev == saved->dev &&
	    (uint64_t)st.st_ino == saved->ino;
}

/* In dir, the regular file saved describes (same device, inode and
 * first line, at least offset long), opened; -1 if there is none. */
static int
find_saved(const char *dir, const struct logsrc_pos *saved)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	int fd = -1, n = 0;

	if (d == NULL)
		return -1;
	while (fd < 0 && (e = readdir(d)) != NULL && n++ < MAX_DIR_SCAN) {
		if ((uint64_t)e->d_ino != saved->ino)
			continue;
		fd = openat(dirfd(d), e->d_name,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
		if (fd >= 0 &&
		    (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
			(uint64_t)st.st_dev != saved->dev ||
			(uint64_t)st.st_size < saved->offset ||
			head_hash(fd) != saved->head)) {
			close(fd);
			fd = -1;
		}
	}
	closedir(d);
	return fd;
}

/*
 * The file was rotated by rename while nobody read it: its saved
 * position names a file that is no longer at path. If that file is
 * still in the same directory (auth.log.1), go on reading it from the
 * saved position; the poll then moves to path as after any rotation,
 * so the lines written to it after the stop are not lost.
 */
static int
adopt_rotated(struct logsrc_file *f, const struct logsrc_pos *saved)
{
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", f->path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return ARX_ERR_NOTFOUND;
	slash[slash == dir] = '\0';
	if ((fd = find_saved(dir, saved)) < 0)
		return ARX_ERR_NOTFOUND;
	f->fd = fd;
	f->dev = saved->dev;
	f->ino = saved->ino;
	logsrc_lines_reset(&f->lines);
	if (seek_to(f, saved->offset) != 0)
		return ARX_ERR_SYS;
	f->head = saved->head;
	log_info("%s: rotated while not followed: reading the rest of the "
		 "old file first",
	    f->path);
	return 0;
}

int
logsrc_file_open(const char *path, size_t max_line,
    const struct logsrc_pos *saved, bool from_end, logsrc_line_fn *fn,
    void *ctx, struct logsrc_file **out)
{
	struct logsrc_file *f = calloc(1, sizeof(*f));
	int r;

	*out = NULL;
	if (f != NULL)
		f->fd = -1;
	if (f == NULL || (f->path = strdup(path)) == NULL ||
	    logsrc_lines_init(&f->lines, max_line, fn, ctx) != 0) {
		logsrc_file_close(f);
		return ARX_ERR_NOMEM;
	}
	if (saved != NULL && saved->ino != 0 && !path_is(path, saved) &&
	    adopt_rotated(f, saved) == 0) {
		*out = f;
		return 0;
	}
	r = open_path(f);
	if (r == 0)
		r = start(f, saved, from_end);
	if (r != 0 && r != ARX_ERR_NOTFOUND) {
		log_error("%s: cannot follow: %s", path,
		    r == ARX_ERR_SYS ? strerror(errno) : "not a regular file");
		logsrc_file_close(f);
		return r;
	}
	*out = f;
	return 0;
}

void
logsrc_file_close(struct logsrc_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	logsrc_lines_release(&f->lines);
	free(f->path);
	free(f);
}

/* Read fd to its current end, or *budget bytes (then f->behind). */
static int
drain(struct logsrc_file *f, size_t *budget)
{
	char chunk[CHUNK];
	ssize_t n;

	for (;;) {
		if (*budget == 0) {
			f->behind = true;
			return 0;
		}
		n = read(f->fd, chunk,
		    *budget < sizeof(chunk) ? *budget : sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ARX_ERR_SYS;
		if (n == 0)
			return 0;
		feed(f, chunk, (size_t)n, f->off);
		*budget -= (size_t)n;
		f->off += (uint64_t)n;
		f->st.bytes += (uint64_t)n;
		if (f->head == 0 && f->line_start > 0)
			f->head = head_hash(f->fd);
	}
}

/* The path now names another file: end the old one, take the new. */
static bool
rotated(struct logsrc_file *f)
{
	struct stat st;

	if (stat(f->path, &st) != 0)
		return false; /* gone for now: keep the old until one comes */
	return (uint64_t)st.st_dev != f->dev || (uint64_t)st.st_ino != f->ino;
}

/* copytruncate: the file got shorter than what was read, or its first
 * line changed (truncated and written again before this look). */
static bool
truncated(struct logsrc_file *f)
{
	struct stat st;

	if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size < f->off)
		return true;
	return f->head != 0 && head_hash(f->fd) != f->head;
}

int
logsrc_file_poll(struct logsrc_file *f)
{
	unsigned long before = f->lines.lines;
	size_t budget = LOGSRC_POLL_MAX;
	int r, turns;

	f->behind = false;
	for (turns = 0; turns < 4; turns++) {
		if (f->fd < 0 && open_path(f) != 0)
			break;
		if (truncated(f)) {
			f->st.truncations++;
			f->head = 0;
			logsrc_lines_reset(&f->lines);
			if (seek_to(f, 0) != 0)
				return ARX_ERR_SYS;
		}
		if ((r = drain(f, &budget)) != 0)
			return r;
		if (f->behind || !rotated(f))
			break;
		/* the old file's last line, without its newline */
		logsrc_lines_flush(&f->lines);
		f->st.rotations++;
		close(f->fd);
		f->fd = -1;
	}
	return (int)(f->lines.lines - before);
}

bool
logsrc_file_behind(const struct logsrc_file *f)
{
	return f->behind;
}

void
logsrc_file_pos(const struct logsrc_file *f, struct logsrc_pos *out)
{
	out->dev = f->dev;
	out->ino = f->ino;
	out->offset = f->line_start;
	out->head = head_hash(f->fd);
}

void
logsrc_file_stats(const struct logsrc_file *f, struct logsrc_file_stats *st)
{
	*st = f->st;
	st->lines = f->lines.lines;
	st->cut = f->lines.cut;
}

int
logsrc_pos_format(const struct logsrc_pos *p, struct buf *out)
{
	return buf_printf(out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIx64,
	    p->dev, p->ino, p->offset, p->head);
}

int
logsrc_pos_parse(const char *s, struct logsrc_pos *out)
{
	char buf[128], *w[5];

	if (!str_copy_fits(buf, s, sizeof(buf)) || str_words(buf, w, 4) != 4 ||
	    str_to_uint(w[0], 0, UINT64_MAX, &out->dev) != 0 ||
	    str_to_uint(w[1], 0, UINT64_MAX, &out->ino) != 0 ||
	    str_to_uint(w[2], 0, UINT64_MAX, &out->offset) != 0 ||
	    str_to_hex(w[3], &out->head) != 0)
		return ARX_ERR_INVAL;
	return 0;
}

void
logsrc_file_counters(const struct logsrc_file *f, struct counters *c)
{
	struct logsrc_file_stats st;

	logsrc_file_stats(f, &st);
	(void)counters_add(c, "cut", st.cut);
	(void)counters_add(c, "bytes", st.bytes);
	(void)counters_add(c, "rotations", st.rotations);
	(void)counters_add(c, "truncations", st.truncations);
}
