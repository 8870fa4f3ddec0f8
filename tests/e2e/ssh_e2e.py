#!/usr/bin/env python3
"""End to end, nothing simulated: Debian's OpenSSH server, the real ssh
client and sshpass, arxd with firewall-drop on nftables, in network
namespaces joined by a bridge. Documentation addresses only:

  victim    192.0.2.1  2001:db8::1    sshd, arxd, nftables
  attacker  192.0.2.6-.9  2001:db8::6  ssh, sshpass, ping
  trusted   192.0.2.10 2001:db8::10   white-listed

sshd logs through syslog(3) to /dev/log, which in sshd's own mount
namespace is a link to a relay socket of this test; the relay notes the
time of every line and passes it to arxd's <remote><socket>, as rsyslog
would. nftwatch.py, in the victim, notes from the kernel's netlink
notifications when each address enters and leaves its nftables sets. Scenarios (the issue's A-F):

  A  8 invalid users from 192.0.2.6: 5712 in alerts.log and alerts.json,
     ping and TCP 22 fail, active-responses.log has the add and rule 601
     follows; after the timeout ping works and 602 is raised.
  B  the same over IPv6.
  C  the white-listed host does the same: never blocked, skip logged.
  D  192.0.2.6 again after its unblock: blocked for the longer period.
  E  arxd killed (SIGKILL) while 192.0.2.7 is blocked, started again:
     the unblock still happens at the original deadline; then the same
     with a clean stop for 192.0.2.8.
  F  password brute force with sshpass (rule 5763) from 192.0.2.9.
  G  one attempt, one count: sshpass with a password for non-existent
     users from 192.0.2.11 (sshd writes Invalid user, PAM's lines, Failed
     password for invalid user, Connection closed: five lines an attempt);
     7 attempts block nothing, the 8th fires 5712 once, 5763 never, and
     active-responses.log has one add (one offence).

For each block the time from sshd's log line to the address in the
kernel's set is printed. Everything the test made (namespaces, links,
processes, the table inside the victim) is removed at the end, also on
failure. Needs root, openssh-server, sshpass, nftables, iproute2.
"""
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from nftwatch import Watch  # noqa: E402
import sshnet  # noqa: E402
from sshnet import (ns, pings, sh, ssh_invalid, ssh_password,  # noqa: E402
                    tcp22)
from harness import (PROCS, Arxd as _Arxd, ctl, expect, failures,  # noqa
                     finish, scratch, wait)

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, FD = (os.path.join(BIN, n) for n in ("arxd", "arx",
                                                  "firewall-drop"))
PID = os.getpid()
SW, V, A, W = ("arx%s%d" % (n, PID) for n in ("S", "V", "A", "W"))
TMP = scratch("arx-e2e-")
BASE_S, REPEAT_S = 4, 9  # block, then the repeat offender's block
LATENCY = []
MONITOR = [None]  # the kernel's set changes, seen from the victim
HERE = os.path.dirname(os.path.abspath(__file__))

CONF = """<arx_config>
  <global><white_list>192.0.2.10</white_list>
    <white_list>2001:db8::10</white_list></global>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <command><name>firewall-drop</name><executable>{fd}</executable>
    <extra_args>--backend nftables</extra_args>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>firewall-drop</command>
    <location>local</location><rules_id>5712,5763</rules_id>
    <timeout>{base}</timeout>
    <repeated_offenders>{repeat}s</repeated_offenders>
    <offence_grace>10</offence_grace></active-response>
  <remote><connection>syslog</connection>
    <socket>{tmp}/arxd.sock</socket></remote>
  <localfile><location>{tmp}/log/active-responses.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket>
    <node_name>victim</node_name></daemon>
</arx_config>
"""

# ---- the network ----

HOSTS = {V: (["192.0.2.1/24"], ["2001:db8::1/64"]),
         A: (["192.0.2.6/24", "192.0.2.7/24", "192.0.2.8/24", "192.0.2.9/24",
              "192.0.2.11/24"], ["2001:db8::6/64"]),
         W: (["192.0.2.10/24"], ["2001:db8::10/64"])}


def net_up():
    sshnet.net_up(SW, HOSTS, PID)


def net_down():
    sshnet.net_down((V, A, W, SW))


# ---- sshd's log: relay with time stamps ----

