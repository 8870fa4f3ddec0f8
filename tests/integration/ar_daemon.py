#!/usr/bin/env python3
"""arxd's active response for real, in two network namespaces (netns.py):
arxd runs in A with firewall-drop on the nftables and iptables backends,
blocks are asked for with `arx block`, and the kernel is looked at.

For each backend: a block puts 192.0.2.6 in the kernel ruleset and B
can no longer ping A; `arx list --json` shows it with its remaining
time; at its deadline arxd lifts it (within a second; 2 s allowed on a
busy machine) and B pings again.
Then arxd is killed with SIGKILL in the middle of a block and started
again: the block is lifted at its original deadline by the new arxd
(with iptables, which has no kernel timeout, only arxd can do that).
The same after a clean stop (SIGTERM, blocks kept), and after a clean
stop with <lift_on_stop> (the block goes at once). IPv6 too.
Needs root, nftables, iptables and ping.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
from nftwatch import Watch  # noqa: E402
from netns import A, close, expect, failures, ns, pings, setup

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX, FD = (os.path.join(BIN, n) for n in ("arxd", "arx", "firewall-drop"))
TMP = tempfile.mkdtemp(prefix="arx-daemon-")
os.chmod(TMP, 0o755)  # the analysis child (user arx) reads the logs here
CONF = os.path.join(TMP, "arx.conf")
LOG = os.path.join(TMP, "log", "active-responses.log")

CONF_TEXT = """<arx_config>
  <global><white_list>192.0.2.1</white_list></global>
  <command><name>fw-nft</name><executable>{fd}</executable>
    <extra_args>--backend nftables</extra_args>
    <timeout_allowed>yes</timeout_allowed></command>
  <command><name>fw-ipt</name><executable>{fd}</executable>
    <extra_args>--backend iptables</extra_args>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>fw-nft</command><location>local</location>
    <rules_id>5712</rules_id><timeout>3</timeout></active-response>
  <active-response><command>fw-ipt</command><location>local</location>
    <rules_id>5763</rules_id><timeout>3</timeout></active-response>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket>
    <lift_on_stop>{lift}</lift_on_stop></daemon>
</arx_config>
"""


def write_conf(lift="no"):
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(ardir=BIN, fd=FD, tmp=TMP, lift=lift, src=SRC))


class Daemon:
    def __init__(self):
        self.p = subprocess.Popen(["ip", "netns", "exec", A, ARXD, "-f",
                                   "-c", CONF], stderr=subprocess.PIPE,
                                  text=True)
        for _ in range(100):
            if self.p.poll() is None and arx("status").returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError("arxd did not start: " + self.stop(signal.SIGKILL))

    def stop(self, sig):
        self.p.send_signal(sig)
        _, err = self.p.communicate(timeout=40)
        return err


def arx(*args):
    return subprocess.run([ARX, *args, "-c", CONF], capture_output=True,
                          text=True, timeout=30)


def in_kernel(backend, addr):
    if backend == "nftables":
        out = ns(A, "nft", "list", "table", "inet", "arx", check=False).stdout
    else:
        tool = "ip6tables" if ":" in addr else "iptables"
        out = ns(A, tool, "-w", "-S", "arx", check=False).stdout
    return addr in out


def wait_gone(backend, addr, limit):
    """Seconds until addr leaves the kernel ruleset, or None."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if not in_kernel(backend, addr):
            return time.time() - t0
        time.sleep(0.05)
    return None


def listed(addr):
    r = arx("list", "--json")
    blocks = json.loads(r.stdout)["blocks"] if r.returncode == 0 else []
    return [b for b in blocks if b["address"] == addr]


def block(cmd, addr, secs):
    # the deadline counts from the request: arx block returns once the
    # program ran, which under ASan takes a good part of a second
    deadline = time.time() + secs
    r = arx("block", addr, "-t", str(secs), "-C", cmd)
    expect(r.returncode == 0, "arx block %s by %s (%s)" % (
        addr, cmd, (r.stdout + r.stderr).strip()))
    for _ in range(100):
        if in_kernel(BACKEND[cmd], addr):
            break
        time.sleep(0.02)
    return deadline


BACKEND = {"fw-nft": "nftables", "fw-ipt": "iptables"}


def lift_on_time(cmd, addr, target):
    d = Daemon()
    # 6 s: the checks below (pings of a second each, listings) take
    # seconds on a busy machine and must end before the deadline
    deadline = block(cmd, addr, 6)
    expect(in_kernel(BACKEND[cmd], addr), "%s: %s is in the kernel" % (cmd, addr))
    expect(not pings(target, tries=1), "%s: %s can no longer ping" % (cmd, addr))
    if cmd == "fw-nft":
        sets = ns(A, "nft", "list", "table", "inet", "arx").stdout
        expect(("%s timeout 1m6s" % addr) in sets,
               "the kernel holds it with its own timeout (block + 60 s), "
               "in case arxd is not there to lift it")
    rows = listed(addr)
    # a manual block is no offence (arx block --offence would count it)
    expect(len(rows) == 1 and 0 < rows[0]["remaining_s"] <= 6 and
           rows[0]["command"] == cmd and rows[0]["offences"] == 0 and
           rows[0]["rules"] == [],
           "%s: arx list --json shows the block with its remaining time (%s)"
           % (cmd, rows))
    gone = wait_gone(BACKEND[cmd], addr, 10)
    late = None if gone is None else time.time() - deadline
    # within a second on a quiet machine (0.2-0.7 s measured); 2 s while
    # the whole ASan suite runs beside it (1.0-1.3 s seen in CI)
    expect(gone is not None and -0.2 < late < 2.0,
           "%s: lifted at its deadline (%s s after it)" % (cmd, late))
    expect(pings(target), "%s: %s pings again" % (cmd, addr))
    expect(listed(addr) == [], "%s: arx list no longer shows it" % cmd)
    d.stop(signal.SIGTERM)


