/*
 * Unit tests for config/conf: every section accepted and rejected with
 * file:line, units and defaults, suggestions for misspelt names, several
 * roots, compatibility with OSSEC/Wazuh files, and the -T round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "config/conf.h"
#include "core/err.h"

/* Load "<ossec_config>\n" BODY "</ossec_config>": BODY starts on line 2. */
static struct arx_conf *
load(const char *body, struct log_capture *c)
{
	char text[8192];
	struct arx_conf *conf;
	int r;

	snprintf(
	    text, sizeof(text), "<ossec_config>\n%s</ossec_config>\n", body);
	capture_start(c);
	r = conf_load_mem("/etc/arx/t.conf", text, strlen(text), &conf);
	capture_stop();
	if (r != 0)
		return NULL;
	return conf;
}

static struct arx_conf *
load_ok(const char *body)
{
	struct log_capture c;
	struct arx_conf *conf = load(body, &c);

	if (conf == NULL)
		fail_msg("rejected:\n%s\nlog:\n%s", body, c.text);
	return conf;
}

struct bad_case {
	const char *body;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"<global><email_notification>yes</email_notification>\n"
     "<email_from>arx@example.org</email_from>\n"
     "<email_to>a@example.org</email_to></global>\n",
	"t.conf:2: <email_notification> is yes but <global> has no "
	"<smtp_server>"},
    {"<global><smtp_server>/usr/sbin/sendmail</smtp_server></global>\n",
	"t.conf:2: <smtp_server> '/usr/sbin/sendmail' is a program; arx "
	"sends mail over SMTP only"},
    {"<global>\n<email_to>a@b@example.org</email_to></global>\n",
	"t.conf:3: <email_to> must be one address (name@domain), not "
	"'a@b@example.org'"},
    {"<global><email_maxperhour>0</email_maxperhour></global>\n",
	"t.conf:2: <email_maxperhour> must be a whole number from 1 to 9999"},
    {"<email_alerts><email_to>a@example.org</email_to></email_alerts>\n",
	"t.conf:2: <email_alerts> needs <level>, <group>, <rule_id>"},
    {"<email_alerts><email_to>a@example.org</email_to>\n"
     "<format>pager</format></email_alerts>\n",
	"t.conf:3: <format> has an unknown value 'pager'"},
    {"<email_alerts><email_to>a@example.org</email_to>\n"
     "<rule_id>5712,x</rule_id></email_alerts>\n",
	"t.conf:3: <rule_id> holds 'x', which is not a rule id"},
    {"<email_alerts><level>7</level></email_alerts>\n",
	"t.conf:2: <email_alerts> needs <email_to>"},
    {"<command><name>fw</name><executable>fw</executable></command>\n"
     "<active-response><command>fw</command><location>defined-agent"
     "</location><agent_id>001,web 01</agent_id><level>5</level>"
     "</active-response>\n",
	"t.conf:3: <agent_id> entries are agent numbers (001) or names, "
	"separated by commas; not 'web 01'"},
    {"<command><name>fw</name><executable>fw</executable></command>\n"
     "<active-response><command>fw</command><location>defined-agent"
     "</location><agent_id> , </agent_id><level>5</level>"
     "</active-response>\n",
	"t.conf:3: <agent_id> names no agent"},
    {"<globl/>\n",
	"t.conf:2: unknown element <globl> in the "
	"configuration; did you mean <global>?"},
    {"<global>\n<white_lst>1.2.3.4</white_lst></global>\n",
	"t.conf:3: unknown element <white_lst> in <global>; did you mean "
	"<white_list>?"},
    {"<global><white_list>!10.0.0.1</white_list></global>\n",
	"t.conf:2: negated white-list entries"},
    {"<global><white_list>10.0.0.0/33</white_list></global>\n",
	"t.conf:2: <white_list> must be an IPv4 or IPv6 address"},
    {"<global><white_list>192.0.2.1 </white_list>\n"
     "<white_list>192.0.2.300</white_list></global>\n",
	"t.conf:3: <white_list> must be"},
    {"<alerts><log_alert_level>17</log_alert_level></alerts>\n",
	"t.conf:2: <log_alert_level> must be a whole number from 0 to 16"},
    {"<alerts><log_alert_level>3</log_alert_level>\n"
     "<log_alert_level>4</log_alert_level></alerts>\n",
	"t.conf:3: <log_alert_level> given twice in <alerts>"},
    {"<command><name>a</name></command>\n",
	"t.conf:2: <command> needs <executable>"},
    {"<command><name>a b</name><executable>x</executable></command>\n",
	"t.conf:2: command name 'a b'"},
    {"<command><name>!a</name><executable>x</executable></command>\n",
	"t.conf:2: command name '!a'"},
    {"<command><name>a</name><executable>../x</executable></command>\n",
	"t.conf:2: executable '../x'"},
    {"<command><name>a</name><executable>/bin/../x</executable></command>"
     "\n",
	"executable '/bin/../x'"},
    {"<command><name>a</name><executable>x;rm</executable></command>\n",
	"executable 'x;rm'"},
    {"<command><name>a</name><executable>x</executable>\n"
     "<timeout_allowed>maybe</timeout_allowed></command>\n",
	"t.conf:3: <timeout_allowed> must be yes or no, not 'maybe'"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<command><name>a</name><executable>y</executable></command>\n",
	"t.conf:3: command 'a' is already defined at /etc/arx/t.conf:2"},
    {"<command><name>a</name><executable>x</executable><exec>1</exec>"
     "</command>\n",
	"unknown element <exec> in <command>"},
    {"<active-response><command>nope</command><location>local</location>"
     "<level>3</level></active-response>\n",
	"t.conf:2: <active-response> uses command 'nope', which no "
	"<command> defines"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command>\n"
     "<location>locale</location></active-response>\n",
	"t.conf:4: <location> has an unknown value 'locale'; did you mean "
	"'local'?"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command><level>3</level>"
     "</active-response>\n",
	"t.conf:3: <active-response> for 'a' needs <location>"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command><location>defined-agent"
     "</location></active-response>\n",
	"t.conf:3: location defined-agent needs <agent_id>"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command><location>local</location>\n"
     "<rules_id>5712,57x2</rules_id></active-response>\n",
	"t.conf:4: <rules_id> holds '57x2'"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command><location>local</location>\n"
     "<level>21</level></active-response>\n",
	"t.conf:4: <level> must be a whole number from 0 to 20"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command><location>local</location>\n"
     "<timeout>-5</timeout></active-response>\n",
	"t.conf:4: <timeout> must be a duration"},
    {"<command><name>a</name><executable>x</executable></command>\n"
     "<active-response><command>a</command><location>local</location>\n"
     "<timeout>10 minutes</timeout></active-response>\n",
	"t.conf:4: <timeout> must be a duration"},
    {"<active-response><repeated_offenders>30,abc</repeated_offenders>"
     "</active-response>\n",
	"t.conf:2: <repeated_offenders> holds 'abc'"},
    {"<active-response><repeated_offenders>0</repeated_offenders>"
     "</active-response>\n",
	"t.conf:2: <repeated_offenders> holds '0'"},
    {"<active-response><repeated_offenders>1,2,3,4,5,6,7,8,9,10,11,12,13,"
     "14,15,16,17</repeated_offenders></active-response>\n",
	"<repeated_offenders> takes at most 16 values"},
    {"<active-response><level>3</level></active-response>\n",
	"t.conf:2: <active-response> without <command> may only hold"},
    {"<localfile><location>/var/log/auth.log</location></localfile>\n",
	"t.conf:2: <localfile> needs <log_format>"},
    /* found by fuzz_conf: a command without a name, then another one */
    {"<command><executable>x</executable></command>\n"
     "<command><name>a</name><executable>y</executable></command>\n",
	"t.conf:2: <command> needs <name>"},
    {"<localfile><location>/var/log/x</location>\n"
     "<log_format>sylog</log_format></localfile>\n",
	"t.conf:3: <log_format> has an unknown value 'sylog'; did you mean "
	"'syslog'?"},
    {"<localfile><location>var/log/x</location><log_format>syslog"
     "</log_format></localfile>\n",
	"t.conf:2: <location> 'var/log/x' must be an absolute path"},
    {"<localfile><location>journald</location><log_format>syslog"
     "</log_format></localfile>\n",
	"journald needs both"},
    {"<localfile><location>/x</location><log_format>syslog</log_format>\n"
     "<filter field=\"A\">b</filter></localfile>\n",
	"t.conf:2: <filter> applies to journald only"},
    {"<localfile><location>journald</location><log_format>journald"
     "</log_format>\n<filter>x</filter></localfile>\n",
	"t.conf:3: <filter> needs a field"},
    {"<localfile><location mode=\"x\">/x</location><log_format>syslog"
     "</log_format></localfile>\n",
	"t.conf:2: unknown attribute 'mode' on <location>"},
    {"<localfile><location><x/></location><log_format>syslog"
     "</log_format></localfile>\n",
	"t.conf:2: <location> takes a value, not elements"},
    {"<ruleset><rules_dir>x</rules_dir></ruleset>\n",
	"did you mean <rule_dir>?"},
    {"<remote><port>1514</port></remote>\n",
	"t.conf:2: <remote> needs <connection>"},
    {"<remote><connection>secure</connection><port>70000</port></remote>\n",
	"<port> must be a whole number from 1 to 65535"},
    {"<remote><connection>secure</connection><protocol>sctp</protocol>"
     "</remote>\n",
	"<protocol> has an unknown value 'sctp'"},
    {"<remote><connection>secure</connection></remote>\n"
     "<remote><connection>secure</connection></remote>\n",
	"t.conf:3: <remote> port 1514 is already used at /etc/arx/t.conf:2"},
    {"<remote><connection>syslog</connection><allowed-ips>10.0.0.0/99"
     "</allowed-ips></remote>\n",
	"<allowed-ips> must be"},
    {"<remote><connection>secure</connection><local_ip>here</local_ip>"
     "</remote>\n",
	"<local_ip> must be an IPv4 or IPv6 address"},
    {"<client><notify_time>10</notify_time></client>\n",
	"t.conf:2: <client> needs at least one <server>"},
    {"<client><server><port>1514</port></server></client>\n",
	"t.conf:2: <server> needs <address>"},
    {"<client><server><address>a b</address></server></client>\n",
	"<address> 'a b' is not a host name"},
    {"<feed><port>8443</port><credentials_file>/etc/arx/feed.cred"
     "</credentials_file>\n<certificate>/etc/arx/feed.crt</certificate>"
     "</feed>\n",
	"t.conf:2: <feed> needs both <certificate> and <key>, or neither"},
    {"<feed><port>8443</port><credentials_file>/c</credentials_file>\n"
     "<key>/etc/arx/feed.key</key></feed>\n",
	"t.conf:2: <feed> needs both <certificate> and <key>, or neither"},
    {"<command><name>a</name><executable>x</executable>\n"
     "<precheck>nope</precheck></command>\n",
	"t.conf:2: command 'a' has <precheck> 'nope', which no <command> "
	"defines"},
    {"<command><name>a</name><executable>x</executable>"
     "<precheck>a</precheck></command>\n",
	"t.conf:2: command 'a' has <precheck> 'a', which has a <precheck> of "
	"its own"},
    {"<blocklist><name>drop</name></blocklist>\n",
	"t.conf:2: <blocklist> 'drop' needs one of <url> or <file>"},
    {"<blocklist><name>drop</name><url>http://192.0.2.1/d</url>\n"
     "<file>/x</file></blocklist>\n",
	"t.conf:2: <blocklist> 'drop' needs one of <url> or <file>"},
    {"<blocklist><name>drop</name>\n<url>ftp://192.0.2.1/d</url>"
     "</blocklist>\n",
	"t.conf:3: <url> must be an http or https URL, not 'ftp://"},
    {"<blocklist><name>Drop List</name><file>/x</file></blocklist>\n",
	"t.conf:2: blocklist name 'Drop List' must be"},
    {"<blocklist><name>drop</name><file>/x</file>\n<format>dorp</format>"
     "</blocklist>\n",
	"t.conf:3: <format> has an unknown value 'dorp'; did you mean "
	"'drop'?"},
    {"<blocklist><name>a-b</name><file>/x</file></blocklist>\n"
     "<blocklist><name>a_b</name><file>/y</file></blocklist>\n",
	"t.conf:3: blocklist 'a_b' is already defined at /etc/arx/t.conf:2"},
    {"<metrics>\n<port>70000</port></metrics>\n",
	"t.conf:3: <port> must be a whole number from 1 to 65535"},
    {"<metrics><local_ip>localhost</local_ip></metrics>\n",
	"t.conf:2: <local_ip> must be an IPv4 or IPv6 address, not "
	"'localhost'"},
    {"<metrics><enabled>on</enabled></metrics>\n",
	"t.conf:2: <enabled> must be yes or no, not 'on'"},
    {"<cluster>\n<database></database></cluster>\n",
	"t.conf:2: <database> must not be empty"},
    {"<cluster><database>dbname=arx</database>\n"
     "<max_queued>10</max_queued></cluster>\n",
	"t.conf:3: <max_queued> must be a whole number from 100 to "
	"10000000"},
    {"<cluster><database>dbname=arx</database>"
     "<node_name>a b</node_name></cluster>\n",
	"t.conf:2: <node_name> 'a b' must be 1-127 of A-Z a-z 0-9 . _ -"},
};

