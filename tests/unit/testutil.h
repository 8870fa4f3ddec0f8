/*
 * Helpers shared by the cmocka unit tests: capture of diagnostic messages
 * through the log sink, so a test can check what arx said and where.
 */
#ifndef ARX_TESTUTIL_H
#define ARX_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"

struct log_capture {
	char text[16384]; /* every message, one per line */
	size_t len;
	unsigned nerrors, nwarnings;
};

static inline void
capture_sink(void *ctx, enum log_level level, const char *msg)
{
	struct log_capture *c = ctx;
	int n;

	if (level == LOG_LVL_ERROR)
		c->nerrors++;
	if (level == LOG_LVL_WARN)
		c->nwarnings++;
	n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s\n", msg);
	if (n > 0 && (size_t)n < sizeof(c->text) - c->len)
		c->len += (size_t)n;
}

static inline void
capture_start(struct log_capture *c)
{
	memset(c, 0, sizeof(*c));
	log_set_sink(capture_sink, c);
	log_set_level(LOG_LVL_INFO);
}

static inline void
capture_stop(void)
{
	log_set_sink(NULL, NULL);
}

/* Fails the test when needle is not in the captured text. */
#define assert_captured(c, needle)                                        \
	do {                                                              \
		if (strstr((c)->text, (needle)) == NULL)                  \
			fail_msg("expected \"%s\" in log:\n%s", (needle), \
			    (c)->text);                                   \
	} while (0)

/* Write text to DIR/NAME (a fixture file); fails the test on error. */
static inline void
test_write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#endif
