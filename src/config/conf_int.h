/*
 * Internals shared by conf.c (the table walker and generic setters),
 * conf_table.c (the element tables of each section) and conf_dump.c.
 * Not for use outside src/config.
 */
#ifndef ARX_CONFIG_CONF_INT_H
#define ARX_CONFIG_CONF_INT_H

#include "config/conf.h"
#include "config/xml.h"

struct conf_ctx {
	struct arx_conf *conf;
	unsigned nerrors;
	const char *last_file; /* interned name of the last item's file */
};

struct conf_elem;
struct conf_section;

/* Store the value of element n into obj as described by e. */
typedef int conf_set_fn(struct conf_ctx *ctx, const struct xml_node *n,
    void *obj, const struct conf_elem *e);
/* Append the element(s) for e's field of obj to out, indented by depth. */
typedef void conf_dump_fn(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth);

#define CE_MULTI    0x1u /* may appear more than once */
#define CE_REQUIRED 0x2u /* must appear */
#define CE_IGNORED  0x4u /* accepted for compatibility, has no effect */
#define CE_PATH     0x8u /* a path: relative ones are made absolute */

struct conf_elem {
	const char *name;
	conf_set_fn *set;
	conf_dump_fn *dump;
	size_t off;        /* offset of the field in the section object */
	uint64_t min, max; /* integer bounds; for durations min = bare unit */
	unsigned flags;
	const char *const *attrs; /* allowed attributes, NULL-terminated */
	const struct conf_section *sub; /* nested section (conf_set_sub) */
};

struct conf_section {
	const char *name;
	const struct conf_elem *elems;
	size_t nelems;
	/* Object to fill for one occurrence of the section. */
	void *(*open)(
	    struct conf_ctx *ctx, const struct xml_node *n, void *parent);
	/* Defaults and checks once the occurrence is read; may be NULL. */
	int (*close)(struct conf_ctx *ctx, const struct xml_node *n, void *obj);
};

/* Log "file:line: message" for node n and count the error. */
void conf_err(struct conf_ctx *ctx, const struct xml_node *n, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void conf_warn(const struct xml_node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read the children of n into obj following section s. */
int conf_section_read(struct conf_ctx *ctx, const struct xml_node *n,
    const struct conf_section *s, void *obj);
/* Dump every row of s for obj. */
void conf_section_dump(
    struct buf *out, const struct conf_section *s, const void *obj, int depth);

/* Grow an arena-backed array by one zeroed element; NULL on failure. */
void *conf_vec_push(
    struct conf_ctx *ctx, void **v, size_t *n, size_t *cap, size_t size);
/*
 * conf_vec_push() for arrays of objects whose first member is a struct
 * conf_where: the new object records where n is.
 */
void *conf_item_push(struct conf_ctx *ctx, const struct xml_node *n, void **v,
    size_t *nv, size_t *cap, size_t size);
const char *conf_strdup(struct conf_ctx *ctx, const char *s);
/* Record in w where n is (the file name kept in the configuration). */
int conf_where_at(
    struct conf_ctx *ctx, const struct xml_node *n, struct conf_where *w);
/* Append s (kept as given) to v, noting that n wrote it. */
int conf_strvec_push(struct conf_ctx *ctx, const struct xml_node *n,
    struct strvec *v, const char *s);

/* Generic setters and their dumpers. */
conf_set_fn conf_set_str, conf_set_path, conf_set_strvec, conf_set_bool,
    conf_set_uint, conf_set_duration, conf_set_cidrvec, conf_set_ignored,
    conf_set_sub;
conf_dump_fn conf_dump_str, conf_dump_strvec, conf_dump_bool, conf_dump_uint,
    conf_dump_duration, conf_dump_cidrvec;

/* XML-escaped text of s appended to out. */
void conf_put_escaped(struct buf *out, const char *s);
/* "<name>value</name>\n" at depth, value escaped. */
void conf_put_elem(
    struct buf *out, int depth, const char *name, const char *value);
void conf_put_indent(struct buf *out, int depth);

/* An empty configuration with the defaults, loaded from path. */
struct arx_conf *conf_new(const char *path);
/* The root section named name, or NULL; whether arx ignores name. */
const struct conf_section *conf_root_section(const char *name);
bool conf_section_ignored(const char *name);

/* The tables (conf_table.c). */
extern const struct conf_section conf_root_sections[];
extern const size_t conf_nroot_sections;
extern const char *const conf_ignored_sections[];
extern const size_t conf_nignored_sections;
/* Checks that need the whole configuration (references between sections). */
int conf_table_finish(struct conf_ctx *ctx);

#endif
