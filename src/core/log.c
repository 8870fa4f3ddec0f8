/*
 * Implementation of log.h: format, escape, count, hand to the sink.
 * Messages are limited to LOG_MSG_MAX bytes after escaping; longer ones are
 * cut and end in "...".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/fdio.h"
#include "core/log.h"

#define LOG_MSG_MAX 2048

struct log_state {
	log_sink_fn *sink;
	void *ctx;
	enum log_level level;
	char tag[32];
	unsigned long counts[LOG_LVL_DEBUG + 1];
	char *capture; /* log_capture() */
	size_t capture_size;
	int tee_fd; /* log_tee_start(); -1: none */
	enum log_level tee_max;
};

static struct log_state log_state = {
    .level = LOG_LVL_INFO, .tag = "arx", .tee_fd = -1};

static const char *const level_names[] = {
    "error", "warning", "notice", "info", "debug"};

void
log_capture(char *buf, size_t size)
{
	log_state.capture = size > 0 ? buf : NULL;
	log_state.capture_size = size;
	if (log_state.capture != NULL)
		buf[0] = '\0';
}

void
log_tee_start(int fd, enum log_level max)
{
	log_state.tee_fd = fd;
	log_state.tee_max = max;
}

int
log_tee_stop(void)
{
	int fd = log_state.tee_fd;

	log_state.tee_fd = -1;
	return fd;
}

void
log_tee_release(void)
{
	int fd = log_tee_stop();

	if (fd >= 0)
		fdio_to_devnull(fd);
}

void
log_set_sink(log_sink_fn *sink, void *ctx)
{
	log_state.sink = sink;
	log_state.ctx = ctx;
}

void
log_set_level(enum log_level level)
{
	log_state.level = level;
}

enum log_level
log_get_level(void)
{
	return log_state.level;
}

void
log_set_tag(const char *tag)
{
	snprintf(log_state.tag, sizeof(log_state.tag), "%s", tag);
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_LVL_DEBUG)
		return "?";
	return level_names[level];
}

unsigned long
log_count(enum log_level level)
{
	if ((unsigned)level > LOG_LVL_DEBUG)
		return 0;
	return log_state.counts[level];
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *s, size_t avail)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Escape form of byte c into out (at most 5 bytes incl. NUL); its length. */
static size_t
escape_byte(char *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '\\':
		return (size_t)snprintf(out, 5, "\\\\");
	case '\n':
		return (size_t)snprintf(out, 5, "\\n");
	case '\r':
		return (size_t)snprintf(out, 5, "\\r");
	case '\t':
		return (size_t)snprintf(out, 5, "\\t");
	default:
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		out[4] = '\0';
		return 4;
	}
}

size_t
log_escape(char *dst, size_t dst_size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n;
	char tmp[5];

	if (dst_size == 0)
		return 0;
	while (i < len) {
		bool plain = s[i] >= 0x20 && s[i] != 0x7f && s[i] != '\\';
		n = plain ? utf8_seq_len(s + i, len - i) : 0;
		if (n == 0) {
			n = escape_byte(tmp, s[i]);
			if (o + n >= dst_size)
				break;
			memcpy(dst + o, tmp, n);
			o += n;
			i++;
			continue;
		}
		if (o + n >= dst_size)
			break;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

static void
log_sink_stderr(const char *tag, enum log_level level, const char *msg)
{
	if (level == LOG_LVL_INFO || level == LOG_LVL_NOTICE)
		fprintf(stderr, "%s: %s\n", tag, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", tag, level_names[level], msg);
}

/* One line, one write(): lines of two processes never interleave. */
static void
log_tee(enum log_level level, const char *msg)
{
	char line[LOG_MSG_MAX + 64];
	int n;

	if (log_state.tee_fd < 0 || level > log_state.tee_max)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: %s\n", log_state.tag,
	    level_names[level], msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	while (write(log_state.tee_fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

void
log_emitv(enum log_level level, const char *func, const char *fmt, va_list ap)
{
	char raw[LOG_MSG_MAX], esc[LOG_MSG_MAX];
	int off = 0, n;
	size_t len;

	if ((unsigned)level > LOG_LVL_DEBUG || level > log_state.level)
		return;
	if (func != NULL)
		off = snprintf(raw, sizeof(raw), "%s: ", func);
	n = vsnprintf(raw + off, sizeof(raw) - (size_t)off, fmt, ap);
	len = n < 0 ? (size_t)off : (size_t)off + (size_t)n;
	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	len = log_escape(esc, sizeof(esc), raw, len);
	if (n >= 0 && (size_t)off + (size_t)n >= sizeof(raw) && len > 3)
		memcpy(esc + len - 3, "...", 3);
	log_state.counts[level]++;
	if (level == LOG_LVL_ERROR && log_state.capture != NULL &&
	    log_state.capture[0] == '\0')
		snprintf(log_state.capture, log_state.capture_size, "%s", esc);
	if (log_state.sink != NULL)
		log_state.sink(log_state.ctx, level, esc);
	else
		log_sink_stderr(log_state.tag, level, esc);
	log_tee(level, esc);
}

void
log_emit(enum log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emitv(level, func, fmt, ap);
	va_end(ap);
}

bool
log_limit_pass(struct log_limit *l, long long now_ms, unsigned long *suppressed)
{
	if (l->window_ms < 0 || now_ms < l->window_ms ||
	    now_ms - l->window_ms >= (long long)l->period_ms) {
		l->window_ms = now_ms;
		l->used = 0;
	}
	if (l->used >= l->burst) {
		l->held++;
		return false;
	}
	l->used++;
	*suppressed = l->held;
	l->held = 0;
	return true;
}
