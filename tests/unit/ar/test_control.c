/*
 * The control protocol: request parsing (verbs, arguments, refusals)
 * and the answers of a dispatcher in dry-run mode (no programs), text
 * and JSON.
 */
#include <stdlib.h>

#include "testutil.h"

#include "ar/control.h"
#include "core/clock.h"
#include "core/err.h"

static void
parse_ok(const char *line, enum ctl_verb verb, const char *addr,
    uint64_t timeout, const char *command, bool json)
{
	struct ctl_request r;
	const char *why;

	assert_int_equal(ctl_parse(line, strlen(line), &r, &why), 0);
	assert_int_equal(r.verb, verb);
	assert_string_equal(r.addr, addr);
	assert_int_equal(r.timeout_s, timeout);
	assert_string_equal(r.command, command);
	assert_int_equal(r.json, json);
}

static void
parse_bad(const char *line, const char *want)
{
	struct ctl_request r;
	const char *why;

	assert_int_equal(
	    ctl_parse(line, strlen(line), &r, &why), ARX_ERR_INVAL);
	assert_string_equal(why, want);
}

static void
test_parse(void **state)
{
	(void)state;
	parse_ok("status", CTL_STATUS, "", 0, "", false);
	parse_ok("json list", CTL_LIST, "", 0, "", true);
	parse_ok("block 192.0.2.6", CTL_BLOCK, "192.0.2.6", 0, "", false);
	parse_ok("block ::ffff:192.0.2.6 1h firewall-drop", CTL_BLOCK,
	    "192.0.2.6", 3600, "firewall-drop", false);
	parse_ok("json block 2001:DB8::6 - fw", CTL_BLOCK, "2001:db8::6", 0,
	    "fw", true);
	parse_ok("unblock 192.0.2.6  route-null", CTL_UNBLOCK, "192.0.2.6", 0,
	    "route-null", false);
	parse_bad("", "empty request");
	parse_bad("json", "empty request");
	parse_bad("flush", "unknown request (status, list, block, unblock)");
	parse_bad("status now", "wrong number of arguments");
	parse_bad("block", "wrong number of arguments");
	parse_bad("block 192.0.2.300",
	    "not an IPv4 or IPv6 address, nor a network ADDR/LEN");
	parse_ok("block 198.51.100.0/24 1h fw", CTL_BLOCK, "198.51.100.0/24",
	    3600, "fw", false);
	parse_ok("unblock 2001:DB8::/32", CTL_UNBLOCK, "2001:db8::/32", 0, "",
	    false);
	parse_ok("block 192.0.2.6/32", CTL_BLOCK, "192.0.2.6", 0, "", false);
	parse_bad("block 198.51.100.7/24",
	    "the network has host bits set (10.0.0.0/8, not 10.1.2.3/8)");
	parse_bad("block 198.51.100.0/33",
	    "not an IPv4 or IPv6 address, nor a network ADDR/LEN");
	parse_bad("block 192.0.2.6 0",
	    "the duration must be a positive number "
	    "of seconds, or a number with s, m, "
	    "h, d or w");
	parse_bad("block 192.0.2.6 10 a;b", "not a command name");
	parse_bad("unblock 192.0.2.6 a b", "wrong number of arguments");
	parse_bad("a b c d e f g", "too many words");
}

