/*
 * Implementation of osregex.h.
 *
 * An OS_Regex pattern is compiled into one byte string per alternative, in
 * which an escape is ESC followed by a class code (and possibly a '+' or
 * '*'), both parentheses become PAREN, and every other byte is a lower-case
 * literal. The matcher walks that string and the subject exactly as the
 * engine of Wazuh 4.x (OSSEC's, with Wazuh's fixes) does: lazy repetition that leaves a class as soon as the next
 * element accepts the current character, a stack of at most four backtrack
 * points, restarts after the first literal of a failed attempt, and the
 * end-of-subject rules for trailing classes. Those quirks decide which text
 * the stock decoders capture, so they are kept on purpose; each is named in
 * a comment where it happens. A step budget proportional to the subject
 * length bounds the work on hostile input.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/osregex.h"

#define ESC   '\\'
#define PAREN '('
#define PAD   4 /* NUL bytes after each alternative: lookahead stays inside */
#define NONE  LONG_MIN
#define NBT   4 /* backtrack points, as in OSSEC */

#define ALT_BEGIN 0x1u
#define ALT_END   0x2u

/* Class codes after ESC. */
enum {
	C_DIGIT = 1,
	C_WORD,
	C_SPACE,
	C_PUNCT,
	C_LPAREN,
	C_RPAREN,
	C_BSLASH,
	C_NDIGIT,
	C_NWORD,
	C_NSPACE,
	C_ANY,
	C_TAB,
	C_DOLLAR,
	C_PIPE,
	C_LT,
};

struct osr_alt {
	unsigned char *code; /* NUL-terminated, PAD NULs */
	uint8_t *paren_idx;  /* for each PAREN byte: its number */
	size_t nparens;
	unsigned flags;
	/* The longest run of plain literals every match contains (folded),
	 * or none: a subject without it is turned away at once. */
	size_t lit_off, lit_len;
	/* Up to OSR_NEED distinct plain bytes (folded) every match holds,
	 * single ones included: "\\p*\\w+\\s+%" needs a '%' somewhere. */
	unsigned char need[8];
	uint8_t nneed;
};

#define OSR_NEED 8

struct osregex {
	struct osr_alt *alts;
	size_t nalts;
	bool capture;
};

static const struct {
	char letter;
	unsigned char code;
} osr_escapes[] = {
    {'d', C_DIGIT},
    {'w', C_WORD},
    {'s', C_SPACE},
    {'p', C_PUNCT},
    {'(', C_LPAREN},
    {')', C_RPAREN},
    {'\\', C_BSLASH},
    {'D', C_NDIGIT},
    {'W', C_NWORD},
    {'S', C_NSPACE},
    {'.', C_ANY},
    {'t', C_TAB},
    {'$', C_DOLLAR},
    {'|', C_PIPE},
    {'<', C_LT},
};

static unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/*
 * Whether s (n bytes) holds lit (m bytes, already folded), ignoring ASCII
 * case. Candidates come from memchr on both cases of lit's first byte,
 * each kept until it is passed, so the subject is scanned about once.
 */
static bool
ci_find(const char *s, size_t n, const char *lit, size_t m)
{
	unsigned char lo = (unsigned char)lit[0];
	unsigned char up =
	    (lo >= 'a' && lo <= 'z') ? (unsigned char)(lo - 32) : lo;
	const char *end, *p1, *p2, *p;
	size_t k;

	if (m == 0)
		return true;
	if (m > n)
		return false;
	end = s + (n - m) + 1; /* candidates start before end */
	p1 = memchr(s, lo, (size_t)(end - s));
	p2 = up != lo ? memchr(s, up, (size_t)(end - s)) : NULL;
	while (p1 != NULL || p2 != NULL) {
		p = p1 == NULL ? p2 : (p2 == NULL || p1 < p2 ? p1 : p2);
		for (k = 1; k < m && (char)fold((unsigned char)p[k]) == lit[k];
		     k++)
			;
		if (k == m)
			return true;
		if (p == p1)
			p1 = memchr(p + 1, lo, (size_t)(end - p - 1));
		else
			p2 = memchr(p + 1, up, (size_t)(end - p - 1));
	}
	return false;
}

static bool
is_word(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '@' || c == '_';
}

