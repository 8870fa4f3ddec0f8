#!/usr/bin/env python3
"""Blocks of whole networks (`arx block 198.51.100.128/25`), against the
real kernel in two network namespaces (netns.py): arxd runs in A, B is
the attacker and has addresses inside and outside the blocked networks.

 - builtin:nftables puts a network in arx's interval set (net4, net6):
   B cannot ping A from an address inside it, still can from outside;
   `arx list` shows the network; a host block inside it is a block of
   its own; an overlapping network is refused (the kernel's interval
   sets refuse overlaps) and so is one with host bits set; `arx unblock`
   of the network lifts exactly it; a 3 s network is lifted on time.
 - `nft delete table inet arx` behind arxd's back: the network is back
   within a look or two; arxd stopped, the ruleset flushed (a reboot),
   arxd started: the network is in the kernel when arxd answers.
 - firewall-drop on nftables (the same interval sets) and on iptables
   (a rule with the network), route-null (a blackhole route for it):
   in and out again.
 - firewall-drop on ipset (hash:ip sets hold addresses only), host-deny
   and a network over the white list or the loopback range are refused,
   each with its reason; firewall-drop run by OSSEC's argv protocol
   refuses a network (its srcip comes from a log line there).
 - Four requests at once: the lift of a network, the block of one that
   overlaps it and two addresses. A network goes to the kernel in a
   transaction of its own, so no batch fails and both addresses are
   blocked; the overlapping network is refused while the lift is in
   flight, or placed after it.
 - A journaled network the configuration no longer allows (now over
   the white list) is dropped at the next start, saying why.

Needs root, nftables, iptables and ping.
"""
import json
import os
import re
import socket
import threading
import subprocess
import sys
import time

import netns
from harness import PROCS, finish, scratch, wait
from netns import A, B, close, expect, ns, setup

BIN = os.path.abspath(sys.argv[1])
ARXD, ARX = (os.path.join(BIN, n) for n in ("arxd", "arx"))
TMP = scratch("arx-ranges-")
CONF = os.path.join(TMP, "arx.conf")
ERR = os.path.join(TMP, "arxd.err")

COMMANDS = (("nf", "builtin:nftables", ""),
            ("fd", "firewall-drop", ""),
            ("ipt", "firewall-drop", "--backend iptables"),
            ("ips", "firewall-drop", "--backend ipset"),
            ("rn", "route-null", ""),
            ("hd", "host-deny", "--file %s/hosts.deny" % TMP))

NET4, NET6 = "198.51.100.128/25", "2001:db8:1:0:8000::/65"
IN4, OUT4 = "198.51.100.130", "198.51.100.6"  # B's, inside and outside
IN6, OUT6 = "2001:db8:1:0:8000::6", "2001:db8:1::6"
A4, A6 = "198.51.100.1", "2001:db8:1::1"


def write_conf():
    ardir = os.path.join(TMP, "ar")
    os.makedirs(ardir)
    for prog in ("firewall-drop", "route-null", "host-deny"):
        os.symlink(os.path.join(BIN, prog), os.path.join(ardir, prog))
    parts = ["<arx_config>"]
    for name, exe, extra in COMMANDS:
        parts.append("<command><name>%s</name><executable>%s</executable>"
                     "<extra_args>%s</extra_args><timeout_allowed>yes"
                     "</timeout_allowed></command>" % (name, exe, extra))
    parts.append("<active-response><command>nf</command><location>local"
                 "</location><rules_id>5710</rules_id><timeout>10m"
                 "</timeout></active-response>")
    parts.append("<global><white_list>203.0.113.200/29</white_list>"
                 "</global>")
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
    return netns.Daemon(ARXD, ARX, CONF, ERR, PROCS)


def pings_from(src, dst, tries=3):
    flag = "-6" if ":" in dst else "-4"
    for _ in range(tries):
        if ns(B, "ping", flag, "-c1", "-W1", "-I", src, dst,
              check=False).returncode == 0:
            return True
    return False


def nets(family):
    """{network: kernel timeout} of arx's net4 or net6 set."""
    out = ns(A, "nft", "-j", "list", "set", "inet", "arx",
             "net%d" % family, check=False).stdout
    got = {}
    try:
        data = json.loads(out)["nftables"]
    except (ValueError, KeyError):
        return got
    for item in data:
        for e in item.get("set", {}).get("elem", []):
            e = e.get("elem", e) if isinstance(e, dict) else e
            val = e.get("val", e) if isinstance(e, dict) else e
            if isinstance(val, dict) and "prefix" in val:
                p = val["prefix"]
                got["%s/%d" % (p["addr"], p["len"])] = \
                    e.get("timeout", 0) if isinstance(e, dict) else 0
    return got



