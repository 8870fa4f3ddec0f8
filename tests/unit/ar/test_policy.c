/*
 * Unit tests for the response policy (policy.c): Wazuh's binding rule
 * (level AND group) OR rules_id, with disabled blocks, level 0 and no_ar;
 * the white list for IPv4, IPv6, CIDR blocks and IPv4-mapped addresses
 * (never a substring match); and the repeated-offender escalation with
 * its steps, its floor at the base timeout, and decay.
 */
#include <stdlib.h>

#include "testutil.h"

#include "ar/policy.h"
#include "core/err.h"

static const char conf_text[] =
    "<ossec_config>"
    "<global><white_list>127.0.0.1</white_list>"
    "<white_list>192.0.2.0/28</white_list>"
    "<white_list>2001:db8:1::/48</white_list>"
    "<white_list>198.51.100.1</white_list></global>"
    "<command><name>drop</name><executable>firewall-drop</executable>"
    "<timeout_allowed>yes</timeout_allowed></command>"
    /* 0: by id only */
    "<active-response><command>drop</command><location>local</location>"
    "<rules_id>5712, 5763</rules_id></active-response>"
    /* 1: level AND group */
    "<active-response><command>drop</command><location>local</location>"
    "<level>10</level><rules_group>authentication_fail</rules_group>"
    "</active-response>"
    /* 2: disabled */
    "<active-response><disabled>yes</disabled><command>drop</command>"
    "<location>local</location><rules_id>5712</rules_id>"
    "</active-response>"
    /* 3: level only */
    "<active-response><command>drop</command><location>local</location>"
    "<level>12</level></active-response>"
    "</ossec_config>\n";

static struct arx_conf *
load(void)
{
	struct arx_conf *conf = NULL;

	assert_int_equal(
	    conf_load_mem("t.conf", conf_text, strlen(conf_text), &conf), 0);
	return conf;
}

static size_t
bound(const struct ar_bindings *b, unsigned id, int level, const char *groups,
    unsigned options, size_t *out)
{
	struct ar_rule r = {id, level, options, groups};

	return ar_bindings_match(b, &r, out, 8);
}

static void
test_binding(void **state)
{
	struct arx_conf *conf = load();
	struct ar_bindings *b = ar_bindings_new(conf);
	size_t out[8];

	(void)state;
	assert_non_null(b);
	/* rules_id alone, whatever the level and groups. */
	assert_int_equal(bound(b, 5712, 10, "sshd,", 0, out), 1);
	assert_int_equal(out[0], 0);
	/* level AND group: both are needed. */
	assert_int_equal(
	    bound(b, 1, 10, "sshd,authentication_failures,", 0, out), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(bound(b, 1, 9, "authentication_failed,", 0, out), 0);
	assert_int_equal(bound(b, 1, 11, "sshd,invalid_login,", 0, out), 0);
	/* Both criteria and the id: one entry each, in order. */
	assert_int_equal(
	    bound(b, 5763, 12, "authentication_failed,", 0, out), 3);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 3);
	/* Level 0 and no_ar trigger nothing. */
	assert_int_equal(bound(b, 5712, 0, "", 0, out), 0);
	assert_int_equal(bound(b, 5712, 12, "", AR_RULE_NO_AR, out), 0);
	/* Out is bounded by max. */
	{
		struct ar_rule r = {.id = 5763,
		    .level = 12,
		    .groups = "authentication_failed,"};

		assert_int_equal(ar_bindings_match(b, &r, out, 2), 2);
	}
	ar_bindings_free(b);
	conf_free(conf);
}

static bool
listed(const struct arx_conf *conf, const char *s)
{
	struct arx_addr a;

	assert_int_equal(addr_parse_str(s, &a), 0);
	return ar_whitelisted(&conf->global.white_list, &a);
}

static void
test_white_list(void **state)
{
	struct arx_conf *conf = load();

	(void)state;
	assert_true(listed(conf, "127.0.0.1"));
	assert_false(listed(conf, "127.0.0.10"));
	assert_true(listed(conf, "192.0.2.15"));
	assert_false(listed(conf, "192.0.2.16"));
	assert_true(listed(conf, "198.51.100.1"));
	/* No substring matching: 198.51.100.1 does not cover .10 or .100. */
	assert_false(listed(conf, "198.51.100.10"));
	assert_false(listed(conf, "198.51.100.100"));
	assert_true(listed(conf, "2001:db8:1:ffff::1"));
	assert_false(listed(conf, "2001:db8:2::1"));
	/* IPv4-mapped IPv6 is the IPv4 address. */
	assert_true(listed(conf, "::ffff:192.0.2.3"));
	assert_true(listed(conf, "::ffff:127.0.0.1"));
	assert_false(listed(conf, "::1"));
	conf_free(conf);
}

static void
test_escalation(void **state)
{
	const uint64_t steps[3] = {1800, 3600, 7200};
	struct ar_escalation e = {600, steps, 3, 0, 0};
	struct ar_offence o = {0, 0};
	const uint64_t want[6] = {600, 1800, 3600, 7200, 7200, 7200};
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(
		    ar_escalate(&e, &o, (int64_t)i * 1000), want[i]);
	assert_int_equal(o.count, 6);
	assert_int_equal(o.last_ms, 5000);

	/* Steps shorter than the base never shorten a block. */
	{
		const uint64_t small[2] = {60, 7200};
		struct ar_escalation s = {3600, small, 2, 0, 0};
		struct ar_offence so = {0, 0};

		assert_int_equal(ar_escalate(&s, &so, 0), 3600);
		assert_int_equal(ar_escalate(&s, &so, 1), 3600);
		assert_int_equal(ar_escalate(&s, &so, 2), 7200);
	}
	/* A block that is never undone stays so for repeat offenders. */
	{
		struct ar_escalation f = {0, steps, 3, 0, 0};
		struct ar_offence fo = {0, 0};

		assert_int_equal(ar_escalate(&f, &fo, 0), 0);
		assert_int_equal(ar_escalate(&f, &fo, 1), 0);
	}
	/* No steps: always the base. */
	{
		struct ar_escalation n = {600, NULL, 0, 0, 0};
		struct ar_offence no = {0, 0};

		assert_int_equal(ar_escalate(&n, &no, 0), 600);
		assert_int_equal(ar_escalate(&n, &no, 1), 600);
	}
}

static void
test_decay(void **state)
{
	const uint64_t steps[2] = {1800, 3600};
	struct ar_escalation e = {600, steps, 2, 86400, 0};
	struct ar_offence o = {0, 0};

	(void)state;
	assert_int_equal(ar_escalate(&e, &o, 0), 600);
	/* Exactly at the decay window: still remembered. */
	assert_int_equal(ar_escalate(&e, &o, 86400000), 1800);
	/* Past it: starts again from the first offence. */
	assert_int_equal(ar_escalate(&e, &o, 2 * 86400000 + 1), 600);
	assert_int_equal(o.count, 1);
	assert_int_equal(ar_escalate(&e, &o, 2 * 86400000 + 2), 1800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_binding),
	    cmocka_unit_test(test_white_list),
	    cmocka_unit_test(test_escalation),
	    cmocka_unit_test(test_decay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