static void
test_bad_values(void **state)
{
	struct log_capture c;
	struct arx_conf *conf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		conf = load(bad_cases[i].body, &c);
		if (conf != NULL)
			fail_msg(
			    "case %zu accepted:\n%s", i, bad_cases[i].body);
		if (strstr(c.text, bad_cases[i].msg) == NULL)
			fail_msg("case %zu: expected \"%s\", got:\n%s", i,
			    bad_cases[i].msg, c.text);
	}
}

static void
test_blocklist_and_precheck(void **state)
{
	struct arx_conf *conf = load_ok(
	    "<command><name>chk</name><executable>abuseipdb</executable>"
	    "</command>\n"
	    "<command><name>fw</name><executable>firewall-drop</executable>"
	    "<precheck>chk</precheck></command>\n"
	    "<blocklist><name>spamhaus-drop</name>"
	    "<url>https://www.spamhaus.org/drop/drop.txt</url>"
	    "<format>drop</format><interval>12h</interval></blocklist>\n"
	    "<blocklist><name>mine</name><file>lists/mine.txt</file>"
	    "</blocklist>\n");

	(void)state;
	assert_string_equal(conf->commands[1].precheck, "chk");
	assert_int_equal(conf->commands[1].precheck_idx, 0);
	assert_null(conf->commands[0].precheck);
	assert_int_equal(conf->nblocklists, 2);
	assert_int_equal(conf->blocklists[0].format, BL_FORMAT_DROP);
	assert_int_equal(conf->blocklists[0].interval, 12 * 3600);
	assert_int_equal(conf->blocklists[0].max_entries, 100000);
	assert_null(conf->blocklists[0].file);
	assert_int_equal(conf->blocklists[1].format, BL_FORMAT_PLAIN);
	assert_int_equal(conf->blocklists[1].interval, 3600);
	assert_string_equal(
	    conf->blocklists[1].file, "/etc/arx/lists/mine.txt");
	conf_free(conf);
}

