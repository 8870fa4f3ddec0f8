/*
 * Implementation of feedfmt.h: the table of formats and their line
 * writers. The text a line holds is always a canonical address from
 * feedfmt_canon(), so no format needs quoting or escaping.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/feedfmt.h"
#include "core/err.h"

#define RSC_LIST "arx"

static int
line_plain(struct buf *b, const char *addr, bool v6, size_t i)
{
	(void)v6, (void)i;
	return buf_printf(b, "%s\n", addr);
}

static int
line_json(struct buf *b, const char *addr, bool v6, size_t i)
{
	(void)v6;
	return buf_printf(b, "%s\"%s\"", i > 0 ? "," : "", addr);
}

static int
line_mikrotik(struct buf *b, const char *addr, bool v6, size_t i)
{
	(void)i;
	return buf_printf(b,
	    "/%s firewall address-list add list=" RSC_LIST
	    " address=%s comment=\"arx blocklist\"\n",
	    v6 ? "ipv6" : "ip", addr);
}

static int
line_nginx(struct buf *b, const char *addr, bool v6, size_t i)
{
	(void)v6, (void)i;
	return buf_printf(b, "deny %s;\n", addr);
}

static int
line_apache(struct buf *b, const char *addr, bool v6, size_t i)
{
	(void)v6, (void)i;
	return buf_printf(b, "    Require not ip %s\n", addr);
}

static const struct feedfmt formats[] = {
    {"/blocklist.txt", "text/plain; charset=us-ascii", "", line_plain, ""},
    {"/blocklist.json", "application/json", "[", line_json, "]\n"},
    {"/mikrotik.rsc", "text/plain; charset=us-ascii",
	"/ip firewall address-list remove [find list=" RSC_LIST "]\n"
	"/ipv6 firewall address-list remove [find list=" RSC_LIST "]\n",
	line_mikrotik, ""},
    {"/nginx.conf", "text/plain; charset=us-ascii", "# arx blocklist\n",
	line_nginx, ""},
    {"/apache.conf", "text/plain; charset=us-ascii",
	"# arx blocklist\n<RequireAll>\n    Require all granted\n", line_apache,
	"</RequireAll>\n"},
};

const struct feedfmt *
feedfmt_find(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strlen(formats[i].path) == len &&
		    memcmp(formats[i].path, p, len) == 0)
			return &formats[i];
	return NULL;
}

const struct feedfmt *
feedfmt_at(size_t i)
{
	return i < sizeof(formats) / sizeof(formats[0]) ? &formats[i] : NULL;
}

bool
feedfmt_canon(const char *s, char out[CIDR_STRLEN])
{
	struct arx_addr a;

	out[0] = '\0';
	if (addr_parse_net_str(s, &a) != 0)
		return false;
	addr_format(&a, out, CIDR_STRLEN);
	return true;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
feedfmt_sort(char **v, size_t n)
{
	size_t kept = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && strcmp(v[i], v[kept - 1]) == 0)
			free(v[i]);
		else
			v[kept++] = v[i];
	}
	return kept;
}

int
feedfmt_write(const struct feedfmt *f, struct buf *b, char *const *v, size_t n)
{
	size_t before = b->len;
	int r = buf_puts(b, f->head);

	for (size_t i = 0; r == 0 && i < n; i++)
		r = f->line(b, v[i], strchr(v[i], ':') != NULL, i);
	if (r == 0)
		r = buf_puts(b, f->tail);
	if (r != 0)
		buf_truncate(b, before);
	return r;
}
