/*
 * Implementation of xml.h with expat. The file is wrapped in a synthetic
 * element (on the same line, so line numbers stay true) to allow several
 * top-level elements; an XML declaration and a byte-order mark are blanked
 * out first, and any DTD is refused before expat sees it.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <expat.h>

#include "config/xml.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"

#define XML_WRAP_OPEN  "<arx-document>"
#define XML_WRAP_CLOSE "</arx-document>"
#define XML_MAX_TEXT   (1u << 20)

struct xml_parse {
	XML_Parser p;
	struct xml_doc *doc;
	struct xml_node *cur;
	struct xml_node *last_child[XML_MAX_DEPTH + 2];
	struct buf text[XML_MAX_DEPTH + 2];
	unsigned depth; /* 0 = wrapper */
	size_t nnodes;
	int err;
	char msg[200];
	/* line numbers: line ends counted in the text up to a byte index
	 * (expat's own count walks every byte again through its tokenizer) */
	const char *text_start; /* the document after the wrapper's opening */
	size_t text_len, counted_to;
	unsigned long line;
	bool has_cr; /* the text holds a CR (else only LF ends lines) */
};

/* The line of the element starting now, 1-based, in the document. */
static unsigned
xml_line(struct xml_parse *x)
{
	XML_Index at = XML_GetCurrentByteIndex(x->p);
	const char *t = x->text_start, *nl;
	size_t to, i;

	if (at < (XML_Index)(sizeof(XML_WRAP_OPEN) - 1) ||
	    x->text_start == NULL)
		return (unsigned)x->line;
	to = (size_t)at - (sizeof(XML_WRAP_OPEN) - 1);
	if (to > x->text_len)
		to = x->text_len;
	/* as expat: LF, CR LF and a lone CR each end a line */
	for (i = x->counted_to; i < to && x->has_cr; i++)
		x->line += t[i] == '\n' ||
		    (t[i] == '\r' &&
			(i + 1 == x->text_len || t[i + 1] != '\n'));
	for (i = x->counted_to; i < to && !x->has_cr;
	     i = (size_t)(nl - t) + 1) {
		if ((nl = memchr(t + i, '\n', to - i)) == NULL)
			break;
		x->line++;
	}
	if (to > x->counted_to)
		x->counted_to = to;
	return (unsigned)x->line;
}

static void
xml_fail(struct xml_parse *x, int err, const char *msg)
{
	if (x->err == 0) {
		x->err = err;
		str_lcpy(x->msg, msg, sizeof(x->msg));
	}
	XML_StopParser(x->p, XML_FALSE);
}

static const struct xml_attr *
xml_copy_attrs(struct xml_parse *x, const XML_Char **atts, size_t *nattrs)
{
	struct xml_attr *a;
	size_t n = 0, i;

	while (atts[2 * n] != NULL)
		n++;
	*nattrs = n;
	if (n == 0)
		return NULL;
	if (n > XML_MAX_ATTRS) {
		xml_fail(x, ARX_ERR_TOOBIG, "too many attributes");
		return NULL;
	}
	if ((a = arena_alloc(&x->doc->arena, n * sizeof(*a))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		a[i].name = arena_strdup(&x->doc->arena, atts[2 * i]);
		a[i].value = arena_strdup(&x->doc->arena, atts[2 * i + 1]);
		if (a[i].name == NULL || a[i].value == NULL)
			return NULL;
	}
	return a;
}

static void XMLCALL
xml_on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_parse *x = ud;
	struct xml_node *n;

	if (x->err != 0) /* expat may call on after XML_StopParser */
		return;
	if (x->depth++ == 0 && x->cur == NULL) {
		x->cur = &x->doc->root;
		return;
	}
	if (x->depth > XML_MAX_DEPTH + 1)
		return xml_fail(
		    x, ARX_ERR_TOOBIG, "elements nested too deeply");
	if (++x->nnodes > XML_MAX_NODES)
		return xml_fail(x, ARX_ERR_TOOBIG, "too many elements");
	n = arena_zalloc(&x->doc->arena, sizeof(*n));
	if (n == NULL || (n->name = arena_strdup(&x->doc->arena, name)) == NULL)
		return xml_fail(x, ARX_ERR_NOMEM, "out of memory");
	n->attrs = xml_copy_attrs(x, atts, &n->nattrs);
	if (n->nattrs > 0 && n->attrs == NULL)
		return xml_fail(x, ARX_ERR_NOMEM, "out of memory");
	n->file = x->doc->file;
	n->line = xml_line(x);
	n->parent = x->cur;
	if (x->last_child[x->depth - 1] != NULL)
		x->last_child[x->depth - 1]->next = n;
	else
		x->cur->child = n;
	x->last_child[x->depth - 1] = n;
	x->last_child[x->depth] = NULL;
	buf_reset(&x->text[x->depth]);
	x->cur = n;
}

