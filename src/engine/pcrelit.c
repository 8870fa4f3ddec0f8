/*
 * Implementation of pcrelit.h: a reader of PCRE2's syntax just deep
 * enough to know which plain characters of the top level every match
 * holds. One alternative is read left to right; a group, a class, a
 * metacharacter or an escape of a letter or digit ends the current run;
 * a quantifier that allows zero takes back the character before it.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "engine/pcrelit.h"

struct run {
	char cur[256], best[256];
	size_t ncur, nbest;
};

static void
run_end(struct run *r)
{
	if (r->ncur > r->nbest) {
		memcpy(r->best, r->cur, r->ncur);
		r->nbest = r->ncur;
	}
	r->ncur = 0;
}

/* Index after the class that starts at i ('['), or the end. */
static size_t
skip_class(const char *s, size_t i, size_t end)
{
	i++;
	if (i < end && s[i] == '^')
		i++;
	if (i < end && s[i] == ']')
		i++; /* a ']' first is a member */
	for (; i < end && s[i] != ']'; i++)
		if (s[i] == '\\')
			i++;
	return i < end ? i + 1 : end;
}

/* Index after the group or class that starts at i, or the end. */
static size_t
skip_nested(const char *s, size_t i, size_t end)
{
	int depth = 0;

	if (s[i] == '[')
		return skip_class(s, i, end);
	while (i < end) {
		if (s[i] == '\\')
			i += 2;
		else if (s[i] == '[')
			i = skip_class(s, i, end);
		else if (s[i] == '(') {
			depth++;
			i++;
		} else if (s[i++] == ')' && --depth == 0)
			return i;
	}
	return end;
}

/* A quantifier at i: how long it is; *zero when it allows none. */
static size_t
quantifier(const char *s, size_t i, size_t end, bool *zero)
{
	size_t j = i;

	*zero = false;
	if (i >= end)
		return 0;
	if (s[i] == '*' || s[i] == '?')
		*zero = true, j++;
	else if (s[i] == '+')
		j++;
	else if (s[i] == '{' && i + 1 < end &&
	    isdigit((unsigned char)s[i + 1])) {
		*zero = s[i + 1] == '0';
		while (j < end && s[j] != '}')
			j++;
		j += j < end;
	}
	if (j > i && j < end && (s[j] == '?' || s[j] == '+'))
		j++; /* lazy or possessive */
	return j - i;
}

/* The best literal of s[from, end) into r->best; false: give up. */
static bool
alt_literal(const char *s, size_t from, size_t end, struct run *r)
{
	size_t i = from, q;
	bool zero, lit;
	char c;

	r->ncur = r->nbest = 0;
	while (i < end) {
		c = s[i];
		lit = false;
		if (c == '\\') {
			if (i + 1 >= end || s[i + 1] == 'Q' || s[i + 1] == 'E')
				return false;
			lit = !isalnum((unsigned char)s[i + 1]);
			c = s[i + 1];
			i += 2;
		} else if (c == '(' || c == '[') {
			if (c == '(' && i + 2 < end && s[i + 1] == '?' &&
			    memchr(s + i + 2, 'x', strcspn(s + i + 2, ":)")))
				return false; /* extended mode: blanks ignored */
			i = skip_nested(s, i, end);
		} else if (strchr(".^$", c) != NULL)
			i++;
		else {
			lit = true;
			i++;
		}
		q = quantifier(s, i, end, &zero);
		if (lit && !(q > 0 && zero) && r->ncur < sizeof(r->cur))
			r->cur[r->ncur++] = (char)tolower((unsigned char)c);
		if (!lit || q > 0)
			run_end(r);
		i += q;
	}
	run_end(r);
	return r->nbest >= PCRELIT_MIN;
}

/* End of the top-level alternative that starts at i. */
static size_t
alt_end(const char *s, size_t i, size_t end)
{
	while (i < end && s[i] != '|') {
		if (s[i] == '\\')
			i += 2;
		else if (s[i] == '(' || s[i] == '[')
			i = skip_nested(s, i, end);
		else
			i++;
	}
	return i < end ? i : end;
}

size_t
pcrelit_extract(const char *text, char *buf, size_t size, const char **lits,
    size_t *lens, size_t max)
{
	size_t end = strlen(text), i = 0, e, n = 0, used = 0;
	struct run r;

	while (i <= end) {
		e = alt_end(text, i, end);
		if (n == max || !alt_literal(text, i, e, &r) ||
		    used + r.nbest + 1 > size)
			return 0;
		memcpy(buf + used, r.best, r.nbest);
		buf[used + r.nbest] = '\0';
		lits[n] = buf + used;
		lens[n++] = r.nbest;
		used += r.nbest + 1;
		i = e + 1;
	}
	return n;
}