static void
test_root_names(void **state)
{
	static const char text[] = "<ossec_config><alerts><log_alert_level>5"
				   "</log_alert_level></alerts></ossec_config>"
				   "\n<arx_config><global><white_list>192.0.2.1"
				   "</white_list></global></arx_config>\n";
	struct log_capture c;
	struct arx_conf *conf;

	(void)state;
	assert_int_equal(conf_load_mem("m.conf", text, strlen(text), &conf), 0);
	assert_int_equal(conf->alerts.log_alert_level, 5);
	assert_int_equal(conf->global.white_list.n, 1);
	conf_free(conf);
	capture_start(&c);
	assert_int_equal(conf_load_mem("m.conf", "<osec_config/>", 14, &conf),
	    ARX_ERR_CONFIG);
	assert_int_equal(conf_load_mem("m.conf", "", 0, &conf), ARX_ERR_CONFIG);
	capture_stop();
	assert_captured(
	    &c, "m.conf:1: unknown top-level element <osec_config>");
	assert_captured(&c, "did you mean <ossec_config>?");
	assert_captured(&c, "m.conf: no <ossec_config> or <arx_config>");
}

static void
test_email(void **state)
{
	struct arx_conf *conf =
	    load_ok("<global><email_notification>yes</email_notification>\n"
		    "<smtp_server>mail.example.org</smtp_server>\n"
		    "<email_from>arx@example.org</email_from>\n"
		    "<email_to>a@example.org</email_to>\n"
		    "<email_to>b@example.org</email_to></global>\n"
		    "<email_alerts><email_to>c@example.org</email_to>\n"
		    "<group>sshd|pam</group><rule_id>5712 5720</rule_id>\n"
		    "<do_not_delay /><do_not_group>no</do_not_group>\n"
		    "</email_alerts>\n"
		    "<email_alerts><email_to>d@example.org</email_to>\n"
		    "<format>sms</format><event_location>auth</event_location>"
		    "</email_alerts>\n");
	const struct conf_email_alert *m;

	(void)state;
	assert_true(conf->global.email_notification);
	assert_string_equal(conf->global.smtp_server, "mail.example.org");
	assert_int_equal(conf->global.email_to.n, 2);
	assert_int_equal(conf->global.email_maxperhour, 12);
	assert_int_equal(conf->alerts.email_alert_level, 7);
	assert_int_equal(conf->nemail_alerts, 2);
	m = &conf->email_alerts[0];
	assert_int_equal(m->rule_id.n, 2);
	assert_string_equal(m->rule_id.v[1], "5720");
	assert_true(m->do_not_delay);
	assert_false(m->do_not_group);
	assert_int_equal(conf->email_alerts[1].format, MAIL_FORMAT_SMS);
	conf_free(conf);
}