/*
 * Whether class code accepts c. At the end of the subject (c == 0) only
 * the negated classes and \. accept, as in OSSEC's tables.
 */
static bool
osr_class(unsigned char code, unsigned char c)
{
	static const char punct[] = "!\"#$%&'()*+,-.:;<=>?[]{|}";

	if (c == '\0')
		return code == C_NDIGIT || code == C_NWORD ||
		    code == C_NSPACE || code == C_ANY;
	switch (code) {
	case C_DIGIT:
		return isdigit(c);
	case C_WORD:
		return is_word(c);
	case C_SPACE:
		return c == ' ';
	case C_PUNCT:
		return strchr(punct, c) != NULL;
	case C_LPAREN:
		return c == '(';
	case C_RPAREN:
		return c == ')';
	case C_BSLASH:
		return c == '\\';
	case C_NDIGIT:
		return !isdigit(c);
	case C_NWORD:
		return !is_word(c);
	case C_NSPACE:
		return c != ' ';
	case C_ANY:
		return true;
	case C_TAB:
		return c == '\t';
	case C_DOLLAR:
		return c == '$';
	case C_PIPE:
		return c == '|';
	case C_LT:
		return c == '<';
	default:
		return false;
	}
}

static bool
is_quant(unsigned char c)
{
	return c == '+' || c == '*';
}

static int
osr_escape_code(char letter)
{
	size_t i;

	for (i = 0; i < sizeof(osr_escapes) / sizeof(osr_escapes[0]); i++)
		if (osr_escapes[i].letter == letter)
			return osr_escapes[i].code;
	return -1;
}

/*
 * Translate pattern into t (escapes to codes, ')' to PAREN, literals
 * folded) and note where top-level '|' split it (as NUL bytes).
 */
static int
osr_translate(const char *pattern, unsigned char *t, size_t *nalts, char *err,
    size_t err_size)
{
	size_t i, o = 0;
	int depth = 0, code;

	*nalts = 1;
	for (i = 0; pattern[i] != '\0'; i++) {
		unsigned char c = (unsigned char)pattern[i];
		if (c == '\\') {
			if ((code = osr_escape_code(pattern[i + 1])) < 0) {
				snprintf(err, err_size,
				    "invalid escape '\\%c' "
				    "at offset %zu",
				    pattern[i + 1] ? pattern[i + 1] : ' ', i);
				return -1;
			}
			t[o++] = ESC;
			t[o++] = (unsigned char)code;
			i++;
			continue;
		}
		if (c == '(' || c == ')')
			depth += c == '(' ? 1 : -1;
		if (depth != 0 && depth != 1) {
			snprintf(err, err_size,
			    "unbalanced or nested parentheses "
			    "at offset %zu",
			    i);
			return -1;
		}
		if (c == '|' && depth != 0) {
			snprintf(err, err_size,
			    "'|' inside parentheses at "
			    "offset %zu",
			    i);
			return -1;
		}
		if (c == '|')
			(*nalts)++;
		t[o++] = c == '|' ? '\0' : (c == ')' ? PAREN : fold(c));
	}
	t[o] = '\0';
	if (depth != 0) {
		snprintf(err, err_size, "unclosed parenthesis");
		return -1;
	}
	return (int)o;
}

/* A byte of code that stands for itself and is not made optional or
 * repeated by a quantifier after it. */
static bool
osr_plain(const unsigned char *code, size_t i)
{
	unsigned char c = code[i];

	if (c == ESC || c == PAREN || is_quant(c) || c == '^' || c == '$' ||
	    c == '.' || c == '\0')
		return false;
	return !is_quant(code[i + 1]);
}

/* Note c (a plain byte, folded) among the bytes every match needs. */
static void
osr_alt_need(struct osr_alt *alt, unsigned char c)
{
	if (alt->nneed == OSR_NEED || memchr(alt->need, c, alt->nneed) != NULL)
		return;
	alt->need[alt->nneed++] = c;
}

/* Whether the matcher can end a match without the plain byte at i: as
 * in OSSEC, when a class without quantifier refuses a character after a
 * repetition, the one element after it (the alternative's last) is not
 * needed (osr_step_class). */
