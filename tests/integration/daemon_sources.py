#!/usr/bin/env python3
"""Where lines come from and when they were written, as on a real host
(issue 18): arxd with arx's own ruleset and the recorder as its
response program, reading files for real.

- A first start on an auth.log that holds an attack of three days ago
  blocks nobody (only-future-events, the default: the history is not
  read); the attack that comes after the start is blocked.
- With only-future-events no, the same old attack is read and alerted
  (rule 5712) but starts no response: its lines are older than the
  rule's window and <max_age> (counted as too_old).
- A backlog written while arxd was down, twenty minutes old when it
  comes back, is judged on its own times: alerted, not blocked; eight
  attempts spread over sixteen minutes, read in one go, are not eight
  attempts within two minutes.
- The same line from two sources within a second is warned about and
  counted (duplicate_lines); a journald <localfile> with
  <unless_written> naming a file being written is not read, and says so.
Needs root only for the analysis child's user switch (arxd as root).
"""
import json
import os
import signal
import subprocess
import sys
import time

from harness import PROCS, Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, REC = (os.path.join(BIN, n) for n in ("arxd", "arx", "ar_recorder"))
TMP = scratch("arx-sources-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")

CONF_TEXT = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <command><name>rec</name><executable>{rec}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>rec</command><location>local</location>
    <rules_id>5712</rules_id><timeout>1h</timeout></active-response>
{sources}
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{bin}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""

PID = [5000]


def attack(path, ip, n, ago=0.0, spread=0.0, mode="a"):
    """n invalid-user attempts from ip, the first written ago seconds in
    the past, the others spread over the next spread seconds."""
    now = time.time()
    with open(path, mode) as f:
        for i in range(n):
            PID[0] += 1
            t = now - ago + (spread * i / max(n - 1, 1))
            stamp = time.strftime("%b %e %H:%M:%S", time.localtime(t))
            f.write("%s vm sshd[%d]: Invalid user u%d from %s port %d\n" % (
                stamp, PID[0], PID[0], ip, 40000 + PID[0]))


def start(sources):
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(rec=REC, src=SRC, bin=BIN, tmp=TMP,
                                 sock=SOCK, sources=sources))
    return Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0)


def blocked(ip):
    r = ctl(ARX, SOCK, "list", "--json")
    return r.returncode == 0 and any(
        b["address"] == ip for b in json.loads(r.stdout)["blocks"])


def stat(name):
    r = ctl(ARX, SOCK, "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def alerts_from(ip):
    try:
        text = open(os.path.join(TMP, "log", "alerts.log")).read()
    except FileNotFoundError:
        return 0
    return sum(1 for blk in text.split("\n\n")
               if "Rule: 5712 " in blk and ("Src IP: %s\n" % ip) in blk)


def file_source(path, extra=""):
    return ("  <localfile><location>%s</location><log_format>syslog"
            "</log_format>%s</localfile>" % (path, extra))


def first_start():
    log = os.path.join(TMP, "auth.log")
    attack(log, "192.0.2.71", 10, ago=3 * 86400, spread=60, mode="w")
    d = start(file_source(log))
    time.sleep(1.5)
    expect(not blocked("192.0.2.71") and alerts_from("192.0.2.71") == 0,
           "a first start on a log holding an attack of three days ago "
           "blocks nobody and reads none of it (only-future-events)")
    attack(log, "192.0.2.72", 8)
    expect(wait(lambda: blocked("192.0.2.72"), 5),
           "the attack written after the start is blocked")
    return d, log


def backlog(d, log):
    d.stop()
    attack(log, "192.0.2.73", 8, ago=20 * 60, spread=16 * 60)
    attack(log, "192.0.2.74", 8, ago=20 * 60, spread=30)
    d = start(file_source(log))
    # the analysis child reports its counters every few seconds
    expect(wait(lambda: alerts_from("192.0.2.74") == 1, 5) and
           wait(lambda: stat("too_old") >= 1, 10) and
           not blocked("192.0.2.74"),
           "a backlog read after downtime, 20 minutes old: alerted (5712) "
           "but not blocked, counted as too_old (alerts %d, blocked %s, "
           "too_old %d)" % (alerts_from("192.0.2.74"),
                            blocked("192.0.2.74"), stat("too_old")))
    expect(alerts_from("192.0.2.73") == 0,
           "eight attempts spread over 16 minutes, read in one go, are "
           "not eight within two minutes (their own times count)")
    attack(log, "192.0.2.75", 8)
    expect(wait(lambda: blocked("192.0.2.75"), 5),
           "a fresh attack after the backlog is blocked")
    return d


def history_read():
    log = os.path.join(TMP, "old.log")
    attack(log, "192.0.2.76", 8, ago=3 * 86400, spread=30, mode="w")
    d = start(file_source(
        log, "<only-future-events>no</only-future-events>"))
    expect(wait(lambda: alerts_from("192.0.2.76") == 1, 5) and
           not blocked("192.0.2.76"),
           "only-future-events no: the old attack is read and alerted, "
           "not blocked")
    return d


def duplicates():
    a, b = os.path.join(TMP, "a.log"), os.path.join(TMP, "b.log")
    for p in (a, b):
        open(p, "w").close()
    jdir = os.path.join(TMP, "journal")
    os.makedirs(jdir, exist_ok=True)
    os.chmod(jdir, 0o755)
    d = start(file_source(a) + "\n" + file_source(b) + """
  <localfile><location>journald:%s</location><log_format>journald
    </log_format><unless_written>%s</unless_written></localfile>""" % (
        jdir, a))
    line = time.strftime("%b %e %H:%M:%S") + \
        " vm sshd[4242]: Invalid user twice from 192.0.2.77 port 4242\n"
    for p in (a, b):
        with open(p, "a") as f:
            f.write(line)
    expect(wait(lambda: stat("duplicate_lines") >= 1, 5),
           "the same line from two files within a second is counted "
           "(duplicate_lines %d)" % stat("duplicate_lines"))
    err = d.stop()
    expect("came from" in err and "within a second" in err,
           "and warned about")
    expect("not read: %s is being written" % a in err,
           "a journald <localfile> whose <unless_written> file is being "
           "written is left out, and says so")


def main():
    d, log = first_start()
    d = backlog(d, log)
    d.stop()
    d = history_read()
    d.stop()
    duplicates()


if __name__ == "__main__":
    finish("daemon.sources", main, TMP)
