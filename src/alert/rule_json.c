/*
 * Implementation of rule_json.h.
 */
#include <stdio.h>
#include <string.h>

#include "alert/rule_json.h"
#include "engine/json.h"

#define DESC_MAX 1024

static struct span
desc_field(const struct event *ev, const char *name, size_t len)
{
	char tmp[256];
	struct span none = {NULL, 0};

	if (len >= sizeof(tmp))
		return none;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	if (strcmp(tmp, "program_name") == 0)
		return ev->program_name;
	if (strcmp(tmp, "hostname") == 0)
		return ev->hostname;
	if (strcmp(tmp, "user") == 0) /* not an alias here, as in Wazuh */
		return none;
	return event_get(ev, tmp);
}

int
alert_description(const struct rule *r, const struct event *ev, struct buf *out)
{
	const char *d = r->description, *end;
	size_t start = out->len;
	struct span v;

	while (*d != '\0') {
		const char *dollar = strchr(d, '$');
		size_t plain = dollar ? (size_t)(dollar - d) : strlen(d);

		buf_append(out, d, plain); /* the text up to the next $ */
		d += plain;
		if (*d == '\0')
			break;
		if (d[1] == '(' && (end = strchr(d + 2, ')')) != NULL) {
			v = desc_field(ev, d + 2, (size_t)(end - d - 2));
			if (span_is_set(v))
				buf_append(out, v.p, v.len);
			d = end + 1;
			continue;
		}
		buf_putc(out, *d++);
	}
	if (out->len - start > DESC_MAX) {
		out->len = start;
		return buf_puts(out, r->description);
	}
	return 0;
}

/* Compliance prefixes that Wazuh moves out of "groups". */
static const struct {
	const char *prefix, *key;
} compliance[] = {
    {"pci_dss_", "pci_dss"},
    {"gdpr_", "gdpr"},
    {"gpg13_", "gpg13"},
    {"hipaa_", "hipaa"},
    {"nist_800_53_", "nist_800_53"},
    {"tsc_", "tsc"},
    {"cis_", "cis"},
};
#define NCOMPLIANCE (sizeof(compliance) / sizeof(compliance[0]))

/* Append a JSON array of the group tokens with prefix (k < 0: the rest). */
static void
put_groups(struct buf *out, const char *groups, int k)
{
	const char *p = groups, *comma;
	size_t len, c, plen;
	bool first = true, is_comp;

	buf_putc(out, '[');
	for (; *p != '\0'; p = comma ? comma + 1 : p + len) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && *p == ' ')
			p++, len--;
		if (len == 0)
			continue;
		for (is_comp = false, c = 0; c < NCOMPLIANCE && !is_comp; c++)
			is_comp = strncmp(p, compliance[c].prefix,
				      strlen(compliance[c].prefix)) == 0;
		plen = k >= 0 ? strlen(compliance[k].prefix) : 0;
		if (k >= 0 ? strncmp(p, compliance[k].prefix, plen) != 0
			   : is_comp)
			continue;
		if (!first)
			buf_putc(out, ',');
		first = false;
		json_put_string(out, p + plen, len - plen);
	}
	buf_putc(out, ']');
}

int
alert_rule_json(const struct rule *r, const struct event *ev,
    unsigned long firedtimes, struct buf *out)
{
	struct buf desc;
	size_t c;

	buf_init(&desc, 65536);
	alert_description(r, ev, &desc);
	buf_puts(out, "\"rule\":{");
	if (r->level != 0)
		buf_printf(out, "\"level\":%d,", r->level);
	buf_puts(out, "\"description\":");
	json_put_string(out, buf_cstr(&desc), desc.len);
	buf_printf(out, ",\"id\":\"%u\"", r->id);
	if (r->mitre_ids != NULL && r->mitre_ids[0] != '\0') {
		buf_puts(out, ",\"mitre\":{\"id\":");
		put_groups(out, r->mitre_ids, -1);
		buf_putc(out, '}');
	}
	if (r->frequency != 0)
		buf_printf(out, ",\"frequency\":%u", r->frequency);
	if (!(r->options & RULE_OPT_NO_COUNTER))
		buf_printf(out, ",\"firedtimes\":%lu", firedtimes);
	buf_printf(out, ",\"mail\":%s,\"groups\":",
	    (r->options & RULE_OPT_ALERT_EMAIL) ? "true" : "false");
	put_groups(out, r->groups, -1);
	for (c = 0; c < NCOMPLIANCE; c++) {
		if (strstr(r->groups, compliance[c].prefix) == NULL)
			continue;
		buf_printf(out, ",\"%s\":", compliance[c].key);
		put_groups(out, r->groups, (int)c);
	}
	buf_release(&desc);
	return buf_putc(out, '}');
}