static bool
osr_may_skip(const unsigned char *code, size_t i)
{
	return code[i + 1] == '\0' && i >= 2 && code[i - 2] == ESC;
}

/* Whether s[0..n) holds c (folded), in either case. */
static bool
has_byte(const char *s, size_t n, unsigned char c)
{
	if (memchr(s, c, n) != NULL)
		return true;
	return c >= 'a' && c <= 'z' && memchr(s, c - 32, n) != NULL;
}

/* Find the alternative's longest run of plain literals, and the plain
 * bytes every match needs. */
static void
osr_alt_literal(struct osr_alt *alt, size_t len)
{
	size_t i = 0, start;

	alt->lit_len = 0;
	while (i < len) {
		if (alt->code[i] == ESC) {
			i += 2;
			continue;
		}
		if (!osr_plain(alt->code, i)) {
			i++;
			continue;
		}
		for (start = i; i < len && osr_plain(alt->code, i); i++)
			if (!osr_may_skip(alt->code, i))
				osr_alt_need(alt, alt->code[i]);
		if (i - start > alt->lit_len) {
			alt->lit_off = start;
			alt->lit_len = i - start;
		}
	}
}

static int
osr_alt_init(struct osr_alt *alt, const unsigned char *s, size_t len)
{
	size_t i, k = 0;

	if (len > 0 && s[0] == '^') {
		alt->flags |= ALT_BEGIN;
		s++, len--;
	}
	if (len > 0 && s[len - 1] == '$') {
		alt->flags |= ALT_END;
		len--;
	}
	alt->code = calloc(len + PAD + 1, 1);
	alt->paren_idx = calloc(len + PAD + 1, 1);
	if (alt->code == NULL || alt->paren_idx == NULL)
		return -1;
	memcpy(alt->code, s, len);
	for (i = 0; i < len; i++) {
		if (s[i] == ESC) {
			i++;
			continue;
		}
		if (s[i] == PAREN) {
			if (k == 2 * OSREGEX_MAX_CAPS)
				return -2;
			alt->paren_idx[i] = (uint8_t)k++;
		}
	}
	alt->nparens = k;
	osr_alt_literal(alt, len);
	return 0;
}

struct osregex *
osregex_compile(const char *pattern, bool capture, char *err, size_t err_size)
{
	size_t plen = strlen(pattern), nalts, a, start = 0;
	struct osregex *re = NULL;
	unsigned char *t;
	int tlen, r;

	if (plen > OSREGEX_MAX_LEN) {
		snprintf(err, err_size, "pattern longer than %d characters",
		    OSREGEX_MAX_LEN);
		return NULL;
	}
	if ((t = malloc(plen + 1)) == NULL)
		goto nomem;
	if ((tlen = osr_translate(pattern, t, &nalts, err, err_size)) < 0)
		goto fail;
	if ((re = calloc(1, sizeof(*re))) == NULL ||
	    (re->alts = calloc(nalts, sizeof(*re->alts))) == NULL)
		goto nomem;
	re->nalts = nalts;
	re->capture = capture;
	for (a = 0; a < nalts; a++) {
		size_t len = strlen((const char *)t + start);
		if ((r = osr_alt_init(&re->alts[a], t + start, len)) == -2) {
			snprintf(err, err_size, "more than %d groups",
			    OSREGEX_MAX_CAPS);
			goto fail;
		} else if (r != 0)
			goto nomem;
		start += len + 1;
	}
	free(t);
	return re;
nomem:
	snprintf(err, err_size, "out of memory");
fail:
	free(t);
	osregex_free(re);
	return NULL;
}

void
osregex_free(struct osregex *re)
{
	size_t i;

	if (re == NULL)
		return;
	for (i = 0; re->alts != NULL && i < re->nalts; i++) {
		free(re->alts[i].code);
		free(re->alts[i].paren_idx);
	}
	free(re->alts);
	free(re);
}

size_t
osregex_ncaps(const struct osregex *re)
{
	size_t i, n = 0;

	for (i = 0; i < re->nalts; i++)
		if (re->alts[i].nparens / 2 > n)
			n = re->alts[i].nparens / 2;
	return n;
}