def survives(cmd, addr, target, sig, what):
    d = Daemon()
    # room for the restart to end before the deadline: an ASan root
    # process and analysis child on a busy machine take seconds, and
    # readiness waits for the journal's blocks to go back through their
    # programs (iptables under ASan beside the CI suite: over 9 s seen)
    deadline = block(cmd, addr, 20)
    time.sleep(0.5)
    d.stop(sig)
    expect(in_kernel(BACKEND[cmd], addr) and not pings(target, tries=1),
           "%s: still blocked after %s" % (cmd, what))
    d = Daemon()
    expect(time.time() < deadline, "%s: restarted after %s before the "
           "deadline (%.1f s left)" % (cmd, what, deadline - time.time()))
    gone = wait_gone(BACKEND[cmd], addr, 24)
    late = None if gone is None else time.time() - deadline
    expect(gone is not None and -0.2 < late < 2.0,
           "%s: after %s and a restart, lifted at the original deadline "
           "(%s s after it)" % (cmd, what, late))
    expect(pings(target), "%s: %s pings again" % (cmd, addr))
    d.stop(signal.SIGTERM)


def line_to_block(n=20):
    """Time from the 8th invalid-user line being written to the address
    being in the kernel's nftables set (as the kernel notifies it over
    netlink: tests/e2e/nftwatch.py), for n attackers in turn."""
    d = Daemon()
    watch = Watch(A)
    log = os.path.join(TMP, "auth.log")
    times = []
    for k in range(n):
        ip = "198.51.100.%d" % (100 + k)
        stamp = time.strftime("%b %e %H:%M:%S")
        with open(log, "a") as f:
            for i in range(8):
                if i == 7:
                    f.flush()
                    t0 = time.monotonic()
                f.write("%s vm sshd[%d]: Invalid user u%d from %s port %d\n"
                        % (stamp, 500 + i, i, ip, 40000 + i))
        t_set = watch.when(ip, True, t0, 5)
        times.append(((t_set or time.monotonic()) - t0) * 1000)
    watch.close()
    d.stop(signal.SIGTERM)
    times.sort()
    print("line-to-block (sshd line written -> address in the nftables "
          "set), %d attackers, ms: min %.1f  median %.1f  max %.1f"
          % (n, times[0], times[n // 2], times[-1]))
    # speed is measured by make bench (bench/latency.py), not asserted
    # here: an ASan build or a busy machine is several times slower
    expect(times[n // 2] < 2000,
           "the median line-to-block time is well under a second or two "
           "(%.1f ms; make bench measures it)" % times[n // 2])
    expect(times[-1] < 5000, "every attacker was blocked")


def main():
    setup()
    write_conf()
    line_to_block()
    expect(pings("192.0.2.1"), "B reaches A before any block")
    for cmd in ("fw-nft", "fw-ipt"):
        lift_on_time(cmd, "192.0.2.6", "192.0.2.1")
        survives(cmd, "192.0.2.6", "192.0.2.1", signal.SIGKILL, "SIGKILL")
        survives(cmd, "192.0.2.6", "192.0.2.1", signal.SIGTERM, "a clean stop")
    lift_on_time("fw-nft", "2001:db8::6", "2001:db8::1")
    survives("fw-ipt", "2001:db8::6", "2001:db8::1", signal.SIGKILL, "SIGKILL")

    # A white-listed address is refused; the journal holds what is live.
    d = Daemon()
    r = arx("block", "192.0.2.1")
    expect(r.returncode == 1 and "white-listed" in r.stderr,
           "a white-listed address is refused")
    d.stop(signal.SIGTERM)

    # With lift_on_stop, a clean stop lifts every block at once.
    write_conf(lift="yes")
    d = Daemon()
    block("fw-ipt", "192.0.2.6", 60)
    d.stop(signal.SIGTERM)
    expect(not in_kernel("iptables", "192.0.2.6") and pings("192.0.2.1"),
           "lift_on_stop: a clean stop lifts the block")
    text = open(LOG).read()
    for line in ("fw-nft add 192.0.2.6", "fw-nft delete 192.0.2.6",
                 "fw-ipt add 2001:db8::6", "fw-ipt delete 2001:db8::6"):
        expect(line in text, "active-responses.log has '%s'" % line)


try:
    main()
finally:
    close()
    subprocess.run(["rm", "-rf", TMP])

print("ar.daemon: %s" % ("all checks pass" if not failures
                         else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
