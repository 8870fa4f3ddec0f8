#!/usr/bin/env python3
"""route-null for real, in two network namespaces (netns.py): a legacy
add installs a blackhole route in A so B's pings get no answer, a second
add is still one route, a delete restores ping and a second delete
succeeds; the same for IPv6 through the JSON protocol with check_keys;
"abort" installs nothing. Needs root, ip and ping.
"""
import sys

from netns import A, close, expect, failures, json_add, message, ns, pings, setup

RN = sys.argv[1]


def routed(addr):
    r = ns(A, "ip", "-6" if ":" in addr else "-4", "route", "show",
           "type", "blackhole", check=False)
    return r.stdout.count(addr)


def main():
    setup()
    legacy = ["-", "192.0.2.6", "1700000000.1", "5712", "/var/log/auth.log",
              "-"]
    r = ns(A, RN, "add", *legacy, check=False)
    expect(r.returncode == 0, "legacy add exits 0 (%s)" % r.stderr.strip())
    expect(routed("192.0.2.6") == 1, "a blackhole route for 192.0.2.6")
    expect(not pings("192.0.2.1", tries=1), "192.0.2.6 gets no answer")
    ns(A, RN, "add", *legacy, check=False)
    expect(routed("192.0.2.6") == 1, "a second add is still one route")
    r = ns(A, RN, "delete", *legacy, check=False)
    expect(r.returncode == 0 and routed("192.0.2.6") == 0,
           "delete removes the route")
    expect(pings("192.0.2.1"), "ping works after the delete")
    r = ns(A, RN, "delete", *legacy, check=False)
    expect(r.returncode == 0, "deleting a route that is gone succeeds")

    keys, rc = json_add(RN, "2001:db8::6", "continue")
    expect(keys["parameters"]["keys"] == ["2001:db8::6"] and rc == 0 and
           routed("2001:db8::6") == 1, "JSON add routes 2001:db8::6 away")
    expect(not pings("2001:db8::1", tries=1), "2001:db8::6 gets no answer")
    r = ns(A, RN, input=message("delete", "2001:db8::6", []), check=False)
    expect(r.returncode == 0 and routed("2001:db8::6") == 0,
           "JSON delete removes the route")
    keys, rc = json_add(RN, "192.0.2.6", "abort")
    expect(rc == 0 and routed("192.0.2.6") == 0, "abort routes nothing")


try:
    main()
finally:
    close()

print("route-null: %s" % ("all checks pass" if not failures
                          else "%d failed" % len(failures)))
sys.exit(1 if failures else 0)
