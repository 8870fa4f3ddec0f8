#!/usr/bin/env python3
"""Memory under a flood of 1,000,000 distinct attacker addresses.

An attacker chooses how many addresses arx sees; memory must stop
growing at the configured caps, with what was dropped counted.

A. The engine and the dispatcher (`arx replay`: decoders, rules,
   correlation, the block table, the same code as arxd's) on 250,000 and
   on 1,000,000 lines "Invalid user u from A", each A distinct (in
   2001:db8::/32), with a block for every such line and <max_blocks> and
   <max_history> at 100,000: exactly 100,000 blocks, every other one
   refused and counted, and the peak memory of the 1M run no more than
   that of the 250k run (+10%): it stopped growing at the caps.
B. arxd for real: the analysis child reads the same 1,000,000 lines from
   a file; its peak memory (VmHWM) after 1M lines is that after 250k
   (+10%), correlation holds at most 65,536 buckets per rule and counts
   the ones it dropped, and `arx status` shows both.

Runs under ASan in make check: ASan's quarantine of freed memory is set
to 0 so the figures are arx's own.
"""
import json
import os
import re
import shutil
import subprocess
import sys

from harness import Arxd, ctl, expect, finish, scratch, wait

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-flood-")
N, SMALL, CAP = 1000000, 250000, 100000
ENV = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0:detect_leaks=0")

REPLAY_CONF = """<arx_config>
  <command><name>fw</name><executable>firewall-drop</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>fw</command><location>local</location>
    <rules_id>5710</rules_id><timeout>600</timeout></active-response>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><max_blocks>{cap}</max_blocks><max_history>{cap}</max_history>
  </daemon>
</arx_config>
"""

DAEMON_CONF = """<arx_config>
  <localfile><location>{log}</location><log_format>syslog</log_format>
  </localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket></daemon>
</arx_config>
"""


def lines(start, end):
    for i in range(start, end):
        yield ("Nov 22 10:00:00 h sshd[1]: Invalid user u from "
               "2001:db8:%x:%x::1 port 4242\n" % (i >> 16, i & 0xffff))


def write(path, start, end, mode="w"):
    with open(path, mode) as f:
        f.writelines(lines(start, end))


def replay(conf, log):
    """Counts of each output type, and the peak RSS in KiB."""
    p = subprocess.Popen([ARX, "replay", "--json", "-c", conf, log],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=ENV)
    counts = {}
    for line in p.stdout:
        t = json.loads(line).get("type")
        counts[t] = counts.get(t, 0) + 1
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return counts, ru.ru_maxrss, p.returncode


def part_replay():
    conf = os.path.join(TMP, "replay.conf")
    with open(conf, "w") as f:
        f.write(REPLAY_CONF.format(src=SRC, cap=CAP))
    small, big = os.path.join(TMP, "small.log"), os.path.join(TMP, "big.log")
    write(small, 0, SMALL)
    write(big, 0, N)
    c1, rss1, rc1 = replay(conf, small)
    c2, rss2, rc2 = replay(conf, big)
    print("     replay: %d lines %s peak %d KiB; %d lines %s peak %d KiB" %
          (SMALL, c1, rss1, N, c2, rss2))
    expect(rc1 == 0 and rc2 == 0, "arx replay ran both floods")
    expect(c2.get("block") == CAP and c2.get("refused") == N - CAP,
           "1M addresses: exactly %d blocks, %d refused and counted" %
           (CAP, N - CAP))
    expect(rss2 <= rss1 * 1.10,
           "peak memory stops at the caps: %d KiB for 1M addresses, "
           "%d KiB for 250k" % (rss2, rss1))
    os.unlink(small)
    os.unlink(big)


def child_hwm(d):
    kids = open("/proc/%d/task/%d/children" % (d.p.pid, d.p.pid)).read()
    for k in kids.split():
        m = re.search(r"VmHWM:\s+(\d+) kB", open("/proc/%s/status" % k).read())
        if m:
            return int(m.group(1))
    return -1


def part_daemon():
    log = os.path.join(TMP, "auth.log")
    conf = os.path.join(TMP, "arxd.conf")
    sock = os.path.join(TMP, "run", "control.sock")
    open(log, "w").close()
    os.chmod(log, 0o644)
    with open(conf, "w") as f:
        f.write(DAEMON_CONF.format(log=log, src=SRC, tmp=TMP))
    d = Arxd(ARXD, conf, lambda: ctl(ARX, sock, "status").returncode == 0,
             env=ENV)

    def stat():
        r = ctl(ARX, sock, "status", "--json")
        return json.loads(r.stdout)["analysis"] if r.returncode == 0 else {}

    hwm0 = child_hwm(d)
    write(log, 0, SMALL, "a")
    expect(wait(lambda: stat().get("lines", 0) >= SMALL, 120, 0.5),
           "arxd read the first %d lines" % SMALL)
    hwm1 = child_hwm(d)
    write(log, SMALL, N, "a")
    expect(wait(lambda: stat().get("lines", 0) >= N, 300, 0.5),
           "arxd read all %d lines" % N)
    hwm2 = child_hwm(d)
    st = stat()
    print("     arxd child: peak %d KiB at start, %d KiB after %d lines, "
          "%d KiB after %d; status %s" % (hwm0, hwm1, SMALL, hwm2, N,
                         {k: st.get(k) for k in ("lines", "fired",
                                                 "correlation_buckets",
                                                 "correlation_dropped")}))
    expect(0 < hwm2 <= hwm1 * 1.10,
           "the analysis child's memory stops growing: %d KiB after 1M "
           "addresses, %d KiB after 250k" % (hwm2, hwm1))
    expect(0 < st.get("correlation_buckets", 0) <= 65536 * 4 and
           st.get("correlation_dropped", 0) >= N - 65536 * 4,
           "correlation holds its cap and counts what it dropped")
    d.stop()


def main():
    part_replay()
    part_daemon()


if __name__ == "__main__":
    finish("flood", main, tmp=TMP)
