/*
 * Implementation of promtext.h. A family's rows are gathered by a scan
 * over the sets (hundreds of rows, once a scrape); the rows written are
 * marked so that each goes out once.
 */
#include <inttypes.h>
#include <string.h>

#include "core/err.h"
#include "core/promtext.h"

int
promtext_escape(struct buf *out, const char *s, bool help)
{
	int r = 0;

	for (; r == 0 && *s != '\0'; s++) {
		if (*s == '\\')
			r = buf_puts(out, "\\\\");
		else if (*s == '\n')
			r = buf_puts(out, "\\n");
		else if (*s == '"' && !help)
			r = buf_puts(out, "\\\"");
		else
			r = buf_putc(out, *s);
	}
	return r;
}

static const struct promtext_family *
family_of(const struct promtext_family *fams, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fams[i].name, name) == 0)
			return &fams[i];
	return NULL;
}

struct pt {
	struct buf *out;
	const char *prefix;
	const struct counters *const *sets;
	size_t nsets;
	bool done[PROMTEXT_SETS_MAX][COUNTERS_MAX];
};

static int
head_put(struct pt *p, const char *name, const struct promtext_family *f)
{
	const char *suffix = f != NULL && f->gauge ? "" : "_total";
	int r;

	if ((r = buf_printf(
		 p->out, "# HELP %s_%s%s ", p->prefix, name, suffix)) != 0)
		return r;
	if (f != NULL)
		r = promtext_escape(p->out, f->help, true);
	else
		r = buf_printf(p->out, "%s (see arx status)", name);
	if (r == 0)
		r = buf_printf(p->out, "\n# TYPE %s_%s%s %s\n", p->prefix, name,
		    suffix, f != NULL && f->gauge ? "gauge" : "counter");
	return r;
}

static int
row_put(struct pt *p, const struct counter *row, const char *suffix)
{
	size_t n = counters_nlabels(row);
	int r = buf_printf(p->out, "%s_%s%s", p->prefix, row->name, suffix);

	for (size_t i = 0; r == 0 && i < n; i++) {
		if ((r = buf_printf(p->out, "%c%s=\"", i == 0 ? '{' : ',',
			 row->label[i].key)) == 0 &&
		    (r = promtext_escape(p->out, row->label[i].value, false)) ==
			0)
			r = buf_putc(p->out, '"');
	}
	if (r == 0 && n > 0)
		r = buf_putc(p->out, '}');
	return r != 0 ? r : buf_printf(p->out, " %" PRIu64 "\n", row->value);
}

/* Whether row is in a set before set s (written from there). */
static bool
earlier(const struct pt *p, size_t s, const struct counter *row)
{
	for (size_t k = 0; k < s; k++)
		if (counters_find_row(p->sets[k], row) != NULL)
			return true;
	return false;
}

/* The family of the row at (s, i): every row of its name from there. */
static int
family_put(struct pt *p, size_t s, size_t i, const struct promtext_family *f)
{
	const char *name = p->sets[s]->row[i].name;
	const char *suffix = f != NULL && f->gauge ? "" : "_total";
	int r = head_put(p, name, f);

	for (size_t k = s; r == 0 && k < p->nsets; k++)
		for (size_t j = k == s ? i : 0; r == 0 && j < p->sets[k]->n;
		     j++) {
			const struct counter *row = &p->sets[k]->row[j];

			if (p->done[k][j] || strcmp(row->name, name) != 0)
				continue;
			p->done[k][j] = true;
			if (!earlier(p, k, row))
				r = row_put(p, row, suffix);
		}
	return r;
}

int
promtext_put(struct buf *out, const char *prefix,
    const struct counters *const *sets, size_t nsets,
    const struct promtext_family *fams, size_t nfams)
{
	struct pt p = {.out = out,
	    .prefix = prefix,
	    .sets = sets,
	    .nsets = nsets}; /* done: 2 KiB, all false */
	int r = 0;

	if (nsets > PROMTEXT_SETS_MAX)
		return ARX_ERR_INVAL;
	for (size_t s = 0; r == 0 && s < nsets; s++)
		for (size_t i = 0; r == 0 && i < sets[s]->n; i++)
			if (!p.done[s][i])
				r = family_put(&p, s, i,
				    family_of(
					fams, nfams, sets[s]->row[i].name));
	return r;
}
