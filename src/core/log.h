/*
 * Diagnostic logging for every arx program. Messages are formatted, then
 * escaped (control characters, newlines, invalid UTF-8 become \n, \xNN ...)
 * so that attacker-supplied text quoted in a message can never forge a second
 * log line, and finally handed to one sink callback. Programs choose the sink
 * (stderr, syslog, a test buffer); the library never prints by itself.
 * Alerts are not diagnostics: they go through the alert writers.
 *
 * This module owns the only process-wide logging state: the level, the sink,
 * the process tag and the start-up tee. Set them once at start-up.
 */
#ifndef ARX_CORE_LOG_H
#define ARX_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Receives one escaped, NUL-terminated message without a trailing newline. */
typedef void log_sink_fn(void *ctx, enum log_level level, const char *msg);

/* Install a sink; NULL restores the default (stderr with the tag). */
void log_set_sink(log_sink_fn *sink, void *ctx);
/* Keep a copy of the first error emitted from now on in buf (emptied
 * here), until log_capture(NULL, 0): a caller that must report why
 * something failed, not only log it. */
void log_capture(char *buf, size_t size);
/*
 * While a start is reported to a process that waits for it (a detached
 * arxd's first process reads the daemon's standard error through a
 * pipe): messages at max and more severe are also written to fd, each
 * in one write() as the stderr sink shows them ("tag: error: ..."). A
 * forked child inherits the tee. log_tee_stop() ends it and returns the
 * descriptor (not closed), or -1 when there was none.
 */
void log_tee_start(int fd, enum log_level max);
int log_tee_stop(void);
/* log_tee_stop(), and /dev/null put in the descriptor's place: a
 * process forked during the start (the analysis child) lets the start
 * pipe go this way once its own start is done. No-op without a tee. */
void log_tee_release(void);
/* Messages above this level are dropped. Default: LOG_LVL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Short process tag shown by the stderr sink, e.g. "arxd" or "arxd[priv]". */
void log_set_tag(const char *tag);
/* Name of a level ("error", "warning", ...). */
const char *log_level_name(enum log_level level);
/* Number of messages emitted at each level since start (for tests/status). */
unsigned long log_count(enum log_level level);

void log_emit(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_emitv(enum log_level level, const char *func, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * Escape src[0..len) into dst (always NUL-terminated, truncated to fit):
 * backslash, control characters and bytes that are not valid UTF-8 are
 * written as \\, \n, \r, \t, \xNN. Returns the length written.
 */
size_t log_escape(char *dst, size_t dst_size, const char *src, size_t len);

/*
 * A per-call-site limit for messages an attacker can cause at will (a
 * refused response per forged line): at most `burst` messages in each
 * period of `period_ms`; the rest are counted. log_limit_pass() says
 * whether to emit now; when it does after a quiet spell, *suppressed is
 * how many were held back since the last one emitted (to be said in it).
 * The caller's clock drives it, so replay and tests are deterministic.
 */
struct log_limit {
	unsigned burst;
	unsigned period_ms;
	long long window_ms; /* start of the current period */
	unsigned used;       /* messages emitted in it */
	unsigned long held;  /* held back since the last one emitted */
};

#define LOG_LIMIT_INIT(burst, period_ms)       \
	{                                      \
		(burst), (period_ms), -1, 0, 0 \
	}

bool log_limit_pass(
    struct log_limit *l, long long now_ms, unsigned long *suppressed);

#define log_error(...)   log_emit(LOG_LVL_ERROR, NULL, __VA_ARGS__)
#define log_warn(...)    log_emit(LOG_LVL_WARN, NULL, __VA_ARGS__)
#define log_notice(...)  log_emit(LOG_LVL_NOTICE, NULL, __VA_ARGS__)
#define log_info(...)    log_emit(LOG_LVL_INFO, NULL, __VA_ARGS__)
#define log_debug(...)   log_emit(LOG_LVL_DEBUG, NULL, __VA_ARGS__)
/* The _f variants prefix the function name (for internal errors). */
#define log_error_f(...) log_emit(LOG_LVL_ERROR, __func__, __VA_ARGS__)
#define log_debug_f(...) log_emit(LOG_LVL_DEBUG, __func__, __VA_ARGS__)

#endif
