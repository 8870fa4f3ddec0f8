/*
 * Implementation of event_json.h.
 */
#include <stdlib.h>
#include <string.h>

#include "alert/event_json.h"
#include "engine/decoder.h"
#include "engine/json.h"

/* Wazuh's order of the static fields inside "data". */
static const enum event_field data_order[] = {
    EF_PROTOCOL,
    EF_ACTION,
    EF_SRCIP,
    EF_SRCPORT,
    EF_SRCUSER,
    EF_DSTIP,
    EF_DSTPORT,
    EF_DSTUSER,
    EF_ID,
    EF_STATUS,
    EF_URL,
    EF_DATA,
    EF_EXTRA_DATA,
    EF_SYSTEM_NAME,
};

static void
put_member(
    struct buf *out, bool *first, const char *name, size_t nlen, struct span v)
{
	if (!*first)
		buf_putc(out, ',');
	*first = false;
	json_put_string(out, name, nlen);
	buf_putc(out, ':');
	json_put_string(out, v.p, v.len);
}

static int
dyn_cmp(const void *a, const void *b)
{
	const struct event_dyn *x = *(const struct event_dyn *const *)a;
	const struct event_dyn *y = *(const struct event_dyn *const *)b;

	return strcmp(x->name, y->name);
}

#define MAX_PATH_LEN 1024

/* Close the open objects of cur[0..*curlen) beyond the first keep bytes. */
static void
close_to(struct buf *out, const char *cur, size_t *curlen, size_t keep)
{
	size_t j;

	for (j = keep; j < *curlen; j++)
		if (cur[j] == '.')
			buf_putc(out, '}');
	*curlen = keep;
}

/* Dynamic fields, sorted, with one object per shared name prefix. */
static void
put_dynamic(struct buf *out, const struct event *ev, bool *first)
{
	const struct event_dyn **v =
	    calloc(ev->ndyn ? ev->ndyn : 1, sizeof(*v));
	char cur[MAX_PATH_LEN];
	size_t i, j, k, dir, s, curlen = 0;
	const char *name, *dot;

	if (v == NULL)
		return;
	for (i = 0; i < ev->ndyn; i++)
		v[i] = &ev->dyn[i];
	qsort(v, ev->ndyn, sizeof(*v), dyn_cmp);
	for (i = 0; i < ev->ndyn; i++) {
		name = v[i]->name;
		dot = strrchr(name, '.');
		dir = dot != NULL && (size_t)(dot - name) < MAX_PATH_LEN
		    ? (size_t)(dot - name) + 1
		    : 0;
		for (j = 0, k = 0; j < curlen && j < dir && cur[j] == name[j];
		     j++)
			if (cur[j] == '.')
				k = j + 1;
		if (k < curlen)
			*first = false;
		close_to(out, cur, &curlen, k);
		for (s = k; s < dir; s = (size_t)(dot - name) + 1) {
			dot = strchr(name + s, '.');
			if (!*first)
				buf_putc(out, ',');
			json_put_string(
			    out, name + s, (size_t)(dot - name) - s);
			buf_puts(out, ":{");
			*first = true;
		}
		memcpy(cur, name, dir);
		curlen = dir;
		put_member(
		    out, first, name + dir, strlen(name + dir), v[i]->value);
	}
	close_to(out, cur, &curlen, 0);
	free(v);
}

static void
put_span_member(struct buf *out, bool *first, const char *name, struct span v)
{
	if (span_is_set(v))
		put_member(out, first, name, strlen(name), v);
}

/* "name": with a comma before every member but the first. */
static void
open_member(struct buf *out, bool *first, const char *name)
{
	if (!*first)
		buf_putc(out, ',');
	*first = false;
	buf_printf(out, "\"%s\":", name);
}

static void
put_decoder(struct buf *out, const struct decoder *d)
{
	buf_putc(out, '{');
	if (d->parent_name != NULL) {
		buf_puts(out, "\"parent\":");
		json_put_string(out, d->parent_name, strlen(d->parent_name));
		buf_putc(out, ',');
	}
	buf_puts(out, "\"name\":");
	json_put_string(out, d->report_name, strlen(d->report_name));
	buf_putc(out, '}');
}

static void
put_data(struct buf *out, const struct event *ev)
{
	bool first = true;
	size_t i;

	buf_putc(out, '{');
	for (i = 0; i < sizeof(data_order) / sizeof(data_order[0]); i++)
		put_span_member(out, &first, event_field_name(data_order[i]),
		    ev->fields[data_order[i]]);
	put_dynamic(out, ev, &first);
	buf_putc(out, '}');
}

int
alert_event_json(const struct event *ev, bool with_full_log, struct buf *out)
{
	bool top = true, first = true;
	size_t i;

	if (with_full_log) {
		open_member(out, &top, "full_log");
		json_put_string(out, ev->full_log, ev->full_len);
	}
	if (span_is_set(ev->program_name) || span_is_set(ev->timestamp) ||
	    span_is_set(ev->hostname)) {
		open_member(out, &top, "predecoder");
		buf_putc(out, '{');
		put_span_member(out, &first, "program_name", ev->program_name);
		put_span_member(out, &first, "timestamp", ev->timestamp);
		put_span_member(out, &first, "hostname", ev->hostname);
		buf_putc(out, '}');
	}
	if (ev->decoder != NULL) {
		open_member(out, &top, "decoder");
		put_decoder(out, ev->decoder);
	}
	for (i = 0; i < EF_NSTATIC && !span_is_set(ev->fields[i]); i++)
		;
	if (i < EF_NSTATIC || ev->ndyn > 0) {
		open_member(out, &top, "data");
		put_data(out, ev);
	}
	open_member(out, &top, "location");
	return json_put_string(out, ev->location, strlen(ev->location));
}
