/*
 * Unit tests for engine/decoder: loading (variables, chains, offsets,
 * plugins, every load error with file:line) and decoding (program-name
 * and prematch lists, first match wins, child selection, sibling chains,
 * after_parent / after_prematch / after_regex, JSON_Decoder).
 */
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "engine/decoder.h"
#include "engine/predecode.h"
#include "engine/ruleset.h"

static char tmpl[] = "/tmp/arx-dec-XXXXXX";

/* Write text to a fresh file; returns its path (static buffer). */
static const char *
write_tmp(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, tmpl);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static struct decoder_set *
load_ok(const char *xml)
{
	struct decoder_set *set = decoder_set_new();
	const char *path = write_tmp(xml);
	struct log_capture c;
	int r;

	capture_start(&c);
	r = decoder_load_file(set, path);
	capture_stop();
	unlink(path);
	if (r != 0)
		fail_msg("load failed:\n%s", c.text);
	return set;
}

static const char good_xml[] =
    "<var name=\"PORT\">port (\\d+)</var>\n"
    "<decoder name=\"sshd\">\n"
    "  <program_name>^sshd</program_name>\n"
    "</decoder>\n"
    "<decoder name=\"sshd-invalid\">\n"
    "  <parent>sshd</parent>\n"
    "  <prematch>^Invalid user </prematch>\n"
    "  <regex offset=\"after_prematch\">^(\\S+) from (\\S+)</regex>\n"
    "  <order>srcuser, srcip</order>\n"
    "</decoder>\n"
    "<decoder name=\"sshd-invalid\">\n"
    "  <parent>sshd</parent>\n"
    "  <regex offset=\"after_regex\">$PORT</regex>\n"
    "  <order>srcport</order>\n"
    "</decoder>\n"
    "<decoder name=\"sshd-own\">\n"
    "  <parent>sshd</parent>\n"
    "  <use_own_name>true</use_own_name>\n"
    "  <prematch offset=\"after_parent\">^Accepted </prematch>\n"
    "  <regex offset=\"after_prematch\" type=\"pcre2\">for (\\S+) from "
    "(\\S+)</regex>\n"
    "  <order>user, srcip</order>\n"
    "</decoder>\n"
    "<decoder name=\"sshd-any\">\n"
    "  <parent>sshd</parent>\n"
    "  <regex>^(\\w+)</regex>\n"
    "  <order>first_word</order>\n"
    "</decoder>\n"
    "<decoder name=\"json\">\n"
    "  <prematch>^{\\s*\"</prematch>\n"
    "  <plugin_decoder>JSON_Decoder</plugin_decoder>\n"
    "</decoder>\n"
    "<decoder name=\"kv\">\n"
    "  <prematch>^kv: </prematch>\n"
    "  <regex offset=\"after_prematch\">a=(\\w+) b=(\\w+)</regex>\n"
    "  <order>a, b</order>\n"
    "</decoder>\n";

static void
decode(const struct decoder_set *set, struct event *ev, const char *line)
{
	struct pattern_scratch sc = {0};

	assert_int_equal(event_set_line(ev, line, strlen(line), "t"), 0);
	assert_int_equal(predecode(ev), 0);
	(void)decoder_decode(set, ev, &sc);
	pattern_scratch_release(&sc);
}

static void
assert_field(const struct event *ev, const char *name, const char *want)
{
	struct span v = event_get(ev, name);

	if (want == NULL && v.p == NULL)
		return;
	if (want == NULL || v.p == NULL || v.len != strlen(want) ||
	    memcmp(v.p, want, v.len) != 0)
		fail_msg("%s = '%.*s', want '%s'", name, v.p ? (int)v.len : 4,
		    v.p ? v.p : "none", want ? want : "none");
}

