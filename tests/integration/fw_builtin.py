#!/usr/bin/env python3
"""The built-in nftables backend (<executable>builtin:nftables
</executable>) of a running arxd, against the real kernel, in two network
namespaces (netns.py): arxd runs in A, B is the attacker.

A block asked for with `arx block` puts the address (IPv4 and IPv6) in
arx's nftables set, with the kernel timeout the block plus its safety
margin, and B can no longer ping A; arxd lifts it at its deadline and B
pings again; `arx unblock` lifts at once. 5,000 invalid-user lines from
5,000 addresses (rule 5710 bound here) become 5,000 elements, applied in
a few nft transactions rather than 5,000 programs, each logged in
active-responses.log. With the table deleted behind arxd's back, the
next block sets it up again (the batch is retried). A configuration
naming an unknown built-in is refused with a suggestion. Needs root,
nftables and ping.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from harness import wait
from netns import A, B, close, expect, failures, ns, pings, setup

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = tempfile.mkdtemp(prefix="arx-builtin-")
os.chmod(TMP, 0o755)  # the analysis child (user arx) reads the log here
CONF = os.path.join(TMP, "arx.conf")
N = 5000

CONF_TEXT = """<arx_config>
  <command><name>nft-drop</name><executable>{exe}</executable>
    <timeout_allowed>yes</timeout_allowed></command>
  <active-response><command>nft-drop</command><location>local</location>
    <rules_id>5710</rules_id><timeout>10m</timeout></active-response>
  <localfile><location>{tmp}/auth.log</location>
    <log_format>syslog</log_format></localfile>
  <ruleset><decoder_dir>{src}/ruleset/decoders</decoder_dir>
    <rule_dir>{src}/ruleset/rules</rule_dir></ruleset>
  <daemon><state_dir>{tmp}/state</state_dir><log_dir>{tmp}/log</log_dir>
    <control_socket>{tmp}/run/control.sock</control_socket>
    <lift_on_stop>yes</lift_on_stop></daemon>