/* The state of one attempt of one alternative (OSSEC's _OS_Regex locals). */
struct osr_run {
	const struct osr_alt *alt;
	const unsigned char *s;
	long n;
	const unsigned char *pt; /* position in alt->code */
	long i;                  /* position in the subject */
	long last;               /* last character matched, or NONE */
	long restart;            /* first literal of this attempt, or NONE */
	bool rep;                /* inside a repetition */
	bool want_caps;
	const unsigned char *bt_pt[NBT];
	long bt_i[NBT];
	long cap[2 * OSREGEX_MAX_CAPS];
	unsigned long budget;
};

enum {
	OSR_CONT,
	OSR_MATCH,
	OSR_NOMATCH
};

static unsigned char
osr_at(const struct osr_run *r, long i)
{
	return (i >= 0 && i < r->n) ? r->s[i] : '\0';
}

static bool
osr_end_ok(const struct osr_run *r)
{
	return !(r->alt->flags & ALT_END) || osr_at(r, r->i) == '\0';
}

static void
osr_mark(struct osr_run *r, const unsigned char *p, long pos)
{
	if (r->want_caps)
		r->cap[r->alt->paren_idx[p - r->alt->code]] = pos;
}

/* Where a group closed on the first character of a repetition ends. */
static long
osr_close_pos(const struct osr_run *r)
{
	return osr_at(r, r->i + 1) == '\0' ? r->i + 1 : r->i;
}

static void
osr_push(struct osr_run *r)
{
	int k;

	for (k = 0; k < NBT; k++) {
		if (r->bt_pt[k] == NULL) {
			r->bt_pt[k] = r->pt;
			r->bt_i[k] = r->i;
			return;
		}
	}
}

/*
 * Inside a repetition whose class accepted the current character: leave it
 * at once if the next element accepts the character too (laziness),
 * remembering this point for backtracking. Returns false when the
 * repetition is the last element (it then runs to the end of the subject
 * and, as in OSSEC, the "last matched" position is not moved).
 */
static bool
osr_rep_next(struct osr_run *r, const unsigned char *next)
{
	unsigned char c = osr_at(r, r->i);
	int ok = -1;

	next++;
	if (*next == PAREN)
		next++;
	if (*next == '\0')
		ok = 1;
	else if (*next == ESC) {
		if (osr_class(next[1], c))
			ok = is_quant(next[2]) ? 0 : 2;
	} else if (*next == fold(c)) {
		r->rep = false;
		ok = 1;
	}
	if (ok < 0)
		return true;
	if (next[-1] == PAREN)
		osr_mark(r, next - 1, r->rep && ok == 1 ? r->i + 1 : r->i);
	if (*next == '\0')
		return false;
	osr_push(r);
	r->pt = next + ok;
	return true;
}

/* The element at pt is a class (ESC code [quantifier]). */
static int
osr_step_class(struct osr_run *r)
{
	const unsigned char *pt = r->pt, *next = pt + 2;

	if (osr_class(pt[1], osr_at(r, r->i))) {
		if (!is_quant(*next)) {
			r->pt = next;
			if (r->restart == NONE)
				r->restart = r->i;
			r->last = r->i;
			return OSR_CONT;
		}
		if (*next == '*')
			r->rep = true;
		if (!r->rep) {
			/* First character of a '+' repetition. */
			if (next[1] == PAREN)
				osr_mark(r, next + 1, osr_close_pos(r));
			r->rep = true;
		} else if (!osr_rep_next(r, next))
			return OSR_CONT;
		r->last = r->i;
		return OSR_CONT;
	}
	/* The class refused the character. */
	if ((pt[2] == '\0' || pt[3] == '\0') && r->rep && r->last != NONE) {
		r->last = r->i;
		if (osr_end_ok(r))
			return OSR_MATCH;
	} else if (pt[2] == '+' && r->rep) {
		r->pt += 3; /* the repetition is over: retry this character */
		r->i--;
		r->rep = false;
		return OSR_CONT;
	} else if (pt[2] == '*') {
		r->pt += 3; /* zero repetitions */
		r->i--;
		r->last = r->i;
		r->rep = false;
		return OSR_CONT;
	}
	r->rep = false;
	return OSR_NOMATCH;
}