static void
test_ar_units_and_binding(void **state)
{
	struct arx_conf *conf = load_ok(
	    "<active-response><command>fw</command><location>local</location>"
	    "<rules_id>5712, 5763 5760,,</rules_id><timeout>600</timeout>"
	    "<repeated_offenders>30,60, 2h ,90s</repeated_offenders>"
	    "<rules_group>sshd,|pci_dss_11.4,</rules_group><level>10</level>"
	    "</active-response>\n"
	    "<command><name>fw</name><executable>firewall-drop</executable>"
	    "<timeout_allowed>yes</timeout_allowed></command>\n");
	const struct conf_ar *ar = &conf->ars[0];

	(void)state;
	assert_int_equal(conf->nars, 1);
	assert_int_equal(ar->timeout, 600);
	assert_int_equal(ar->nrepeated, 4);
	assert_int_equal(ar->repeated[0], 1800);
	assert_int_equal(ar->repeated[1], 3600);
	assert_int_equal(ar->repeated[2], 7200);
	assert_int_equal(ar->repeated[3], 90);
	assert_int_equal(ar->rules_id.n, 3);
	assert_string_equal(ar->rules_id.v[2], "5760");
	assert_string_equal(ar->rules_group, "sshd,|pci_dss_11.4,");
	assert_int_equal(ar->level, 10);
	assert_int_equal(ar->location, AR_LOC_LOCAL);
	assert_string_equal(conf->commands[ar->command_idx].name, "fw");
	conf_free(conf);
}

