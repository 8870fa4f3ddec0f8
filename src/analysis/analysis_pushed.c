/*
 * arxd's analysis side (analysis_int.h): an agent's agent.conf, pushed
 * by its manager. A push is checked (its version, then the loader
 * restricted to what a push may set, the <agent_config> blocks chosen
 * by name, os and profile), saved in the analysis directory and put in
 * force whole, or refused with the reason; the one applied last is
 * taken again at the next start. Owns the pushed configuration in force
 * (struct analysis' shared).
 */
#include <sys/utsname.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "analysis/shared.h"
#include "analysis/uplink.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"
#include "core/statefile.h"
#include "core/strparse.h"

/* ---- agent.conf (an agent): the manager's push ---- */

static bool
agent_match(const char *pattern, const char *subject)
{
	char err[256];
	struct osmatch *m = osmatch_compile(pattern, err, sizeof(err));
	bool r;

	if (m == NULL) {
		log_warn("agent.conf: pattern '%s': %s", pattern, err);
		return false;
	}
	r = osmatch_exec(m, subject, strlen(subject));
	osmatch_free(m);
	return r;
}

struct profile_ctx {
	const char *pattern;
};

static int
profile_one(void *p, const char *item)
{
	return agent_match(((struct profile_ctx *)p)->pattern, item) ? 1 : 0;
}

/* Whether any of the comma-separated profiles matches pattern. */
static bool
profile_match(const char *pattern, const char *profiles)
{
	struct profile_ctx pc = {pattern};

	return str_split_list(profiles, profile_one, &pc) == 1;
}

/* Which <agent_config> blocks are this agent's: each attribute given
 * must match (OS_Match) its name, its uname, one of its profiles. */
static bool
shared_select(const char *name, const char *os, const char *profile, void *ctx)
{
	struct analysis *a = ctx;
	struct utsname u;
	char uts[5 * 65 + 8];

	if (name != NULL && !agent_match(name, uplink_name(a->uplink)))
		return false;
	if (os != NULL) {
		if (uname(&u) != 0)
			return false;
		snprintf(uts, sizeof(uts), "%s %s %s %s %s", u.sysname,
		    u.nodename, u.release, u.version, u.machine);
		if (!agent_match(os, uts))
			return false;
	}
	return profile == NULL ||
	    (a->conf->client.config_profile != NULL &&
		profile_match(profile, a->conf->client.config_profile));
}

/* Parse and check a push; NULL with why filled when it is refused. */
static struct arx_conf *
shared_parse(
    struct analysis *a, const char *text, size_t len, char *why, size_t whysize)
{
	struct arx_conf *c;

	if (conf_load_shared(SHARED_FILE, text, len, shared_select, a, &c, why,
		whysize) != 0)
		return NULL;
	for (size_t i = 0; i < c->nlocalfiles; i++) {
		const struct conf_localfile *lf = &c->localfiles[i];

		if (lf->format != LOG_FORMAT_JOURNALD)
			continue;
		snprintf(why, whysize,
		    "%s:%u: a journald <localfile> is set in the agent's own "
		    "configuration, not through agent.conf",
		    lf->where.file, lf->where.line);
		conf_free(c);
		return NULL;
	}
	return c;
}

/* Write the applied text to the analysis directory (temporary, fsync,
 * rename), so it is in force again after a restart. */
static int
shared_save(struct analysis *a, const char *text, size_t len)
{
	return statefile_replace(a->pos_dir, SHARED_FILE, text, len,
	    &(struct statefile_opts){.mode = 0600, .sync = STATEFILE_FILE});
}

/* Put c in force: the files of the push before it are let go (their
 * positions saved), those of c followed. */
static void
shared_swap(struct analysis *a, struct arx_conf *c)
{
	struct arx_conf *old = a->shared;
	size_t i;

	an_positions_save(a);
	for (i = 0; old != NULL && i < a->nsrc; i++) {
		const struct conf_localfile *lf = a->src[i]->lf;

		if (lf < old->localfiles ||
		    lf >= old->localfiles + old->nlocalfiles)
			continue;
		an_poll_to_end(a->src[i]->f);
		log_notice("%s: no longer followed (agent.conf changed)",
		    a->src[i]->path);
		an_source_free(a->src[i]);
		a->src[i--] = a->src[--a->nsrc];
	}
	conf_free(old);
	a->shared = c;
	an_sources_scan(a, true);
	an_poll_all(a);
}

static int
on_shared(const char *group, const char *hash, const char *text, size_t len,
    char *why, size_t whysize, void *ctx)
{
	struct analysis *a = ctx;
	struct arx_conf *c = shared_parse(a, text, len, why, whysize);

	if (c == NULL)
		return ARX_ERR_CONFIG;
	if (shared_save(a, text, len) != 0) {
		snprintf(why, whysize, "cannot save it: %s", strerror(errno));
		conf_free(c);
		return ARX_ERR_SYS;
	}
	shared_swap(a, c);
	log_notice("agent.conf %.12s of group %s applied: %zu log sources "
		   "from it",
	    hash, group, c->nlocalfiles);
	return 0;
}

/* At start (as the user): the agent.conf applied last time, if any. */
void
an_shared_restore(struct analysis *a)
{
	char hash[TLS_DIGEST_HEX], why[512];
	char *text = malloc(SHARED_MAX_FILE + 1);
	int fd = openat(a->pos_dir, SHARED_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	tls_digest_hex("", 0, hash);
	if (fd >= 0 && text != NULL)
		n = read(fd, text, SHARED_MAX_FILE + 1);
	if (fd >= 0)
		close(fd);
	if (n > (ssize_t)SHARED_MAX_FILE)
		log_warn("%s: larger than %u bytes; not taken", SHARED_FILE,
		    SHARED_MAX_FILE);
	else if (n >= 0 &&
	    (a->shared = shared_parse(a, text, (size_t)n, why, sizeof(why))) ==
		NULL)
		log_warn("the agent.conf applied before is not taken again: %s",
		    why);
	else if (n >= 0)
		tls_digest_hex(text, (size_t)n, hash);
	free(text);
	uplink_set_config(a->uplink, on_shared, a, hash);
}
