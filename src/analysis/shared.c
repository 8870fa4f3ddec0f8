/*
 * Implementation of shared.h: one record per group asked for (name,
 * text, version, the time stamp and size it was read at, when it was
 * last looked at), in a small array searched by name.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/shared.h"
#include "config/conf.h"
#include "core/log.h"

#define LOOK_MS    1000
#define MAX_GROUPS 1024u

struct group {
	char name[65];
	struct shared_file f;
	char *text;
	struct timespec mtime;
	off_t size;
	bool present, stamped; /* stamped: mtime and size were taken */
	long long looked_ms;
};

struct shared_groups {
	char dir[4096];
	struct group *v;
	size_t n, cap;
	struct shared_file empty;
};

struct shared_groups *
shared_new(const char *dir)
{
	struct shared_groups *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	snprintf(g->dir, sizeof(g->dir), "%s", dir);
	g->empty.text = "";
	tls_digest_hex("", 0, g->empty.hash);
	return g;
}

void
shared_free(struct shared_groups *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].text);
	free(g->v);
	free(g);
}

static bool
select_all(const char *name, const char *os, const char *profile, void *ctx)
{
	(void)name, (void)os, (void)profile, (void)ctx;
	return true;
}

/* Read path (size bytes) as the group's new version. */
static void
group_read(struct group *gr, const char *path, int fd, const struct stat *st)
{
	char *text = malloc((size_t)st->st_size + 1);
	struct arx_conf *conf;
	char why[512];
	ssize_t n;

	if (text == NULL)
		return;
	n = read(fd, text, (size_t)st->st_size);
	if (n != (ssize_t)st->st_size) {
		log_error("%s: cannot read: %s", path,
		    n < 0 ? strerror(errno) : "it changed while read");
		free(text);
		return;
	}
	text[n] = '\0';
	free(gr->text);
	gr->text = text;
	gr->f = (struct shared_file){.text = text, .len = (size_t)n};
	tls_digest_hex(text, (size_t)n, gr->f.hash);
	gr->present = true;
	log_notice("%s: version %.12s (%zd bytes) for group %s", path,
	    gr->f.hash, n, gr->name);
	if (conf_load_shared(path, text, (size_t)n, select_all, NULL, &conf,
		why, sizeof(why)) != 0)
		log_warn(
		    "%s has errors; its agents will refuse it: %s", path, why);
	else
		conf_free(conf);
}

static void
group_look(struct shared_groups *g, struct group *gr)
{
	char path[4400];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/agent.conf", g->dir, gr->name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (gr->present)
			log_notice("%s: gone; group %s has no agent.conf", path,
			    gr->name);
		gr->present = gr->stamped = false;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (gr->stamped && st.st_size == gr->size &&
	    st.st_mtim.tv_sec == gr->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == gr->mtime.tv_nsec) {
		close(fd);
		return;
	}
	if (st.st_size > (off_t)SHARED_MAX_FILE)
		log_error("%s: larger than %u bytes; the version before "
			  "stays",
		    path, SHARED_MAX_FILE);
	else
		group_read(gr, path, fd, &st);
	gr->mtime = st.st_mtim;
	gr->size = st.st_size;
	gr->stamped = true;
	close(fd);
}

static struct group *
group_of(struct shared_groups *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0)
			return &g->v[i];
	if (g->n >= MAX_GROUPS)
		return NULL;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		struct group *v = realloc(g->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n] = (struct group){.looked_ms = -LOOK_MS};
	snprintf(g->v[g->n].name, sizeof(g->v[g->n].name), "%s", name);
	return &g->v[g->n++];
}

const struct shared_file *
shared_get(struct shared_groups *g, const char *group, long long now_ms)
{
	struct group *gr = group_of(g, group);

	if (gr == NULL)
		return NULL;
	if (now_ms - gr->looked_ms >= LOOK_MS) {
		gr->looked_ms = now_ms;
		group_look(g, gr);
	}
	return gr->present ? &gr->f : &g->empty;
}
