#!/usr/bin/env python3
"""E-mail alerts through a real mail server (issue 23, item 3).

In a network namespace of its own (unshare -n) with 192.0.2.25 on its
loopback, the test starts Debian's Exim (exim4-daemon-light) from a
configuration it writes: it listens on 192.0.2.25:25 and delivers mail
for example.org into one Maildir per local part under the test's
directory. arxd follows a log file with test rules (levels 10, 3, 9, 8
and 12 with no_email_alert) and <email_notification>yes, <email_to>
alerts@example.org, <email_maxperhour>3, and two <email_alerts>: rule
100102 also to oncall@example.org with <do_not_delay>, rule 100103 with
<do_not_group>. Checked, reading the mail back from the Maildirs:

  - a level-3 alert, then two level-10 alerts, the second once the
    first waits in the queue: one mail (grouped), with
    From, To and Subject as documented and both alerts in the body in
    the documented format, and not the level-3 alert (below
    <email_alert_level>) nor the level-12 no_email_alert one;
  - the rule of the granular entry: its mail reaches oncall@ (and
    alerts@), sent without the grouping wait;
  - three do_not_group alerts: the third mail would be the fourth of the
    hour: exactly three mails in alerts@'s box, mail_sent 3 and
    mail_capped 1 in arx status.
Needs root.
"""
import json
import mailbox
import os
import pwd
import socket
import subprocess
import sys
import time

if os.environ.get("ARX_MAIL_NS") != "1":
    os.environ["ARX_MAIL_NS"] = "1"
    os.execvp("unshare", ["unshare", "-n", sys.executable, *sys.argv])

from harness import (Arxd, ctl, expect, failures, finish,  # noqa: E402
                     scratch, wait)

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-mail-")
MTA = "192.0.2.25"
LOG = os.path.join(TMP, "app.log")
MAILDIR = os.path.join(TMP, "mail")
EXIM_USER = "Debian-exim"

EXIM_CONF = """primary_hostname = mail.example.org
domainlist local_domains = example.org
local_interfaces = {mta}
daemon_smtp_ports = 25
spool_directory = {tmp}/exim/spool
log_file_path = {tmp}/exim/log/%slog
pid_file_path = {tmp}/exim/exim.pid
exim_user = {user}
exim_group = {user}
never_users =
host_lookup =
rfc1413_hosts =
acl_smtp_rcpt = acl_check_rcpt
keep_environment =
tls_advertise_hosts =

begin acl
acl_check_rcpt:
  accept domains = +local_domains
  deny message = relay not permitted

begin routers
local_maildir:
  driver = accept
  domains = +local_domains
  local_parts = alerts : oncall
  transport = maildir

begin transports
maildir:
  driver = appendfile
  directory = {maildir}/$local_part_data
  maildir_format
  create_directory
  delivery_date_add
  envelope_to_add
  return_path_add
  user = {user}
  group = {user}

begin retry
*  *  F,1m,1m
"""

RULES = """<group name="mailtest,">
  <rule id="100100" level="10"><match>mailtest: high</match>
    <description>mail test: a high alert</description></rule>
  <rule id="100101" level="3"><match>mailtest: low</match>
    <description>mail test: a low alert</description></rule>
  <rule id="100102" level="9"><match>mailtest: special</match>
    <description>mail test: for the on-call</description>
    <group>oncall,</group></rule>
  <rule id="100103" level="8"><match>mailtest: alone</match>
    <description>mail test: a mail of its own</description></rule>
  <rule id="100104" level="12"><match>mailtest: quiet</match>
    <options>no_email_alert</options>
    <description>mail test: never mailed</description></rule>
</group>
"""

CONF = """<arx_config>
  <global>
    <email_notification>yes</email_notification>
    <smtp_server>{mta}</smtp_server>
    <email_from>arx@example.org</email_from>
    <email_to>alerts@example.org</email_to>
    <email_maxperhour>3</email_maxperhour>
  </global>
  <alerts><log_alert_level>1</log_alert_level>
    <email_alert_level>7</email_alert_level></alerts>
  <email_alerts><email_to>oncall@example.org</email_to>
    <rule_id>100102</rule_id><do_not_delay /></email_alerts>
  <email_alerts><email_to>alerts@example.org</email_to>
    <rule_id>100103</rule_id><do_not_group /></email_alerts>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir>
    <rule_dir>{tmp}/rules</rule_dir></ruleset>
  <daemon><node_name>web01</node_name><state_dir>{tmp}/state</state_dir>
    <log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket></daemon>
</arx_config>
"""


def sh(*argv):
    subprocess.run(argv, check=True, capture_output=True)