/* <feed>: plain HTTP without certificate and key, HTTPS with both. */
static void
test_feed(void **state)
{
	struct arx_conf *conf = load_ok(
	    "<feed><port>8443</port><credentials_file>/etc/arx/feed.cred"
	    "</credentials_file></feed>\n");

	(void)state;
	assert_true(conf->feed.present);
	assert_null(conf->feed.certificate);
	assert_null(conf->feed.key);
	conf_free(conf);
	conf = load_ok("<feed><port>8443</port><credentials_file>/etc/arx/"
		       "feed.cred</credentials_file><certificate>/etc/arx/"
		       "feed.crt</certificate><key>/etc/arx/feed.key</key>"
		       "</feed>\n");
	assert_int_equal(conf->feed.port, 8443);
	assert_string_equal(conf->feed.certificate, "/etc/arx/feed.crt");
	assert_string_equal(conf->feed.key, "/etc/arx/feed.key");
	conf_free(conf);
}

static void
test_ar_defaults_and_host_block(void **state)
{
	struct log_capture c;
	struct arx_conf *conf = load(
	    "<command><name>fw</name><executable>/usr/sbin/x</executable>"
	    "</command>\n"
	    "<active-response><command>fw</command><location>local,server"
	    "</location><timeout>10m</timeout><rules_id>1</rules_id>"
	    "</active-response>\n"
	    "<active-response><disabled>no</disabled><repeated_offenders>30,60"
	    "</repeated_offenders></active-response>\n",
	    &c);

	(void)state;
	assert_non_null(conf);
	/* timeout_allowed defaults to no: the timeout is dropped, with a note */
	assert_captured(&c,
	    "t.conf:3: command 'fw' does not have "
	    "<timeout_allowed>yes</timeout_allowed>");
	assert_int_equal(conf->ars[0].timeout, 0);
	assert_int_equal(conf->ars[0].level, -1);
	assert_int_equal(conf->ars[0].location, AR_LOC_LOCAL | AR_LOC_SERVER);
	assert_int_equal(conf->nars, 1);
	assert_false(conf->ar_disabled);
	assert_int_equal(conf->ndefault_repeated, 2);
	assert_int_equal(conf->default_repeated[1], 3600);
	conf_free(conf);
}

