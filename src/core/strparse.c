/*
 * Implementation of strparse.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/strparse.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool
str_copy_fits(char *dst, const char *src, size_t dst_size)
{
	size_t n = strlen(src);

	if (n >= dst_size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

int
str_to_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	struct span sp = str_trim(s);
	bool neg = sp.len > 0 && sp.p[0] == '-';
	char digits[32];
	uint64_t v;
	int r;

	*out = 0;
	if (neg && (sp.len < 2 || !isdigit((unsigned char)sp.p[1])))
		return ARX_ERR_INVAL;
	if (sp.len - neg == 0 || sp.len - neg >= sizeof(digits))
		return sp.len - neg == 0 ? ARX_ERR_INVAL : ARX_ERR_RANGE;
	memcpy(digits, sp.p + neg, sp.len - neg);
	digits[sp.len - neg] = '\0';
	if ((r = str_to_uint(digits, 0, (uint64_t)INT64_MAX + neg, &v)) != 0)
		return r;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	if (*out < min || *out > max) {
		*out = 0;
		return ARX_ERR_RANGE;
	}
	return 0;
}

int
str_to_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	int d;

	*out = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == 16 || !isxdigit((unsigned char)s[i]))
			return ARX_ERR_INVAL;
		d = isdigit((unsigned char)s[i]) ? s[i] - '0'
						 : (s[i] | 0x20) - 'a' + 10;
		v = v << 4 | (uint64_t)d;
	}
	if (i == 0)
		return ARX_ERR_INVAL;
	*out = v;
	return 0;
}

size_t
str_words(char *s, char **w, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s == ' ')
			*s++ = '\0';
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		w[n++] = s;
		while (*s != ' ' && *s != '\0')
			s++;
	}
}

struct span
str_trim(const char *s)
{
	struct span sp = {s, strlen(s)};

	while (sp.len > 0 && is_blank(sp.p[0])) {
		sp.p++;
		sp.len--;
	}
	while (sp.len > 0 && is_blank(sp.p[sp.len - 1]))
		sp.len--;
	return sp;
}

/* Digits of sp; stops at the first non-digit, reports it in *end. */
static int
span_to_u64(struct span sp, uint64_t *out, size_t *end)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < sp.len && isdigit((unsigned char)sp.p[i]); i++) {
		unsigned d = (unsigned)(sp.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return ARX_ERR_RANGE;
		v = v * 10 + d;
	}
	if (i == 0)
		return ARX_ERR_INVAL;
	*out = v;
	*end = i;
	return 0;
}

int
str_to_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	struct span sp = str_trim(s);
	uint64_t v;
	size_t end;
	int r;

	*out = 0;
	if ((r = span_to_u64(sp, &v, &end)) != 0)
		return r;
	if (end != sp.len)
		return ARX_ERR_INVAL;
	if (v < min || v > max)
		return ARX_ERR_RANGE;
	*out = v;
	return 0;
}

static const struct {
	char letter;
	uint64_t secs;
} duration_units[] = {
    {'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

int
str_to_duration(
    const char *s, uint64_t default_unit, uint64_t max_secs, uint64_t *out)
{
	struct span sp = str_trim(s);
	uint64_t v, unit = default_unit;
	size_t end, i;
	int r;

	*out = 0;
	if ((r = span_to_u64(sp, &v, &end)) != 0)
		return r;
	if (end + 1 == sp.len) {
		unit = 0;
		for (i = 0;
		     i < sizeof(duration_units) / sizeof(duration_units[0]);
		     i++)
			if (tolower((unsigned char)sp.p[end]) ==
			    duration_units[i].letter)
				unit = duration_units[i].secs;
		if (unit == 0)
			return ARX_ERR_INVAL;
	} else if (end != sp.len)
		return ARX_ERR_INVAL;
	if (unit != 0 && v > max_secs / unit)
		return ARX_ERR_RANGE;
	*out = v * unit;
	return 0;
}

void
str_format_duration(char *dst, size_t dst_size, uint64_t secs)
{
	size_t i;

	for (i = 0; secs != 0 &&
	     i < sizeof(duration_units) / sizeof(duration_units[0]);
	     i++) {
		if (secs % duration_units[i].secs == 0) {
			snprintf(dst, dst_size, "%llu%c",
			    (unsigned long long)(secs / duration_units[i].secs),
			    duration_units[i].letter);
			return;
		}
	}
	snprintf(dst, dst_size, "0s");
}

int
str_to_bool(const char *s, bool *out)
{
	struct span sp = str_trim(s);

	*out = false;
	if (sp.len == 3 && strncasecmp(sp.p, "yes", 3) == 0) {
		*out = true;
		return 0;
	}
	if (sp.len == 2 && strncasecmp(sp.p, "no", 2) == 0)
		return 0;
	return ARX_ERR_INVAL;
}

size_t
str_lcpy(char *dst, const char *src, size_t dst_size)
{
	size_t n = strlen(src);

	if (dst_size > 0) {
		size_t c = n < dst_size - 1 ? n : dst_size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int
str_split_list(const char *s, int (*fn)(void *ctx, const char *item), void *ctx)
{
	char item[256];
	const char *p = s, *comma;
	struct span sp;
	int r;

	for (;;) {
		comma = strchr(p, ',');
		sp.p = p;
		sp.len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (sp.len > 0 && is_blank(sp.p[0]))
			sp.p++, sp.len--;
		while (sp.len > 0 && is_blank(sp.p[sp.len - 1]))
			sp.len--;
		if (sp.len >= sizeof(item))
			return ARX_ERR_TOOBIG;
		if (sp.len > 0) {
			memcpy(item, sp.p, sp.len);
			item[sp.len] = '\0';
			if ((r = fn(ctx, item)) != 0)
				return r;
		}
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

size_t
str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t prev[65], cur[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + cost;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

const char *
str_suggest(const char *word, const char *const *candidates, size_t ncandidates)
{
	size_t i, d, best_d = 99, limit = strlen(word) / 3;
	const char *best = NULL;

	if (limit < 2)
		limit = 2;
	for (i = 0; i < ncandidates; i++) {
		d = str_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

bool
str_is_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 127)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_' ||
			c == '.'))
			return false;
	}
	return true;
}

char *
str_one_line(char *dst, size_t dst_size, const char *s, size_t len)
{
	size_t o = 0, i;
	bool sep = false;

	if (dst_size == 0)
		return dst;
	for (i = 0; i < len && o + 1 < dst_size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r') {
			while (
			    o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
				o--;
			sep = o > 0;
			continue;
		}
		if (sep) {
			if (o + 4 >= dst_size)
				break;
			memcpy(dst + o, " | ", 3);
			o += 3;
			sep = false;
		}
		dst[o++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
		o--;
	dst[o] = '\0';
	return dst;
}
