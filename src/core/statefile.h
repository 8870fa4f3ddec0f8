/*
 * State files: every file arx rewrites whole (positions, the journal's
 * rewrite, agent keys, the manager's state, a pushed agent.conf, the
 * feed's lists) is replaced through one function, so readers see the old
 * file or the new one and never half of one, with the durability the
 * caller asks for; and read back a line at a time with a bound on the
 * line. Owns nothing past a call.
 */
#ifndef ARX_CORE_STATEFILE_H
#define ARX_CORE_STATEFILE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/* How durable a replacement is when the call returns. */
enum statefile_sync {
	STATEFILE_LAZY, /* renamed; written back when the kernel will (the
			 * next save repeats it: positions, the feed) */
	STATEFILE_FILE, /* the new bytes on disk before the rename */
	STATEFILE_DIR,  /* and the rename itself (the directory synced) */
};

struct statefile_opts {
	mode_t mode;    /* of the new file, e.g. 0600 */
	bool keep_mode; /* rather the replaced file's, when there is one */
	enum statefile_sync sync;
	bool dir_owner; /* as root: the directory's owner and group */
	gid_t gid;      /* this group, when set_gid (readable by it) */
	bool set_gid;
};

/*
 * Replace path (relative to dirfd, or AT_FDCWD) with len bytes of data:
 * written to a fresh path.new (a leftover one removed first; never
 * through a symbolic link), then renamed over path. 0 once renamed (a
 * directory that cannot then be synced is logged), or ARX_ERR_SYS with
 * errno saying why; path.new does not stay behind a failure.
 */
int statefile_replace(int dirfd, const char *path, const void *data, size_t len,
    const struct statefile_opts *o);

/*
 * Call fn for each line of path (relative to dirfd; a symbolic link is
 * followed), its end (LF, CR LF) removed, numbered from 1. A line of max_line bytes or more is not
 * given to fn; *too_long counts them. Stops at fn's first non-zero
 * return and returns it; 0 at the end; ARX_ERR_NOTFOUND when there is
 * no file; ARX_ERR_SYS on a read error.
 */
int statefile_lines(int dirfd, const char *path, size_t max_line,
    int (*fn)(void *ctx, char *line, unsigned no), void *ctx,
    unsigned *too_long);

#endif