/* A mismatch: backtrack, or restart the alternative further on. */
static int
osr_fail(struct osr_run *r)
{
	int k;

	for (k = NBT - 1; k >= 0; k--) {
		if (r->bt_pt[k] != NULL) {
			r->pt = r->bt_pt[k];
			r->i = r->bt_i[k];
			r->bt_pt[k] = NULL;
			return OSR_CONT;
		}
	}
	if (r->alt->flags & ALT_BEGIN)
		return OSR_NOMATCH;
	if (r->restart != NONE) {
		r->i = r->restart;
		r->restart = NONE;
	}
	r->pt = r->alt->code;
	r->last = NONE;
	return OSR_CONT;
}

/* One turn of the loop, for the subject character at r->i. */
static int
osr_step(struct osr_run *r)
{
	int ret;

	if (*r->pt == '\0' && osr_end_ok(r))
		return OSR_MATCH;
	if (*r->pt == PAREN) {
		osr_mark(r, r->pt, r->i);
		r->pt++;
		if (*r->pt == '\0' && osr_end_ok(r))
			return OSR_MATCH;
	}
	if (*r->pt == ESC) {
		if ((ret = osr_step_class(r)) != OSR_NOMATCH)
			return ret;
	} else if (*r->pt == fold(osr_at(r, r->i))) {
		r->pt++;
		if (r->restart == NONE)
			r->restart = r->i;
		r->last = r->i;
		return OSR_CONT;
	}
	return osr_fail(r);
}

/* (A group may close at the very end.) True when *p is the pattern's end. */
static bool
osr_eof(const unsigned char **p)
{
	if (**p == PAREN)
		(*p)++;
	return **p == '\0';
}

/* "ESC x '*' <end>": a trailing class that may match nothing. */
static bool
osr_star_eof(const unsigned char **p)
{
	if (**p != ESC)
		return false;
	*p += 2;
	if (**p != '*')
		return false;
	(*p)++;
	return osr_eof(p);
}

/*
 * The subject is exhausted: the attempt matched if what is left of the
 * pattern can match nothing. The pointer moves as OSSEC's expression
 * moves it, one test after another.
 */
static bool
osr_finish(struct osr_run *r)
{
	const unsigned char *p = r->pt;
	bool ok;

	if (r->want_caps) {
		while (*p != PAREN && *p != '\0' && *p == ESC && p[2] == '*')
			p += 3;
		if (*p == PAREN)
			osr_mark(r, p, r->i);
	}
	ok = osr_eof(&p);
	if (!ok && *p == ESC && r->rep) {
		p += 2;
		if (is_quant(*p)) {
			p++;
			ok = osr_eof(&p) || osr_star_eof(&p);
		}
	}
	if (!ok)
		ok = osr_star_eof(&p);
	return ok && r->last != NONE;
}

static bool
osr_caps(const struct osr_run *r, struct osregex_result *res)
{
	size_t k;

	res->ncaps = 0;
	for (k = 0; k + 1 < r->alt->nparens; k += 2) {
		long a = r->cap[k], b = r->cap[k + 1];
		if (a == NONE || b == NONE)
			break;
		if (b < a)
			return false; /* OSSEC fails the whole match here */
		res->caps[res->ncaps].p = (const char *)r->s + a;
		res->caps[res->ncaps].len = (size_t)(b - a);
		res->ncaps++;
	}
	return true;
}

