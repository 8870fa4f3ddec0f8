/*
 * Implementation of xmlvar.h.
 */
#include <ctype.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "engine/xmlvar.h"

int
xmlvars_collect(struct xmlvars *v, const struct xml_node *parent)
{
	const struct xml_node *n;
	const char *name;

	for (n = parent->child; n != NULL; n = n->next) {
		if (strcmp(n->name, "var") != 0)
			continue;
		name = xml_attr_get(n, "name");
		if (name == NULL || name[0] == '\0' || v->n == XMLVAR_MAX) {
			log_error("%s:%u: <var> needs a name (at most %d "
				  "variables per file)",
			    n->file, n->line, XMLVAR_MAX);
			return ARX_ERR_CONFIG;
		}
		v->name[v->n] = name;
		v->value[v->n++] = n->text;
	}
	return 0;
}

int
xmlvars_apply(const struct xmlvars *v, const char *text, struct buf *out,
    const char **bad)
{
	size_t i, k, n;
	int r = 0;

	for (i = 0; text[i] != '\0' && r == 0; i++) {
		if (text[i] != '$' || (i > 0 && text[i - 1] == '\\') ||
		    !(text[i + 1] == '_' ||
			isalpha((unsigned char)text[i + 1]))) {
			r = buf_putc(out, text[i]);
			continue;
		}
		for (n = 1;
		     isalnum((unsigned char)text[i + n]) || text[i + n] == '_';
		     n++)
			;
		for (k = 0; k < v->n; k++)
			if (strlen(v->name[k]) == n - 1 &&
			    strncmp(v->name[k], text + i + 1, n - 1) == 0)
				break;
		if (k == v->n) {
			*bad = text + i;
			return ARX_ERR_NOTFOUND;
		}
		r = buf_puts(out, v->value[k]);
		i += n - 1;
	}
	return r;
}
