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

int cmd_logtest(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_patterns(int argc, char **argv);
int cmd_agents(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_unblock(int argc, char **argv);

#endif
