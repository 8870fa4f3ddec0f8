/*
 * Implementation of srclimit.h: a flat table scanned in order (a
 * listener holds at most a thousand or so connections, and a scan is
 * cheaper than an accept); a source's entry is freed when its count
 * drops to 0.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/srclimit.h"

/* The block a counts against: the address itself, or its /64. */
static struct arx_addr
source_of(const struct arx_addr *a)
{
	struct arx_addr k = *a;

	if (k.family == ADDR_V6)
		memset(k.bytes + 8, 0, 8);
	return k;
}

static struct srclimit_ent *
find(const struct srclimit *l, const struct arx_addr *k)
{
	for (unsigned i = 0; i < l->cap; i++)
		if (l->v[i].n > 0 && addr_equal(&l->v[i].addr, k))
			return &l->v[i];
	return NULL;
}

int
srclimit_init(struct srclimit *l, unsigned cap, unsigned per_source)
{
	*l = (struct srclimit){
	    .cap = cap, .per_source = per_source > 0 ? per_source : 1};
	if (cap > 0 && (l->v = calloc(cap, sizeof(*l->v))) == NULL)
		return ARX_ERR_NOMEM;
	return 0;
}

void
srclimit_release(struct srclimit *l)
{
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

int
srclimit_take(struct srclimit *l, const struct arx_addr *a)
{
	struct arx_addr k = source_of(a);
	struct srclimit_ent *e = find(l, &k);

	for (unsigned i = 0; e == NULL && i < l->cap; i++)
		if (l->v[i].n == 0) {
			e = &l->v[i];
			e->addr = k;
		}
	if (e == NULL || e->n >= l->per_source) {
		l->refused++;
		return ARX_ERR_TOOBIG;
	}
	e->n++;
	return 0;
}

void
srclimit_put(struct srclimit *l, const struct arx_addr *a)
{
	struct arx_addr k = source_of(a);
	struct srclimit_ent *e = find(l, &k);

	if (e != NULL)
		e->n--;
}

unsigned
srclimit_count(const struct srclimit *l, const struct arx_addr *a)
{
	struct arx_addr k = source_of(a);
	const struct srclimit_ent *e = find(l, &k);

	return e != NULL ? e->n : 0;
}
