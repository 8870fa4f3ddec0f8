/*
 * arx: the command-line tool. One program, subcommands in a table; each
 * subcommand links the same engine library as the daemon. Subcommands are
 * added as their layers land (logtest, replay, status, list, block, unblock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "arx.h"
#include "core/log.h"
#include "core/strparse.h"

struct arx_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

#define STREAM_BUF (256u << 10)

void
arx_stream_buffers(void)
{
	/* static: the buffers must outlive the last flush, at exit */
	static char in[STREAM_BUF], out[STREAM_BUF];

	if (!isatty(STDIN_FILENO))
		(void)setvbuf(stdin, in, _IOFBF, sizeof(in));
	if (!isatty(STDOUT_FILENO))
		(void)setvbuf(stdout, out, _IOFBF, sizeof(out));
}

const char *
arx_sgr(enum arx_sgr s)
{
	static const char *const seq[] = {
	    [ARX_SGR_OFF] = "\033[0m",
	    [ARX_SGR_BOLD] = "\033[1m",
	    [ARX_SGR_RED] = "\033[1;31m",
	    [ARX_SGR_GREEN] = "\033[32m",
	    [ARX_SGR_YELLOW] = "\033[33m",
	};
	static int on = -1;
	const char *term, *no;

	if (on < 0) {
		term = getenv("TERM");
		no = getenv("NO_COLOR");
		on = isatty(STDOUT_FILENO) && (no == NULL || no[0] == '\0') &&
		    (term == NULL || strcmp(term, "dumb") != 0);
	}
	return on && (unsigned)s < sizeof(seq) / sizeof(seq[0]) ? seq[s] : "";
}

static const struct arx_cmd arx_cmds[] = {
    {"logtest", cmd_logtest, "decode log lines from standard input"},
    {"replay", cmd_replay, "what arx would have done on existing logs"},
    {"patterns", cmd_patterns, "every pattern on input made to be slow"},
    {"status", cmd_status, "what the running arxd is doing"},
    {"list", cmd_list, "active blocks, remaining time, offences"},
    {"block", cmd_block, "block an address now"},
    {"unblock", cmd_unblock, "lift an address's blocks now"},
    {"agents", cmd_agents, "the manager's agents: list, add, remove"},
    {"agent", cmd_agent, "make this host an agent: enroll"},
    {"db", cmd_db, "the cluster's database: migrate, status"},
    {"help", cmd_help, "show this help"},
};

#define NCMDS (sizeof(arx_cmds) / sizeof(arx_cmds[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: arx [-hV] command [args...]\n"
	    "  -h, --help     this help\n"
	    "  -V, --version  print the version\n"
	    "commands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(
		    f, "  %-10s %s\n", arx_cmds[i].name, arx_cmds[i].summary);
}

static int
cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	usage(stdout);
	return EX_OK;
}

static int
unknown_command(const char *name)
{
	const char *names[NCMDS], *hint;
	size_t i;

	for (i = 0; i < NCMDS; i++)
		names[i] = arx_cmds[i].name;
	hint = str_suggest(name, names, NCMDS);
	log_error("unknown command '%s'%s%s%s", name,
	    hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
	usage(stderr);
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_set_tag("arx");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("arx %s\n", ARX_VERSION);
		return EX_OK;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], arx_cmds[i].name) == 0)
			return arx_cmds[i].run(argc - 1, argv + 1);
	return unknown_command(argv[1]);
}
