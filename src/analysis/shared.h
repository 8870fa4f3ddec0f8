/*
 * agent.conf on the manager: the centralised configuration of each group
 * of agents, <shared_dir>/<group>/agent.conf (Wazuh's etc/shared). Each
 * group's file is read when first asked for and again when its time
 * stamp or size changes (looked at once a second at most); its version
 * is the SHA-256 of its text. A missing file is an empty configuration.
 * A new version is checked as the agents will check it and its errors
 * logged, but it is still offered: agents refuse it and say why.
 */
#ifndef ARX_ANALYSIS_SHARED_H
#define ARX_ANALYSIS_SHARED_H

#include <stddef.h>

#include "transport/tls.h"

#define SHARED_MAX_FILE (1024u * 1024u) /* the frame's file field */

struct shared_groups;

struct shared_file {
	const char *text; /* NUL-terminated */
	size_t len;
	char hash[TLS_DIGEST_HEX];
};

struct shared_groups *shared_new(const char *dir);
void shared_free(struct shared_groups *g);
/* The group's agent.conf in force; NULL only when out of memory. */
const struct shared_file *shared_get(
    struct shared_groups *g, const char *group, long long now_ms);

#endif