static void
test_answers(void **state)
{
	static const char text[] =
	    "<arx_config><command><name>fw</name><executable>fw</executable>"
	    "<timeout_allowed>yes</timeout_allowed></command>"
	    "<command><name>nf</name><executable>builtin:nftables"
	    "</executable><timeout_allowed>yes</timeout_allowed></command>"
	    "<active-response><command>fw</command><location>local"
	    "</location><rules_id>1</rules_id><timeout>10m</timeout>"
	    "</active-response><global><white_list>192.0.2.1</white_list>"
	    "</global></arx_config>";
	struct fake_clock fc;
	struct arx_conf *conf;
	struct evloop *loop;
	struct ar_dispatch *d;
	struct ar_dispatch_opts o = {.dry_run = true};
	struct ctl_info info = {
	    .version = "9.9", .node = "node1", .max_blocks = 100};
	struct buf out;
	int64_t now;

	(void)state;
	fake_clock_init(&fc, 1795349005000);
	now = clock_wall_ms(&fc.base);
	info.started_ms = now - 3725000;
	assert_int_equal(conf_load_mem("c.conf", text, strlen(text), &conf), 0);
	assert_non_null(loop = evloop_new(&fc.base));
	o.conf = conf, o.loop = loop, o.clock = &fc.base;
	assert_int_equal(ar_dispatch_new(&o, &d), 0);
	buf_init(&out, 1 << 20);
#define ASK(line)                                                          \
	(buf_reset(&out),                                                  \
	    assert_int_equal(ctl_handle_line(d, &info, line, strlen(line), \
				 now, NULL, &out),                         \
		0),                                                        \
	    buf_cstr(&out))
	assert_non_null(strstr(ASK("list"), "\n0 blocks\n"));
	assert_string_equal(ASK("json list"),
	    "{\"ok\":true,\"now\":\"2026-11-22T12:03:25Z\",\"blocks\":[]}\n");
	assert_string_equal(ASK("block 192.0.2.6"), "blocked 192.0.2.6\n");
	assert_string_equal(ASK("json block 192.0.2.7 1h fw"),
	    "{\"ok\":true,\"address\":\"192.0.2.7\"}\n");
	assert_string_equal(
	    ASK("block 192.0.2.1"), "error: the address is white-listed\n");
	assert_string_equal(ASK("json block 192.0.2.8 - nope"),
	    "{\"ok\":false,\"error\":\"no such command\"}\n");
	assert_string_equal(ASK("json list"),
	    "{\"ok\":true,\"now\":\"2026-11-22T12:03:25Z\",\"blocks\":["
	    "{\"address\":\"192.0.2.6\",\"command\":\"fw\",\"added\":"
	    "\"2026-11-22T12:03:25Z\",\"expires\":\"2026-11-22T12:13:25Z\","
	    "\"remaining_s\":600,\"offences\":0,\"in_kernel\":null,"
	    "\"state\":\"pending\",\"rules\":[]},"
	    "{\"address\":\"192.0.2.7\",\"command\":\"fw\",\"added\":"
	    "\"2026-11-22T12:03:25Z\",\"expires\":\"2026-11-22T13:03:25Z\","
	    "\"remaining_s\":3600,\"offences\":0,\"in_kernel\":null,"
	    "\"state\":\"pending\",\"rules\":[]}]}\n");
	assert_non_null(strstr(ASK("list"),
	    "192.0.2.7                               fw               1h    "
	    "            0  2026-11-22T13:03:25Z pending -\n2 blocks (2 pending: "
	    "not yet confirmed by their backend)\n"));
	/* Filters: by command, by rule (manual blocks have none). */
	assert_non_null(strstr(ASK("list command=fw"), "\n2 blocks ("));
	assert_non_null(strstr(ASK("list command=other"), "\n0 blocks\n"));
	assert_non_null(strstr(ASK("list rule=5712"), "\n0 blocks\n"));
	assert_string_equal(ASK("list everything"),
	    "error: list takes command=NAME and rule=ID\n");
	/* A manual block counts as an offence only when asked. */
	assert_string_equal(
	    ASK("block 192.0.2.9 - fw +offence"), "blocked 192.0.2.9\n");
	assert_non_null(strstr(ASK("list"),
	    "192.0.2.9                               fw               10m   "
	    "            1  2026-11-22T12:13:25Z pending -\n"));
	assert_string_equal(
	    ASK("unblock 192.0.2.9"), "unblocked 192.0.2.9 (1 block lifted)\n");
	assert_non_null(strstr(ASK("status"),
	    "arx 9.9 on node1, up 1h 2m\n"
	    "blocks:    2 active (at most "
	    "100)"));
	assert_non_null(strstr(ASK("json status"),
	    "\"uptime_s\":3725,"
	    "\"blocks\":{\"active\":2,"));
	assert_string_equal(
	    ASK("unblock 192.0.2.6"), "unblocked 192.0.2.6 (1 block lifted)\n");
	assert_string_equal(ASK("unblock 192.0.2.6"), "error: no such block\n");
	/* Networks: where the command can hold them, never over the white
	 * list or a special range, never overlapping one of nftables'. */
	assert_string_equal(ASK("block 198.51.100.0/24"),
	    "error: this command blocks single addresses only (networks: "
	    "builtin:nftables, firewall-drop on nftables or iptables, "
	    "route-null)\n");
	assert_string_equal(
	    ASK("block 198.51.100.0/24 1h nf"), "blocked 198.51.100.0/24\n");
	assert_string_equal(
	    ASK("block 198.51.100.0/24 2h nf"), "blocked 198.51.100.0/24\n");
	assert_string_equal(
	    ASK("block 198.51.100.7 1h nf"), "blocked 198.51.100.7\n");
	assert_string_equal(ASK("block 198.51.0.0/16 1h nf"),
	    "error: the network overlaps 198.51.100.0/24, which nf blocks in "
	    "the same nftables set (lift it first)\n");
	assert_string_equal(ASK("block 192.0.2.0/24 1h nf"),
	    "error: the network holds white-listed addresses\n");
	assert_string_equal(ASK("block 64.0.0.0/2 1h nf"),
	    "error: the network holds loopback addresses\n");
	assert_non_null(strstr(ASK("list command=nf"),
	    "198.51.100.0/24                         nf               2h    "));
	assert_string_equal(ASK("unblock 198.51.100.0/24"),
	    "unblocked 198.51.100.0/24 (1 block lifted)\n");
	assert_string_equal(ASK("unblock 198.51.100.7"),
	    "unblocked 198.51.100.7 (1 block lifted)\n");
	/* Every block at once; then none is left. */
	assert_string_equal(ASK("block 192.0.2.10"), "blocked 192.0.2.10\n");
	assert_string_equal(ASK("unblock all nope"),
	    "error: no such block (or no such command)\n");
	assert_string_equal(
	    ASK("unblock all"), "unblocked all (2 blocks lifted)\n");
	assert_non_null(strstr(ASK("list"), "\n0 blocks\n"));
	assert_string_equal(ASK("json unblock all fw"),
	    "{\"ok\":true,\"address\":\"*\",\"lifted\":0}\n");
	assert_string_equal(ASK("bogus"),
	    "error: unknown request (status, list, block, unblock)\n");
	buf_release(&out);
	ar_dispatch_free(d);
	evloop_free(loop);
	conf_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