class Relay(threading.Thread):
    """/dev/log for sshd: each datagram is noted with its arrival time
    and passed on to arxd's syslog socket."""
    def __init__(self):
        super().__init__(daemon=True)
        self.path = os.path.join(TMP, "relay.sock")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        os.chmod(self.path, 0o666)
        self.out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.lines = []  # (monotonic time, text)
        self.lock = threading.Lock()

    def run(self):
        while True:
            try:
                msg = self.s.recv(65536)
            except OSError:
                return
            with self.lock:
                self.lines.append((time.monotonic(), msg.decode("utf-8",
                                                                "replace")))
            try:
                self.out.sendto(msg, os.path.join(TMP, "arxd.sock"))
            except OSError:
                pass  # arxd is down (scenario E): sshd's line is lost

    def count(self, text):
        with self.lock:
            return sum(1 for _, m in self.lines if text in m)

    def last(self, text):
        with self.lock:
            found = [t for t, m in self.lines if text in m]
        return found[-1] if found else None


class Monitor(Watch):
    """When each address enters and leaves the victim's nftables sets,
    as the kernel notifies it (nftwatch.py, run in the victim)."""
    def __init__(self):
        super().__init__(V)
        PROCS.append(self.p)

    def added(self, addr, after):
        return self.when(addr, True, after)


# ---- arxd, sshd and the attacks ----

def Arxd():
    """arxd in the victim's namespace."""
    return _Arxd(ARXD, os.path.join(TMP, "arx.conf"),
                 lambda: arx("status").returncode == 0,
                 prefix=("ip", "netns", "exec", V))


def arx(*args):
    return ctl(ARX, os.path.join(TMP, "run", "control.sock"), *args)


def in_set(addr):
    out = ns(V, "nft", "list", "table", "inet", "arx", check=False).stdout
    return (" %s" % addr) in out.replace("{", " ").replace(",", " ")


def attack(relay, host, src, dst, kind="invalid"):
    """Connect until sshd logged 8 more lines of the kind from src (the
    8th fires the rule). Returns the relay's time of the 8th line."""
    text = "Invalid user" if kind == "invalid" else "Failed password for root"
    key = "from %s port" % src
    start = count_lines(relay, text, key)
    for i in range(12):
        if count_lines(relay, text, key) >= start + 8:
            break
        try:
            if kind == "invalid":
                ssh_invalid(host, src, dst, i)
            else:
                ssh_password(host, src, dst)
        except subprocess.TimeoutExpired:
            pass  # cut off by the block mid-way
        wait(lambda: count_lines(relay, text, key) > start + i, 2)
    return nth_line(relay, text, key, start + 8)


def count_lines(relay, text, key):
    with relay.lock:
        return sum(1 for _, m in relay.lines if text in m and key in m)


def nth_line(relay, text, key, n):
    with relay.lock:
        times = [t for t, m in relay.lines if text in m and key in m]
    return times[n - 1] if len(times) >= n else None


def measure(addr, t_line, what):
    t_set = None if t_line is None else MONITOR[0].when(addr, True, t_line, 5)
    if t_set is None:
        expect(False, "%s: %s entered the kernel's set after sshd's line" %
               (what, addr))
        return None
    ms = (t_set - t_line) * 1000
    LATENCY.append((what, addr, ms))
    print("     line-to-block %s %s: %.1f ms (sshd's log line -> address "
          "in the nftables set)" % (what, addr, ms), flush=True)
    return t_set


def alerts_json(rule, srcip=None):
    path = os.path.join(TMP, "log", "alerts.json")
    try:
        rows = [json.loads(l) for l in open(path)]
    except FileNotFoundError:
        return []
    return [r for r in rows if r["rule"]["id"] == str(rule) and
            (srcip is None or r.get("data", {}).get("srcip") == srcip)]


def alerts_log(rule):
    try:
        return open(os.path.join(TMP, "log", "alerts.log")).read().count(
            "Rule: %d " % rule)
    except FileNotFoundError:
        return 0


def arlog():
    try:
        return open(os.path.join(TMP, "log", "active-responses.log")).read()
    except FileNotFoundError:
        return ""


def block_seconds(row):
    """How long a listed block was given (expires - added): the time
    left would depend on how busy the machine was before the look."""
    def parse(t):
        return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
    return round((parse(row["expires"]) - parse(row["added"]))
                 .total_seconds())


def listed(addr):
    r = arx("list", "--json")
    rows = json.loads(r.stdout)["blocks"] if r.returncode == 0 else []
    return [b for b in rows if b["address"] == addr]


def unblocked_at(addr, limit):
    """Monotonic time addr left the kernel set, or None."""
    if wait(lambda: not in_set(addr), limit):
        return time.monotonic()
    return None


# ---- the scenarios ----

