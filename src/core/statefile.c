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

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ARX_ERR_SYS;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Owner and group of the new file, as asked. */
static int
set_owner(int dirfd, const char *path, int fd, const struct statefile_opts *o)
{
	char dir[4096];
	struct stat ds;

	if (o->dir_owner && geteuid() == 0) {
		dir_of(path, dir, sizeof(dir));
		if (fstatat(dirfd, dir, &ds, 0) != 0 ||
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
	fd = openat(dirfd, tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, o->mode);
	if (fd < 0)
		return ARX_ERR_SYS;
	if ((r = set_owner(dirfd, path, fd, o)) == 0 &&
	    (r = write_all(fd, data, len)) == 0 && o->sync != STATEFILE_LAZY &&
	    fsync(fd) != 0)
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
	return o->sync == STATEFILE_DIR ? sync_dir(dirfd, path) : 0;
}

/* Skip the rest of a line too long for the buffer. */
static void
skip_line(FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF && c != '\n')
		;
}

/* Lines of f to fn (statefile_lines()), read into a buffer of the
 * bound: a longer line never takes more memory. */
static int
lines_of(FILE *f, char *line, size_t max_line,
    int (*fn)(void *, char *, unsigned), void *ctx, unsigned *too_long)
{
	unsigned no = 0;
	size_t n;
	int r = 0;

	while (r == 0 && fgets(line, (int)max_line + 2, f) != NULL) {
		no++;
		n = strlen(line);
		if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
			skip_line(f);
			(*too_long)++;
			continue;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n >= max_line)
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
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;
	char *line;
	FILE *f;

	*too_long = 0;
	if (fd < 0)
		return errno == ENOENT ? ARX_ERR_NOTFOUND : ARX_ERR_SYS;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return ARX_ERR_SYS;
	}
	if ((line = malloc(max_line + 2)) == NULL)
		r = ARX_ERR_NOMEM;
	else
		r = lines_of(f, line, max_line, fn, ctx, too_long);
	if (line != NULL) /* key files hold secrets */
		explicit_bzero(line, max_line + 2);
	free(line);
	fclose(f);
	return r;
}