static void XMLCALL
xml_on_end(void *ud, const XML_Char *name)
{
	struct xml_parse *x = ud;
	struct span t;

	(void)name;
	/* After a failure (a start refused for depth, say) expat still
	 * reports the end of an empty element: x->depth may then be past
	 * the arrays, and nothing after the failure is kept anyway. */
	if (x->err != 0)
		return;
	t = str_trim(buf_cstr(&x->text[x->depth]));
	x->cur->text = arena_strndup(&x->doc->arena, t.p, t.len);
	x->cur->raw = arena_strndup(&x->doc->arena,
	    buf_cstr(&x->text[x->depth]), x->text[x->depth].len);
	if (x->cur->text == NULL || x->cur->raw == NULL)
		return xml_fail(x, ARX_ERR_NOMEM, "out of memory");
	buf_reset(&x->text[x->depth]);
	x->cur = x->cur->parent;
	x->depth--;
}

static void XMLCALL
xml_on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_parse *x = ud;

	if (x->err != 0)
		return;
	if (buf_append(&x->text[x->depth], s, (size_t)len) != 0)
		xml_fail(x, ARX_ERR_TOOBIG, "element text too long");
}

static void XMLCALL
xml_on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	xml_fail(ud, ARX_ERR_INVAL, "DTDs are not allowed");
}

static void XMLCALL
xml_on_entity(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	xml_fail(ud, ARX_ERR_INVAL, "entity declarations are not allowed");
}

/*
 * Blank out a byte-order mark and an XML declaration at the start (keeping
 * newlines, so lines do not move). Returns the line of a DTD, or 0.
 */
