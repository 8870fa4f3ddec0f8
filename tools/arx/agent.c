/*
 * arx agent enroll: make this host an agent of a manager.
 *
 *   arx agent enroll MANAGER [-p PORT] -n NAME (-P FILE | -T TOKEN)
 *       [--from any|src|ADDR|CIDR] [-o FILE | -c conf]
 *
 * Connects to the manager's enrollment port (1515), proves knowledge of
 * the enrollment password (the first line of FILE) or of a one-time
 * token (`arx agents token` on the manager; given with -T, or as the
 * first line of FILE) through the TLS 1.3 handshake (the secret is
 * never sent), asks for NAME, and saves the id and key it gets in FILE
 * (default <state_dir>/agent.key, mode 0600, the agent table's format
 * with one line).
 * Every wait is bounded (15 s); a refusal prints the manager's reason.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "arx.h"
#include "config/conf.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/strparse.h"
#include "transport/enroll.h"
#include "transport/keys.h"
#include "transport/tls.h"
#include "transport/wire.h"

#define WAIT_S 15

struct agent_cmd {
	const char *manager, *port, *name, *password_file, *token, *from, *out;
	const char *conf_path;
	char out_path[4200];
};

static int
agent_usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: arx agent enroll MANAGER [-p PORT] -n NAME "
	    "(-P PASSWORD_FILE | -T TOKEN)\n"
	    "           [--from any|src|ADDR|CIDR] [-o FILE | -c conf]\n");
	return rc;
}

/* A TCP connection to host:port with both directions time-limited. */
static int
dial(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	struct timeval tv = {WAIT_S, 0};
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* Read one whole frame into in (size bytes at most): its length. */
static long
read_frame(struct tls_conn *t, unsigned char *in, size_t size)
{
	enum tls_want want;
	const char *why;
	size_t have = 0, total = 0;
	long n;

	while (total == 0 || have < total) {
		n = tls_conn_read(t, in + have, size - have, &want);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		if (total == 0 &&
		    wire_frame_len(in, have, &total, &why) == ARX_ERR_INVAL)
			return -1;
		if (total > size)
			return -1;
	}
	return (long)total;
}

/* The exchange over an established channel: 0 and *got, or a message. */
static int
exchange(struct tls_conn *t, struct agent_cmd *ac, struct agent_key *got,
    char *why, size_t why_size)
{
	unsigned char in[4096];
	enum tls_want want;
	struct wire_msg m;
	const char *perr;
	struct buf b;
	long n;
	int r = ARX_ERR_INVAL;

	buf_init(&b, 4096);
	snprintf(why, why_size, "the manager closed the connection");
	if (enroll_request(&b, ac->name, ac->from) != 0)
		snprintf(why, why_size,
		    "the name must be 1-64 of "
		    "A-Z a-z 0-9 . _ -");
	else if (tls_conn_write(t, b.data, b.len, &want) == (long)b.len &&
	    (n = read_frame(t, in, sizeof(in))) > 0 &&
	    wire_parse(in, (size_t)n, &m, &perr) == 0)
		r = enroll_result(&m, got, why, why_size);
	buf_release(&b);
	return r;
}

/* The TLS context for the secret: a token's identity and key, or the
 * password's. NULL with why filled. */
static struct tls_ctx *
secret_ctx(struct agent_cmd *ac, char *why, size_t why_size)
{
	unsigned char key[TLS_KEY_LEN];
	char secret[1024], tsecret[65];
	struct tls_ctx *ctx = NULL;
	uint64_t tid;
	FILE *f = NULL;

	if (ac->token != NULL)
		snprintf(secret, sizeof(secret), "%s", ac->token);
	else if ((f = fopen(ac->password_file, "re")) == NULL ||
	    fgets(secret, sizeof(secret), f) == NULL) {
		snprintf(why, why_size, "cannot read %s", ac->password_file);
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if (f != NULL)
		fclose(f);
	secret[strcspn(secret, "\r\n")] = '\0';
	if (keys_token_parse(secret, &tid, tsecret)) {
		if (tls_enroll_key(tsecret, key) == 0)
			ctx = tls_ctx_enroll_token(tid, key);
	} else if (ac->token != NULL)
		snprintf(why, why_size, "not a token (arx-token:ID:SECRET)");
	else if (tls_enroll_key(secret, key) == 0)
		ctx = tls_ctx_enroll(false, key);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(tsecret, sizeof(tsecret));
	explicit_bzero(key, sizeof(key));
	if (ctx == NULL && why[0] == '\0')
		snprintf(why, why_size, "cannot set up TLS");
	return ctx;
}

static int
enroll_run(
    struct agent_cmd *ac, struct agent_key *got, char *why, size_t why_size)
{
	struct agent_keys one = {.v = got, .n = 1, .cap = 1};
	struct tls_ctx *ctx = secret_ctx(ac, why, why_size);
	struct tls_conn *t = NULL;
	enum tls_want want;
	const char *herr = NULL;
	int fd = -1, r = EX_UNAVAILABLE;

	if (ctx == NULL)
		return EX_NOINPUT;
	snprintf(
	    why, why_size, "cannot reach %s port %s", ac->manager, ac->port);
	if ((fd = dial(ac->manager, ac->port)) >= 0 &&
	    (t = tls_conn_new(ctx, fd)) != NULL) {
		if (tls_conn_handshake(t, &want, &herr) != 0)
			snprintf(why, why_size,
			    "the manager refused the handshake (wrong "
			    "password, or a token used or expired?): %s",
			    herr ? herr : "-");
		else if (exchange(t, ac, got, why, why_size) == 0)
			r = EX_OK;
	}
	tls_conn_free(t);
	tls_ctx_free(ctx);
	if (fd >= 0)
		close(fd);
	if (r == EX_OK && keys_save(ac->out_path, &one) != 0) {
		snprintf(why, why_size, "cannot write %.200s", ac->out_path);
		r = EX_CANTCREAT;
	}
	return r;
}

static int
agent_args(int argc, char **argv, struct agent_cmd *ac)
{
	static const struct option longopts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"name", required_argument, NULL, 'n'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"token", required_argument, NULL, 'T'},
	    {"from", required_argument, NULL, 'F'},
	    {"output", required_argument, NULL, 'o'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *opt = "p:n:P:T:F:o:c:h";
	int c;

	while ((c = getopt_long(argc, argv, opt, longopts, NULL)) != -1) {
		const char **slot = c == 'p' ? &ac->port
		    : c == 'n'               ? &ac->name
		    : c == 'P'               ? &ac->password_file
		    : c == 'T'               ? &ac->token
		    : c == 'F'               ? &ac->from
		    : c == 'o'               ? &ac->out
		    : c == 'c'               ? &ac->conf_path
					     : NULL;

		if (slot == NULL)
			return agent_usage(c == 'h' ? stdout : stderr,
			    c == 'h' ? EX_OK : EX_USAGE);
		*slot = optarg;
	}
	if (optind + 2 != argc || strcmp(argv[optind], "enroll") != 0 ||
	    ac->name == NULL ||
	    (ac->password_file == NULL) == (ac->token == NULL))
		return agent_usage(stderr, EX_USAGE);
	ac->manager = argv[optind + 1];
	return -1;
}

int
cmd_agent(int argc, char **argv)
{
	struct agent_cmd ac = {.port = "1515", .conf_path = ARX_DEFAULT_CONF};
	struct agent_key got;
	struct arx_conf *conf;
	char why[256];
	int rc;

	if ((rc = agent_args(argc, argv, &ac)) >= 0)
		return rc;
	if (ac.out != NULL) {
		snprintf(ac.out_path, sizeof(ac.out_path), "%s", ac.out);
	} else {
		if (conf_load(ac.conf_path, &conf) != 0)
			return EX_CONFIG;
		snprintf(ac.out_path, sizeof(ac.out_path), "%s/agent.key",
		    conf->daemon.state_dir);
		conf_free(conf);
	}
	memset(&got, 0, sizeof(got));
	why[0] = '\0';
	if ((rc = enroll_run(&ac, &got, why, sizeof(why))) != EX_OK) {
		fprintf(stderr, "arx agent: %s\n", why);
		return rc;
	}
	printf("enrolled with %s as agent %llu '%s'; id and key saved in %s\n",
	    ac.manager, (unsigned long long)got.id, got.name, ac.out_path);
	explicit_bzero(&got, sizeof(got));
	return EX_OK;
}
