/*
 * Unit tests for config/xml: the tree, line numbers, several top-level
 * elements, and the hardening (DTD/entities refused, depth bounded,
 * malformed input reported with its line).
 */
#include "testutil.h"

#include "config/xml.h"
#include "core/err.h"

static struct xml_doc *
parse_ok(const char *text)
{
	struct xml_doc *doc;

	if (xml_read_mem("t.xml", text, strlen(text), &doc) != 0)
		fail_msg("rejected:\n%s", text);
	return doc;
}

static void
parse_bad(const char *text, const char *msg)
{
	struct log_capture c;
	struct xml_doc *doc = (struct xml_doc *)1;

	capture_start(&c);
	assert_true(xml_read_mem("t.xml", text, strlen(text), &doc) < 0);
	capture_stop();
	assert_null(doc);
	assert_captured(&c, msg);
}

static void
test_tree_and_lines(void **state)
{
	struct xml_doc *doc =
	    parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<!-- comment -->\n"
		     "<a x=\"1\" y='two'>\n"
		     "  <b>  text &amp; more  </b>\n"
		     "  <c/>\n"
		     "  <b><![CDATA[<raw>]]></b>\n"
		     "</a>\n"
		     "<a>second</a>\n");
	const struct xml_node *a = doc->root.child, *b, *c;

	(void)state;
	assert_string_equal(a->name, "a");
	assert_int_equal(a->line, 3);
	assert_string_equal(xml_attr_get(a, "x"), "1");
	assert_string_equal(xml_attr_get(a, "y"), "two");
	assert_null(xml_attr_get(a, "z"));
	b = a->child;
	assert_string_equal(b->text, "text & more");
	assert_int_equal(b->line, 4);
	c = b->next;
	assert_string_equal(c->name, "c");
	assert_string_equal(c->text, "");
	assert_int_equal(c->line, 5);
	assert_string_equal(c->next->text, "<raw>");
	assert_ptr_equal(c->parent, a);
	assert_string_equal(a->next->text, "second");
	assert_int_equal(a->next->line, 8);
	assert_string_equal(a->file, "t.xml");
	xml_doc_free(doc);
}

static void
test_bom_and_empty(void **state)
{
	struct xml_doc *doc = parse_ok("\xef\xbb\xbf<r/>");

	(void)state;
	assert_string_equal(doc->root.child->name, "r");
	xml_doc_free(doc);
	doc = parse_ok("  \n");
	assert_null(doc->root.child);
	xml_doc_free(doc);
}

static void
test_refuses_dtd_and_entities(void **state)
{
	(void)state;
	parse_bad("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
		  "<!ENTITY lol \"lol\">\n"
		  "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">]>\n"
		  "<r>&lol2;</r>\n",
	    "t.xml:2: DTDs and entity declarations are not allowed");
	parse_bad("<r><!ENTITY x \"y\"></r>", "not allowed");
}

/* As OSSEC's parser does: a bare '&' and a '<' that opens no tag are text. */
static void
test_lenient_text(void **state)
{
	struct xml_doc *doc =
	    parse_ok("<a>ip=(\\S+)&server=&amp;&#60;</a>\n"
		     "<b>^\\<\\d+>\\s*id=</b>\n"
		     "<c><![CDATA[&x <y]]><!-- & < --></c>\n");
	const struct xml_node *n = doc->root.child;

	(void)state;
	assert_string_equal(n->text, "ip=(\\S+)&server=&<");
	assert_string_equal(n->next->text, "^\\<\\d+>\\s*id=");
	assert_int_equal(n->next->line, 2);
	assert_string_equal(n->next->next->text, "&x <y");
	xml_doc_free(doc);
	doc = parse_ok("<r>\n&undefined;</r>");
	assert_string_equal(doc->root.child->text, "&undefined;");
	xml_doc_free(doc);
}

static void
test_malformed(void **state)
{
	(void)state;
	parse_bad("<a>\n<b>\n</a>", "t.xml:3: mismatched tag");
	parse_bad("<a>\n\n<b x=1/></a>", "t.xml:3:");
	parse_bad("<a>unclosed", "t.xml:1:");
	parse_bad("<a x='1' x='2'/>", "duplicate attribute");
	parse_bad("<a>\x01</a>", "not well-formed");
}

static void
test_depth_bound(void **state)
{
	char text[4096] = "";
	int i;

	(void)state;
	for (i = 0; i < XML_MAX_DEPTH; i++)
		strcat(text, "<d>");
	for (i = 0; i < XML_MAX_DEPTH; i++)
		strcat(text, "</d>");
	xml_doc_free(parse_ok(text));
	text[0] = '\0';
	for (i = 0; i < XML_MAX_DEPTH + 1; i++)
		strcat(text, "<d>");
	for (i = 0; i < XML_MAX_DEPTH + 1; i++)
		strcat(text, "</d>");
	parse_bad(text, "elements nested too deeply");
	/* Found by fuzz_conf: an empty element one level too deep (expat
	 * reports its end after the refused start) read past the per-depth
	 * arrays. */
	text[0] = '\0';
	for (i = 0; i < XML_MAX_DEPTH; i++)
		strcat(text, "<d>");
	strcat(text, "<e/><e/>");
	for (i = 0; i < XML_MAX_DEPTH; i++)
		strcat(text, "</d>");
	parse_bad(text, "elements nested too deeply");
}

static void
test_missing_file(void **state)
{
	struct log_capture c;
	struct xml_doc *doc;

	(void)state;
	capture_start(&c);
	assert_int_equal(
	    xml_read_file("/nonexistent/arx.conf", &doc), ARX_ERR_NOTFOUND);
	assert_int_equal(xml_read_file("/", &doc), ARX_ERR_TOOBIG);
	capture_stop();
	assert_captured(&c, "/nonexistent/arx.conf: cannot read");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_and_lines),
	    cmocka_unit_test(test_bom_and_empty),
	    cmocka_unit_test(test_refuses_dtd_and_entities),
	    cmocka_unit_test(test_lenient_text),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_depth_bound),
	    cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