def addresses():
    """B's addresses inside and outside the networks, A's beside them."""
    ns(A, "ip", "addr", "add", A4 + "/24", "dev", "vA%d" % netns.PID)
    ns(A, "ip", "addr", "add", A6 + "/64", "dev", "vA%d" % netns.PID,
       "nodad")
    for a in (IN4 + "/24", OUT4 + "/24"):
        ns(B, "ip", "addr", "add", a, "dev", "vB%d" % netns.PID)
    for a in (IN6 + "/64", OUT6 + "/64"):
        ns(B, "ip", "addr", "add", a, "dev", "vB%d" % netns.PID, "nodad")


def builtin_nets():
    expect(pings_from(IN4, A4) and pings_from(IN6, A6),
           "B pings A from inside the networks before any block")
    r = arx("block", NET4, "-t", "1h", "-C", "nf")
    expect(r.returncode == 0 and "blocked " + NET4 in r.stdout,
           "arx block %s: %s" % (NET4, (r.stdout + r.stderr).strip()))
    r = arx("block", NET6, "-t", "1h", "-C", "nf")
    expect(r.returncode == 0, "arx block %s: %s"
           % (NET6, (r.stdout + r.stderr).strip()))
    expect(wait(lambda: NET4 in nets(4) and NET6 in nets(6), 5),
           "each network is in arx's interval set (%s, %s)"
           % (nets(4), nets(6)))
    expect(not pings_from(IN4, A4, 1) and not pings_from(IN6, A6, 1),
           "B cannot ping A from inside the networks")
    expect(pings_from(OUT4, A4) and pings_from(OUT6, A6),
           "B still pings A from outside them")
    def listed():
        out = json.loads(arx("list", "--json").stdout)["blocks"]
        return {b["address"]: (b["state"], b["in_kernel"]) for b in out}
    expect(wait(lambda: listed().get(NET4) == ("active", True) and
                listed().get(NET6) == ("active", True), 10),
           "arx list shows both networks, active and seen in the kernel: "
           "%s" % listed())
    r = arx("block", "198.51.100.0/24", "-C", "nf")
    expect(r.returncode != 0 and "overlaps " + NET4 in r.stderr,
           "an overlapping network is refused: " + r.stderr.strip())
    r = arx("block", "198.51.100.131/25", "-C", "nf")
    expect(r.returncode != 0 and "host bits" in r.stderr,
           "a network with host bits set is refused: " + r.stderr.strip())
    r = arx("block", IN4, "-t", "1h", "-C", "nf")
    expect(r.returncode == 0, "a host inside a blocked network is a block "
           "of its own")
    r = arx("unblock", NET4, "-C", "nf")
    expect(r.returncode == 0 and wait(lambda: NET4 not in nets(4), 5),
           "arx unblock %s lifts the network" % NET4)
    expect(not pings_from(IN4, A4, 1),
           "the host block inside it stays (B still cannot ping from %s)"
           % IN4)
    arx("unblock", IN4, "-C", "nf")
    expect(pings_from(IN4, A4), "with the host lifted too, B pings again")
    arx("block", "203.0.113.0/28", "-t", "3s", "-C", "nf")
    expect(wait(lambda: "203.0.113.0/28" in nets(4), 5),
           "a 3 s network is in the set")
    expect(wait(lambda: "203.0.113.0/28" not in nets(4), 8),
           "and lifted at its deadline")


def kernel_loss(d):
    ns(A, "nft", "delete", "table", "inet", "arx")
    expect(wait(lambda: NET6 in nets(6), 15),
           "nft delete table behind arxd's back: the network is back "
           "within a look or two")
    expect(not pings_from(IN6, A6, 1), "and B cannot ping from it again")
    d.stop()
    ns(A, "nft", "flush", "ruleset")
    d2 = Daemon()
    expect(NET6 in nets(6), "a reboot (arxd stopped, ruleset flushed, "
           "arxd started): the network is in the kernel when arxd answers")
    return d2


