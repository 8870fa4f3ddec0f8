/*
 * Implementation of counters.h. Rows are few (tens), so a look-up is a
 * scan; gathering happens once a second.
 */
#include <string.h>

#include "core/counters.h"
#include "core/err.h"

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
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

const struct counter *
counters_find(const struct counters *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->row[i].name, name) == 0)
			return &c->row[i];
	return NULL;
}

int
counters_add(struct counters *c, const char *name, uint64_t v)
{
	struct counter *row = (struct counter *)counters_find(c, name);

	if (row != NULL) {
		row->value += v;
		return 0;
	}
	if (!counters_name_ok(name)) {
		c->dropped++;
		return ARX_ERR_INVAL;
	}
	if (c->n == COUNTERS_MAX) {
		c->dropped++;
		return ARX_ERR_TOOBIG;
	}
	row = &c->row[c->n++];
	memcpy(row->name, name, strlen(name) + 1);
	row->value = v;
	return 0;
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
		    strcmp(a->row[i].name, b->row[i].name) != 0)
			return false;
	return true;
}
