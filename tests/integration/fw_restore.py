#!/usr/bin/env python3
"""The kernel holds what arx says, against the real kernel in two network
namespaces (netns.py): arxd runs in A, B is the attacker.

Blocks of every backend are in place: builtin:nftables and firewall-drop
on nftables (IPv4 and IPv6 each, B's own addresses among them, so B
cannot ping A), firewall-drop on iptables and on ipset, and a program of
the test's own (unknown to arx: not looked at, its add run again at
start). Then:

 (a) `nft flush ruleset` in A (what `systemctl restart nftables` does):
     within a look or two (2 s each; 1.5-2.2 s measured on a debug build)
     every nftables, iptables and ipset block is back, B
     cannot ping again, `arx status` counts the restores and arxd logs
     the round once, not once per address; a flush of one set's elements
     alone is put back the same way;
 (b) a reboot: arxd killed with SIGKILL, the whole ruleset and the ipset
     sets gone, arxd started again: when it answers (its readiness)
     every block is in the kernel again with its remaining time (plus
     the margin an add has), not its full time, and the test's program
     was given its add again with that time; a reload (SIGHUP) puts
     nothing back;
 (c) the test's program fails its add at the next start: `arx list`
     shows that block as not in the kernel (KERNEL NO, in_kernel false).

Needs root, nftables, iptables, ipset and ping.
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

import netns
from netns import A, close, expect, failures, ns, pings, setup

BIN = os.path.abspath(sys.argv[1])
ARXD, ARX, FD = (os.path.join(BIN, n) for n in ("arxd", "arx",
                                                 "firewall-drop"))
TMP = tempfile.mkdtemp(prefix="arx-restore-")
CONF = os.path.join(TMP, "arx.conf")
ERR = os.path.join(TMP, "arxd.err")
OWN_LOG = os.path.join(TMP, "own.log")
OWN_FAIL = os.path.join(TMP, "own.fail")
FULL = 1200  # a 10 min block's kernel timeout: 600 s + its 600 s margin
PROCS = []  # every arxd started, killed at the end whatever happens

COMMANDS = (("nft-drop", "builtin:nftables", ""),
            ("fw-nft", "firewall-drop", ""),
            ("fw-ipt", "firewall-drop", "--backend iptables"),
            ("fw-ipset", "firewall-drop", "--backend ipset"),
            ("own", "own-block", ""))

BLOCKS = {"nft-drop": ("192.0.2.6", "198.51.100.10", "2001:db8:1::10"),
          "fw-nft": ("2001:db8::6", "198.51.100.11", "2001:db8:1::11"),
          "fw-ipt": ("203.0.113.20", "2001:db8:2::20"),
          "fw-ipset": ("203.0.113.21", "2001:db8:2::21"),
          "own": ("203.0.113.30",)}

OWN = """#!/bin/sh
# A response program arx does not know: records each message it gets.
read -r line
printf '%s\\n' "$line" >> {log}
[ -e {fail} ] && exit 1
exit 0
"""


def write_conf():
    ardir = os.path.join(TMP, "ar")
    os.makedirs(ardir)
    os.symlink(FD, os.path.join(ardir, "firewall-drop"))
    with open(os.path.join(ardir, "own-block"), "w") as f:
        f.write(OWN.format(log=OWN_LOG, fail=OWN_FAIL))
    os.chmod(os.path.join(ardir, "own-block"), 0o755)
    parts = ["<arx_config>"]
    for i, (name, exe, extra) in enumerate(COMMANDS):
        parts.append("<command><name>%s</name><executable>%s</executable>"
                     "<extra_args>%s</extra_args><timeout_allowed>yes"
                     "</timeout_allowed></command>" % (name, exe, extra))
        parts.append("<active-response><command>%s</command><location>"
                     "local</location><rules_id>%d</rules_id><timeout>10m"
                     "</timeout></active-response>" % (name, 100 + i))
    parts.append("<daemon><active_response_dir>%s</active_response_dir>"
                 "<state_dir>%s/state</state_dir><log_dir>%s/log</log_dir>"
                 "<control_socket>%s/run/control.sock</control_socket>"
                 "</daemon></arx_config>\n" % (ardir, TMP, TMP, TMP))
    with open(CONF, "w") as f:
        f.write("\n".join(parts))


def arx(*args):
    return subprocess.run([ARX, *args, "-c", CONF], capture_output=True,
                          text=True, timeout=60)


def Daemon():
    """arxd in A (netns.Daemon) on this test's configuration."""
    return netns.Daemon(ARXD, ARX, CONF, ERR, PROCS)

