/*
 * arx status | list | block | unblock: the client side of the control
 * socket (src/ar/control.h has the protocol). Each builds one request
 * line, sends it, copies the answer to standard output and turns an
 * error answer into an exit status. Owns nothing past one call.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "arx.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/fdio.h"
#include "core/log.h"

#define DEFAULT_SOCKET "/run/arx/control.sock"

struct ctl_opts {
	const char *socket, *conf, *timeout, *command, *rule;
	bool json, offence, all;
	const char *addr;
};

/* Each verb's arguments and own options, for its usage. */
static const struct {
	const char *verb, *args, *options;
} usages[] = {
    {"status", "", ""},
    {"list", " [-C COMMAND] [-r RULE]",
	"  -C, --command NAME  only the blocks of this command\n"
	"  -r, --rule ID       only the blocks this rule asked for\n"},
    {"block", " ADDRESS[/LEN] [-t DURATION] [-C COMMAND] [--offence]",
	"  -t, --timeout D     how long (default: the response's "
	"<timeout>)\n"
	"  -C, --command NAME  the command that blocks (default: the "
	"first)\n"
	"  --offence           count the block as an offence (a manual "
	"block\n"
	"                      is not one otherwise)\n"},
    {"unblock", " ADDRESS[/LEN]|--all [-C COMMAND]",
	"  -a, --all           lift every block (of COMMAND with -C)\n"
	"  -C, --command NAME  only this command's block\n"},
};

static void
ctl_usage(FILE *f, const char *verb)
{
	size_t i;

	for (i = 0; i < sizeof(usages) / sizeof(usages[0]) - 1 &&
	     strcmp(usages[i].verb, verb) != 0;
	     i++)
		;
	fprintf(f,
	    "usage: arx %s%s [--json] [-c conf | -s socket]\n"
	    "  -c, --config FILE   find the socket in this configuration\n"
	    "  -s, --socket PATH   control socket (default " DEFAULT_SOCKET
	    ")\n"
	    "  -j, --json          answer in JSON\n%s",
	    verb, usages[i].args, usages[i].options);
}

static int
ctl_args(int argc, char **argv, bool wants_addr, struct ctl_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"command", required_argument, NULL, 'C'},
	    {"offence", no_argument, NULL, 'O'},
	    {"all", no_argument, NULL, 'a'},
	    {"rule", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(
		    argc, argv, "c:s:jt:C:r:ah", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 't':
			o->timeout = optarg;
			break;
		case 'C':
			o->command = optarg;
			break;
		case 'O':
			o->offence = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'r':
			o->rule = optarg;
			break;
		case 'h':
			return ARX_HELP;
		default:
			return EX_USAGE;
		}
	}
	if (o->all && !wants_addr)
		return EX_USAGE;
	if (o->all && optind == argc)
		o->addr = "all"; /* the protocol's word (an address is not) */
	else if (wants_addr && optind < argc)
		o->addr = argv[optind++];
	if (o->all && strcmp(o->addr, "all") != 0)
		return EX_USAGE;
	if (optind != argc || wants_addr != (o->addr != NULL))
		return EX_USAGE;
	return EX_OK;
}

/* The words the user gave must not split or end the request line. */
static bool
word_ok(const char *s)
{
	return s == NULL ||
	    (s[0] != '\0' && strlen(s) < 256 && strpbrk(s, " \t\r\n") == NULL);
}

