/* Fuzz target: one log line through the pre-decoder, arx's decoders and
 * rules with correlation (state kept across inputs, as in the daemon),
 * and the alert formatters. Each input is split at newlines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_json.h"
#include "alert/alert_log.h"
#include "core/buf.h"
#include "core/log.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/ruleset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ruleset *rs;
static struct corr *corr;
static struct pattern_scratch scratch;
static struct event ev;
static struct buf out;
static int64_t now = 1795349005000;

static void
quiet(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dirs[1] = {ARX_SOURCE_DIR "/ruleset"};

	(void)argc, (void)argv;
	log_set_sink(quiet, NULL);
	if (ruleset_load_dirs(dirs, 1, &rs) != 0 ||
	    (corr = corr_new(rs->rules)) == NULL)
		abort();
	event_init(&ev);
	buf_init(&out, 1 << 20);
	return 0;
}

static void
one(const char *line, size_t len)
{
	struct rule_result res;

	if (event_set_line(&ev, line, len, "fuzz") != 0)
		return;
	now += 1000;
	(void)ruleset_analyse(rs, corr, &ev, now, &scratch, NULL, &res);
	if (res.rule == NULL || res.rule->level == 0)
		return;
	buf_reset(&out);
	(void)alert_log_format(&out, res.rule, &ev, corr, now, 0);
	buf_reset(&out);
	(void)alert_json_format(
	    &out, res.rule, &ev, corr, res.firedtimes, now, 0, "fuzz");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	if (rs == NULL)
		(void)LLVMFuzzerInitialize(NULL, NULL);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		one(p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	return 0;
}