def nft_elems():
    """{address: kernel timeout in s} of arx's nftables sets; {} when
    the table or a chain's rules are not all there."""
    text = ns(A, "nft", "list", "table", "inet", "arx", check=False).stdout
    if text.count("saddr @block") != 4:
        return {}
    out = ns(A, "nft", "-j", "list", "table", "inet", "arx",
             check=False).stdout
    got = {}
    for item in json.loads(out)["nftables"]:
        for e in item.get("set", {}).get("elem", []):
            e = e.get("elem", e)
            if isinstance(e, dict):
                got[e["val"]] = e.get("timeout", 0)
            else:
                got[e] = 0
    return got


def ipt_has(addr):
    tool = "ip6tables" if ":" in addr else "iptables"
    out = ns(A, tool, "-w", "-S", check=False).stdout
    return ("-A arx -s %s/" % addr) in out and "-A INPUT -j arx" in out


def ipset_elems():
    """{address: timeout} of ipset's arx4/arx6, when iptables matches
    them from its chain (both families)."""
    got = {}
    for line in ns(A, "ipset", "save", check=False).stdout.splitlines():
        m = re.match(r"add arx[46] (\S+) timeout (\d+)", line)
        if m:
            got[m.group(1)] = int(m.group(2))
    for tool, fam in (("iptables", "4"), ("ip6tables", "6")):
        out = ns(A, tool, "-w", "-S", check=False).stdout
        if "--match-set arx%s src -j DROP" % fam not in out:
            return {}
    return got


def missing():
    """The blocks the kernel does not hold now."""
    nft, sets = nft_elems(), ipset_elems()
    gone = []
    for cmd in ("nft-drop", "fw-nft"):
        gone += [a for a in BLOCKS[cmd] if a not in nft]
    gone += [a for a in BLOCKS["fw-ipt"] if not ipt_has(a)]
    gone += [a for a in BLOCKS["fw-ipset"] if a not in sets]
    return gone


def wait_back(limit):
    """Seconds until every block is back, or None."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if not missing():
            return time.time() - t0
        time.sleep(0.05)
    return None


def kernel_stats():
    return json.loads(arx("status", "--json").stdout)["kernel"]


def listed():
    return {b["address"]: b for b in
            json.loads(arx("list", "--json").stdout)["blocks"]}


def own_adds():
    try:
        lines = open(OWN_LOG).read().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(x) for x in lines if '"add"' in x]


def put_blocks():
    """(before the first block, after the last is in the kernel): eleven
    arx block calls take seconds on a busy ASan run."""
    first = time.time()
    for cmd, addrs in BLOCKS.items():
        for a in addrs:
            r = arx("block", a, "-t", "10m", "-C", cmd)
            expect(r.returncode == 0, "arx block %s by %s" % (a, cmd))
    t = wait_back(5)
    expect(t is not None, "every block is in the kernel (%s)" % missing())
    return first, time.time()


def flush(d):
    """(a): nft flush ruleset, then one set's elements."""
    before = kernel_stats()
    expect(not pings("192.0.2.1", 1) and not pings("2001:db8::1", 1),
           "B cannot ping A (blocked by builtin:nftables and "
           "firewall-drop)")
    ns(A, "nft", "flush", "ruleset")
    print("     nft flush ruleset: %d blocks gone from the kernel"
          % len(missing()))
    # a look every 2 s, then one nft batch: about 2 s on a quiet debug
    # build; the bound leaves room for an ASan build on a busy machine
    t = wait_back(8)
    expect(t is not None and t < 6.0, "every block is back within a look "
           "or two (%s s; missing: %s)" % (t, missing()))
    expect(not pings("192.0.2.1", 1) and not pings("2001:db8::1", 1),
           "B cannot ping A again")
    jumps = [ns(A, tool, "-w", "-S", check=False).stdout.count(
        "-A INPUT -j arx") for tool in ("iptables", "ip6tables")]
    expect(jumps == [1, 1], "firewall-drop's adds set up one jump per "
           "family, not one each (%s)" % jumps)
    after = kernel_stats()
    expect(after["restored"] - before["restored"] == 10 and
           after["restore_rounds"] == before["restore_rounds"] + 1,
           "arx status: 10 blocks restored in one round (%s)" % after)
    text = arx("status").stdout
    expect(re.search(r"kernel: .* 10 restored", text) is not None,
           "arx status says it in text: %s" % re.findall("kernel:.*", text))
    ns(A, "nft", "flush", "set", "inet", "arx", "block6")
    t = wait_back(8)
    expect(t is not None and t < 6.0, "a flush of the IPv6 set alone: "
           "back within a look or two (%s s)" % t)
    time.sleep(0.3)  # the log line of the round
    rounds = open(ERR).read().count("blocks were not in the kernel")
    expect(rounds == 2, "one log line per round, not per address (%d)"
           % rounds)
    rows = listed()
    expect(all(rows[a]["in_kernel"] is True for c in BLOCKS if c != "own"
               for a in BLOCKS[c]) and rows["203.0.113.30"]["in_kernel"]
           is None, "arx list: every looked-at block in the kernel, the "
           "test's program's not known")


