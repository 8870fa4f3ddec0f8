/*
 * Unit tests for the kernel view (kview.c, with the listing readers of
 * fw/nft.c and fw/ipt.c): the backend of each kind of command, real
 * listings of nft, iptables, ip6tables and ipset read into addresses
 * and set-up, and the verdict per block: held, missing (element gone,
 * or the table, set, chain, rule or jump that would drop it gone), or
 * not known (a listing not taken or failed, a backend arx cannot look
 * at), and which blocks a look may judge at all.
 */
#include <stdlib.h>

#include "testutil.h"

#include "ar/kview.h"

static struct arx_addr
ip(const char *s)
{
	struct arx_addr a;

	assert_int_equal(addr_parse_net_str(s, &a), 0);
	return a;
}

/* ar_kview_whole for the set addr (an address or a network) is in. */
static bool
whole(const struct ar_kview *v, enum ar_backend be, const char *addr)
{
	struct arx_addr a = ip(addr);

	return ar_kview_whole(v, be, &a);
}

/* Feed text (lines separated by \n) as listing l, then end it. */
static void
feed(struct ar_kview *v, enum ar_listing l, const char *text, bool ok)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		ar_kview_line(v, l, p, (size_t)(nl - p));
		p = *nl ? nl + 1 : nl;
	}
	ar_kview_end(v, l, ok);
}

static int
holds(const struct ar_kview *v, enum ar_backend be, const char *addr)
{
	struct arx_addr a = ip(addr);

	return ar_kview_holds(v, be, &a);
}

