/*
 * Implementation of predecode.h. Every recogniser is a function that looks
 * at fixed positions of the line (as OSSEC does) and returns the length of
 * the stamp it found and where the message starts, or 0; a table lists
 * them in order. Positions are checked against the line length first, so
 * no recogniser reads past the end.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "core/err.h"
#include "engine/predecode.h"

struct pd_line {
	const char *s;
	size_t len;
};

/* A recognised header: stamp [ts, ts+ts_len), message from msg. */
struct pd_hit {
	size_t ts, ts_len, msg;
	bool host_prog; /* host name and program follow the stamp */
};

typedef bool pd_recognise_fn(
    const struct pd_line *l, size_t base, struct pd_hit *h);

static char
at(const struct pd_line *l, size_t i)
{
	return i < l->len ? l->s[i] : '\0';
}

static bool
is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Characters at the listed offsets (from base) equal the listed ones. */
static bool
shape(const struct pd_line *l, size_t base, const char *spec)
{
	/* spec: pairs of (offset as a char from 'A' = 0, expected char) */
	for (; spec[0] != '\0' && spec[1] != '\0'; spec += 2)
		if (at(l, base + (size_t)(spec[0] - 'A')) != spec[1])
			return false;
	return true;
}

static bool
digits(const struct pd_line *l, size_t from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(at(l, from + i)))
			return false;
	return true;
}

static bool
hit(struct pd_hit *h, size_t ts, size_t ts_len, size_t msg, bool hp)
{
	h->ts = ts;
	h->ts_len = ts_len;
	h->msg = msg;
	h->host_prog = hp;
	return true;
}

/* "Dec 29 10:00:01 " (positions 3, 6 space; 9, 12 colon; 15 space). */
static bool
pd_bsd(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	size_t skip = 0;

	/* "Mär": a two-byte month letter moves every position by one. */
	if (at(l, b + 1) == '\xc3' && at(l, b + 2) == '\xa4')
		skip = 1;
	if (l->len - b <= 17 + skip || !shape(l, b + skip, "D G J:M:P "))
		return false;
	return hit(h, b, 15 + skip, b + 16 + skip, true);
}

/* proftpd "2015-04-16 21:51:02,805 " */
static bool
pd_proftpd(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	if (l->len - b <= 24 || !shape(l, b, "E-H-K N:Q:T,"))
		return false;
	return hit(h, b, 23, b + 23, true);
}

/* Length of an ISO 8601 time zone at i: Z, +hh:mm, +hhmm; 0 if none. */
static size_t
iso_zone(const struct pd_line *l, size_t i)
{
	char c = at(l, i);

	if (c == 'Z')
		return 1;
	if (c != '+' && c != '-')
		return 0;
	if (digits(l, i + 1, 2) && at(l, i + 3) == ':' && digits(l, i + 4, 2))
		return 6;
	if (digits(l, i + 1, 4))
		return 5;
	return 0;
}

/*
 * "2007-06-14T15:48:55+02:00 " or "2007-06-14T15:48:55.123456[zone] ":
 * as in Wazuh, a stamp without a fraction needs a numeric zone ("Z" alone
 * is not taken, so "2014-06-10T18:18:26Z 14299 ..." keeps its text).
 */
static bool
pd_iso(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	size_t i = b + 19, zone;

	if (!digits(l, b, 4) || !shape(l, b, "E-H-KTN:Q:"))
		return false;
	if (at(l, i) == '.') {
		i++;
		while (is_digit(at(l, i)))
			i++;
		i += iso_zone(l, i);
	} else {
		zone = iso_zone(l, i);
		if (zone < 5)
			return false;
		i += zone;
	}
	if (at(l, i) != ' ')
		return false;
	return hit(h, b, i - b, i + 1, true);
}

/* "2015 Dec 29 10:00:01 " */
static bool
pd_year_bsd(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	if (l->len - b <= 21 || !is_digit(at(l, b)) ||
	    !shape(l, b, "E I L O:R:U "))
		return false;
	return hit(h, b, 20, b + 21, true);
}