</arx_config>
"""


def arx(*args):
    return subprocess.run([ARX, *args, "-c", CONF], capture_output=True,
                          text=True, timeout=60)


def elements(family):
    out = ns(A, "nft", "-j", "list", "set", "inet", "arx",
             "block%d" % family, check=False).stdout
    try:
        data = json.loads(out)["nftables"]
    except (ValueError, KeyError):
        return {}
    got = {}
    for item in data:
        for e in item.get("set", {}).get("elem", []):
            e = e.get("elem", e)
            if isinstance(e, dict):
                got[e["val"]] = e.get("timeout", 0)
            else:
                got[e] = 0
    return got


def dead(pid):
    """pid has ended (a zombie not reaped yet counts)."""
    try:
        return open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1] \
            .split()[0] == "Z"
    except OSError:
        return True



def main():
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(exe="builtin:nftabls", tmp=TMP, src=SRC))
    r = subprocess.run([ARXD, "-t", "-c", CONF], capture_output=True,
                       text=True, timeout=30)
    expect(r.returncode != 0 and "builtin:nftables" in r.stderr and
           "arx.conf:2:" in r.stderr,
           "an unknown built-in is refused with file:line and a "
           "suggestion: " + r.stderr.strip().splitlines()[0])
    with open(CONF, "w") as f:
        f.write(CONF_TEXT.format(exe="builtin:nftables", tmp=TMP, src=SRC))
    open(os.path.join(TMP, "auth.log"), "w").close()
    os.chmod(os.path.join(TMP, "auth.log"), 0o644)
    setup()
    errf = open(os.path.join(TMP, "arxd.err"), "w+")
    d = subprocess.Popen(["ip", "netns", "exec", A, ARXD, "-f", "-c", CONF],
                         stderr=errf, text=True)
    try:
        expect(wait(lambda: arx("status").returncode == 0, 10),
               "arxd runs with builtin:nftables")
        expect(pings("192.0.2.1"), "B pings A before any block")
        arx("block", "192.0.2.6", "-t", "3s", "-C", "nft-drop")
        arx("block", "2001:db8::6", "-t", "1h", "-C", "nft-drop")
        wait(lambda: "2001:db8::6" in elements(6), 2)
        v4, v6 = elements(4), elements(6)
        expect("192.0.2.6" in v4 and "2001:db8::6" in v6,
               "arx block puts each address in arx's set (%s, %s)"
               % (v4, v6))
        expect(v4.get("192.0.2.6") == 63 and v6.get("2001:db8::6") == 7200,
               "with the block plus its safety margin as the kernel "
               "timeout (63 s, 2 h)")
        expect(not pings("192.0.2.1", tries=1) and
               not pings("2001:db8::1", tries=1),
               "B can no longer ping A")
        expect(wait(lambda: "192.0.2.6" not in elements(4), 5) and
               pings("192.0.2.1"),
               "arxd lifts the 3 s block at its deadline; B pings again")
        arx("unblock", "2001:db8::6", "-C", "nft-drop")
        expect(wait(lambda: "2001:db8::6" not in elements(6), 2) and
               pings("2001:db8::1"), "arx unblock lifts at once")
        helpers = [p for p in os.listdir("/proc") if p.isdigit() and
                   open("/proc/%s/comm" % p).read().strip() == "arx-nft" and
                   ("-c %s" % CONF) in " ".join(open(
                       "/proc/%s/cmdline" % p).read().split("\0"))]
        expect(len(helpers) == 1, "one arx-nft helper applies the "
               "batches (%s)" % helpers)
        for p in helpers:
            os.kill(int(p), signal.SIGKILL)
        expect(wait(lambda: all(dead(p) for p in helpers), 10),
               "the helper is gone")
        arx("block", "192.0.2.8", "-t", "1h", "-C", "nft-drop")
        expect(wait(lambda: "192.0.2.8" in elements(4), 5),
               "with the helper killed, the next block still lands (a new "
               "helper)")
        ns(A, "nft", "delete", "table", "inet", "arx")
        arx("block", "192.0.2.7", "-t", "1h", "-C", "nft-drop")
        expect(wait(lambda: "192.0.2.7" in elements(4), 5),
               "with the table deleted behind arxd's back, the next block "
               "sets it up again")
        burst(d)
        expect(len(elements(6)) == N, "%d blocks in the set before the "
               "stop" % len(elements(6)))
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=60)
        errf.seek(0)
        err = errf.read()
    expect("Sanitizer" not in err and
           not re.search(r"nftables: a batch of \d+ failed: ", err),
           "arxd exited clean, no batch failed for good")
    left = len(elements(6)) + len(elements(4))
    expect(left == 0, "<lift_on_stop>: the clean stop lifted all %d blocks "
           "in a few transactions before arxd exited (%d left)"
           % (N + 2, left))
    retries = re.findall(r"nftables: a batch of \d+ failed .*trying it "
                         r"again", err)
    helper = [r for r in retries if "helper ended" in r]
    expect(len(helper) == 1 and len(retries) <= 2,
           "the batch after the helper's death was tried again, once, "
           "with a new helper; at most one more retry, after the deletion "
           "(unless the kernel check saw the table gone first): %s"
           % retries)


def burst(d):
    stamp = time.strftime("%b %e %H:%M:%S")
    with open(os.path.join(TMP, "auth.log"), "a") as f:
        for k in range(N):
            f.write("%s vm sshd[%d]: Invalid user u from 2001:db8:7::%x "
                    "port 22\n" % (stamp, 100 + k % 900, k + 1))
    expect(wait(lambda: len(elements(6)) >= N, 60),
           "%d lines from %d addresses: %d elements in the set"
           % (N, N, len(elements(6))))
    # the log line follows the kernel's confirmation by a loop turn
    arlog = lambda: open(os.path.join(TMP, "log",  # noqa: E731
                                      "active-responses.log")).read()
    expect(wait(lambda: arlog().count("nft-drop add 2001:db8:7::") == N,
                10),
           "each logged in active-responses.log (%d)"
           % arlog().count("nft-drop add 2001:db8:7::"))
    out = arx("status").stdout
    expect(re.search(r"programs: .* 0 failed", out) is not None,
           "no run failed: " + re.search(r"programs:.*", out).group(0))
    rs = json.loads(arx("status", "--json").stdout)["responses"]
    expect(rs["nft_ops"] >= N and rs["nft_batches"] * 10 < rs["nft_ops"],
           "in few transactions, not one per block: %d operations in %d "
           "(the largest %d)" % (rs["nft_ops"], rs["nft_batches"],
                                 rs["nft_largest"]))


if __name__ == "__main__":
    try:
        main()
    finally:
        close()
        shutil.rmtree(TMP, ignore_errors=True)
    print("fw_builtin: %s" % ("all checks pass" if not failures
                              else "%d failed" % len(failures)))
    sys.exit(1 if failures else 0)
