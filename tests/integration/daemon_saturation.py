#!/usr/bin/env python3
"""Counters that hold while the analysis child is saturated (issue 19,
item 7).

arxd follows an empty auth.log; then 1,500,000 lines (about 135 MB) are
appended at once, more than the child reads in a second. While it works
through them, `arx status` is asked every 0.2 s: the analysis counters
must show the lines read so far, rising, not 0 until the end (the child
read a whole backlog in one go and its counters, positions and other
sources waited for it). At the end every line is counted once.
"""
import json
import os
import sys
import time

from harness import Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-saturation-")
CONF = os.path.join(TMP, "arx.conf")
SOCK = os.path.join(TMP, "run", "control.sock")
LOG = os.path.join(TMP, "auth.log")
N = 1500000

CONF_TEXT = """<arx_config>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{sock}</control_socket></daemon>
</arx_config>
"""


def lines_read():
    r = ctl(ARX, SOCK, "status", "--json")
    return json.loads(r.stdout)["analysis"].get("lines", -1) \
        if r.returncode == 0 else -1


def main():
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(log=LOG, src=SRC, tmp=TMP, sock=SOCK))
    open(LOG, "w").close()
    os.chmod(LOG, 0o644)
    d = Arxd(ARXD, CONF, lambda: lines_read() >= 0)
    expect(wait(lambda: os.path.exists(
        os.path.join(TMP, "state", "analysis", "positions")), 10),
        "arxd follows the log")
    stamp = time.strftime("%b %e %H:%M:%S")
    one = "%s vm sshd[%%d]: Disconnected from user alice 192.0.2.%%d " \
        "port %%d\n" % stamp
    with open(LOG, "a") as f:
        for k in range(0, N, 10000):
            f.write("".join(one % (1000 + i, 1 + i % 250, 10000 + i % 50000)
                            for i in range(k, k + 10000)))
    seen = []
    t0 = time.time()
    while time.time() - t0 < 300:
        n = lines_read()
        seen.append(n)
        if n >= N:
            break
        time.sleep(0.2)
    between = sorted({n for n in seen if 0 < n < N})
    print("     %d answers in %.1f s; counts seen between 0 and the end: "
          "%s" % (len(seen), time.time() - t0,
                  between[:3] + ["..."] + between[-2:]
                  if len(between) > 5 else between))
    expect(len(between) >= 2,
           "while the child works through the backlog, arx status shows "
           "it reading (%d counts between 0 and %d)" % (len(between), N))
    expect(seen and seen[-1] == N, "every line counted once (%s)"
           % (seen[-1] if seen else None))
    text = ctl(ARX, SOCK, "status").stdout
    lines = text.splitlines()
    expect(("  reading   files 1, lines %d," % N) in text and
           "\n  rules     decoded " in text and "syslog" not in text and
           max(len(l) for l in lines) <= 120,
           "arx status in text: a line per group, the unused ones left "
           "out, none longer than 120 characters (%d)"
           % max(len(l) for l in lines))
    d.stop()


finish("daemon.saturation", main, TMP)
