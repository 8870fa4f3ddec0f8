#!/usr/bin/env python3
"""arxd reading journald (and a date-stamped file) for real: journal files written by Debian's
systemd-journal-remote into a directory of the test's, read through
<localfile><location>journald:DIR</location><log_format>journald
</log_format>, with a Wazuh-style <filter> on _SYSTEMD_UNIT.

Eight invalid-user entries of ssh.service from 203.0.113.90 make 5712
fire and block it; entries of another unit are filtered out; entries
written while arxd is stopped are read after the restart from the saved
cursor, none twice. The machine's own journal is read too when it has
one (skipped with a message where it has none). Needs no root, but as
root the analysis child runs as user arx and reads the files as such.
"""
import json
import os
import subprocess
import sys
import time

from harness import Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, REC = (os.path.join(BIN, n) for n in ("arxd", "arx", "ar_recorder"))
REMOTE = "/lib/systemd/systemd-journal-remote"
TMP = scratch("arx-journal-")
JDIR = os.path.join(TMP, "journal")
CONF = os.path.join(TMP, "arx.conf")
STAMP = [int(time.time() * 1e6)]

CONF_TEXT = """<arx_config>
  <command><name>rec</name><executable>{rec}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
  <localfile><location>journald:{jdir}</location>
    <log_format>journald</log_format>
    <filter field="_SYSTEMD_UNIT">^ssh\\.service$</filter></localfile>
  <localfile><location>{tmp}/app-%Y-%m-%d.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket></daemon>
</arx_config>
"""


def arx(*args):
    return ctl(ARX, os.path.join(TMP, "run", "control.sock"), *args)


def journal(entries, unit="ssh.service"):
    """Append entries (messages) to the test's journal file."""
    exp = os.path.join(TMP, "e.export")
    with open(exp, "w") as f:
        for msg in entries:
            STAMP[0] += 1000
            f.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n"
                    "_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                    "_HOSTNAME=vm\nSYSLOG_IDENTIFIER=sshd\n_PID=4242\n"
                    "_SYSTEMD_UNIT=%s\nMESSAGE=%s\n\n"
                    % (STAMP[0], STAMP[0] // 1000, unit, msg))
    out = os.path.join(JDIR, "remote.journal")
    subprocess.run([REMOTE, "-o", out, exp], check=True,
                   capture_output=True, timeout=30)
    os.chmod(out, 0o644)


def invalid(ip, n, tag):
    return ["Invalid user %s%d from %s port %d" % (tag, i, ip, 40000 + i)
            for i in range(n)]


def alerts_for(ip):
    try:
        rows = [json.loads(l) for l in open(os.path.join(TMP, "log",
                                                         "alerts.json"))]
    except FileNotFoundError:
        return []
    return [a for a in rows if a.get("data", {}).get("srcip") == ip]


def blocked():
    r = arx("list", "--json")
    return [b["address"] for b in json.loads(r.stdout)["blocks"]] \
        if r.returncode == 0 else []


def Daemon(env=None):
    return Arxd(ARXD, CONF, lambda: arx("status").returncode == 0, env=env)


def main():
    if not os.access(REMOTE, os.X_OK):
        print("skip: %s is missing (package systemd-journal-remote)" % REMOTE)
        return
    os.mkdir(JDIR)
    os.chmod(JDIR, 0o755)
    journal(invalid("203.0.113.99", 8, "old"))  # before the first start
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(ardir=BIN, rec=REC, jdir=JDIR, src=SRC, tmp=TMP))
    d = Daemon()
    time.sleep(0.5)
    journal(invalid("203.0.113.90", 8, "j"))
    journal(invalid("203.0.113.95", 8, "cron"), unit="cron.service")
    expect(wait(lambda: "203.0.113.90" in blocked()),
           "journald: 8 invalid users make 5712 fire and 203.0.113.90 is "
           "blocked")
    a = alerts_for("203.0.113.90")
    expect(len(a) == 8 and a[-1]["rule"]["id"] == "5712" and
           a[-1]["location"] == "journald:" + JDIR and
           "sshd[4242]: Invalid user j7" in a[-1]["full_log"],
           "the alerts carry the journal's location and a syslog-style "
           "line")
    expect(alerts_for("203.0.113.95") == [],
           "the filter on _SYSTEMD_UNIT keeps cron.service out")
    expect(alerts_for("203.0.113.99") == [],
           "at first start only new entries are read")
    # A date-stamped <location> names today's file.
    with open(os.path.join(TMP, time.strftime("app-%Y-%m-%d.log")), "a") as f:
        for i in range(3):
            f.write("%s vm sshd[77]: Invalid user d%d from 198.51.100.77 "
                    "port %d\n" % (time.strftime("%b %e %H:%M:%S"), i, i))
    expect(wait(lambda: len(alerts_for("198.51.100.77")) == 3),
           "a date-stamped <location> (app-%Y-%m-%d.log) reads today's file")
    time.sleep(1.2)  # the cursor is saved once a second
    err = d.stop()
    journal(invalid("198.51.100.90", 3, "down"))  # while arxd is stopped
    d = Daemon()
    expect(wait(lambda: len(alerts_for("198.51.100.90")) == 3),
           "after a restart: the entries written meanwhile are read")
    time.sleep(1.0)
    expect(len(alerts_for("203.0.113.90")) == 8 and
           len(alerts_for("198.51.100.90")) == 3,
           "and none twice (saved cursor)")
    err += d.stop()
    expect("Sanitizer" not in err, "arxd exited clean (no sanitizer report)")
    date_flip()
    system_journal()


