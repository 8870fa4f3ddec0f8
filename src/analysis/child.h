/*
 * The analysis child's life: the one door from arxd's root process
 * into the unprivileged side. The root process forks, then calls
 * analysis_child_main() in the new process, which never returns. In it
 * the child binds what needs privilege, loads the ruleset, opens its
 * outputs, gives up root for good (the user below, its groups, no way
 * back, no new privileges), enters its seccomp filter and only then
 * reads a log line. From there on it speaks to the root process only
 * through the typed messages of transport/priv.h.
 */
#ifndef ARX_ANALYSIS_CHILD_H
#define ARX_ANALYSIS_CHILD_H

#include <sys/types.h>
#include <stdbool.h>

struct arx_conf;

/* Whom the child runs as: resolved from <daemon><user> by the root
 * process before it forks. Only meaningful when arxd runs as root. */
struct child_user {
	const char *name;
	uid_t uid;
	gid_t gid;
	bool drop; /* arxd is root: the child must drop to uid/gid */
};

/* The child's directory under <state_dir>, which the root process makes
 * and gives to the child's user. */
#define ANALYSIS_DIR "analysis"

/* The child's whole life, on the socket fd to the root process (whose
 * pid is parent): it ends with _exit(), 0 after a clean stop. */
void analysis_child_main(const struct arx_conf *conf,
    const struct child_user *u, bool read_stdin, int fd, pid_t parent)
    __attribute__((noreturn));

#endif