def reboot(d, span):
    """(b): SIGKILL, everything gone, start again."""
    n_adds = len(own_adds())
    d.stop(signal.SIGKILL)
    ns(A, "nft", "flush", "ruleset")
    ns(A, "ipset", "destroy", check=False)
    time.sleep(2)
    d = Daemon()
    gone = missing()
    expect(gone == [], "at readiness every block is in the kernel again "
           "(missing: %s)" % gone)
    first, added = span
    elapsed = d.ready - added  # the last block's age at readiness
    nft, sets = nft_elems(), ipset_elems()
    listed = time.time() - first  # the first block's age, listing done
    worst = max([FULL - nft.get(a, 0) for a in BLOCKS["nft-drop"] +
                 BLOCKS["fw-nft"]] +
                [FULL - sets.get(a, 0) for a in BLOCKS["fw-ipset"]])
    best = min([FULL - nft.get(a, 0) for a in BLOCKS["nft-drop"] +
                BLOCKS["fw-nft"]] +
               [FULL - sets.get(a, 0) for a in BLOCKS["fw-ipset"]])
    expect(elapsed - 2 <= best and worst <= listed + 2,
           "with their remaining time (kernel timeouts %d-%d s short of "
           "the full %d, %.1f-%.1f s after the blocks)"
           % (best, worst, FULL, elapsed, listed))
    expect(not pings("192.0.2.1", 1) and not pings("2001:db8::1", 1),
           "B cannot ping A after the restart")
    adds = own_adds()
    expect(len(adds) == n_adds + 1 and
           adds[-1]["parameters"]["arx_timeout"] <= FULL - int(elapsed) + 1,
           "the test's own program got its add again, with the remaining "
           "time (%s)" % (adds[-1]["parameters"].get("arx_timeout")
                          if adds else None))
    st = kernel_stats()
    expect(st["reapplied"] == 11 and st["restore_failed"] == 0,
           "arx status: 11 blocks put back at start (%s)" % st)
    d.p.send_signal(signal.SIGHUP)
    time.sleep(3)
    expect(len(own_adds()) == n_adds + 1, "a reload puts nothing back")
    return d


def own_fails(d):
    """(c): the own program's add fails at the next start."""
    open(OWN_FAIL, "w").close()
    d.stop(signal.SIGTERM)
    d = Daemon()
    row = listed().get("203.0.113.30", {})
    expect(row.get("in_kernel") is False, "arx list --json: in_kernel "
           "false for the block whose add failed at start (%s)" % row)
    text = arx("list").stdout
    line = [x for x in text.splitlines() if x.startswith("203.0.113.30 ")]
    expect(len(line) == 1 and " NO " in line[0],
           "arx list: KERNEL NO (%s)" % line)
    ok = [x for x in text.splitlines() if x.startswith("192.0.2.6 ")]
    expect(len(ok) == 1 and " yes " in ok[0], "and yes for the others")
    return d


def main():
    write_conf()
    setup()
    d = Daemon()
    try:
        expect(pings("192.0.2.1") and pings("2001:db8::1"),
               "B pings A before any block")
        added = put_blocks()
        flush(d)
        d = reboot(d, added)
        d = own_fails(d)
    finally:
        if d.p.poll() is None:
            d.stop(signal.SIGTERM)
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
    err = open(ERR).read()
    expect("Sanitizer" not in err, "arxd exited clean")


if __name__ == "__main__":
    try:
        main()
    finally:
        close()
        shutil.rmtree(TMP, ignore_errors=True)
    print("fw_restore: %s" % ("all checks pass" if not failures
                              else "%d failed" % len(failures)))
    sys.exit(1 if failures else 0)
