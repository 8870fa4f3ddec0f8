/*
 * The XML reader shared by the configuration, decoder and rule loaders.
 * It reads a file with expat into a tree of nodes that remember their file
 * and line, so every later error can say where. The reader is hardened for
 * files written by others: DTDs and entity declarations are refused (no
 * entity expansion), depth, size, node and attribute counts are bounded.
 * Like OSSEC's own parser it accepts several top-level elements in one file
 * (ossec.conf may hold more than one <ossec_config>; rule files hold several
 * <group>s): they become the children of an unnamed document node.
 *
 * The tree is immutable once read and owned by the struct xml_doc; all of
 * it (nodes, strings) lives in the document's arena.
 */
#ifndef ARX_CONFIG_XML_H
#define ARX_CONFIG_XML_H

#include <stddef.h>

#include "core/arena.h"

#define XML_MAX_DEPTH     32
#define XML_MAX_FILE_SIZE (16u << 20)
#define XML_MAX_NODES     500000
#define XML_MAX_ATTRS     16

struct xml_attr {
	const char *name;
	const char *value;
};

struct xml_node {
	const char *name;
	const char *text; /* character data, trimmed; "" if none */
	const char *raw;  /* character data as written (patterns keep their
			     leading and trailing blanks) */
	const struct xml_attr *attrs;
	size_t nattrs;
	struct xml_node *parent;
	struct xml_node *child; /* first child */
	struct xml_node *next;  /* next sibling */
	const char *file;
	unsigned line;
};

struct xml_doc {
	struct arena arena;
	struct xml_node root; /* unnamed; the file's top-level elements */
	const char *file;
};

/*
 * Read path into a new document. On failure returns a negative ARX_ERR_*
 * code, logs "file:line: message" and sets *out to NULL.
 */
int xml_read_file(const char *path, struct xml_doc **out);
/* Parse len bytes of text; name is used in messages and node->file. */
int xml_read_mem(
    const char *name, const char *text, size_t len, struct xml_doc **out);
void xml_doc_free(struct xml_doc *doc);

/* Value of attribute name, or NULL. */
const char *xml_attr_get(const struct xml_node *n, const char *name);

#endif