static void
test_decode_chain_and_offsets(void **state)
{
	struct decoder_set *set = load_ok(good_xml);
	struct event ev;

	(void)state;
	event_init(&ev);
	assert_int_equal(set->npn, 1);
	assert_int_equal(set->nnopn, 2);
	assert_int_equal(set->pn[0]->nchildren, 4);
	decode(set, &ev,
	    "Dec  1 10:00:00 h sshd[1]: Invalid user bob from 192.0.2.6 port 22");
	assert_string_equal(ev.decoder->report_name, "sshd");
	assert_field(&ev, "srcuser", "bob");
	assert_field(&ev, "srcip", "192.0.2.6");
	assert_field(&ev, "srcport", "22");
	/* a chain whose later element fails keeps what was set */
	decode(set, &ev, "Dec  1 10:00:00 h sshd[1]: Invalid user bob from x");
	assert_field(&ev, "srcip", "x");
	assert_field(&ev, "srcport", NULL);
	/* use_own_name; "user" is dstuser */
	decode(set, &ev,
	    "Dec  1 10:00:00 h sshd[1]: Accepted key for al from 192.0.2.7 x");
	assert_string_equal(ev.decoder->report_name, "sshd-own");
	assert_field(&ev, "dstuser", "al");
	assert_field(&ev, "srcip", "192.0.2.7");
	/* a child without prematch takes the rest */
	decode(set, &ev, "Dec  1 10:00:00 h sshd[1]: Something else");
	assert_field(&ev, "first_word", "Something");
	/* events without a program name only see the other list */
	decode(set, &ev, "kv: a=1 b=two");
	assert_string_equal(ev.decoder->report_name, "kv");
	assert_field(&ev, "a", "1");
	assert_field(&ev, "b", "two");
	decode(set, &ev, "sshd[1]: Invalid user bob from 192.0.2.6");
	assert_null(ev.decoder);
	/* no program name decoder for this program */
	decode(set, &ev, "Dec  1 10:00:00 h cron[1]: kv: a=1 b=2");
	assert_null(ev.decoder);
	event_release(&ev);
	decoder_set_free(set);
}

static void
test_decode_json(void **state)
{
	struct decoder_set *set = load_ok(good_xml);
	struct event ev;

	(void)state;
	event_init(&ev);
	decode(set, &ev,
	    "{\"srcip\":\"192.0.2.6\",\"user\":\"bob\",\"win\":{\"event\":"
	    "{\"id\":4625,\"ok\":true,\"none\":null}},\"list\":[1,\"a\"],"
	    "\"esc\":\"a\\\"b\\u00e9\"}");
	assert_string_equal(ev.decoder->report_name, "json");
	assert_field(&ev, "srcip", "192.0.2.6");
	assert_field(&ev, "dstuser", "bob");
	assert_field(&ev, "win.event.id", "4625");
	assert_field(&ev, "win.event.ok", "true");
	assert_field(&ev, "win.event.none", "null");
	assert_field(&ev, "list", "[1, \"a\"]");
	assert_field(&ev, "esc", "a\"b\xc3\xa9");
	/* broken JSON: decoded as json, fields kept up to the error */
	decode(set, &ev, "{\"a\":\"1\",\"b\":");
	assert_string_equal(ev.decoder->report_name, "json");
	assert_field(&ev, "a", "1");
	event_release(&ev);
	decoder_set_free(set);
}