def blocked_checks(what, host, src, dst, rule, t_line):
    """The block is real: rule alert, kernel set, no ping, no TCP 22,
    active-responses.log add, rule 601. Returns when the address
    entered the set."""
    t_set = measure(src, t_line, what)
    expect(wait(lambda: alerts_json(rule, src) != [], 3) and
           alerts_log(rule) >= 1,
           "%s: rule %d is in alerts.json (srcip %s) and alerts.log" %
           (what, rule, src))
    expect(in_set(src), "%s: %s is in the victim's nftables set" %
           (what, src))
    expect(not pings(host, src, dst, tries=1),
           "%s: %s can no longer ping %s" % (what, src, dst))
    expect(not tcp22(host, src, dst), "%s: nor open TCP port 22" % what)
    expect(("firewall-drop add %s rule %d" % (src, rule)) in arlog(),
           "%s: active-responses.log has the add" % what)
    expect(wait(lambda: any(src in a["full_log"]
                            for a in alerts_json(601)), 3),
           "%s: rule 601 (host blocked) follows" % what)
    return t_set


def lifted_checks(what, host, src, dst, t_set, period):
    """Lifted at its deadline (as the kernel saw it), pings again, 602."""
    gone = None if t_set is None else MONITOR[0].when(
        src, False, t_set, t_set + period + 3 - time.monotonic())
    late = None if gone is None else gone - (t_set + period)
    expect(gone is not None and -0.3 < late < 1.0,
           "%s: lifted at its deadline (%s s after it)" %
           (what, None if late is None else round(late, 3)))
    expect(pings(host, src, dst), "%s: %s pings again" % (what, src))
    expect(wait(lambda: any(src in a["full_log"]
                            for a in alerts_json(602)), 3),
           "%s: rule 602 (host unblocked) is raised" % what)


def scenario_a(relay):
    t8 = attack(relay, A, "192.0.2.6", "192.0.2.1")
    t_set = blocked_checks("A", A, "192.0.2.6", "192.0.2.1", 5712, t8)
    lifted_checks("A", A, "192.0.2.6", "192.0.2.1", t_set, BASE_S)
    return t8


def scenario_b(relay):
    t8 = attack(relay, A, "2001:db8::6", "2001:db8::1")
    t_set = blocked_checks("B (IPv6)", A, "2001:db8::6", "2001:db8::1",
                           5712, t8)
    lifted_checks("B (IPv6)", A, "2001:db8::6", "2001:db8::1", t_set,
                  BASE_S)


def scenario_c(relay):
    t8 = attack(relay, W, "192.0.2.10", "192.0.2.1")
    expect(t8 is not None, "C: sshd logged 8 invalid users from the "
           "white-listed 192.0.2.10")
    expect(wait(lambda: "firewall-drop whitelisted 192.0.2.10" in arlog(), 3),
           "C: the skip is in active-responses.log")
    expect(wait(lambda: any("192.0.2.10" in a["full_log"]
                            for a in alerts_json(604)), 3),
           "C: rule 604 (white-listed address spared) is raised")
    expect(not in_set("192.0.2.10") and
           MONITOR[0].added("192.0.2.10", 0) is None and
           pings(W, "192.0.2.10", "192.0.2.1") and
           tcp22(W, "192.0.2.10", "192.0.2.1"),
           "C: 192.0.2.10 is never blocked")


def scenario_d(relay, t_first):
    # 5712's ignore window (60 s) is kept per source: wait it out, as a
    # real attacker coming back later would.
    time.sleep(max(0.0, t_first + 61 - time.monotonic()))
    t8 = attack(relay, A, "192.0.2.6", "192.0.2.1")
    t_set = measure("192.0.2.6", t8, "D")
    rows = listed("192.0.2.6")
    expect(len(rows) == 1 and rows[0]["offences"] == 2 and
           block_seconds(rows[0]) == REPEAT_S,
           "D: blocked again as a repeat offender for the longer period "
           "(%s)" % rows)
    time.sleep(max(0.0, t8 + BASE_S + 1 - time.monotonic()))
    expect(in_set("192.0.2.6") and
           not pings(A, "192.0.2.6", "192.0.2.1", tries=1),
           "D: still blocked after the first period would have ended")
    lifted_checks("D", A, "192.0.2.6", "192.0.2.1", t_set, REPEAT_S)


def scenario_e(relay, daemon, sig, src, what):
    t8 = attack(relay, A, src, "192.0.2.1")
    t_set = measure(src, t8, "E")
    expect(in_set(src), "E: %s blocked before arxd is stopped (%s)" %
           (src, what))
    daemon.stop(sig)
    expect(in_set(src) and not pings(A, src, "192.0.2.1", tries=1),
           "E: %s still blocked while arxd is down (%s)" % (src, what))
    daemon = Arxd()
    lifted_checks("E (%s)" % what, A, src, "192.0.2.1", t_set, BASE_S)
    return daemon


