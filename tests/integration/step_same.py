#!/usr/bin/env python3
"""arx replay decides what arxd decides: the same lines, the same
configuration, the same alerts and the same responses.

Both run one pipeline step (src/ar/step.c); this checks it from the
outside. A log is made of the demo log (demo/auth.log) and 20,000 lines
of the reference generator (../shared/bench/gen_sshd_log.py), their
stamps moved, in order, into the last minute (arxd answers no line
older than its rule's window: a backlog is alerted, not answered). A
running arxd, with the test recorder as its response program, reads it
as a log file; `arx replay --json` reads the same file with the same
configuration. Compared: every alert of the file (rule, source address)
in alerts.json against replay's alerts at the same level, in order; and
every block, extension and white-list skip (command, address, rule) in
active-responses.log against replay's. Needs root (arxd's user).

usage: step_same.py BIN_DIR SOURCE_DIR SHARED_DIR
"""
import calendar
import collections
import json
import os
import re
import subprocess
import sys
import time

from harness import Arxd, ctl, expect, finish, recorder_dir, scratch, wait

BIN, SRC, SHARED = (os.path.abspath(a) for a in sys.argv[1:4])
ARXD, ARX = os.path.join(BIN, "arxd"), os.path.join(BIN, "arx")
TMP = scratch("arx-step-")
LOG = os.path.join(TMP, "auth.log")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
ENV = dict(os.environ, TZ="UTC")

CONF_TEXT = """<arx_config>
  <global><white_list>127.0.0.1</white_list>
    <white_list>198.51.100.10</white_list></global>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <command><name>recorder</name><executable>recorder</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>recorder</command><location>local</location>
    <rules_id>5712,5763</rules_id><timeout>1h</timeout>
    <repeated_offenders>2h,3h</repeated_offenders></active-response>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{tmp}/ar</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""

STAMP = re.compile(r"^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) ")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def stamped(path):
    """(epoch, rest of the line) of each stamped line, in order."""
    year = time.gmtime().tm_year
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = STAMP.match(line)
            if not m:
                continue
            t = calendar.timegm((year, MONTHS.index(m.group(1)) + 1,
                                 int(m.group(2)), int(m.group(3)),
                                 int(m.group(4)), int(m.group(5))))
            out.append((t, line[m.end():].rstrip("\n")))
    return out


def restamp(parts, t0, t1):
    """Each part's lines moved, in order, into its own slice of
    [t0, t1], keeping their spacing relative to one another."""
    lines, n, i = [], len(parts), 0
    for part in parts:
        a, b = part[0][0], part[-1][0]
        lo = t0 + (t1 - t0) * i / n
        hi = t0 + (t1 - t0) * (i + 1) / n - 1
        for t, rest in part:
            u = lo if b == a else lo + (hi - lo) * (t - a) / (b - a)
            lines.append(time.strftime("%b %e %H:%M:%S ", time.gmtime(u)) +
                         rest)
        i += 1
    return lines


def make_log():
    gen = os.path.join(TMP, "gen.log")
    subprocess.run([sys.executable,
                    os.path.join(SHARED, "bench", "gen_sshd_log.py"),
                    "--out", gen, "--lines", "20000", "--seed", "21",
                    "--days", "0.05"], check=True, capture_output=True)
    now = int(time.time())
    lines = restamp([stamped(os.path.join(SRC, "demo", "auth.log")),
                     stamped(gen)], now - 50, now - 5)
    with open(LOG, "a") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


def daemon_alerts():
    out = []
    with open(os.path.join(TMP, "log", "alerts.json")) as f:
        for line in f:
            a = json.loads(line)
            if a.get("location") == LOG:
                out.append((int(a["rule"]["id"]),
                            a.get("data", {}).get("srcip")))
    return out


ARLOG = re.compile(r"arx-ar: (\S+) (add|extend|whitelisted) (\S+) rule (\d+)")


def daemon_responses():
    out = collections.Counter()
    with open(os.path.join(TMP, "log", "active-responses.log")) as f:
        for line in f:
            m = ARLOG.search(line)
            if m:
                out[(m.group(2), m.group(1), m.group(3),
                     int(m.group(4)))] += 1
    return out


KIND = {"block": "add", "extend": "extend", "spared": "whitelisted"}


def replay():
    r = subprocess.run([ARX, "replay", "--json", "--level", "3", "-c", CONF,
                        LOG], capture_output=True, text=True, env=ENV,
                       timeout=300)
    expect(r.returncode == 0, "arx replay ran (%s)" % r.stderr[-300:])
    alerts, responses = [], collections.Counter()
    for line in r.stdout.splitlines():
        e = json.loads(line)
        if e["type"] == "alert":
            alerts.append((e["rule"], e.get("srcip")))
        elif e["type"] in KIND:
            responses[(KIND[e["type"]], e.get("command"), e["address"],
                       e.get("rule"))] += 1
    return alerts, responses


def main():
    os.makedirs(os.path.join(TMP, "run"))
    recorder_dir(BIN, os.path.join(TMP, "ar"))
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(log=LOG, src=SRC, tmp=TMP, sock=SOCK))
    open(LOG, "w").close()
    d = Arxd(ARXD, CONF, lambda: ctl(ARX, SOCK, "status").returncode == 0,
             env=ENV)
    n = make_log()
    got = [0]

    def all_read():
        r = ctl(ARX, SOCK, "status", "--json")
        if r.returncode == 0:
            got[0] = json.loads(r.stdout)["analysis"]["lines"]
        return got[0] >= n
    expect(wait(all_read, 120, 0.5), "arxd read the %d lines (%d)" %
           (n, got[0]))
    time.sleep(2)  # the last responses' lines are written
    d.stop()
    da, dr = daemon_alerts(), daemon_responses()
    ra, rr = replay()
    expect(len(da) > 1000 and sum(dr.values()) > 20,
           "the log makes alerts and responses (%d alerts, %d responses)" %
           (len(da), sum(dr.values())))
    first = next((i for i, (x, y) in enumerate(zip(da, ra)) if x != y),
                 min(len(da), len(ra)))
    expect(da == ra, "the same %d alerts, in order (%d from replay; the "
           "first difference at %d: %s / %s)" % (
               len(da), len(ra), first, da[first:first + 2],
               ra[first:first + 2]))
    expect(dr == rr, "the same responses: %s (only arxd: %s; only "
           "replay: %s)" % (dict(collections.Counter(k[0] for k in dr.elements())),
                            dict(dr - rr), dict(rr - dr)))
    expect(any(k[0] == "whitelisted" for k in dr) and
           any(k[0] == "add" for k in dr),
           "blocks and a white-list skip among them")


if __name__ == "__main__":
    finish("step_same", main, TMP)
