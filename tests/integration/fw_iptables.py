#!/usr/bin/env python3
"""firewall-drop --backend iptables, for real, in two network namespaces
(netns.py): the chain "arx" is jumped to from INPUT and FORWARD once, an
add for 192.0.2.6 puts one DROP rule there (two adds, still one) and B
cannot ping A; a delete removes it and ping works; the same for IPv6
through the JSON protocol and ip6tables; a second delete succeeds.
Needs root, iptables and ping.
"""
import sys

from netns import A, close, expect, failures, json_add, message, ns, pings, setup

FD = sys.argv[1]


def rules(tool):
    return ns(A, tool, "-w", "-S", check=False).stdout


def legacy(cmd):
    return ns(A, FD, cmd, "-", "192.0.2.6", "1.1", "5712", "x", "-",
              "--backend", "iptables", check=False)


def main():
    setup()
    r = legacy("add")
    expect(r.returncode == 0, "add exits 0 (%s)" % r.stderr.strip())
    legacy("add")
    s = rules("iptables")
    expect(s.count("-A arx -s 192.0.2.6/32 -j DROP") == 1,
           "one DROP rule after two adds")
    expect(s.count("-A INPUT -j arx") == 1 and
           s.count("-A FORWARD -j arx") == 1, "one jump from INPUT and FORWARD")
    expect(not pings("192.0.2.1", tries=1), "192.0.2.6 can no longer ping")
    r = legacy("delete")
    expect(r.returncode == 0 and "192.0.2.6" not in rules("iptables"),
           "delete removes the rule")
    expect(pings("192.0.2.1"), "ping works after the delete")
    expect(legacy("delete").returncode == 0, "a second delete succeeds")

    keys, rc = json_add(FD, "2001:db8::6", "continue",
                        extra=["--backend", "iptables"])
    expect(rc == 0 and "2001:db8::6" in rules("ip6tables"),
           "JSON add puts an ip6tables rule")
    expect(not pings("2001:db8::1", tries=1), "2001:db8::6 can no longer ping6")
    r = ns(A, FD, input=message("delete", "2001:db8::6",
                                ["--backend", "iptables"]), check=False)
    expect(r.returncode == 0 and "2001:db8::6" not in rules("ip6tables"),
           "JSON delete removes it")
    expect(pings("2001:db8::1"), "ping6 works after the delete")
    r = ns(A, FD, "add", "-", "192.0.2.7", "1.1", "5712", "x", "-",
           "--backend", "ipfw", check=False)
    expect(r.returncode == 64 and "unknown backend" in r.stderr,
           "an unknown backend is refused")


try:
    main()
finally:
    close()

print("fw.iptables: %s" % ("all checks pass" if not failures
                           else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