def exim_start():
    ent = pwd.getpwnam(EXIM_USER)
    for d in ("exim/spool", "exim/log", "mail"):
        os.makedirs(os.path.join(TMP, d))
        os.chown(os.path.join(TMP, d), ent.pw_uid, ent.pw_gid)
    os.chown(os.path.join(TMP, "exim"), ent.pw_uid, ent.pw_gid)
    conf = os.path.join(TMP, "exim.conf")
    with open(conf, "w") as f:
        f.write(EXIM_CONF.format(mta=MTA, tmp=TMP, user=EXIM_USER,
                                 maildir=MAILDIR))
    p = subprocess.Popen(["/usr/sbin/exim4", "-C", conf, "-bdf", "-q1m"],
                         stderr=subprocess.PIPE, text=True)
    from harness import PROCS
    PROCS.append(p)

    def listening():
        with socket.socket() as s:
            return s.connect_ex((MTA, 25)) == 0
    if not wait(listening, 15):
        raise RuntimeError("exim did not start: %s" % p.stderr.read())


def box(user):
    d = os.path.join(MAILDIR, user)
    if not os.path.isdir(os.path.join(d, "new")):
        return []
    md = mailbox.Maildir(d, factory=None, create=False)
    return sorted(md, key=lambda m: m["Date"] or "")


def stat(name):
    r = ctl(ARX, os.path.join(TMP, "run", "control.sock"), "status",
            "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def feed(*msgs):
    stamp = time.strftime("%b %e %H:%M:%S")
    with open(LOG, "a") as f:
        for m in msgs:
            f.write("%s web01 app[42]: mailtest: %s\n" % (stamp, m))


def body(m):
    return m.get_payload(decode=True).decode()


def check_grouped():
    feed("low one", "high one from 198.51.100.7", "quiet one")
    # the second comes once the first waits for its group (5 s of quiet)
    expect(wait(lambda: stat("mail_waiting") == 1, 10),
           "the first level-10 alert waits for more")
    feed("high two")
    expect(wait(lambda: len(box("alerts")) >= 1, 30),
           "the first alerts reach alerts@'s box")
    time.sleep(1)  # a second mail, which would be wrong, would be there
    mails = box("alerts")
    expect(len(mails) == 1, "alerts close together go in one mail (%d)"
           % len(mails))
    m = mails[0]
    expect(m["From"] == "arx <arx@example.org>", "From: %s" % m["From"])
    expect(m["To"] == "<alerts@example.org>", "To: %s" % m["To"])
    expect(m["Subject"] == "arx Notification - web01 - Alert level 10",
           "Subject: %s" % m["Subject"])
    text = body(m)
    expect(text.count("Rule: 100100 fired (level 10) -> "
                      "\"mail test: a high alert\"") == 2,
           "both level-10 alerts in the body")
    expect("arx Notification." in text and
           "Received From: web01->" + LOG in text and
           "Portion of the log(s):" in text and
           "high one from 198.51.100.7" in text and
           " --END OF NOTIFICATION" in text,
           "the body is in the documented format")
    expect("100101" not in text, "a level-3 alert is not mailed")
    expect("100104" not in text, "a no_email_alert rule is not mailed")


def check_granular():
    feed("special")
    expect(wait(lambda: len(box("oncall")) == 1, 30),
           "the granular entry's recipient gets the mail")
    m = box("oncall")[0]
    expect("oncall@example.org" in m["To"] and
           "alerts@example.org" in m["To"], "To: %s" % m["To"])
    expect("Rule: 100102 fired (level 9)" in body(m),
           "its body holds the alert of the entry's rule")
    expect(wait(lambda: len(box("alerts")) == 2, 10),
           "alerts@ has it too")


def check_cap():
    feed("alone 1", "alone 2", "alone 3")
    expect(wait(lambda: stat("mail_capped") == 1 and
                stat("mail_sent") == 3, 30),
           "mail_sent 3, mail_capped 1 (sent %d, capped %d)"
           % (stat("mail_sent"), stat("mail_capped")))
    wait(lambda: len(box("alerts")) >= 3, 10)
    expect(len(box("alerts")) == 3,
           "email_maxperhour 3: three mails in the hour (%d)"
           % len(box("alerts")))
    expect(stat("mail_failed") == 0 and stat("mail_dropped") == 0,
           "no mail failed or dropped")


def main():
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "addr", "add", MTA + "/32", "dev", "lo")
    exim_start()
    os.makedirs(os.path.join(TMP, "rules"))
    with open(os.path.join(TMP, "rules", "mail_rules.xml"), "w") as f:
        f.write(RULES)
    open(LOG, "w").close()
    conf = os.path.join(TMP, "arx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(mta=MTA, log=LOG, src=SRC, tmp=TMP))
    d = Arxd(ARXD, conf, lambda: stat("mail_sent") == 0)
    try:
        check_grouped()
        check_granular()
        check_cap()
    finally:
        err = d.stop()
        expect("not allowed in the analysis child's sandbox" not in err,
               "no system call outside the sandbox")
        if failures:
            print(err[-3000:])
            for n in ("mainlog", "rejectlog", "paniclog"):
                p = os.path.join(TMP, "exim", "log", n)
                if os.path.exists(p):
                    print(n, open(p).read()[-2000:])


finish("integ.mail", main, TMP)
