/* Unit tests for core/addr: parsing, canonical form, CIDR matching. */
#include "testutil.h"

#include "core/addr.h"
#include "core/err.h"

static void
assert_canon(const char *in, const char *want)
{
	struct arx_addr a;
	char out[ADDR_STRLEN];

	if (addr_parse_str(in, &a) != 0)
		fail_msg("'%s' rejected", in);
	addr_format(&a, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("'%s' gave '%s', want '%s'", in, out, want);
}

static void
test_parse_valid(void **state)
{
	(void)state;
	assert_canon("192.0.2.6", "192.0.2.6");
	assert_canon("0.0.0.0", "0.0.0.0");
	assert_canon("255.255.255.255", "255.255.255.255");
	assert_canon("2001:db8::1", "2001:db8::1");
	assert_canon("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	assert_canon("::", "::");
	assert_canon("::1", "::1");
	assert_canon("fe80::1%eth0", "fe80::1");
	assert_canon("fe80::1%2", "fe80::1");
	/* v4-mapped addresses become IPv4 */
	assert_canon("::ffff:192.0.2.6", "192.0.2.6");
	assert_canon("::FFFF:c000:0206", "192.0.2.6");
	/* v4-compatible (deprecated) stays IPv6 */
	assert_canon("::192.0.2.6", "::192.0.2.6");
	assert_canon("64:ff9b::192.0.2.6", "64:ff9b::c000:206");
}

static void
test_parse_garbage(void **state)
{
	static const char *const bad[] = {"", " 192.0.2.6", "192.0.2.6 ",
	    "192.0.2", "192.0.2.6.7", "192.0.2.256", "192.0.2.-1", "192.0.02.6",
	    "0x7f.0.0.1", "127.1", "1.2.3.4/8", "2001:db8:::1", "2001:db8::g",
	    "2001:db8::1%", "2001:db8::1%eth0;rm", "fe80::1%0123456789abcdef",
	    "192.0.2.6%eth0", "localhost", "from 192.0.2.6", "[2001:db8::1]",
	    "1:2:3:4:5:6:7:8:9", "::ffff:192.0.2.256"};
	struct arx_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr_parse_str(bad[i], &a) != ARX_ERR_INVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(a.family, ADDR_NONE);
	/* embedded NUL and over-long input */
	assert_int_equal(addr_parse("1.2.3.4\0", 8, &a), ARX_ERR_INVAL);
	assert_int_equal(addr_parse("1.2.3.4", 7, &a), 0);
	assert_int_equal(addr_parse("1.2.3.4", 5, &a), ARX_ERR_INVAL);
}

static void
test_equal(void **state)
{
	struct arx_addr a, b;

	(void)state;
	addr_parse_str("192.0.2.6", &a);
	addr_parse_str("::ffff:192.0.2.6", &b);
	assert_true(addr_equal(&a, &b));
	addr_parse_str("2001:db8::1", &b);
	assert_false(addr_equal(&a, &b));
}

static bool
in(const char *cidr, const char *addr)
{
	struct arx_cidr c;
	struct arx_addr a;

	if (cidr_parse(cidr, &c) != 0 || addr_parse_str(addr, &a) != 0)
		fail_msg("bad fixture %s %s", cidr, addr);
	return cidr_contains(&c, &a);
}

static void
test_cidr_match(void **state)
{
	(void)state;
	assert_true(in("192.0.2.0/24", "192.0.2.200"));
	assert_false(in("192.0.2.0/24", "192.0.3.1"));
	assert_true(in("192.0.2.6", "192.0.2.6"));
	assert_false(in("192.0.2.6", "192.0.2.60"));
	assert_true(in("0.0.0.0/0", "203.0.113.9"));
	assert_false(in("0.0.0.0/0", "2001:db8::1"));
	assert_true(in("::/0", "2001:db8::1"));
	assert_false(in("::/0", "192.0.2.1"));
	assert_true(in("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(in("2001:db8::/32", "2001:db9::1"));
	assert_true(in("2001:db8::1/128", "2001:db8::1"));
	assert_false(in("2001:db8::1", "2001:db8::10"));
	assert_true(in("198.51.100.0/255.255.255.0", "198.51.100.77"));
	assert_true(in("10.0.0.0/8", "::ffff:10.1.2.3"));
	assert_true(in("::ffff:10.0.0.0/104", "10.200.0.1"));
	assert_true(in("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(in("2001:db8::/33", "2001:db8:8000::1"));
	assert_true(in("192.0.2.128/25", "192.0.2.255"));
	assert_false(in("192.0.2.128/25", "192.0.2.127"));
}

static void
test_cidr_parse_edges(void **state)
{
	static const char *const bad[] = {"192.0.2.0/33", "2001:db8::/129",
	    "192.0.2.0/", "192.0.2.0/-1", "192.0.2.0/8x",
	    "192.0.2.0/255.0.255.0", "192.0.2.0/0008", "/24",
	    "2001:db8::/255.255.0.0", "::ffff:10.0.0.0/95", "192.0.2.0/24/1"};
	struct arx_cidr c;
	char out[CIDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_parse(bad[i], &c) == 0)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(cidr_parse("192.0.2.77/24", &c), 0);
	cidr_format(&c, out, sizeof(out));
	assert_string_equal(out, "192.0.2.0/24");
	assert_int_equal(cidr_parse("2001:db8::1", &c), 0);
	assert_int_equal(c.prefix, 128);
	cidr_format(&c, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
	cidr_format(&c, out, sizeof(out));
	assert_string_equal(out, "0.0.0.0/0");
	assert_int_equal(cidr_parse("10.0.0.0/255.255.0.0", &c), 0);
	assert_int_equal(c.prefix, 16);
}

/* Only unicast peers can be blocked: the kinds of every special range,
 * IPv4-mapped forms included (they are stored as IPv4). */
static void
test_kind(void **state)
{
	static const struct {
		const char *s;
		enum addr_kind k;
	} cases[] = {
	    {"192.0.2.6", ADDR_UNICAST},
	    {"2001:db8::6", ADDR_UNICAST},
	    {"0.0.0.0", ADDR_UNSPECIFIED},
	    {"0.1.2.3", ADDR_UNSPECIFIED},
	    {"::", ADDR_UNSPECIFIED},
	    {"255.255.255.255", ADDR_BROADCAST},
	    {"224.0.0.1", ADDR_MULTICAST},
	    {"239.255.255.250", ADDR_MULTICAST},
	    {"ff02::1", ADDR_MULTICAST},
	    {"240.0.0.1", ADDR_RESERVED},
	    {"127.0.0.1", ADDR_LOOPBACK},
	    {"127.9.9.9", ADDR_LOOPBACK},
	    {"::1", ADDR_LOOPBACK},
	    {"::ffff:127.0.0.1", ADDR_LOOPBACK},
	    {"169.254.1.1", ADDR_LINKLOCAL},
	    {"fe80::1", ADDR_LINKLOCAL},
	    {"febf::1", ADDR_LINKLOCAL},
	    {"fec0::1", ADDR_UNICAST},
	    {"223.255.255.255", ADDR_UNICAST},
	    {"::ffff:192.0.2.7", ADDR_UNICAST},
	};
	struct arx_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(addr_parse_str(cases[i].s, &a), 0);
		assert_int_equal(addr_kind(&a), cases[i].k);
	}
	assert_string_equal(addr_kind_name(ADDR_LINKLOCAL), "link-local");
}

/* Networks for blocks of ranges: ADDR/LEN, host bits zero, a full
 * length is one address, and the text form round-trips. */
static void
test_net_parse(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
		int rc;
	} cases[] = {
	    {"198.51.100.0/24", "198.51.100.0/24", 0},
	    {"10.0.0.0/8", "10.0.0.0/8", 0},
	    {"192.0.2.6/32", "192.0.2.6", 0},
	    {"192.0.2.6", "192.0.2.6", 0},
	    {"2001:db8::/32", "2001:db8::/32", 0},
	    {"2001:DB8:0:0::/64", "2001:db8::/64", 0},
	    {"2001:db8::6/128", "2001:db8::6", 0},
	    {"::ffff:198.51.100.0/120", "198.51.100.0/24", 0},
	    {"::ffff:198.51.100.0/24", NULL, ARX_ERR_INVAL},
	    {"::ffff:198.51.100.7/128", "198.51.100.7", 0},
	    {"128.0.0.0/1", "128.0.0.0/1", 0},
	    {"10.1.2.3/8", NULL, ARX_ERR_RANGE},
	    {"2001:db8::1/64", NULL, ARX_ERR_RANGE},
	    {"10.0.0.0/0", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/33", NULL, ARX_ERR_INVAL},
	    {"2001:db8::/129", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/+8", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/8x", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/255.0.0.0", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/0008", NULL, ARX_ERR_INVAL},
	    {"/8", NULL, ARX_ERR_INVAL},
	    {"10.0.0.0/8/8", NULL, ARX_ERR_INVAL},
	};
	struct arx_addr a;
	char out[ADDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = addr_parse_net_str(cases[i].in, &a);

		if (rc != cases[i].rc)
			fail_msg(
			    "'%s': %d, want %d", cases[i].in, rc, cases[i].rc);
		if (cases[i].out == NULL) {
			assert_int_equal(a.family, ADDR_NONE);
			continue;
		}
		addr_format(&a, out, sizeof(out));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("'%s' gave '%s'", cases[i].in, out);
	}
	/* The longest text form fits ADDR_STRLEN with its length. */
	assert_int_equal(addr_parse_net_str("ffff:ffff:ffff:ffff:ffff:ffff:"
					    "ffff:fffe:0/127",
			     &a),
	    ARX_ERR_INVAL);
	assert_int_equal(addr_parse_net_str(
			     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", &a),
	    0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	/* addr_parse never yields a network. */
	assert_int_not_equal(addr_parse_str("10.0.0.0/8", &a), 0);
}

/* A network and an address are different keys; overlap and containment
 * between them; the kind of a network is that of any special range it
 * touches. */
static void
test_net_match(void **state)
{
	struct arx_addr n24, n16, host, other, v6;
	struct arx_cidr wl;

	(void)state;
	assert_int_equal(addr_parse_net_str("198.51.100.0/24", &n24), 0);
	assert_int_equal(addr_parse_net_str("198.51.0.0/16", &n16), 0);
	assert_int_equal(addr_parse_str("198.51.100.0", &host), 0);
	assert_int_equal(addr_parse_net_str("203.0.113.0/24", &other), 0);
	assert_int_equal(addr_parse_net_str("2001:db8::/32", &v6), 0);
	assert_false(addr_equal(&n24, &host));
	assert_int_equal(addr_prefix(&n24), 24);
	assert_int_equal(addr_prefix(&host), 32);
	assert_true(addr_overlaps(&n24, &n16));
	assert_true(addr_overlaps(&n16, &n24));
	assert_true(addr_overlaps(&n24, &host));
	assert_false(addr_overlaps(&n24, &other));
	assert_false(addr_overlaps(&n24, &v6));
	assert_int_equal(cidr_parse("198.51.100.7", &wl), 0);
	assert_true(cidr_overlaps(&wl, &n24));
	assert_false(cidr_contains(&wl, &n24));
	assert_false(cidr_overlaps(&wl, &other));
	assert_int_equal(cidr_parse("198.51.0.0/16", &wl), 0);
	assert_true(cidr_contains(&wl, &n24));
	assert_int_equal(cidr_parse("198.51.100.0/25", &wl), 0);
	assert_false(cidr_contains(&wl, &n24));
	assert_true(cidr_overlaps(&wl, &n24));

	assert_int_equal(addr_kind(&n24), ADDR_UNICAST);
	assert_int_equal(addr_parse_net_str("64.0.0.0/2", &n16), 0);
	assert_int_equal(addr_kind(&n16), ADDR_LOOPBACK); /* 127/8 */
	assert_int_equal(addr_parse_net_str("128.0.0.0/2", &n16), 0);
	assert_int_equal(addr_kind(&n16), ADDR_LINKLOCAL); /* 169.254/16 */
	/* link-local, but multicast and reserved too: never blocked */
	assert_int_equal(addr_parse_net_str("128.0.0.0/1", &n16), 0);
	assert_int_equal(addr_kind(&n16), ADDR_MULTICAST);
	assert_int_equal(addr_parse_net_str("224.0.0.0/3", &n16), 0);
	assert_int_equal(addr_kind(&n16), ADDR_MULTICAST);
	assert_int_equal(addr_parse_net_str("::/96", &n16), 0);
	assert_int_equal(addr_kind(&n16), ADDR_UNSPECIFIED);
	assert_int_equal(addr_kind(&v6), ADDR_UNICAST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid),
	    cmocka_unit_test(test_parse_garbage),
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_cidr_match),
	    cmocka_unit_test(test_cidr_parse_edges),
	    cmocka_unit_test(test_kind),
	    cmocka_unit_test(test_net_parse),
	    cmocka_unit_test(test_net_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