static void
test_white_list_compat(void **state)
{
	struct log_capture c;
	struct arx_conf *conf =
	    load("<global><white_list>127.0.0.1</white_list>\n"
		 "<white_list>^localhost.localdomain$</white_list>\n"
		 "<white_list>10.0.0.0/255.0.0.0</white_list>\n"
		 "<white_list>2001:db8::/32</white_list>\n"
		 "<jsonout_output>yes</jsonout_output>\n"
		 "<email_notification>no</email_notification></global>\n"
		 "<syscheck><frequency>43200</frequency></syscheck>\n",
		&c);
	struct arx_addr a;

	(void)state;
	assert_non_null(conf);
	assert_int_equal(conf->global.white_list.n, 3);
	assert_captured(&c,
	    "t.conf:3: white-list entry "
	    "'^localhost.localdomain$' is not an address");
	assert_captured(&c,
	    "t.conf:8: <syscheck> is accepted for "
	    "compatibility");
	assert_int_equal(conf->nignored, 3);
	addr_parse_str("10.9.9.9", &a);
	assert_true(cidr_contains(&conf->global.white_list.v[1], &a));
	addr_parse_str("2001:db8::1", &a);
	assert_true(cidr_contains(&conf->global.white_list.v[2], &a));
	conf_free(conf);
}

static void
test_localfile_and_ruleset(void **state)
{
	struct log_capture c;
	struct arx_conf *conf = load(
	    "<localfile><location>/var/log/auth.log</location>"
	    "<log_format>syslog</log_format><only-future-events>yes"
	    "</only-future-events></localfile>\n"
	    "<localfile><location>df -P</location><log_format>command"
	    "</log_format><frequency>360</frequency></localfile>\n"
	    "<localfile><location>journald</location><log_format>journald"
	    "</log_format><filter field=\"_SYSTEMD_UNIT\">^ssh.service$"
	    "</filter></localfile>\n"
	    "<ruleset><decoder_dir>ruleset/decoders</decoder_dir>"
	    "<decoder_dir>/abs/dec</decoder_dir><rule_dir>../r</rule_dir>"
	    "<list>etc/lists/audit-keys</list>"
	    "<rule_exclude>0215-policy_rules.xml</rule_exclude></ruleset>\n",
	    &c);

	(void)state;
	assert_non_null(conf);
	assert_int_equal(conf->nlocalfiles, 2);
	assert_true(conf->localfiles[0].only_future_events);
	assert_int_equal(conf->localfiles[1].format, LOG_FORMAT_JOURNALD);
	assert_string_equal(
	    conf->localfiles[1].filters[0].field, "_SYSTEMD_UNIT");
	assert_captured(
	    &c, "t.conf:3: <localfile>: this log format is not read");
	assert_string_equal(
	    conf->ruleset.decoder_dirs.v[0], "/etc/arx/ruleset/decoders");
	assert_string_equal(conf->ruleset.decoder_dirs.v[1], "/abs/dec");
	assert_string_equal(conf->ruleset.rule_dirs.v[0], "/etc/r");
	assert_string_equal(
	    conf->ruleset.lists.v[0], "/etc/arx/etc/lists/audit-keys");
	conf_free(conf);
}