static void
test_backends(void **state)
{
	static const struct {
		const char *exe, *extra;
		unsigned builtin;
		enum ar_backend be;
		bool ranges;
	} cases[] = {
	    {"builtin:nftables", NULL, CONF_BUILTIN_NFTABLES, AR_BACKEND_NFT,
		true},
	    {"firewall-drop", NULL, 0, AR_BACKEND_NFT, true},
	    {"/opt/arx/bin/firewall-drop", "--backend nftables", 0,
		AR_BACKEND_NFT, true},
	    {"firewall-drop", "--backend iptables", 0, AR_BACKEND_IPT, true},
	    {"firewall-drop", "--timeout 5 --backend=ipset", 0,
		AR_BACKEND_IPSET, false},
	    {"firewall-drop", "--backend pf", 0, AR_BACKEND_PROGRAM, true},
	    {"route-null", NULL, 0, AR_BACKEND_PROGRAM, true},
	    {"host-deny", "--file /etc/hosts.deny", 0, AR_BACKEND_PROGRAM,
		false},
	    {"webhook", "--url https://example.org/", 0, AR_BACKEND_NONE, true},
	    {"my-block.sh", NULL, 0, AR_BACKEND_PROGRAM, false},
	    {"/usr/local/bin/firewall-drop.sh", NULL, 0, AR_BACKEND_PROGRAM,
		false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_command c = {.name = "c",
		    .executable = cases[i].exe,
		    .extra_args = cases[i].extra,
		    .builtin = cases[i].builtin};

		if (ar_backend_of(&c) != cases[i].be)
			fail_msg("%s %s: backend %d, not %d", cases[i].exe,
			    cases[i].extra ? cases[i].extra : "",
			    ar_backend_of(&c), cases[i].be);
		if (ar_command_ranges(&c) != cases[i].ranges)
			fail_msg("%s %s: ranges %d", cases[i].exe,
			    cases[i].extra ? cases[i].extra : "",
			    !cases[i].ranges);
	}
	assert_true(ar_backend_checked(AR_BACKEND_NFT));
	assert_true(ar_backend_checked(AR_BACKEND_IPSET));
	assert_false(ar_backend_checked(AR_BACKEND_PROGRAM));
	assert_false(ar_backend_checked(AR_BACKEND_NONE));
	assert_int_equal(ar_backend_listings(AR_BACKEND_IPSET, ADDR_V6),
	    1u << AR_LIST_IPT6 | 1u << AR_LIST_IPSET);
}

/* nft 1.0.6's listing of arx's table (wrapped elements, timeouts). */
static const char nft_whole[] =
    "table inet arx {\n"
    "\tset block4 {\n"
    "\t\ttype ipv4_addr\n"
    "\t\tflags timeout\n"
    "\t\telements = { 10.0.0.1, 10.0.0.2,\n"
    "\t\t\t     192.0.2.6 timeout 1m40s expires 1m39s992ms,\n"
    "\t\t\t     192.0.2.7 timeout 1h expires 59m59s992ms }\n"
    "\t}\n"
    "\n"
    "\tset block6 {\n"
    "\t\ttype ipv6_addr\n"
    "\t\tflags timeout\n"
    "\t\telements = { 2001:db8::6 timeout 1m40s expires 1m39s992ms }\n"
    "\t}\n"
    "\n"
    "\tset net4 {\n"
    "\t\ttype ipv4_addr\n"
    "\t\tflags interval,timeout\n"
    "\t\telements = { 198.51.100.0/24 timeout 1h expires 59m59s990ms,\n"
    "\t\t\t     203.0.113.0/25 }\n"
    "\t}\n"
    "\n"
    "\tset net6 {\n"
    "\t\ttype ipv6_addr\n"
    "\t\tflags interval,timeout\n"
    "\t\telements = { 2001:db8:1::/48 timeout 1h expires 59m }\n"
    "\t}\n"
    "\n"
    "\tchain input {\n"
    "\t\ttype filter hook input priority filter - 10; policy accept;\n"
    "\t\tip saddr @block4 drop\n"
    "\t\tip6 saddr @block6 drop\n"
    "\t\tip saddr @net4 drop\n"
    "\t\tip6 saddr @net6 drop\n"
    "\t}\n"
    "\n"
    "\tchain forward {\n"
    "\t\ttype filter hook forward priority filter - 10; policy accept;\n"
    "\t\tip saddr @block4 drop\n"
    "\t\tip6 saddr @block6 drop\n"
    "\t\tip saddr @net4 drop\n"
    "\t\tip6 saddr @net6 drop\n"
    "\t}\n"
    "}\n";

static void
test_nft(void **state)
{
	struct ar_kview *v = ar_kview_new();
	char *broken;

	(void)state;
	assert_non_null(v);
	/* Nothing listed yet: nothing known. */
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.6"), -1);
	feed(v, AR_LIST_NFT, nft_whole, true);
	assert_true(whole(v, AR_BACKEND_NFT, "192.0.2.1"));
	assert_true(whole(v, AR_BACKEND_NFT, "2001:db8::1"));
	assert_int_equal(holds(v, AR_BACKEND_NFT, "10.0.0.1"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "10.0.0.2"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.6"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.7"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "2001:db8::6"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.8"), 0);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "2001:db8::7"), 0);
	/* Networks are held in the interval sets, and only as themselves:
	 * an address inside one is not a block of its own. */
	assert_true(whole(v, AR_BACKEND_NFT, "198.51.100.0/24"));
	assert_true(whole(v, AR_BACKEND_NFT, "2001:db8:1::/48"));
	assert_int_equal(holds(v, AR_BACKEND_NFT, "198.51.100.0/24"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "203.0.113.0/25"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "2001:db8:1::/48"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "198.51.100.0"), 0);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "198.51.100.0/25"), 0);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "10.0.0.0/8"), 0);
	/* An nftables view says nothing of iptables. */
	assert_int_equal(holds(v, AR_BACKEND_IPT, "192.0.2.6"), -1);

	/* The table gone (nft flush ruleset): nft's "No such file" is a
	 * whole, empty listing; every block is missing, set-up too. */
	ar_kview_reset(v);
	ar_kview_end(v, AR_LIST_NFT, true);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.6"), 0);
	assert_false(whole(v, AR_BACKEND_NFT, "192.0.2.1"));

	/* The forward chain's IPv6 rule deleted: v6 blocks are not held
	 * (traffic routed through would pass), v4 ones still are. */
	ar_kview_reset(v);
	broken = strdup(nft_whole);
	*strstr(strstr(broken, "chain forward"), "ip6 saddr") = 'x';
	feed(v, AR_LIST_NFT, broken, true);
	free(broken);
	assert_true(whole(v, AR_BACKEND_NFT, "192.0.2.1"));
	assert_false(whole(v, AR_BACKEND_NFT, "2001:db8::1"));
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.6"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "2001:db8::6"), 0);

	/* The table of an arx before networks (no net4, net6): its
	 * addresses are held, a network is not (its set-up is missing). */
	ar_kview_reset(v);
	broken = strdup(nft_whole);
	*strstr(broken, "set net4") = 'x';
	feed(v, AR_LIST_NFT, broken, true);
	free(broken);
	assert_true(whole(v, AR_BACKEND_NFT, "192.0.2.1"));
	assert_false(whole(v, AR_BACKEND_NFT, "198.51.100.0/24"));
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.6"), 1);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "198.51.100.0/24"), 0);

	/* A listing that failed (nft killed, another error) tells nothing. */
	ar_kview_reset(v);
	feed(v, AR_LIST_NFT, "table inet arx {\n\tset block4 {\n", false);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "192.0.2.6"), -1);

	/* Sets of the same names in someone else's chain or set do not
	 * count: only arx's own shape does. */
	ar_kview_reset(v);
	feed(v, AR_LIST_NFT,
	    "table inet arx {\n\tchain other {\n\t\tip saddr @block4 drop\n"
	    "\t}\n}\n",
	    true);
	assert_false(whole(v, AR_BACKEND_NFT, "192.0.2.1"));
	ar_kview_free(v);
}