/* macOS unified log "2021-04-21 10:16:09.404756-0700 " */
static bool
pd_macos(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	char z = at(l, b + 26);

	if (l->len - b <= 32 || !shape(l, b, "E-H-K N:Q:T.") ||
	    (z != '+' && z != '-') || at(l, b + 31) != ' ')
		return false;
	return hit(h, b, 31, b + 32, true);
}

/* syslog-ng "Dec 29 10:00:01.123456 " and "Dec 29 2015 10:00:01 " (arx) */
static bool
pd_bsd_ext(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	size_t i = b + 16;

	if (shape(l, b, "D G J:M:P.") && is_digit(at(l, i))) {
		while (is_digit(at(l, i)))
			i++;
		if (at(l, i) == ' ')
			return hit(h, b, i - b, i + 1, true);
	}
	if (shape(l, b, "D G L O:R:U ") && digits(l, b + 7, 4))
		return hit(h, b, 20, b + 21, true);
	return false;
}

/* xferlog "Mon Apr 17 18:27:14 2006 " */
static bool
pd_xferlog(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	if (l->len - b <= 28 || !shape(l, b, "D H K N:Q:T Y [ "))
		return false;
	return hit(h, b, 24, b + 25, false);
}

/* snort "01/28-09:13:16.240702  [**]" */
static bool
pd_snort(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	if (l->len - b <= 24 || !shape(l, b, "C/F-I:L:O.V "))
		return false;
	return hit(h, b, 21, b + 23, false);
}

/* suricata "01/28/1979-09:13:16.240702  [**]" */
static bool
pd_suricata(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	if (l->len - b <= 26 || !shape(l, b, "C/F/K-N:Q:T.[ "))
		return false;
	return hit(h, b, 26, b + 28, false);
}

/* apache "[Fri Feb 11 18:06:35 2004] " */
static bool
pd_apache(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	if (l->len - b <= 27 || !shape(l, b, "A[E I L O:R:U Z]"))
		return false;
	return hit(h, b + 1, 24, b + 27, false);
}

/* squid "1140804070.368     11623 ..." */
static bool
pd_squid(const struct pd_line *l, size_t b, struct pd_hit *h)
{
	size_t i = b + 14;

	if (l->len - b <= 32 || at(l, b) != '1' || !digits(l, b + 1, 3) ||
	    at(l, b + 10) != '.' || !digits(l, b + 13, 1) ||
	    at(l, b + 14) != ' ' ||
	    (at(l, b + 21) != ' ' && at(l, b + 22) != ' '))
		return false;
	while (at(l, i) == ' ')
		i++;
	return hit(h, b, 14, i, false);
}

static pd_recognise_fn *const pd_table[] = {
    pd_bsd,
    pd_proftpd,
    pd_iso,
    pd_year_bsd,
    pd_macos,
    pd_bsd_ext,
    pd_xferlog,
    pd_snort,
    pd_suricata,
    pd_apache,
    pd_squid,
};

/* Bytes of host and program names: letters, digits and _.@()/- (a table,
 * not isalnum(): the locale must not change what a name is). */
