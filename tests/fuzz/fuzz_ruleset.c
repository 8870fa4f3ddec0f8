/* Fuzz target: the decoder and rule loaders (XML files, pattern
 * compilation in the three languages, variables, if_sid/if_matched
 * links, overwrite), then the ruleset so loaded run on a few fixed log
 * lines with correlation. The input is the decoder file, a NUL byte,
 * then the rule file; each is handed to the loaders as a file through a
 * memfd. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lines[] = {
    "Nov 22 10:00:00 h sshd[1]: Invalid user bob from 192.0.2.6 port 42",
    "Nov 22 10:00:01 h sshd[1]: Failed password for root from 192.0.2.6 "
    "port 42 ssh2",
    "Nov 22 10:00:02 h su[2]: FAILED su for root by alice",
    "2026/11/22 10:00:03 [error] 1#1: *1 user \"x\": password mismatch, "
    "client: 192.0.2.6, server: h",
    "{\"a\":{\"b\":[1,2,\"c\"]},\"srcip\":\"192.0.2.6\"}",
};

static void
quiet(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

/* A file holding p[0..n), as a path the loaders can open. */
static int
memfile(const uint8_t *p, size_t n, char *path, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (n > 0 && write(fd, p, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	snprintf(path, size, "/proc/self/fd/%d", fd);
	return fd;
}

static void
run(struct ruleset *rs)
{
	struct pattern_scratch scratch = {0};
	struct rule_result res;
	struct corr *c = corr_new(rs->rules);
	struct event ev;
	size_t i, k;

	if (c == NULL)
		return;
	event_init(&ev);
	for (k = 0; k < 3; k++)
		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
			if (event_set_line(
				&ev, lines[i], strlen(lines[i]), "fuzz") == 0)
				(void)ruleset_analyse(rs, c, &ev,
				    1795349005000 +
					(int64_t)(k * 10 + i) * 1000,
				    &scratch, NULL, &res);
	event_release(&ev);
	pattern_scratch_release(&scratch);
	corr_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t dlen = nul ? (size_t)(nul - data) : size;
	char dpath[64], rpath[64];
	struct ruleset rs = {decoder_set_new(), rule_set_new()};
	int dfd = -1, rfd = -1;

	log_set_sink(quiet, NULL);
	if (rs.decoders == NULL || rs.rules == NULL)
		goto out;
	dfd = memfile(data, dlen, dpath, sizeof(dpath));
	rfd =
	    nul ? memfile(nul + 1, size - dlen - 1, rpath, sizeof(rpath)) : -1;
	if (dfd < 0 || decoder_load_file(rs.decoders, dpath) != 0)
		goto out;
	if (rfd >= 0 && rule_load_file(rs.rules, rpath) != 0)
		goto out;
	decoder_set_finish(rs.decoders);
	if (rule_set_finish(rs.rules) == 0) {
		rule_set_bind(rs.rules, rs.decoders);
		run(&rs);
	}
out:
	if (dfd >= 0)
		close(dfd);
	if (rfd >= 0)
		close(rfd);
	decoder_set_free(rs.decoders);
	rule_set_free(rs.rules);
	return 0;
}
