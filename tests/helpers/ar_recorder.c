/*
 * A response program for tests: it records on stderr what it received
 * and, when run with the JSON protocol (no arguments), answers the add
 * message with check_keys for the alert's srcip, then records the reply.
 * With arguments (the legacy protocol) it records them, '|'-separated.
 * Every record also goes to <argv[0]>.log, so a test that runs it from
 * a directory of its own can read what it got. An extra argument "fail"
 * makes it exit 1, "hang" makes it sleep for a minute.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *self;

static void
record(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s.log", self);
	if (self[0] != '/' || (f = fopen(path, "a")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* The test's requests, from extra args: an argument, or a JSON string
 * (quoted) in the message. */
static void
obey(const char *text, const char *hang, const char *fail)
{
	if (strstr(text, hang) != NULL)
		sleep(60);
	if (strstr(text, fail) != NULL)
		exit(1);
}

/* Copy the string value of "name":"..." in line into out. */
static void
value_of(const char *line, const char *name, char *out, size_t size)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	out[0] = '\0';
	if ((p = strstr(line, pat)) == NULL)
		return;
	for (p += strlen(pat); *p != '\0' && *p != '"' && n + 1 < size; p++)
		out[n++] = *p;
	out[n] = '\0';
}

int
main(int argc, char **argv)
{
	static char line[1 << 16];
	char cmd[32], ip[64];
	int i;

	self = argv[0];
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			record("%s%s", argv[i], i + 1 < argc ? "|" : "\n");
			if (i > 7)
				obey(argv[i], "hang", "fail");
		}
		return 0;
	}
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 1;
	value_of(line, "command", cmd, sizeof(cmd));
	value_of(line, "srcip", ip, sizeof(ip));
	record("IN:%s %s\n", cmd, ip);
	obey(line, "\"hang\"", "\"fail\"");
	if (strcmp(cmd, "add") != 0)
		return 0;
	printf("{\"version\":1,\"origin\":{\"name\":\"recorder\",\"module\":"
	       "\"active-response\"},\"command\":\"check_keys\","
	       "\"parameters\":{\"keys\":[\"%s\"]}}\n",
	    ip);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 1;
	value_of(line, "command", cmd, sizeof(cmd));
	record("REPLY:%s\n", cmd);
	return 0;
}
