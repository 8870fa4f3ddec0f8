#!/usr/bin/env python3
"""firewall-drop --backend ipset, for real, in two network namespaces
(netns.py): an add with --timeout 3 puts 192.0.2.6 into set arx4 with a
timeout and B cannot ping A; the kernel removes it on time and ping works
again; IPv6 through the JSON protocol goes into arx6 and a delete lifts
it; a second delete succeeds. Needs root, ipset, iptables and ping.
"""
import sys
import time

from netns import A, close, expect, failures, json_add, message, ns, pings, setup

FD = sys.argv[1]
BACKEND = ["--backend", "ipset"]


def member(addr):
    s = "arx6" if ":" in addr else "arx4"
    r = ns(A, "ipset", "list", s, check=False)
    return addr in r.stdout


def main():
    setup()
    r = ns(A, FD, "add", "-", "192.0.2.6", "1.1", "5712", "x", "-",
           "--timeout", "3", *BACKEND, check=False)
    expect(r.returncode == 0, "add exits 0 (%s)" % r.stderr.strip())
    expect(member("192.0.2.6"), "set arx4 holds 192.0.2.6")
    expect(not pings("192.0.2.1", tries=1), "192.0.2.6 can no longer ping")
    time.sleep(4.5)
    expect(not member("192.0.2.6"), "the kernel lifted the block on time")
    expect(pings("192.0.2.1"), "ping works after the timeout")

    keys, rc = json_add(FD, "2001:db8::6", "continue",
                        extra=["--timeout", "600"] + BACKEND)
    expect(rc == 0 and member("2001:db8::6"), "JSON add fills arx6")
    expect(not pings("2001:db8::1", tries=1), "2001:db8::6 can no longer ping6")
    for what in ("JSON delete lifts the block", "a second delete succeeds"):
        r = ns(A, FD, input=message("delete", "2001:db8::6", BACKEND),
               check=False)
        expect(r.returncode == 0 and not member("2001:db8::6"), what)
    expect(pings("2001:db8::1"), "ping6 works after the delete")


try:
    main()
finally:
    close()

print("fw.ipset: %s" % ("all checks pass" if not failures
                        else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