static const bool name_chars[256] = {
    ['0'] = 1,
    ['1'] = 1,
    ['2'] = 1,
    ['3'] = 1,
    ['4'] = 1,
    ['5'] = 1,
    ['6'] = 1,
    ['7'] = 1,
    ['8'] = 1,
    ['9'] = 1,
    ['a'] = 1,
    ['b'] = 1,
    ['c'] = 1,
    ['d'] = 1,
    ['e'] = 1,
    ['f'] = 1,
    ['g'] = 1,
    ['h'] = 1,
    ['i'] = 1,
    ['j'] = 1,
    ['k'] = 1,
    ['l'] = 1,
    ['m'] = 1,
    ['n'] = 1,
    ['o'] = 1,
    ['p'] = 1,
    ['q'] = 1,
    ['r'] = 1,
    ['s'] = 1,
    ['t'] = 1,
    ['u'] = 1,
    ['v'] = 1,
    ['w'] = 1,
    ['x'] = 1,
    ['y'] = 1,
    ['z'] = 1,
    ['A'] = 1,
    ['B'] = 1,
    ['C'] = 1,
    ['D'] = 1,
    ['E'] = 1,
    ['F'] = 1,
    ['G'] = 1,
    ['H'] = 1,
    ['I'] = 1,
    ['J'] = 1,
    ['K'] = 1,
    ['L'] = 1,
    ['M'] = 1,
    ['N'] = 1,
    ['O'] = 1,
    ['P'] = 1,
    ['Q'] = 1,
    ['R'] = 1,
    ['S'] = 1,
    ['T'] = 1,
    ['U'] = 1,
    ['V'] = 1,
    ['W'] = 1,
    ['X'] = 1,
    ['Y'] = 1,
    ['Z'] = 1,
    ['_'] = 1,
    ['.'] = 1,
    ['@'] = 1,
    ['('] = 1,
    [')'] = 1,
    ['/'] = 1,
    ['-'] = 1,
};

static bool
valid_name_char(char c)
{
	return name_chars[(unsigned char)c];
}

static size_t
name_run(const struct pd_line *l, size_t i)
{
	while (valid_name_char(at(l, i)))
		i++;
	return i;
}

static struct span
mkspan(const struct pd_line *l, size_t from, size_t to)
{
	struct span sp = {l->s + from, to - from};

	return sp;
}

/* AIX "|facility:severity prog: msg" after the host; 0 if not that. */
static size_t
pd_aix(const struct pd_line *l, size_t p, struct event *ev)
{
	size_t start;

	p += 2;
	while (isalnum((unsigned char)at(l, p)))
		p++;
	if (at(l, p) != ':')
		return 0;
	p++;
	while (isalnum((unsigned char)at(l, p)))
		p++;
	if (at(l, p) != ' ')
		return 0;
	start = ++p;
	p = name_run(l, p);
	ev->program_name = mkspan(l, start, p);
	if (at(l, p) == ':' && at(l, p + 1) == ' ')
		return p + 2;
	if (at(l, p) == '[' && digits(l, p + 1, 1)) {
		p += 2;
		while (is_digit(at(l, p)))
			p++;
		if (at(l, p) == ']' && at(l, p + 1) == ':' &&
		    at(l, p + 2) == ' ')
			return p + 3;
	}
	return 0;
}

/* "[pid]:", "[pid] " or "[]:" at p (after a program name); the message
 * start or 0. Sets ev->pid when there are digits. */
static size_t
pd_pid(const struct pd_line *l, size_t p, struct event *ev)
{
	size_t start = ++p;

	while (is_digit(at(l, p)))
		p++;
	if (at(l, p) != ']')
		return 0;
	if (p > start)
		ev->pid = mkspan(l, start, p);
	if (at(l, p + 1) == ':')
		return p + 2 + (at(l, p + 2) == ' ');
	if (at(l, p + 1) == ' ' && p > start)
		return p + 2;
	return 0;
}

/* "[prog]" or "[prog]:" (a program without pid, as some relays write). */
static size_t
pd_bracketed(const struct pd_line *l, size_t p, struct event *ev)
{
	size_t start = p + 1, end = name_run(l, start);

	if (end == start || at(l, end) != ']')
		return 0;
	ev->program_name = mkspan(l, start, end);
	p = end + 1 + (at(l, end + 1) == ':');
	return at(l, p) == ' ' ? p + 1 : 0;
}

/* "prog:", "prog[pid]:", "prog[pid] ", "prog[]:" or "[prog]" at p; the
 * message start or 0. */
