#!/usr/bin/env python3
"""An agent fails over between two managers (issue 24, item 2).

In a network namespace of its own (unshare -n: its loopback, holding
also 198.51.100.2, where an nftables rule drops every packet, so that
address answers nothing),
two managers listen on two loopback ports with the same agent table, and
one agent lists both as <server>s. The agent connects to the first. Its
lines are analysed there; then the first manager is frozen (SIGSTOP:
the agent's next lines go into its socket and are never acknowledged)
and killed (SIGKILL). The agent moves on to the second manager at once
and sends it every line not acknowledged: each of the lines the first
never analysed arrives there, and so do the next ones, once each. The
first manager started again does not take the agent from the second (a
working manager is not left); the second killed, the agent wraps round
to the first.

Then the agent lists a silent address first (its SYN goes nowhere), a
listening socket nobody accepts on second (TCP connects, TLS never
answers) and the first manager third: it skips the silent one after the
connect deadline (3 s, not TCP's two minutes) and the mute one after the
handshake deadline (10 s), and its lines reach the manager. Needs root.
"""
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys

if os.environ.get("ARX_FAILOVER_NS") != "1":
    os.environ["ARX_FAILOVER_NS"] = "1"
    os.execvp("unshare", ["unshare", "-n", sys.executable, *sys.argv])

from harness import Arxd, ctl, expect, finish, scratch, wait  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-failover-")
M1, M2, A = (os.path.join(TMP, d) for d in ("m1", "m2", "agent"))
P1, P2, MUTE, SILENT = 24514, 24515, 24516, 24517
SILENT_ADDR = "198.51.100.2"

RULESET = """<ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>""".format(src=SRC)
DAEMON = """<daemon><node_name>{name}</node_name><state_dir>{d}/state
    </state_dir><log_dir>{d}/log</log_dir><control_socket>{d}/run/control.sock
    </control_socket></daemon>"""
MANAGER = """<arx_config>
  <alerts><log_alert_level>3</log_alert_level></alerts>
  <remote><connection>secure</connection><port>{port}</port>
    <local_ip>127.0.0.1</local_ip></remote>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  {ruleset}
  {daemon}
</arx_config>
"""
SERVER = "<server><address>%s</address><port>%d</port></server>"
AGENT = """<arx_config>
  <client>{servers}<notify_time>2</notify_time></client>
  <localfile><location>{d}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  {ruleset}
  {daemon}
</arx_config>
"""


def sock(d):
    return os.path.join(d, "run", "control.sock")


def stat(d, name):
    r = ctl(ARX, sock(d), "status", "--json")
    return json.loads(r.stdout)["analysis"].get(name, -1) \
        if r.returncode == 0 else -1


def got(d, tag):
    """The tag's lines each alert of d names, in order (with repeats)."""
    try:
        text = open(os.path.join(d, "log", "alerts.log")).read()
    except OSError:
        return []
    return re.findall(r"Invalid user (%s\d+) " % tag, text)


def feed(tag, n):
    with open(os.path.join(A, "auth.log"), "a") as f:
        for i in range(n):
            f.write("Dec  7 10:00:%02d web01 sshd[%d]: Invalid user %s%d "
                    "from 203.0.113.%d port %d\n"
                    % (i, 5000 + i, tag, i, 10 + i, 40000 + i))


def all_once(d, tag, n, at_least=False):
    lines = got(d, tag)
    want = {"%s%d" % (tag, i) for i in range(n)}
    if at_least:
        return set(lines) == want
    return set(lines) == want and len(lines) == n


def agent_conf(servers):
    with open(os.path.join(A, "arx.conf"), "w") as f:
        f.write(AGENT.format(
            servers="".join(SERVER % s for s in servers), d=A,
            ruleset=RULESET, daemon=DAEMON.format(name="web01", d=A)))


def setup():
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "addr", "add", SILENT_ADDR + "/32", "dev", "lo"],
                ["nft", "add table inet failover; add chain inet failover "
                 "in { type filter hook input priority 0; }; add rule inet "
                 "failover in ip daddr %s drop" % SILENT_ADDR]):
        subprocess.run(cmd, check=True)
    arx = pwd.getpwnam("arx")
    table = os.path.join(TMP, "agents")
    r = subprocess.run([ARX, "agents", "-f", table, "add", "web01"],
                       capture_output=True, text=True, timeout=30)
    expect(r.returncode == 0, "an agent added to a table: " + r.stderr)
    for d in (M1, M2, A):
        os.makedirs(os.path.join(d, "state"), mode=0o700)
        open(os.path.join(d, "auth.log"), "w").close()
        os.chmod(os.path.join(d, "auth.log"), 0o644)
    for d, port in ((M1, P1), (M2, P2)):
        an = os.path.join(d, "state", "analysis")
        os.makedirs(an, mode=0o700)
        shutil.copy(table, os.path.join(an, "agents"))
        for p in (an, os.path.join(an, "agents")):
            os.chown(p, arx.pw_uid, arx.pw_gid)
        with open(os.path.join(d, "arx.conf"), "w") as f:
            f.write(MANAGER.format(port=port, d=d, ruleset=RULESET,
                                   daemon=DAEMON.format(name=d[-2:], d=d)))
    key = os.path.join(A, "state", "agent.key")
    with open(key, "w") as f:
        f.write(open(table).readline())  # "1 web01 any KEY active"
    os.chmod(key, 0o600)