static unsigned
xml_prepare(char *t, size_t len)
{
	char *p = t, *end, *dtd;
	unsigned line = 1;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		memset(p, ' ', 3), p += 3;
	while (p < t + len &&
	    (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if ((size_t)(t + len - p) > 5 && memcmp(p, "<?xml", 5) == 0 &&
	    (end = strstr(p, "?>")) != NULL)
		for (; p < end + 2; p++)
			if (*p != '\n')
				*p = ' ';
	if ((dtd = strstr(t, "<!DOCTYPE")) == NULL &&
	    (dtd = strstr(t, "<!ENTITY")) == NULL)
		return 0;
	for (p = t; p < dtd; p++)
		line += *p == '\n';
	return line;
}

/* Length of an entity reference at s ("&amp;", "&#60;" ...), or 0. */
static size_t
xml_entity_len(const char *s, size_t avail)
{
	static const char *const named[] = {
	    "amp;", "lt;", "gt;", "quot;", "apos;"};
	size_t i = 1;

	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
		if (avail > strlen(named[k]) &&
		    strncmp(s + 1, named[k], strlen(named[k])) == 0)
			return strlen(named[k]) + 1;
	if (avail < 4 || s[1] != '#')
		return 0;
	i = s[2] == 'x' ? 3 : 2;
	while (i < avail && i < 12 && isxdigit((unsigned char)s[i]))
		i++;
	return i < avail && s[i] == ';' && i > 2 ? i + 1 : 0;
}

/*
 * Bytes of a comment, CDATA section or processing instruction at s, or 0.
 * *is_comment tells which.
 */
static size_t
xml_special_len(const char *s, size_t avail, bool *is_comment)
{
	static const struct {
		const char *open, *close;
	} spans[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
	const char *end;
	size_t k;

	for (k = 0; k < sizeof(spans) / sizeof(spans[0]); k++) {
		if (strncmp(s, spans[k].open, strlen(spans[k].open)) != 0)
			continue;
		*is_comment = k == 0;
		end = strstr(s + strlen(spans[k].open), spans[k].close);
		return end ? (size_t)(end - s) + strlen(spans[k].close) : avail;
	}
	return 0;
}

/* Comments become blanks (OSSEC accepts "--" inside them; XML does not). */
static int
xml_put_special(struct buf *out, const char *s, size_t n, bool is_comment)
{
	size_t i;
	int r = 0;

	if (!is_comment)
		return buf_append(out, s, n);
	for (i = 0; i < n && r == 0; i++)
		r = buf_putc(out, s[i] == '\n' ? '\n' : ' ');
	return r;
}

/* An odd number of backslashes before t[i] escapes it. */
static bool
xml_escaped(const char *t, size_t i)
{
	size_t n = 0;

	while (i > n && t[i - n - 1] == '\\')
		n++;
	return n % 2 == 1;
}

/*
 * OSSEC's own XML parser accepts a bare '&' and a '<' that starts no tag
 * (as in the pattern "\<\d+>"); rule and decoder files rely on it. Such
 * characters are escaped here, so expat reads what OSSEC reads; valid XML
 * is unchanged, and lines do not move.
 */
static int
xml_fix_text(const char *t, size_t len, struct buf *out)
{
	size_t i = 0, n;
	bool comment;
	int r = 0;

	while (i < len && r == 0) {
		if (t[i] == '<' &&
		    (n = xml_special_len(t + i, len - i, &comment)) > 0) {
			r = xml_put_special(out, t + i, n, comment);
			i += n;
		} else if (t[i] == '<' && i + 1 < len &&
		    (xml_escaped(t, i) ||
			(!isalpha((unsigned char)t[i + 1]) &&
			    strchr("_:/!?", t[i + 1]) == NULL))) {
			r = buf_puts(out, "&lt;");
			i++;
		} else if (t[i] == '&' && xml_entity_len(t + i, len - i) == 0) {
			r = buf_puts(out, "&amp;");
			i++;
		} else { /* a run up to the next markup or entity */
			n = i + 1;
			while (n < len && t[n] != '<' && t[n] != '&')
				n++;
			r = buf_append(out, t + i, n - i);
			i = n;
		}
	}
	return r;
}

static int
xml_parse_run(struct xml_parse *x, char *text, size_t len)
{
	unsigned dtd_line = xml_prepare(text, len);
	struct buf fixed;
	int r = 0;

	if (dtd_line != 0) {
		log_error("%s:%u: DTDs and entity declarations are not allowed",
		    x->doc->file, dtd_line);
		return ARX_ERR_INVAL;
	}
	buf_init(&fixed, 2 * (size_t)XML_MAX_FILE_SIZE);
	if (xml_fix_text(text, len, &fixed) != 0) {
		log_error("%s: out of memory", x->doc->file);
		r = ARX_ERR_NOMEM;
		goto out;
	}
	x->text_start = buf_cstr(&fixed);
	x->text_len = fixed.len;
	x->counted_to = 0;
	x->line = 1;
	x->has_cr = memchr(x->text_start, '\r', x->text_len) != NULL;
	if (XML_Parse(x->p, XML_WRAP_OPEN, sizeof(XML_WRAP_OPEN) - 1, 0) ==
		XML_STATUS_OK &&
	    XML_Parse(x->p, buf_cstr(&fixed), (int)fixed.len, 0) ==
		XML_STATUS_OK &&
	    XML_Parse(x->p, XML_WRAP_CLOSE, sizeof(XML_WRAP_CLOSE) - 1, 1) ==
		XML_STATUS_OK)
		goto out;
	if (x->err == 0) {
		x->err = ARX_ERR_INVAL;
		str_lcpy(x->msg, XML_ErrorString(XML_GetErrorCode(x->p)),
		    sizeof(x->msg));
	}
	log_error("%s:%lu: %s", x->doc->file,
	    (unsigned long)XML_GetCurrentLineNumber(x->p), x->msg);
	r = x->err;
out:
	buf_release(&fixed);
	return r;
}

static void
xml_parse_setup(struct xml_parse *x, struct xml_doc *doc, XML_Parser p)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->doc = doc;
	x->p = p;
	for (i = 0; i < XML_MAX_DEPTH + 2; i++)
		buf_init(&x->text[i], XML_MAX_TEXT);
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, xml_on_start, xml_on_end);
	XML_SetCharacterDataHandler(x->p, xml_on_text);
	XML_SetStartDoctypeDeclHandler(x->p, xml_on_doctype);
	XML_SetEntityDeclHandler(x->p, xml_on_entity);
}

int
xml_read_mem(
    const char *name, const char *text, size_t len, struct xml_doc **out)
{
	struct xml_parse x;
	struct xml_doc *doc;
	XML_Parser parser;
	char *copy = NULL;
	int r = ARX_ERR_NOMEM;
	size_t i;

	*out = NULL;
	if (len > XML_MAX_FILE_SIZE) {
		log_error(
		    "%s: file larger than %u bytes", name, XML_MAX_FILE_SIZE);
		return ARX_ERR_TOOBIG;
	}
	if ((doc = calloc(1, sizeof(*doc))) == NULL)
		return ARX_ERR_NOMEM;
	arena_init(&doc->arena, 64 * 1024, 0);
	doc->root.text = doc->root.raw = "";
	doc->root.name = "";
	if ((doc->file = arena_strdup(&doc->arena, name)) == NULL ||
	    (copy = malloc(len + 1)) == NULL)
		goto out;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if ((parser = XML_ParserCreate("UTF-8")) == NULL)
		goto out;
	xml_parse_setup(&x, doc, parser);
	r = xml_parse_run(&x, copy, len);
	XML_ParserFree(x.p);
	for (i = 0; i < XML_MAX_DEPTH + 2; i++)
		buf_release(&x.text[i]);
out:
	free(copy);
	if (r != 0) {
		xml_doc_free(doc);
		return r;
	}
	*out = doc;
	return 0;
}

static int
xml_slurp(const char *path, char **text, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r = ARX_ERR_SYS;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? ARX_ERR_NOTFOUND : ARX_ERR_SYS;
	if (fstat(fd, &st) == -1)
		goto out;
	r = ARX_ERR_TOOBIG;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > XML_MAX_FILE_SIZE)
		goto out;
	r = ARX_ERR_NOMEM;
	if ((*text = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (got < (size_t)st.st_size &&
	    (n = read(fd, *text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	*len = got;
	r = 0;
out:
	close(fd);
	return r;
}

int
xml_read_file(const char *path, struct xml_doc **out)
{
	char *text;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = xml_slurp(path, &text, &len)) != 0) {
		log_error("%s: cannot read: %s", path,
		    r == ARX_ERR_SYS || r == ARX_ERR_NOTFOUND
			? strerror(errno)
			: "not a regular file of at most 16 MiB");
		free(text);
		return r;
	}
	r = xml_read_mem(path, text, len, out);
	free(text);
	return r;
}

void
xml_doc_free(struct xml_doc *doc)
{
	if (doc == NULL)
		return;
	arena_release(&doc->arena);
	free(doc);
}

const char *
xml_attr_get(const struct xml_node *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return n->attrs[i].value;
	return NULL;
}
