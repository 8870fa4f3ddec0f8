#!/usr/bin/env python3
"""Line to block, over many attacks: arxd (release build) runs in a
network namespace of its own, once with builtin:nftables (no process
started per block) and once with firewall-drop on nftables; for each of
N attackers (N=1000 by default; addresses in 2001:db8:1::/64, which never
send a packet) eight invalid-user lines go to the watched auth.log, and
the time runs from the write of the 8th line to the kernel's netlink
notification that the address is in the set (tests/e2e/nftwatch.py).
Prints min, p50, p90, p99 and max. Needs root, nftables and iproute2;
the namespace and everything in it are removed at the end.

Usage: bench/latency.py [N]
"""
import os
import signal
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
sys.path.insert(0, os.path.join(TOP, "bench"))
from nftwatch import Watch  # noqa: E402
import nsbench  # noqa: E402
BIN = os.path.join(TOP, "build", "release", "bin")
NS = "arxL%d" % os.getpid()
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000

EXES = (("builtin:nftables", "builtin:nftables", ""),
        ("firewall-drop", "{bin}/firewall-drop",
         "<extra_args>--backend nftables</extra_args>"))

CONF = """<arx_config>
  <command><name>firewall-drop</name>
    <executable>{exe}</executable>{extra}
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>firewall-drop</command>
    <location>local</location><rules_id>5712</rules_id>
    <timeout>10m</timeout></active-response>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{top}/ruleset/decoders</decoder_dir>
    <rule_dir>{top}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{ardir}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket>
    <max_running>64</max_running></daemon>
</arx_config>
"""


def main(tmp):
    subprocess.run(["ip", "netns", "add", NS], check=True)
    subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
    for name, exe, extra in EXES:
        sub = os.path.join(tmp, name.replace(":", "-"))
        os.makedirs(sub)
        os.chmod(sub, 0o755)
        subprocess.run(["ip", "netns", "exec", NS, "nft", "flush",
                        "ruleset"], check=True)
        one(sub, name, exe.format(bin=BIN), extra)


def one(tmp, name, exe, extra):
    conf = os.path.join(tmp, "arx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(ardir=BIN, exe=exe, extra=extra, tmp=tmp,
                            top=TOP))
    log = os.path.join(tmp, "auth.log")
    open(log, "w").close()
    watch = Watch(NS)
    arxd = subprocess.Popen(["ip", "netns", "exec", NS,
                             *os.environ.get("ARX_WRAP", "").split(),
                             os.path.join(BIN, "arxd"), "-f", "-c", conf],
                            stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    times = []
    with open(log, "a") as f:
        for k in range(N):
            ip = "2001:db8:1::%x" % (k + 1)
            stamp = time.strftime("%b %e %H:%M:%S")
            for i in range(8):
                if i == 7:
                    f.flush()
                    t0 = time.monotonic()
                f.write("%s vm sshd[%d]: Invalid user u%d from %s port %d\n"
                        % (stamp, 500 + i, i, ip, 40000 + i))
            f.flush()
            t_set = watch.when(ip, True, t0, 5)
            if t_set is None:
                print("latency: %s was not blocked within 5 s" % ip)
                continue
            times.append((t_set - t0) * 1000)
    arxd.send_signal(signal.SIGTERM)
    arxd.wait(timeout=60)
    watch.close()
    times.sort()
    if not times:
        sys.exit("latency: no block seen")

    def pct(p):
        return times[min(len(times) - 1, int(len(times) * p / 100))]
    print("line-to-block, %s, over %d attacks (of %d): min %.1f  p50 %.1f  "
          "p90 %.1f  p99 %.1f  max %.1f ms (mean %.1f)" % (
              name, len(times), N, times[0], pct(50), pct(90), pct(99),
              times[-1], statistics.mean(times)))


if __name__ == "__main__":
    nsbench.run("latency", NS, main)