def start(d):
    return Arxd(ARXD, os.path.join(d, "arx.conf"),
                lambda: ctl(ARX, sock(d), "status").returncode == 0)


def child_of(p):
    """The analysis child of arxd process p."""
    with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
        return int(f.read().split()[0])


def phase_kill(m1, m2):
    """The agent on m1; m1 frozen, then killed: everything reaches m2."""
    expect(wait(lambda: stat(M1, "agents_connected") == 1, 30),
           "the agent connects to the first manager")
    expect(stat(A, "uplink_server") == 0 and
           stat(M2, "agents_connected") == 0,
           "and only to it (uplink_server %d)" % stat(A, "uplink_server"))
    feed("a", 10)
    expect(wait(lambda: all_once(M1, "a", 10), 30),
           "the first manager analyses the agent's 10 lines")
    kid = child_of(m1.p)
    os.kill(kid, signal.SIGSTOP)
    os.kill(m1.p.pid, signal.SIGSTOP)
    sent = stat(A, "uplink_sent")
    feed("b", 10)
    expect(wait(lambda: stat(A, "uplink_sent") >= sent + 10, 30),
           "10 more lines go to the frozen manager's socket")
    os.kill(kid, signal.SIGKILL)
    m1.stop(signal.SIGKILL)
    expect(got(M1, "b") == [],
           "which analysed none of them before it was killed")
    expect(wait(lambda: stat(M2, "agents_connected") == 1, 30),
           "the agent moves on to the second manager")
    expect(wait(lambda: all_once(M2, "b", 10, at_least=True), 30),
           "every line not acknowledged reaches the second manager: %s"
           % sorted(set(got(M2, "b"))))
    feed("c", 10)
    expect(wait(lambda: all_once(M2, "c", 10), 30),
           "and the next lines, once each (%d alerts)" % len(got(M2, "c")))
    expect(stat(A, "uplink_server") == 1 and
           stat(A, "uplink_failovers") >= 1,
           "arx status: uplink_server 1, uplink_failovers %d"
           % stat(A, "uplink_failovers"))


def phase_wrap(m2):
    """m1 back: the agent stays on m2; m2 killed: it wraps to m1."""
    m1 = start(M1)
    feed("s", 5)
    expect(wait(lambda: all_once(M2, "s", 5), 30),
           "with the first manager back, the agent stays on the second")
    expect(stat(M1, "agents_connected") == 0 and
           stat(A, "uplink_server") == 1,
           "(the first has no agent connected)")
    m2.stop(signal.SIGKILL)
    expect(wait(lambda: stat(M1, "agents_connected") == 1, 30),
           "the second killed, the agent wraps round to the first")
    feed("d", 10)
    expect(wait(lambda: all_once(M1, "d", 10), 30),
           "which analyses the next lines once each (%d alerts)"
           % len(got(M1, "d")))
    expect(stat(A, "uplink_server") == 0, "arx status: uplink_server 0")
    return m1


def phase_silent(m1):
    """A silent address and a mute listener before m1: both skipped."""
    mute = socket.socket()
    mute.bind(("127.0.0.1", MUTE))
    mute.listen(0)  # nobody accepts: TCP connects, TLS hears nothing
    agent_conf([(SILENT_ADDR, SILENT), ("127.0.0.1", MUTE),
                ("127.0.0.1", P1)])
    a = start(A)
    feed("e", 10)
    # Without the deadlines the silent address alone holds the agent for
    # TCP's two minutes of SYN retries: 60 s tells them apart.
    expect(wait(lambda: all_once(M1, "e", 10), 60),
           "past a silent address and a mute listener, the agent's lines "
           "reach the third server (%d alerts)" % len(got(M1, "e")))
    err = a.stop()
    mute.close()
    silent = "manager %s:%d cannot be reached: no answer within 3 s; " \
        "trying 127.0.0.1:%d" % (SILENT_ADDR, SILENT, MUTE)
    muted = "manager 127.0.0.1:%d handshake failed: not done within 10 s;" \
        " trying 127.0.0.1:%d" % (MUTE, P1)
    expect(silent in err, "the agent said: " + silent)
    expect(muted in err, "the agent said: " + muted)
    expect("connected to the manager 127.0.0.1:%d as agent 1 'web01'" % P1
           in err, "and which manager it connected to")


def main():
    setup()
    agent_conf([("127.0.0.1", P1), ("127.0.0.1", P2)])
    m1, m2 = start(M1), start(M2)
    a = start(A)
    phase_kill(m1, m2)
    m1 = phase_wrap(m2)
    err = a.stop()
    lost = "manager 127.0.0.1:%d connection lost" % P1
    expect(re.search(re.escape(lost) + r".*; trying 127\.0\.0\.1:%d$" % P2,
                     err, re.M) is not None,
           "the agent logged the loss and the next manager: %s"
           % [l for l in err.splitlines() if "manager" in l][:6])
    phase_silent(m1)
    m1.stop()


if __name__ == "__main__":
    finish("failover", main, tmp=TMP)
