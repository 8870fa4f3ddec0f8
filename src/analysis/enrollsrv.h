/*
 * The manager's enrollment server (<auth>): a TCP listener on which a
 * host that knows the enrollment password gets an agent id and key
 * (transport/enroll.h). It runs in the analysis child, as its
 * unprivileged user: every byte it reads comes from the network. Each
 * connection must complete the TLS handshake, send one ENROLL and read
 * the answer within ENROLLSRV_DEADLINE_MS; at most <max_clients> are
 * served at once, at most <max_per_source> of them from one address;
 * when every slot is taken the oldest not answered yet is closed for a
 * new one, and a connection over its source's limit is closed at once
 * (both counted in dropped). The agent
 * table (<state_dir>/analysis/agents, reached through the analysis
 * directory's descriptor, as the child cannot walk <state_dir>) is read
 * and written whole for each enrollment, so edits by `arx agents` are
 * seen.
 */
#ifndef ARX_ANALYSIS_ENROLLSRV_H
#define ARX_ANALYSIS_ENROLLSRV_H

#include "config/conf.h"
#include "core/counters.h"
#include "core/evloop.h"
#include "transport/tls.h"

#define ENROLLSRV_DEADLINE_MS 5000u

struct enrollsrv;

struct enrollsrv_stats {
	unsigned long enrolled, refused, dropped;
	unsigned long per_source, evicted; /* of dropped */
	unsigned long timeouts;            /* of refused: too slow */
};

/*
 * Read the password file and bind the listener (call while root, before
 * the privilege drop); serving starts with the loop. 0, or an error that
 * was logged with the file or the address.
 */
int enrollsrv_start(struct evloop *loop, const struct conf_auth *auth,
    int dirfd, const char *table, struct enrollsrv **out);
void enrollsrv_stop(struct enrollsrv *s);

void enrollsrv_stats(const struct enrollsrv *s, struct enrollsrv_stats *st);
/* Its counters as rows (core/counters.h): agents_enrolled,
 * enrollments_refused and the listener's conn_per_source, conn_evicted,
 * conn_slow. */
void enrollsrv_counters(const struct enrollsrv *s, struct counters *c);
unsigned enrollsrv_port(const struct enrollsrv *s);

#endif
