/*
 * <var name="X">value</var> definitions of decoder and rule files, and
 * the $X substitution applied to element text before it is interpreted.
 * A '$' followed by anything but a letter or '_' is left alone (regex
 * anchors, "$(field)" in descriptions); an unknown $NAME is an error.
 */
#ifndef ARX_ENGINE_XMLVAR_H
#define ARX_ENGINE_XMLVAR_H

#include <stddef.h>

#include "config/xml.h"
#include "core/buf.h"

#define XMLVAR_MAX 256

struct xmlvars {
	const char *name[XMLVAR_MAX];
	const char *value[XMLVAR_MAX];
	size_t n;
};

/* Collect the <var> children of parent (vars of one file). */
int xmlvars_collect(struct xmlvars *v, const struct xml_node *parent);
/*
 * Append text to out with $NAME replaced. On an unknown name returns
 * ARX_ERR_NOTFOUND and points *bad at it.
 */
int xmlvars_apply(const struct xmlvars *v, const char *text, struct buf *out,
    const char **bad);

#endif
