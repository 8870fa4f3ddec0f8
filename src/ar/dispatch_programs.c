/*
 * The response dispatcher (dispatch_int.h): the program each command may
 * run, resolved at start and refused when a user other than root could
 * replace it.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar/arlog.h"
#include "ar/dispatch.h"
#include "ar/dispatch_int.h"
#include "ar/journal.h"
#include "ar/kcheck.h"
#include "ar/kview.h"
#include "ar/nftbatch.h"
#include "ar/policy.h"
#include "ar/runner.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "exec/exec.h"

/* Where command c's program is: a bare name in the response directory,
 * or the absolute path it was given. */
static char *
program_path(const struct arx_conf *conf, const struct conf_command *c)
{
	struct buf p;

	buf_init(&p, 4096);
	if (c->executable[0] == '/' || c->builtin != CONF_BUILTIN_NONE)
		(void)buf_puts(&p, c->executable);
	else
		(void)buf_printf(
		    &p, "%s/%s", conf->daemon.ar_dir, c->executable);
	return buf_detach(&p);
}

/* Why the program at path may not be run as root, or NULL when it may:
 * it must be inside the response directory (as configured: a symlink
 * there may point elsewhere), and what it names must be a regular,
 * executable file that only root (or arxd's own user) can change. */
static const char *
program_refusal(const char *path, const char *dir)
{
	size_t dlen = strlen(dir);
	struct stat st;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (!exec_path_ok(path))
		return "is not an absolute path without . or .. parts";
	if (strncmp(path, dir, dlen) != 0 || path[dlen] != '/')
		return "is outside the response directory "
		       "(<active_response_dir>)";
	if (stat(path, &st) != 0)
		return errno == ENOENT ? "does not exist" : strerror(errno);
	if (!S_ISREG(st.st_mode))
		return "is not a regular file";
	if ((st.st_mode & 0111) == 0 || access(path, X_OK) != 0)
		return "is not executable";
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return "is not owned by root";
	if ((st.st_mode & 022) != 0)
		return "can be written by group or others";
	return NULL;
}

/* Why a built-in response cannot run here, or NULL. */
static const char *
builtin_refusal(const struct conf_command *c)
{
	(void)c; /* builtin:nftables, the only one */
	if (access(NFTB_NFT_PATH, X_OK) != 0)
		return "needs " NFTB_NFT_PATH " (Debian: nftables), which "
		       "lists the kernel's sets for the kernel check";
	return NULL;
}

/* Whether command i runs: bound to an enabled response, or the
 * <precheck> of a command that is. */
static bool
command_used(const struct arx_conf *conf, size_t i)
{
	if (dp_response_of(conf, (int)i) != NULL)
		return true;
	for (size_t j = 0; j < conf->ncommands; j++)
		if (conf->commands[j].precheck != NULL &&
		    conf->commands[j].precheck_idx == i &&
		    dp_response_of(conf, (int)j) != NULL)
			return true;
	return false;
}

/* Resolve every command's program; those that run (command_used())
 * must pass program_refusal() (unless nothing is run). */
int
dp_paths_resolve(struct ar_dispatch *d)
{
	const struct arx_conf *conf = d->conf;
	const char *why;
	size_t i;
	int rc = 0;

	d->paths = calloc(conf->ncommands + 1, sizeof(*d->paths));
	d->names = calloc(conf->ncommands + 1, sizeof(*d->names));
	d->backends = calloc(conf->ncommands + 1, sizeof(*d->backends));
	if (d->paths == NULL || d->names == NULL || d->backends == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < conf->ncommands; i++) {
		const struct conf_command *c = &conf->commands[i];

		d->names[i] = c->name;
		d->backends[i] = ar_backend_of(c);
		if ((d->paths[i] = program_path(conf, c)) == NULL)
			return ARX_ERR_NOMEM;
		if (d->o.dry_run || !command_used(conf, i) ||
		    (why = c->builtin != CONF_BUILTIN_NONE
			    ? builtin_refusal(c)
			    : program_refusal(
				  d->paths[i], conf->daemon.ar_dir)) == NULL)
			continue;
		log_error("%s:%u: command '%s': program %s %s", c->where.file,
		    c->where.line, c->name, d->paths[i], why);
		rc = ARX_ERR_CONFIG;
	}
	return rc;
}
