/*
 * Implementation of statefile.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fdio.h"
#include "core/log.h"
#include "core/statefile.h"

/* The directory part of path ("." when none). */
static void
dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(dir, size, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		n = size - 1;
	memcpy(dir, path, n);
	dir[n] = '\0';
}

/* Owner and group of the new file, as asked. */
static int
set_owner(int dirfd, const char *path, int fd, const struct statefile_opts *o)
{
	char dir[4096];
	struct stat ds;

	if (o->dir_owner && geteuid() == 0) {
		dir_of(path, dir, sizeof(dir));
		if (fstatat(dirfd, dir, &ds, 0) == 0 &&
		    fchown(fd, ds.st_uid, ds.st_gid) != 0)
			return ARX_ERR_SYS;
	}
	if (o->set_gid && fchown(fd, (uid_t)-1, o->gid) != 0)
		return ARX_ERR_SYS;
	if (o->keep_mode && fstatat(dirfd, path, &ds, 0) == 0 &&
	    fchmod(fd, ds.st_mode & 07777) != 0)
		return ARX_ERR_SYS;
	return 0;
}

static int
sync_dir(int dirfd, const char *path)
{
	char dir[4096];
	int fd, r;

	dir_of(path, dir, sizeof(dir));
	if ((fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ARX_ERR_SYS;
	r = fsync(fd) == 0 ? 0 : ARX_ERR_SYS;
	close(fd);
	return r;
}

int
statefile_replace(int dirfd, const char *path, const void *data, size_t len,
    const struct statefile_opts *o)
{
	char tmp[4200];
	int fd, r, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return ARX_ERR_SYS;
	}
	/* a leftover NAME.new (a crash) would keep its own mode and owner */
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, o->mode);
	if (fd < 0)
		return ARX_ERR_SYS;
	if ((r = set_owner(dirfd, path, fd, o)) == 0 &&
	    (r = fdio_write_all(fd, data, len)) == 0 &&
	    o->sync != STATEFILE_LAZY && fsync(fd) != 0)
		r = ARX_ERR_SYS;
	e = errno;
	if (close(fd) != 0 && r == 0)
		r = ARX_ERR_SYS, e = errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, path) != 0)
		r = ARX_ERR_SYS, e = errno;
	if (r != 0) {
		(void)unlinkat(dirfd, tmp, 0);
		errno = e;
		return r;
	}
	/* Renamed: the new file is in place whatever follows. A directory
	 * that cannot be synced is said, not returned as a failure (the
	 * caller would take the old file as still there). */
	if (o->sync == STATEFILE_DIR && sync_dir(dirfd, path) != 0)
		log_warn("%s: the rename may not survive a crash: %s", path,
		    strerror(errno));
	return 0;
}

/* The next line of f into line (at most max bytes kept, NUL-terminated,
 * its LF and a CR before it dropped): its length, or max + 1 when it is
 * longer (the rest is read and dropped), or -1 at the end. */
static long
line_next(FILE *f, char *line, size_t max)
{
	size_t n = 0;
	bool any = false, long_line = false;
	int c;

	while ((c = getc(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (n < max)
			line[n++] = (char)c;
		else
			long_line = true;
	}
	if (!any)
		return -1;
	if (long_line)
		return (long)max + 1;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return (long)n;
}

/* Lines of f to fn (statefile_lines()); a longer line never takes more
 * memory than the bound. */
static int
lines_of(FILE *f, char *line, size_t max_line,
    int (*fn)(void *, char *, unsigned), void *ctx, unsigned *too_long)
{
	unsigned no = 0;
	long n;
	int r = 0;

	while (r == 0 && (n = line_next(f, line, max_line)) >= 0) {
		no++;
		if ((size_t)n >= max_line)
			(*too_long)++;
		else
			r = fn(ctx, line, no);
	}
	if (r == 0 && ferror(f))
		r = ARX_ERR_SYS;
	return r;
}

int
statefile_lines(int dirfd, const char *path, size_t max_line,
    int (*fn)(void *ctx, char *line, unsigned no), void *ctx,
    unsigned *too_long)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC), r;
	char *line;
	FILE *f;

	*too_long = 0;
	if (fd < 0)
		return errno == ENOENT ? ARX_ERR_NOTFOUND : ARX_ERR_SYS;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return ARX_ERR_SYS;
	}
	if ((line = malloc(max_line + 1)) == NULL)
		r = ARX_ERR_NOMEM;
	else
		r = lines_of(f, line, max_line, fn, ctx, too_long);
	if (line != NULL) /* key files hold secrets */
		explicit_bzero(line, max_line + 1);
	free(line);
	fclose(f);
	return r;
}
