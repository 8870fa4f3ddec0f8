/*
 * Running response programs: asynchronously, by absolute path and argv
 * only (never a shell), with a minimal environment, no inherited
 * descriptors besides the three pipes, in their own process group, and
 * a deadline after which the whole group is killed and reaped. The event
 * loop drives everything: a pidfd tells when the program ends, so no
 * SIGCHLD handler is needed, and a slow program never holds up analysis
 * or other programs.
 *
 * stdout is handed to the owner line by line (the Wazuh check_keys
 * handshake), stdin stays open until the owner closes it, and stderr is
 * kept (bounded) for the log. Owns each running job until its done
 * callback has returned.
 */
#ifndef ARX_EXEC_EXEC_H
#define ARX_EXEC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evloop.h"

#define EXEC_ERR_MAX  2048 /* stderr bytes kept per run */
#define EXEC_LINE_MAX 8192 /* longest stdout line handed over */

struct exec_job;

struct exec_result {
	int status;     /* waitpid status; valid when !timed_out */
	bool timed_out; /* killed at the deadline */
	char err[EXEC_ERR_MAX + 1];
	size_t err_len;
	unsigned long dropped; /* stderr or stdout bytes not kept */
};

typedef void exec_line_fn(
    struct exec_job *job, const char *line, size_t len, void *ctx);
typedef void exec_done_fn(
    struct exec_job *job, const struct exec_result *r, void *ctx);

struct exec_spec {
	const char *path;      /* absolute, no ".." component */
	char *const *argv;     /* argv[0] first, NULL-terminated */
	uint64_t timeout_ms;   /* 0: no deadline */
	exec_line_fn *on_line; /* stdout lines; NULL: discarded */
	exec_done_fn *on_done; /* always called once */
	void *ctx;
};

/*
 * Start a program. Returns 0 and the job, or a negative code (invalid
 * path, fork or pipe failure) without calling on_done.
 */
int exec_start(
    struct evloop *loop, const struct exec_spec *spec, struct exec_job **out);

/* Write to the program's stdin (whole, or an error); then close it. */
int exec_write(struct exec_job *job, const char *data, size_t len);
void exec_close_stdin(struct exec_job *job);
/* Write data[0..len) to the program's stdin as the pipe takes it (on
 * the loop, never blocking), then close stdin; data must stay as it is
 * until on_done. A program that ends without reading it all just gets
 * less. 0, or ARX_ERR_INVAL (stdin closed or being fed already),
 * ARX_ERR_SYS (stdin is closed then). */
int exec_feed(struct exec_job *job, const char *data, size_t len);

/* Let the job run to its end (and its deadline) without its owner: no
 * callback is called any more; the job frees itself when it ends. */
void exec_abandon(struct exec_job *job);

/* Before the loop is freed (the daemon's end): let go of the abandoned
 * jobs still running, their watchers stopped and descriptors closed;
 * the programs run on to their end, reaped by nobody but init. */
void exec_release_abandoned(void);

/* The process id, for logs. */
int exec_pid(const struct exec_job *job);

/*
 * Run a program to its end in a loop of its own, feeding in[0..len) on
 * stdin: for the stock programs, which have nothing else to do. 0 when it
 * exited with status 0; ARX_ERR_SYS otherwise (res says why).
 */
int exec_run(const char *path, char *const *argv, const char *in, size_t len,
    uint64_t timeout_ms, struct exec_result *res);

/* True when path is absolute and has no "." or ".." component. */
bool exec_path_ok(const char *path);

#endif