static void
test_remote_client_defaults(void **state)
{
	struct arx_conf *conf = load_ok(
	    "<remote><connection>secure</connection></remote>\n"
	    "<remote><connection>syslog</connection><allowed-ips>192.0.2.0/24"
	    "</allowed-ips><protocol>tcp,udp</protocol></remote>\n"
	    "<client><server><address>198.51.100.1</address></server>"
	    "<server><address>mgr.example</address><port>1515</port>"
	    "<protocol>udp</protocol></server><crypto_method>aes"
	    "</crypto_method></client>\n");

	(void)state;
	assert_int_equal(conf->nremotes, 2);
	assert_int_equal(conf->remotes[0].port, 1514);
	assert_int_equal(conf->remotes[0].protocol, CONF_PROTO_TCP);
	assert_int_equal(conf->remotes[1].port, 514);
	assert_int_equal(
	    conf->remotes[1].protocol, CONF_PROTO_TCP | CONF_PROTO_UDP);
	assert_true(conf->client.present);
	assert_int_equal(conf->client.nservers, 2);
	assert_int_equal(conf->client.servers[0].port, 1514);
	assert_int_equal(conf->client.servers[1].protocol, CONF_PROTO_UDP);
	assert_int_equal(conf->client.notify_time, 10);
	conf_free(conf);
}

/* agent.conf selection for the tests: blocks named "web01" or without a
 * name apply; os and profile must be "Linux" and "edge" when given. */
static bool
select_web01(const char *name, const char *os, const char *profile, void *ctx)
{
	(*(int *)ctx)++;
	return (name == NULL || strcmp(name, "web01") == 0) &&
	    (os == NULL || strcmp(os, "Linux") == 0) &&
	    (profile == NULL || strcmp(profile, "edge") == 0);
}

static int
shared(const char *text, struct arx_conf **out, char *why, int *calls)
{
	return conf_load_shared("agent.conf", text, strlen(text), select_web01,
	    calls, out, why, 512);
}

static void
test_shared(void **state)
{
	struct arx_conf *c;
	char why[512];
	int calls = 0;
	struct log_capture cap;

	(void)state;
	assert_int_equal(
	    shared("<agent_config>\n<localfile><location>/var/log/a.log"
		   "</location><log_format>syslog</log_format></localfile>\n"
		   "<syscheck><frequency>60</frequency></syscheck>\n"
		   "</agent_config>\n"
		   "<agent_config name=\"db01\"><localfile><location>/db.log"
		   "</location><log_format>syslog</log_format></localfile>"
		   "</agent_config>\n"
		   "<agent_config name=\"web01\" os=\"Linux\"><localfile>"
		   "<location>/web.log</location><log_format>json</log_format>"
		   "</localfile></agent_config>\n",
		&c, why, &calls),
	    0);
	assert_int_equal(calls, 3);
	assert_int_equal(c->nlocalfiles, 2);
	assert_string_equal(c->localfiles[0].location, "/var/log/a.log");
	assert_string_equal(c->localfiles[1].location, "/web.log");
	assert_int_equal(c->nignored, 1);
	conf_free(c);

	/* Refused, with file:line, whichever block it is in. */
	capture_start(&cap);
	assert_int_equal(shared("<agent_config name=\"db01\">\n"
				"<active-response><disabled>yes</disabled>"
				"</active-response></agent_config>\n",
			     &c, why, &calls),
	    ARX_ERR_CONFIG);
	assert_null(c);
	assert_non_null(strstr(why,
	    "agent.conf:2: <active-response> cannot "
	    "be set through agent.conf"));
	assert_int_equal(shared("<agent_config><localfile><log_format>syslog"
				"</log_format></localfile></agent_config>",
			     &c, why, &calls),
	    ARX_ERR_CONFIG);
	assert_non_null(strstr(why, "<localfile> needs <location>"));
	assert_int_equal(shared("<agent_config nme=\"x\"/>", &c, why, &calls),
	    ARX_ERR_CONFIG);
	assert_non_null(strstr(why, "unknown attribute 'nme'"));
	assert_int_equal(
	    shared("<ossec_config/>", &c, why, &calls), ARX_ERR_CONFIG);
	assert_non_null(strstr(why, "expected <agent_config>"));
	assert_int_equal(shared("<agent_config><localfile>", &c, why, &calls),
	    ARX_ERR_CONFIG);
	assert_non_null(strstr(why, "agent.conf:1:"));
	capture_stop();
}

