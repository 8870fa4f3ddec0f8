#!/usr/bin/env python3
"""Blocks per second, end to end: arxd (release build) in a network
namespace of its own follows an auth.log; every invalid-user line (rule
5710, bound to the response here) from a new address (2001:db8:2::/48,
which never sends a packet) is one block. N lines are appended at once
and the clock runs from their write until the kernel's netlink
notifications (tests/e2e/nftwatch.py) show all N addresses in arx's
nftables set. Run for the built-in backend (builtin:nftables, batched
nft transactions in the root process) and for firewall-drop (one
response program per block). Needs root, nftables and iproute2; the
namespace and everything in it are removed at the end.

Usage: bench/blocks.py [N_BUILTIN [N_FIREWALL_DROP]]
"""
import os
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
sys.path.insert(0, os.path.join(TOP, "bench"))
from nftwatch import Watch  # noqa: E402
import nsbench  # noqa: E402
BIN = os.path.join(TOP, "build", "release", "bin")
NS = "arxB%d" % os.getpid()

CONF = """<arx_config>
  <command><name>drop</name><executable>{exe}</executable>
    {extra}<timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>drop</command>
    <location>local</location><rules_id>5710</rules_id>
    <timeout>10m</timeout></active-response>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{top}/ruleset/decoders</decoder_dir>
    <rule_dir>{top}/ruleset/rules</rule_dir></ruleset>
  <daemon><active_response_dir>{bin}</active_response_dir>
    <state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket>
    <max_running>64</max_running><max_queued>1000000</max_queued></daemon>
</arx_config>
"""


def run(tmp, name, exe, extra, n):
    d = os.path.join(tmp, name)
    os.makedirs(d, mode=0o755)
    conf = os.path.join(d, "arx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(exe=exe, extra=extra, bin=BIN, tmp=d, top=TOP))
    log = os.path.join(d, "auth.log")
    open(log, "w").close()
    subprocess.run(["ip", "netns", "exec", NS, "nft", "delete", "table",
                    "inet", "arx"], stderr=subprocess.DEVNULL)
    watch = Watch(NS)
    arxd = subprocess.Popen(["ip", "netns", "exec", NS,
                             os.path.join(BIN, "arxd"), "-f", "-c", conf],
                            stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    stamp = time.strftime("%b %e %H:%M:%S")
    text = "".join("%s vm sshd[%d]: Invalid user u from 2001:db8:2:%x::%x "
                   "port 22\n" % (stamp, 500 + k % 1000, k >> 16,
                                  k & 0xffff)
                   for k in range(n))
    t0 = time.monotonic()
    with open(log, "a") as f:
        f.write(text)
    end = t0 + 300
    t_table = None
    while time.monotonic() < end:
        if t_table is None and os.environ.get("ARX_BENCH_STATUS"):
            st = subprocess.run([os.path.join(BIN, "arx"), "status", "-s",
                                 os.path.join(d, "run", "control.sock"),
                                 "--json"], capture_output=True,
                                text=True).stdout
            if '"active":%d' % n in st.replace(" ", ""):
                t_table = time.monotonic()
                print("table full after %.2f s" % (t_table - t0))
        with watch.lock:
            seen = sum(1 for _, _, p in watch.changes if p)
            last = max((t for t, _, p in watch.changes if p), default=t0)
        if seen >= n:
            break
        time.sleep(0.05)
    st = subprocess.run([os.path.join(BIN, "arx"), "status", "-s",
                         os.path.join(d, "run", "control.sock")],
                        capture_output=True, text=True).stdout
    for line in st.splitlines():
        if line.startswith("nftables:") or (
                os.environ.get("ARX_BENCH_STATUS") and
                line.startswith("blocks:")):
            print("  " + line.strip())
    arxd.send_signal(signal.SIGTERM)
    arxd.wait(timeout=120)
    watch.close()
    secs = last - t0
    print("blocks end to end, %s: %d of %d addresses in the kernel set in "
          "%.2f s = %.0f blocks/s" % (name, seen, n, secs,
                                      seen / secs if secs > 0 else 0),
          flush=True)


def main(tmp):
    n_builtin = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    n_prog = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    subprocess.run(["ip", "netns", "add", NS], check=True)
    subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
    run(tmp, "builtin:nftables", "builtin:nftables", "", n_builtin)
    run(tmp, "firewall-drop", os.path.join(BIN, "firewall-drop"),
        "<extra_args>--backend nftables</extra_args>", n_prog)


if __name__ == "__main__":
    nsbench.run("blocks", NS, main)
