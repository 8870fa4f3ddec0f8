/*
 * A response program for tests: it records on stderr what it received
 * and, when run with the JSON protocol (no arguments), answers the add
 * message with check_keys for the alert's srcip, then records the reply.
 * With arguments (the legacy protocol) it records them, '|'-separated.
 */
#include <stdio.h>
#include <string.h>

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

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			fprintf(
			    stderr, "%s%s", argv[i], i + 1 < argc ? "|" : "\n");
		return 0;
	}
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 1;
	value_of(line, "command", cmd, sizeof(cmd));
	value_of(line, "srcip", ip, sizeof(ip));
	fprintf(stderr, "IN:%s %s\n", cmd, ip);
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
	fprintf(stderr, "REPLY:%s\n", cmd);
	return 0;
}