static const char ipt4[] = "-P INPUT ACCEPT\n"
			   "-P FORWARD ACCEPT\n"
			   "-P OUTPUT ACCEPT\n"
			   "-N arx\n"
			   "-A INPUT -j arx\n"
			   "-A FORWARD -j arx\n"
			   "-A arx -s 192.0.2.7/32 -j DROP\n"
			   "-A arx -s 198.51.100.0/24 -j DROP\n"
			   "-A arx -m set --match-set arx4 src -j DROP\n";
static const char ipt6[] = "-P INPUT ACCEPT\n"
			   "-N arx\n"
			   "-A INPUT -j arx\n"
			   "-A arx -s 2001:db8::7/128 -j DROP\n";
static const char ipset[] =
    "create arx4 hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 "
    "bucketsize 12 initval 0xbb04757c\n"
    "add arx4 192.0.2.6 timeout 59\n"
    "create arx6 hash:ip family inet6 hashsize 1024 maxelem 65536 timeout "
    "0 bucketsize 12 initval 0x74f5e269\n"
    "add arx6 2001:db8::6 timeout 0\n";

static void
test_iptables_ipset(void **state)
{
	struct ar_kview *v = ar_kview_new();

	(void)state;
	feed(v, AR_LIST_IPT4, ipt4, true);
	assert_true(whole(v, AR_BACKEND_IPT, "192.0.2.1"));
	assert_int_equal(holds(v, AR_BACKEND_IPT, "192.0.2.7"), 1);
	assert_int_equal(holds(v, AR_BACKEND_IPT, "192.0.2.6"), 0);
	assert_int_equal(holds(v, AR_BACKEND_IPT, "198.51.100.0"), 0);
	assert_int_equal(holds(v, AR_BACKEND_IPT, "198.51.100.0/24"), 1);
	/* ip6tables not listed: v6 blocks not known. */
	assert_int_equal(holds(v, AR_BACKEND_IPT, "2001:db8::7"), -1);
	/* The v6 chain lacks its FORWARD jump: not whole, so missing. */
	feed(v, AR_LIST_IPT6, ipt6, true);
	assert_false(whole(v, AR_BACKEND_IPT, "2001:db8::1"));
	assert_int_equal(holds(v, AR_BACKEND_IPT, "2001:db8::7"), 0);
	/* ipset: the set's members, matched from the chain. */
	assert_int_equal(holds(v, AR_BACKEND_IPSET, "192.0.2.6"), -1);
	feed(v, AR_LIST_IPSET, ipset, true);
	assert_int_equal(holds(v, AR_BACKEND_IPSET, "192.0.2.6"), 1);
	assert_int_equal(holds(v, AR_BACKEND_IPSET, "192.0.2.7"), 0);
	assert_int_equal(holds(v, AR_BACKEND_IPSET, "2001:db8::6"), 0);
	/* After a firewall reload: chains and jumps gone (iptables-nft
	 * lives in nftables), the sets still there but matched by nothing. */
	ar_kview_reset(v);
	feed(v, AR_LIST_IPT4, "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n", true);
	feed(v, AR_LIST_IPSET, ipset, true);
	assert_int_equal(holds(v, AR_BACKEND_IPSET, "192.0.2.6"), 0);
	assert_int_equal(holds(v, AR_BACKEND_IPT, "192.0.2.7"), 0);
	/* iptables could not be run: nothing known. */
	ar_kview_reset(v);
	ar_kview_end(v, AR_LIST_IPT4, false);
	assert_int_equal(holds(v, AR_BACKEND_IPT, "192.0.2.7"), -1);
	/* Programs arx cannot look at are never judged. */
	assert_int_equal(holds(v, AR_BACKEND_PROGRAM, "192.0.2.7"), -1);
	assert_int_equal(holds(v, AR_BACKEND_NONE, "192.0.2.7"), -1);
	ar_kview_free(v);
}

