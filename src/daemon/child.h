/*
 * arxd's analysis child, seen from both sides of the privilege
 * boundary. The root process forks it with a socketpair; the child
 * binds what needs privilege (syslog ports, sockets), loads the
 * ruleset, opens the alert files, then gives up root for good (the
 * configured <user>, its groups, no way back, no new privileges) before
 * it reads a single log line. From then on it only sends typed messages
 * (priv.h). The root side answers them through a table, re-checks every
 * trigger against its own configuration, kills a child that breaks the
 * protocol, and starts a child that died again (after 1 s, doubling up
 * to 60 s while it keeps dying).
 */
#ifndef ARX_DAEMON_CHILD_H
#define ARX_DAEMON_CHILD_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "analysis/child.h"
#include "ar/blocklist.h"
#include "ar/dispatch.h"
#include "config/conf.h"
#include "core/evloop.h"
#include "transport/priv.h"

struct child;

/* Look up conf's <user> when running as root (otherwise the child runs
 * as this user): 0, or a negative code when it does not exist or is
 * root (logged with the file:line of <user>). Changes nothing. */
int child_user_lookup(const struct arx_conf *conf, struct child_user *u);

/* child_user_lookup(), then make the child's state directory, owned by
 * the user. 0, or a negative code (logged). */
int child_user_prepare(const struct arx_conf *conf, struct child_user *u);

/*
 * Fork the analysis child for conf and wait until it says it is ready
 * (or dies). Its triggers go to d, its <blocklist> parts to lists
 * (NULL: such a part is a violation). 0 with *out set, or a negative code
 * when the child could not start (its errors were logged).
 */
int child_start(struct evloop *loop, const struct arx_conf *conf,
    const struct child_user *u, bool read_stdin, struct ar_dispatch *d,
    struct ar_lists *lists, struct child **out);

/* Ask the child to stop (it reads what is left and saves its
 * positions), handle its last messages, wait for it, free. */
void child_stop(struct child *c);

/* Stop the child cleanly (positions saved) and start a new one at once,
 * which opens its outputs again (why is logged). 0, or an error when
 * the new one did not start (a start is then tried after the back-off). */
int child_restart(struct child *c, const char *why);

/* Whether the child is running now (started and said it is ready). */
bool child_running(const struct child *c);
/* The child's latest counters (none before its first report; zeros
 * while a new child has not reported yet), and child_running(). */
bool child_stats(const struct child *c, struct counters *st);

/* The root side's counters as named rows, added to rows: the
 * dispatcher's (ar_dispatch_counters) and the child's supervision
 * (analysis_died, analysis_violations). The same rows go to the child
 * for <metrics> and to arx status. */
void child_root_counters(const struct child *c, struct counters *rows);

/* For tests of the boundary: handle one message as received from a
 * child. 0, or ARX_ERR_INVAL when it is a protocol violation (logged;
 * a real child is killed for it). */
int child_answer(struct child *c, const void *msg, size_t len);

/* Hand the child a response for agents (manager): 0, or an error when
 * it cannot be sent now. */
int child_send_response(struct child *c, const struct ar_remote *r);

/* The manager's agents as its child last reported them. */
void child_agents_each(const struct child *c,
    void (*fn)(const struct priv_agent *a, void *ctx), void *ctx);

/* A root side with no process behind it, for those tests; with a loop
 * and fd, one end of a socketpair stands for the child's socket. */
struct child *child_new_detached(struct ar_dispatch *d);
void child_detached_socket(struct child *c, struct evloop *loop, int fd);
void child_free_detached(struct child *c);

#endif