/* The next position from i whose character folds to c, or n. */
static long
osr_next_char(const struct osr_run *r, long i, unsigned char c)
{
	unsigned char up = (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
	const unsigned char *p1, *p2;
	size_t left = (size_t)(r->n - i);

	p1 = memchr(r->s + i, c, left);
	p2 = up != c ? memchr(r->s + i, up, left) : NULL;
	if (p1 == NULL && p2 == NULL)
		return r->n;
	if (p1 == NULL || (p2 != NULL && p2 < p1))
		p1 = p2;
	return (long)(p1 - r->s);
}

/*
 * At the alternative's start, with a plain character first and nothing
 * to go back to, OSSEC's loop only fails and moves on (forgetting its
 * last match) until the subject has that character: go there at once,
 * spending the budget those steps would.
 */
static void
osr_fast_forward(struct osr_run *r)
{
	unsigned char c = r->alt->code[0];
	long j;
	int k;

	if (r->pt != r->alt->code || c == ESC || c == PAREN || c == '\0' ||
	    r->restart != NONE || r->rep || (r->alt->flags & ALT_BEGIN) ||
	    fold(osr_at(r, r->i)) == c)
		return;
	for (k = 0; k < NBT; k++)
		if (r->bt_pt[k] != NULL)
			return;
	j = osr_next_char(r, r->i, c);
	if ((unsigned long)(j - r->i) >= r->budget)
		return; /* let the steps meet the limit */
	r->budget -= (unsigned long)(j - r->i);
	r->last = NONE;
	r->i = j;
}

static int
osr_run_alt(struct osr_run *r)
{
	int ret;

	for (r->i = 0; r->i < r->n; r->i++) {
		osr_fast_forward(r);
		if (r->i >= r->n)
			break;
		if (r->budget-- == 0)
			return -1;
		ret = osr_step(r);
		/* OSSEC returns its "last matched" pointer: none, no match. */
		if (ret == OSR_MATCH && r->last == NONE)
			return OSR_NOMATCH;
		if (ret != OSR_CONT)
			return ret;
	}
	return osr_finish(r) ? OSR_MATCH : OSR_NOMATCH;
}

/* Cheap tests before the matcher: an anchored alternative that starts
 * with a literal needs it first; any needs its longest literal run. */
static bool
osr_may_match(const struct osr_alt *alt, const char *subject, size_t len)
{
	const unsigned char *c = alt->code;

	if ((alt->flags & ALT_BEGIN) && c[0] != '\0' && c[0] != ESC &&
	    c[0] != PAREN && !is_quant(c[0]) && c[1] != '*' &&
	    (len == 0 || fold((unsigned char)subject[0]) != c[0]))
		return false;
	for (size_t k = 0; k < alt->nneed; k++)
		if (!has_byte(subject, len, alt->need[k]))
			return false;
	return alt->lit_len < 2 ||
	    ci_find(subject, len, (const char *)c + alt->lit_off, alt->lit_len);
}

bool
osregex_exec(const struct osregex *re, const char *subject, size_t len,
    struct osregex_result *res)
{
	struct osr_run r;
	unsigned long budget = 256ul * (len + 16);
	size_t a, k;
	int ret;

	if (res != NULL) {
		res->ncaps = 0;
		res->budget_exceeded = false;
	}
	for (a = 0; a < re->nalts; a++) {
		const struct osr_alt *alt = &re->alts[a];

		if (!osr_may_match(alt, subject, len))
			continue;
		memset(&r, 0, sizeof(r));
		r.alt = alt;
		r.s = (const unsigned char *)subject;
		r.n = (long)len;
		r.pt = r.alt->code;
		r.last = 0; /* Wazuh 4.x starts at the subject's first byte */
		r.restart = NONE;
		r.want_caps = re->capture && r.alt->nparens > 0;
		r.budget = budget;
		for (k = 0; k < 2 * OSREGEX_MAX_CAPS; k++)
			r.cap[k] = NONE;
		if ((ret = osr_run_alt(&r)) < 0) {
			if (res != NULL)
				res->budget_exceeded = true;
			return false;
		}
		budget = r.budget;
		if (ret != OSR_MATCH)
			continue;
		if (res == NULL)
			return true;
		res->end = r.last;
		return !r.want_caps || osr_caps(&r, res);
	}
	return false;
}

/* ---- OS_Match ---- */

struct osm_alt {
	char *text; /* folded */
	size_t len;
	unsigned flags;
};

struct osmatch {
	struct osm_alt *alts;
	size_t nalts;
	bool negate;
};

struct osmatch *
osmatch_compile(const char *pattern, char *err, size_t err_size)
{
	struct osmatch *m = calloc(1, sizeof(*m));
	const char *p = pattern, *bar;
	struct osm_alt *alt;
	size_t i, n = 1;

	if (m == NULL || strlen(pattern) > OSREGEX_MAX_LEN)
		goto fail;
	if (*p == '!') {
		m->negate = true;
		p++;
	}
	for (i = 0; p[i] != '\0'; i++)
		n += p[i] == '|';
	if ((m->alts = calloc(n, sizeof(*m->alts))) == NULL)
		goto fail;
	for (; m->nalts < n; p = bar + 1) {
		alt = &m->alts[m->nalts++];
		bar = strchr(p, '|');
		alt->len = bar ? (size_t)(bar - p) : strlen(p);
		if (alt->len > 0 && *p == '^')
			alt->flags |= ALT_BEGIN, p++, alt->len--;
		if (alt->len > 0 && p[alt->len - 1] == '$')
			alt->flags |= ALT_END, alt->len--;
		if ((alt->text = malloc(alt->len + 1)) == NULL)
			goto fail;
		for (i = 0; i < alt->len; i++)
			alt->text[i] = (char)fold((unsigned char)p[i]);
		alt->text[alt->len] = '\0';
		if (bar == NULL)
			break;
	}
	return m;
fail:
	snprintf(err, err_size, "%s",
	    m == NULL ? "out of memory" : "pattern too long or out of memory");
	osmatch_free(m);
	return NULL;
}

void
osmatch_free(struct osmatch *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; m->alts != NULL && i < m->nalts; i++)
		free(m->alts[i].text);
	free(m->alts);
	free(m);
}

