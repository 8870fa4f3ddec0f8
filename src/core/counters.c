/*
 * Implementation of counters.h. Rows are few (hundreds at most), so a
 * look-up is a scan; gathering happens once a second.
 */
#include <string.h>

#include "core/counters.h"
#include "core/err.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_"

void
counters_clear(struct counters *c)
{
	c->n = 0;
	c->dropped = 0;
}

bool
counters_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len < COUNTER_NAME_MAX &&
	    strspn(name, NAME_CHARS) == len;
}

static bool
value_ok(const char *value)
{
	size_t len = 0;

	for (; value[len] != '\0'; len++)
		if ((unsigned char)value[len] < 0x20 ||
		    (unsigned char)value[len] > 0x7e)
			return false;
	return len < COUNTER_VALUE_MAX;
}

bool
counters_label_ok(const char *key, const char *value)
{
	size_t len = strlen(key);

	if (len == 0)
		return value[0] == '\0';
	return len < COUNTER_KEY_MAX && key[0] >= 'a' && key[0] <= 'z' &&
	    strspn(key, NAME_CHARS) == len && value_ok(value);
}

size_t
counters_nlabels(const struct counter *row)
{
	size_t n = 0;

	while (n < COUNTER_LABELS && row->label[n].key[0] != '\0')
		n++;
	return n;
}

bool
counters_row_ok(const struct counter *row)
{
	size_t n = counters_nlabels(row);

	if (memchr(row->name, '\0', COUNTER_NAME_MAX) == NULL ||
	    !counters_name_ok(row->name))
		return false;
	for (size_t i = 0; i < COUNTER_LABELS; i++) {
		const struct counter_label *l = &row->label[i];

		if (memchr(l->key, '\0', COUNTER_KEY_MAX) == NULL ||
		    memchr(l->value, '\0', COUNTER_VALUE_MAX) == NULL ||
		    !counters_label_ok(l->key, l->value) ||
		    (i >= n && l->key[0] != '\0'))
			return false;
	}
	return n < 2 || strcmp(row->label[0].key, row->label[1].key) != 0;
}

static bool
labels_same(const struct counter *a, const struct counter *b)
{
	for (size_t i = 0; i < COUNTER_LABELS; i++)
		if (strcmp(a->label[i].key, b->label[i].key) != 0 ||
		    strcmp(a->label[i].value, b->label[i].value) != 0)
			return false;
	return true;
}

const struct counter *
counters_find_row(const struct counters *c, const struct counter *row)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->row[i].name, row->name) == 0 &&
		    labels_same(&c->row[i], row))
			return &c->row[i];
	return NULL;
}

const struct counter *
counters_find(const struct counters *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->row[i].label[0].key[0] == '\0' &&
		    strcmp(c->row[i].name, name) == 0)
			return &c->row[i];
	return NULL;
}

/* Whether a row of the name exists with labels (has) or without. */
static bool
family_has(const struct counters *c, const char *name, bool labelled)
{
	for (size_t i = 0; i < c->n; i++)
		if ((c->row[i].label[0].key[0] != '\0') == labelled &&
		    strcmp(c->row[i].name, name) == 0)
			return true;
	return false;
}

int
counters_add_row(struct counters *c, const struct counter *row)
{
	struct counter *have = (struct counter *)counters_find_row(c, row);
	bool labelled = row->label[0].key[0] != '\0';

	if (have != NULL) {
		have->value += row->value;
		return 0;
	}
	if (!counters_row_ok(row) || family_has(c, row->name, !labelled)) {
		c->dropped++;
		return ARX_ERR_INVAL;
	}
	if (c->n == COUNTERS_MAX) {
		c->dropped++;
		return ARX_ERR_TOOBIG;
	}
	c->row[c->n++] = *row;
	return 0;
}

/* src into dst of size bytes, when it fits. */
static bool
fit(char *dst, size_t size, const char *src)
{
	size_t len = src != NULL ? strlen(src) : 0;

	if (len >= size)
		return false;
	memcpy(dst, src != NULL ? src : "", len);
	dst[len] = '\0';
	return true;
}

int
counters_add_l(struct counters *c, const char *name, const char *k1,
    const char *v1, const char *k2, const char *v2, uint64_t v)
{
	struct counter row;

	memset(&row, 0, sizeof(row));
	row.value = v;
	if (!fit(row.name, sizeof(row.name), name) ||
	    !fit(row.label[0].key, COUNTER_KEY_MAX, k1) ||
	    !fit(row.label[0].value, COUNTER_VALUE_MAX, v1) ||
	    !fit(row.label[1].key, COUNTER_KEY_MAX, k2) ||
	    !fit(row.label[1].value, COUNTER_VALUE_MAX, v2)) {
		c->dropped++;
		return ARX_ERR_INVAL;
	}
	return counters_add_row(c, &row);
}

int
counters_add(struct counters *c, const char *name, uint64_t v)
{
	struct counter *row = (struct counter *)counters_find(c, name);

	if (row != NULL) {
		row->value += v;
		return 0;
	}
	return counters_add_l(c, name, NULL, NULL, NULL, NULL, v);
}

uint64_t
counters_get(const struct counters *c, const char *name)
{
	const struct counter *row = counters_find(c, name);

	return row != NULL ? row->value : 0;
}

bool
counters_same(const struct counters *a, const struct counters *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->row[i].value != b->row[i].value ||
		    strcmp(a->row[i].name, b->row[i].name) != 0 ||
		    !labels_same(&a->row[i], &b->row[i]))
			return false;
	return true;
}