def scenario_f(relay):
    t8 = attack(relay, A, "192.0.2.9", "192.0.2.1", kind="password")
    expect(t8 is not None, "F: sshd logged 8 failed passwords for root")
    t_set = blocked_checks("F (sshpass)", A, "192.0.2.9", "192.0.2.1", 5763,
                           t8)
    lifted_checks("F (sshpass)", A, "192.0.2.9", "192.0.2.1", t_set, BASE_S)


def scenario_g(relay):
    src, key = "192.0.2.11", "from 192.0.2.11 port"
    text = "Failed password for invalid user"
    for i in range(7):
        ssh_password(A, src, "192.0.2.1", "nobody%d" % i)
        wait(lambda: count_lines(relay, text, key) > i, 5)
    lines = sum(1 for _, m in list(relay.lines) if "192.0.2.11" in m)
    expect(count_lines(relay, text, key) == 7 and
           count_lines(relay, "Invalid user", key) == 7,
           "G: sshd logged 7 attempts as Invalid user + Failed password "
           "for invalid user (%d lines naming 192.0.2.11)" % lines)
    time.sleep(0.5)
    expect(not in_set(src) and alerts_json(5712, src) == [] and
           alerts_json(5763, src) == [],
           "G: 7 attempts (14 failure lines) block nothing")
    ssh_password(A, src, "192.0.2.1", "nobody7")
    expect(wait(lambda: in_set(src), 5), "G: the 8th attempt blocks %s" %
           src)
    time.sleep(1.0)
    expect(len(alerts_json(5712, src)) == 1 and
           alerts_json(5763, src) == [],
           "G: 5712 fired once, 5763 never (%d, %d)" % (
               len(alerts_json(5712, src)), len(alerts_json(5763, src))))
    expect(arlog().count("firewall-drop add %s " % src) == 1,
           "G: one block, one offence in active-responses.log")
    rows = listed(src)
    expect(len(rows) == 1 and rows[0]["offences"] == 1 and
           rows[0]["rules"] == [5712] and
           block_seconds(rows[0]) == BASE_S,
           "G: arx list: one offence, asked by 5712, blocked for the first "
           "offence's time (%s)" % rows)


def start(relay):
    with open(os.path.join(TMP, "arx.conf"), "w") as f:
        f.write(CONF.format(ardir=BIN, fd=FD, tmp=TMP, src=SRC, base=BASE_S,
                            repeat=REPEAT_S))
    relay.start()
    MONITOR[0] = Monitor()
    daemon = Arxd()
    sshd = sshnet.sshd_start(V, TMP, os.path.join(TMP, "relay.sock"))
    PROCS.append(sshd)
    expect(wait(lambda: relay.count("Server listening on") >= 1, 10),
           "sshd runs in the victim and logs through /dev/log")
    return daemon


def main():
    for tool in ("/usr/sbin/sshd", "/usr/bin/sshpass", "/usr/sbin/nft"):
        if not os.access(tool, os.X_OK):
            expect(False, "%s is installed (make check installs it)" % tool)
            return
    net_up()
    relay = Relay()
    daemon = start(relay)
    expect(pings(A, "192.0.2.6", "192.0.2.1") and
           tcp22(A, "192.0.2.6", "192.0.2.1"),
           "the attacker reaches the victim before any attack")
    t_a = scenario_a(relay)
    scenario_b(relay)
    scenario_c(relay)
    daemon = scenario_e(relay, daemon, signal.SIGKILL, "192.0.2.7",
                        "SIGKILL")
    daemon = scenario_e(relay, daemon, signal.SIGTERM, "192.0.2.8",
                        "a clean stop")
    scenario_f(relay)
    scenario_g(relay)
    scenario_d(relay, t_a)
    err = daemon.stop()
    expect("Sanitizer" not in err, "arxd exited clean")
    if failures:
        print("arxd said:\n" + err[-6000:])
    print("e2e.ssh: scenarios took %.0f s" % (time.time() - T0))
    if LATENCY:
        ms = sorted(m for _, _, m in LATENCY)
        print("line-to-block over %d blocks: min %.1f ms, median %.1f ms, "
              "max %.1f ms" % (len(ms), ms[0], ms[len(ms) // 2], ms[-1]))


def leftovers():
    net_down()
    left = [n for n in sh("ip", "netns", "list").stdout.split()
            if n.endswith(str(PID))]
    links = [l for l in sh("ip", "-o", "link").stdout.splitlines()
             if "_%d" % PID in l]
    procs = sh("pgrep", "-f", TMP, check=False).stdout.split()
    expect(left == [] and links == [] and procs == [],
           "no namespace, interface or process is left behind (the "
           "nftables table went with the victim's namespace)")


T0 = time.time()
finish("e2e.ssh", main, None if os.environ.get("ARX_E2E_KEEP") else TMP,
       leftovers)