static bool
osm_eq(const char *folded, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (folded[i] != (char)fold((unsigned char)s[i]))
			return false;
	return true;
}

static bool
osm_alt_match(const struct osm_alt *a, const char *s, size_t len)
{
	if (a->len > len)
		return false;
	switch (a->flags) {
	case ALT_BEGIN | ALT_END:
		return a->len == len && osm_eq(a->text, s, len);
	case ALT_BEGIN:
		return osm_eq(a->text, s, a->len);
	case ALT_END:
		return osm_eq(a->text, s + len - a->len, a->len);
	default:
		return ci_find(s, len, a->text, a->len);
	}
}

bool
osmatch_exec(const struct osmatch *m, const char *subject, size_t len)
{
	size_t i;

	for (i = 0; i < m->nalts; i++)
		if (osm_alt_match(&m->alts[i], subject, len))
			return !m->negate;
	return m->negate;
}

size_t
osmatch_plain_len(const struct osmatch *m)
{
	size_t i, max = 0;

	if (m->negate)
		return 0;
	for (i = 0; i < m->nalts; i++) {
		if (m->alts[i].flags != 0 || m->alts[i].len < 2)
			return 0;
		if (m->alts[i].len > max)
			max = m->alts[i].len;
	}
	return max;
}

size_t
osmatch_literals(
    const struct osmatch *m, const char **lits, size_t *lens, size_t max)
{
	size_t i;

	if (m->negate || m->nalts > max)
		return 0;
	for (i = 0; i < m->nalts; i++) {
		if (m->alts[i].len < 2)
			return 0;
		lits[i] = m->alts[i].text;
		lens[i] = m->alts[i].len;
	}
	return m->nalts;
}

/* How common a byte is in log text, roughly: 0 rare punctuation, 1 the
 * usual separators, 2 letters and digits, 3 the space. */
static int
byte_commonness(unsigned char c)
{
	if (c == ' ')
		return 3;
	if (isalnum(c))
		return 2;
	return strchr(":.-/=,()[]_'\"", c) != NULL ? 1 : 0;
}

/* The rarest byte an alternative needs, as a one-byte literal. */
static const unsigned char *
osr_rare_need(const struct osr_alt *alt)
{
	const unsigned char *best = NULL;
	size_t k;

	for (k = 0; k < alt->nneed; k++)
		if (best == NULL ||
		    byte_commonness(alt->need[k]) < byte_commonness(*best))
			best = &alt->need[k];
	return best;
}

size_t
osregex_literals(
    const struct osregex *re, const char **lits, size_t *lens, size_t max)
{
	const unsigned char *b;
	size_t i;

	if (re->nalts > max)
		return 0;
	for (i = 0; i < re->nalts; i++) {
		lits[i] = (const char *)re->alts[i].code + re->alts[i].lit_off;
		lens[i] = re->alts[i].lit_len;
		if (lens[i] >= 2)
			continue;
		/* no run of two: a byte every match holds will do */
		if ((b = osr_rare_need(&re->alts[i])) == NULL)
			return 0;
		lits[i] = (const char *)b;
		lens[i] = 1;
	}
	return re->nalts;
}