def date_flip():
    """With a time zone where midnight is 3 s away, the dated file of
    the day before is let go and the new day's is followed."""
    import datetime
    utc = datetime.datetime.now(datetime.timezone.utc)
    secs = utc.hour * 3600 + utc.minute * 60 + utc.second
    d = (86397 - secs) % 86400  # local = UTC + d: 23:59:57 now
    tz = "ARX-%02d:%02d:%02d" % (d // 3600, d // 60 % 60, d % 60)
    local = utc + datetime.timedelta(seconds=d)
    day1 = local.strftime("app-%Y-%m-%d.log")
    day2 = (local + datetime.timedelta(days=1)).strftime("app-%Y-%m-%d.log")
    daemon = Daemon(env=dict(os.environ, TZ=tz))
    stamp = local.strftime("%b %e %H:%M:%S")
    for name, ip in ((day1, "192.0.2.201"), (day2, "192.0.2.202")):
        with open(os.path.join(TMP, name), "a") as f:
            f.write("%s vm sshd[5]: Invalid user z from %s port 1\n"
                    % (stamp, ip))
    expect(wait(lambda: len(alerts_for("192.0.2.201")) == 1) and
           alerts_for("192.0.2.202") == [],
           "before midnight (TZ %s) the day's file is read, not the next "
           "day's" % tz)
    expect(wait(lambda: len(alerts_for("192.0.2.202")) == 1, 8),
           "after midnight the new day's file is read")
    err = daemon.stop()
    expect(("%s: no longer followed" % os.path.join(TMP, day1)) in err,
           "and the day before's file is no longer followed")


def system_journal():
    """The machine's own journal, when it has one."""
    if not any(os.path.isdir(d) and os.listdir(d)
               for d in ("/var/log/journal", "/run/log/journal")):
        print("skip: this machine has no system journal (no journald "
              "running); the directory form above covers the reading")
        return
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(ardir=BIN, rec=REC, jdir=JDIR, src=SRC, tmp=TMP)
                .replace("journald:" + JDIR, "journald"))
    d = Daemon()
    time.sleep(0.5)
    err = d.stop()
    expect("reading the system journal" in err,
           "the system journal is opened")


finish("daemon.journal", main, TMP)