def programs():
    r = arx("block", NET6, "-t", "1h", "-C", "fd")
    expect(r.returncode == 0, "firewall-drop on nftables takes the same "
           "network as builtin:nftables (one element of the shared set)")
    r = arx("block", "2001:db8:1:0:8000::/66", "-C", "fd")
    expect(r.returncode != 0 and "overlaps %s, which nf blocks" % NET6
           in r.stderr, "an overlap across the commands that share "
           "nftables' sets is refused: " + r.stderr.strip())
    arx("unblock", NET6, "-C", "fd")
    checks = (
        ("fd", "203.0.113.64/26", lambda: "203.0.113.64/26" in nets(4),
         "firewall-drop on nftables: in the interval set"),
        ("ipt", "203.0.113.128/26",
         lambda: "-A arx -s 203.0.113.128/26 -j DROP" in
         ns(A, "iptables", "-w", "-S", check=False).stdout,
         "firewall-drop on iptables: a rule for the network"),
        ("rn", "203.0.113.32/27",
         lambda: "blackhole 203.0.113.32/27" in
         ns(A, "ip", "-4", "route", "show", "type", "blackhole",
            check=False).stdout,
         "route-null: a blackhole route for the network"),
    )
    for cmd, net, held, what in checks:
        r = arx("block", net, "-t", "1h", "-C", cmd)
        expect(r.returncode == 0 and wait(held, 10),
               "%s (%s)" % (what, (r.stdout + r.stderr).strip()))
        r = arx("unblock", net, "-C", cmd)
        expect(r.returncode == 0 and wait(lambda: not held(), 10),
               "%s: lifted by arx unblock" % cmd)
    refusals = (
        ("ips", "203.0.113.0/26", "single addresses only"),
        ("hd", "203.0.113.0/26", "single addresses only"),
        ("nf", "203.0.113.192/26", "white-listed"),
        ("nf", "64.0.0.0/2", "loopback"),
    )
    for cmd, net, why in refusals:
        r = arx("block", net, "-C", cmd)
        expect(r.returncode != 0 and why in r.stderr,
               "%s %s refused: %s" % (cmd, net, r.stderr.strip()))
    r = ns(A, os.path.join(BIN, "firewall-drop"), "add", "-",
           "203.0.113.0/24", check=False)
    expect(r.returncode == 64 and "not an address" in r.stderr and
           "203.0.113.0/24" not in nets(4),
           "firewall-drop by OSSEC's argv refuses a network: "
           + r.stderr.strip())


def ask(line, out, i):
    """One request on the control socket, as arx sends it."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(TMP, "run", "control.sock"))
    s.sendall(line.encode())
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out[i] = data.decode().strip()


def race():
    arx("block", "198.51.100.0/24", "-t", "1h", "-C", "nf")
    wait(lambda: "198.51.100.0/24" in nets(4), 5)
    lines = ("block 203.0.113.7 1h nf\n", "unblock 198.51.100.0/24 nf\n",
             "block 198.51.100.128/25 1h nf\n", "block 203.0.113.9 1h nf\n")
    out = [None] * len(lines)
    ts = [threading.Thread(target=ask, args=(l, out, i))
          for i, l in enumerate(lines)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    held = ns(A, "nft", "list", "table", "inet", "arx").stdout
    expect("203.0.113.7" in held and "203.0.113.9" in held,
           "four requests at once: both addresses are in the kernel (%s)"
           % out)
    expect(wait(lambda: "198.51.100.0/24" not in nets(4), 5),
           "the lifted network is out of the kernel")
    placed = out[2].startswith("blocked")
    expect(placed == ("198.51.100.128/25" in nets(4)) and
           (placed or "overlaps 198.51.100.0/24" in out[2]),
           "the overlapping network is placed after the lift or refused "
           "while it is in flight: " + out[2])
    expect(not re.search(r"a batch of \d+ failed", open(ERR).read()),
           "no nftables batch failed")
    arx("unblock", "198.51.100.128/25", "-C", "nf")


def journal_recheck(d):
    r = arx("block", "203.0.113.224/28", "-t", "1h", "-C", "nf")
    expect(r.returncode == 0, "203.0.113.224/28 blocked: " + r.stderr)
    d.stop()
    text = open(CONF).read().replace("203.0.113.200/29",
                                     "203.0.113.200/29</white_list>"
                                     "<white_list>203.0.113.232/29")
    with open(CONF, "w") as f:
        f.write(text)
    d = Daemon()
    listed = arx("list").stdout
    expect("203.0.113.224/28" not in listed and re.search(
        r"journal: block of 203.0.113.224/28 by 'nf' dropped: the network "
        r"holds white-listed addresses", open(ERR).read()),
        "a journaled network now over the white list is dropped at start, "
        "saying why")
    return d


def main():
    write_conf()
    setup()
    addresses()
    d = Daemon()
    try:
        builtin_nets()
        d = kernel_loss(d)
        programs()
        race()
        d = journal_recheck(d)
    finally:
        d.stop()
    err = open(ERR).read()
    expect("Sanitizer" not in err, "arxd exited clean")


if __name__ == "__main__":
    finish("fw_ranges", main, TMP, close)