static int
socket_path(const struct ctl_opts *o, char *out, size_t size)
{
	struct arx_conf *conf;

	if (o->socket != NULL || o->conf == NULL) {
		snprintf(
		    out, size, "%s", o->socket ? o->socket : DEFAULT_SOCKET);
		return EX_OK;
	}
	if (conf_load(o->conf, &conf) != 0) {
		log_error("configuration %s is invalid", o->conf);
		return EX_CONFIG;
	}
	snprintf(out, size, "%s", conf->daemon.control_socket);
	conf_free(conf);
	return EX_OK;
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("control socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		log_error("cannot reach arxd at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The colour of a list row's KERNEL word on a terminal. */
static const struct {
	const char *word;
	enum arx_sgr colour;
} kernel_colours[] = {
    {"yes", ARX_SGR_GREEN},
    {"NO", ARX_SGR_RED},
    {"pending", ARX_SGR_YELLOW},
};

/* One row of arx list's text: the KERNEL word (the last but one) in its
 * colour; the heading bold. */
static void
list_row(const char *line, size_t n, bool heading)
{
	const char *end = line + n, *rules, *kernel;
	size_t i, klen;

	if (heading) {
		printf("%s%.*s%s\n", arx_sgr(ARX_SGR_BOLD), (int)n, line,
		    arx_sgr(ARX_SGR_OFF));
		return;
	}
	for (rules = end; rules > line && rules[-1] != ' ';)
		rules--;
	for (kernel = rules; kernel > line && kernel[-1] == ' ';)
		kernel--;
	klen = (size_t)(kernel - line);
	while (kernel > line && kernel[-1] != ' ')
		kernel--;
	klen -= (size_t)(kernel - line);
	for (i = 0; i < sizeof(kernel_colours) / sizeof(kernel_colours[0]); i++)
		if (strlen(kernel_colours[i].word) == klen &&
		    memcmp(kernel, kernel_colours[i].word, klen) == 0) {
			printf("%.*s%s%.*s%s%.*s\n", (int)(kernel - line), line,
			    arx_sgr(kernel_colours[i].colour), (int)klen,
			    kernel, arx_sgr(ARX_SGR_OFF),
			    (int)(end - kernel - klen), kernel + klen);
			return;
		}
	printf("%.*s\n", (int)n, line);
}

/* arx list's text answer, coloured on a terminal. */
static void
list_print(const char *text)
{
	const char *p = text, *nl;
	bool heading = true;

	if (arx_sgr(ARX_SGR_BOLD)[0] == '\0') {
		fputs(text, stdout);
		return;
	}
	for (; *p != '\0' && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		list_row(p, (size_t)(nl - p), heading);
		heading = false;
	}
}

/* Send the request, read the whole answer, print it. */
static int
ctl_exchange(const char *path, const char *request, bool json, bool list)
{
	char chunk[65536];
	struct buf ans;
	ssize_t n;
	int fd, rc = EX_OK;

	if ((fd = ctl_connect(path)) < 0)
		return EX_UNAVAILABLE;
	buf_init(&ans, 512u << 20);
	if (fdio_write_all(fd, request, strlen(request)) != 0)
		rc = EX_IOERR;
	shutdown(fd, SHUT_WR);
	while (rc == EX_OK && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(&ans, chunk, (size_t)n) != 0)
			rc = EX_IOERR;
	}
	close(fd);
	if (rc == EX_OK && (ans.len == 0 || ans.data[ans.len - 1] != '\n')) {
		log_error("the answer of arxd at %s was cut short (%zu bytes)",
		    path, ans.len);
		buf_release(&ans);
		return EX_PROTOCOL;
	}
	if (rc == EX_OK &&
	    (strncmp(buf_cstr(&ans), "error: ", 7) == 0 ||
		strncmp(buf_cstr(&ans), "{\"ok\":false", 11) == 0)) {
		fputs(buf_cstr(&ans), json ? stdout : stderr);
		rc = 1;
	} else if (rc == EX_OK && list && !json)
		list_print(buf_cstr(&ans));
	else if (rc == EX_OK)
		fputs(buf_cstr(&ans), stdout);
	else
		log_error("no answer from arxd at %s", path);
	buf_release(&ans);
	return rc;
}

static int
ctl_run(int argc, char **argv, const char *verb, bool wants_addr)
{
	struct ctl_opts o = {0};
	char path[4096];
	struct buf req;
	int rc;

	if ((rc = ctl_args(argc, argv, wants_addr, &o)) == ARX_HELP) {
		ctl_usage(stdout, verb);
		return EX_OK;
	}
	/* --all only for unblock, and "all" only through --all */
	if (o.all != (o.addr != NULL && strcmp(o.addr, "all") == 0) ||
	    (o.all && strcmp(verb, "unblock") != 0) ||
	    (o.rule != NULL && strcmp(verb, "list") != 0))
		rc = EX_USAGE;
	if (rc != EX_OK || !word_ok(o.addr) || !word_ok(o.timeout) ||
	    !word_ok(o.command) || !word_ok(o.rule)) {
		ctl_usage(stderr, verb);
		return EX_USAGE;
	}
	if ((rc = socket_path(&o, path, sizeof(path))) != EX_OK)
		return rc;
	buf_init(&req, 1024);
	(void)buf_printf(&req, "%s%s", o.json ? "json " : "", verb);
	if (o.addr != NULL)
		(void)buf_printf(&req, " %s", o.addr);
	if (strcmp(verb, "block") == 0)
		(void)buf_printf(&req, " %s", o.timeout ? o.timeout : "-");
	if (o.command != NULL)
		(void)buf_printf(&req, " %s%s",
		    strcmp(verb, "list") == 0 ? "command=" : "", o.command);
	if (o.rule != NULL)
		(void)buf_printf(&req, " rule=%s", o.rule);
	if (o.offence && strcmp(verb, "block") == 0)
		(void)buf_puts(&req, " +offence");
	(void)buf_putc(&req, '\n');
	rc = ctl_exchange(
	    path, buf_cstr(&req), o.json, strcmp(verb, "list") == 0);
	buf_release(&req);
	return rc;
}

int
cmd_status(int argc, char **argv)
{
	return ctl_run(argc, argv, "status", false);
}

int
cmd_list(int argc, char **argv)
{
	return ctl_run(argc, argv, "list", false);
}

int
cmd_block(int argc, char **argv)
{
	return ctl_run(argc, argv, "block", true);
}

int
cmd_unblock(int argc, char **argv)
{
	return ctl_run(argc, argv, "unblock", true);
}
