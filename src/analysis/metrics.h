/*
 * The metrics endpoint (<metrics>): GET /metrics answered in the
 * Prometheus text format (core/promtext.h) with the same counter rows
 * arx status shows, the analysis' own and those the root process sends
 * (PRIV_ROOT_STATS), plus arx_build_info. Served by the analysis child
 * on a core/server.h listener it binds while still root, like the
 * feed: a request head of at most 8 KiB, answered and closed, a
 * deadline of 5 s, at most <max_clients> connections (2 from one
 * source). Any other path is 404, another method on /metrics 405.
 * Owns its listener and its scratch rows.
 */
#ifndef ARX_ANALYSIS_METRICS_H
#define ARX_ANALYSIS_METRICS_H

#include "config/conf.h"
#include "core/counters.h"
#include "core/evloop.h"

struct metricsrv;

/* Fill kid with the analysis' rows (it is cleared first) and return
 * the root's rows as last received, or NULL when none came yet. */
typedef const struct counters *metrics_gather_fn(
    void *ctx, struct counters *kid);

/* Listen as m says. 0 with *out, or a negative code (logged). */
int metricsrv_start(struct evloop *loop, const struct conf_metrics *m,
    metrics_gather_fn *gather, void *ctx, struct metricsrv **out);
/* Close the listener and every connection; NULL is a no-op. */
void metricsrv_stop(struct metricsrv *s);
/* The port it listens on (the one asked for, or the kernel's). */
unsigned metricsrv_port(const struct metricsrv *s);
/* Its connection limits' counters (conn_per_source, conn_evicted,
 * conn_slow), added to c. */
void metricsrv_counters(const struct metricsrv *s, struct counters *c);

/* Append the answer body to out: the families of the rows in sets,
 * then arx_build_info. 0, or ARX_ERR_TOOBIG. */
int metrics_body(
    struct buf *out, const struct counters *const *sets, size_t nsets);

#endif