static size_t
pd_program(const struct pd_line *l, size_t p, struct event *ev)
{
	size_t start = p;

	if (at(l, p) == '[')
		return pd_bracketed(l, p, ev);
	p = name_run(l, p);
	ev->program_name = mkspan(l, start, p);
	if (at(l, p) == ':') {
		p++;
		return p + (at(l, p) == ' ');
	}
	if (at(l, p) == '[')
		return pd_pid(l, p, ev);
	if (at(l, p) == '|' && islower((unsigned char)at(l, p + 1)))
		return pd_aix(l, p, ev);
	return 0;
}

/* Host name and program after a syslog-style stamp; sets ev->log. */
static void
pd_host_prog(const struct pd_line *l, size_t p, struct event *ev)
{
	size_t h, msg;
	const char *rb;

	p += at(l, p) == ' ';
	h = p;
	p = name_run(l, p);
	if (at(l, p) == ':' && at(l, p + 1) == ' ') {
		ev->program_name = mkspan(l, h, p); /* Solaris: no host */
		msg = p + 2;
	} else if (at(l, p) == '[' && p > h && (msg = pd_pid(l, p, ev)) != 0) {
		ev->program_name = mkspan(l, h, p); /* "prog[pid]:", no host */
	} else if (at(l, p) != ' ')
		return; /* not a host name: log starts after the stamp */
	else {
		ev->hostname = mkspan(l, h, p);
		ev->log = l->s + p + 1; /* if no program follows */
		if ((msg = pd_program(l, p + 1, ev)) == 0) {
			ev->program_name.p = NULL;
			ev->program_name.len = 0;
			ev->pid.p = NULL;
			ev->pid.len = 0;
			return;
		}
	}
	/* Solaris "[ID 123 facility.severity] " */
	if (strncmp(l->s + msg, "[ID ", 4) == 0 &&
	    (rb = memchr(l->s + msg + 4, ']', l->len - msg - 4)) != NULL)
		msg = (size_t)(rb - l->s) + 2 > l->len
		    ? l->len
		    : (size_t)(rb - l->s) + 2;
	ev->log = l->s + msg;
}

/* Value of "[Key value]" entry starting at p (after '['); end at ']'. */
static bool
asl_entry(const struct pd_line *l, size_t p, const char *key, struct span *out)
{
	size_t klen = strlen(key);
	const char *rb;

	if (l->len - p < klen || strncmp(l->s + p, key, klen) != 0)
		return false;
	p += klen;
	if ((rb = memchr(l->s + p, ']', l->len - p)) == NULL)
		return false;
	*out = mkspan(l, p, (size_t)(rb - l->s));
	return true;
}

/*
 * macOS ASL "[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd]
 * [PID 483] [Message ...] [Level 3] [Host h]": only the first Message is
 * used, so a message cannot smuggle in a second one.
 */
static int
pd_asl(const struct pd_line *l, struct event *ev)
{
	struct span v, msg = {NULL, 0};
	const char *p;
	size_t off;

	if (l->len <= 26 || !shape(l, 0, "A[BTF K.N.Q T:"))
		return 1;
	if ((p = memchr(l->s + 6, ']', l->len - 6)) != NULL)
		ev->timestamp = mkspan(l, 6, (size_t)(p - l->s));
	ev->log = l->s + 25;
	ev->log_len = l->len - 25;
	for (off = 25; off < l->len; off = (size_t)(p - l->s) + 1) {
		if ((p = memchr(l->s + off, '[', l->len - off)) == NULL)
			break;
		off = (size_t)(p - l->s) + 1;
		if (!span_is_set(ev->program_name) &&
		    asl_entry(l, off, "Sender ", &v))
			ev->program_name = v;
		else if (!span_is_set(msg) && asl_entry(l, off, "Message ", &v))
			msg = v;
		else if (asl_entry(l, off, "Host ", &v)) {
			ev->hostname = v;
			break;
		}
	}
	if (span_is_set(msg)) {
		ev->log = arena_strndup(&ev->arena, msg.p, msg.len);
		if (ev->log == NULL)
			return ARX_ERR_NOMEM;
		ev->log_len = msg.len;
	}
	return 0;
}

