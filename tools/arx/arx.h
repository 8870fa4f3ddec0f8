/*
 * Subcommands of the arx tool, one function each, listed in main.c's
 * table. Each returns a sysexits code.
 */
#ifndef ARX_TOOLS_ARX_H
#define ARX_TOOLS_ARX_H

#ifndef ARX_DEFAULT_CONF
#define ARX_DEFAULT_CONF "/etc/arx/arx.conf"
#endif

/* What an argument parser returns for -h/--help: the usage goes to
 * standard output and the command exits 0 (wrong usage: stderr, 64). */
#define ARX_HELP (-2)

/* Large stdio buffers for standard input and output when they are not a
 * terminal (a file or a pipe): a million-line log is then read and its
 * alerts written in a few thousand system calls, not a few hundred
 * thousand. A terminal keeps its line buffering. */
void arx_stream_buffers(void);

/*
 * Colour on standard output, only when it is a terminal, NO_COLOR
 * (no-color.org) is unset and TERM is not "dumb": arx_sgr() gives the
 * escape sequence that starts a colour, or "" when there is to be none,
 * so output to a file or a pipe is the same text as ever.
 */
enum arx_sgr {
	ARX_SGR_OFF = 0, /* back to plain */
	ARX_SGR_BOLD,
	ARX_SGR_RED,
	ARX_SGR_GREEN,
	ARX_SGR_YELLOW,
};
const char *arx_sgr(enum arx_sgr s);

int cmd_logtest(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_patterns(int argc, char **argv);
int cmd_agents(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_unblock(int argc, char **argv);

#endif