/* <metrics>: off without it; with it, on at 127.0.0.1:9464 unless told
 * otherwise. */
static void
test_metrics(void **state)
{
	struct arx_conf *c;

	(void)state;
	c = load_ok("");
	assert_false(c->metrics.present);
	conf_free(c);
	c = load_ok("<metrics/>\n");
	assert_true(c->metrics.present && c->metrics.enabled);
	assert_string_equal(c->metrics.local_ip, "127.0.0.1");
	assert_int_equal(c->metrics.port, 9464);
	assert_int_equal(c->metrics.max_clients, 8);
	conf_free(c);
	c = load_ok("<metrics><enabled>no</enabled><local_ip>::1</local_ip>"
		    "<port>19464</port><max_clients>2</max_clients>"
		    "</metrics>\n");
	assert_false(c->metrics.enabled);
	assert_string_equal(c->metrics.local_ip, "::1");
	assert_int_equal(c->metrics.port, 19464);
	assert_int_equal(c->metrics.max_clients, 2);
	conf_free(c);
}

/* <cluster>: with <database>, arx's; Wazuh's own (no <database>) is
 * accepted and not used. */
static void
test_cluster(void **state)
{
	struct arx_conf *c;

	(void)state;
	c = load_ok("<cluster><name>wazuh</name><node_name>node01</node_name>"
		    "<node_type>master</node_type><key>k</key>"
		    "<nodes><node>10.0.0.1</node></nodes>"
		    "<disabled>yes</disabled></cluster>\n");
	assert_false(c->cluster.present);
	assert_false(conf_cluster_on(c));
	conf_free(c);
	c = load_ok("<cluster><database>host=192.0.2.5 dbname=arx</database>"
		    "</cluster>\n");
	assert_true(conf_cluster_on(c));
	assert_string_equal(c->cluster.database, "host=192.0.2.5 dbname=arx");
	assert_int_equal(c->cluster.max_queued, 100000);
	assert_string_equal(conf_cluster_node(c), c->daemon.node_name);
	conf_free(c);
	c = load_ok("<cluster><database>dbname=arx</database>"
		    "<node_name>m-b</node_name><disabled>yes</disabled>"
		    "</cluster>\n");
	assert_false(conf_cluster_on(c));
	assert_string_equal(conf_cluster_node(c), "m-b");
	conf_free(c);
}

/* Load, dump, load the dump, dump again: the two dumps are equal. */
static void
assert_round_trip(const char *path)
{
	struct arx_conf *a, *b;
	struct buf d1, d2;

	buf_init(&d1, 1 << 20);
	buf_init(&d2, 1 << 20);
	if (conf_load(path, &a) != 0)
		fail_msg("%s does not load", path);
	assert_int_equal(conf_dump(a, &d1), 0);
	assert_int_equal(conf_load_mem("dump", d1.data, d1.len, &b), 0);
	assert_int_equal(conf_dump(b, &d2), 0);
	assert_string_equal(buf_cstr(&d1), buf_cstr(&d2));
	assert_int_equal(a->nars, b->nars);
	assert_int_equal(a->ncommands, b->ncommands);
	assert_int_equal(a->nlocalfiles, b->nlocalfiles);
	assert_int_equal(a->global.white_list.n, b->global.white_list.n);
	conf_free(a);
	conf_free(b);
	buf_release(&d1);
	buf_release(&d2);
}

static void
test_round_trip(void **state)
{
	(void)state;
	assert_round_trip(ARX_SOURCE_DIR "/etc/arx.conf");
	assert_round_trip(FIXTURES "/full.conf");
	assert_round_trip(FIXTURES "/wazuh-style.conf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_root_names),
	    cmocka_unit_test(test_blocklist_and_precheck),
	    cmocka_unit_test(test_ar_units_and_binding),
	    cmocka_unit_test(test_ar_defaults_and_host_block),
	    cmocka_unit_test(test_feed),
	    cmocka_unit_test(test_white_list_compat),
	    cmocka_unit_test(test_localfile_and_ruleset),
	    cmocka_unit_test(test_remote_client_defaults),
	    cmocka_unit_test(test_metrics),
	    cmocka_unit_test(test_cluster),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_email),
	    cmocka_unit_test(test_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