struct bad_case {
	const char *xml;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"<decoder>\n<prematch>x</prematch></decoder>",
	":1: decoder '?': <decoder> needs a name attribute"},
    {"<decoder name=\"a\">\n<regex>x</regex></decoder>",
	":1: decoder 'a': a top-level decoder needs <prematch> or "
	"<program_name>"},
    {"<decoder name=\"a\"><prematch>x</prematch>\n<regex>(x)</regex>"
     "</decoder>",
	":1: decoder 'a': <regex> and <order>"},
    {"<decoder name=\"a\"><prematch>x</prematch>\n<prematc>y</prematc>"
     "</decoder>",
	":2: did you mean <prematch>?"},
    {"<decoder name=\"a\">\n<prematch>\\n</prematch></decoder>",
	":1: decoder 'a': invalid pattern: invalid escape '\\\\n'"},
    {"<decoder name=\"a\">\n<prematch type=\"pcre2\">(</prematch>"
     "</decoder>",
	"decoder 'a': invalid pattern: missing closing"},
    {"<decoder name=\"a\">\n<prematch>$NOPE x</prematch></decoder>",
	":2: decoder 'a': undefined variable: $NOPE x"},
    {"<decoder name=\"c\"><parent>nobody</parent>\n<prematch>x"
     "</prematch></decoder>",
	"decoder 'c': no decoder named: nobody"},
    {"<decoder name=\"p\"><prematch>x</prematch></decoder>\n"
     "<decoder name=\"c\"><parent>p</parent>\n<regex offset=\"after_regex\">"
     "(x)</regex><order>a</order></decoder>",
	":2: decoder 'c': offset after_regex needs an earlier decoder"},
    {"<decoder name=\"a\">\n<prematch offset=\"after_parent\">x</prematch>"
     "</decoder>",
	"a <prematch> may only have offset after_parent, with "
	"a <parent>"},
    {"<decoder name=\"a\">\n<prematch offset=\"after_nothing\">x"
     "</prematch></decoder>",
	":2: decoder 'a': bad attribute: offset"},
    {"<decoder name=\"a\"><prematch>x</prematch>\n<plugin_decoder>Nope"
     "</plugin_decoder></decoder>",
	":2: decoder 'a': unknown "
	"plugin_decoder: Nope"},
    {"<decoder name=\"a\"><prematch>x</prematch>\n<type>sysl</type>"
     "</decoder>",
	":2: decoder 'a': unknown type: sysl"},
    {"<rule id=\"1\"/>", ":1: unknown element <rule>; expected <decoder>"},
    {"<decoder name=\"a\"><prematch>x</prematch></decoder>\n<decoder",
	":2: not well-formed"},
};

static void
test_load_errors(void **state)
{
	struct log_capture c;
	struct decoder_set *set;
	const char *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		set = decoder_set_new();
		path = write_tmp(bad_cases[i].xml);
		capture_start(&c);
		if (decoder_load_file(set, path) == 0)
			fail_msg("case %zu loaded", i);
		capture_stop();
		unlink(path);
		if (strstr(c.text, bad_cases[i].msg) == NULL ||
		    strstr(c.text, path) == NULL)
			fail_msg("case %zu: want \"%s\", got:\n%s", i,
			    bad_cases[i].msg, c.text);
		decoder_set_free(set);
	}
}

static void
test_load_dir_order_and_exclude(void **state)
{
	char dir[] = "/tmp/arx-decdir-XXXXXX", path[128];
	static const char *const names[] = {
	    "20-b.xml", "10-a.xml", "30-c.txt", "15-x.xml"};
	const char *exclude[] = {"15-x.xml"}, *dirs[] = {dir};
	struct conf_ruleset rc;
	struct ruleset *rs = NULL;
	FILE *f;
	size_t i;

	(void)state;
	memset(&rc, 0, sizeof(rc));
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "w");
		fprintf(f,
		    "<decoder name=\"%c\"><prematch>%c</prematch>"
		    "</decoder>\n",
		    names[i][3], names[i][3]);
		fclose(f);
	}
	rc.decoder_dirs.v = dirs;
	rc.decoder_dirs.n = 1;
	rc.decoder_exclude.v = exclude;
	rc.decoder_exclude.n = 1;
	assert_int_equal(ruleset_load_conf(&rc, &rs), 0);
	assert_int_equal(rs->decoders->nnopn, 2);
	assert_string_equal(rs->decoders->nopn[0]->name, "a");
	assert_string_equal(rs->decoders->nopn[1]->name, "b");
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	ruleset_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_chain_and_offsets),
	    cmocka_unit_test(test_decode_json),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_load_dir_order_and_exclude),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
