/*
 * The canonical form of a loaded configuration (arxd -T): one <arx_config>
 * root, sections in a fixed order, every effective value written out
 * (defaults included), durations with units, lists one element per value.
 * Loading this output again gives the same configuration, and dumping that
 * gives the same text; tests/cli checks both.
 */
#include <stdio.h>
#include <string.h>

#include "config/conf_int.h"
#include "core/strparse.h"

void
conf_put_indent(struct buf *out, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_puts(out, "  ");
}

void
conf_put_escaped(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '"':
			buf_puts(out, "&quot;");
			break;
		default:
			buf_putc(out, *s);
		}
	}
}

void
conf_put_elem(struct buf *out, int depth, const char *name, const char *value)
{
	conf_put_indent(out, depth);
	buf_printf(out, "<%s>", name);
	conf_put_escaped(out, value);
	buf_printf(out, "</%s>\n", name);
}

#define FIELD(obj, e, type) ((const type *)((const char *)(obj) + (e)->off))

void
conf_dump_str(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const char *s = *FIELD(obj, e, char *);

	if (s != NULL)
		conf_put_elem(out, depth, e->name, s);
}

void
conf_dump_strvec(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct strvec *v = FIELD(obj, e, struct strvec);
	size_t i;

	for (i = 0; i < v->n; i++)
		conf_put_elem(out, depth, e->name, v->v[i]);
}

void
conf_dump_bool(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	conf_put_elem(out, depth, e->name, *FIELD(obj, e, bool) ? "yes" : "no");
}

void
conf_dump_uint(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%u", *FIELD(obj, e, unsigned));
	conf_put_elem(out, depth, e->name, tmp);
}

void
conf_dump_duration(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	char tmp[32];

	str_format_duration(tmp, sizeof(tmp), *FIELD(obj, e, uint64_t));
	conf_put_elem(out, depth, e->name, tmp);
}

void
conf_dump_cidrvec(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct cidrvec *v = FIELD(obj, e, struct cidrvec);
	char tmp[CIDR_STRLEN];
	size_t i;

	for (i = 0; i < v->n; i++) {
		cidr_format(&v->v[i], tmp, sizeof(tmp));
		conf_put_elem(out, depth, e->name, tmp);
	}
}

void
conf_section_dump(
    struct buf *out, const struct conf_section *s, const void *obj, int depth)
{
	size_t i;

	for (i = 0; i < s->nelems; i++)
		if (s->elems[i].dump != NULL)
			s->elems[i].dump(out, obj, &s->elems[i], depth);
}

static void
conf_dump_one(struct buf *out, const char *name, const void *obj, int depth)
{
	const struct conf_section *s = NULL;
	size_t i;

	for (i = 0; i < conf_nroot_sections && s == NULL; i++)
		if (strcmp(conf_root_sections[i].name, name) == 0)
			s = &conf_root_sections[i];
	conf_put_indent(out, depth);
	buf_printf(out, "<%s>\n", name);
	conf_section_dump(out, s, obj, depth + 1);
	conf_put_indent(out, depth);
	buf_printf(out, "</%s>\n", name);
}

/* The host-wide response settings, as a block without <command>. */
static void
conf_dump_host_ar(struct buf *out, const struct arx_conf *conf)
{
	struct conf_ar host = {.level = -1};

	if (!conf->ar_disabled && conf->ndefault_repeated == 0)
		return;
	host.disabled = conf->ar_disabled;
	host.nrepeated = conf->ndefault_repeated;
	memcpy(host.repeated, conf->default_repeated, sizeof(host.repeated));
	conf_dump_one(out, "active-response", &host, 1);
}

int
conf_dump(const struct arx_conf *conf, struct buf *out)
{
	size_t i;

	buf_puts(out, "<arx_config>\n");
	conf_dump_one(out, "global", &conf->global, 1);
	conf_dump_one(out, "alerts", &conf->alerts, 1);
	for (i = 0; i < conf->ncommands; i++)
		conf_dump_one(out, "command", &conf->commands[i], 1);
	for (i = 0; i < conf->nars; i++)
		conf_dump_one(out, "active-response", &conf->ars[i], 1);
	conf_dump_host_ar(out, conf);
	for (i = 0; i < conf->nlocalfiles; i++)
		conf_dump_one(out, "localfile", &conf->localfiles[i], 1);
	conf_dump_one(out, "ruleset", &conf->ruleset, 1);
	for (i = 0; i < conf->nremotes; i++)
		conf_dump_one(out, "remote", &conf->remotes[i], 1);
	if (conf->client.present) {
		conf_dump_one(out, "client", &conf->client, 1);
		conf_dump_one(out, "client_buffer", &conf->client_buffer, 1);
	}
	if (conf->auth.present)
		conf_dump_one(out, "auth", &conf->auth, 1);
	if (conf->feed.present)
		conf_dump_one(out, "feed", &conf->feed, 1);
	for (i = 0; i < conf->nemail_alerts; i++)
		conf_dump_one(out, "email_alerts", &conf->email_alerts[i], 1);
	for (i = 0; i < conf->nblocklists; i++)
		conf_dump_one(out, "blocklist", &conf->blocklists[i], 1);
	if (conf->metrics.present)
		conf_dump_one(out, "metrics", &conf->metrics, 1);
	if (conf->cluster.present)
		conf_dump_one(out, "cluster", &conf->cluster, 1);
	conf_dump_one(out, "daemon", &conf->daemon, 1);
	return buf_puts(out, "</arx_config>\n");
}
