/*
 * host-deny: the stock TCP-wrappers program, usable by arx, OSSEC and
 * Wazuh alike, speaking both protocols (src/ar/prog.c). An add appends
 * "ALL:<address>" to /etc/hosts.deny (or the file named by "--file PATH"
 * among the extra arguments) unless that exact line is there; a delete
 * removes exactly the lines "ALL:<address>" and "ALL: <address>", never
 * a line that merely contains the address (192.0.2.1 is not 192.0.2.10).
 * A network (NET/LEN) is refused: single addresses only.
 *
 * Every change holds an exclusive lock on "<file>.lock" and replaces the
 * file whole: the new content is written to "<file>.new", fsync'd and
 * renamed over the old one, so readers see the old file or the new one.
 * Exit status: 0 done or aborted, 64 bad input, 74 I/O error.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar/prog.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/statefile.h"

#define HOSTS_DENY_MAX (16u << 20)

/* The file's lines without the ones equal to one of drop[0..1]. */
static int
read_keep(
    const char *path, const char *const drop[2], struct buf *out, bool *found)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	*found = false;
	if (f == NULL)
		return errno == ENOENT ? 0 : ARX_ERR_SYS;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\n");

		if ((strlen(drop[0]) == n && strncmp(line, drop[0], n) == 0) ||
		    (strlen(drop[1]) == n && strncmp(line, drop[1], n) == 0)) {
			*found = true;
			continue;
		}
		if (buf_puts(out, line) != 0) {
			fclose(f);
			return ARX_ERR_TOOBIG;
		}
	}
	fclose(f);
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		return buf_putc(out, '\n');
	return 0;
}

/* hosts.deny replaced whole (core/statefile.h), keeping its mode. */
static int
replace_file(const char *path, const struct buf *b)
{
	struct statefile_opts o = {
	    .mode = 0644, .keep_mode = true, .sync = STATEFILE_FILE};

	return statefile_replace(AT_FDCWD, path, b->data, b->len, &o);
}

static int
update(const char *path, const char *addr, bool add)
{
	char a[128], b[128], lock[4200];
	const char *drop[2] = {a, b};
	struct buf content;
	bool found;
	int fd, r;

	snprintf(a, sizeof(a), "ALL:%s", addr);
	snprintf(b, sizeof(b), "ALL: %s", addr);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return ARX_ERR_SYS;
	if (flock(fd, LOCK_EX) != 0) {
		close(fd);
		return ARX_ERR_SYS;
	}
	buf_init(&content, HOSTS_DENY_MAX);
	r = read_keep(path, drop, &content, &found);
	if (r == 0 && add)
		r = buf_printf(&content, "%s\n", a);
	if (r == 0 && (add || found))
		r = replace_file(path, &content);
	buf_release(&content);
	close(fd); /* releases the lock */
	return r;
}

int
main(int argc, char **argv)
{
	struct ar_prog_request rq;
	char path[4096] = "/etc/hosts.deny", text[64];
	int r;

	if (ar_prog_help(argc, argv, "host-deny",
		"  --file PATH     the hosts.deny file (default "
		"/etc/hosts.deny)\n"))
		return 0;
	if (ar_prog_read(argc, argv, "host-deny", &rq) != 0)
		return EX_USAGE;
	if (strcmp(rq.command, "abort") == 0)
		return 0;
	if (rq.addr.plen != 0) {
		fprintf(stderr,
		    "host-deny: %s is a network: this program denies single "
		    "addresses\n",
		    rq.addr_text);
		return EX_USAGE;
	}
	(void)ar_prog_option(&rq, "file", path, sizeof(path));
	addr_format(&rq.addr, text, sizeof(text));
	if (strcmp(rq.command, "add") == 0) {
		r = update(path, text, true);
	} else if (strcmp(rq.command, "delete") == 0) {
		r = update(path, text, false);
	} else {
		fprintf(
		    stderr, "host-deny: unknown command '%s'\n", rq.command);
		return EX_USAGE;
	}
	if (r != 0)
		fprintf(stderr, "host-deny: %s: %s\n", path, strerror(errno));
	return r == 0 ? 0 : EX_IOERR;
}