/* Next space-separated token of an RFC 5424 header at *p. */
static struct span
token(const struct pd_line *l, size_t *p)
{
	size_t start = *p;

	while (*p < l->len && l->s[*p] != ' ')
		(*p)++;
	if (*p > start && *p < l->len)
		return mkspan(l, start, (*p)++);
	*p = l->len;
	return mkspan(l, start, start);
}

/*
 * End of RFC 5424 structured data at p: "[id k="v"]..." elements, where a
 * quoted value may hold ']' and backslash escapes.
 */
static size_t
sd_end(const struct pd_line *l, size_t p)
{
	bool quoted = false;
	int depth = 0;

	for (; p < l->len; p++) {
		char c = at(l, p);
		if (quoted) {
			if (c == '\\')
				p++;
			else if (c == '"')
				quoted = false;
		} else if (c == '"' && depth > 0)
			quoted = true;
		else if (c == '[')
			depth++;
		else if (c == ']')
			depth--;
		else if (depth == 0)
			break;
	}
	/* an escape as the last byte steps past the end */
	return p < l->len ? p : l->len;
}

/* RFC 5424 after "<PRI>1 ": TIMESTAMP HOST APP PROCID MSGID SD [MSG]. */
static void
pd_rfc5424(const struct pd_line *l, size_t p, struct event *ev)
{
	struct span ts = token(l, &p), host = token(l, &p);
	struct span app = token(l, &p);

	struct span procid = token(l, &p);

	(void)token(l, &p); /* MSGID */
	if (at(l, p) == '-')
		p++;
	else
		p = sd_end(l, p);
	p += at(l, p) == ' ';
	if (l->len - p >= 3 && memcmp(l->s + p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (ts.len > 0 && !(ts.len == 1 && ts.p[0] == '-'))
		ev->timestamp = ts;
	if (host.len > 0 && !(host.len == 1 && host.p[0] == '-'))
		ev->hostname = host;
	if (app.len > 0 && !(app.len == 1 && app.p[0] == '-'))
		ev->program_name = app;
	if (procid.len > 0 && isdigit((unsigned char)procid.p[0]))
		ev->pid = procid;
	ev->log = l->s + (p < l->len ? p : l->len);
}

/* Length of a "<PRI>" prefix (1-3 digits), or 0. */
static size_t
pri_len(const struct pd_line *l)
{
	size_t i = 1;

	if (at(l, 0) != '<')
		return 0;
	while (i <= 3 && is_digit(at(l, i)))
		i++;
	return (i > 1 && at(l, i) == '>') ? i + 1 : 0;
}

int
predecode(struct event *ev)
{
	struct pd_line l = {ev->full_log, ev->full_len};
	size_t i, base = pri_len(&l);
	struct pd_hit h;
	int r;

	if (ev->predecoded) /* the caller wanted the time first */
		return 0;
	ev->log = ev->full_log;
	if (base > 0 && at(&l, base) == '1' && at(&l, base + 1) == ' ') {
		pd_rfc5424(&l, base + 2, ev);
		goto out;
	}
	for (i = 0; i < sizeof(pd_table) / sizeof(pd_table[0]); i++) {
		if (!pd_table[i](&l, base, &h))
			continue;
		ev->timestamp = mkspan(&l, h.ts, h.ts + h.ts_len);
		ev->log = l.s + (h.msg < l.len ? h.msg : l.len);
		if (h.host_prog)
			pd_host_prog(&l, h.msg, ev);
		goto out;
	}
	if (base == 0 && (r = pd_asl(&l, ev)) != 1) {
		ev->predecoded = r == 0;
		return r; /* ASL: done (0) or out of memory */
	}
out:
	ev->log_len = ev->full_len - (size_t)(ev->log - ev->full_log);
	ev->predecoded = 1;
	return 0;
}