/* A look judges only blocks whose add (or restore) had ended when it
 * began: one still being applied is not missing, only not there yet. */
static void
test_comparable(void **state)
{
	struct ar_block b = {.kernel_ms = 0};

	(void)state;
	assert_false(ar_kview_comparable(&b, 5000));
	b.kernel_ms = 4000;
	assert_true(ar_kview_comparable(&b, 5000));
	assert_true(ar_kview_comparable(&b, 4000));
	b.kernel_ms = 5001;
	assert_false(ar_kview_comparable(&b, 5000));
}

/* Many elements: the address set grows and keeps every one. */
static void
test_many(void **state)
{
	static const char *const chains[] = {"chain input {",
	    "ip6 saddr @block6 drop", "}", "chain forward {",
	    "ip6 saddr @block6 drop", "}", "}"};
	struct ar_kview *v = ar_kview_new();
	char line[64];
	struct arx_addr a;

	(void)state;
	ar_kview_line(v, AR_LIST_NFT, "table inet arx {", 16);
	ar_kview_line(v, AR_LIST_NFT, "set block6 {", 12);
	ar_kview_line(v, AR_LIST_NFT, "elements = {", 12);
	for (unsigned i = 1; i <= 20000; i++) {
		int n = snprintf(line, sizeof(line), "2001:db8:7::%x%s", i,
		    i < 20000 ? "," : " }");

		ar_kview_line(v, AR_LIST_NFT, line, (size_t)n);
	}
	ar_kview_line(v, AR_LIST_NFT, "}", 1);
	for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++)
		ar_kview_line(v, AR_LIST_NFT, chains[i], strlen(chains[i]));
	ar_kview_end(v, AR_LIST_NFT, true);
	assert_true(whole(v, AR_BACKEND_NFT, "2001:db8::1"));
	for (unsigned i = 1; i <= 20000; i += 997) {
		snprintf(line, sizeof(line), "2001:db8:7::%x", i);
		a = ip(line);
		assert_int_equal(ar_kview_holds(v, AR_BACKEND_NFT, &a), 1);
	}
	assert_int_equal(holds(v, AR_BACKEND_NFT, "2001:db8:7::0"), 0);
	assert_int_equal(holds(v, AR_BACKEND_NFT, "2001:db8:8::1"), 0);
	ar_kview_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backends),
	    cmocka_unit_test(test_nft),
	    cmocka_unit_test(test_iptables_ipset),
	    cmocka_unit_test(test_comparable),
	    cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
